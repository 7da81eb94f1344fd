"""Loading a pool file (CONTRACT §2) into an IdentityPool, enforcing the service's own limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any, cast

from simulator.assumptions import AssumptionSet, Name, Setting
from simulator.errors import ConfigError
from simulator.model import limits, shapes
from simulator.model.document import Document, plain, read_file
from simulator.model.limits import PLACEHOLDER_POOL_ID
from simulator.model.pool import (
    CognitoIdentityProvider,
    IdentityPool,
    MappingRule,
    MatchType,
    OpenIdConnectProvider,
    PrincipalTagMap,
    RoleMapping,
    SchemaAttribute,
    UserPool,
    UserPoolClient,
    UserPoolGroup,
)
from simulator.model.providers import (
    OIDC_ARN,
    ROLE_ARN,
    SAML_ARN,
    USER_POOL_PROVIDER,
    ProviderKind,
    ProviderName,
    parse_logins_name,
    parse_mapping_key,
)
from simulator.node import Node
from simulator.unresolved import is_unresolved_text

if TYPE_CHECKING:
    from simulator.iam.roles import IamData

TOP_LEVEL_KEYS = (
    # DescribeIdentityPool
    "IdentityPoolId", "IdentityPoolName", "AllowUnauthenticatedIdentities", "AllowClassicFlow",
    "SupportedLoginProviders", "DeveloperProviderName", "OpenIdConnectProviderARNs",
    "CognitoIdentityProviders", "SamlProviderARNs", "IdentityPoolTags",
    # GetIdentityPoolRoles
    "Roles", "RoleMappings",
    # rolesim's additions (CONTRACT §2)
    "PrincipalTagAttributeMaps", "AccountId", "UserPools", "OpenIdConnectProviders",
    "IamRoles", "Policies", "Assumptions",
    "ResponseMetadata",
)  # fmt: skip

IDENTITY_POOL_ID = re.compile(r"[\w-]+:[0-9a-f-]+")  # [M] IdentityPoolId pattern
BARE_USER_POOL_ID = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d_[0-9a-zA-Z]+")
PROVIDER_NAME = re.compile(r"[\w._:/-]+")  # [M] CognitoIdentityProviderName
CLIENT_ID = re.compile(r"[\w_]+")  # [M] CognitoIdentityProviderClientId
LOGIN_PROVIDER_VALUE = re.compile(r"[\w.;_/-]+")  # [M] IdentityProviderId


# --assume NAME=CHOICE pairs, and --assume-from's observed settings before them.
Overrides = Sequence[tuple[str, str] | Setting]

# The response shapes of the two calls whose output is pasted beside describe-identity-pool's.
_TAG_MAP_KEYS = frozenset({"IdentityProviderName", "UseDefaults", "PrincipalTags"})
_PROVIDER_KEYS = frozenset({
    "CognitoIdentityProviders", "SupportedLoginProviders", "OpenIdConnectProviderARNs",
    "SamlProviderARNs", "DeveloperProviderName",
})  # fmt: skip


def _refuse_lone_response(root: Node) -> None:
    """A `get-principal-tag-attribute-map` or `get-identity-pool-roles` response given on its own
    (`aws cognito-identity ... | rolesim lint -`): named, with the exact fix."""
    keys = set(root.mapping())
    if keys & _TAG_MAP_KEYS:
        root.fail(
            "this is a get-principal-tag-attribute-map response, not a pool file",
            hint="a pool file lists it under PrincipalTagAttributeMaps, beside the "
            "describe-identity-pool output: PrincipalTagAttributeMaps: [{IdentityProviderName: …, "
            "UseDefaults: …, PrincipalTags: {…}}]",
            code="pasted-response",
        )
    if "RoleMappings" in keys and not keys & _PROVIDER_KEYS:
        root.fail(
            "this is a get-identity-pool-roles response alone: it names no login provider, and "
            "every role mapping belongs to one",
            hint="merge it with the describe-identity-pool output of the same pool; their "
            "top-level keys combine as they are: jq -s add describe.json roles.json",
            code="pasted-response",
        )


def load_pool(path: FsPath | str, *, assume: Overrides = ()) -> IdentityPool:
    """Read and validate a pool file; `assume` (NAME, CHOICE) pairs override the file's Assumptions."""
    return pool_from_document(read_file(path), assume=assume)


