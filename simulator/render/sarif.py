"""SARIF 2.1.0 (OASIS), the format code-scanning services read: a small generic writer.

Each result names its rule, level, message and a location in a file (with a line when known) plus a
logical location: the path inside the pool file, e.g. `RoleMappings["…"].RulesConfiguration.Rules[2]`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import IO, Any, Literal

import msgspec

from simulator import __version__

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
Level = Literal["error", "warning", "note", "none"]


class SarifRule(msgspec.Struct, frozen=True):
    id: str
    name: str
    short: str
    full: str
    help_uri: str | None = None
    level: Level = "warning"


class SarifResult(msgspec.Struct, frozen=True):
    rule_id: str
    level: Level
    message: str
    uri: str | None = None
    line: int | None = None
    logical_path: str | None = None
    properties: Mapping[str, Any] = msgspec.field(default_factory=dict)
    suppression: str | None = None  # a justification: the result was reviewed and accepted


def level_for(severity: str) -> Level:
    return {"error": "error", "warning": "warning", "info": "note"}.get(severity, "warning")  # type: ignore[return-value]


def _result(r: SarifResult, rule_index: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": r.rule_id,
        "level": r.level,
        "message": {"text": r.message},
    }
    if r.rule_id in rule_index:
        out["ruleIndex"] = rule_index[r.rule_id]
    location: dict[str, Any] = {}
    if r.uri is not None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": r.uri}}
        if r.line is not None:
            physical["region"] = {"startLine": max(1, r.line)}
        location["physicalLocation"] = physical
    if r.logical_path is not None:
        location["logicalLocations"] = [{"fullyQualifiedName": r.logical_path, "kind": "member"}]
    if location:
        out["locations"] = [location]
    if r.properties:
        out["properties"] = dict(r.properties)
    if r.suppression is not None:
        out["suppressions"] = [{"kind": "external", "justification": r.suppression}]
    return out


def sarif_log(
    rules: Sequence[SarifRule],
    results: Sequence[SarifResult],
    *,
    tool: str = "rolesim",
    properties: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    index = {r.id: i for i, r in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": tool,
                "version": __version__,
                "rules": [
                    {
                        "id": r.id,
                        "name": r.name,
                        "shortDescription": {"text": r.short},
                        "fullDescription": {"text": r.full},
                        **({"helpUri": r.help_uri} if r.help_uri else {}),
                        "defaultConfiguration": {"level": r.level},
                    }
                    for r in rules
                ],
            }
        },
        "results": [_result(r, index) for r in results],
        "columnKind": "unicodeCodePoints",
    }
    if properties:
        run["properties"] = dict(properties)
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def write_sarif(log: Mapping[str, Any], stream: IO[str]) -> None:
    json.dump(log, stream, indent=2, ensure_ascii=False)
    stream.write("\n")
