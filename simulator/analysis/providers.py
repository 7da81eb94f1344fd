"""The providers a pool accepts tokens from, and the claims a token needs to come from one.

Helpers shared by the exploration, the invariants and lint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from simulator.analysis.solver import Semantics
from simulator.assumptions import Name
from simulator.model.pool import IdentityPool, MappingRule, PrincipalTagMap
from simulator.model.providers import OIDC_ARN, ProviderKind, ProviderName
from simulator.resolve import SAML_ROLE_ATTRIBUTE
from simulator.tags import default_claims

ARRAY_CLAIMS = frozenset({"cognito:groups", "cognito:roles", "groups", "amr", "roles"})

Shape = Literal["string", "array", "boolean", "number", "any"]

# The claim types an ID token carries [IDTOK] (user pools: custom attributes are always strings;
# cognito:groups is "always an array") and the OIDC standard claims [OIDC Core 5.1]. Witnesses and
# counterexamples use them, so every token the analysis shows is one a provider can issue.
_USER_POOL_SHAPES: dict[str, Shape] = {
    "cognito:groups": "array", "cognito:roles": "array", "cognito:preferred_role": "string",
    "cognito:username": "string", "email_verified": "boolean", "phone_number_verified": "boolean",
    "auth_time": "number", "iat": "number", "exp": "number", "identities": "array",
}  # fmt: skip
_OIDC_SHAPES: dict[str, Shape] = {
    "sub": "string", "iss": "string", "email": "string", "name": "string",
    "email_verified": "boolean", "auth_time": "number", "iat": "number", "exp": "number",
}  # fmt: skip


def claim_shape(kind: ProviderKind, claim: str) -> Shape:
    """The type `claim` has in a token from a provider of this kind ("any" where no spec says)."""
    if kind is ProviderKind.USER_POOL:
        if claim.startswith("custom:") or claim in ("sub", "aud", "iss", "token_use", "email"):
            return "string"
        return _USER_POOL_SHAPES.get(claim, "string" if ":" not in claim else "any")
    if kind is ProviderKind.SAML:
        return "any"  # assertion attributes may repeat
    return _OIDC_SHAPES.get(claim, "any")


def shape_of(value: Any) -> Shape:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    return "string" if isinstance(value, str) else "any"


TOKEN_CLAIMS = ("cognito:roles", "cognito:preferred_role", "cognito:groups", SAML_ROLE_ATTRIBUTE)


def tag_claim_names(tag_map: PrincipalTagMap) -> set[str]:
    """The claims a principal tag map reads: its own entries, and the provider's default claims
    when UseDefaults is on (which tag keys they get is a named assumption; the claims are not)."""
    names = set(tag_map.tags.values())
    if tag_map.use_defaults:
        names.update(default_claims(tag_map.provider))
    return names


def semantics_of(pool: IdentityPool) -> Semantics:
    a = pool.assumptions
    return Semantics(
        fold=a.alt(Name.CASE_SENSITIVE_MATCH),
        array_json=a.alt(Name.ARRAY_CLAIM_MATCH),
    )


def other_role_arn(pools: Sequence[IdentityPool]) -> str:
    """A role ARN no pool names: stands for "any other role" in witnesses."""
    account = next((p.account_id for p in pools if p.account_id), None) or "000000000000"
    return f"arn:aws:iam::{account}:role/rolesim-any-other-role"


def configured_providers(pool: IdentityPool) -> list[ProviderName]:
    """Every provider the pool accepts tokens from, as the Logins map (and mappings) name it."""
    out = [
        ProviderName(ProviderKind.USER_POOL, c.provider_name, c.client_id)
        for c in pool.cognito_providers
        if c.client_id
    ]
    out += [ProviderName(ProviderKind.OIDC, arn) for arn in pool.oidc_provider_arns]
    out += [ProviderName(ProviderKind.SAML, arn) for arn in pool.saml_provider_arns]
    out += [ProviderName(ProviderKind.SOCIAL, name) for name in pool.supported_login_providers]
    return out


def provider_label(p: ProviderName) -> str:
    return f"{p.name}:{p.client_id}" if p.client_id else p.name


def base_claims(pool: IdentityPool, p: ProviderName) -> dict[str, Any]:
    """Claims that make the token come from `p` as this pool is configured (§8)."""
    if p.kind is ProviderKind.USER_POOL:
        return {"iss": f"https://{p.name}", "aud": p.client_id, "token_use": "id"}
    if p.kind is ProviderKind.SOCIAL:
        return {
            "iss": f"https://{p.name}",
            "aud": pool.supported_login_providers.get(p.name, "app-id"),
        }
    if p.kind is ProviderKind.OIDC:
        m = OIDC_ARN.fullmatch(p.name)
        url = m["url"] if m else p.name
        detail = pool.oidc_provider(p.name)
        aud = detail.client_ids[0] if detail is not None and detail.client_ids else "client-id"
        return {"iss": f"https://{url}", "aud": aud}
    return {}  # SAML assertions carry no iss; the probe names the provider


def rules_of(pool: IdentityPool, p: ProviderName) -> tuple[MappingRule, ...]:
    m = pool.mapping_for(p)
    return m.rules if m is not None and m.type == "Rules" else ()
