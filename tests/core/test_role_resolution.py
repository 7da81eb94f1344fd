"""Role resolution as AWS documents it. Source keys are those of cognito-semantics.md."""

from __future__ import annotations

from simulator.decision import RuleStep
from simulator.resolve import (
    CLASSIC_NOT_ENABLED,
    CLASSIC_WITH_MAPPINGS,
    INVALID_POOL_CONFIG,
    UNAUTH_NOT_SUPPORTED,
    UNSUPPORTED_PROVIDER,
)
from tests.core.builders import (
    ADMIN,
    AUTH,
    DEV,
    GUEST,
    SALES,
    USER_POOL,
    decide,
    pool,
    role,
    rule,
    token,
)


class TestRulesType:
    def test_rules_are_evaluated_in_order_and_the_first_match_wins(self) -> None:
        # [RBAC] "Rules are evaluated in order, and the IAM role for the first matching rule is used"
        p = pool(
            rules=[
                rule("custom:dept", "Equals", "sales", SALES),
                rule("custom:dept", "StartsWith", "sa", DEV),
            ]
        )
        d = decide(p, token(custom__dept="sales"))
        assert d.role_arn == SALES
        assert d.decided_by.kind == "rule"
        assert d.decided_by.rule_index == 0

    def test_a_later_rule_decides_when_earlier_ones_do_not_match(self) -> None:
        p = pool(
            rules=[
                rule("custom:dept", "Equals", "sales", SALES),
                rule("custom:dept", "StartsWith", "eng", DEV),
            ]
        )
        d = decide(p, token(custom__dept="engineering"))
        assert (d.role_arn, d.decided_by.rule_index) == (DEV, 1)

    def test_each_match_type(self) -> None:
        # [M] MappingRule / CDK RoleMappingMatchType: Equals, Contains, StartsWith, NotEqual
        cases = [
            ("Equals", "eng", "eng", True),
            ("Equals", "eng", "engineering", False),
            ("Contains", "gin", "engineering", True),
            ("Contains", "xyz", "engineering", False),
            ("StartsWith", "eng", "engineering", True),
            ("StartsWith", "ing", "engineering", False),
            ("NotEqual", "sales", "engineering", True),
            ("NotEqual", "engineering", "engineering", False),
        ]
        for match, value, claim, matches in cases:
            p = pool(rules=[rule("custom:dept", match, value, DEV)], ambiguous="AuthenticatedRole")
            assert (decide(p, token(custom__dept=claim)).role_arn == DEV) is matches, (
                match,
                value,
                claim,
            )

    def test_not_equal_on_a_missing_claim_is_not_evaluated(self) -> None:
        # [RBAC] "If the match type is NotEqual and the claim doesn't exist, the rule is not evaluated"
        p = pool(
            rules=[
                rule("custom:dept", "NotEqual", "sales", DEV),
                rule("sub", "StartsWith", "a", SALES),
            ]
        )
        d = decide(p, token())
        assert d.role_arn == SALES
        assert [s.verdict for s in d.trace if isinstance(s, RuleStep)] == ["skipped", "match"]

    def test_equals_on_a_missing_claim_does_not_match(self) -> None:
        # [M] Claim is "the claim name that must be present in the token" (missing-claim-no-match)
        p = pool(rules=[rule("custom:dept", "Equals", "sales", DEV)], ambiguous="AuthenticatedRole")
        assert decide(p, token()).role_arn == AUTH

    def test_custom_attributes_compare_as_strings(self) -> None:
        # [IDTOK] user pools write custom attribute values as strings regardless of type
        p = pool(rules=[rule("custom:level", "Equals", "42", ADMIN)])
        assert decide(p, token(custom__level="42")).role_arn == ADMIN

    def test_no_match_with_deny_returns_the_ambiguous_role_error(self) -> None:
        # [M] AmbiguousRoleResolution; message observed in aws-amplify/amplify-js#3621 [community]
        p = pool(rules=[rule("custom:dept", "Equals", "sales", SALES)], ambiguous="Deny")
        d = decide(p, token(custom__dept="hr"))
        assert d.role_arn is None
        assert d.error is not None
        assert d.error.code == "NotAuthorizedException"
        assert (
            d.error.message
            == f"The ambiguous role mapping rules for: {USER_POOL} denied this request."
        )
        assert d.decided_by.kind == "ambiguous_deny"

    def test_no_match_with_authenticated_role_uses_the_default_role(self) -> None:
        # [M], [RBAC] console "Use default Authenticated role"
        p = pool(
            rules=[rule("custom:dept", "Equals", "sales", SALES)], ambiguous="AuthenticatedRole"
        )
        d = decide(p, token(custom__dept="hr"))
        assert (d.role_arn, d.decided_by.kind) == (AUTH, "ambiguous_default")

    def test_default_role_missing_is_an_invalid_pool_configuration(self) -> None:
        # [M] InvalidIdentityPoolConfigurationException: "no authenticated role configured"
        p = pool(
            rules=[rule("custom:dept", "Equals", "sales", SALES)],
            ambiguous="AuthenticatedRole",
            roles={"unauthenticated": GUEST},
        )
        d = decide(p, token(custom__dept="hr"))
        assert d.error is not None
        assert (d.error.code, d.error.message) == (
            "InvalidIdentityPoolConfigurationException",
            INVALID_POOL_CONFIG,
        )

    def test_custom_role_arn_picks_a_later_matching_rule(self) -> None:
        # [RBAC] the first matching rule is used "unless CustomRoleArn is specified to override the order"
        p = pool(
            rules=[
                rule("custom:dept", "StartsWith", "e", DEV),
                rule("custom:dept", "Contains", "eer", ADMIN),
            ]
        )
        d = decide(p, token(custom__dept="engineer"), custom_role_arn=ADMIN)
        assert (d.role_arn, d.decided_by.kind, d.decided_by.rule_index) == (
            ADMIN,
            "custom_role_arn",
            1,
        )

    def test_custom_role_arn_of_no_matching_rule_is_uncertain(self) -> None:
        # §10.6: undocumented; custom-role-arn-with-rules decides and is reported
        p = pool(rules=[rule("custom:dept", "StartsWith", "e", DEV)])
        d = decide(p, token(custom__dept="engineer"), custom_role_arn=ADMIN)
        assert d.role_arn == DEV
        assert [u.assumption for u in d.uncertain] == ["custom-role-arn-with-rules"]
        assert d.uncertain[0].alternative_outcome.key[0] == "error"


