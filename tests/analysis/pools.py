"""Pool dictionaries and generated role mappings for the gate's tests."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

PROVIDER = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
CLIENT = "1example23456789"
KEY = f"{PROVIDER}:{CLIENT}"
ACCOUNT = "111122223333"
POOL_ID = "us-east-1:11111111-2222-3333-4444-555555555555"


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def pool_dict(rules: list[dict[str, str]] | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "IdentityPoolId": POOL_ID,
        "AccountId": ACCOUNT,
        "AllowUnauthenticatedIdentities": True,
        "AllowClassicFlow": False,
        "CognitoIdentityProviders": [{"ProviderName": PROVIDER, "ClientId": CLIENT}],
        "Roles": {"authenticated": role("Auth"), "unauthenticated": role("Guest")},
    }
    if rules is not None:
        data["RoleMappings"] = {
            KEY: {
                "Type": "Rules",
                "AmbiguousRoleResolution": "Deny",
                "RulesConfiguration": {"Rules": rules},
            }
        }
    data.update(copy.deepcopy(extra))
    return data


def rule(claim: str, match: str, value: str, role_name: str) -> dict[str, str]:
    return {"Claim": claim, "MatchType": match, "Value": value, "RoleARN": role(role_name)}


CLAIMS = ("cognito:groups", "custom:dept", "email")
VALUES = ("admins", "adm", "Admins", "dev", "ad", "dev-admins")
ROLES = ("A", "B", "C")

rules_strategy = st.lists(
    st.builds(
        rule,
        st.sampled_from(CLAIMS),
        st.sampled_from(("Equals", "Contains", "StartsWith", "NotEqual")),
        st.sampled_from(VALUES),
        st.sampled_from(ROLES),
    ),
    min_size=1,
    max_size=6,
)

# Claim values that exercise the predicates: absent, each value and variants, arrays, scalars.
_text = st.one_of(
    st.sampled_from(VALUES),
    st.sampled_from(VALUES).map(lambda v: v + "x"),
    st.sampled_from(VALUES).map(lambda v: "x" + v),
    st.sampled_from(VALUES).map(str.upper),
    st.text(alphabet="admisnevx-", max_size=6),
)
claim_value = st.one_of(st.none(), _text, st.lists(_text, max_size=3), st.booleans())
# What a user pool ID token can carry for each claim [IDTOK]: groups are always an array, custom
# attributes and email are strings.
_TYPED = {"cognito:groups": st.lists(_text, max_size=3), "custom:dept": _text, "email": _text}


@st.composite
def claims_strategy(draw: Any, typed: bool = True) -> dict[str, Any]:
    """User pool tokens; `typed=False` also gives claims types no user pool issues."""
    claims: dict[str, Any] = {
        "iss": f"https://{PROVIDER}",
        "aud": CLIENT,
        "sub": draw(st.sampled_from(["u1", "u2"])),
    }
    for name in CLAIMS:
        v = draw(st.one_of(st.none(), _TYPED[name]) if typed else claim_value)
        if v is not None:
            claims[name] = v
    return claims


def trust_policy(*, tag_session: bool = True, pool_id: str = POOL_ID) -> dict[str, Any]:
    """The trust policy [RTP] documents for an identity pool's authenticated role."""
    actions = ["sts:AssumeRoleWithWebIdentity", *(["sts:TagSession"] if tag_session else [])]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": actions,
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
                    "ForAnyValue:StringLike": {
                        "cognito-identity.amazonaws.com:amr": "authenticated"
                    },
                },
            }
        ],
    }


def iam_role(
    name: str, *statements: dict[str, Any], trust: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A RoleDetailList entry with the standard trust policy and one inline policy."""
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    return {
        "RoleName": name,
        "Arn": role(name),
        "AssumeRolePolicyDocument": trust if trust is not None else trust_policy(),
        "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": doc}],
    }
