"""Text (Markdown-friendly) reports for `lint`, `check` and `diff`: a reviewer reads them in a pull
request comment as they are."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import IO, Any

from simulator.analysis.diff import Change, DiffReport
from simulator.analysis.graph import PoolGraph
from simulator.analysis.invariants import CheckReport
from simulator.analysis.lint import LintReport
from simulator.analysis.outcomes import outcome_summary
from simulator.render.base import Renderer
from simulator.render.graph_mermaid import mermaid
from simulator.render.terminal import SafeWriter

_HIDDEN = ("iss", "aud", "token_use")


def _claims(claims: Mapping[str, Any] | None) -> str:
    if claims is None:
        return "(no token: unauthenticated)"
    return json.dumps(dict(claims), ensure_ascii=False, sort_keys=True)


def _short_claims(claims: Mapping[str, Any] | None) -> str:
    if claims is None:
        return "guest"
    shown = {k: v for k, v in claims.items() if k not in _HIDDEN}
    return json.dumps(shown, ensure_ascii=False, sort_keys=True)


def _cell(text: str) -> str:
    """Text in a Markdown table cell: a `|` would end the cell, even inside a code span (GFM)."""
    return text.replace("|", "\\|")


def _diagram(w: Callable[[str], int], graph: PoolGraph | None, what: str) -> None:
    """A Mermaid diagram of the part of the pool the report is about (GitHub draws it)."""
    if graph is None or not graph.nodes:
        return
    w(
        f"\n<details><summary>Diagram: {what}</summary>\n\n```mermaid\n{mermaid(graph)}```\n\n</details>\n"
    )


class LintText(Renderer[LintReport]):
    def render(self, result: LintReport, stream: IO[str]) -> None:
        w = SafeWriter(stream).write
        w(f"## rolesim lint: {result.source}\n\n")
        if not result.findings:
            w("No findings.\n")
        for f in result.findings:
            file = f.file or result.source
            where = f"{file}:{f.line}" if f.line else file
            if f.construct:
                where += f", {f.construct}"
            w(f"- **{f.id} {f.level.label}** {f.check.title} — `{f.native_path or f.path_text}` "
              f"({where})\n")  # fmt: skip
            w(f"  {f.message}\n  See {f.check.doc}\n")
        if result.suppressed:
            w(f"\n{len(result.suppressed)} finding(s) suppressed by the ignore file:\n")
            for f in result.suppressed:
                w(f"- {f.id} `{f.path_text}`: {f.suppressed}\n")
        if not result.complete:
            w("\nThe claims analysis was sampled (RS118); rule findings may be incomplete.\n")
        _diagram(w, result.graph, "the mappings and rules with findings (outlined)")


class CheckText(Renderer[CheckReport]):
    def render(self, result: CheckReport, stream: IO[str]) -> None:
        w = SafeWriter(stream).write
        w(f"## rolesim check: {result.source} against {result.invariants_source}\n\n")
        w("| invariant | result | method | complete | requests |\n|---|---|---|---|---|\n")
        for r in result.results:
            status = "holds" if r.holds else f"**broken** ({len(r.violations)})"
            cells = (r.invariant.id, status, r.method, str(r.complete).lower(),
                     str(r.requests_checked))  # fmt: skip
            w("| " + " | ".join(_cell(x) for x in cells) + " |\n")
        for r in result.results:
            for v in r.violations:
                w(f"\n### {v.invariant}: {v.reason}\n")
                if r.invariant.description:
                    w(f"{r.invariant.description}\n")
                w(f"- request: {v.probe.describe()}\n- claims: `{_claims(v.probe.claims)}`\n")
                w(f"- found by: {v.method}\n")
                if v.result.rests_on:
                    w(f"- rests on: {', '.join(v.result.rests_on)} (named assumptions)\n")
        for r in result.results:
            if r.rests_on:
                w(
                    f"\nassumptions ({r.invariant.id}): the result rests on {', '.join(r.rests_on)}\n"
                )
            for n in r.notes:
                w(f"\nnote ({r.invariant.id}): {n}\n")


def _change_lines(c: Change) -> list[str]:
    old, new = outcome_summary(c.old), outcome_summary(c.new)
    lines = [
        f"### {c.id} {c.classification.replace('_', ' ')}: {c.provider}",
        f"- before: {old}",
        f"- after: {new}",
        f"- witness ({c.probe.describe()}): `{_claims(c.probe.claims)}`",
    ]
    if c.file is not None:
        at = f"{c.file}:{c.line}" if c.line else c.file
        lines.append(
            f"- decided at {at} `{c.native_path}`" + (f" ({c.construct})" if c.construct else "")
        )
    if c.regions > 1:
        lines.append(f"- {c.regions} regions of the claims space change this way")
    lines += [f"- {r}" for r in c.reasons]
    if c.source != "analysis":
        lines.append(f"- found in the claims corpus ({c.source})")
    if c.corpus_lines:
        shown = ", ".join(map(str, c.corpus_lines[:10])) + (
            " …" if len(c.corpus_lines) > 10 else ""
        )
        users = c.population
        example = f" (e.g. {', '.join(users.examples)})" if users.examples else ""
        lines.append(f"- {users.users:,} user(s) of the claims corpus move this way{example}; "
                     f"lines {shown}")  # fmt: skip
    if c.accepted is not None:
        lines.append(f"- accepted: {c.accepted}")
    return lines


class DiffText(Renderer[DiffReport]):
    def render(self, result: DiffReport, stream: IO[str]) -> None:
        w = SafeWriter(stream).write
        w(f"## rolesim diff: {result.old_source} → {result.new_source}\n\n")
        scope = "every region of the claims space" if result.complete else "a sample of regions"
        population = result.population
        if population is not None:
            w(f"**Population**: {population.sentence()}.\n\n")
        users = population is not None
        if result.equivalent:
            w(f"No outcome changes ({scope}; {result.regions_checked} regions).\n")
        else:
            w(f"{len(result.changes)} change(s), {len(result.unaccepted)} not accepted "
              f"({scope}; {result.regions_checked} regions).\n\n")  # fmt: skip
            w("| id | provider | before | after | kind | witness | accepted |"
              + (" users |\n" if users else "\n"))  # fmt: skip
            w("|---|---|---|---|---|---|---|" + ("---|\n" if users else "\n"))
            for c in result.changes:
                cells = [c.id, c.provider, outcome_summary(c.old), outcome_summary(c.new),
                         c.classification, f"`{_short_claims(c.probe.claims)}`",
                         "yes" if c.accepted else "no"]  # fmt: skip
                if users:
                    cells.append(f"{len(c.corpus_lines):,}")
                w("| " + " | ".join(_cell(x) for x in cells) + " |\n")
            for c in result.changes:
                w("\n" + "\n".join(_change_lines(c)) + "\n")
        for n in result.notes:
            w(f"\nnote: {n}\n")
        _diagram(w, result.graph, "the new pool's paths through the changes (outlined)")
