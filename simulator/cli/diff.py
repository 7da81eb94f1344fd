"""`rolesim diff OLD NEW`: every kind of token whose outcome changes, with a witness each."""

from __future__ import annotations

import contextlib
import sys
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import typer

from simulator import inputs
from simulator.analysis.diff import diff_pools, load_accept
from simulator.analysis.graph import changed_graph
from simulator.cli.common import (
    GateFormat,
    assume_from_option,
    assume_option,
    budget_option,
    format_option,
    import_options,
    import_pool_source,
    jobs_option,
    one_stdin,
    output_option,
    parameter_option,
    parse_assume,
    pool_id_option,
    renderer_for,
)
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.importers.source import check_parameters
from simulator.model.load import pool_from_document
from simulator.render.gate import DIFF_RENDERERS
from simulator.render.terminal import printable


def diff(
    old: Path = typer.Argument(
        ...,
        metavar="OLD",
        show_default=False,
        help="The pool before the change: a pool file or a template (e.g. the base branch's); "
        "'-' reads stdin.",
    ),
    new: Path = typer.Argument(
        ...,
        metavar="NEW",
        show_default=False,
        help="The pool after the change (the same kinds of file); '-' reads stdin.",
    ),
    fmt: GateFormat = format_option(GateFormat.TEXT, "The report's format."),
    output: Path | None = output_option(),
    claims_file: Path | None = typer.Option(
        None,
        "--claims-file",
        metavar="FILE",
        help="A JSONL corpus of tokens to replay on both pools as well; '-' reads stdin.",
    ),
    accept: Path | None = typer.Option(
        None,
        "--accept",
        metavar="FILE",
        help="Reviewed changes: accept: [{id | provider/old/new, justification}]; exit 0 when "
        "every change is accepted.",
    ),
    seed: int = typer.Option(0, "--seed", metavar="N", help="Seed for sampling past the budget."),
    budget: int = budget_option(),
    assume: list[str] = assume_option("Switch a named assumption in both pools (repeatable)."),
    assume_from: Path | None = assume_from_option(),
    parameter: list[str] = parameter_option(),
    pool_id: str | None = pool_id_option(),
    jobs: int = jobs_option(),
) -> int:
    """Compare two pool files; exit 1 on any outcome change not listed in --accept."""
    one_stdin([("OLD", old), ("NEW", new), ("--claims-file", claims_file), ("--accept", accept)])
    renderer = renderer_for(DIFF_RENDERERS, fmt, "diff")
    pairs = parse_assume(assume, assume_from)
    options = import_options(parameter, pool_id)
    old_source = import_pool_source(old, options)
    new_source = import_pool_source(new, options)
    check_parameters(options, [old_source, new_source])
    for shared in dict.fromkeys(f for f in old_source.files if f in new_source.files):
        # Both versions read one file: a change to it is not compared (a serverless.yml copied
        # beside the new one reads the new one's includes).
        note = f"OLD and NEW both read {shared}: the diff compares no versions of it"
        print(
            f"rolesim: note: {printable(note)} (give two checkouts of the folder, e.g. with git "
            "worktree add)",
            file=sys.stderr,
        )
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
    if fmt is GateFormat.TEXT:  # the Markdown report shows the part that changed
        changes = [(c.path, c.provider) for c in report.changes]
        report = msgspec.structs.replace(report, graph=changed_graph(new_pool, changes))
    with open_output(output, inputs=(old, new, claims_file, accept)) as stream:
        renderer.render(report, stream)
    for number, problem in report.input_errors:
        where = inputs.source_name(claims_file) if claims_file is not None else "claims"
        print(f"rolesim: {printable(f'{where}:{number}: {problem}')}", file=sys.stderr)
    if report.input_errors:
        return ExitCode.BAD_INPUT
    return ExitCode.OK if report.passed else ExitCode.FAILED


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
