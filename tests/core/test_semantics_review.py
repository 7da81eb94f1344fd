"""Answers that differ from AWS's, or that a reviewer cannot act on, found in review (issue 10).

Sources: cognito-semantics.md §3 [SAML], §10.11, §10.13; [OIDC]; amazon-cognito-identity-js#12.
"""

from __future__ import annotations

from typing import Any

from simulator.decision import DecisionStep, RuleStep
from simulator.resolve import MISSING_AUD, UNSUPPORTED_PROVIDER
from tests.core.builders import (
    ADMIN,
    AUTH,
    CLIENT,
    DEV,
    USER_POOL,
    decide,
    pool,
    pool_doc,
    rule,
    token,
)
from tests.core.test_providers import decide as decide_doc

SAML = "arn:aws:iam::111122223333:saml-provider/Corp"
ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"
OIDC = "arn:aws:iam::111122223333:oidc-provider/login.example.com"


def saml_pool(**extra: Any) -> dict[str, Any]:
    return pool_doc(SamlProviderARNs=[SAML], **extra)


def saml(*roles: str) -> dict[str, Any]:
    return {ROLE_ATTR: [f"{r},{SAML}" for r in roles]}


class TestSaml:
    def test_the_basic_flow_is_refused_for_a_saml_login(self) -> None:
        # [SAML] "Amazon Cognito only supports the enhanced flow with the SAML-based IdP."
        d = decide_doc(saml_pool(AllowClassicFlow=True), saml(ADMIN), provider=SAML, flow="basic",
                       basic_role_arn=ADMIN)  # fmt: skip
        assert d.error is not None
        assert d.error.code == "InvalidParameterException"

    def test_no_default_roles_are_needed_the_role_attribute_gives_the_role(self) -> None:
        # [SAML] "You don't need to specify an authenticated or unauthenticated role for the
        # identity pool to use a SAML-based IdP"; a single role in the assertion is assumed.
        d = decide_doc(saml_pool(roles={}), saml(ADMIN), provider=SAML)
        assert d.role_arn == ADMIN
        assert d.uncertain == ()  # with no mapping and no default role nothing else could decide

    def test_custom_role_arn_picks_one_of_the_assertions_roles(self) -> None:
        # [SAML] "The user assumes this customRoleArn if the role matches one in the claim in the
        # SAML assertion."
        doc = saml_pool(roles={})
        d = decide_doc(doc, saml(ADMIN, DEV), provider=SAML, custom_role_arn=DEV)
        assert (d.role_arn, d.decided_by.kind) == (DEV, "custom_role_arn")
        other = decide_doc(doc, saml(ADMIN, DEV), provider=SAML, custom_role_arn=AUTH)
        assert other.error is not None
        assert other.decided_by.kind == "custom_role_arn"

    def test_several_roles_without_custom_role_arn_is_a_named_assumption(self) -> None:
        # Undocumented (§10.11): the pool's configuration decides by default; deny is reported.
        d = decide_doc(saml_pool(), saml(ADMIN, DEV), provider=SAML)
        assert d.role_arn == AUTH  # the default authenticated role
        assert "saml-several-roles" in [u.assumption for u in d.uncertain]

    def test_the_role_attribute_before_a_mapping_is_a_named_assumption(self) -> None:
        # Undocumented (§10.11): a Rules mapping and a Role attribute both present.
        doc = saml_pool(RoleMappings={SAML: {"Type": "Rules", "AmbiguousRoleResolution": "Deny",
                        "RulesConfiguration": {"Rules": [rule("dept", "Equals", "eng", DEV)]}}})  # fmt: skip
        d = decide_doc(doc, {**saml(ADMIN), "dept": "eng"}, provider=SAML)
        assert d.role_arn == ADMIN
        (u,) = [u for u in d.uncertain if u.assumption == "saml-role-attribute"]
        assert u.alternative_outcome.key[:2] == ("role", DEV)


def test_an_access_token_gets_awss_answer_and_the_fix() -> None:
    # amazon-cognito-identity-js#12: GetId answers "Invalid login token. Missing a required claim:
    # aud" for a user pool access token (it carries client_id instead of aud).
    claims = token(token_use="access", client_id=CLIENT)
    del claims["aud"]
    d = decide(pool(), claims)
    assert d.error is not None
    assert (d.error.code, d.error.message) == ("NotAuthorizedException", MISSING_AUD)
    assert any("pass the user pool's ID token" in s.message for s in d.trace)


def test_an_unconfigured_client_names_what_the_token_carried_and_what_is_accepted() -> None:
    d = decide(pool(), token(aud="someotherclient"))
    assert d.error is not None
    assert d.error.message == UNSUPPORTED_PROVIDER
    why = [s.message for s in d.trace if isinstance(s, DecisionStep)]
    assert any('"someotherclient"' in m and CLIENT in m and USER_POOL in m for m in why)


def test_an_oidc_audience_that_cannot_be_checked_is_said_so() -> None:
    # [OIDC]: azp, else aud, must be a client id of the IAM OIDC provider; without the provider's
    # ClientIDList in the pool file the check cannot be made, and the result says so.
    doc = pool_doc(OpenIdConnectProviderARNs=[OIDC])
    claims = {"iss": "https://login.example.com", "aud": "anything", "sub": "u"}
    d = decide_doc(doc, claims)
    assert d.role_arn == AUTH
    assert any("audience was not checked" in n for n in d.notes)
    checked = decide_doc(
        {**doc, "OpenIdConnectProviders": [{"Arn": OIDC, "ClientIDList": ["web"]}]}, claims
    )
    assert checked.error is not None
    assert checked.notes == ()


def test_a_contains_match_by_substring_is_said_so_in_the_trace() -> None:
    # Contains is a substring test: "field-admins" also matches "field-admins-readonly"
    # (the observed behaviour behind QnABot's Contains "Admin" granting group "Admins").
    p = pool(rules=[rule("cognito:groups", "Contains", "field-admins", ADMIN)])
    d = decide(p, token(cognito__groups=["field-admins-readonly"]))
    assert d.role_arn == ADMIN
    (step,) = [s for s in d.trace if isinstance(s, RuleStep)]
    assert "substring" in step.message
    exact = decide(p, token(cognito__groups=["field-admins"]))
    assert "substring" not in next(s for s in exact.trace if isinstance(s, RuleStep)).message
