"""`policy eval`'s text: the decision, its reason, the deciding statements, doubts and warnings."""

from __future__ import annotations

from typing import IO

from rich.text import Text

from simulator.iam import AccessDecision
from simulator.render.base import JsonRenderer, OutputFormat, Renderer, console_for

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
        console.print(Text.assemble((label, style), f"  {result.action} on {result.resource}"))
        console.print(f"  reason: {result.reason}")
        if result.matched:
            console.print("  deciding statements:")
            for item in result.matched:
                sid = f" ({item.sid})" if item.sid else ""
                console.print(
                    f"    - {item.effect} {item.kind.replace('_', ' ')} policy "
                    f"{item.policy} statement {item.statement_index}{sid}"
                )
        for uncertainty in result.uncertain:
            other = uncertainty.alternative_outcome.get("decision", "?")
            console.print(
                Text.assemble(
                    "  ", ("uncertain", "magenta"),
                    f": {uncertainty.assumption}: {uncertainty.detail} (alternative: {other})",
                )
            )  # fmt: skip
        for warning in result.warnings:
            console.print(Text.assemble("  ", ("warning", "yellow"), f": {warning}"))
        if result.missing_context:
            keys = ", ".join(result.missing_context)
            console.print(Text.assemble("  ", ("missing context values", "magenta"), f": {keys}"))
        if result.unresolved:
            unresolved = ", ".join(result.unresolved)
            console.print(Text.assemble("  ", ("unresolved", "magenta"), f": {unresolved}"))


POLICY_RENDERERS: dict[OutputFormat, Renderer[AccessDecision]] = {
    OutputFormat.TEXT: PolicyDecisionText(),
    OutputFormat.JSON: JsonRenderer(),
}
