"""The AWS provider's resources, from Terraform attributes to the neutral CloudFormation shapes.

One translation serves both Terraform readers: the configuration (`.tf`, simulator.importers.
terraform) and the plan (`terraform show -json`, simulator.importers.tfplan). Both hand over each
resource instance's attributes in Terraform's own shapes (nested blocks as lists of objects, as the
plan JSON writes them); this module applies the provider's schema defaults (IMPORT.md D8), converts
values as the provider schema types them, and writes the CloudFormation type and property names
(simulator.importers.resources). The configuration reader also needs what the provider computes at
deploy time: `computed_attributes` builds those as D4 placeholders.
Provider documentation: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/<type>
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from simulator.errors import ConfigError, Path, format_path
from simulator.importers.hcl_values import (
    EncodedJson,
    HclSet,
    PartialJson,
    derived_string,
    format_number,
)
from simulator.importers.resources import Resource
from simulator.importers.values import Placeholder, Unresolved
from simulator.model.document import Origin

# D3's defaults, marked so that output says they were assumed.
DEFAULT_ACCOUNT = Placeholder("123456789012", of="AWS::AccountId", attribute="default")
DEFAULT_REGION = Placeholder("us-east-1", of="AWS::Region", attribute="default")


def partition_of(region: str) -> str:
    """The partition a region belongs to (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class AwsContext(msgspec.Struct, frozen=True):
    """Where resources deploy when the file does not say (D3)."""

    region: str = DEFAULT_REGION
    account: str = DEFAULT_ACCOUNT
    partition: str = "aws"


class Instance(msgspec.Struct, frozen=True):
    """One resource instance as a Terraform reader sees it."""

    tf_type: str
    address: str  # aws_iam_role.auth, aws_iam_role.auth[0], module.m.aws_iam_role.x["k"]
    values: Mapping[str, Any]  # Terraform attributes; an unset argument is absent
    origin: Origin
    origins: Mapping[Path, Origin] = msgspec.field(
        default_factory=dict
    )  # by Terraform attribute path

    def origin_of(self, path: Path) -> Origin:
        key = tuple(path)
        while key:
            found = self.origins.get(key)
            if found is not None:
                return found
            key = key[:-1]
        return self.origin


CFN_TYPES: dict[str, str] = {
    "aws_cognito_identity_pool": "AWS::Cognito::IdentityPool",
    "aws_cognito_identity_pool_roles_attachment": "AWS::Cognito::IdentityPoolRoleAttachment",
    "aws_cognito_identity_pool_provider_principal_tag": "AWS::Cognito::IdentityPoolPrincipalTag",
    "aws_cognito_user_pool": "AWS::Cognito::UserPool",
    "aws_cognito_user_pool_client": "AWS::Cognito::UserPoolClient",
    "aws_cognito_user_group": "AWS::Cognito::UserPoolGroup",
    "aws_iam_role": "AWS::IAM::Role",
    "aws_iam_role_policy": "AWS::IAM::RolePolicy",
    "aws_iam_policy": "AWS::IAM::ManagedPolicy",
    "aws_iam_role_policy_attachment": "Rolesim::IAM::RolePolicyAttachment",
    "aws_iam_openid_connect_provider": "AWS::IAM::OIDCProvider",
    "aws_iam_saml_provider": "AWS::IAM::SAMLProvider",
}


# Values as the provider schema types them ---------------------------------------------------------


class _Convert:
    """Terraform's conversion of a configured value to the attribute's schema type."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance

    def fail(self, path: Path, message: str) -> ConfigError:
        origin = self.instance.origin_of(path)
        return ConfigError(
            message,
            file=origin.file,
            line=origin.line,
            native_path=f"{self.instance.address}.{format_path(path)}",
            construct=self.instance.address,
        )

    def string(self, value: Any, path: Path) -> Any:
        if isinstance(value, str | Unresolved):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return format_number(value)
        raise self.fail(path, f"a string is required, found {_kind(value)}")

    def boolean(self, value: Any, path: Path) -> Any:
        if isinstance(value, bool | Unresolved):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise self.fail(path, f"true or false is required, found {_kind(value)}")

    def integer(self, value: Any, path: Path) -> Any:
        if isinstance(value, Unresolved) or (
            isinstance(value, int) and not isinstance(value, bool)
        ):
            return value
        if isinstance(value, str) and not isinstance(value, Placeholder):
            try:
                return int(value)
            except ValueError:
                pass
        raise self.fail(path, f"a whole number is required, found {_kind(value)}")

    def strings(self, value: Any, path: Path) -> Any:
        if isinstance(value, Unresolved):
            return value
        if not isinstance(value, list | tuple):
            raise self.fail(path, f"a list of strings is required, found {_kind(value)}")
        return [self.string(v, (*path, i)) for i, v in enumerate(value)]

    def string_set(self, value: Any, path: Path) -> Any:
        """A set of strings, in the lexical order Terraform keeps a set in."""
        items = self.strings(value, path)
        if isinstance(items, Unresolved) or any(isinstance(i, Unresolved) for i in items):
            return items
        return sorted(set(items), key=str)

    def string_map(self, value: Any, path: Path) -> Any:
        if isinstance(value, Unresolved):
            return value
        if not isinstance(value, dict):
            raise self.fail(path, f"a map of strings is required, found {_kind(value)}")
        return {k: self.string(v, (*path, k)) for k, v in value.items()}

    def blocks(self, value: Any, path: Path) -> Any:
        if isinstance(value, Unresolved):
            return value
        if not isinstance(value, list | tuple) or not all(isinstance(v, dict) for v in value):
            raise self.fail(path, f"nested blocks are required, found {_kind(value)}")
        return list(value)

    def policy(self, value: Any, path: Path) -> Any:
        """A policy document: JSON text (jsonencode, a heredoc, a policy document's json)."""
        if isinstance(value, EncodedJson | PartialJson):
            return _json_ready(value.value)  # a PartialJson: its unknown values marked in place
        if isinstance(value, Unresolved):
            return value
        if isinstance(value, dict):
            return _json_ready(value)
        if not isinstance(value, str):
            raise self.fail(path, f"a JSON policy document is required, found {_kind(value)}")
        try:
            parsed = json.loads(value)
        except ValueError:
            raise self.fail(path, "the policy is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise self.fail(path, "the policy must be a JSON object")
        return parsed


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    return "a list"


def _json_ready(value: Any) -> Any:
    if isinstance(value, HclSet):
        return [_json_ready(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    return value


# Translation --------------------------------------------------------------------------------------


Field = tuple[str, str, str, Any]  # CloudFormation name, Terraform name, schema type, default


def _unset(value: Any, kind: str) -> bool:
    """What the provider does not send: it reads optional arguments with the plugin SDK's GetOk,
    which reports a zero value ("" for a string, 0 for an `optional_int`) as not set
    (terraform-plugin-sdk's ResourceData.GetOk)."""
    if kind == "string":
        return value == "" and not isinstance(value, Placeholder)
    if kind in ("strings", "string_set", "map"):
        return value in ([], {})
    return kind == "optional_int" and value == 0 and not isinstance(value, bool)


class _Out:
    """CloudFormation properties being written, each with the origin of its Terraform source."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.convert = _Convert(instance)
        self.kinds: dict[str, Callable[[Any, Path], Any]] = {
            "string": self.convert.string,
            "bool": self.convert.boolean,
            "int": self.convert.integer,
            "optional_int": self.convert.integer,
            "strings": self.convert.strings,
            "string_set": self.convert.string_set,
            "map": self.convert.string_map,
            "policy": self.convert.policy,
        }
        self.properties: dict[str, Any] = {}
        self.origins: dict[Path, Origin] = {}

    def origin(self, cfn: Path, tf: Path) -> None:
        self.origins[cfn] = self.instance.origin_of(tf)

    def fields(
        self,
        fields: tuple[Field, ...],
        source: Mapping[str, Any] | None = None,
        at: Path = (),
        cfn_at: Path = (),
        into: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Copy each Terraform attribute of `source` (at Terraform path `at`) that is set, or has
        a schema default (D8), to its CloudFormation property (at `cfn_at`)."""
        values = self.instance.values if source is None else source
        target = self.properties if into is None else into
        for cfn, tf, kind, default in fields:
            value = values.get(tf)
            if value is None:
                if default is None:
                    continue
                value = default
            converted = self.kinds[kind](value, (*at, tf))
            if _unset(converted, kind):
                continue
            target[cfn] = converted
            self.origin((*cfn_at, cfn), (*at, tf))
            if kind != "string_set":  # a set is reordered: its elements' origins do not carry
                self.nested_origins((*cfn_at, cfn), (*at, tf))
        return target

    def nested_origins(self, cfn: Path, tf: Path) -> None:
        """Origins recorded inside a value (map entries, list elements, a policy's statements)."""
        n = len(tf)
        for key, origin in self.instance.origins.items():
            if len(key) > n and key[:n] == tf:
                self.origins.setdefault((*cfn, *key[n:]), origin)

    def blocks(
        self,
        cfn: str,
        tf: str,
        build: Callable[[dict[str, Any], Path, Path], dict[str, Any] | None],
    ) -> None:
        """A list of nested blocks as a list of objects; `build` may drop a block (None)."""
        value = self.instance.values.get(tf)
        if value is None:
            return
        blocks = self.convert.blocks(value, (tf,))
        if isinstance(blocks, Unresolved):
            self.properties[cfn] = blocks
            return
        listed: list[dict[str, Any]] = []
        for i, block in enumerate(blocks):
            cfn_at: Path = (cfn, len(listed))
            entry = build(block, (tf, i), cfn_at)
            if entry is not None:
                self.origin(cfn_at, (tf, i))
                listed.append(entry)
        self.properties[cfn] = listed

    def nested(
        self, fields: tuple[Field, ...]
    ) -> Callable[[dict[str, Any], Path, Path], dict[str, Any]]:
        return lambda block, at, cfn_at: self.fields(fields, block, at, cfn_at, {})

    def resource(self, attributes: Mapping[str, Any]) -> Resource:
        ref = self.instance.values.get("id")  # what a reference to the resource gives
        return Resource(
            type=CFN_TYPES[self.instance.tf_type],
            id=self.instance.address,
            properties=self.properties,
            ref=ref if isinstance(ref, str | Unresolved) else None,
            origin=self.instance.origin,
            origins=self.origins,
            native_type=self.instance.tf_type,
            attributes={k: v for k, v in attributes.items() if v is not None},
        )


def translate(instance: Instance) -> Resource | None:
    """The neutral resource for a Terraform resource instance; None for a type rolesim ignores.
    Its `ref` is the instance's `id`, its `attributes` what CloudFormation's Fn::GetAtt would
    give (Arn, ProviderName, ...)."""
    translator = _TRANSLATORS.get(instance.tf_type)
    if translator is None:
        return None
    out = _Out(instance)
    attributes = translator(out)
    for cfn_path in list(out.properties):
        out.origins.setdefault((cfn_path,), instance.origin)
    return out.resource(attributes)


def _identity_pool(out: _Out) -> dict[str, Any]:
    out.fields(
        (
            ("IdentityPoolName", "identity_pool_name", "string", None),
            ("AllowUnauthenticatedIdentities", "allow_unauthenticated_identities", "bool", False),
            # The provider always sends AllowClassicFlow, false unless set (D8).
            ("AllowClassicFlow", "allow_classic_flow", "bool", False),
            ("DeveloperProviderName", "developer_provider_name", "string", None),
            ("OpenIdConnectProviderARNs", "openid_connect_provider_arns", "string_set", None),
            ("SamlProviderARNs", "saml_provider_arns", "strings", None),
            ("SupportedLoginProviders", "supported_login_providers", "map", None),
        )
    )
    provider_fields: tuple[Field, ...] = (
        ("ProviderName", "provider_name", "string", None),
        ("ClientId", "client_id", "string", None),
        ("ServerSideTokenCheck", "server_side_token_check", "bool", False),  # D8
    )
    out.blocks(
        "CognitoIdentityProviders", "cognito_identity_providers", out.nested(provider_fields)
    )
    v = out.instance.values
    return {"Name": v.get("identity_pool_name"), "Arn": v.get("arn")}


_RULE_FIELDS: tuple[Field, ...] = (
    ("Claim", "claim", "string", None),
    ("MatchType", "match_type", "string", None),
    ("Value", "value", "string", None),
    ("RoleARN", "role_arn", "string", None),
)


def _roles_attachment(out: _Out) -> dict[str, Any]:
    c, v = out.convert, out.instance.values
    out.fields(
        (
            ("IdentityPoolId", "identity_pool_id", "string", None),
            ("Roles", "roles", "map", None),
        )
    )
    mappings = v.get("role_mapping")
    if mappings is None:
        return {}
    blocks = c.blocks(mappings, ("role_mapping",))
    if isinstance(blocks, Unresolved):
        out.properties["RoleMappings"] = blocks
        return {}
    result: dict[str, Any] = {}
    labels: dict[str, Path] = {}
    for i, block in enumerate(blocks):
        at: Path = ("role_mapping", i)
        if block.get("identity_provider") is None:
            raise c.fail((*at, "identity_provider"), "identity_provider is required")
        provider = c.string(block["identity_provider"], (*at, "identity_provider"))
        # role_mapping is a set keyed by identity_provider (D8): the provider is also the label.
        label = provider.unresolved_text() if isinstance(provider, Unresolved) else str(provider)
        if label in labels:
            first = out.instance.origin_of(labels[label])
            raise c.fail(
                (*at, "identity_provider"),
                f"a second role_mapping for {label!r} (the first is on line {first.line}); "
                "the provider keeps one mapping per identity provider",
            )
        labels[label] = at
        base: Path = ("RoleMappings", label)
        out.origin(base, at)
        mapping = out.fields(
            (
                ("IdentityProvider", "identity_provider", "string", None),
                ("Type", "type", "string", None),
                ("AmbiguousRoleResolution", "ambiguous_role_resolution", "string", None),
            ),
            block,
            at,
            base,
            {},
        )
        rules = block.get("mapping_rule")
        if rules is not None:
            rule_blocks = c.blocks(rules, (*at, "mapping_rule"))
            out.origin((*base, "RulesConfiguration"), (*at, "mapping_rule"))
            if isinstance(rule_blocks, Unresolved):
                mapping["RulesConfiguration"] = {"Rules": rule_blocks}
            elif rule_blocks:
                rules_at: Path = (*base, "RulesConfiguration", "Rules")
                listed = []
                for j, rule in enumerate(rule_blocks):
                    rule_at: Path = (*at, "mapping_rule", j)
                    out.origin((*rules_at, j), rule_at)
                    listed.append(out.fields(_RULE_FIELDS, rule, rule_at, (*rules_at, j), {}))
                mapping["RulesConfiguration"] = {"Rules": listed}
        result[label] = mapping
    out.properties["RoleMappings"] = result
    return {}


def _principal_tag(out: _Out) -> dict[str, Any]:
    out.fields(
        (
            ("IdentityPoolId", "identity_pool_id", "string", None),
            ("IdentityProviderName", "identity_provider_name", "string", None),
            ("PrincipalTags", "principal_tags", "map", None),
            ("UseDefaults", "use_defaults", "bool", True),  # D8
        )
    )
    return {}


def _user_pool(out: _Out) -> dict[str, Any]:
    out.fields(
        (
            ("UserPoolName", "name", "string", None),
            ("UsernameAttributes", "username_attributes", "string_set", None),
            ("AliasAttributes", "alias_attributes", "string_set", None),
            ("AutoVerifiedAttributes", "auto_verified_attributes", "string_set", None),
        )
    )
    schema_fields: tuple[Field, ...] = (
        ("Name", "name", "string", None),
        ("AttributeDataType", "attribute_data_type", "string", None),
        ("Mutable", "mutable", "bool", None),
        ("Required", "required", "bool", None),
        ("DeveloperOnlyAttribute", "developer_only_attribute", "bool", None),
    )
    out.blocks("Schema", "schema", out.nested(schema_fields))
    v = out.instance.values
    endpoint = v.get("endpoint")
    url = (
        derived_string(f"https://{endpoint}", [endpoint]) if isinstance(endpoint, str) else endpoint
    )
    return {
        "Arn": v.get("arn"),
        "ProviderName": endpoint,
        "ProviderURL": url,
        "UserPoolId": v.get("id"),
    }


def _user_pool_client(out: _Out) -> dict[str, Any]:
    out.fields(
        (
            ("ClientName", "name", "string", None),
            ("UserPoolId", "user_pool_id", "string", None),
            ("ReadAttributes", "read_attributes", "string_set", None),
            ("WriteAttributes", "write_attributes", "string_set", None),
            ("ExplicitAuthFlows", "explicit_auth_flows", "string_set", None),
            ("GenerateSecret", "generate_secret", "bool", None),
            ("SupportedIdentityProviders", "supported_identity_providers", "strings", None),
            ("AllowedOAuthFlows", "allowed_oauth_flows", "string_set", None),
            ("AllowedOAuthScopes", "allowed_oauth_scopes", "string_set", None),
            (
                "AllowedOAuthFlowsUserPoolClient",
                "allowed_oauth_flows_user_pool_client",
                "bool",
                None,
            ),
            ("CallbackURLs", "callback_urls", "string_set", None),
        )
    )
    return {"ClientId": out.instance.values.get("id")}


def _user_group(out: _Out) -> dict[str, Any]:
    out.fields(
        (
            ("GroupName", "name", "string", None),
            ("UserPoolId", "user_pool_id", "string", None),
            # CreateGroup is called without a precedence of 0 (user_group.go reads it with GetOk).
            ("Precedence", "precedence", "optional_int", None),
            ("RoleArn", "role_arn", "string", None),
            ("Description", "description", "string", None),
        )
    )
    return {}


def _iam_role(out: _Out) -> dict[str, Any]:
    out.fields(
        (
            ("RoleName", "name", "string", None),
            ("Path", "path", "string", "/"),  # the provider schema's default
            ("Description", "description", "string", None),
            ("AssumeRolePolicyDocument", "assume_role_policy", "policy", None),
            ("MaxSessionDuration", "max_session_duration", "int", 3600),  # the schema's default
            ("PermissionsBoundary", "permissions_boundary", "string", None),
            ("ManagedPolicyArns", "managed_policy_arns", "string_set", None),
        )
    )
    policy_fields: tuple[Field, ...] = (
        ("PolicyName", "name", "string", None),
        ("PolicyDocument", "policy", "policy", None),
    )

    def inline(block: dict[str, Any], at: Path, cfn_at: Path) -> dict[str, Any] | None:
        if block.get("name") is None and block.get("policy") is None:
            return None  # an empty inline_policy block removes all inline policies
        return out.fields(policy_fields, block, at, cfn_at, {})

    out.blocks("Policies", "inline_policy", inline)
    v = out.instance.values
    tags = v.get("tags")
    if tags is not None:
        converted = out.convert.string_map(tags, ("tags",))
        out.properties["Tags"] = (
            converted
            if isinstance(converted, Unresolved)
            else [{"Key": k, "Value": converted[k]} for k in sorted(converted)]
        )
        out.origin(("Tags",), ("tags",))
    return {"Arn": v.get("arn"), "RoleId": v.get("unique_id")}


def _role_policy(out: _Out) -> dict[str, Any]:
    out.fields(
        (
            ("PolicyName", "name", "string", None),
            ("RoleName", "role", "string", None),
            ("PolicyDocument", "policy", "policy", None),
        )
    )
    return {}


def _managed_policy(out: _Out) -> dict[str, Any]:
    out.fields(
        (
            ("ManagedPolicyName", "name", "string", None),
            ("Path", "path", "string", "/"),  # the provider schema's default
            ("Description", "description", "string", None),
            ("PolicyDocument", "policy", "policy", None),
        )
    )
    return {"PolicyArn": out.instance.values.get("arn")}


def _policy_attachment(out: _Out) -> dict[str, Any]:
    out.fields((("RoleName", "role", "string", None), ("PolicyArn", "policy_arn", "string", None)))
    return {}


def _oidc_provider(out: _Out) -> dict[str, Any]:
    out.fields(
        (
            ("Url", "url", "string", None),
            ("ClientIdList", "client_id_list", "string_set", None),
            ("ThumbprintList", "thumbprint_list", "strings", None),
        )
    )
    return {"Arn": out.instance.values.get("arn")}


def _saml_provider(out: _Out) -> dict[str, Any]:
    out.fields(
        (
            ("Name", "name", "string", None),
            ("SamlMetadataDocument", "saml_metadata_document", "string", None),
        )
    )
    return {"Arn": out.instance.values.get("arn")}


_TRANSLATORS: dict[str, Callable[[_Out], dict[str, Any]]] = {
    "aws_cognito_identity_pool": _identity_pool,
    "aws_cognito_identity_pool_roles_attachment": _roles_attachment,
    "aws_cognito_identity_pool_provider_principal_tag": _principal_tag,
    "aws_cognito_user_pool": _user_pool,
    "aws_cognito_user_pool_client": _user_pool_client,
    "aws_cognito_user_group": _user_group,
    "aws_iam_role": _iam_role,
    "aws_iam_role_policy": _role_policy,
    "aws_iam_policy": _managed_policy,
    "aws_iam_role_policy_attachment": _policy_attachment,
    "aws_iam_openid_connect_provider": _oidc_provider,
    "aws_iam_saml_provider": _saml_provider,
}


# What the provider computes at deploy time, as D4 placeholders (configuration reader only) --------


# The types whose deploy-time id `--parameter ADDRESS=ID` can give (the id `terraform state show`
# prints): the id replaces the placeholder D4 builds from the resource name.
DEPLOYED_IDS = frozenset(
    {"aws_cognito_identity_pool", "aws_cognito_user_pool", "aws_cognito_user_pool_client",
     "aws_iam_role", "aws_iam_policy"}
)  # fmt: skip


def computes(tf_type: str) -> bool:
    """Whether rolesim builds some deploy-time attributes of `tf_type` (then its block is read)."""
    return tf_type in _COMPUTED


def computed_attributes(
    tf_type: str,
    name: str,
    address: str,
    values: Mapping[str, Any],
    aws: AwsContext,
    deployed: str | None = None,
) -> dict[str, Any]:
    """Attributes a configuration does not hold, built from the resource `name` (D4), or from
    its `deployed` id when one is given.

    `name` is the resource name with its instance key (`main`, `main[1]`, `main["a"]`; the `[0]` of
    a count = 1 instance dropped).
    """
    region = values.get("region")
    if not isinstance(region, str) or isinstance(region, Placeholder):
        region = aws.region
    build = _COMPUTED.get(tf_type)
    if build is None:
        return {}
    return build(_Deploy(name, address, values, region, aws, deployed))


class _Deploy(msgspec.Struct, frozen=True):
    name: str
    address: str
    values: Mapping[str, Any]
    region: str
    aws: AwsContext
    deployed: str | None = None

    def placeholder(self, text: str, attribute: str) -> str:
        """The D4 placeholder for the resource's own id; the deployed id when it is given."""
        if self.deployed is not None and attribute in ("id", "name"):
            return self.deployed
        return Placeholder(text, of=self.address, attribute=attribute)

    def built(self, text: str, attribute: str, base: str) -> str:
        """A value built from the id: a placeholder only while the id is one."""
        if isinstance(base, Placeholder):
            return Placeholder(text, of=self.address, attribute=attribute)
        return text

    def derive(self, text: Callable[..., str], *parts: Any) -> Any:
        """A value built from other values: unknown if one is, a placeholder if one is."""
        for part in parts:
            if isinstance(part, Unresolved):
                return part
            if not isinstance(part, str):
                return Unresolved(f"{self.address} (an identifier built from a non-string)")
        return derived_string(text(*parts), parts)

    def own_name(self, attribute: str = "name") -> Any:
        given = self.values.get("name")
        if given is not None:
            return given
        if self.deployed is not None:
            return self.deployed
        prefix = self.values.get("name_prefix")
        if isinstance(prefix, str):
            # Terraform appends a unique suffix to name_prefix at apply time.
            return self.placeholder(f"{prefix}{self.name}", attribute)
        return self.placeholder(self.name, attribute)

    def iam_arn(self, kind: str, name: Any, path: Any = "/") -> Any:
        p, account = self.aws.partition, self.aws.account
        return self.derive(
            lambda n, pa: f"arn:{p}:iam::{account}:{kind}/{pa.lstrip('/')}{n}", name, path
        )


def _computed_identity_pool(d: _Deploy) -> dict[str, Any]:
    pool_id = d.placeholder(f"{d.region}:{d.name}", "id")
    p, account = d.aws.partition, d.aws.account
    arn = d.built(
        f"arn:{p}:cognito-identity:{d.region}:{account}:identitypool/{pool_id}", "arn", pool_id
    )
    return {"id": pool_id, "arn": arn}


def _computed_user_pool(d: _Deploy) -> dict[str, Any]:
    pool_id = d.placeholder(f"{d.region}_{d.name}", "id")
    # The region of a deployed user pool is the one its id names.
    region = pool_id.split("_", 1)[0] if d.deployed is not None else d.region
    p, account = d.aws.partition, d.aws.account
    endpoint = d.built(f"cognito-idp.{region}.amazonaws.com/{pool_id}", "endpoint", pool_id)
    arn = d.built(f"arn:{p}:cognito-idp:{region}:{account}:userpool/{pool_id}", "arn", pool_id)
    return {"id": pool_id, "endpoint": endpoint, "arn": arn}


def _computed_client(d: _Deploy) -> dict[str, Any]:
    return {"id": d.placeholder(d.name, "id")}


def _computed_role(d: _Deploy) -> dict[str, Any]:
    name = d.own_name()
    path = d.values.get("path", "/")
    return {"name": name, "id": name, "arn": d.iam_arn("role", name, path)}


def _computed_policy(d: _Deploy) -> dict[str, Any]:
    if d.deployed is not None:  # a policy's id is its ARN
        return {"name": d.deployed.rsplit("/", 1)[-1], "arn": d.deployed, "id": d.deployed}
    name = d.own_name()
    arn = d.iam_arn("policy", name, d.values.get("path", "/"))
    return {"name": name, "arn": arn, "id": arn}


def _computed_role_policy(d: _Deploy) -> dict[str, Any]:
    name = d.own_name()
    return {"name": name, "id": d.derive(lambda r, n: f"{r}:{n}", d.values.get("role"), name)}


def _computed_oidc(d: _Deploy) -> dict[str, Any]:
    url = d.values.get("url")
    arn = d.derive(
        lambda u: (
            f"arn:{d.aws.partition}:iam::{d.aws.account}:oidc-provider/{u.removeprefix('https://')}"
        ),
        url,
    )
    return {"arn": arn, "id": arn}


def _computed_saml(d: _Deploy) -> dict[str, Any]:
    arn = d.iam_arn("saml-provider", d.values.get("name"))
    return {"arn": arn, "id": arn}


def _computed_group(d: _Deploy) -> dict[str, Any]:
    v = d.values
    return {"id": d.derive(lambda p, n: f"{p}/{n}", v.get("user_pool_id"), v.get("name"))}


def _computed_attachment(d: _Deploy) -> dict[str, Any]:
    return {"id": d.values.get("identity_pool_id")}


def _computed_principal_tag(d: _Deploy) -> dict[str, Any]:
    v = d.values
    ident = d.derive(
        lambda p, n: f"{p}:{n}", v.get("identity_pool_id"), v.get("identity_provider_name")
    )
    return {"id": ident}


def _computed_bucket(d: _Deploy) -> dict[str, Any]:
    # S3 ARNs hold neither region nor account
    # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html).
    bucket = d.values.get("bucket")
    if bucket is None:
        return {}  # bucket_prefix: Terraform makes the name at apply time
    return {"id": bucket, "arn": d.derive(lambda b: f"arn:{d.aws.partition}:s3:::{b}", bucket)}


def _computed_table(d: _Deploy) -> dict[str, Any]:
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
    name = d.values.get("name")
    arn = d.derive(
        lambda n: f"arn:{d.aws.partition}:dynamodb:{d.region}:{d.aws.account}:table/{n}", name
    )
    return {"id": name, "arn": arn}


_COMPUTED: dict[str, Callable[[_Deploy], dict[str, Any]]] = {
    # What policies of identity-pool roles name most: the data the roles reach.
    "aws_s3_bucket": _computed_bucket,
    "aws_dynamodb_table": _computed_table,
    "aws_cognito_identity_pool": _computed_identity_pool,
    "aws_cognito_user_pool": _computed_user_pool,
    "aws_cognito_user_pool_client": _computed_client,
    "aws_iam_role": _computed_role,
    "aws_iam_policy": _computed_policy,
    "aws_iam_role_policy": _computed_role_policy,
    "aws_iam_openid_connect_provider": _computed_oidc,
    "aws_iam_saml_provider": _computed_saml,
    "aws_cognito_user_group": _computed_group,
    "aws_cognito_identity_pool_roles_attachment": _computed_attachment,
    "aws_cognito_identity_pool_provider_principal_tag": _computed_principal_tag,
}
