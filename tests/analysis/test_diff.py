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
    second = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Second"
    data = pool_dict(rules)
    data["CognitoIdentityProviders"].append({"ProviderName": second, "ClientId": "client2"})
    data["RoleMappings"][f"{second}:client2"] = {
        "Type": "Rules",
        "AmbiguousRoleResolution": "AuthenticatedRole",
        "RulesConfiguration": {"Rules": other},
    }
    data["PrincipalTagAttributeMaps"] = [
        {"IdentityProviderName": second, "PrincipalTags": {"team": "custom:team"}}
    ]
    return pool_from_dict(data, name)


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
