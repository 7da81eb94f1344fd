"""pull: a live identity pool (and optionally its IAM roles) as a pool file (CONTRACT §2).

The library twin of `rolesim pull`. Every key keeps the AWS API's own name and shape, so the
result loads back through the pool loader unchanged.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any, Literal

import msgspec
from botocore.exceptions import ClientError
from ruamel.yaml import YAML

from simulator.live.errors import aws_error, call, error_code, pages
from simulator.live.responses import malformed, need, need_text
from simulator.live.session import AwsClients

PoolFormat = Literal["yaml", "json"]

_DESCRIBE_KEYS = (
    "IdentityPoolId",
    "IdentityPoolName",
    "AllowUnauthenticatedIdentities",
    "AllowClassicFlow",
    "CognitoIdentityProviders",
    "OpenIdConnectProviderARNs",
    "SamlProviderARNs",
    "SupportedLoginProviders",
    "DeveloperProviderName",
    "IdentityPoolTags",
)
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/(?:.*/)?(?P<name>[^/]+)")


class PullResult(msgspec.Struct, frozen=True):
    document: dict[str, Any]  # the pool file, in CONTRACT §2 shape
    warnings: tuple[str, ...] = ()


class _Puller:
    def __init__(self, clients: AwsClients, pool_id: str) -> None:
        self.clients = clients
        self.redactor = clients.redactor
        self.region = clients.region_for(pool_id)
        self.warnings: list[str] = []

    def call(
        self, client: Any, operation: str, *, absent: str | None = None, **params: Any
    ) -> dict[str, Any] | None:
        """One call; None when AWS answers the error code `absent` (the thing does not exist)."""
        try:
            return call(client, operation, region=self.region, redactor=self.redactor, **params)
        except ClientError as exc:
            if absent is not None and error_code(exc) == absent:
                return None
            raise aws_error(
                exc, operation=operation, region=self.region, redactor=self.redactor
            ) from None

    def get(self, client: Any, operation: str, **params: Any) -> dict[str, Any]:
        response = self.call(client, operation, **params)
        assert response is not None  # no error code is taken for absence
        return response

    def pages(self, client: Any, operation: str, key: str, **params: Any) -> list[Any]:
        try:
            return pages(
                client, operation, key, region=self.region, redactor=self.redactor, **params
            )
        except ClientError as exc:
            raise aws_error(
                exc, operation=operation, region=self.region, redactor=self.redactor
            ) from None

    def pool(self, pool_id: str, with_iam: bool) -> dict[str, Any]:
        identity = self.clients.client("cognito-identity", self.region)
        described = self.get(identity, "DescribeIdentityPool", IdentityPoolId=pool_id)
        answered = need_text(described, "IdentityPoolId", operation="DescribeIdentityPool")
        if answered != pool_id:
            raise malformed("DescribeIdentityPool", f"it describes {answered}, not {pool_id}")
        # A value AWS leaves unset is left out, not written as null or "".
        document: dict[str, Any] = {
            key: described[key] for key in _DESCRIBE_KEYS if described.get(key) not in (None, "")
        }
        roles = self.get(identity, "GetIdentityPoolRoles", IdentityPoolId=pool_id)
        document["Roles"] = roles.get("Roles") or {}
        if roles.get("RoleMappings"):
            document["RoleMappings"] = roles["RoleMappings"]
        tag_maps = [
            m for m in (self.tag_map(identity, pool_id, p) for p in _providers(described)) if m
        ]
        if tag_maps:
            document["PrincipalTagAttributeMaps"] = tag_maps
        role_arns = _referenced_roles(document)
        accounts = {m["account"] for arn in role_arns if (m := _ROLE_ARN.fullmatch(arn))}
        if len(accounts) == 1:
            document = {
                "IdentityPoolId": document.pop("IdentityPoolId"),
                "AccountId": accounts.pop(),
                **document,
            }
        if with_iam:
            iam_roles, policies = self.iam(role_arns)
            document["IamRoles"] = iam_roles
            if policies:
                document["Policies"] = policies
            oidc = [
                found
                for arn in described.get("OpenIdConnectProviderARNs") or ()
                if (found := self.oidc_provider(arn)) is not None
            ]
            if oidc:
                document["OpenIdConnectProviders"] = oidc
        return document

    def oidc_provider(self, arn: str) -> dict[str, Any] | None:
        """The IAM OIDC provider's issuer and client ids: what the service checks an OIDC token's
        azp/aud against [OIDC] (cognito-semantics.md §8)."""
        iam = self.clients.client("iam", self.region)
        found = self.call(
            iam, "iam:GetOpenIDConnectProvider", absent="NoSuchEntity", OpenIDConnectProviderArn=arn
        )
        if found is None:
            self.warnings.append(f"OIDC provider {arn} does not exist in this account; not pulled")
            return None
        entry: dict[str, Any] = {"Arn": arn}
        if isinstance(found.get("Url"), str):
            entry["Url"] = found["Url"]
        entry["ClientIDList"] = list(found.get("ClientIDList") or [])
        entry["ThumbprintList"] = list(found.get("ThumbprintList") or [])
        return entry

    def tag_map(self, identity: Any, pool_id: str, provider: str) -> dict[str, Any] | None:
        # A provider never given a map answers ResourceNotFoundException (semantics §9).
        response = self.call(
            identity,
            "GetPrincipalTagAttributeMap",
            absent="ResourceNotFoundException",
            IdentityPoolId=pool_id,
            IdentityProviderName=provider,
        )
        if response is None or (
            not response.get("UseDefaults") and not response.get("PrincipalTags")
        ):
            return None
        return {
            "IdentityProviderName": response.get("IdentityProviderName", provider),
            "UseDefaults": bool(response.get("UseDefaults")),
            "PrincipalTags": dict(response.get("PrincipalTags") or {}),
        }

    def iam(self, role_arns: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        iam = self.clients.client("iam", self.region)
        roles: list[dict[str, Any]] = []
        policy_arns: dict[str, None] = {}
        for arn in role_arns:
            match = _ROLE_ARN.fullmatch(arn)
            if not match:
                self.warnings.append(f"{arn} is not a role ARN; skipped")
                continue
            found = self.call(iam, "iam:GetRole", absent="NoSuchEntity", RoleName=match["name"])
            if found is None:
                self.warnings.append(f"role {arn} does not exist in this account; not pulled")
                continue
            role = need(found, "Role", operation="iam:GetRole")
            if need_text(role, "Arn", operation="iam:GetRole") != arn:
                self.warnings.append(
                    f"role {arn} is in another account or path (found {role['Arn']}); not pulled"
                )
                continue
            entry = self.role_entry(iam, role)
            roles.append(entry)
            boundary = entry.get("PermissionsBoundary")
            if boundary:
                policy_arns.setdefault(boundary["PermissionsBoundaryArn"])
            for p in entry["AttachedManagedPolicies"]:
                policy_arns.setdefault(p["PolicyArn"])
        return roles, [self.managed_policy(iam, arn) for arn in policy_arns]

    def role_entry(self, iam: Any, role: dict[str, Any]) -> dict[str, Any]:
        """One RoleDetailList entry (get-account-authorization-details shape)."""
        name = need_text(role, "RoleName", operation="iam:GetRole")
        inline = []
        for policy_name in self.pages(iam, "iam:ListRolePolicies", "PolicyNames", RoleName=name):
            document = self.get(iam, "iam:GetRolePolicy", RoleName=name, PolicyName=policy_name)
            inline.append(
                {
                    "PolicyName": policy_name,
                    "PolicyDocument": _policy(
                        need(document, "PolicyDocument", operation="iam:GetRolePolicy")
                    ),
                }
            )
        listed = "iam:ListAttachedRolePolicies"
        attached = [
            {
                "PolicyName": need_text(p, "PolicyName", operation=listed),
                "PolicyArn": need_text(p, "PolicyArn", operation=listed),
            }
            for p in self.pages(iam, listed, "AttachedPolicies", RoleName=name)
        ]
        entry: dict[str, Any] = {
            "RoleName": name,
            "Arn": role["Arn"],
            "Path": role.get("Path", "/"),
            "RoleId": role.get("RoleId"),
            "AssumeRolePolicyDocument": _policy(role.get("AssumeRolePolicyDocument")),
            "RolePolicyList": inline,
            "AttachedManagedPolicies": attached,
        }
        boundary = role.get("PermissionsBoundary")
        if boundary:
            entry["PermissionsBoundary"] = {
                "PermissionsBoundaryType": boundary.get("PermissionsBoundaryType", "Policy"),
                "PermissionsBoundaryArn": need_text(
                    boundary, "PermissionsBoundaryArn", operation="iam:GetRole"
                ),
            }
        if role.get("Tags"):
            entry["Tags"] = [
                {"Key": need_text(t, "Key", operation="iam:GetRole"), "Value": t.get("Value", "")}
                for t in role["Tags"]
            ]
        if role.get("MaxSessionDuration"):
            entry["MaxSessionDuration"] = role["MaxSessionDuration"]
        return {k: v for k, v in entry.items() if v is not None}

    def managed_policy(self, iam: Any, arn: str) -> dict[str, Any]:
        got = "iam:GetPolicy"
        policy = need(self.get(iam, got, PolicyArn=arn), "Policy", operation=got)
        version_id = need_text(policy, "DefaultVersionId", operation=got)
        version = self.get(iam, "iam:GetPolicyVersion", PolicyArn=arn, VersionId=version_id)
        document = need(version, "PolicyVersion", "Document", operation="iam:GetPolicyVersion")
        return {
            "PolicyName": need_text(policy, "PolicyName", operation=got),
            "PolicyId": policy.get("PolicyId"),
            "Arn": need_text(policy, "Arn", operation=got),
            "Path": policy.get("Path", "/"),
            "DefaultVersionId": version_id,
            "PolicyVersionList": [
                {"Document": _policy(document), "VersionId": version_id, "IsDefaultVersion": True}
            ],
        }


def _providers(described: dict[str, Any]) -> list[str]:
    """Every provider a principal-tag map can name: user pools (without client id), OIDC and
    SAML provider ARNs, and the supported login providers."""
    names = [
        need_text(p, "ProviderName", operation="DescribeIdentityPool")
        for p in described.get("CognitoIdentityProviders") or []
    ]
    names += list(described.get("OpenIdConnectProviderARNs") or [])
    names += list(described.get("SamlProviderARNs") or [])
    names += list((described.get("SupportedLoginProviders") or {}).keys())
    return list(dict.fromkeys(names))


def _referenced_roles(document: dict[str, Any]) -> list[str]:
    arns: dict[str, None] = dict.fromkeys((document.get("Roles") or {}).values())
    for mapping in (document.get("RoleMappings") or {}).values():
        for rule in (mapping.get("RulesConfiguration") or {}).get("Rules") or []:
            arns.setdefault(need_text(rule, "RoleARN", operation="GetIdentityPoolRoles"))
    return list(arns)


def _policy(document: Any) -> Any:
    """boto3 decodes IAM policy documents; some callers hand back the JSON text instead."""
    if isinstance(document, str):
        try:
            return json.loads(document)
        except json.JSONDecodeError:
            return document
    return document


def pull_pool(
    clients: AwsClients,
    identity_pool_id: str,
    *,
    with_iam: bool = False,
) -> PullResult:
    """DescribeIdentityPool, GetIdentityPoolRoles and every principal-tag map; with `with_iam`,
    the referenced roles' trust, inline and attached policies, boundary and tags."""
    puller = _Puller(clients, identity_pool_id)
    document = puller.pool(identity_pool_id, with_iam)
    return PullResult(document, tuple(puller.warnings))


def dump_pool_document(document: dict[str, Any], fmt: PoolFormat = "yaml") -> str:
    if fmt == "json":
        return json.dumps(document, indent=2) + "\n"
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 4096  # long ARNs stay on one line
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()
