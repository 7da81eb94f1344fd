"""Renderers for `rolesim test` reports: text, JSON (the report's own), JUnit XML."""

from __future__ import annotations

from typing import IO

from rich.text import Text

from simulator.cases import TestReport
from simulator.render.base import JsonRenderer, OutputFormat, Renderer, console_for, hanging
from simulator.render.junit import JUnitCase, JUnitSuite, write_junit


class CasesText(Renderer[TestReport]):
    def render(self, result: TestReport, stream: IO[str]) -> None:
        console = console_for(stream)
        for r in result.results:
            mark = Text("PASS", style="green") if r.passed else Text("FAIL", style="bold red")
            hanging(console, mark, r.case.name, width=5)
            for failure in r.failures:
                hanging(console, "", failure, width=7)
        # The plain closing line CI systems read: 'N passed, N failed'.
        console.print(f"{result.path}: {result.passed} passed, {result.failed} failed")


class CasesJUnit(Renderer[TestReport]):
    def render(self, result: TestReport, stream: IO[str]) -> None:
        cases = [
            JUnitCase(
                name=r.case.name,
                classname=f"rolesim.test.{result.path}",
                failure="\n".join(r.failures) if r.failures else None,
                failure_message=r.failures[0] if r.failures else None,
            )
            for r in result.results
        ]
        write_junit([JUnitSuite(result.path, cases)], stream, name="rolesim test")


CASES_RENDERERS: dict[OutputFormat, Renderer[TestReport]] = {
    OutputFormat.TEXT: CasesText(),
    OutputFormat.JSON: JsonRenderer(),
    OutputFormat.JUNIT: CasesJUnit(),
}
