"""The IAM input model: roles and managed policies in `get-account-authorization-details` shapes.

Shapes: https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
(RoleDetailList entries, Policies with PolicyVersionList / IsDefaultVersion).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, Final

import msgspec

from simulator.errors import ConfigError, PathPart
from simulator.iam.policy import NamedPolicy, Policy, parse_policy

# AWS managed session policies Cognito passes for guests, shipped as data (cognito-semantics.md §4.3).
UNAUTHED_SESSION_POLICY_ARN: Final = (
    "arn:aws:iam::aws:policy/AmazonCognitoUnAuthedIdentitiesSessionPolicy"
)
UNAUTHENTICATED_IDENTITIES_ARN: Final = (
    "arn:aws:iam::aws:policy/AmazonCognitoUnauthenticatedIdentities"
)
_SHIPPED: Final = {
    UNAUTHED_SESSION_POLICY_ARN: "AmazonCognitoUnAuthedIdentitiesSessionPolicy.json",
    UNAUTHENTICATED_IDENTITIES_ARN: "AmazonCognitoUnauthenticatedIdentities.json",
}
_ROLE_KEYS: Final = frozenset(
    {
        "RoleName",
        "Arn",
        "Path",
        "RoleId",
        "CreateDate",
        "AssumeRolePolicyDocument",
        "RolePolicyList",
        "AttachedManagedPolicies",
        "PermissionsBoundary",
        "Tags",
        "MaxSessionDuration",
        "InstanceProfileList",
        "RoleLastUsed",
        "Description",
    }
)


class ManagedPolicy(msgspec.Struct, frozen=True):
    arn: str
    name: str
    document: Policy


class AttachedPolicy(msgspec.Struct, frozen=True):
    name: str
    arn: str


class InlinePolicy(msgspec.Struct, frozen=True):
    name: str
    document: Policy


class IamRole(msgspec.Struct, frozen=True):
    name: str
    arn: str
    path: str = "/"
    role_id: str | None = None
    trust_policy: Policy | None = None
    inline_policies: tuple[InlinePolicy, ...] = ()
    attached_policies: tuple[AttachedPolicy, ...] = ()
    permissions_boundary_arn: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    max_session_duration: int | None = None

    @property
    def account_id(self) -> str:
        parts = self.arn.split(":")
        return parts[4] if len(parts) > 5 else ""

    @property
    def tag_map(self) -> dict[str, str]:
        return dict(self.tags)


class RolePolicies(msgspec.Struct, frozen=True):
    """A role's policies resolved against the managed policies known, ready for `evaluate`."""

    identity: tuple[NamedPolicy, ...]
    permissions_boundary: NamedPolicy | None
    warnings: tuple[str, ...]


class IamData(msgspec.Struct, frozen=True):
    roles: tuple[IamRole, ...] = ()
    policies: Mapping[str, ManagedPolicy] = msgspec.field(default_factory=dict)

    def role(self, arn: str) -> IamRole | None:
        for role in self.roles:
            if role.arn == arn:
                return role
        return None

    def managed_policy(self, arn: str) -> ManagedPolicy | None:
        found = self.policies.get(arn)
        return found if found is not None else shipped_policy(arn)

    def missing_policies(self, role: IamRole) -> tuple[str, ...]:
        """ARNs of the managed policies and boundary `role` names that the data does not hold."""
        named = [a.arn for a in role.attached_policies]
        if role.permissions_boundary_arn is not None:
            named.append(role.permissions_boundary_arn)
        return tuple(arn for arn in named if self.managed_policy(arn) is None)

    def role_policies(self, role: IamRole) -> RolePolicies:
        """Inline and attached policies, and the boundary. A managed policy not supplied is a warning
        (its permissions are then missing from the decision), never an error."""
        warnings: list[str] = []
        identity = [NamedPolicy(f"{role.name}/{p.name}", p.document) for p in role.inline_policies]
        for attached in role.attached_policies:
            managed = self.managed_policy(attached.arn)
            if managed is None:
                warnings.append(
                    f"managed policy {attached.arn} attached to role {role.name} was not supplied; "
                    "its permissions are not evaluated"
                )
            else:
                identity.append(NamedPolicy(attached.arn, managed.document))
        boundary: NamedPolicy | None = None
        if role.permissions_boundary_arn is not None:
            managed = self.managed_policy(role.permissions_boundary_arn)
            if managed is None:
                warnings.append(
                    f"permissions boundary {role.permissions_boundary_arn} of role {role.name} was "
                    "not supplied; the boundary is not evaluated"
                )
            else:
                boundary = NamedPolicy(role.permissions_boundary_arn, managed.document)
        return RolePolicies(tuple(identity), boundary, tuple(warnings))


