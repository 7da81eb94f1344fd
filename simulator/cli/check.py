"""`rolesim check POOL --invariants FILE`: exact analysis and search for broken invariants."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from simulator.analysis.invariants import SearchSettings, check_pool, load_invariants
from simulator.cli.common import (
    ASSUME_FROM,
    POOL_HELP,
    load_pool_option,
    parameter_option,
    parse_assume,
    pool_id_option,
)
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.render.base import OutputFormat, pick
from simulator.render.gate import CHECK_RENDERERS


def check(
    pool: Path = typer.Argument(..., help=POOL_HELP),
    invariants: Path = typer.Option(..., "--invariants", "-i", help="The invariants file (YAML)."),
    fmt: OutputFormat = typer.Option(
        OutputFormat.TEXT, "--format", "-f", help="text, json, sarif or junit."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write here instead of stdout."
    ),
    examples: int = typer.Option(
        200, "--examples", min=1, help="Hypothesis examples per searched invariant."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed for the search and any sampling."),
    budget: int = typer.Option(
        20_000, "--budget", min=1, help="Probes before exact analysis falls back to sampling."
    ),
    assume: list[str] = typer.Option(
        [], "--assume", help="NAME=CHOICE: switch a named assumption (repeatable)."
    ),
    assume_from: Path | None = ASSUME_FROM,
    parameter: list[str] = parameter_option(),
    pool_id: str | None = pool_id_option(),
) -> int:
    """Check stated invariants; exit 1 when one is broken, with a counterexample token."""
    renderer = pick(CHECK_RENDERERS, fmt, "check")
    loaded = load_pool_option(pool, parse_assume(assume, assume_from), parameter, pool_id)
    stated = load_invariants(invariants)
    report = check_pool(
        loaded,
        stated,
        settings=SearchSettings(examples=examples, seed=seed, budget=budget, now=datetime.now(UTC)),
        invariants_source=str(invariants),
    )
    with open_output(output, inputs=(pool, invariants)) as stream:
        renderer.render(report, stream)
    return ExitCode.OK if report.passed else ExitCode.FAILED


def register(app: typer.Typer) -> None:
    app.command("check")(check)