def pool_from_document(doc: Document, *, assume: Overrides = ()) -> IdentityPool:
    try:
        pool = _Builder(doc, assume).build()
        shapes.check(doc.data)  # every other string, against the service models
    except ConfigError as err:
        raise doc.error(err) from None
    return pool


def pool_from_dict(data: dict[str, Any], source: str = "<input>") -> IdentityPool:
    return pool_from_document(Document(data, source))


def is_pool_id(text: str) -> bool:
    return bool(IDENTITY_POOL_ID.fullmatch(text) or PLACEHOLDER_POOL_ID.fullmatch(text))


def _role_arn(node: Node) -> str:
    if is_unresolved_text(node.value):
        # An imported role ARN no offline reading can know (IMPORT.md D5): an error only when a
        # decision grants it (simulator.importers.lazy).
        return str(node.value)
    return node.string(
        length=limits.ARN_LEN,
        check=ROLE_ARN.fullmatch,
        what="an IAM role ARN",
        hint="expected arn:aws:iam::<12-digit account>:role/<path/><name>",
    )


class _Builder:
    def __init__(self, doc: Document, assume: Overrides) -> None:
        self.root = Node(doc.data)
        self.source = doc.source
        self.origins = doc.origins
        self.assume = assume
        self.warnings: list[str] = []

    def build(self) -> IdentityPool:
        root = self.root
        if root.value is None:
            root.fail("the file is empty", hint="a pool file needs at least IdentityPoolId")
        _refuse_lone_response(root)
        root.check_keys(TOP_LEVEL_KEYS, required=("IdentityPoolId",))
        assumptions = self._assumptions()
        pool_id = root.require("IdentityPoolId").string(
            length=(1, 55), check=is_pool_id, what="an identity pool id",
            hint="expected <region>:<guid>",
        )  # fmt: skip
        cognito = self._cognito_providers()
        oidc_arns = self._arn_list(
            "OpenIdConnectProviderARNs", OIDC_ARN, "an IAM OIDC provider ARN"
        )
        saml_arns = self._arn_list("SamlProviderARNs", SAML_ARN, "an IAM SAML provider ARN")
        supported = self._supported_login_providers()
        configured = _Configured(cognito, oidc_arns, saml_arns, supported)
        account = root.get("AccountId")
        unauth = root.get("AllowUnauthenticatedIdentities")
        classic = root.get("AllowClassicFlow")
        name = root.get("IdentityPoolName")
        dev = root.get("DeveloperProviderName")
        return IdentityPool(
            identity_pool_id=pool_id,
            name=name.string() if name else None,
            account_id=account.string(
                check=re.compile(r"\d{12}").fullmatch, what="a 12-digit account id"
            )
            if account
            else None,
            allow_unauthenticated=unauth.boolean() if unauth else False,
            allow_classic_flow=classic.boolean() if classic else None,
            cognito_providers=cognito,
            oidc_provider_arns=oidc_arns,
            saml_provider_arns=saml_arns,
            supported_login_providers=supported,
            developer_provider_name=dev.string() if dev else None,
            roles=self._roles(),
            role_mappings=self._role_mappings(configured, assumptions),
            tag_maps=self._tag_maps(configured),
            user_pools=self._user_pools(),
            oidc_providers=self._oidc_providers(),
            iam=self._iam(),
            assumptions=assumptions,
            source=self.source,
            warnings=tuple(self.warnings),
            origins=self.origins,
        )

    def _assumptions(self) -> AssumptionSet:
        node = self.root.get("Assumptions")
        base = AssumptionSet()
        if node is not None:
            from simulator.model.settled import observed_setting  # YAML writer and all: if used

            # A choice, or a settled.yaml entry ({observed: CHOICE, region, date, ...}) pasted in.
            base = AssumptionSet.parse(
                (
                    observed_setting(node, k) if isinstance(v.value, dict) else (k, v.string())
                    for k, v in node.items()
                ),
                path=("Assumptions",),
            )
        # Command-line choices were validated by the caller; they win over the file's.
        return AssumptionSet.parse(self.assume, base=base, path=("--assume",))

    def _cognito_providers(self) -> tuple[CognitoIdentityProvider, ...]:
        node = self.root.get("CognitoIdentityProviders")
        if node is None:
            return ()
        out = []
        for e in node.elements():
            e.check_keys(
                ("ProviderName", "ClientId", "ServerSideTokenCheck"), required=("ProviderName",)
            )
            name = e.require("ProviderName").string(
                length=limits.PROVIDER_NAME_LEN,
                check=PROVIDER_NAME.fullmatch,
                what="a provider name",
            )
            if name.startswith("https://") or not USER_POOL_PROVIDER.fullmatch(name):
                e.child("ProviderName").fail(
                    f"{name!r} is not a user pool provider name",
                    hint="expected cognito-idp.<region>.amazonaws.com/<userPoolId>, without https://",
                )
            client = e.get("ClientId")
            check = e.get("ServerSideTokenCheck")
            out.append(
                CognitoIdentityProvider(
                    name,
                    client.string(length=(1, 128), check=CLIENT_ID.fullmatch, what="a client id")
                    if client
                    else "",
                    check.boolean() if check else False,
                )
            )
        return tuple(out)

    def _arn_list(self, key: str, pattern: re.Pattern[str], what: str) -> tuple[str, ...]:
        node = self.root.get(key)
        if node is None:
            return ()
        return tuple(
            e.string(length=limits.ARN_LEN, check=pattern.fullmatch, what=what)
            for e in node.elements()
        )

    def _supported_login_providers(self) -> dict[str, str]:
        node = self.root.get("SupportedLoginProviders")
        if node is None:
            return {}
        m = node.mapping()
        if len(m) > limits.MAX_SUPPORTED_LOGIN_PROVIDERS:
            node.fail(
                f"{len(m)} providers; the service allows at most {limits.MAX_SUPPORTED_LOGIN_PROVIDERS}"
            )
        return {
            k: v.string(
                length=(1, 128), check=LOGIN_PROVIDER_VALUE.fullmatch, what="a provider app id"
            )
            for k, v in node.items()
        }

    def _roles(self) -> dict[str, str]:
        node = self.root.get("Roles")
        if node is None:
            return {}
        out = {}
        for k, v in node.items():
            if k not in limits.ROLE_KEYS:
                node.fail(
                    f"unknown role key {k!r}",
                    at=(k,),
                    hint="only authenticated and unauthenticated roles are supported [service model RolesMap]",
                )
            out[k] = _role_arn(v)
        return out

    def _role_mappings(
        self, configured: _Configured, assumptions: AssumptionSet
    ) -> tuple[RoleMapping, ...]:
        node = self.root.get("RoleMappings")
        if node is None:
            return ()
        m = node.mapping()
        if len(m) > limits.MAX_ROLE_MAPPINGS:
            node.fail(
                f"{len(m)} role mappings; the service allows at most {limits.MAX_ROLE_MAPPINGS}"
            )
        out: list[RoleMapping] = []
        seen: dict[tuple[str, str | None], str] = {}
        for key, entry in node.items():
            mapping = self._role_mapping(key, entry, configured, assumptions)
            ident = (mapping.provider.name, mapping.provider.client_id)
            if ident in seen:
                entry.fail(
                    f"a second role mapping for the provider of RoleMappings[{seen[ident]!r}]"
                )
            seen[ident] = key
            out.append(mapping)
        return tuple(out)

    def _role_mapping(
        self, key: str, entry: Node, configured: _Configured, assumptions: AssumptionSet
    ) -> RoleMapping:
        entry.check_keys(
            ("Type", "AmbiguousRoleResolution", "RulesConfiguration", "IdentityProvider"),
            required=("Type",),
        )
        ident_node = entry.get("IdentityProvider")
        provider_text = ident_node.string() if ident_node else key
        where = ident_node if ident_node else entry
        if not limits.PROVIDER_NAME_LEN[0] <= len(key) <= limits.PROVIDER_NAME_LEN[1]:
            entry.fail(f"the key is {len(key)} characters; the service allows 1-128")
        provider = configured.mapping_provider(provider_text, where)
        mtype = entry.require("Type").string(
            check=lambda s: s in limits.MAPPING_TYPES, what="a mapping type", hint="Token or Rules"
        )
        # [M] "If you specify Token or Rules as the Type, AmbiguousRoleResolution is required."
        resolution = entry.require("AmbiguousRoleResolution").string(
            check=lambda s: s in limits.AMBIGUOUS_RESOLUTIONS,
            what="a resolution",
            hint="AuthenticatedRole or Deny",
        )
        rules: tuple[MappingRule, ...] = ()
        config = entry.get("RulesConfiguration")
        if mtype == "Rules" and config is None:
            # [M] RulesConfiguration is "required if Type is Rules".
            entry.fail("Type Rules needs RulesConfiguration", hint="add RulesConfiguration.Rules")
        if config is not None:
            config.check_keys(("Rules",), required=("Rules",))
            rules = self._rules(config.require("Rules"), assumptions)
        return RoleMapping(
            key=key,
            provider=provider,
            type=cast("Any", mtype),
            ambiguous_role_resolution=cast("Any", resolution),
            rules=rules,
            path=entry.path,
        )

    def _rules(self, node: Node, assumptions: AssumptionSet) -> tuple[MappingRule, ...]:
        rules = []
        for e in node.elements():
            e.check_keys(
                ("Claim", "MatchType", "Value", "RoleARN"),
                required=("Claim", "MatchType", "Value", "RoleARN"),
            )
            claim = e.require("Claim").string(
                length=limits.CLAIM_NAME_LEN, check=limits.is_claim_name,
                what="a claim name (letters, marks, symbols, digits, punctuation; no spaces)",
            )  # fmt: skip
            match = e.require("MatchType").string(
                check=lambda s: s in limits.MATCH_TYPES,
                what="a match type",
                hint="Equals, Contains, StartsWith or NotEqual",
            )
            value = e.require("Value").string(length=limits.CLAIM_VALUE_LEN)
            rules.append(
                MappingRule(
                    claim, cast("MatchType", match), value, _role_arn(e.require("RoleARN")), e.path
                )
            )
        if not rules:
            node.fail("a rule list needs at least one rule [service model MappingRulesList min 1]")
        if len(rules) > limits.MAX_RULES_DOCUMENTED:
            if not assumptions.alt(Name.RULE_LIMIT):
                node.fail(
                    f"{len(rules)} rules; AWS documents at most {limits.MAX_RULES_DOCUMENTED} per provider",
                    hint="the service model allows 400; set Assumptions: {rule-limit: '400'} to accept it",
                    code="too-many-rules",
                )
            if len(rules) > limits.MAX_RULES_MODEL:
                node.fail(
                    f"{len(rules)} rules; the service model allows at most {limits.MAX_RULES_MODEL}"
                )
            self.warnings.append(
                f"{len(rules)} rules at {node.path!r} exceed the documented 25 (accepted under rule-limit=400)"
            )
        return tuple(rules)

    def _tag_maps(self, configured: _Configured) -> tuple[PrincipalTagMap, ...]:
        node = self.root.get("PrincipalTagAttributeMaps")
        if node is None:
            return ()
        out: list[PrincipalTagMap] = []
        for e in node.elements():
            e.check_keys(
                (
                    "IdentityPoolId",
                    "IdentityProviderName",
                    "UseDefaults",
                    "PrincipalTags",
                    "ResponseMetadata",
                ),
                required=("IdentityProviderName",),
            )
            name_node = e.require("IdentityProviderName")
            provider = configured.tag_provider(
                name_node.string(length=limits.PROVIDER_NAME_LEN), name_node
            )
            if any(t.provider.name == provider.name for t in out):
                name_node.fail("a second principal tag map for the same provider")
            tags: dict[str, str] = {}
            tags_node = e.get("PrincipalTags")
            if tags_node is not None:
                if len(tags_node.mapping()) > limits.MAX_PRINCIPAL_TAGS:
                    tags_node.fail(
                        f"at most {limits.MAX_PRINCIPAL_TAGS} principal tags [service model]"
                    )
                for tag, claim in tags_node.items():
                    problem = limits.tag_text_problem(tag, limit=limits.PRINCIPAL_TAG_KEY_LEN[1])
                    if problem:
                        claim.fail(
                            f"tag key {tag!r} {problem}",
                            hint="STS would refuse this session tag key",
                        )
                    tags[tag] = claim.string(length=limits.PRINCIPAL_TAG_CLAIM_LEN)
            use = e.get("UseDefaults")
            out.append(PrincipalTagMap(provider, use.boolean() if use else False, tags, e.path))
        return tuple(out)

    def _user_pools(self) -> tuple[UserPool, ...]:
        node = self.root.get("UserPools")
        if node is None:
            return ()
        out = []
        for e in node.elements():
            e.check_keys(
                ("ProviderName", "Groups", "Clients", "SchemaAttributes"),
                required=("ProviderName",),
            )
            name = e.require("ProviderName").string(
                check=USER_POOL_PROVIDER.fullmatch, what="a user pool provider name",
                hint="cognito-idp.<region>.amazonaws.com/<userPoolId>",
            )  # fmt: skip
            groups, clients, schema = [], [], []
            if (g := e.get("Groups")) is not None:
                for ge in g.elements():
                    prec = ge.get("Precedence")
                    role = ge.get("RoleArn")
                    groups.append(
                        UserPoolGroup(
                            ge.require("GroupName").string(),
                            prec.integer() if prec else None,
                            _role_arn(role) if role else None,
                        )
                    )
            if (c := e.get("Clients")) is not None:
                for ce in c.elements():
                    read, write = ce.get("ReadAttributes"), ce.get("WriteAttributes")
                    flows = ce.get("ExplicitAuthFlows")
                    clients.append(
                        UserPoolClient(
                            ce.require("ClientId").string(),
                            read.strings() if read else None,
                            write.strings() if write else None,
                            flows.strings() if flows else (),
                            ce.get("ClientSecret") is not None,
                        )
                    )
            if (s := e.get("SchemaAttributes")) is not None:
                for se in s.elements():
                    mut, dev = se.get("Mutable"), se.get("DeveloperOnlyAttribute")
                    schema.append(
                        SchemaAttribute(
                            se.require("Name").string(),
                            mut.boolean() if mut else True,
                            dev.boolean() if dev else False,
                        )
                    )
            out.append(UserPool(name, tuple(groups), tuple(clients), tuple(schema), e.path))
        return tuple(out)

    def _oidc_providers(self) -> tuple[OpenIdConnectProvider, ...]:
        node = self.root.get("OpenIdConnectProviders")
        if node is None:
            return ()
        out = []
        for e in node.elements():
            e.check_keys(
                ("Arn", "Url", "ClientIDList", "ThumbprintList", "CreateDate", "Tags"),
                required=("Arn",),
            )
            arn = e.require("Arn").string(check=OIDC_ARN.fullmatch, what="an IAM OIDC provider ARN")
            url = e.get("Url")
            ids = e.get("ClientIDList")
            out.append(
                OpenIdConnectProvider(
                    arn,
                    url.string() if url else OIDC_ARN.fullmatch(arn)["url"],  # type: ignore[index]
                    ids.strings() if ids else (),
                )
            )
        return tuple(out)

    def _iam(self) -> IamData | None:
        roles, policies = self.root.get("IamRoles"), self.root.get("Policies")
        if roles is None and policies is None:
            return None
        from simulator.iam.roles import load_iam  # the policy engine: only for a pool with IAM data

        return load_iam(
            plain(roles.value) if roles else [], plain(policies.value) if policies else []
        )


