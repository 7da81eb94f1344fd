"""`rolesim policy eval`: the IAM evaluation engine on its own (CONTRACT §6)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import typer

from simulator import inputs
from simulator.assumptions import AssumptionSet
from simulator.cli.common import jobs_option, parse_assume, parse_context
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.errors import UsageError
from simulator.iam import Request, SessionPrincipal
from simulator.policy_eval import PolicyInputs, evaluate_json, evaluate_results, policy_file
from simulator.render.base import OutputFormat, pick
from simulator.render.policy_text import POLICY_RENDERERS
from simulator.render.terminal import printable

policy_app = typer.Typer(
    name="policy",
    help="IAM policy evaluation without an identity pool.",
    no_args_is_help=True,
    add_completion=False,
)


def parse_assumptions(items: Sequence[str]) -> AssumptionSet:
    """`--assume NAME=CHOICE`, checked against the one registry; only IAM-side names matter here."""
    return AssumptionSet.parse(parse_assume(list(items)))


def _lines(path: Path) -> Iterator[bytes]:
    with inputs.open_lines(path, inputs.REQUEST_LINE) as lines:
        yield from lines


def _batch(
    path: Path,
    plan: tuple[PolicyInputs, SessionPrincipal | None, AssumptionSet, str],
    fmt: OutputFormat,
    output: Path | None,
    read: Sequence[Path | None],
    jobs: int,
) -> int:
    bad = 0
    renderer = pick(POLICY_RENDERERS, fmt, "policy eval")
    with open_output(output, inputs=(path, *read)) as out:
        if fmt is OutputFormat.JSON:
            for written in evaluate_json(_lines(path), plan, jobs=jobs):
                for number, problem in written.problems:
                    bad += 1
                    _refused(path, number, problem)
                out.write(written.text)
            return ExitCode.BAD_INPUT if bad else ExitCode.OK
        for result in evaluate_results(_lines(path), plan, jobs=jobs):
            if result.decision is None:
                bad += 1
                _refused(path, result.line, result.problem)
                continue
            out.write(f"line {result.line}:\n")
            renderer.render(result.decision, out)
    return ExitCode.BAD_INPUT if bad else ExitCode.OK


def _refused(path: Path, number: int, problem: str | None) -> None:
    print(f"rolesim: {printable(f'{path}:{number}: {problem}')}", file=sys.stderr)


# --- the command --------------------------------------------------------------------------------


@policy_app.command("eval")
def eval_command(
    policy: list[Path] = typer.Option(
        [], "--policy", "-p", help="Identity policy file, JSON or YAML (repeatable)."
    ),
    permissions_boundary: Path | None = typer.Option(
        None, "--permissions-boundary", help="Permissions boundary file."
    ),
    session_policy: list[Path] = typer.Option(
        [], "--session-policy", help="Session policy file (repeatable)."
    ),
    resource_policy: Path | None = typer.Option(
        None, "--resource-policy", help="Resource-based policy file."
    ),
    scp: list[Path] = typer.Option(
        [], "--scp", help="Service control policy file, one per level (repeatable)."
    ),
    principal_arn: str | None = typer.Option(
        None, "--principal-arn", help="The caller's role ARN, for a resource policy's Principal."
    ),
    session_name: str = typer.Option(
        "CognitoIdentityCredentials", "--session-name", help="The caller's role session name."
    ),
    action: str | None = typer.Option(
        None, "--action", "-a", help="The action, e.g. s3:GetObject."
    ),
    resource: str | None = typer.Option(None, "--resource", "-r", help="The resource ARN."),
    context: list[str] = typer.Option(
        [],
        "--context",
        help="KEY=VALUE request context (repeatable; a key given twice is multivalued).",
    ),
    requests: Path | None = typer.Option(
        None, "--requests", help="JSON lines, one request each (CONTRACT §6)."
    ),
    assume: list[str] = typer.Option(
        [], "--assume", help="NAME=CHOICE: switch an IAM named assumption."
    ),
    fmt: OutputFormat = typer.Option(OutputFormat.TEXT, "--format", "-f", help="text or json."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write here instead of stdout."
    ),
    jobs: int = jobs_option(),
) -> int:
    """Decide whether policies allow an action on a resource, and explain which statements decided."""
    assumptions = parse_assumptions(assume)
    pick(POLICY_RENDERERS, fmt, "policy eval")
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
        plan = (base, principal, assumptions, str(requests))
        return _batch(requests, plan, fmt, output, read, jobs)
    assert action is not None
    assert resource is not None
    decision = base.decide(
        Request(action, resource, parse_context(context)), principal, assumptions
    )
    with open_output(output, inputs=read) as stream:
        POLICY_RENDERERS[fmt].render(decision, stream)
    return ExitCode.OK


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
