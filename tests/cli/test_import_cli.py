"""Templates on the command line: `rolesim import`, and every pool command given a template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, run_cli
from tests.importers.templates import (
    CLIENT,
    ISS,
    arn,
    get_att,
    pool_resources,
    role,
    rule,
    template,
)

CFN = ROOT / "examples/iac/cloudformation/template.yaml"
ADMIN = {
    "iss": ISS,
    "aud": CLIENT,
    "token_use": "id",
    "cognito:groups": ["admins"],
    "custom:department": "x",
}


def _claims(tmp_path: Path, claims: dict) -> Path:  # type: ignore[type-arg]
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(claims))
    return path


def test_import_writes_a_pool_file_every_command_loads(tmp_path: Path) -> None:
    out = tmp_path / "pool.yaml"
    result = run_cli(["import", CFN, "-o", out, "--parameter", "Stage=prod"])
    assert result.code == 0, result.stderr
    text = out.read_text()
    assert "# placeholder: the Ref of IdentityPool" in text
    assert "AllowUnauthenticatedIdentities: false" in text  # Stage=prod: no guests
    assert yaml.safe_load(text)["IdentityPoolId"] == "us-east-1:IdentityPool"
    claims = _claims(tmp_path, ADMIN)
    from_file = run_cli(["simulate", "-c", out, "--claims", claims, "-f", "json"]).json()
    from_template = run_cli(
        ["simulate", "-c", CFN, "--parameter", "Stage=prod", "--claims", claims, "-f", "json"]
    ).json()
    assert from_file["role_arn"] == from_template["role_arn"] == arn("photos-prod-admin")
    assert from_file["principal_tags"] == from_template["principal_tags"] == {"department": "x"}
    assert run_cli(["lint", out]).code == 0


def test_import_to_stdout_marks_unresolved_values(tmp_path: Path) -> None:
    data = template(pool_resources())
    data["Resources"]["RoleAttachment"]["Properties"]["Roles"]["authenticated"] = {
        "Fn::ImportValue": "AuthRole"
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data))
    result = run_cli(["import", path])
    assert result.code == 0
    assert (
        "\"<unresolved: Fn::ImportValue 'AuthRole'>\"  # unresolved: cannot be known offline"
        in result.stdout
    )


def test_simulate_on_a_template_with_access(tmp_path: Path) -> None:
    result = run_cli(["simulate", "-c", CFN, "--claims", _claims(tmp_path, ADMIN),
                      "--action", "s3:DeleteBucket", "--resource", "arn:aws:s3:::photos-dev-123456789012"])  # fmt: skip
    assert result.code == 0
    assert "role arn:aws:iam::123456789012:role/photos-dev-admin (rule 0)" in result.stdout
    assert "explicit deny" in result.stdout


def test_a_parameter_no_source_declares_is_exit_2() -> None:
    result = run_cli(["lint", CFN, "--parameter", "Stag=prod"])
    assert result.code == 2
    assert "--parameter Stag:" in result.stderr
    assert "(did you mean Stage?)" in result.stderr


def test_a_parameter_for_a_pool_file_is_exit_2() -> None:
    result = run_cli(["lint", ROOT / "rules/pool.yaml", "--parameter", "Stage=prod"])
    assert result.code == 2
    assert "has no parameters (it is a pool file)" in result.stderr


def test_a_parameter_against_its_allowed_values_is_exit_2_naming_it() -> None:
    result = run_cli(["import", CFN, "--parameter", "Stage=test"])
    assert result.code == 2
    assert (
        "template.yaml:9: Parameters.Stage: parameter Stage: 'test' (--parameter)" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_several_pools_need_pool(tmp_path: Path) -> None:
    data = template(pool_resources())
    data["Resources"]["Other"] = {
        "Type": "AWS::Cognito::IdentityPool",
        "Properties": {"AllowUnauthenticatedIdentities": True},
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data))
    result = run_cli(["simulate", "-c", path, "--unauthenticated"])
    assert result.code == 2
    assert "2 identity pools: IdentityPool" in result.stderr
    assert "--pool" in result.stderr
    chosen = run_cli(["simulate", "-c", path, "--unauthenticated", "--pool", "Other", "-f", "json"])
    assert chosen.code == 0
    assert chosen.json()["identity_pool_id"] == "us-east-1:Other"


def test_diff_of_two_versions_of_a_template_points_at_the_template(tmp_path: Path) -> None:
    def version(match: str) -> Path:
        resources = pool_resources(
            [rule("cognito:groups", match, "admins", get_att("AdminRole", "Arn"))]
        )
        resources["AdminRole"] = role("Admin")
        path = tmp_path / f"{match}.json"
        path.write_text(json.dumps(template(resources), indent=1))
        return path

    result = run_cli(["diff", version("Equals"), version("Contains"), "-f", "json"])
    assert result.code == 1
    change = result.json()["changes"][0]
    assert change["file"].endswith("Contains.json")
    assert change["native_path"].startswith("Resources.RoleAttachment.Properties.RoleMappings.web")


def test_lint_reports_two_attachments_as_a_finding(tmp_path: Path) -> None:
    data = template(pool_resources())
    data["Resources"]["Second"] = {"Type": "AWS::Cognito::IdentityPoolRoleAttachment",
                                   "Properties": {"IdentityPoolId": {"Ref": "IdentityPool"}, "Roles": {}}}  # fmt: skip
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data, indent=1))
    result = run_cli(["lint", path, "-f", "json"])
    assert result.code == 1
    finding = next(f for f in result.json()["findings"] if f["id"] == "RS130")
    assert finding["native_path"] == "Resources.Second"
    refused = run_cli(["simulate", "-c", path, "--unauthenticated"])
    assert refused.code == 2
    assert "2 role attachments for identity pool IdentityPool" in refused.stderr


def test_a_cases_file_may_name_a_template() -> None:
    result = run_cli(["test", ROOT / "examples/iac/cloudformation/cases.yaml"])
    assert result.code == 0, result.stdout + result.stderr
    assert "5 passed, 0 failed" in result.stdout


def test_check_on_a_template() -> None:
    result = run_cli(["check", ROOT / "examples/iac/cdk/PhotoStack.template.json",
                      "--invariants", ROOT / "examples/iac/cdk/invariants.yaml", "-f", "json"])  # fmt: skip
    assert result.code == 0, result.stdout


def test_verify_refuses_a_placeholder_pool_id_before_any_aws_call(tmp_path: Path) -> None:
    result = run_cli(["verify", "-c", CFN, "--unauthenticated"])
    assert result.code == 2
    assert (
        "is a placeholder; give the deployed pool's id with --parameter IdentityPool="
        in result.stderr
    )


def test_a_template_that_does_not_parse_is_exit_2_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  Pool:\n    Type: [unclosed\n")
    result = run_cli(["simulate", "-c", path, "--unauthenticated"])
    assert result.code == 2
    assert f"{path}:" in result.stderr
    assert "not a valid template" in result.stderr
    linted = run_cli(["lint", path, "-f", "json"])
    assert linted.json()["findings"][0]["id"] == "RS100"


def test_verify_refuses_a_role_it_cannot_know_before_calling_aws(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As simulate does (IMPORT.md D5): the prediction is unknown, so there is nothing to compare.
    template = tmp_path / "t.yaml"
    template.write_text(
        "Resources:\n"
        "  IdentityPool:\n"
        "    Type: AWS::Cognito::IdentityPool\n"
        "    Properties: {AllowUnauthenticatedIdentities: true, AllowClassicFlow: false}\n"
        "  Attach:\n"
        "    Type: AWS::Cognito::IdentityPoolRoleAttachment\n"
        "    Properties:\n"
        "      IdentityPoolId: !Ref IdentityPool\n"
        "      Roles: {unauthenticated: !ImportValue shared-guest-role}\n"
    )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    pool_id = "us-east-1:11111111-2222-3333-4444-555555555555"
    result = run_cli([
        "verify", "-c", template, "--unauthenticated", "--parameter", f"IdentityPool={pool_id}",
        "--endpoint-url", "http://127.0.0.1:9",  # nothing listens: a call would fail otherwise
    ])  # fmt: skip
    assert result.code == 2
    assert "t.yaml:9: Resources.Attach.Properties.Roles.unauthenticated" in result.stderr
    assert "Fn::ImportValue 'shared-guest-role': it cannot be known offline" in result.stderr
