"""`rolesim policy eval`: the IAM evaluation engine on its own (CONTRACT §6)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import typer

from simulator import inputs
from simulator.assumptions import AssumptionSet
from simulator.cli.common import (
    Tally,
    TextJson,
    assume_from_option,
    assume_option,
    batch_progress,
    format_option,
    jobs_option,
    one_stdin,
    output_option,
    parse_assume,
    parse_context,
    print_summary,
    renderer_for,
)
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.errors import UsageError
from simulator.iam import Request, SessionPrincipal
from simulator.policy_eval import PolicyInputs, evaluate_json, evaluate_results, policy_file
from simulator.render.policy_text import POLICY_RENDERERS
from simulator.render.terminal import printable

policy_app = typer.Typer(
    name="policy",
    help="IAM policy evaluation without an identity pool.",
    no_args_is_help=True,
    add_completion=False,
)


def parse_assumptions(items: Sequence[str], assume_from: Path | None = None) -> AssumptionSet:
    """`--assume NAME=CHOICE`, checked against the one registry; only IAM-side names matter here."""
    return AssumptionSet.parse(parse_assume(list(items), assume_from))


def _lines(path: Path, tally: Tally) -> Iterator[bytes]:
    with (
        inputs.open_lines(path, inputs.REQUEST_LINE) as lines,
        batch_progress(path, lines) as shown,
    ):
        for line in shown:
            if line.strip():
                tally.lines += 1
            yield line


def _batch(
    path: Path,
    plan: tuple[PolicyInputs, SessionPrincipal | None, AssumptionSet, str],
    fmt: TextJson,
    output: Path | None,
    read: Sequence[Path | None],
    jobs: int,
) -> int:
    renderer = renderer_for(POLICY_RENDERERS, fmt, "policy eval")
    tally = Tally(inputs.source_name(path))
    with open_output(output, inputs=(path, *read)) as out:
        if fmt is TextJson.JSON:
            for written in evaluate_json(_lines(path, tally), plan, jobs=jobs):
                for number, problem in written.problems:
                    tally.bad += 1
                    _refused(tally.source, number, problem)
                for decision, n in written.counts:
                    tally.outcomes[decision.replace("_", " ")] += n
                out.write(written.text)
        else:
            for result in evaluate_results(_lines(path, tally), plan, jobs=jobs):
                if result.decision is None:
                    tally.bad += 1
                    _refused(tally.source, result.line, result.problem)
                    continue
                tally.add(result.decision.decision.replace("_", " "))
                out.write(f"line {result.line}:\n")
                renderer.render(result.decision, out)
    print_summary(tally)
    return ExitCode.BAD_INPUT if tally.bad else ExitCode.OK


def _refused(source: str, number: int, problem: str | None) -> None:
    print(f"rolesim: {printable(f'{source}:{number}: {problem}')}", file=sys.stderr)


# --- the command --------------------------------------------------------------------------------


@policy_app.command("eval")
def eval_command(
    policy: list[Path] = typer.Option(
        [],
        "--policy",
        "-p",
        metavar="FILE",
        help="Identity policy file, JSON or YAML (repeatable); '-' reads stdin.",
    ),
    permissions_boundary: Path | None = typer.Option(
        None, "--permissions-boundary", metavar="FILE", help="Permissions boundary file."
    ),
    session_policy: list[Path] = typer.Option(
        [], "--session-policy", metavar="FILE", help="Session policy file (repeatable)."
    ),
    resource_policy: Path | None = typer.Option(
        None, "--resource-policy", metavar="FILE", help="Resource-based policy file."
    ),
    scp: list[Path] = typer.Option(
        [],
        "--scp",
        metavar="FILE",
        help="Service control policy file, one per level (repeatable).",
    ),
    principal_arn: str | None = typer.Option(
        None,
        "--principal-arn",
        metavar="ARN",
        help="The caller's role ARN, for a resource policy's Principal.",
    ),
    session_name: str = typer.Option(
        "CognitoIdentityCredentials",
        "--session-name",
        metavar="NAME",
        help="The caller's role session name.",
    ),
    action: str | None = typer.Option(
        None, "--action", "-a", metavar="ACTION", help="The action, e.g. s3:GetObject."
    ),
    resource: str | None = typer.Option(
        None, "--resource", "-r", metavar="ARN", help="The resource ARN."
    ),
    context: list[str] = typer.Option(
        [],
        "--context",
        metavar="KEY=VALUE",
        help="Request context (repeatable; a key given twice is multivalued).",
    ),
    requests: Path | None = typer.Option(
        None,
        "--requests",
        metavar="FILE",
        help="JSON lines, one request each (README \"What the credentials can do\"); '-' reads "
        "stdin.",
    ),
    assume: list[str] = assume_option("Switch an IAM named assumption (repeatable)."),
    assume_from: Path | None = assume_from_option(),
    fmt: TextJson = format_option(
        TextJson.TEXT, "text or json (a JSON line each with --requests)."
    ),
    output: Path | None = output_option(),
    jobs: int = jobs_option(),
) -> int:
    """Decide whether policies allow an action on a resource, and explain which statements decided."""
    one_stdin(
        [("--policy", policy), ("--permissions-boundary", permissions_boundary),
         ("--session-policy", session_policy), ("--resource-policy", resource_policy),
         ("--scp", scp), ("--requests", requests)]
    )  # fmt: skip
    assumptions = parse_assumptions(assume, assume_from)
    renderer = renderer_for(POLICY_RENDERERS, fmt, "policy eval")
    if requests is not None and (action is not None or resource is not None or context):
        raise UsageError("give either --requests or --action/--resource/--context, not both")
    if requests is None and (action is None or resource is None):
        raise UsageError("give --action and --resource (or --requests FILE.jsonl)")
    base = PolicyInputs(
        identity=tuple(policy_file(p, "identity") for p in policy),
        boundary=policy_file(permissions_boundary, "boundary") if permissions_boundary else None,
        session=tuple(policy_file(p, "session") for p in session_policy),
        resource=policy_file(resource_policy, "resource") if resource_policy else None,
        scps=tuple(policy_file(p, "scp") for p in scp),
    )
    principal = SessionPrincipal(principal_arn, session_name or None) if principal_arn else None
    read = (*policy, permissions_boundary, *session_policy, resource_policy, *scp)
    if requests is not None:
        plan = (base, principal, assumptions, inputs.source_name(requests))
        return _batch(requests, plan, fmt, output, read, jobs)
    assert action is not None
    assert resource is not None
    decision = base.decide(
        Request(action, resource, parse_context(context)), principal, assumptions
    )
    with open_output(output, inputs=read) as stream:
        renderer.render(decision, stream)
    return ExitCode.OK


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
