"""The gate never passes what it cannot decide, and classifies a change on the whole outcome
(issue: fail closed, items 4 and 6). Each case was reproduced against the earlier code first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.analysis.diff import diff_pools
from simulator.analysis.invariants import check_pool, load_invariants
from simulator.model import pool_from_dict
from tests.analysis.pools import POOL_ID, iam_role, pool_dict, role, rule, trust_policy

TEAM = "arn:aws:s3:::data/${aws:PrincipalTag/team}/*"


def _refusing_trust() -> dict[str, Any]:
    """A trust policy for another identity pool: STS refuses this one [RTP]."""
    return trust_policy(pool_id="us-east-1:99999999-9999-9999-9999-999999999999")


def _pools(
    old_rules: list[dict[str, str]], new_rules: list[dict[str, str]], roles: list[Any]
) -> Any:
    extra = {
        "IamRoles": roles,
        "PrincipalTagAttributeMaps": [{
            "IdentityProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example",
            "PrincipalTags": {"team": "custom:team"},
        }],
    }  # fmt: skip
    return (
        pool_from_dict(pool_dict(old_rules, **extra), "old.yaml"),
        pool_from_dict(pool_dict(new_rules, **extra), "new.yaml"),
    )


def _swap(a: str, b: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    first = [rule("custom:team", "StartsWith", "e", a), rule("custom:team", "StartsWith", "en", b)]
    return first, [first[1], first[0]]


def test_moving_tokens_from_a_refused_role_to_one_with_access_is_more_privileged() -> None:
    # Before, "Refused" (its trust names another pool) gave no credentials; "Writer" can write.
    old_rules, new_rules = _swap("Refused", "Writer")
    roles = [
        iam_role("Refused", {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                 trust=_refusing_trust()),
        iam_role("Writer", {"Effect": "Allow", "Action": "s3:PutObject", "Resource": TEAM}),
        iam_role("Auth"), iam_role("Guest"),
    ]  # fmt: skip
    old, new = _pools(old_rules, new_rules, roles)
    moved = [c for c in diff_pools(old, new).changes if c.new.role_arn == role("Writer")]
    assert moved
    assert {c.classification for c in moved} == {"more_privileged"}
    assert any("credentials are issued" in r for r in moved[0].reasons)


def test_access_through_a_policy_variable_resource_counts_as_gained() -> None:
    # The new role may write under the witness's own team prefix; the old one only read.
    old_rules, new_rules = _swap("Reader", "Writer")
    roles = [
        iam_role("Reader", {"Effect": "Allow", "Action": "s3:GetObject", "Resource": TEAM}),
        iam_role("Writer", {"Effect": "Allow", "Action": "s3:PutObject", "Resource": TEAM}),
        iam_role("Auth"), iam_role("Guest"),
    ]  # fmt: skip
    old, new = _pools(old_rules, new_rules, roles)
    to_writer = [c for c in diff_pools(old, new).changes if c.new.role_arn == role("Writer")]
    assert to_writer
    for c in to_writer:
        # Gained s3:PutObject and lost s3:GetObject: both, and what is gained is named first.
        assert c.classification == "mixed"
        gained = next(i for i, r in enumerate(c.reasons) if r.startswith("now allowed"))
        lost = next(i for i, r in enumerate(c.reasons) if r.startswith("no longer allowed"))
        assert gained < lost
        assert any("s3:PutObject" in r for r in c.reasons)


def test_a_role_missing_from_the_iam_data_is_unknown_in_diff() -> None:
    old_rules, new_rules = _swap("Reader", "Unlisted")
    roles = [iam_role("Reader", {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
             iam_role("Auth"), iam_role("Guest")]  # fmt: skip
    old, new = _pools(old_rules, new_rules, roles)
    moved = [c for c in diff_pools(old, new).changes if c.new.role_arn == role("Unlisted")]
    assert moved
    assert {c.classification for c in moved} == {"unknown"}


def test_check_does_not_hold_an_access_invariant_for_a_role_it_cannot_evaluate(
    tmp_path: Path,
) -> None:
    # Before, a role missing from IamRoles counted as "not allowed", so "denies" held.
    data = pool_dict(
        [rule("custom:team", "Equals", "eng", "Unlisted")],
        IamRoles=[iam_role("Auth"), iam_role("Guest")],
    )
    path = tmp_path / "inv.yaml"
    path.write_text(
        "invariants:\n  - id: no-writes\n    when: {provider: '*'}\n"
        "    expect: {denies: [{action: s3:PutObject, resource: 'arn:aws:s3:::data/x'}]}\n"
    )
    pool = pool_from_dict(data, "pool.yaml")
    (result,) = check_pool(pool, load_invariants(path)).results
    assert not result.holds
    assert any(
        "cannot be decided" in v.reason and "Unlisted" in v.reason for v in result.violations
    )


def test_check_treats_a_missing_managed_policy_as_unknown(tmp_path: Path) -> None:
    attached = iam_role("Auth")
    attached["AttachedManagedPolicies"] = [
        {"PolicyName": "Extra", "PolicyArn": "arn:aws:iam::111122223333:policy/Extra"}
    ]
    data = pool_dict(None, IamRoles=[attached, iam_role("Guest")])
    path = tmp_path / "inv.yaml"
    path.write_text(
        "invariants:\n  - id: no-writes\n    when: {provider: '*'}\n"
        "    expect: {denies: [{action: s3:PutObject, resource: 'arn:aws:s3:::data/x'}]}\n"
    )
    (result,) = check_pool(pool_from_dict(data, "pool.yaml"), load_invariants(path)).results
    assert not result.holds
    assert any("policy/Extra" in v.reason for v in result.violations)
    assert POOL_ID  # the pool the policies are read for
