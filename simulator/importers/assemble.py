"""Neutral Resources -> one pool document (CONTRACT §2 shapes), with origins, for any format.

Every importer hands over the resources of its file in CloudFormation's types and property shapes
(simulator.importers.resources); this module applies the rules IMPORT.md states once for all
formats:

- D6: exactly one identity pool (or the one `--pool` names); at most one role attachment per pool
  (a second is an import problem naming both); bad RoleMappings keys are left to the loader, whose
  error then points at the template line.
- D5: a value the pool model needs structurally (provider names, mapping keys, claims, match types,
  flags) that the file cannot know is an error naming its native path and construct; a role ARN that
  cannot be known is written as the Unresolved marker (an error only when a decision grants it); so
  is anything unknown inside an IAM policy document.
- D10: user pool groups (name, precedence, role), clients and schema become `UserPools`.
- The roles the pool can hand out (its default roles, rule roles, group roles, and every role whose
  trust names cognito-identity.amazonaws.com, which the basic flow can reach) become `IamRoles` in
  get-account-authorization-details shapes, with the policies attached to them in the file.

What each type must carry (`ref` is what a reference to the resource evaluates to):

| type | properties read | ref / attributes |
|---|---|---|
| AWS::Cognito::IdentityPool | IdentityPoolName, AllowUnauthenticatedIdentities, AllowClassicFlow, CognitoIdentityProviders, OpenIdConnectProviderARNs, SamlProviderARNs, SupportedLoginProviders, DeveloperProviderName, IdentityPoolTags | ref = pool id |
| AWS::Cognito::IdentityPoolRoleAttachment | IdentityPoolId, Roles, RoleMappings | |
| AWS::Cognito::IdentityPoolPrincipalTag | IdentityPoolId, IdentityProviderName, PrincipalTags, UseDefaults | |
| AWS::Cognito::UserPool | Schema | ref = user pool id; ProviderName |
| AWS::Cognito::UserPoolClient | UserPoolId, ReadAttributes, WriteAttributes, ExplicitAuthFlows | ref = client id |
| AWS::Cognito::UserPoolGroup | UserPoolId, GroupName, Precedence, RoleArn | ref = group name |
| AWS::IAM::Role | AssumeRolePolicyDocument, Policies, ManagedPolicyArns, PermissionsBoundary, Path, Tags, MaxSessionDuration | ref = role name; Arn |
| AWS::IAM::Policy / AWS::IAM::RolePolicy | PolicyName, PolicyDocument, Roles / RoleName | |
| AWS::IAM::ManagedPolicy | ManagedPolicyName, PolicyDocument, Roles | ref = policy ARN |
| AWS::IAM::OIDCProvider | Url, ClientIdList | ref = provider ARN |
| Rolesim::IAM::RolePolicyAttachment | RoleName, PolicyArn | |
| Custom::* , AWS::CloudFormation::CustomResource | any | |
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import msgspec

from simulator.errors import ConfigError, Path
from simulator.importers.resources import Resource
from simulator.importers.source import Imported, ImportProblem
from simulator.importers.values import Unresolved, find_unresolved
from simulator.model.document import Document, Origin
from simulator.model.limits import STANDARD_ATTRIBUTES

IDENTITY_POOL = "AWS::Cognito::IdentityPool"
ATTACHMENT = "AWS::Cognito::IdentityPoolRoleAttachment"
PRINCIPAL_TAG = "AWS::Cognito::IdentityPoolPrincipalTag"
USER_POOL = "AWS::Cognito::UserPool"
CLIENT = "AWS::Cognito::UserPoolClient"
GROUP = "AWS::Cognito::UserPoolGroup"
ROLE = "AWS::IAM::Role"
POLICY = "AWS::IAM::Policy"
ROLE_POLICY = "AWS::IAM::RolePolicy"
MANAGED_POLICY = "AWS::IAM::ManagedPolicy"
OIDC = "AWS::IAM::OIDCProvider"
POLICY_ATTACHMENT = "Rolesim::IAM::RolePolicyAttachment"
COGNITO_PRINCIPAL = "cognito-identity.amazonaws.com"
# CloudFormation fails the second attachment ("<pool id> already exists in stack"), Terraform's last
# writer wins: aws/aws-cdk#23449, #20513, #27411.
TWO_ATTACHMENTS = "RS130"
POOL_WRITTEN_BY_CUSTOM_RESOURCE = "RS134"

_POOL_FIELDS = (
    "IdentityPoolName", "AllowUnauthenticatedIdentities", "AllowClassicFlow",
    "CognitoIdentityProviders", "OpenIdConnectProviderARNs", "SamlProviderARNs",
    "SupportedLoginProviders", "DeveloperProviderName",
)  # fmt: skip
_LENIENT_POOL_FIELDS = ("IdentityPoolName",)  # no decision reads it


class Stack(msgspec.Struct, frozen=True):
    """What the importer knows beside its resources."""

    source: str
    region: Any = None
    account: Any = None
    pool: str | None = None  # --pool: the logical id / address of the pool to read
    skipped: tuple[tuple[str, str, str], ...] = ()  # (id, type, why it does not exist)
    format: str = "cloudformation"
    unread: tuple[str, ...] = ()  # what the file includes from elsewhere and was not read
    files: tuple[str, ...] = ()  # the other files read (resolved paths), as Imported.files


def assemble(resources: Sequence[Resource], stack: Stack) -> Imported:
    return _Assembler(resources, stack).build()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _where(origin: Origin) -> str:
    return f"{origin.file}:{origin.line}" if origin.line else origin.file


class _Assembler:
    def __init__(self, resources: Sequence[Resource], stack: Stack) -> None:
        self.resources = resources
        self.stack = stack
        self.data: dict[str, Any] = {}
        self.origins: dict[Path, Origin] = {}
        self.problems: list[ImportProblem] = []
        self.notes: list[str] = []

    def of(self, kind: str) -> list[Resource]:
        return [r for r in self.resources if r.type == kind]

    # --- the document ---------------------------------------------------------------------------

    def build(self) -> Imported:
        pool = self._pick_pool()
        pool_id = pool.ref
        if not isinstance(pool_id, str):
            raise self._unknown(pool_id, (), pool, (), "the identity pool id")
        self.origins[()] = pool.origin_of(())
        self.put(("IdentityPoolId",), pool_id, pool.origin)
        account = _text(self.stack.account)
        if account is not None and account.isdigit() and len(account) == 12:
            self.data["AccountId"] = account
        for key in _POOL_FIELDS:
            self.take(pool, (key,), (key,), lenient=key in _LENIENT_POOL_FIELDS)
        self._tags(pool)
        attachment = self._attachment(pool, pool_id)
        if attachment is not None:
            self._roles(attachment)
            self._role_mappings(attachment)
        self._principal_tags(pool_id)
        self._user_pools()
        self._oidc_providers()
        self._iam()
        self._custom_resources(pool, pool_id)
        document = Document(self.data, self.stack.source, self.origins)
        return Imported(
            document, self.stack.format, tuple(self.problems), tuple(self.notes),
            files=self.stack.files,
        )  # fmt: skip

    def put(self, path: Path, value: Any, origin: Origin | None) -> None:
        target: Any = self.data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        if origin is not None:
            self.origins.setdefault(path, origin)

    def record(self, pool_path: Path, resource: Resource, res_path: Path) -> None:
        """Point `pool_path` and everything below it at where `resource` wrote `res_path`."""
        n = len(res_path)
        self.origins[pool_path] = resource.origin_of(res_path)
        for key, origin in list(resource.origins.items()):
            if len(key) > n and key[:n] == res_path:
                self.origins[(*pool_path, *key[n:])] = origin

    def take(
        self, resource: Resource, res_path: Path, pool_path: Path, *, lenient: bool = False
    ) -> Any:
        """Copy a property; an unknown value is an error unless `lenient` (then a marker)."""
        value = _get(resource.properties, res_path)
        if value is None:
            self._absent(pool_path, resource, res_path)
            return None
        self.record(pool_path, resource, res_path)
        value = _markers(value) if lenient else self.known(value, resource, res_path, pool_path)
        self.put(pool_path, value, None)
        return value

    def _absent(self, pool_path: Path, resource: Resource, res_path: Path) -> None:
        # A key the template leaves out: errors and findings about it point at the resource.
        base = resource.origin_of(())
        native = (
            f"{base.native_path}." + ".".join(str(p) for p in res_path)
            if base.native_path
            else None
        )
        self.origins.setdefault(pool_path, Origin(base.file, base.line, native, base.construct))

    def known(self, value: Any, resource: Resource, res_path: Path, pool_path: Path) -> Any:
        found = find_unresolved(value)
        if found is not None:
            hidden, below = found
            raise self._unknown(
                hidden, (*pool_path, *below), resource, (*res_path, *below), "this value"
            )
        return value

    def _unknown(
        self, value: Any, pool_path: Path, resource: Resource, res_path: Path, what: str
    ) -> ConfigError:
        construct = value.construct if isinstance(value, Unresolved) else repr(value)
        # Where the pool needs the value (the property), not where the unknown came from.
        return error_at(
            resource.origin_of(res_path),
            f"{what} cannot be known offline: {construct}; the identity pool needs it to decide "
            "(provider names, mapping keys, claims, match types and flags must be known)",
            path=pool_path,
            hint="give the value with --parameter NAME=VALUE, or import the stack that defines it",
        )

    # --- identity pool --------------------------------------------------------------------------

    def _pick_pool(self) -> Resource:
        pools = self.of(IDENTITY_POOL)
        wanted = self.stack.pool
        if wanted is not None:
            chosen = [p for p in pools if p.id == wanted]
            if not chosen:
                listed = ", ".join(p.id for p in pools) or "none"
                raise ConfigError(
                    f"--pool {wanted}: no identity pool {wanted!r} (identity pools: {listed})",
                    file=self.stack.source,
                    native_path="Resources",
                )
            return chosen[0]
        if len(pools) == 1:
            return pools[0]
        if pools:
            listed = ", ".join(f"{p.id} ({_where(p.origin)})" for p in pools)
            raise ConfigError(
                f"{len(pools)} identity pools: {listed}",
                file=self.stack.source,
                native_path="Resources",
                hint=f"choose one with --pool, e.g. --pool {pools[0].id}",
            )
        raise ConfigError(self._no_pool_message(), file=self.stack.source, native_path="Resources")

    def _no_pool_message(self) -> str:
        text = "no identity pool (AWS::Cognito::IdentityPool) in the file"
        gone = [f"{i} ({why})" for i, kind, why in self.stack.skipped if kind == IDENTITY_POOL]
        if gone:
            text += ": " + ", ".join(gone) + " with these parameters"
        for unread in self.stack.unread:
            text += f"; {unread}"
        for r in self.resources:
            if _custom(r.type):
                key = next((k for k in _keys(r.properties) if "identitypool" in k.lower()), None)
                if key is not None:
                    text += (
                        f"; custom resource {r.id} ({r.type}) is given an identity pool id ({key}), "
                        "so it configures a pool another stack defines (Amplify Gen 1 writes group "
                        "role mappings this way): import the stack that defines the pool"
                    )
                    break
        return text

    def _tags(self, pool: Resource) -> None:
        tags = _get(pool.properties, ("IdentityPoolTags",))
        if isinstance(tags, list):
            mapped = {
                str(t["Key"]): _markers(t.get("Value", ""))
                for t in tags
                if isinstance(t, Mapping) and isinstance(t.get("Key"), str)
            }
            self.record(("IdentityPoolTags",), pool, ("IdentityPoolTags",))
            self.put(("IdentityPoolTags",), mapped, None)
        elif isinstance(tags, Mapping):
            self.take(pool, ("IdentityPoolTags",), ("IdentityPoolTags",), lenient=True)

    def _for_pool(self, kind: str, pool_id: str) -> list[Resource]:
        out = []
        for r in self.of(kind):
            target = _get(r.properties, ("IdentityPoolId",))
            if isinstance(target, Unresolved) and len(self.of(IDENTITY_POOL)) == 1:
                raise self._unknown(
                    target, (), r, ("IdentityPoolId",), f"the IdentityPoolId of {r.id}"
                )
            if target == pool_id:
                out.append(r)
        return out

    def _attachment(self, pool: Resource, pool_id: str) -> Resource | None:
        found = self._for_pool(ATTACHMENT, pool_id)
        if len(found) > 1:
            listed = " and ".join(f"{r.id} ({_where(r.origin)})" for r in found)
            self.problems.append(ImportProblem(TWO_ATTACHMENTS, error_at(
                found[-1].origin,
                f"{len(found)} role attachments for identity pool {pool.id}: {listed}; "
                "CloudFormation fails the second ('already exists in stack'), Terraform keeps "
                "whichever it writes last; rolesim reads the last",
                path=("Roles",), hint="keep one role attachment per identity pool",
            )))  # fmt: skip
        return found[-1] if found else None

    def _roles(self, attachment: Resource) -> None:
        roles = self.take(attachment, ("Roles",), ("Roles",), lenient=True)
        if roles is not None and not isinstance(roles, dict):
            self.known(roles, attachment, ("Roles",), ("Roles",))

    def _role_mappings(self, attachment: Resource) -> None:
        mappings = _get(attachment.properties, ("RoleMappings",))
        if mappings is None:
            return
        self.record(("RoleMappings",), attachment, ("RoleMappings",))
        if not isinstance(mappings, Mapping):
            self.put(
                ("RoleMappings",),
                self.known(mappings, attachment, ("RoleMappings",), ("RoleMappings",)),
                None,
            )
            return
        out: dict[str, Any] = {}
        for key, entry in mappings.items():
            path: Path = ("RoleMappings", key)
            if not isinstance(entry, Mapping):
                out[key] = self.known(entry, attachment, path, path)
                continue
            mapped: dict[str, Any] = {}
            for field_name, value in entry.items():
                if field_name == "RulesConfiguration" and isinstance(value, Mapping):
                    mapped[field_name] = self._rules_configuration(
                        attachment, (*path, field_name), value
                    )
                else:
                    mapped[field_name] = self.known(
                        value, attachment, (*path, field_name), (*path, field_name)
                    )
            out[key] = mapped
        self.put(("RoleMappings",), out, None)

    def _rules_configuration(
        self, attachment: Resource, path: Path, config: Mapping[str, Any]
    ) -> Any:
        out: dict[str, Any] = {}
        for key, value in config.items():
            if key == "Rules" and isinstance(value, list):
                rules = []
                for i, rule in enumerate(value):
                    where: Path = (*path, "Rules", i)
                    if isinstance(rule, Mapping):
                        rules.append({
                            k: _markers(v) if k == "RoleARN" else self.known(v, attachment, (*where, k), (*where, k))
                            for k, v in rule.items()
                        })  # fmt: skip
                    else:
                        rules.append(self.known(rule, attachment, where, where))
                out[key] = rules
            else:
                out[key] = self.known(value, attachment, (*path, key), (*path, key))
        return out

    def _principal_tags(self, pool_id: str) -> None:
        maps: list[dict[str, Any]] = []
        for r in self._for_pool(PRINCIPAL_TAG, pool_id):
            i = len(maps)
            path: Path = ("PrincipalTagAttributeMaps", i)
            self.origins[path] = r.origin_of(())
            entry: dict[str, Any] = {}
            maps.append(entry)
            self.data["PrincipalTagAttributeMaps"] = maps
            for key in ("IdentityProviderName", "UseDefaults", "PrincipalTags"):
                self.take(r, (key,), (*path, key))
        # take() wrote into the list entries through put(); nothing more to do

    # --- user pools (D10) -----------------------------------------------------------------------

    def _user_pools(self) -> None:
        providers = self.data.get("CognitoIdentityProviders")
        names = [
            p["ProviderName"]
            for p in providers
            if isinstance(p, Mapping) and isinstance(p.get("ProviderName"), str)
        ] if isinstance(providers, list) else []  # fmt: skip
        out: list[dict[str, Any]] = []
        for name in dict.fromkeys(names):
            defined = next(
                (u for u in self.of(USER_POOL) if u.attributes.get("ProviderName") == name), None
            )
            pool_id = defined.ref if defined is not None else name.rsplit("/", 1)[-1]
            path: Path = ("UserPools", len(out))
            entry: dict[str, Any] = {"ProviderName": name}
            groups = [g for g in self.of(GROUP) if _get(g.properties, ("UserPoolId",)) == pool_id]
            clients = [c for c in self.of(CLIENT) if _get(c.properties, ("UserPoolId",)) == pool_id]
            if defined is None and not groups and not clients:
                continue
            out.append(entry)
            self.data["UserPools"] = out
            self.origins[path] = (defined or (groups + clients)[0]).origin_of(())
            if groups:
                entry["Groups"] = [
                    self._group(g, (*path, "Groups", i)) for i, g in enumerate(groups)
                ]
            if clients:
                entry["Clients"] = [
                    self._client(c, (*path, "Clients", i)) for i, c in enumerate(clients)
                ]
            if defined is not None:
                schema = self._schema(defined, (*path, "SchemaAttributes"))
                if schema:
                    entry["SchemaAttributes"] = schema

    def _group(self, group: Resource, path: Path) -> dict[str, Any]:
        self.origins[path] = group.origin_of(())
        name = _get(group.properties, ("GroupName",))
        out: dict[str, Any] = {
            "GroupName": self.known(
                name if name is not None else group.ref, group, ("GroupName",), (*path, "GroupName")
            )
        }
        self._named((*path, "GroupName"), group, "GroupName")
        precedence = _get(group.properties, ("Precedence",))
        if precedence is not None:
            precedence = self.known(precedence, group, ("Precedence",), (*path, "Precedence"))
            out["Precedence"] = (
                int(precedence)
                if isinstance(precedence, str) and precedence.isdigit()
                else precedence
            )
            self.record((*path, "Precedence"), group, ("Precedence",))
        role = _get(group.properties, ("RoleArn",))
        if role is not None:
            out["RoleArn"] = _markers(role)
            self.record((*path, "RoleArn"), group, ("RoleArn",))
        return out

    def _named(self, pool_path: Path, resource: Resource, key: str) -> None:
        """A name the resource sets, or (a placeholder built from its id) the resource itself."""
        if key in resource.properties:
            self.record(pool_path, resource, (key,))
        else:
            self.origins[pool_path] = resource.origin

    def _client(self, client: Resource, path: Path) -> dict[str, Any]:
        self.origins[path] = client.origin_of(())
        out: dict[str, Any] = {"ClientId": self.known(client.ref, client, (), (*path, "ClientId"))}
        self.origins[(*path, "ClientId")] = client.origin
        for key in ("ReadAttributes", "WriteAttributes", "ExplicitAuthFlows"):
            value = _get(client.properties, (key,))
            if value is not None:
                out[key] = self.known(value, client, (key,), (*path, key))
                self.record((*path, key), client, (key,))
        return out

    def _schema(self, user_pool: Resource, path: Path) -> list[dict[str, Any]]:
        schema = _get(user_pool.properties, ("Schema",))
        if not isinstance(schema, list):
            return []
        out: list[dict[str, Any]] = []
        for i, attribute in enumerate(schema):
            if not isinstance(attribute, Mapping) or not isinstance(attribute.get("Name"), str):
                continue
            self.record((*path, len(out)), user_pool, ("Schema", i))
            name = str(attribute["Name"])
            developer = attribute.get("DeveloperOnlyAttribute") is True
            # CloudFormation names custom attributes without their prefix; the user pool (and its
            # tokens) add custom: (and dev: for developer-only ones) [ATTRS].
            if name not in STANDARD_ATTRIBUTES and not name.startswith(("custom:", "dev:")):
                name = ("dev:custom:" if developer else "custom:") + name
            entry: dict[str, Any] = {"Name": name}
            for key in ("Mutable", "DeveloperOnlyAttribute"):
                if isinstance(attribute.get(key), bool):
                    entry[key] = attribute[key]
            out.append(entry)
        return out

    def _oidc_providers(self) -> None:
        arns = self.data.get("OpenIdConnectProviderARNs")
        out: list[dict[str, Any]] = []
        for arn in arns if isinstance(arns, list) else []:
            provider = next((o for o in self.of(OIDC) if o.ref == arn), None)
            if provider is None:
                continue
            path: Path = ("OpenIdConnectProviders", len(out))
            self.origins[path] = provider.origin_of(())
            entry: dict[str, Any] = {"Arn": arn}
            url = _get(provider.properties, ("Url",))
            if isinstance(url, str):
                entry["Url"] = url.removeprefix("https://")
            clients = _get(provider.properties, ("ClientIdList",))
            if clients is not None:
                entry["ClientIDList"] = self.known(
                    clients, provider, ("ClientIdList",), (*path, "ClientIDList")
                )
                self.record((*path, "ClientIDList"), provider, ("ClientIdList",))
            out.append(entry)
        if out:
            self.data["OpenIdConnectProviders"] = out

    # --- IAM ------------------------------------------------------------------------------------

    def _handed_out(self) -> set[str]:
        arns: set[str] = set()
        roles = self.data.get("Roles")
        if isinstance(roles, Mapping):
            arns.update(v for v in roles.values() if isinstance(v, str))
        for mapping in (self.data.get("RoleMappings") or {}).values():
            rules = (
                mapping.get("RulesConfiguration", {}).get("Rules", [])
                if isinstance(mapping, Mapping)
                else []
            )
            arns.update(
                r["RoleARN"]
                for r in rules
                if isinstance(r, Mapping) and isinstance(r.get("RoleARN"), str)
            )
        for user_pool in self.data.get("UserPools", []):
            arns.update(
                g["RoleArn"]
                for g in user_pool.get("Groups", [])
                if isinstance(g.get("RoleArn"), str)
            )
        return arns

    def _iam(self) -> None:
        wanted = self._handed_out()
        roles: list[dict[str, Any]] = []
        for role in self.of(ROLE):
            arn = _markers(role.attributes.get("Arn"))
            if arn not in wanted and not _mentions(
                _peek(role, "AssumeRolePolicyDocument"), COGNITO_PRINCIPAL
            ):
                continue
            trust = _get(role.properties, ("AssumeRolePolicyDocument",))
            roles.append(self._role(role, arn, trust, ("IamRoles", len(roles))))
        if roles:
            self.data["IamRoles"] = roles
            policies = self._managed_policies(roles)
            if policies:
                self.data["Policies"] = policies

    def _role(self, role: Resource, arn: str, trust: Any, path: Path) -> dict[str, Any]:
        self.origins[path] = role.origin_of(())
        name = role.ref
        out: dict[str, Any] = {"RoleName": _markers(name), "Arn": arn}
        self._named((*path, "RoleName"), role, "RoleName")
        self._named((*path, "Arn"), role, "RoleName")
        for key in ("Path", "MaxSessionDuration", "Tags"):
            value = _get(role.properties, (key,))
            if value is not None:
                out[key] = self.known(value, role, (key,), (*path, key))
                self.record((*path, key), role, (key,))
        if trust is not None:
            out["AssumeRolePolicyDocument"] = _markers(trust)
            self.record((*path, "AssumeRolePolicyDocument"), role, ("AssumeRolePolicyDocument",))
        inline: list[dict[str, Any]] = []
        for i, policy in enumerate(_get(role.properties, ("Policies",)) or []):
            if isinstance(policy, Mapping):
                self.record((*path, "RolePolicyList", len(inline)), role, ("Policies", i))
                inline.append(
                    {
                        "PolicyName": _markers(policy.get("PolicyName")),
                        "PolicyDocument": _markers(policy.get("PolicyDocument")),
                    }
                )
        for policy in self.of(POLICY) + self.of(ROLE_POLICY):
            targets = (
                _peek(policy, "Roles") if policy.type == POLICY else [_peek(policy, "RoleName")]
            )
            if isinstance(targets, list) and name is not None and any(t == name for t in targets):
                where = (*path, "RolePolicyList", len(inline))
                self.origins[where] = policy.origin_of(())
                self.record((*where, "PolicyDocument"), policy, ("PolicyDocument",))
                inline.append({
                    "PolicyName": _markers(_get(policy.properties, ("PolicyName",)) or policy.id),
                    "PolicyDocument": _markers(_get(policy.properties, ("PolicyDocument",))),
                })  # fmt: skip
        if inline:
            out["RolePolicyList"] = inline
        attached = self._attached(role, name, path)
        if attached:
            out["AttachedManagedPolicies"] = attached
        boundary = _get(role.properties, ("PermissionsBoundary",))
        if boundary is not None:
            out["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": _markers(boundary),
            }
            self.record((*path, "PermissionsBoundary"), role, ("PermissionsBoundary",))
        return out

    def _attached(self, role: Resource, name: Any, path: Path) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        listed = _get(role.properties, ("ManagedPolicyArns",))
        for i, arn in enumerate(listed if isinstance(listed, list) else []):
            self.record(
                (*path, "AttachedManagedPolicies", len(out)), role, ("ManagedPolicyArns", i)
            )
            out.append({"PolicyArn": _markers(arn)})
        for policy in self.of(MANAGED_POLICY):
            targets = _peek(policy, "Roles")
            if isinstance(targets, list) and name is not None and any(t == name for t in targets):
                self.origins[(*path, "AttachedManagedPolicies", len(out))] = policy.origin_of(())
                out.append({"PolicyArn": _markers(policy.ref)})
        for attachment in self.of(POLICY_ATTACHMENT):
            if name is not None and _peek(attachment, "RoleName") == name:
                self.origins[(*path, "AttachedManagedPolicies", len(out))] = attachment.origin_of(
                    ()
                )
                out.append({"PolicyArn": _markers(_get(attachment.properties, ("PolicyArn",)))})
        seen: set[str] = set()
        unique = []
        for entry in out:
            if entry["PolicyArn"] not in seen:
                seen.add(entry["PolicyArn"])
                unique.append(entry)
        return unique

    def _managed_policies(self, roles: list[dict[str, Any]]) -> list[dict[str, Any]]:
        wanted = {a["PolicyArn"] for r in roles for a in r.get("AttachedManagedPolicies", [])}
        wanted |= {
            r["PermissionsBoundary"]["PermissionsBoundaryArn"]
            for r in roles
            if "PermissionsBoundary" in r
        }
        out: list[dict[str, Any]] = []
        for policy in self.of(MANAGED_POLICY):
            arn = _markers(policy.ref)
            if arn not in wanted:
                continue
            path: Path = ("Policies", len(out))
            self.origins[path] = policy.origin_of(())
            self.record((*path, "Document"), policy, ("PolicyDocument",))
            name = _get(policy.properties, ("ManagedPolicyName",))
            out.append({
                "PolicyName": _markers(name) if name is not None else policy.id,
                "Arn": arn,
                "Document": _markers(_get(policy.properties, ("PolicyDocument",))),
            })  # fmt: skip
        return out

    # --- custom resources -----------------------------------------------------------------------

    def _custom_resources(self, pool: Resource, pool_id: str) -> None:
        for r in self.resources:
            nested = r.type in NESTED_STACKS
            if not (_custom(r.type) or nested) or not _mentions(dict(r.properties), pool_id):
                continue
            what = (
                f"nested stack {r.id} ({r.type}) is given identity pool {pool.id}'s id: its own "
                "template may attach roles, role mappings or principal tags to the pool"
                if nested
                else f"custom resource {r.id} ({r.type}) is given identity pool {pool.id}'s id: it "
                "may set the pool's roles, role mappings or trust policies when the stack deploys "
                "(Amplify Gen 1 writes its group role mappings this way)"
            )
            self.problems.append(ImportProblem(POOL_WRITTEN_BY_CUSTOM_RESOURCE, error_at(
                r.origin,
                f"{what}, which the file cannot show, so the pool's role mapping cannot be known "
                "from it",
                path=("RoleMappings",),
                hint="check the deployed pool instead: rolesim pull --identity-pool-id ID",
            )))  # fmt: skip


def error_at(
    origin: Origin, message: str, *, path: Path = (), hint: str | None = None
) -> ConfigError:
    """An error about pool-document `path`, located where `origin` says the user wrote it."""
    return ConfigError(
        message, path=path, file=origin.file, line=origin.line, native_path=origin.native_path,
        construct=origin.construct, hint=hint,
    )  # fmt: skip


# Stacks a template deploys inside itself: what they create is in another template.
NESTED_STACKS = frozenset({"AWS::CloudFormation::Stack", "AWS::Serverless::Application"})


def _custom(kind: str) -> bool:
    return kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource"


def _get(properties: Mapping[str, Any], path: Path) -> Any:
    node: Any = properties
    for part in path:
        if isinstance(node, Mapping) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


def _peek(resource: Resource, key: str) -> Any:
    """A property read only to decide whether the resource matters: importers may offer a cheaper
    reading without origins (`peek`), else it is the property itself."""
    peek = getattr(resource.properties, "peek", None)
    return peek(key) if callable(peek) else resource.properties.get(key)


def _keys(properties: Mapping[str, Any]) -> Iterator[str]:
    for key in properties:
        yield str(key)


def _markers(value: Any) -> Any:
    """Unresolved values as the marker text a pool document carries (D5)."""
    if isinstance(value, Unresolved):
        return value.unresolved_text()
    if isinstance(value, dict):
        return {k: _markers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_markers(v) for v in value]
    return value


def _mentions(value: Any, text: str) -> bool:
    """Whether `text` occurs in any string inside `value` (iteratively)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if text in item:
                return True
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
