"""`rolesim test CASES.yaml`: table-driven expectations for a pool; exit 1 on any failure."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from simulator.cases import load_cases, run_cases
from simulator.cli.common import (
    ASSUME_FROM,
    import_options,
    parameter_option,
    parse_assume,
    pool_id_option,
)
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.render.base import OutputFormat, pick
from simulator.render.cases import CASES_RENDERERS


def cases_command(
    cases: Path = typer.Argument(..., help="The cases file (YAML or JSON); see the README."),
    assume: list[str] = typer.Option(
        [], "--assume", help="NAME=CHOICE: switch a named assumption (repeatable)."
    ),
    assume_from: Path | None = ASSUME_FROM,
    fmt: OutputFormat = typer.Option(
        OutputFormat.TEXT, "--format", "-f", help="text, json or junit."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write here instead of stdout."
    ),
    parameter: list[str] = parameter_option(),
    pool_id: str | None = pool_id_option(),
) -> int:
    """Check a pool against table-driven expectations: roles, errors, tags, trust and access."""
    renderer = pick(CASES_RENDERERS, fmt, "test")
    options = import_options(parameter, pool_id)
    cases_file = load_cases(cases, assume=parse_assume(assume, assume_from), options=options)
    report = run_cases(cases_file, now=datetime.now(UTC))
    with open_output(output, inputs=(cases,)) as stream:
        renderer.render(report, stream)
    return ExitCode.FAILED if report.failed else ExitCode.OK


def register(app: typer.Typer) -> None:
    app.command("test")(cases_command)
