"""`rolesim diff OLD NEW`: every kind of token whose outcome changes, with a witness each."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import typer

from simulator.analysis.diff import diff_pools, load_accept
from simulator.cli.common import ASSUME_FROM, parse_assume
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.errors import ClaimsError
from simulator.model.document import read_file
from simulator.model.load import pool_from_document
from simulator.render.base import OutputFormat, pick
from simulator.render.gate import DIFF_RENDERERS


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
    assume_from: Path | None = ASSUME_FROM,
) -> int:
    """Compare two pool files; exit 1 on any outcome change not listed in --accept."""
    renderer = pick(DIFF_RENDERERS, fmt, "diff")
    pairs = parse_assume(assume, assume_from)
    old_pool = pool_from_document(read_file(old), assume=pairs)
    new_doc = read_file(new)
    new_pool = pool_from_document(new_doc, assume=pairs)
    accepted = load_accept(accept) if accept is not None else None
    with contextlib.ExitStack() as stack:
        corpus = None
        if claims_file is not None:
            try:
                handle = stack.enter_context(claims_file.open(encoding="utf-8"))
            except OSError as exc:
                raise ClaimsError(f"cannot read: {exc.strerror}", source=str(claims_file)) from None
            corpus = _lines(handle, str(claims_file))  # streamed: a population can be large
        report = diff_pools(
            old_pool, new_pool, corpus=corpus, corpus_name=str(claims_file), accept=accepted,
            budget=budget, seed=seed, new_doc=new_doc, now=datetime.now(UTC),
        )  # fmt: skip
    with open_output(output) as stream:
        renderer.render(report, stream)
    return ExitCode.OK if report.passed else ExitCode.FAILED


def _lines(handle: IO[str], source: str) -> Iterator[str]:
    try:
        yield from handle
    except UnicodeDecodeError:
        raise ClaimsError("not a UTF-8 text file", source=source) from None


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
