"""`policy eval`'s text: the decision, its reason, the deciding statements, doubts and warnings."""

from __future__ import annotations

import functools
from typing import IO

from rich.text import Text

from simulator.iam import AccessDecision
from simulator.render.base import JsonRenderer, OutputFormat, Renderer, console_for, hanging
from simulator.wording import words

_DECISION_STYLE = {
    "allowed": ("ALLOWED", "bold green"),
    "explicit_deny": ("EXPLICIT DENY", "bold red"),
    "implicit_deny": ("IMPLICIT DENY", "bold yellow"),
    "unknown": ("UNKNOWN", "bold magenta"),
}


class PolicyDecisionText(Renderer[AccessDecision]):
    """Decision, reason, deciding statements, uncertainties and warnings, for a reader."""

    def render(self, result: AccessDecision, stream: IO[str]) -> None:
        console = console_for(stream)
        label, style = _DECISION_STYLE[result.decision]
        hanging(
            console, Text(label, style=style), f"{result.action} on {result.resource}",
            width=len(label) + 2,
        )  # fmt: skip
        line = functools.partial(hanging, console, width=_WIDTH)
        line("  reason", result.reason)
        for item in result.matched:
            sid = f" ({item.sid})" if item.sid else ""
            line(
                "  statement",
                f"{item.effect} by {item.kind.replace('_', ' ')} policy {item.policy} statement "
                f"{item.statement_index}{sid}",
            )
        for uncertainty in result.uncertain:
            other = uncertainty.alternative_outcome.get("decision", "unknown")
            line(
                Text("  uncertain", style="magenta"),
                f"{uncertainty.assumption}: {uncertainty.detail} (alternative: "
                f"{str(other).replace('_', ' ')})",
            )
        for warning in result.warnings:
            line(Text("  warning", style="yellow"), warning)
        if result.missing_context:
            line(
                Text("  missing", style="magenta"),
                "context values " + words(result.missing_context),
            )
        if result.unresolved:
            line(Text("  unresolved", style="magenta"), words(result.unresolved))


_WIDTH = 13


POLICY_RENDERERS: dict[OutputFormat, Renderer[AccessDecision]] = {
    OutputFormat.TEXT: PolicyDecisionText(),
    OutputFormat.JSON: JsonRenderer(),
}
