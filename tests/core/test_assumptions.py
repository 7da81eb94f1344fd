"""Named assumptions: each is applied, reported when it decides, and switchable (§11)."""

from __future__ import annotations

import pytest

from simulator.assumptions import REGISTRY, AssumptionSet
from simulator.errors import ConfigError
from tests.core.builders import ADMIN, AUTH, decide, pool, rule, token


def test_every_assumption_names_its_open_question() -> None:
    for a in REGISTRY.values():
        assert a.source
        assert (a.alternative is None) == (a.alternative_text is None)


def test_array_claims_match_on_some_element_and_the_json_text_alternative_is_reported() -> None:
    # §10.1 array-claim-match
    p = pool(
        rules=[rule("cognito:groups", "Equals", "admins", ADMIN)], ambiguous="AuthenticatedRole"
    )
    d = decide(p, token(cognito__groups=["admins"]))
    assert d.role_arn == ADMIN
    assert [u.assumption for u in d.uncertain] == ["array-claim-match"]
    assert d.uncertain[0].alternative_outcome.key[:2] == ("role", AUTH)


def test_json_text_alternative_compares_the_compact_array_text() -> None:
    p = pool(
        rules=[rule("cognito:groups", "Contains", '"dev"', ADMIN)],
        ambiguous="AuthenticatedRole",
        Assumptions={"array-claim-match": "json-text"},
    )
    assert decide(p, token(cognito__groups=["admins", "dev"])).role_arn == ADMIN


def test_not_equal_on_an_array_means_no_element_equals() -> None:
    p = pool(
        rules=[rule("cognito:groups", "NotEqual", "guests", ADMIN)], ambiguous="AuthenticatedRole"
    )
    assert decide(p, token(cognito__groups=["guests", "dev"])).role_arn == AUTH
    assert decide(p, token(cognito__groups=["dev"])).role_arn == ADMIN


def test_case_sensitivity_is_reported_only_when_case_decides() -> None:
    # §10.2 case-sensitive-match
    p = pool(rules=[rule("custom:dept", "Equals", "Sales", ADMIN)], ambiguous="AuthenticatedRole")
    assert decide(p, token(custom__dept="Sales")).uncertain == ()
    assert decide(p, token(custom__dept="hr")).uncertain == ()
    d = decide(p, token(custom__dept="sales"))
    assert d.role_arn == AUTH
    assert [u.assumption for u in d.uncertain] == ["case-sensitive-match"]


def test_the_pool_file_can_switch_an_assumption_and_the_default_is_then_reported() -> None:
    p = pool(
        rules=[rule("custom:dept", "Equals", "Sales", ADMIN)],
        ambiguous="AuthenticatedRole",
        Assumptions={"case-sensitive-match": "insensitive"},
    )
    d = decide(p, token(custom__dept="sales"))
    assert d.role_arn == ADMIN
    assert d.assumptions == {"case-sensitive-match": "insensitive"}
    assert d.uncertain[0].alternative_outcome.key[:2] == ("role", AUTH)


def test_boolean_claims_compare_as_json_text() -> None:
    # §10.3 scalar-claim-text
    p = pool(rules=[rule("email_verified", "Equals", "true", ADMIN)], ambiguous="AuthenticatedRole")
    d = decide(p, token(email_verified=True))
    assert d.role_arn == ADMIN
    assert [u.assumption for u in d.uncertain] == ["scalar-claim-text"]


def test_unknown_assumption_names_and_choices_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown assumption"):
        AssumptionSet.parse([("no-such-thing", "x")])
    with pytest.raises(ConfigError, match="has no choice"):
        AssumptionSet.parse([("array-claim-match", "maybe")])


def test_documented_halves_have_no_alternative_to_switch_to() -> None:
    with pytest.raises(ConfigError):
        AssumptionSet.parse([("missing-claim-no-match", "alternative")])
    assert AssumptionSet.parse([("missing-claim-no-match", "default")]) == AssumptionSet()
