"""`rolesim policy eval`: the IAM evaluation engine on its own (CONTRACT §6)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import typer

from simulator import inputs
from simulator.assumptions import AssumptionSet
from simulator.batch import JSON_LINE
from simulator.cli.common import (
    Tally,
    TextJson,
    assume_from_option,
    assume_option,
    batch_progress,
    format_option,
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
from simulator.policy_eval import PolicyInputs, evaluate_lines, policy_file
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
    base: PolicyInputs,
    principal: SessionPrincipal | None,
    assumptions: AssumptionSet,
    fmt: TextJson,
    output: Path | None,
    read: Sequence[Path | None],
) -> int:
    renderer = renderer_for(POLICY_RENDERERS, fmt, "policy eval")
    tally = Tally(inputs.source_name(path))
    with open_output(output, inputs=(path, *read)) as out:
        results = evaluate_lines(
            _lines(path, tally), base, principal, assumptions, source=tally.source
        )
        for result in results:
            if result.decision is None:
                tally.bad += 1
                print(
                    f"rolesim: {printable(f'{tally.source}:{result.line}: {result.problem}')}",
                    file=sys.stderr,
                )
            else:
                tally.add(result.decision.decision.replace("_", " "))
            if fmt is TextJson.JSON:
                out.write(JSON_LINE.encode(result.to_json()) + "\n")
            elif result.decision is not None:
                out.write(f"line {result.line}:\n")
                renderer.render(result.decision, out)
    print_summary(tally)
    return ExitCode.BAD_INPUT if tally.bad else ExitCode.OK


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
        return _batch(requests, base, principal, assumptions, fmt, output, read)
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
