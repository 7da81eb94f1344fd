"""`rolesim lint POOL`: findings about the configuration itself."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from simulator.analysis.findings import IgnoreEntry, Severity, load_ignore
from simulator.analysis.lint import lint_file
from simulator.cli.common import (
    ASSUME_FROM,
    POOL_HELP,
    import_options,
    parameter_option,
    parse_assume,
    pool_id_option,
)
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.render.base import OutputFormat, pick
from simulator.render.gate import LINT_RENDERERS

DEFAULT_IGNORE = Path(".rolesim-ignore.yaml")


class SeverityName(StrEnum):
    """Choices of --min-severity and --fail-on: click refuses any other before the lint runs."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


def read_ignores(path: Path | None) -> tuple[IgnoreEntry, ...]:
    if path is None:
        return load_ignore(DEFAULT_IGNORE) if DEFAULT_IGNORE.is_file() else ()
    return load_ignore(path)


def lint(
    pool: Path = typer.Argument(..., help=POOL_HELP),
    fmt: OutputFormat = typer.Option(
        OutputFormat.TEXT, "--format", "-f", help="text, json, sarif or junit."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write here instead of stdout."
    ),
    min_severity: SeverityName = typer.Option(
        SeverityName.INFO,
        "--min-severity",
        case_sensitive=False,
        help="Report findings at or above: error, warning, info.",
    ),
    fail_on: SeverityName = typer.Option(
        SeverityName.ERROR,
        "--fail-on",
        case_sensitive=False,
        help="Exit 1 on findings at or above: error, warning, info.",
    ),
    ignore_file: Path | None = typer.Option(
        None,
        "--ignore-file",
        help="Reviewed findings to suppress (default: .rolesim-ignore.yaml if present): "
        "ignore: [{id, path (glob), justification}].",
    ),
    assume: list[str] = typer.Option(
        [], "--assume", help="NAME=CHOICE: switch a named assumption (repeatable)."
    ),
    assume_from: Path | None = ASSUME_FROM,
    parameter: list[str] = parameter_option(),
    pool_id: str | None = pool_id_option(),
) -> int:
    """Report findings about the pool configuration, each with its path (and line) in the file."""
    renderer = pick(LINT_RENDERERS, fmt, "lint")
    report = lint_file(
        pool,
        assume=parse_assume(assume, assume_from),
        ignores=read_ignores(ignore_file),
        min_severity=Severity.parse(min_severity.value),
        options=import_options(parameter, pool_id),
    )
    with open_output(output, inputs=(pool, ignore_file)) as stream:
        renderer.render(report, stream)
    failing = report.failing(Severity.parse(fail_on.value))
    return ExitCode.FAILED if failing else ExitCode.OK


def register(app: typer.Typer) -> None:
    app.command("lint")(lint)
