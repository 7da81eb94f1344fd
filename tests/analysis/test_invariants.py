"""`check`: invariants are decided by the exact analysis, or searched with Hypothesis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.analysis.invariants import SearchSettings, check_pool, load_invariants
from simulator.errors import ConfigError
from simulator.model import pool_from_dict
from simulator.simulate import decide
from tests.analysis.pools import POOL_ID, PROVIDER, VALUES, pool_dict, role, rule, rules_strategy


def _check(tmp_path: Path, data: dict[str, Any], text: str, **kw: Any) -> Any:
    path = tmp_path / "inv.yaml"
    path.write_text(text)
    return check_pool(pool_from_dict(data, "pool.yaml"), load_invariants(path), **kw)


ONLY_ADMINS = """
invariants:
  - id: admin-needs-admins
    when: {not: {claim: cognito:groups, contains: admins}}
    expect: {role_not: %s}
"""


def test_only_admins_get_admin_holds_exactly(tmp_path: Path) -> None:
    data = pool_dict([rule("cognito:groups", "Contains", "admins", "Admin")])
    report = _check(tmp_path, data, ONLY_ADMINS % role("Admin"))
    (result,) = report.results
    assert result.holds
    assert result.method == "exact"
    assert result.complete


def test_a_seeded_violation_is_found_with_a_counterexample(tmp_path: Path) -> None:
    # StartsWith "adm" lets "admiral" in: the invariant breaks, with a token that shows it.
    data = pool_dict([rule("cognito:groups", "StartsWith", "adm", "Admin")])
    report = _check(tmp_path, data, ONLY_ADMINS % role("Admin"))
    (violation,) = report.violations
    found = violation.probe.claims["cognito:groups"]
    groups = found if isinstance(found, list) else [found]
    assert all("admins" not in g for g in groups)
    assert any(g.startswith("adm") for g in groups)
    assert violation.result.role_arn == role("Admin")
    assert decide(pool_from_dict(data, "p"), violation.probe).role_arn == role("Admin")


@settings(max_examples=40)
@given(rules_strategy, st.sampled_from(VALUES))
def test_exact_check_agrees_with_the_engine_on_every_witness(
    rules: list[dict[str, str]], value: str
) -> None:
    import tempfile

    data = pool_dict(rules)
    with tempfile.TemporaryDirectory() as d:
        report = _check(Path(d), data, ONLY_ADMINS.replace("admins", value) % role("A"))
    pool = pool_from_dict(data, "p")
    for v in report.violations:
        assert decide(pool, v.probe).role_arn == role("A")
        assert value not in str(v.probe.claims.get("cognito:groups", ""))


def test_guests_and_tag_invariants(tmp_path: Path) -> None:
    data = pool_dict(
        [rule("custom:dept", "Equals", "eng", "Eng")],
        PrincipalTagAttributeMaps=[{"IdentityProviderName": PROVIDER,
                                    "PrincipalTags": {"department": "custom:dept"}}],
    )  # fmt: skip
    text = f"""
invariants:
  - id: guests-never-eng
    when: {{unauthenticated: true}}
    expect: {{role_not: {role("Eng")}}}
  - id: department-from-claim
    when: {{claim: custom:dept, equals: eng}}
    expect: {{tag_equals_claim: {{tag: department, claim: custom:dept}}}}
  - id: department-from-wrong-claim
    expect: {{tag_equals_claim: {{tag: department, claim: custom:department}}}}
"""
    results = {r.invariant.id: r for r in _check(tmp_path, data, text).results}
    assert results["guests-never-eng"].holds
    assert results["department-from-claim"].holds
    assert not results["department-from-wrong-claim"].holds


def test_access_invariant_is_searched_with_hypothesis(tmp_path: Path) -> None:
    # [RTP]/[AFAC]: the standard trust statement, with sts:TagSession since tags are passed.
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
                "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": POOL_ID}},
            }
        ],
    }
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
              "Resource": "arn:aws:s3:::bucket/${aws:PrincipalTag/department}/*"}]}  # fmt: skip
    data = pool_dict(
        [rule("custom:dept", "StartsWith", "e", "Eng")],
        PrincipalTagAttributeMaps=[{"IdentityProviderName": PROVIDER,
                                    "PrincipalTags": {"department": "custom:dept"}}],
        IamRoles=[{"RoleName": "Eng", "Arn": role("Eng"), "AssumeRolePolicyDocument": trust,
                   "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": policy}]}],
    )  # fmt: skip
    text = """
