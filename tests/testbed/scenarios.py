"""Identity pools built on the test bed through the emulated AWS APIs, with the pool file a
user would write for them. The recorded outcomes are left to each test."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.testbed.outcomes import LoginKey
from tests.testbed.server import Testbed, UserPool, cognito_trust

PASSWORD = "Corr3ct-Horse-Battery!"


@dataclass
class Scenario:
    testbed: Testbed
    user_pool: UserPool
    client_id: str
    pool_id: str
    document: dict[str, Any]
    roles: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        return self.user_pool.id_token(self.client_id, username, PASSWORD)

    def login(self, username: str) -> LoginKey:
        return LoginKey(self.user_pool.provider_name, self.user_pool.subject(username))

    def write_config(self, directory: Path) -> Path:
        path = directory / "pool.json"
        path.write_text(json.dumps(self.document, indent=2), encoding="utf-8")
        return path

    def write_token(self, directory: Path, username: str) -> Path:
        path = directory / f"{username}.jwt"
        path.write_text(self.token(username), encoding="utf-8")
        return path


def _unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def build(
    testbed: Testbed,
    *,
    mapping_type: str | None = None,
    ambiguous: str = "Deny",
    allow_guests: bool = False,
    allow_classic_flow: bool = False,
    tag_map: dict[str, str] | None = None,
) -> Scenario:
    """A user pool with groups (admins → Admin under a path, editors/viewers for Token type),
    users alice (admins), bob (no group), carol (editors + viewers), dave (custom:department),
    and an identity pool on it."""
    user_pool = testbed.create_user_pool(_unique("users"), ("department",))
    client_id, _ = user_pool.create_client()
    suffix = uuid.uuid4().hex[:6]
    roles = {
        "auth": testbed.create_role(
            f"Auth{suffix}", trust=cognito_trust("*", "authenticated"), tags={"team": "core"}
        ),
        "guest": testbed.create_role(f"Guest{suffix}", trust=cognito_trust("*", "unauthenticated")),
        "admin": testbed.create_role(
            f"Admin{suffix}",
            path="/app/admins/",
            inline={"read": _allow("s3:GetObject")},
            managed={f"Managed{suffix}": _allow("dynamodb:GetItem")},
            boundary=_allow("s3:*"),
        ),
        "editor": testbed.create_role(f"Editor{suffix}"),
        "viewer": testbed.create_role(f"Viewer{suffix}"),
    }
    user_pool.create_group("admins", roles["admin"], 0)
    user_pool.create_group("editors", roles["editor"], 1)
    user_pool.create_group("viewers", roles["viewer"], 5)
    user_pool.create_user("alice", PASSWORD, groups=("admins",))
    user_pool.create_user("bob", PASSWORD)
    user_pool.create_user("carol", PASSWORD, groups=("editors", "viewers"))
    user_pool.create_user("dave", PASSWORD, attributes={"custom:department": "eng"})

    provider = user_pool.provider_name
    mapping_key = f"{provider}:{client_id}"
    role_mappings: dict[str, Any] = {}
    if mapping_type == "Rules":
        role_mappings[mapping_key] = {
            "Type": "Rules",
            "AmbiguousRoleResolution": ambiguous,
            "RulesConfiguration": {
                "Rules": [
                    {
                        "Claim": "cognito:groups",
                        "MatchType": "Contains",
                        "Value": "admins",
                        "RoleARN": roles["admin"],
                    }
                ]
            },
        }
    elif mapping_type == "Token":
        role_mappings[mapping_key] = {"Type": "Token", "AmbiguousRoleResolution": ambiguous}
    pool_roles = {"authenticated": roles["auth"]}
    if allow_guests:
        pool_roles["unauthenticated"] = roles["guest"]
    pool_id = testbed.create_identity_pool(
        _unique("pool"),
        user_pool=user_pool,
        client_id=client_id,
        allow_guests=allow_guests,
        allow_classic_flow=allow_classic_flow,
        roles=pool_roles,
        role_mappings=role_mappings,
    )
    identity = testbed.client("cognito-identity")
    document: dict[str, Any] = {
        "IdentityPoolId": pool_id,
        "AllowUnauthenticatedIdentities": allow_guests,
        "AllowClassicFlow": allow_classic_flow,
        "CognitoIdentityProviders": [
            {"ProviderName": provider, "ClientId": client_id, "ServerSideTokenCheck": False}
        ],
        "Roles": pool_roles,
    }
    if role_mappings:
        document["RoleMappings"] = role_mappings
    if tag_map:
        identity.set_principal_tag_attribute_map(
            IdentityPoolId=pool_id,
            IdentityProviderName=provider,
            UseDefaults=False,
            PrincipalTags=tag_map,
        )
        document["PrincipalTagAttributeMaps"] = [
            {"IdentityProviderName": provider, "UseDefaults": False, "PrincipalTags": tag_map}
        ]
    return Scenario(testbed, user_pool, client_id, pool_id, document, roles)


def _allow(action: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
    }
