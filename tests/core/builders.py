"""Small builders for pool documents and claims, so tests state only what they are about."""

from __future__ import annotations

from typing import Any

from simulator.claims import Login, login_for
from simulator.decision import Decision
from simulator.model import IdentityPool, pool_from_dict
from simulator.request import PLAIN_CLAIMS, Flow, LoginRequest
from simulator.resolve import resolve

REGION = "us-east-1"
POOL_ID = "us-east-1:11111111-2222-3333-4444-555555555555"
USER_POOL = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
CLIENT = "1example23456789"
KEY = f"{USER_POOL}:{CLIENT}"
ACCOUNT = "111122223333"


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


AUTH, GUEST, ADMIN, DEV, SALES = (
    role("Auth"),
    role("Guest"),
    role("Admin"),
    role("Dev"),
    role("Sales"),
)


def rule(claim: str, match: str, value: str, role_arn: str) -> dict[str, str]:
    return {"Claim": claim, "MatchType": match, "Value": value, "RoleARN": role_arn}


def pool_doc(
    *,
    rules: list[dict[str, str]] | None = None,
    mapping_type: str = "Rules",
    ambiguous: str = "Deny",
    tags: dict[str, str] | None = None,
    use_defaults: bool = False,
    roles: dict[str, str] | None = None,
    allow_guests: bool = True,
    classic: bool | None = False,
    **extra: Any,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "IdentityPoolId": POOL_ID,
        "AllowUnauthenticatedIdentities": allow_guests,
        "CognitoIdentityProviders": [{"ProviderName": USER_POOL, "ClientId": CLIENT}],
        "Roles": {"authenticated": AUTH, "unauthenticated": GUEST} if roles is None else roles,
    }
    if classic is not None:
        doc["AllowClassicFlow"] = classic
    if rules is not None or mapping_type == "Token":
        mapping: dict[str, Any] = {"Type": mapping_type, "AmbiguousRoleResolution": ambiguous}
        if rules is not None:
            mapping["RulesConfiguration"] = {"Rules": rules}
        doc["RoleMappings"] = {KEY: mapping}
    if tags is not None or use_defaults:
        doc["PrincipalTagAttributeMaps"] = [
            {
                "IdentityProviderName": USER_POOL,
                "UseDefaults": use_defaults,
                "PrincipalTags": tags or {},
            }
        ]
    doc.update(extra)
    return doc


def pool(**kwargs: Any) -> IdentityPool:
    return pool_from_dict(pool_doc(**kwargs), "pool.yaml")


def token(**claims: Any) -> dict[str, Any]:
    """User pool ID token claims [IDTOK]: iss, sub, aud, token_use always present."""
    base: dict[str, Any] = {
        "iss": f"https://{USER_POOL}",
        "aud": CLIENT,
        "sub": "aaaaaaaa-0000-0000-0000-000000000001",
        "token_use": "id",
    }
    for k, v in claims.items():
        base[k.replace("__", ":").replace("_colon_", ":")] = v
    return base


def login(claims: dict[str, Any], p: IdentityPool | None = None) -> Login:
    return login_for(claims, PLAIN_CLAIMS, p)


def request(
    claims: dict[str, Any] | None, *, explain: bool = True, flow: str = "enhanced", **options: Any
) -> LoginRequest:
    """The request a test states: claims (None: a guest) and GetCredentialsForIdentity's options."""
    return LoginRequest(claims, flow=Flow(flow), **options)


def decide(
    p: IdentityPool, claims: dict[str, Any] | None, *, explain: bool = True, **options: Any
) -> Decision:
    who = Login.guest() if claims is None else login(claims, p)
    return resolve(p, who, request(claims, **options), explain=explain)
