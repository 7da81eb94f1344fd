"""`rolesim check POOL --invariants FILE`: exact analysis and search for broken invariants."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from simulator import inputs
from simulator.analysis.invariants import SearchSettings, check_pool, load_invariants
from simulator.cli.common import (
    GateFormat,
    assume_from_option,
    assume_option,
    budget_option,
    chosen_pool,
    config_option,
    format_option,
    load_pool_option,
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
from simulator.render.gate import CHECK_RENDERERS


def check(
    pool: Path | None = pool_argument(),
    config: Path | None = config_option(),
    invariants: Path = typer.Option(
        ...,
        "--invariants",
        "-i",
        metavar="FILE",
        help="The invariants file (YAML, examples/invariants/README.md); '-' reads stdin.",
    ),
    fmt: GateFormat = format_option(GateFormat.TEXT, "The report's format."),
    output: Path | None = output_option(),
    examples: int = typer.Option(
        200, "--examples", min=1, metavar="N", help="Hypothesis examples per searched invariant."
    ),
    seed: int = typer.Option(
        0, "--seed", metavar="N", help="Seed for the search and any sampling."
    ),
    budget: int = budget_option(),
    assume: list[str] = assume_option(),
    assume_from: Path | None = assume_from_option(),
    parameter: list[str] = parameter_option(),
    pool_id: str | None = pool_id_option(),
) -> int:
    """Check stated invariants; exit 1 when one is broken, with a counterexample token."""
    source = chosen_pool(pool, config, "check")
    one_stdin([("POOL", source), ("--invariants", invariants)])
    renderer = renderer_for(CHECK_RENDERERS, fmt, "check")
    loaded = load_pool_option(source, parse_assume(assume, assume_from), parameter, pool_id)
    stated = load_invariants(invariants)
    report = check_pool(
        loaded,
        stated,
        settings=SearchSettings(examples=examples, seed=seed, budget=budget, now=datetime.now(UTC)),
        invariants_source=inputs.source_name(invariants),
    )
    with open_output(output, inputs=(source, invariants)) as stream:
        renderer.render(report, stream)
    return ExitCode.OK if report.passed else ExitCode.FAILED


def register(app: typer.Typer) -> None:
    app.command("check")(check)