invariants:
  - id: no-writes-to-legal
    expect: {denies: [{action: s3:PutObject, resource: "arn:aws:s3:::bucket/eng/report"}]}
"""
    (result,) = _check(tmp_path, data, text, settings=SearchSettings(examples=300, seed=3)).results
    assert result.method == "exact+hypothesis"
    assert not result.complete
    assert not result.holds
    assert result.violations[0].probe.claims["custom:dept"] == "eng"


def test_only_tokens_that_pass_no_tag_get_credentials_when_trust_lacks_tag_session(
    tmp_path: Path,
) -> None:
    # [IAM-ST]: without sts:TagSession in the trust policy an assume that passes tags fails, so
    # only tokens whose group claim sets no tag (it is multi-valued [IDTOK]) can write.
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
            }
        ],
    }
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    data = pool_dict(
        [rule("cognito:groups", "StartsWith", "e", "Eng")],
        PrincipalTagAttributeMaps=[{"IdentityProviderName": PROVIDER,
                                    "PrincipalTags": {"department": "cognito:groups"}}],
        IamRoles=[{"RoleName": "Eng", "Arn": role("Eng"), "AssumeRolePolicyDocument": trust,
                   "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": policy}]}],
    )  # fmt: skip
    text = """
invariants:
  - id: no-writes
    expect: {denies: [{action: s3:PutObject, resource: "arn:aws:s3:::bucket/eng/report"}]}
"""
    (result,) = _check(tmp_path, data, text, settings=SearchSettings(examples=100, seed=3)).results
    assert not result.holds
    writers = [v for v in result.violations if v.result.role_arn == role("Eng")]
    assert writers
    for violation in writers:
        assert "department" not in violation.result.principal_tags
    # The guest role is not in IamRoles: what it may do cannot be decided, and that fails too.
    others = [v for v in result.violations if v not in writers]
    assert all("cannot be decided" in v.reason for v in others)


def test_access_invariant_without_iam_data_is_an_input_error(tmp_path: Path) -> None:
    text = "invariants:\n  - id: x\n    expect: {denies: [{action: s3:GetObject, resource: '*'}]}\n"
    with pytest.raises(ConfigError, match="no IAM data"):
        _check(tmp_path, pool_dict(None), text)


def test_invariants_file_errors_name_the_path_and_line(tmp_path: Path) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text("invariants:\n  - id: x\n    expect: {rol: y}\n")
    with pytest.raises(ConfigError) as info:
        load_invariants(path)
    assert info.value.line == 3
    assert "rol" in str(info.value)


def test_a_check_result_names_the_assumptions_it_rests_on(tmp_path: Path) -> None:
    # Issue 10.5: a counterexample that depends on a named assumption is not presented as exact.
    data = pool_dict([rule("cognito:groups", "Equals", "admins", "Admin")])
    text = "invariants:\n  - id: no-admin\n    expect: {role_not: [" + role("Admin") + "]}\n"
    (result,) = _check(tmp_path, data, text).results
    assert not result.holds
    assert "array-claim-match" in result.rests_on
    assert any("array-claim-match" in v.result.rests_on for v in result.violations)
    assert "array-claim-match" in result.to_json()["rests_on"]


def test_a_guest_only_invariant_explores_guests_alone_and_is_complete(tmp_path: Path) -> None:
    # Issue 10.8: a guest-only invariant ran out of budget on the providers' rules it never selects.
    many = [rule(c, m, v, "A") for c in ("custom:a", "custom:b", "email")
            for m, v in (("Contains", "x"), ("StartsWith", "y"))]  # fmt: skip
    text = (
        "invariants:\n  - id: guests\n    when: {unauthenticated: true}\n    expect: {role_in: ["
        + role("Guest")
        + "]}\n"
    )
    (result,) = _check(tmp_path, pool_dict(many), text, settings=SearchSettings(budget=3)).results
    assert result.holds
    assert result.complete
    assert result.method == "exact"
    assert not any(PROVIDER in n for n in result.notes)


def test_an_invariant_error_names_the_invariants_file(tmp_path: Path) -> None:
    text = "invariants:\n  - id: x\n    expect: {denies: [{action: s3:GetObject, resource: '*'}]}\n"
    with pytest.raises(ConfigError) as caught:
        _check(tmp_path, pool_dict(None), text)
    assert caught.value.file == str(tmp_path / "inv.yaml")
    assert str(caught.value).startswith(str(tmp_path / "inv.yaml") + ":2")
