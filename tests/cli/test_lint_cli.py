"""`rolesim lint` in-process: formats, exit statuses, --min-severity, ignore files."""

from __future__ import annotations

import json
from pathlib import Path

from tests.analysis.pools import pool_dict, rule
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, data: object, name: str = "pool.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=1))
    return path


def test_reference_pool_has_no_errors() -> None:
    result = run_cli(["lint", ROOT / "rules" / "pool.yaml", "--format", "json"])
    assert result.code == 0, result.stdout + result.stderr
    assert all(f["severity"] != "error" for f in result.json()["findings"])


def test_error_findings_exit_1_with_path_and_line(tmp_path: Path) -> None:
    data = pool_dict()
    data["RoleMappings"] = {"https://x": {"Type": "Token", "AmbiguousRoleResolution": "Deny"}}
    result = run_cli(["lint", _write(tmp_path, data), "--format", "json"])
    assert result.code == 1
    (finding,) = [f for f in result.json()["findings"] if f["severity"] == "error"]
    assert finding["id"] == "RS101"
    assert finding["path"] == 'RoleMappings["https://x"]'
    assert finding["line"] is not None


def test_min_severity_fail_on_and_ignore_file(tmp_path: Path) -> None:
    pool = _write(tmp_path, pool_dict([rule("custom:t", "NotEqual", "x", "A")]))
    shown = run_cli(["lint", pool, "--format", "json"]).json()["findings"]
    assert "RS107" in {f["id"] for f in shown}
    assert run_cli(["lint", pool, "--min-severity", "error", "-f", "json"]).json()["findings"] == []
    assert run_cli(["lint", pool, "--fail-on", "warning"]).code == 1
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text(
        "ignore:\n  - id: RS107\n    path: 'RoleMappings*'\n    justification: reviewed\n"
    )
    result = run_cli(["lint", pool, "--ignore-file", ignore, "--fail-on", "warning", "-f", "json"])
    assert "RS107" not in {f["id"] for f in result.json()["findings"]}
    assert [f["justification"] for f in result.json()["suppressed"] if f["id"] == "RS107"] == [
        "reviewed"
    ]


def test_ignore_without_justification_is_bad_input(tmp_path: Path) -> None:
    pool = _write(tmp_path, pool_dict(None))
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text("ignore:\n  - id: RS107\n")
    result = run_cli(["lint", pool, "--ignore-file", ignore])
    assert result.code == 2
    assert "justification" in result.stderr


def test_sarif_and_junit_outputs(tmp_path: Path) -> None:
    pool = _write(tmp_path, pool_dict([rule("custom:t", "NotEqual", "x", "A")]))
    out = tmp_path / "lint.sarif"
    assert run_cli(["lint", pool, "-f", "sarif", "-o", out]).code == 0
    assert json.loads(out.read_text())["version"] == "2.1.0"
    assert run_cli(["lint", pool, "-f", "junit"]).stdout.startswith("<?xml")