class TestNoMapping:
    def test_a_provider_without_mapping_gets_the_default_authenticated_role(self) -> None:
        # [IAMR] default roles; mappings are optional per provider
        d = decide(pool(), token())
        assert (d.role_arn, d.decided_by.kind) == (AUTH, "default_authenticated")

    def test_token_from_an_unconfigured_client_is_refused(self) -> None:
        # [OS], §9: "Token is not from a supported provider of this identity pool."
        d = decide(pool(), token(aud="someotherclient"))
        assert d.error is not None
        assert (d.error.code, d.error.message) == ("NotAuthorizedException", UNSUPPORTED_PROVIDER)

    def test_token_from_an_unconfigured_user_pool_is_refused(self) -> None:
        d = decide(pool(), token(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"))
        assert d.error is not None
        assert d.error.code == "NotAuthorizedException"


class TestGuests:
    def test_guests_get_the_unauthenticated_role(self) -> None:
        # [RBAC] unauthenticated users always get the unauthenticated role
        p = pool(rules=[rule("sub", "NotEqual", "x", ADMIN)])
        d = decide(p, None)
        assert (d.role_arn, d.decided_by.kind, d.authenticated) == (GUEST, "unauthenticated", False)

    def test_a_guest_custom_role_arn_is_ignored_under_a_named_assumption(self) -> None:
        # §10.6: AWS does not say what CustomRoleArn does where no mapping applies
        d = decide(pool(), None, custom_role_arn=ADMIN)
        assert d.role_arn == GUEST
        assert [u.assumption for u in d.uncertain] == ["custom-role-arn-without-mapping"]
        assert d.uncertain[0].alternative_outcome.key[0] == "error"

    def test_guests_are_refused_when_the_pool_does_not_allow_them(self) -> None:
        # §4.2 [community] CLI output: "Unauthenticated access is not supported for this identity pool."
        d = decide(pool(allow_guests=False), None)
        assert d.error is not None
        assert (d.error.code, d.error.message) == ("NotAuthorizedException", UNAUTH_NOT_SUPPORTED)

    def test_guests_without_a_guest_role_are_an_invalid_configuration(self) -> None:
        # [M] §4.2: an unauthenticated identity with no unauthenticated role
        d = decide(pool(roles={"authenticated": AUTH}), None)
        assert d.error is not None
        assert d.error.code == "InvalidIdentityPoolConfigurationException"


class TestTokenType:
    def test_preferred_role_is_used(self) -> None:
        # [RBAC] Token type step 2: cognito:preferred_role
        d = decide(
            pool(mapping_type="Token"),
            token(cognito__roles=[ADMIN, DEV], cognito__preferred_role=DEV),
        )
        assert (d.role_arn, d.decided_by.kind) == (DEV, "token_preferred_role")

    def test_custom_role_arn_in_cognito_roles_is_used(self) -> None:
        # [RBAC] Token type step 1
        d = decide(
            pool(mapping_type="Token"),
            token(cognito__roles=[ADMIN, DEV], cognito__preferred_role=DEV),
            custom_role_arn=ADMIN,
        )
        assert (d.role_arn, d.decided_by.kind) == (ADMIN, "custom_role_arn")

    def test_custom_role_arn_not_in_cognito_roles_is_denied(self) -> None:
        # [RBAC] "otherwise deny access"; the error code is undocumented (named assumption)
        d = decide(
            pool(mapping_type="Token"),
            token(cognito__roles=[DEV], cognito__preferred_role=DEV),
            custom_role_arn=ADMIN,
        )
        assert d.role_arn is None
        assert d.error is not None
        assert d.error.code == "NotAuthorizedException"
        assert [u.assumption for u in d.uncertain] == ["custom-role-arn-deny-code"]

    def test_several_roles_without_preferred_role_are_ambiguous(self) -> None:
        # [M] "no cognito:preferred_role claim and there are multiple cognito:roles matches"
        d = decide(
            pool(mapping_type="Token", ambiguous="AuthenticatedRole"),
            token(cognito__roles=[ADMIN, DEV]),
        )
        assert (d.role_arn, d.decided_by.kind) == (AUTH, "ambiguous_default")

    def test_cognito_roles_as_a_comma_separated_string(self) -> None:
        # [RBAC] "cognito:roles claim is a comma-separated string" (older text; [IDTOK] says array)
        d = decide(
            pool(mapping_type="Token"), token(cognito__roles=f"{ADMIN},{DEV}"), custom_role_arn=DEV
        )
        assert d.role_arn == DEV

    def test_a_token_without_role_claims_applies_ambiguous_resolution_under_the_default(
        self,
    ) -> None:
        # §10.7 token-without-roles: reported because the alternative (default role) differs
        d = decide(pool(mapping_type="Token", ambiguous="Deny"), token())
        assert d.decided_by.kind == "ambiguous_deny"
        assert [u.assumption for u in d.uncertain] == ["token-without-roles"]
        assert d.uncertain[0].alternative_outcome.key[:2] == ("role", AUTH)

    def test_group_roles_are_derived_from_the_user_pool_when_the_token_lacks_them(self) -> None:
        # [RBAC]/[GROUPS]: preferred_role is the role of the lowest-precedence group
        groups = [
            {"GroupName": "admins", "Precedence": 1, "RoleArn": ADMIN},
            {"GroupName": "dev", "Precedence": 5, "RoleArn": DEV},
        ]
        p = pool(mapping_type="Token", UserPools=[{"ProviderName": USER_POOL, "Groups": groups}])
        d = decide(p, token(cognito__groups=["dev", "admins"]))
        assert (d.role_arn, d.decided_by.kind) == (ADMIN, "token_preferred_role")
        assert any(s.kind == "token-roles" and "user pool" in s.message for s in d.trace)

    def test_tied_group_precedence_with_different_roles_sets_no_preferred_role(self) -> None:
        # [RBAC] "If two groups tie ... with different role ARNs, cognito:preferred_role is not set"
        groups = [
            {"GroupName": "a", "Precedence": 1, "RoleArn": ADMIN},
            {"GroupName": "b", "Precedence": 1, "RoleArn": DEV},
        ]
        p = pool(
            mapping_type="Token",
            ambiguous="Deny",
            UserPools=[{"ProviderName": USER_POOL, "Groups": groups}],
        )
        assert decide(p, token(cognito__groups=["a", "b"])).decided_by.kind == "ambiguous_deny"


class TestBasicFlow:
    def test_classic_flow_disabled_refuses_get_open_id_token(self) -> None:
        # [aws/aws-cli#7652] "Basic (classic) flow is not enabled, please use enhanced flow."
        d = decide(pool(classic=False), token(), flow="basic", basic_role_arn=DEV)
        assert d.error is not None
        assert (d.error.code, d.error.message) == ("InvalidParameterException", CLASSIC_NOT_ENABLED)

    def test_classic_flow_with_role_mappings_is_refused(self) -> None:
        # [AF] "Basic (classic) flow is not supported with RoleMappings, please use enhanced flow."
        d = decide(
            pool(classic=True, rules=[rule("sub", "NotEqual", "x", DEV)]),
            token(),
            flow="basic",
            basic_role_arn=DEV,
        )
        assert d.error is not None
        assert (d.error.code, d.error.message) == (
            "InvalidParameterException",
            CLASSIC_WITH_MAPPINGS,
        )

    def test_classic_flow_hands_out_the_role_the_application_asks_for(self) -> None:
        # [AF] "Your application selects the IAM role"; the trust policy is the only guard
        d = decide(pool(classic=True), token(), flow="basic", basic_role_arn=role("Anything"))
        assert (d.role_arn, d.decided_by.kind) == (role("Anything"), "basic_flow")

    def test_absent_allow_classic_flow_allows_the_basic_flow_as_observed(self) -> None:
        # §10.13 classic-flow-default: a pool created without the flag let GetOpenIdToken through
        # [aws/aws-cli#7652], so enabled is the default; disabled is the reported alternative.
        d = decide(pool(classic=None), token(), flow="basic", basic_role_arn=DEV)
        assert (d.role_arn, d.decided_by.kind) == (DEV, "basic_flow")
        assert [u.assumption for u in d.uncertain] == ["classic-flow-default"]
        assert d.uncertain[0].alternative_outcome.key[:2] == ("error", "InvalidParameterException")