# --- shipped data -------------------------------------------------------------------------------


@cache
def shipped_policy(arn: str) -> ManagedPolicy | None:
    filename = _SHIPPED.get(arn)
    if filename is None:
        return None
    from importlib import resources  # a few milliseconds no run without a guest role needs

    document = json.loads(
        resources.files("simulator").joinpath("data", filename).read_text("utf-8")
    )
    return ManagedPolicy(arn, arn.rsplit("/", 1)[-1], parse_policy(document, kind="session"))


# --- loading ------------------------------------------------------------------------------------


def load_iam(roles: Any, policies: Any = None) -> IamData:
    """Roles in RoleDetailList shape and managed policies in the Policies shape (either list may be
    empty). Errors carry paths starting ("IamRoles", i, ...) or ("Policies", i, ...)."""
    managed = _load_policies(policies if policies is not None else [], ("Policies",))
    loaded_roles = _load_roles(roles if roles is not None else [], ("IamRoles",))
    return IamData(loaded_roles, managed)


def load_account_authorization_details(document: Any) -> IamData:
    """A whole `aws iam get-account-authorization-details` output (users and groups are ignored)."""
    if not isinstance(document, Mapping):
        raise ConfigError("expected the JSON object printed by get-account-authorization-details")
    managed = _load_policies(document.get("Policies", []), ("Policies",))
    roles = _load_roles(document.get("RoleDetailList", []), ("RoleDetailList",))
    return IamData(roles, managed)


def _load_policies(raw: Any, root: tuple[PathPart, ...]) -> dict[str, ManagedPolicy]:
    if not isinstance(raw, list):
        raise ConfigError("expected a list of managed policies", path=root)
    out: dict[str, ManagedPolicy] = {}
    for i, item in enumerate(raw):
        path = (*root, i)
        if not isinstance(item, Mapping):
            raise ConfigError("a managed policy must be an object", path=path)
        arn = _required_str(item, "Arn", path)
        name = item.get("PolicyName") or arn.rsplit("/", 1)[-1]
        if not isinstance(name, str):
            raise ConfigError("PolicyName must be a string", path=(*path, "PolicyName"))
        if "Document" in item:
            doc_path: tuple[PathPart, ...] = (*path, "Document")
            document = item["Document"]
        else:
            document, doc_path = _default_version(item, path)
        out[arn] = ManagedPolicy(arn, name, _parse_at(document, doc_path, "identity"))
    return out


def _default_version(
    item: Mapping[str, Any], path: tuple[PathPart, ...]
) -> tuple[Any, tuple[PathPart, ...]]:
    versions = item.get("PolicyVersionList")
    if not isinstance(versions, list) or not versions:
        raise ConfigError("a managed policy needs Document or a PolicyVersionList", path=path)
    default_id = item.get("DefaultVersionId")
    for j, version in enumerate(versions):
        if not isinstance(version, Mapping):
            raise ConfigError(
                "a policy version must be an object", path=(*path, "PolicyVersionList", j)
            )
        if version.get("IsDefaultVersion") is True or (
            default_id is not None and version.get("VersionId") == default_id
        ):
            if "Document" not in version:
                raise ConfigError(
                    "policy version has no Document", path=(*path, "PolicyVersionList", j)
                )
            return version["Document"], (*path, "PolicyVersionList", j, "Document")
    raise ConfigError(
        "no policy version has IsDefaultVersion true", path=(*path, "PolicyVersionList")
    )


