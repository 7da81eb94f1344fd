"""The formats of one assessment: the text trace (simulator.render.decision_trace) and JSON."""

from __future__ import annotations

from typing import IO

from simulator.access import Assessment
from simulator.render import sheet
from simulator.render.base import JsonRenderer, OutputFormat, Renderer


class DecisionText(Renderer[Assessment]):
    def render(self, result: Assessment, stream: IO[str]) -> None:
        from simulator.render.decision_trace import assessment_sheet

        sheet.write(assessment_sheet(result), stream)


SIMULATE_RENDERERS: dict[OutputFormat, Renderer[Assessment]] = {
    OutputFormat.TEXT: DecisionText(),
    OutputFormat.JSON: JsonRenderer(),
}