class _Configured:
    """The providers a pool is configured for, to validate RoleMappings and tag-map keys against."""

    def __init__(
        self,
        cognito: Sequence[CognitoIdentityProvider],
        oidc: Sequence[str],
        saml: Sequence[str],
        supported: dict[str, str],
    ) -> None:
        self.cognito = cognito
        self.oidc = oidc
        self.saml = saml
        self.supported = supported

    def _configured_names(self) -> list[str]:
        return [f"{c.provider_name}:{c.client_id}" for c in self.cognito] + [
            *self.oidc,
            *self.saml,
            *self.supported,
        ]

    def mapping_provider(self, text: str, node: Node) -> ProviderName:
        # AWS's message for a bad key (§1.2): "<key> is not a valid RoleMapping ProviderName or is not
        # a configured provider."
        aws = f"{text} is not a valid RoleMapping ProviderName or is not a configured provider"
        if text.startswith(("https://", "http://")):
            bare = text.split("://", 1)[1]
            clients = [c.client_id for c in self.cognito if c.provider_name == bare]
            fixed = (
                f"{bare}:{clients[0]}" if clients and USER_POOL_PROVIDER.fullmatch(bare) else bare
            )
            node.fail(aws, hint=f"drop the scheme: {fixed!r}", code="mapping-key-scheme")
        provider = parse_mapping_key(text)
        if provider is None and USER_POOL_PROVIDER.fullmatch(text):
            clients = [c.client_id for c in self.cognito if c.provider_name == text]
            node.fail(
                aws,
                hint="a user pool key needs its app client id: "
                + (
                    ", ".join(repr(f"{text}:{c}") for c in clients)
                    if clients
                    else f"'{text}:<appClientId>'"
                ),
                code="mapping-key-without-client",
            )
        if provider is None and BARE_USER_POOL_ID.fullmatch(text):
            keys = [
                f"{c.provider_name}:{c.client_id}"
                for c in self.cognito
                if c.provider_name.endswith("/" + text)
            ]
            node.fail(
                aws,
                hint="a bare user pool id; the key is cognito-idp.<region>.amazonaws.com/<poolId>:"
                "<appClientId>" + (f", e.g. {keys[0]!r}" if keys else ""),
                code="mapping-key-bare-pool-id",
            )
        if provider is None:
            # The OIDC issuer host is the Logins key; as a RoleMappings key it is undocumented (§10.10).
            for arn in self.oidc:
                if OIDC_ARN.fullmatch(arn)["url"] == text:  # type: ignore[index]
                    return ProviderName(ProviderKind.OIDC, arn)
            node.fail(
                aws,
                hint="configured providers: " + (", ".join(self._configured_names()) or "none"),
                code="mapping-key-unconfigured",
            )
        ok = {
            ProviderKind.USER_POOL: any(
                c.provider_name == provider.name and c.client_id == provider.client_id
                for c in self.cognito
            ),
            ProviderKind.OIDC: provider.name in self.oidc,
            ProviderKind.SAML: provider.name in self.saml,
            ProviderKind.SOCIAL: provider.name in self.supported,
        }[provider.kind]
        if not ok:
            node.fail(
                aws,
                hint="configured providers: " + (", ".join(self._configured_names()) or "none"),
                code="mapping-key-unconfigured",
            )
        return provider

    def tag_provider(self, text: str, node: Node) -> ProviderName:
        if USER_POOL_PROVIDER.fullmatch(
            text.rsplit(":", 1)[0]
        ) and not USER_POOL_PROVIDER.fullmatch(text):
            node.fail(
                "a principal tag map names the user pool without the app client id",
                hint=f"use {text.rsplit(':', 1)[0]!r}",
            )
        provider = parse_logins_name(text.removeprefix("https://"))
        if provider is None or text.startswith("https://"):
            node.fail(
                f"{text!r} is not a provider name",
                hint="user pools as cognito-idp.<region>.amazonaws.com/<poolId>, OIDC and SAML by IAM "
                "provider ARN, social providers by host (graph.facebook.com)",
            )
        ok = {
            ProviderKind.USER_POOL: any(c.provider_name == provider.name for c in self.cognito),
            ProviderKind.OIDC: provider.name in self.oidc,
            ProviderKind.SAML: provider.name in self.saml,
            ProviderKind.SOCIAL: provider.name in self.supported,
        }[provider.kind]
        if not ok:
            node.fail(f"{text!r} is not a configured provider of this identity pool")
        return provider
