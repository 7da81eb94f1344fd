"""`rolesim simulate`: one decision explained, or a JSONL corpus to one JSON line each."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from simulator import inputs
from simulator.access import AccessRequest
from simulator.batch import read_access_requests, simulate_json
from simulator.claims import read_claims
from simulator.cli.common import (
    POOL_HELP,
    jobs_option,
    load_iam_file,
    load_pool_option,
    parameter_option,
    parse_assume,
    parse_context,
    pool_id_option,
)
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output, stderr_console
from simulator.errors import UsageError
from simulator.model import IdentityPool
from simulator.render.base import OutputFormat, pick
from simulator.render.decision_text import SIMULATE_RENDERERS
from simulator.render.terminal import printable
from simulator.request import NO_TOKEN, Flow, LoginRequest
from simulator.simulate import simulate as simulate_request

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


def simulate(
    config: Path = typer.Option(..., "--config", "-c", help=POOL_HELP),
    parameter: list[str] = parameter_option(),
    pool_id: str | None = pool_id_option(),
    claims: str | None = typer.Option(
        None,
        "--claims",
        help="A file with claims JSON, a raw JWT or an initiate-auth response; '-' reads stdin. "
        "Decoded claims may also be written inline as a JSON object; a token may not (it is a "
        "secret: give a file or stdin).",
    ),
    claims_file: Path | None = typer.Option(
        None, "--claims-file", help="A JSONL corpus: one claims object (or JWT string) per line."
    ),
    unauthenticated: bool = typer.Option(
        False, "--unauthenticated", help="Simulate a guest identity."
    ),
    provider: str | None = typer.Option(
        None, "--provider", help="The Logins key, instead of deriving it from iss."
    ),
    custom_role_arn: str | None = typer.Option(
        None, "--custom-role-arn", help="GetCredentialsForIdentity's CustomRoleArn."
    ),
    identity_id: str | None = typer.Option(
        None, "--identity-id", help="The identity id (cognito-identity.amazonaws.com:sub)."
    ),
    flow: Flow = typer.Option(
        Flow.ENHANCED, "--flow", help="enhanced (GetCredentialsForIdentity) or basic (classic)."
    ),
    role_arn: str | None = typer.Option(
        None, "--role-arn", help="Basic flow: the role the application asks STS for."
    ),
    jwks: str | None = typer.Option(
        None, "--jwks", help="Verify the JWT's signature and expiry against this JWKS file."
    ),
    action: str | None = typer.Option(
        None, "--action", help="Evaluate this API action with the credentials (needs IAM data)."
    ),
    resource: str | None = typer.Option(None, "--resource", help="The resource ARN of --action."),
    context: list[str] = typer.Option(
        [], "--context", help="KEY=VALUE request context for --action (repeatable)."
    ),
    resource_tag: list[str] = typer.Option(
        [], "--resource-tag", help="KEY=VALUE tag of the resource (aws:ResourceTag/KEY)."
    ),
    requests: Path | None = typer.Option(
        None, "--requests", help="JSONL of {action, resource, context} to evaluate."
    ),
    iam: Path | None = typer.Option(
        None, "--iam", help="IAM data: an `aws iam get-account-authorization-details` output."
    ),
    assume: list[str] = typer.Option(
        [], "--assume", help="NAME=CHOICE: switch a named assumption (repeatable)."
    ),
    fmt: OutputFormat = typer.Option(OutputFormat.TEXT, "--format", "-f", help="text or json."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write here instead of stdout."
    ),
    jobs: int = jobs_option(),
) -> int:
    """Predict the role, session tags or error the identity pool returns for a token, explained."""
    sources = sum(x is not None for x in (claims, claims_file, True if unauthenticated else None))
    if sources != 1:
        raise UsageError("give exactly one of --claims, --claims-file or --unauthenticated")
    if flow is Flow.BASIC and role_arn is None:
        raise UsageError(
            "--flow basic needs --role-arn: in the classic flow the application picks the role"
        )
    if flow is Flow.ENHANCED and role_arn is not None:
        raise UsageError(
            "--role-arn applies to --flow basic; the enhanced flow picks the role itself"
        )
    pool = load_pool_option(config, parse_assume(assume), parameter, pool_id)
    iam_data = load_iam_file(iam) if iam is not None else pool.iam
    access = _access_requests(action, resource, context, resource_tag, requests)
    if access and iam_data is None:
        raise UsageError(
            f"--action and --requests need IAM data: {pool.source} has no IamRoles; add them, "
            "or give --iam FILE"
        )
    base = LoginRequest(None, NO_TOKEN, provider, custom_role_arn, identity_id, flow, role_arn)
    now = datetime.now(tz=UTC)
    if claims_file is not None:
        if fmt is not OutputFormat.JSON:
            raise UsageError("--claims-file writes JSON lines; add --format json")
        if jwks:
            raise UsageError("--jwks verifies one token given with --claims")
        return _batch(pool, claims_file, base, output, now, jobs)
    renderer = pick(SIMULATE_RENDERERS, fmt, "simulate")
    request = base
    if not unauthenticated:
        assert claims is not None
        parsed, info = read_claims(claims, jwks_path=jwks, stdin=sys.stdin)
        source = "<stdin>" if claims == "-" else claims
        request = replace(base, claims=parsed, info=info, source=source)
    result = simulate_request(pool, request, iam=iam_data, requests=access, now=now)
    with open_output(output, inputs=(config, claims, jwks, requests, iam)) as stream:
        renderer.render(result, stream)
    return ExitCode.OK


def _access_requests(
    action: str | None,
    resource: str | None,
    context: list[str],
    resource_tags: list[str],
    requests: Path | None,
) -> list[AccessRequest]:
    if (action is None) != (resource is None):
        raise UsageError("--action and --resource go together")
    if (context or resource_tags) and action is None:
        raise UsageError("--context and --resource-tag describe the request of --action")
    out: list[AccessRequest] = []
    if action is not None and resource is not None:
        ctx = parse_context(context)
        for key, value in parse_context(resource_tags, "--resource-tag").items():
            ctx[f"aws:ResourceTag/{key}"] = value
        out.append(AccessRequest(action, resource, ctx))
    if requests is not None:
        out.extend(read_access_requests(requests))
    return out


def _batch(
    pool: IdentityPool,
    path: Path,
    base: LoginRequest,
    output: Path | None,
    now: datetime,
    jobs: int,
) -> int:
    bad = 0
    with (
        inputs.open_lines(path, inputs.CORPUS_LINE) as handle,
        open_output(output, inputs=(path, pool.source)) as out,
    ):
        progress = _progress(path)
        with progress or contextlib.nullcontext():
            task = progress.add_task("simulating", total=path.stat().st_size) if progress else None
            lines = _counting(handle, progress, task)
            for written in simulate_json(pool, lines, base, now=now, jobs=jobs):
                for number, problem in written.problems:
                    bad += 1
                    print(f"rolesim: {printable(f'{path}:{number}: {problem}')}", file=sys.stderr)
                out.write(written.text)
    return ExitCode.BAD_INPUT if bad else ExitCode.OK


def _progress(path: Path) -> Progress | None:
    """A progress bar on stderr when it is a terminal; stdout carries only the JSON lines."""
    if not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, Progress, TextColumn, TransferSpeedColumn

    return Progress(
        TextColumn(f"[bold]{path.name}"), BarColumn(), TransferSpeedColumn(), transient=True,
        console=stderr_console(),
    )  # fmt: skip


def _counting(
    lines: Iterator[bytes], progress: Progress | None, task: TaskID | None
) -> Iterator[bytes]:
    for line in lines:
        if progress is not None and task is not None:
            progress.advance(task, len(line))
        yield line


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
