"""`rolesim diff OLD NEW`: every kind of token whose outcome changes, with a witness each."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import typer

from simulator import inputs
from simulator.analysis.diff import diff_pools, load_accept
from simulator.cli.common import parse_assume
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.model.document import read_file
from simulator.model.load import pool_from_document
from simulator.render.base import OutputFormat, pick
from simulator.render.gate import DIFF_RENDERERS
from simulator.render.terminal import printable


def diff(
    old: Path = typer.Argument(..., help="The pool file before the change."),
    new: Path = typer.Argument(..., help="The pool file after the change."),
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
) -> int:
    """Compare two pool files; exit 1 on any outcome change not listed in --accept."""
    renderer = pick(DIFF_RENDERERS, fmt, "diff")
    pairs = parse_assume(assume)
    old_pool = pool_from_document(read_file(old), assume=pairs)
    new_doc = read_file(new)
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
            budget=budget, seed=seed, new_doc=new_doc,
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
