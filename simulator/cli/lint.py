"""`rolesim lint POOL`: findings about the configuration itself."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from simulator.analysis.findings import IgnoreEntry, Severity, load_ignore
from simulator.analysis.lint import lint_file
from simulator.cli.common import (
    GateFormat,
    assume_from_option,
    assume_option,
    chosen_pool,
    config_option,
    format_option,
    import_options,
    one_stdin,
    output_option,
    parameter_option,
    parse_assume,
    pool_argument,
    pool_id_option,
    renderer_for,
)
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.render.gate import LINT_RENDERERS

DEFAULT_IGNORE = Path(".rolesim-ignore.yaml")


class SeverityName(StrEnum):
    """Choices of --min-severity and --fail-on: click refuses any other before the lint runs."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class FailOn(StrEnum):
    """Choices of --fail-on: a severity, or never (report only)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    NEVER = "never"


def read_ignores(path: Path | None) -> tuple[IgnoreEntry, ...]:
    if path is None:
        return load_ignore(DEFAULT_IGNORE) if DEFAULT_IGNORE.is_file() else ()
    return load_ignore(path)


def lint(
    pool: Path | None = pool_argument(),
    config: Path | None = config_option(),
    fmt: GateFormat = format_option(GateFormat.TEXT, "The report's format."),
    output: Path | None = output_option(),
    min_severity: SeverityName = typer.Option(
        SeverityName.INFO,
        "--min-severity",
        case_sensitive=False,
        help="Report findings at or above this severity.",
    ),
    fail_on: FailOn = typer.Option(
        FailOn.ERROR,
        "--fail-on",
        case_sensitive=False,
        help="Exit 1 on findings at or above this severity; never: report only.",
    ),
    ignore_file: Path | None = typer.Option(
        None,
        "--ignore-file",
        metavar="FILE",
        help="Reviewed findings to suppress (default: .rolesim-ignore.yaml if present): "
        "ignore: [{id, path (glob), justification}].",
    ),
    assume: list[str] = assume_option(),
    assume_from: Path | None = assume_from_option(),
    parameter: list[str] = parameter_option(),
    pool_id: str | None = pool_id_option(),
) -> int:
    """Report findings about the pool configuration, each with its path (and line) in the file."""
    source = chosen_pool(pool, config, "lint")
    one_stdin([("POOL", source), ("--ignore-file", ignore_file)])
    renderer = renderer_for(LINT_RENDERERS, fmt, "lint")
    report = lint_file(
        source,
        assume=parse_assume(assume, assume_from),
        ignores=read_ignores(ignore_file),
        min_severity=Severity.parse(min_severity.value),
        options=import_options(parameter, pool_id),
    )
    with open_output(output, inputs=(source, ignore_file)) as stream:
        renderer.render(report, stream)
    if fail_on is FailOn.NEVER:
        return ExitCode.OK
    failing = report.failing(Severity.parse(fail_on.value))
    return ExitCode.FAILED if failing else ExitCode.OK


def register(app: typer.Typer) -> None:
    app.command("lint")(lint)
