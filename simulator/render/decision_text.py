"""The formats of one assessment: the text trace (simulator.render.decision_trace) and JSON."""

from __future__ import annotations

from typing import IO

from simulator.access import Assessment
from simulator.render.base import JsonRenderer, OutputFormat, Renderer, console_for


class DecisionText(Renderer[Assessment]):
    def render(self, result: Assessment, stream: IO[str]) -> None:
        from simulator.render.decision_trace import render_assessment  # rich: text output only

        render_assessment(result, console_for(stream))


SIMULATE_RENDERERS: dict[OutputFormat, Renderer[Assessment]] = {
    OutputFormat.TEXT: DecisionText(),
    OutputFormat.JSON: JsonRenderer(),
}
