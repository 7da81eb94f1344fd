"""`diff`: no change reported exactly when none exists; every sampled difference is reported."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.analysis.diff import AcceptEntry, AcceptList, change_key, diff_pools
from simulator.model import pool_from_dict
from simulator.request import LoginRequest
from simulator.simulate import decide
from tests.analysis.pools import (
    KEY,
    PROVIDER,
    claims_strategy,
    iam_role,
    pool_dict,
    role,
    rule,
    rules_strategy,
)


def _pool(rules: list[dict[str, str]], name: str) -> Any:
    return pool_from_dict(pool_dict(rules), name)


@settings(max_examples=60)
@given(rules_strategy, rules_strategy, st.lists(claims_strategy(), min_size=30, max_size=60))
def test_diff_reports_exactly_the_sampled_differences(
    old_rules: list[dict[str, str]], new_rules: list[dict[str, str]], samples: list[dict[str, Any]]
) -> None:
    old, new = _pool(old_rules, "old.yaml"), _pool(new_rules, "new.yaml")
    report = diff_pools(old, new)
    assert report.complete
    reported = {change_key(c.provider, c.probe, c.old, c.new) for c in report.changes}
    for claims in samples:
        probe = LoginRequest(claims, provider=PROVIDER)
        d_old, d_new = decide(old, probe), decide(new, probe)
        if d_old.outcome.key != d_new.outcome.key:
            # A sampled difference lies in a reported region (so the diff is not equivalent).
            assert not report.equivalent
            assert change_key(KEY, probe, d_old, d_new) in reported, claims
    for c in report.changes:
        # Every reported witness really differs.
        assert decide(old, c.probe).outcome.key != decide(new, c.probe).outcome.key


@settings(max_examples=30)
@given(rules_strategy)
def test_a_pool_is_equivalent_to_itself(rules: list[dict[str, str]]) -> None:
    pool = _pool(rules, "p.yaml")
    report = diff_pools(pool, pool)
    assert report.equivalent
    assert report.complete


def test_swapping_two_rules_is_classified_and_accepted() -> None:
    a = rule("cognito:groups", "Contains", "admins", "Admin")
    b = rule("custom:dept", "Equals", "eng", "Eng")
    old, new = _pool([a, b], "old.yaml"), _pool([b, a], "new.yaml")
    report = diff_pools(old, new)
    assert not report.equivalent
    (change,) = [c for c in report.changes if c.probe.custom_role_arn is None]
    assert change.old.role_arn == role("Admin")
    assert change.new.role_arn == role("Eng")
    assert change.classification == "unknown"  # no IAM data in the pool files
    assert change.probe.claims is not None
    assert "admins" in change.probe.claims["cognito:groups"]
    assert change.probe.claims["custom:dept"] == "eng"
    accept = AcceptList((AcceptEntry("reviewed in PR 7", new={"role_arn": role("Eng")}),))
    assert diff_pools(old, new, accept=accept).passed


def test_new_grant_is_more_privileged_and_corpus_is_replayed() -> None:
    old = _pool([rule("custom:dept", "Equals", "eng", "Eng")], "old.yaml")
    new = _pool([rule("custom:dept", "StartsWith", "eng", "Eng")], "new.yaml")
    line = (
        '{"iss": "https://%s", "aud": "1example23456789", "sub": "u", "custom:dept": "engineering"}'
    )
    report = diff_pools(old, new, corpus=[line % PROVIDER])
    kinds = {c.classification for c in report.changes}
    assert "more_privileged" in kinds
    # The corpus line falls in the change the analysis found: one row, counting the line.
    assert any(1 in c.corpus_lines for c in report.changes)
    assert len({c.id for c in report.changes}) == len(report.changes)


def _allow(action: str, resource: str = "arn:aws:s3:::bucket/*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def test_role_swap_is_classified_with_iam_data() -> None:
    roles = [iam_role("Reader", _allow("s3:GetObject")), iam_role("Writer", _allow("s3:*"))]
    old = pool_from_dict(
        pool_dict([rule("custom:dept", "Equals", "eng", "Reader")], IamRoles=roles), "old.yaml"
    )
    new = pool_from_dict(
        pool_dict([rule("custom:dept", "Equals", "eng", "Writer")], IamRoles=roles), "new.yaml"
    )
    changes = [c for c in diff_pools(old, new).changes if c.old.role_arn == role("Reader")]
    assert changes
    assert {c.classification for c in changes} == {"more_privileged"}
    assert any("now allowed" in r for r in changes[0].reasons)


def _two_providers(rules: list[dict[str, str]], other: list[dict[str, str]], name: str) -> Any:
    """The example provider with `rules`, and a second user pool with `other`."""
    return pool_from_dict(_two_providers_data(rules, other), name)


def _two_providers_data(
    rules: list[dict[str, str]], other: list[dict[str, str]], **extra: Any
) -> dict[str, Any]:
    second = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Second"
    data = pool_dict(rules, **extra)
    data["CognitoIdentityProviders"].append({"ProviderName": second, "ClientId": "client2"})
    data["RoleMappings"][f"{second}:client2"] = {
        "Type": "Rules",
        "AmbiguousRoleResolution": "AuthenticatedRole",
        "RulesConfiguration": {"Rules": other},
    }
    data["PrincipalTagAttributeMaps"] = [
        {"IdentityProviderName": second, "PrincipalTags": {"team": "custom:team"}}
    ]
    return data


@settings(max_examples=25)
@given(rules_strategy, rules_strategy, rules_strategy)
def test_a_provider_configured_alike_in_both_pools_is_reported_as_when_walked_twice(
    old_rules: list[dict[str, str]], new_rules: list[dict[str, str]], other: list[dict[str, str]]
) -> None:
    from unittest import mock

    from simulator.analysis import explorer

    old = _two_providers(old_rules, other, "old.yaml")
    new = _two_providers(new_rules, other, "new.yaml")
    shortcut = diff_pools(old, new).to_json()
    # Every provider walked with both pools, as if none were configured alike.
    with mock.patch.object(explorer, "_view", side_effect=lambda pool, p: object()):
        walked = diff_pools(old, new).to_json()
    assert shortcut == walked


def _whole_decisions(old: Any, new: Any, scope: Any) -> Any:
    """The reference of `diff._differences`: every region kept with both pools' whole decisions,
    a provider configured alike decided in the old pool and shared, the old pool's roles read off
    every region."""
    from simulator.analysis import diff
    from simulator.analysis.explorer import explore

    found = explore([old, new], scope)
    found.visited = len(found.regions)
    iam = old.iam is not None and new.iam is not None
    differing = [
        (r.provider, r.probe, *r.decisions)
        for r in found.regions
        if r.decisions[0].outcome.key != r.decisions[1].outcome.key
        or diff._role_changed(old, new, iam, r.decisions[0].role_arn)
    ]
    roles = {r.decisions[0].role_arn for r in found.regions if r.decisions[0].role_arn}
    return found, differing, roles


_POLICIES = st.sampled_from(
    [[], [_allow("s3:GetObject")], [_allow("s3:*")], [_allow("s3:GetObject", "*")]]
)


@settings(max_examples=40)
@given(
    rules_strategy,
    rules_strategy,
    rules_strategy,
    st.one_of(st.none(), rules_strategy),
    st.one_of(st.none(), st.tuples(_POLICIES, _POLICIES)),
)
def test_the_diff_decides_regions_as_the_whole_decisions_do(
    old_rules: list[dict[str, str]],
    new_rules: list[dict[str, str]],
    other: list[dict[str, str]],
    other_new: list[dict[str, str]] | None,
    policies: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None,
) -> None:
    # Outcomes without the re-checks under flipped assumptions, a provider configured alike not
    # decided at all unless the old pool's roles are asked about: the same report as deciding
    # every region whole in both pools.
    from unittest import mock

    from simulator.analysis import diff

    iam: list[dict[str, Any]] = [{}, {}]
    if policies is not None:
        reader = iam_role("A", _allow("s3:GetObject"))
        iam = [{"IamRoles": [reader, iam_role("B", *p)]} for p in policies]
    old_data = _two_providers_data(old_rules, other, **iam[0])
    new_data = _two_providers_data(new_rules, other if other_new is None else other_new, **iam[1])
    old, new = pool_from_dict(old_data, "old.yaml"), pool_from_dict(new_data, "new.yaml")
    fast = diff_pools(old, new).to_json()
    with mock.patch.object(diff, "_differences", _whole_decisions):
        whole = diff_pools(old, new).to_json()
    assert fast == whole


def test_a_role_the_old_pool_grants_through_another_provider_was_reachable_before() -> None:
    # The second provider is configured alike in both pools and grants B: B is not new.
    b_elsewhere = [rule("custom:team", "Equals", "ops", "B")]
    old = _two_providers([rule("custom:dept", "Equals", "eng", "A")], b_elsewhere, "old.yaml")
    new = _two_providers([rule("custom:dept", "Equals", "eng", "B")], b_elsewhere, "new.yaml")
    changes = [c for c in diff_pools(old, new).changes if c.new.role_arn == role("B")]
    assert changes
    assert not any("not reachable before" in r for c in changes for r in c.reasons)
    # C was granted nowhere before.
    new = _two_providers([rule("custom:dept", "Equals", "eng", "C")], b_elsewhere, "new.yaml")
    (change, *_) = [c for c in diff_pools(old, new).changes if c.new.role_arn == role("C")]
    assert f"role {role('C')} was not reachable before" in change.reasons
