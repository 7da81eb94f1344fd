"""`rolesim test CASES.yaml`: expectations pass, fail with reasons, or are reported as bad input."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import run_cli

EXAMPLE = "examples/tests/pool-cases.yaml"


@pytest.fixture(autouse=True)
def _in_repo(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)


def cases_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "cases.yaml"
    path.write_text(f"pool: {Path('rules/pool.yaml').resolve()}\ncases:\n{body}")
    return path


def test_the_bundled_example_passes() -> None:
    r = run_cli(["test", EXAMPLE])
    assert r.code == 0, r.stdout
    assert r.stdout.strip().endswith("7 passed, 0 failed")


def test_a_wrong_expectation_fails_with_what_differs(tmp_path: Path) -> None:
    path = cases_file(
        tmp_path,
        """  - name: admin expected to be an engineer
    claims_file: ADMIN
    expect:
      role: PoolEngineering
      principal_tags: {department: sales}
      denied:
        - {action: s3:PutObject, resource: "arn:aws:s3:::example-data/x"}
""".replace("ADMIN", str(Path("examples/claims/admin.json").resolve())),
    )
    r = run_cli(["test", path])
    assert r.code == 1
    assert "FAIL admin expected to be an engineer" in r.stdout
    assert "role: expected PoolEngineering, got PoolAdmin" in r.stdout
    assert "principal_tags: expected" in r.stdout
    assert "denied s3:PutObject on arn:aws:s3:::example-data/x: got allowed" in r.stdout
    assert "0 passed, 1 failed" in r.stdout


def test_json_and_junit_reports(tmp_path: Path) -> None:
    js = run_cli(["test", EXAMPLE, "--format", "json"]).json()
    assert (js["passed"], js["failed"]) == (7, 0)
    assert js["cases"][0]["result"]["role_arn"].endswith("PoolAdmin")
    out = tmp_path / "junit.xml"
    r = run_cli(["test", EXAMPLE, "--format", "junit", "--output", out])
    assert r.code == 0
    root = ET.parse(out).getroot()
    assert root.get("tests") == "7"
    assert root.get("failures") == "0"
    assert len(root.findall("./testsuite/testcase")) == 7


def test_a_malformed_cases_file_names_the_path_and_line(tmp_path: Path) -> None:
    path = cases_file(
        tmp_path, "  - name: x\n    unauthenticated: true\n    expect:\n      rol: PoolGuest\n"
    )
    r = run_cli(["test", path])
    assert r.code == 2
    assert f"{path}:6: cases[0].expect.rol: unknown field 'rol'" in r.stderr


def test_a_case_needs_exactly_one_login(tmp_path: Path) -> None:
    path = cases_file(tmp_path, "  - name: x\n    expect: {role: PoolGuest}\n")
    r = run_cli(["test", path])
    assert r.code == 2
    assert "exactly one of claims, claims_file or unauthenticated" in r.stderr


def test_uncertain_expectations_catch_a_dependence_on_an_assumption(tmp_path: Path) -> None:
    # A rule on a boolean claim compares its JSON text (scalar-claim-text): a reviewer can pin that
    # the decision does not depend on it, and is told when it does.
    path = cases_file(
        tmp_path,
        """  - name: boolean claim
    claims:
      iss: https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example
      aud: 1example23456789
      sub: s
      email_verified: true
    expect:
      role: PoolAuth
      uncertain: []
""",
    )
    r = run_cli(["test", path])
    assert r.code == 1
    assert "uncertain: expected none, got scalar-claim-text" in r.stdout


def test_denied_fails_when_the_role_is_missing_from_the_iam_data(tmp_path: Path) -> None:
    # Fail closed: before, a role absent from IamRoles counted as "no credentials", so denied: passed.
    pool = tmp_path / "pool.yaml"
    text = Path("rules/pool.yaml").read_text()
    pool.write_text(text.replace("role/PoolEngineering\n", "role/NotInIamRoles\n", 1))
    assert "NotInIamRoles" in pool.read_text()
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        f"pool: {pool}\ncases:\n  - name: engineer\n    claims_file: "
        f"{Path('examples/claims/engineer.json').resolve()}\n    expect:\n"
        "      denied:\n        - {action: s3:DeleteObject, resource: 'arn:aws:s3:::example-data/x'}\n"
    )
    r = run_cli(["test", cases])
    assert r.code == 1
    assert "got unknown" in r.stdout
    assert "NotInIamRoles is not described" in r.stdout


def test_time_conditioned_access_is_decided_at_the_time_of_the_run(tmp_path: Path) -> None:
    # aws:CurrentTime is set for every request [IAM global condition keys]; rolesim test takes it
    # from the clock of the run, so a policy that allows until 2999 allows now.
    pool = tmp_path / "pool.yaml"
    text = Path("rules/pool.yaml").read_text()
    condition = "StringEquals: {aws:PrincipalTag/department: engineering}"
    assert condition in text
    pool.write_text(text.replace(
        condition,
        condition + "\n                DateLessThan: {aws:CurrentTime: '2999-01-01T00:00:00Z'}",
    ))  # fmt: skip
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        f"pool: {pool}\ncases:\n  - name: engineer\n    claims_file: "
        f"{Path('examples/claims/engineer.json').resolve()}\n    expect:\n      allowed:\n"
        "        - {action: s3:PutObject, resource: 'arn:aws:s3:::example-data/engineering/x'}\n"
    )
    r = run_cli(["test", cases])
    assert r.code == 0, r.stdout
