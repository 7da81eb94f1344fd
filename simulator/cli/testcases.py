"""`rolesim test CASES.yaml`: table-driven expectations for a pool; exit 1 on any failure."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from simulator.cases import load_cases, run_cases
from simulator.cli.common import (
    CasesFormat,
    assume_from_option,
    assume_option,
    format_option,
    import_options,
    one_stdin,
    output_option,
    parameter_option,
    parse_assume,
    pool_id_option,
    renderer_for,
)
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.render.cases import CASES_RENDERERS


def cases_command(
    cases: Path = typer.Argument(
        ...,
        metavar="CASES",
        show_default=False,
        help="The cases file (YAML or JSON, README \"Table-driven expectations\"); '-' reads "
        "stdin (its paths are then relative to the current directory).",
    ),
    assume_from: Path | None = assume_from_option(),
    pool: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        metavar="POOL",
        help="Test this pool (a pool file or a template; '-' reads stdin) instead of the cases "
        "file's `pool`.",
    ),
    assume: list[str] = assume_option(),
    fmt: CasesFormat = format_option(CasesFormat.TEXT, "The report's format."),
    output: Path | None = output_option(),
    parameter: list[str] = parameter_option(),
    pool_id: str | None = pool_id_option(),
) -> int:
    """Check a pool against table-driven expectations: roles, errors, tags, trust and access."""
    one_stdin([("CASES", cases), ("--config", pool)])
    renderer = renderer_for(CASES_RENDERERS, fmt, "test")
    options = import_options(parameter, pool_id)
    cases_file = load_cases(
        cases, assume=parse_assume(assume, assume_from), options=options, pool=pool
    )
    report = run_cases(cases_file, now=datetime.now(UTC))
    with open_output(output, inputs=(cases, pool)) as stream:
        renderer.render(report, stream)
    return ExitCode.FAILED if report.failed else ExitCode.OK


def register(app: typer.Typer) -> None:
    app.command("test")(cases_command)
