"""`policy eval`'s text: the decision, its reason, the deciding statements, doubts and warnings."""

from __future__ import annotations

from typing import IO

from rich.markup import escape

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
        console.print(f"[{style}]{label}[/]  {escape(result.action)} on {escape(result.resource)}")
        console.print(f"  reason: {escape(result.reason)}")
        if result.matched:
            console.print("  deciding statements:")
            for item in result.matched:
                sid = f" ({escape(item.sid)})" if item.sid else ""
                console.print(
                    f"    - {item.effect} {item.kind.replace('_', ' ')} policy "
                    f"{escape(item.policy)} statement {item.statement_index}{sid}"
                )
        for uncertainty in result.uncertain:
            other = uncertainty.alternative_outcome.get("decision", "?")
            console.print(
                f"  [magenta]uncertain[/]: {escape(uncertainty.assumption)}: {escape(uncertainty.detail)}"
                f" (alternative: {escape(str(other))})"
            )
        for warning in result.warnings:
            console.print(f"  [yellow]warning[/]: {escape(warning)}")
        if result.missing_context:
            keys = ", ".join(result.missing_context)
            console.print(f"  [magenta]missing context values[/]: {escape(keys)}")
        if result.unresolved:
            console.print(f"  [magenta]unresolved[/]: {escape(', '.join(result.unresolved))}")


POLICY_RENDERERS: dict[OutputFormat, Renderer[AccessDecision]] = {
    OutputFormat.TEXT: PolicyDecisionText(),
    OutputFormat.JSON: JsonRenderer(),
}
