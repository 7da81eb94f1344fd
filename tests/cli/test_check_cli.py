"""`rolesim check` in-process: the reference invariants hold; a broken one exits 1."""

from __future__ import annotations

import json
from pathlib import Path

from tests.analysis.pools import pool_dict, role, rule
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]


def test_reference_pool_meets_its_invariants() -> None:
    result = run_cli(["check", ROOT / "rules" / "pool.yaml", "--invariants",
                      ROOT / "rules" / "invariants.yaml", "--format", "json"])  # fmt: skip
    assert result.code == 0, result.stdout + result.stderr
    data = result.json()
    assert data["violations"] == []
    assert data["complete"] is True


def test_examples_invariants_file_is_valid() -> None:
    path = ROOT / "examples" / "invariants" / "invariants.yaml"
    result = run_cli(["check", ROOT / "rules" / "pool.yaml", "-i", path, "-f", "json"])
    assert result.code in (0, 1), result.stderr
    assert {i["id"] for i in result.json()["invariants"]}


def test_broken_invariant_exits_1_with_a_counterexample(tmp_path: Path) -> None:
    pool = tmp_path / "pool.json"
    pool.write_text(json.dumps(pool_dict([rule("cognito:groups", "StartsWith", "adm", "Admin")])))
    inv = tmp_path / "inv.yaml"
    inv.write_text("invariants:\n  - id: admins-only\n    when: {not: {claim: cognito:groups, "
                   f"contains: admins}}}}\n    expect: {{role_not: {role('Admin')}}}\n")  # fmt: skip
    result = run_cli(["check", pool, "-i", inv, "-f", "json"])
    assert result.code == 1
    (violation,) = result.json()["violations"]
    assert violation["invariant"] == "admins-only"
    assert violation["outcome"]["role_arn"] == role("Admin")
    text = run_cli(["check", pool, "-i", inv])
    assert "admins-only" in text.stdout


def test_bad_invariants_file_is_exit_2(tmp_path: Path) -> None:
    inv = tmp_path / "inv.yaml"
    inv.write_text("invariants:\n  - id: x\n    expect: {granted: maybe}\n")
    result = run_cli(["check", ROOT / "rules" / "pool.yaml", "-i", inv])
    assert result.code == 2
    assert "inv.yaml:3" in result.stderr
