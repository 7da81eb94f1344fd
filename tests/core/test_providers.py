"""Providers other than user pools: social, OIDC and SAML logins (cognito-semantics.md §1.2, §3, §8)."""

from __future__ import annotations

from typing import Any

from simulator.claims import PLAIN_CLAIMS, login_for
from simulator.model import pool_from_dict
from simulator.request import Flow, LoginRequest
from simulator.resolve import resolve
from tests.core.builders import ADMIN, AUTH, DEV, pool_doc, rule

GOOGLE_APP = "123-abc.apps.googleusercontent.com"
OIDC_ARN = "arn:aws:iam::111122223333:oidc-provider/login.example.com"
SAML_ARN = "arn:aws:iam::111122223333:saml-provider/Corp"


def decide(
    doc: dict[str, Any], claims: dict[str, Any], provider: str | None = None, **options: Any
):  # type: ignore[no-untyped-def]
    pool = pool_from_dict(doc)
    flow = Flow(options.pop("flow", "enhanced"))
    request = LoginRequest(claims, provider=provider, flow=flow, **options)
    return resolve(pool, login_for(claims, PLAIN_CLAIMS, pool, provider=provider), request)


def google_pool(**extra: Any) -> dict[str, Any]:
    return pool_doc(SupportedLoginProviders={"accounts.google.com": GOOGLE_APP}, **extra)


def test_google_is_named_by_host_and_its_rules_see_every_claim() -> None:
    # [M] GetId: accounts.google.com; [RBAC] Google: all claims of the OIDC token can be used
    doc = google_pool(RoleMappings={"accounts.google.com": {"Type": "Rules", "AmbiguousRoleResolution": "AuthenticatedRole",
        "RulesConfiguration": {"Rules": [rule("hd", "Equals", "example.com", ADMIN)]}}})  # fmt: skip
    d = decide(
        doc,
        {"iss": "https://accounts.google.com", "aud": GOOGLE_APP, "sub": "1", "hd": "example.com"},
    )
    assert (d.login_provider, d.role_arn, d.role_mapping_key) == (
        "accounts.google.com",
        ADMIN,
        "accounts.google.com",
    )


def test_a_google_token_for_another_app_is_refused() -> None:
    # [AF-2023] GetId checks the token "matches the provider app id"
    d = decide(
        google_pool(), {"iss": "https://accounts.google.com", "aud": "other-app", "sub": "1"}
    )
    assert d.error is not None
    assert d.error.code == "NotAuthorizedException"


def test_an_unconfigured_social_provider_is_refused() -> None:
    d = decide(pool_doc(), {"iss": "https://accounts.google.com", "aud": GOOGLE_APP, "sub": "1"})
    assert d.error is not None
    assert d.error.code == "NotAuthorizedException"


def oidc_pool(**extra: Any) -> dict[str, Any]:
    return pool_doc(OpenIdConnectProviderARNs=[OIDC_ARN], **extra)


def test_an_oidc_token_maps_to_its_iam_provider_arn() -> None:
    # [OIDC]: the Logins key is the issuer host; [RBAC]: the RoleMappings key is the OIDC provider ARN
    doc = oidc_pool(RoleMappings={OIDC_ARN: {"Type": "Rules", "AmbiguousRoleResolution": "Deny",
        "RulesConfiguration": {"Rules": [rule("team", "Equals", "dev", DEV)]}}})  # fmt: skip
    d = decide(doc, {"iss": "https://login.example.com", "aud": "app", "sub": "u", "team": "dev"})
    assert (d.login_provider, d.role_arn) == (OIDC_ARN, DEV)


def test_an_oidc_token_needs_azp_or_aud_in_the_providers_client_ids() -> None:
    # [OIDC]: "azp, if present, else aud, must be in the IAM provider's client-ID list"
    doc = oidc_pool(
        OpenIdConnectProviders=[
            {"Arn": OIDC_ARN, "Url": "login.example.com", "ClientIDList": ["app"]}
        ]
    )
    ok = decide(doc, {"iss": "https://login.example.com", "aud": "other", "azp": "app", "sub": "u"})
    assert ok.role_arn == AUTH
    refused = decide(
        doc, {"iss": "https://login.example.com", "aud": "app", "azp": "other", "sub": "u"}
    )
    assert refused.error is not None
    assert refused.error.code == "NotAuthorizedException"


def test_an_issuer_the_pool_does_not_trust_is_refused() -> None:
    d = decide(oidc_pool(), {"iss": "https://evil.example.net", "aud": "app", "sub": "u"})
    assert d.error is not None
    assert d.error.code == "NotAuthorizedException"


def test_a_saml_login_names_its_provider_and_picks_from_the_role_attribute() -> None:
    # [SAML]: the Logins key is the SAML provider ARN; the Role attribute lists "role,provider"
    # pairs and CustomRoleArn picks one of them
    doc = pool_doc(
        SamlProviderARNs=[SAML_ARN],
        RoleMappings={SAML_ARN: {"Type": "Token", "AmbiguousRoleResolution": "Deny"}},
    )
    claims = {
        "https://aws.amazon.com/SAML/Attributes/Role": [f"{ADMIN},{SAML_ARN}", f"{DEV},{SAML_ARN}"]
    }
    chosen = decide(doc, claims, provider=SAML_ARN, custom_role_arn=DEV)
    assert (chosen.login_provider, chosen.role_arn, chosen.decided_by.kind) == (
        SAML_ARN,
        DEV,
        "custom_role_arn",
    )
    # several pairs and no CustomRoleArn: ambiguous (§10.11, presumed)
    assert decide(doc, claims, provider=SAML_ARN).decided_by.kind == "ambiguous_deny"
    single = {"https://aws.amazon.com/SAML/Attributes/Role": f"{ADMIN},{SAML_ARN}"}
    assert decide(doc, single, provider=SAML_ARN).role_arn == ADMIN


def test_a_provider_override_applies_the_user_pool_client_from_aud() -> None:
    from tests.core.builders import CLIENT, USER_POOL

    d = decide(pool_doc(), {"aud": CLIENT, "sub": "u"}, provider=USER_POOL)
    assert (d.login_provider, d.role_arn) == (USER_POOL, AUTH)
