"""The exact analysis: witnesses reproduce their outcomes, and no outcome is missed."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.analysis.outcomes import outcome_shape
from simulator.analysis.providers import claim_shape, shape_of
from simulator.analysis.reachability import analyze
from simulator.analysis.solver import ClaimConstraint, ClaimSpace, Semantics, solve_string
from simulator.model import pool_from_dict
from simulator.model.providers import ProviderKind
from simulator.request import LoginRequest
from simulator.simulate import decide
from tests.analysis.pools import (
    KEY,
    PROVIDER,
    claims_strategy,
    pool_dict,
    role,
    rule,
    rules_strategy,
)


def _pool(rules: list[dict[str, str]], **extra: Any) -> Any:
    return pool_from_dict(pool_dict(rules, **extra), "pool.yaml")


@settings(max_examples=60)
@given(rules_strategy)
def test_every_witness_reproduces_its_outcome_through_the_engine(
    rules: list[dict[str, str]],
) -> None:
    pool = _pool(rules)
    analysis = analyze(pool)
    assert analysis.complete
    for region in analysis.regions():
        again = decide(pool, region.probe, explain=True)
        assert again.outcome.key == region.decision.outcome.key
        assert again.decided_by == region.decision.decided_by


@settings(max_examples=60)
@given(rules_strategy, st.lists(claims_strategy(), min_size=1, max_size=20))
def test_every_sampled_token_lands_on_a_reported_outcome(
    rules: list[dict[str, str]], samples: list[dict[str, Any]]
) -> None:
    pool = _pool(rules)
    shapes = {outcome_shape(r.decision) for r in analyze(pool).regions()}
    for claims in samples:
        decision = decide(pool, LoginRequest(claims, provider=PROVIDER))
        assert outcome_shape(decision) in shapes, claims


def test_unreachable_and_shadowed_rules() -> None:
    # [RBAC] rules are evaluated in order and the first match wins: Contains "adm" catches every
    # token Contains "admins" would; aud is fixed by the mapping key, so rule 2 can never match.
    pool = _pool(
        [
            rule("cognito:groups", "Contains", "adm", "A"),
            rule("cognito:groups", "Contains", "admins", "B"),
            rule("aud", "Equals", "another-client", "C"),
            rule("email", "Equals", "x@example.com", "C"),
        ]
    )
    (provider, _google) = (*analyze(pool).providers, None)
    assert provider.provider == KEY
    assert provider.unreachable_rules == (2,)
    assert provider.shadowed_rules == (1,)
    roles = {r.decision.role_arn for r in provider.regions}
    assert role("C") in roles
    assert role("A") in roles


def test_custom_role_arn_and_guest_dimensions() -> None:
    pool = _pool([rule("cognito:groups", "Contains", "admins", "A"),
                  rule("custom:dept", "Equals", "eng", "B")])  # fmt: skip
    analysis = analyze(pool)
    custom = [r for r in analysis.regions() if r.probe.custom_role_arn == role("B")]
    # CustomRoleArn overrides the order when it is the role of a matching rule [RBAC].
    assert any(r.decision.role_arn == role("B") and r.decision.decided_by.kind == "custom_role_arn"
               for r in custom)  # fmt: skip
    assert [r.decision.role_arn for r in analysis.guest] == [role("Guest")]


def test_token_mapping_regions_cover_preferred_role_and_ambiguity() -> None:
    data = pool_dict(None)
    data["RoleMappings"] = {KEY: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}}
    pool = pool_from_dict(data, "pool.yaml")
    kinds = {r.decision.decided_by.kind for r in analyze(pool).regions()}
    assert {"token_preferred_role", "ambiguous_default", "custom_role_arn"} <= kinds


def test_canonical_witness_is_minimal() -> None:
    # The canonical string makes only forced atoms true, so a must-not atom it breaks is
    # unsatisfiable: Contains "admins" forces Contains "adm".
    space = ClaimSpace("g", frozenset({("Contains", "admins"), ("Contains", "adm")}))
    c = (
        ClaimConstraint()
        .with_verdict("Contains", "admins", True)
        .with_verdict("Contains", "adm", False)
    )
    assert solve_string(space, c.required, c.must_not, Semantics()) is None
    ok = (
        ClaimConstraint()
        .with_verdict("Contains", "adm", True)
        .with_verdict("Contains", "admins", False)
    )
    text = solve_string(space, ok.required, ok.must_not, Semantics())
    assert text is not None
    assert "adm" in text
    assert "admins" not in text


TYPED_CLAIMS = ("cognito:groups", "custom:dept", "email_verified", "cognito:username", "auth_time")


@settings(max_examples=40)
@given(
    st.lists(
        st.builds(
            rule,
            st.sampled_from(TYPED_CLAIMS),
            st.sampled_from(("Equals", "Contains", "StartsWith", "NotEqual")),
            st.sampled_from(("true", "false", "admins", "adm", "42")),
            st.sampled_from(("A", "B")),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_every_witness_is_a_token_the_provider_can_issue(rules: list[dict[str, str]]) -> None:
    # Issue 10.8: witnesses have the claim types of the ID token [IDTOK] (cognito:groups an array,
    # custom attributes and cognito:username strings, email_verified a boolean).
    pool = _pool(rules, PrincipalTagAttributeMaps=[{
        "IdentityProviderName": PROVIDER, "PrincipalTags": {"u": "cognito:username"}}])  # fmt: skip
    for region in analyze(pool).regions():
        for name, value in (region.probe.claims or {}).items():
            shape = claim_shape(ProviderKind.USER_POOL, name)
            assert shape in ("any", shape_of(value)), (name, value)


@settings(max_examples=40)
@given(rules_strategy, rules_strategy, st.lists(claims_strategy(typed=False), max_size=8))
def test_a_witness_keeps_its_rule_path_exactly_when_each_test_on_the_path_holds(
    old_rules: list[dict[str, str]],
    new_rules: list[dict[str, str]],
    samples: list[dict[str, Any]],
) -> None:
    # The walk's check of a witness (tests grouped by claim, verdicts remembered per value)
    # against evaluating every test of the path in turn.
    from simulator.analysis.explorer import _Explorer, _PathCheck, _Side, explore
    from simulator.assumptions import Consult
    from simulator.semantics.rules import evaluate_rule

    pools = [_pool(old_rules), _pool(new_rules)]
    explorer = _Explorer(pools)
    sides = tuple(_Side(p, p.role_mappings[0], None) for p in pools)

    def reference(claims: dict[str, Any], path: tuple[tuple[int, int, bool], ...]) -> bool:
        return all(
            (evaluate_rule(sides[si].rules[i], claims, Consult(sides[si].pool.assumptions))
             == "match") == matched
            for si, i, matched in path
        )  # fmt: skip

    for region in explore(pools).regions:
        if not region.path or region.probe.claims is None:
            continue
        check = _PathCheck(explorer, sides, region.path)
        witness = dict(region.probe.claims)
        assert check(witness)
        # The same value objects again, then other values in the same dict (as typed claims are).
        for claims in [*samples, *samples, witness]:
            assert check(claims) == reference(claims, region.path), claims
            for name in list(claims):
                for value in (True, 0, [name], None):
                    claims[name] = value
                    assert check(claims) == reference(claims, region.path), claims
