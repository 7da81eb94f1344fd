"""`rolesim diff OLD NEW`: every kind of token whose outcome changes, with a witness each."""

from __future__ import annotations

import contextlib
import sys
from datetime import UTC, datetime
from pathlib import Path

import typer

from simulator import inputs
from simulator.analysis.diff import diff_pools, load_accept
from simulator.cli.common import (
    import_options,
    import_pool_source,
    jobs_option,
    parameter_option,
    parse_assume,
    pool_id_option,
)
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.importers.source import check_parameters
from simulator.model.load import pool_from_document
from simulator.render.base import OutputFormat, pick
from simulator.render.gate import DIFF_RENDERERS
from simulator.render.terminal import printable


def diff(
    old: Path = typer.Argument(
        ..., help="The pool before the change: a pool file or a template (e.g. the base branch's)."
    ),
    new: Path = typer.Argument(..., help="The pool after the change (the same kinds of file)."),
    fmt: OutputFormat = typer.Option(
        OutputFormat.TEXT, "--format", "-f", help="text, json, sarif or junit."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write here instead of stdout."
    ),
    claims_file: Path | None = typer.Option(
        None, "--claims-file", help="A JSONL corpus of tokens to replay on both pools as well."
    ),
    accept: Path | None = typer.Option(
        None,
        "--accept",
        help="Reviewed changes: accept: [{id | provider/old/new, justification}]; exit 0 when "
        "every change is accepted.",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed for sampling past the budget."),
    budget: int = typer.Option(
        20_000, "--budget", min=1, help="Probes before exact analysis falls back to sampling."
    ),
    assume: list[str] = typer.Option(
        [], "--assume", help="NAME=CHOICE: switch a named assumption in both pools."
    ),
    parameter: list[str] = parameter_option(),
    pool_id: str | None = pool_id_option(),
    jobs: int = jobs_option(),
) -> int:
    """Compare two pool files; exit 1 on any outcome change not listed in --accept."""
    renderer = pick(DIFF_RENDERERS, fmt, "diff")
    pairs = parse_assume(assume)
    options = import_options(parameter, pool_id)
    old_source = import_pool_source(old, options)
    new_source = import_pool_source(new, options)
    check_parameters(options, [old_source, new_source])
    old_pool = pool_from_document(old_source.checked(), assume=pairs)
    new_doc = new_source.checked()
    new_pool = pool_from_document(new_doc, assume=pairs)
    accepted = load_accept(accept) if accept is not None else None
    with contextlib.ExitStack() as stack:
        corpus = (
            stack.enter_context(inputs.open_lines(claims_file, inputs.CORPUS_LINE))
            if claims_file is not None
            else None
        )
        report = diff_pools(
            old_pool, new_pool, corpus=corpus, accept=accepted,
            budget=budget, seed=seed, new_doc=new_doc, now=datetime.now(UTC), jobs=jobs,
        )  # fmt: skip
    with open_output(output, inputs=(old, new, claims_file, accept)) as stream:
        renderer.render(report, stream)
    for number, problem in report.input_errors:
        print(f"rolesim: {printable(f'{claims_file}:{number}: {problem}')}", file=sys.stderr)
    if report.input_errors:
        return ExitCode.BAD_INPUT
    return ExitCode.OK if report.passed else ExitCode.FAILED


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
