"""Every output format of lint, check and diff: each registry covers the enum, SARIF validates
against the OASIS 2.1.0 schema, JUnit parses as XML with the right counts."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from simulator.analysis.diff import diff_pools
from simulator.analysis.invariants import check_pool, load_invariants
from simulator.analysis.lint import lint_text
from simulator.model import pool_from_dict
from simulator.render.base import OutputFormat, Renderer
from simulator.render.gate import CHECK_RENDERERS, DIFF_RENDERERS, LINT_RENDERERS
from simulator.render.junit import JUnitCase, JUnitSuite, write_junit
from tests.analysis.pools import pool_dict, role, rule

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
REGISTRIES: dict[str, dict[OutputFormat, Any]] = {
    "lint": LINT_RENDERERS,
    "check": CHECK_RENDERERS,
    "diff": DIFF_RENDERERS,
}


def _results(tmp_path: Path) -> dict[str, Any]:
    old = pool_from_dict(pool_dict([rule("custom:dept", "Equals", "eng", "Eng")]), "old.yaml")
    new = pool_from_dict(pool_dict([rule("custom:dept", "StartsWith", "eng", "Eng")]), "new.yaml")
    inv = tmp_path / "inv.yaml"
    inv.write_text(f"invariants:\n  - id: no-eng\n    description: nobody gets Eng\n"
                   f"    expect: {{role_not: {role('Eng')}}}\n")  # fmt: skip
    lint = lint_text(json.dumps(pool_dict([rule("custom:t", "NotEqual", "x", "Eng")])), "pool.json")
    return {
        "lint": lint,
        "check": check_pool(new, load_invariants(inv), invariants_source=str(inv)),
        "diff": diff_pools(old, new),
    }


@pytest.mark.parametrize("command", sorted(REGISTRIES))
def test_every_format_has_a_renderer(command: str) -> None:
    assert set(REGISTRIES[command]) == set(OutputFormat)
    for renderer in REGISTRIES[command].values():
        assert isinstance(renderer, Renderer)


@pytest.mark.parametrize("command", sorted(REGISTRIES))
@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_each_format_renders_a_result_with_findings(
    tmp_path: Path, command: str, fmt: OutputFormat
) -> None:
    result = _results(tmp_path)[command]
    out = io.StringIO()
    REGISTRIES[command][fmt].render(result, out)
    text = out.getvalue()
    if fmt is OutputFormat.SARIF:
        log = json.loads(text)
        jsonschema.validate(log, SCHEMA)
        assert log["runs"][0]["results"], "a result with findings yields SARIF results"
        rule_ids = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
        assert {r["ruleId"] for r in log["runs"][0]["results"]} <= rule_ids
    elif fmt is OutputFormat.JUNIT:
        root = ET.fromstring(text)
        assert root.tag == "testsuites"
        assert int(root.get("failures", "0")) + int(root.get("skipped", "0")) >= 1
    elif fmt is OutputFormat.JSON:
        data = json.loads(text)
        key = {"lint": "findings", "check": "violations", "diff": "changes"}[command]
        assert data[key]
    else:
        assert text.startswith(f"## rolesim {command}")


def test_lint_sarif_points_at_the_line_and_path() -> None:
    report = lint_text("IdentityPoolId: us-east-1:1\nBogus: 1\n", "pool.yaml")
    out = io.StringIO()
    LINT_RENDERERS[OutputFormat.SARIF].render(report, out)
    (result,) = json.loads(out.getvalue())["runs"][0]["results"]
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "pool.yaml"
    assert location["physicalLocation"]["region"]["startLine"] == 2
    assert result["ruleId"] == "RS100"


def test_empty_results_still_emit_machine_formats(tmp_path: Path) -> None:
    pool = pool_from_dict(pool_dict([rule("custom:dept", "Equals", "eng", "Eng")]), "p.yaml")
    report = diff_pools(pool, pool)
    for fmt in (OutputFormat.SARIF, OutputFormat.JUNIT, OutputFormat.JSON):
        out = io.StringIO()
        DIFF_RENDERERS[fmt].render(report, out)
        assert out.getvalue().strip()
    sarif = io.StringIO()
    DIFF_RENDERERS[OutputFormat.SARIF].render(report, sarif)
    jsonschema.validate(json.loads(sarif.getvalue()), SCHEMA)


def test_junit_writer_counts_and_escapes() -> None:
    suite = JUnitSuite("s", [
        JUnitCase("ok", "c"),
        JUnitCase("bad <&>", "c", failure="line1\nline2"),
        JUnitCase("skip", "c", skipped="reviewed"),
    ])  # fmt: skip
    out = io.StringIO()
    write_junit([suite], out)
    root = ET.fromstring(out.getvalue())
    (s,) = root
    assert (s.get("tests"), s.get("failures"), s.get("skipped")) == ("3", "1", "1")
    failure = s.find("testcase[@name='bad <&>']/failure")
    assert failure is not None
    assert failure.get("message") == "line1"
    assert failure.text == "line1\nline2"
