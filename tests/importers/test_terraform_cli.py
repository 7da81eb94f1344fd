"""Terraform modules and plans on the command line: every pool command takes one in place of a pool
file (issue 8), the module chosen by content (IMPORT.md D1), with findings, errors and diff changes
at the lines of the `.tf` files (D1-D9)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, run_cli
from tests.importers.terraform_modules import write_module

MODULE = ROOT / "examples/iac/terraform"
PLAN = MODULE / "plan.json"
# Tokens for the module before it is deployed carry its D4 placeholders; for the plan, its real ids.
PLACEHOLDERS = {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_main", "aud": "web"}
DEPLOYED = {
    "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Tv0493apJ",
    "aud": "6lhlkkfbfb4q5kpp90urffae",
}
USER = {
    "token_use": "id",
    "sub": "0b9a7c1e-0000-4000-8000-000000000001",
    "cognito:username": "alice",
    "custom:department": "engineering",
    "email_verified": "true",
}


def _claims(tmp_path: Path, claims: dict[str, Any], name: str = "claims.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(claims))
    return path


def _role(arn: str | None) -> str | None:
    return arn.rsplit("/", 1)[-1] if arn else None


def test_import_writes_the_module_as_a_pool_file_every_command_loads(tmp_path: Path) -> None:
    out = tmp_path / "pool.yaml"
    result = run_cli(["import", MODULE / "main.tf", "-o", out])
    assert result.code == 0, result.stderr
    text = out.read_text()
    assert "# placeholder: the id of aws_cognito_identity_pool.main" in text
    assert "cognito.tf:33" in text  # the line of the identity pool block
    assert yaml.safe_load(text)["IdentityPoolId"] == "us-east-1:main"
    claims = _claims(tmp_path, {**PLACEHOLDERS, **USER, "cognito:groups": ["admins"]})
    from_file = run_cli(["simulate", "-c", out, "--claims", claims, "-f", "json"]).json()
    from_module = run_cli(["simulate", "-c", MODULE, "--claims", claims, "-f", "json"]).json()
    assert (
        from_file["role_arn"]
        == from_module["role_arn"]
        == ("arn:aws:iam::123456789012:role/PoolAdmin")
    )
    assert (
        from_file["principal_tags"]
        == from_module["principal_tags"]
        == {
            "department": "engineering",
            "username": "alice",
        }
    )


def test_simulate_a_module_with_trust_and_access(tmp_path: Path) -> None:
    claims = _claims(tmp_path, {**PLACEHOLDERS, **USER, "cognito:groups": ["admins"]})
    result = run_cli(["simulate", "-c", MODULE / "main.tf", "--claims", claims, "-f", "json",
                      "--action", "s3:DeleteBucket", "--resource", "arn:aws:s3:::example-data"])  # fmt: skip
    assert result.code == 0, result.stderr
    decision = result.json()
    assert decision["decided_by"] == {"kind": "rule", "rule_index": 0}
    assert decision["trust"]["outcome"] == "allowed"
    # The heredoc policy attached with aws_iam_role_policy_attachment denies it, as does the
    # admin's own policy document.
    assert decision["access"][0]["decision"] == "explicit_deny"
    sources = {m["policy"] for m in decision["access"][0]["matched"]}
    assert "arn:aws:iam::123456789012:policy/example-keep-bucket" in sources


@pytest.mark.parametrize(
    "claims",
    [
        {"cognito:groups": ["admins"]},
        {"cognito:groups": []},
        {"cognito:groups": [], "custom:department": "sales"},
        {"cognito:groups": [], "custom:department": "sales", "email_verified": "false"},
        {"cognito:groups": ["dev"], "custom:department": "engineering"},
    ],
)
def test_the_module_and_its_plan_decide_alike(tmp_path: Path, claims: dict[str, Any]) -> None:
    # D9 against D4: the same decisions, the plan's real ids in place of the placeholders.
    module = _claims(tmp_path, {**PLACEHOLDERS, **USER, **claims}, "module.json")
    plan = _claims(tmp_path, {**DEPLOYED, **USER, **claims}, "plan.json")
    a = run_cli(["simulate", "-c", MODULE, "--claims", module, "-f", "json"])
    b = run_cli(["simulate", "-c", PLAN, "--claims", plan, "-f", "json"])
    assert a.code == b.code == 0, a.stderr + b.stderr
    first, second = a.json(), b.json()
    assert _role(first["role_arn"]) == _role(second["role_arn"])
    assert first["decided_by"] == second["decided_by"]
    assert first["principal_tags"] == second["principal_tags"]
    assert (first["error"] or {}).get("code") == (second["error"] or {}).get("code")


def test_lint_findings_point_at_the_tf_files() -> None:
    result = run_cli(["lint", MODULE / "main.tf", "-f", "sarif"])
    assert result.code == 0, result.stderr
    locations = [r["locations"][0]["physicalLocation"] for r in result.json()["runs"][0]["results"]]
    assert locations
    for location in locations:
        assert location["artifactLocation"]["uri"].endswith(".tf")
        assert location["region"]["startLine"] > 0


def test_diff_of_two_versions_of_a_module_points_at_the_edited_line(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(MODULE, old)
    shutil.copytree(MODULE, new)
    main = new / "main.tf"
    text = main.read_text()
    edited = text.replace(
        'match_type = "Equals", value = "engineering"', 'match_type = "StartsWith", value = "eng"'
    )
    assert edited != text
    main.write_text(edited)
    line = next(i for i, t in enumerate(edited.splitlines(), 1) if '"StartsWith"' in t)
    result = run_cli(["diff", old / "main.tf", new / "main.tf", "-f", "json"])
    assert result.code == 1, result.stderr
    changes = result.json()["changes"]
    assert changes
    assert any(c["file"] == str(main) and c["line"] == line for c in changes)


def test_the_cases_and_invariants_of_the_example() -> None:
    assert run_cli(["test", MODULE / "cases.yaml"]).code == 0
    for source in (MODULE / "main.tf", PLAN):
        result = run_cli(["check", source, "--invariants", MODULE / "invariants.yaml"])
        assert result.code == 0, result.stdout + result.stderr


def test_a_deployed_id_given_by_address(tmp_path: Path) -> None:
    claims = _claims(tmp_path, {**DEPLOYED, **USER, "cognito:groups": ["admins"]})
    deployed = [
        "--parameter", "aws_cognito_user_pool.main=us-east-1_Tv0493apJ",
        "--parameter", "aws_cognito_user_pool_client.web=6lhlkkfbfb4q5kpp90urffae",
    ]  # fmt: skip
    result = run_cli(["simulate", "-c", MODULE, "--claims", claims, "-f", "json", *deployed])
    assert result.code == 0, result.stderr
    assert _role(result.json()["role_arn"]) == "PoolAdmin"


# Refusals: exit 2, the file and line, never a traceback -------------------------------------------


def _refused(args: list[Any], *expected: str) -> str:
    result = run_cli(args)
    assert result.code == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr
    return result.stderr


def test_a_module_that_does_not_parse(tmp_path: Path) -> None:
    write_module(tmp_path, {"main.tf": 'resource "aws_iam_role" "r" {\n  name = = "x"\n}\n'})
    _refused(
        ["simulate", "-c", tmp_path / "main.tf", "--unauthenticated"],
        f"{tmp_path / 'main.tf'}:2:",
        "not valid HCL",
    )


def test_a_parameter_no_module_declares(tmp_path: Path) -> None:
    _refused(
        ["lint", MODULE, "--parameter", "regoin=eu-west-1"],
        "--parameter regoin",
        "did you mean region?",
    )


def test_a_decision_that_needs_an_unknown_value_names_it(tmp_path: Path) -> None:
    # D5: the role mapping's provider comes from a data source: the pool cannot be read offline.
    write_module(
        tmp_path,
        {
            "main.tf": """
            data "aws_ssm_parameter" "provider" { name = "/auth/provider" }
            resource "aws_cognito_identity_pool" "p" {
              identity_pool_name = "p"
              allow_unauthenticated_identities = true
            }
            resource "aws_cognito_identity_pool_roles_attachment" "a" {
              identity_pool_id = aws_cognito_identity_pool.p.id
              roles = { unauthenticated = "arn:aws:iam::123456789012:role/Guest" }
              role_mapping {
                identity_provider         = data.aws_ssm_parameter.provider.value
                type                      = "Token"
                ambiguous_role_resolution = "Deny"
              }
            }
            """
        },
    )
    _refused(
        ["simulate", "-c", tmp_path, "--unauthenticated"],
        "data.aws_ssm_parameter.provider.value",
        "main.tf:11",
    )


def test_two_identity_pools_need_pool(tmp_path: Path) -> None:
    write_module(
        tmp_path,
        {
            "main.tf": """
            resource "aws_cognito_identity_pool" "a" {
              identity_pool_name = "a"
              allow_unauthenticated_identities = true
            }
            resource "aws_cognito_identity_pool" "b" { identity_pool_name = "b" }
            """
        },
    )
    _refused(
        ["simulate", "-c", tmp_path, "--unauthenticated"],
        "2 identity pools",
        "aws_cognito_identity_pool.a",
        "--pool",
    )
    chosen = run_cli(["simulate", "-c", tmp_path, "--unauthenticated", "--pool", "aws_cognito_identity_pool.a", "-f", "json"])  # fmt: skip
    assert chosen.code == 0, chosen.stderr
    assert chosen.json()["identity_pool_id"] == "us-east-1:a"


def test_count_zero_leaves_no_pool(tmp_path: Path) -> None:
    write_module(
        tmp_path,
        {
            "main.tf": 'resource "aws_cognito_identity_pool" "p" {\n  count = 0\n  identity_pool_name = "p"\n}\n'
        },
    )
    _refused(
        ["simulate", "-c", tmp_path, "--unauthenticated"],
        "no identity pool",
        "aws_cognito_identity_pool.p (count = 0)",
    )


def test_a_plan_value_known_only_after_apply_fails_the_decision_that_needs_it(
    tmp_path: Path,
) -> None:
    # D9: the rule's role is created by the plan: its ARN is unknown, and gets no placeholder.
    plan = json.loads(PLAN.read_text())
    address = "aws_cognito_identity_pool_roles_attachment.main"
    resource = next(
        r for r in plan["planned_values"]["root_module"]["resources"] if r["address"] == address
    )
    resource["values"]["role_mapping"][0]["mapping_rule"][0]["role_arn"] = None
    change = next(c for c in plan["resource_changes"] if c["address"] == address)
    change["change"]["after_unknown"] = {"role_mapping": [{"mapping_rule": [{"role_arn": True}]}]}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    admin = _claims(tmp_path, {**DEPLOYED, **USER, "cognito:groups": ["admins"]})
    _refused(
        ["simulate", "-c", path, "--claims", admin],
        f"{address}.role_mapping[0].mapping_rule[0].role_arn",
    )
    # A decision that does not need it proceeds.
    other = _claims(tmp_path, {**DEPLOYED, **USER, "cognito:groups": []}, "other.json")
    result = run_cli(["simulate", "-c", path, "--claims", other, "-f", "json"])
    assert result.code == 0, result.stderr
    assert _role(result.json()["role_arn"]) == "PoolEngineering"


def test_two_role_attachments_for_one_pool_are_a_finding_at_the_second(tmp_path: Path) -> None:
    # D6: Terraform keeps whichever attachment it writes last (terraform-provider-aws#25330).
    write_module(
        tmp_path,
        {
            "main.tf": """
            resource "aws_cognito_identity_pool" "p" {
              identity_pool_name               = "p"
              allow_unauthenticated_identities = true
            }
            resource "aws_cognito_identity_pool_roles_attachment" "a" {
              identity_pool_id = aws_cognito_identity_pool.p.id
              roles            = { unauthenticated = "arn:aws:iam::123456789012:role/A" }
            }
            resource "aws_cognito_identity_pool_roles_attachment" "b" {
              identity_pool_id = aws_cognito_identity_pool.p.id
              roles            = { unauthenticated = "arn:aws:iam::123456789012:role/B" }
            }
            """
        },
    )
    linted = run_cli(["lint", tmp_path, "-f", "json"])
    assert linted.code == 1
    finding = next(f for f in linted.json()["findings"] if f["id"] == "RS130")
    assert finding["native_path"] == "aws_cognito_identity_pool_roles_attachment.b"
    assert finding["line"] == 10
    _refused(["simulate", "-c", tmp_path, "--unauthenticated"], "2 role attachments")


def test_verify_needs_the_deployed_pool_id() -> None:
    _refused(["verify", "-c", MODULE, "--unauthenticated"], "is a placeholder")
