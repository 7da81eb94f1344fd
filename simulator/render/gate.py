"""Every output format for the gate's three results (lint, check, diff), one renderer each.

The three registries cover every OutputFormat member (tests walk the enum).
"""

from __future__ import annotations

import json
from typing import IO, Any

from simulator.analysis.diff import Change, DiffReport
from simulator.analysis.findings import CATALOGUE
from simulator.analysis.invariants import CheckReport
from simulator.analysis.lint import LintReport
from simulator.analysis.outcomes import outcome_summary
from simulator.errors import format_path
from simulator.render.base import JsonRenderer, OutputFormat, Renderer
from simulator.render.findings_text import CheckText, DiffText, LintText
from simulator.render.junit import JUnitCase, JUnitSuite, write_junit
from simulator.render.sarif import SarifResult, SarifRule, level_for, sarif_log, write_sarif

_LINT_RULES = [
    SarifRule(c.id, c.name, c.title, c.description, c.doc, level_for(c.severity.label))
    for c in CATALOGUE.values()
]


def _json_text(value: Any) -> str:
    """Data in a message a person reads: JSON, never a Python repr."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class LintSarif(Renderer[LintReport]):
    def render(self, result: LintReport, stream: IO[str]) -> None:
        results = [
            SarifResult(
                f.id,
                level_for(f.level.label),
                f.message,
                f.file or result.source,
                f.line,
                f.native_path or f.path_text,
                _native(f.path_text, f.native_path, f.construct),
                suppression=f.suppressed,
            )
            for f in (*result.findings, *result.suppressed)
        ]
        write_sarif(sarif_log(_LINT_RULES, results), stream)


def _native(
    pool_path: str | None, native_path: str | None, construct: str | None
) -> dict[str, str]:
    """For a pool imported from a native file, the pool-file path and the construct too."""
    if native_path is None:
        return {}
    out = {"poolPath": pool_path} if pool_path else {}
    return {**out, "construct": construct} if construct else out


class LintJUnit(Renderer[LintReport]):
    def render(self, result: LintReport, stream: IO[str]) -> None:
        cases = [
            JUnitCase(
                f"{f.id} {f.path_text}",
                f"rolesim.lint.{f.id}",
                failure=f"{f.message}\n{f.check.doc}" if f.level.label == "error" else None,
                failure_message=f.message,
                skipped=None if f.level.label == "error" else f"{f.level.label}: {f.message}",
            )
            for f in result.findings
        ]
        cases += [
            JUnitCase(
                f"{f.id} {f.path_text}",
                f"rolesim.lint.{f.id}",
                skipped=f"suppressed: {f.suppressed}",
            )
            for f in result.suppressed
        ]
        if not cases:
            cases = [JUnitCase("no findings", "rolesim.lint")]
        write_junit([JUnitSuite(f"rolesim lint {result.source}", cases)], stream)


class CheckSarif(Renderer[CheckReport]):
    def render(self, result: CheckReport, stream: IO[str]) -> None:
        rules = [
            SarifRule(
                r.invariant.id,
                r.invariant.id,
                r.invariant.description or r.invariant.id,
                r.invariant.description or r.invariant.id,
                level="error",
            )
            for r in result.results
        ]
        results = [
            SarifResult(
                v.invariant,
                "error",
                f"{v.reason} for {v.probe.describe()}",
                result.invariants_source,
                r.invariant.line,
                format_path(r.invariant.path),
                {"claims": v.probe.to_json(), "method": v.method},
            )
            for r in result.results
            for v in r.violations
        ]
        write_sarif(sarif_log(rules, results, properties={"complete": result.complete}), stream)


class CheckJUnit(Renderer[CheckReport]):
    def render(self, result: CheckReport, stream: IO[str]) -> None:
        cases = []
        for r in result.results:
            failure = "\n".join(
                f"{v.reason}: {v.probe.describe()} claims {_json_text(v.probe.claims)}"
                for v in r.violations
            )
            cases.append(
                JUnitCase(
                    r.invariant.id,
                    "rolesim.check",
                    failure=failure or None,
                    failure_message=r.violations[0].reason if r.violations else None,
                    properties=(("method", r.method), ("complete", str(r.complete).lower())),
                )
            )
        write_junit([JUnitSuite(f"rolesim check {result.source}", cases)], stream)


_DIFF_RULES = [
    SarifRule(
        f"diff/{k}",
        k,
        f"Outcome change: {k.replace('_', ' ')}",
        f"A region of the claims space gets a different outcome ({k.replace('_', ' ')}).",
        level="error",
    )
    for k in ("more_privileged", "less_privileged", "mixed", "same_access", "changed", "unknown")
]


def _users(report: DiffReport, change: Change) -> str:
    """How many users of the replayed corpus the change moves (nothing without a corpus)."""
    population = report.population
    if population is None:
        return ""
    return f" ({len(change.corpus_lines):,} of {population.users:,} users of the corpus)"


class DiffSarif(Renderer[DiffReport]):
    def render(self, result: DiffReport, stream: IO[str]) -> None:
        results = [
            SarifResult(
                f"diff/{c.classification}",
                "note" if c.accepted else "error",
                f"{c.id}: {outcome_summary(c.old)} -> {outcome_summary(c.new)} for "
                f"{c.probe.describe()}" + _users(result, c),
                c.file or result.new_source,
                c.line,
                c.native_path or (format_path(c.path) if c.path else None),
                {
                    "witness": c.probe.to_json(),
                    "regions": c.regions,
                    "reasons": list(c.reasons),
                    **_native(format_path(c.path) if c.path else None, c.native_path, c.construct),
                    **({"users": len(c.corpus_lines)} if result.replayed else {}),
                },
                c.accepted,
            )
            for c in result.changes
        ]
        write_sarif(
            sarif_log(_DIFF_RULES, results, properties={"complete": result.complete}), stream
        )


class DiffJUnit(Renderer[DiffReport]):
    def render(self, result: DiffReport, stream: IO[str]) -> None:
        cases = [
            JUnitCase(
                f"{c.id} {c.provider}",
                f"rolesim.diff.{c.classification}",
                failure=None
                if c.accepted
                else f"{outcome_summary(c.old)} -> {outcome_summary(c.new)}{_users(result, c)}\n"
                f"witness: {_json_text(c.probe.to_json())}",
                skipped=f"accepted: {c.accepted}" if c.accepted else None,
            )
            for c in result.changes
        ] or [JUnitCase("no outcome changes", "rolesim.diff")]
        write_junit(
            [JUnitSuite(f"rolesim diff {result.old_source} {result.new_source}", cases)], stream
        )


LINT_RENDERERS: dict[OutputFormat, Renderer[LintReport]] = {
    OutputFormat.TEXT: LintText(),
    OutputFormat.JSON: JsonRenderer(),
    OutputFormat.SARIF: LintSarif(),
    OutputFormat.JUNIT: LintJUnit(),
}
CHECK_RENDERERS: dict[OutputFormat, Renderer[CheckReport]] = {
    OutputFormat.TEXT: CheckText(),
    OutputFormat.JSON: JsonRenderer(),
    OutputFormat.SARIF: CheckSarif(),
    OutputFormat.JUNIT: CheckJUnit(),
}
DIFF_RENDERERS: dict[OutputFormat, Renderer[DiffReport]] = {
    OutputFormat.TEXT: DiffText(),
    OutputFormat.JSON: JsonRenderer(),
    OutputFormat.SARIF: DiffSarif(),
    OutputFormat.JUNIT: DiffJUnit(),
}