def _load_roles(raw: Any, root: tuple[PathPart, ...]) -> tuple[IamRole, ...]:
    if not isinstance(raw, list):
        raise ConfigError("expected a list of roles", path=root)
    return tuple(_load_role(item, (*root, i)) for i, item in enumerate(raw))


def _load_role(item: Any, path: tuple[PathPart, ...]) -> IamRole:
    if not isinstance(item, Mapping):
        raise ConfigError("a role must be an object", path=path)
    for key in item:
        if key not in _ROLE_KEYS:
            raise ConfigError(f"unknown role field '{key}'", path=(*path, key))
    name = _required_str(item, "RoleName", path)
    arn = _required_str(item, "Arn", path)
    role_path = item.get("Path", "/")
    role_id = item.get("RoleId")
    trust = None
    if item.get("AssumeRolePolicyDocument") is not None:
        trust = _parse_at(
            item["AssumeRolePolicyDocument"], (*path, "AssumeRolePolicyDocument"), "trust"
        )
    inline: list[InlinePolicy] = []
    for j, entry in enumerate(_list(item, "RolePolicyList", path)):
        where = (*path, "RolePolicyList", j)
        if not isinstance(entry, Mapping):
            raise ConfigError("an inline policy must be an object", path=where)
        policy_name = _required_str(entry, "PolicyName", where)
        if "PolicyDocument" not in entry:
            raise ConfigError("inline policy has no PolicyDocument", path=where)
        inline.append(
            InlinePolicy(
                policy_name,
                _parse_at(entry["PolicyDocument"], (*where, "PolicyDocument"), "identity"),
            )
        )
    attached: list[AttachedPolicy] = []
    for j, entry in enumerate(_list(item, "AttachedManagedPolicies", path)):
        where = (*path, "AttachedManagedPolicies", j)
        if not isinstance(entry, Mapping):
            raise ConfigError("an attached policy must be an object", path=where)
        policy_arn = _required_str(entry, "PolicyArn", where)
        attached.append(
            AttachedPolicy(
                str(entry.get("PolicyName") or policy_arn.rsplit("/", 1)[-1]), policy_arn
            )
        )
    boundary = item.get("PermissionsBoundary")
    boundary_arn = None
    if boundary is not None:
        if not isinstance(boundary, Mapping):
            raise ConfigError(
                "PermissionsBoundary must be an object", path=(*path, "PermissionsBoundary")
            )
        boundary_arn = _required_str(
            boundary, "PermissionsBoundaryArn", (*path, "PermissionsBoundary")
        )
    tags: list[tuple[str, str]] = []
    for j, tag in enumerate(_list(item, "Tags", path)):
        where = (*path, "Tags", j)
        if not isinstance(tag, Mapping):
            raise ConfigError("a tag must be an object with Key and Value", path=where)
        key = _required_str(tag, "Key", where)
        value = tag.get("Value", "")
        if not isinstance(value, str):
            raise ConfigError("tag Value must be a string", path=(*where, "Value"))
        tags.append((key, value))
    duration = item.get("MaxSessionDuration")
    if duration is not None and (not isinstance(duration, int) or isinstance(duration, bool)):
        raise ConfigError(
            "MaxSessionDuration must be a number of seconds", path=(*path, "MaxSessionDuration")
        )
    if not isinstance(role_path, str):
        raise ConfigError("Path must be a string", path=(*path, "Path"))
    if role_id is not None and not isinstance(role_id, str):
        raise ConfigError("RoleId must be a string", path=(*path, "RoleId"))
    return IamRole(
        name,
        arn,
        role_path,
        role_id,
        trust,
        tuple(inline),
        tuple(attached),
        boundary_arn,
        tuple(tags),
        duration,
    )


def _parse_at(document: Any, path: tuple[PathPart, ...], kind: Any) -> Policy:
    try:
        return parse_policy(document, kind=kind)
    except ConfigError as exc:
        raise exc.prefixed(path) from None


def _required_str(item: Mapping[str, Any], key: str, path: tuple[PathPart, ...]) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"missing or non-string {key}", path=(*path, key))
    return value


def _list(item: Mapping[str, Any], key: str, path: tuple[PathPart, ...]) -> Sequence[Any]:
    value = item.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(f"{key} must be a list", path=(*path, key))
    return value
