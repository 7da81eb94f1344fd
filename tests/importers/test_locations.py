"""Every error, lint finding, SARIF result and diff change of a template points at the template
(file, line, path inside it, CDK construct), never at the pool document rolesim derived."""

from __future__ import annotations

import io
import json
from pathlib import Path

from simulator.analysis.diff import diff_pools
from simulator.analysis.lint import lint_file
from simulator.importers.source import import_source, load_pool_source
from simulator.render.base import OutputFormat
from simulator.render.gate import DIFF_RENDERERS, LINT_RENDERERS
from tests.importers.templates import get_att, pool_resources, role, rule, template

CDK_PATH = "App/Pool/DefaultRoleAttachment"


def _write(tmp_path: Path, name: str, data: dict) -> Path:  # type: ignore[type-arg]
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=1))
    return path


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def _template(match: str = "Contains", key: object = None) -> dict:  # type: ignore[type-arg]
    resources = pool_resources(
        [rule("cognito:groups", match, "admins", get_att("AdminRole", "Arn"))]
    )
    resources["AdminRole"] = role("Admin")
    attachment = resources["RoleAttachment"]
    attachment["Metadata"] = {"aws:cdk:path": CDK_PATH}
    if key is not None:
        attachment["Properties"]["RoleMappings"]["web"]["IdentityProvider"] = key
    return template(resources)


def test_lint_findings_name_the_template_line_path_and_construct(tmp_path: Path) -> None:
    path = _write(tmp_path, "stack.template.json", _template(key={"Ref": "UserPool"}))
    report = lint_file(path)
    finding = next(f for f in report.findings if f.id == "RS131")
    assert finding.file == str(path)
    assert finding.line == _line_of(path, '"IdentityProvider"')
    assert (
        finding.native_path
        == "Resources.RoleAttachment.Properties.RoleMappings.web.IdentityProvider"
    )
    assert finding.construct == CDK_PATH
    assert finding.path_text == "RoleMappings.web"  # the pool path stays for ignore files
    as_json = finding.to_json()
    assert (as_json["file"], as_json["line"], as_json["construct"]) == (
        str(path),
        finding.line,
        CDK_PATH,
    )


def test_sarif_results_point_at_the_template(tmp_path: Path) -> None:
    path = _write(tmp_path, "stack.template.json", _template(key={"Ref": "UserPool"}))
    out = io.StringIO()
    LINT_RENDERERS[OutputFormat.SARIF].render(lint_file(path), out)
    result = next(
        r for r in json.loads(out.getvalue())["runs"][0]["results"] if r["ruleId"] == "RS131"
    )
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == str(path)
    assert location["physicalLocation"]["region"]["startLine"] == _line_of(
        path, '"IdentityProvider"'
    )
    assert location["logicalLocations"][0]["fullyQualifiedName"].endswith(
        "RoleMappings.web.IdentityProvider"
    )
    assert result["properties"] == {"poolPath": "RoleMappings.web", "construct": CDK_PATH}


def test_text_report_names_the_template_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "stack.template.json", _template(key={"Ref": "UserPool"}))
    out = io.StringIO()
    LINT_RENDERERS[OutputFormat.TEXT].render(lint_file(path), out)
    line = _line_of(path, '"IdentityProvider"')
    assert f"({path}:{line}, {CDK_PATH})" in out.getvalue()


def test_diff_changes_point_at_the_new_templates_rule(tmp_path: Path) -> None:
    old = _write(tmp_path, "old.json", _template("Equals"))
    new = _write(tmp_path, "new.json", _template("Contains"))
    document = import_source(new).checked()
    report = diff_pools(load_pool_source(old), load_pool_source(new), new_doc=document)
    change = next(c for c in report.changes if c.new.role_arn)
    assert change.file == str(new)
    assert (
        change.native_path
        == "Resources.RoleAttachment.Properties.RoleMappings.web.RulesConfiguration.Rules[0]"
    )
    assert change.construct == CDK_PATH
    assert change.line == _line_of(new, '"Claim"') - 1  # the rule's opening brace
    out = io.StringIO()
    DIFF_RENDERERS[OutputFormat.SARIF].render(report, out)
    sarif = json.loads(out.getvalue())["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert sarif["artifactLocation"]["uri"] == str(new)


def test_a_pool_file_keeps_its_own_locations(tmp_path: Path) -> None:
    path = tmp_path / "pool.yaml"
    path.write_text(
        "IdentityPoolId: us-east-1:11111111-2222-3333-4444-555555555555\n"
        "CognitoIdentityProviders:\n"
        "  - {ProviderName: cognito-idp.us-east-1.amazonaws.com/us-east-1_X, ClientId: c}\n"
        "RoleMappings:\n"
        "  us-east-1_X:\n"
        "    Type: Token\n"
        "    AmbiguousRoleResolution: Deny\n"
    )
    finding = next(f for f in lint_file(path).findings if f.id == "RS131")
    assert (finding.file, finding.native_path, finding.line) == (None, None, 5)
