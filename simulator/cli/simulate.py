"""`rolesim simulate`: one decision explained, or a JSONL corpus to one JSON line each."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import typer

from simulator import inputs
from simulator.access import AccessRequest
from simulator.claims import read_claims
from simulator.cli.common import (
    Tally,
    TextJson,
    assume_from_option,
    assume_option,
    batch_progress,
    check_flow,
    chosen_pool,
    config_option,
    format_option,
    jobs_option,
    load_iam_file,
    load_jwks,
    load_pool_option,
    one_stdin,
    output_option,
    parameter_option,
    parse_assume,
    parse_context,
    pool_argument,
    pool_id_option,
    print_summary,
    renderer_for,
)
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.errors import UsageError
from simulator.model import IdentityPool
from simulator.render.decision_text import SIMULATE_RENDERERS
from simulator.render.terminal import printable
from simulator.request import NO_TOKEN, Flow, LoginRequest
from simulator.simulate import simulate as simulate_request


def simulate(
    pool: Path | None = pool_argument(),
    config: Path | None = config_option(),
    parameter: list[str] = parameter_option(),
    pool_id: str | None = pool_id_option(),
    claims: str | None = typer.Option(
        None,
        "--claims",
        metavar="FILE",
        help="A file with claims JSON, a raw JWT or an initiate-auth response; '-' reads stdin. "
        "Decoded claims may also be written inline as a JSON object; a token may not (it is a "
        "secret: give a file or stdin).",
    ),
    claims_file: Path | None = typer.Option(
        None,
        "--claims-file",
        metavar="FILE",
        help='A JSONL corpus: one claims object, JWT string, {"claims": ..., options} or '
        "{\"unauthenticated\": true} per line; '-' reads stdin. Writes one JSON line each.",
    ),
    unauthenticated: bool = typer.Option(
        False, "--unauthenticated", help="Simulate a guest identity."
    ),
    provider: str | None = typer.Option(
        None, "--provider", metavar="NAME", help="The Logins key, instead of deriving it from iss."
    ),
    custom_role_arn: str | None = typer.Option(
        None, "--custom-role-arn", metavar="ARN", help="GetCredentialsForIdentity's CustomRoleArn."
    ),
    identity_id: str | None = typer.Option(
        None,
        "--identity-id",
        metavar="ID",
        help="The identity id (cognito-identity.amazonaws.com:sub).",
    ),
    flow: Flow = typer.Option(
        Flow.ENHANCED, "--flow", help="enhanced (GetCredentialsForIdentity) or basic (classic)."
    ),
    role_arn: str | None = typer.Option(
        None, "--role-arn", metavar="ARN", help="Basic flow: the role the application asks STS for."
    ),
    jwks: str | None = typer.Option(
        None,
        "--jwks",
        metavar="FILE|URL",
        help="Verify the JWT's signature and expiry against this JWKS: a file, '-' for stdin, or "
        "the issuer's https:// URL (…/.well-known/jwks.json, fetched and cached).",
    ),
    action: str | None = typer.Option(
        None,
        "--action",
        metavar="ACTION",
        help="Evaluate this API action with the credentials (needs IAM data).",
    ),
    resource: str | None = typer.Option(
        None, "--resource", metavar="ARN", help="The resource ARN of --action."
    ),
    context: list[str] = typer.Option(
        [], "--context", metavar="KEY=VALUE", help="Request context for --action (repeatable)."
    ),
    resource_tag: list[str] = typer.Option(
        [],
        "--resource-tag",
        metavar="KEY=VALUE",
        help="A tag of the resource (aws:ResourceTag/KEY; repeatable).",
    ),
    requests: Path | None = typer.Option(
        None,
        "--requests",
        metavar="FILE",
        help="JSONL of {action, resource, context} to evaluate; '-' reads stdin.",
    ),
    iam: Path | None = typer.Option(
        None,
        "--iam",
        metavar="FILE",
        help="IAM data: an `aws iam get-account-authorization-details` output; '-' reads stdin.",
    ),
    assume: list[str] = assume_option(),
    assume_from: Path | None = assume_from_option(),
    fmt: TextJson | None = format_option(
        None, "text (the default for one decision) or json; --claims-file writes JSON lines."
    ),
    output: Path | None = output_option(),
    jobs: int = jobs_option(),
) -> int:
    """Predict the role, session tags or error the identity pool returns for a token, explained."""
    source = chosen_pool(pool, config, "simulate")
    one_stdin(
        [("POOL", source), ("--claims", claims), ("--claims-file", claims_file), ("--jwks", jwks),
         ("--requests", requests), ("--iam", iam)]
    )  # fmt: skip
    sources = sum(x is not None for x in (claims, claims_file, True if unauthenticated else None))
    if sources != 1:
        raise UsageError("give exactly one of --claims, --claims-file or --unauthenticated")
    check_flow(flow, role_arn)
    if claims_file is not None:
        if fmt is TextJson.TEXT:
            raise UsageError("--claims-file writes JSON lines; --format text is for one decision")
        if jwks:
            raise UsageError("--jwks verifies one token given with --claims")
    renderer = renderer_for(SIMULATE_RENDERERS, fmt or TextJson.TEXT, "simulate")
    loaded = load_pool_option(source, parse_assume(assume, assume_from), parameter, pool_id)
    iam_data = load_iam_file(iam) if iam is not None else loaded.iam
    access = _access_requests(action, resource, context, resource_tag, requests)
    if access and iam_data is None:
        raise UsageError(
            f"--action and --requests need IAM data: {loaded.source} has no IamRoles; add them, "
            "or give --iam FILE"
        )
    base = LoginRequest(None, NO_TOKEN, provider, custom_role_arn, identity_id, flow, role_arn)
    now = datetime.now(tz=UTC)
    if claims_file is not None:
        return _batch(loaded, claims_file, base, output, now, jobs)
    request = base
    if not unauthenticated:
        assert claims is not None
        keys = load_jwks(jwks) if jwks else None
        parsed, info = read_claims(claims, jwks=keys)
        request = msgspec.structs.replace(
            base, claims=parsed, info=info, source=inputs.source_name(claims)
        )
    result = simulate_request(loaded, request, iam=iam_data, requests=access, now=now)
    with open_output(output, inputs=(source, claims, jwks, requests, iam)) as stream:
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
        from simulator.batch import read_access_requests

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
    from simulator.batch import simulate_json

    tally = Tally(inputs.source_name(path))
    with (
        inputs.open_lines(path, inputs.CORPUS_LINE) as handle,
        open_output(output, inputs=(path, pool.source)) as out,
        batch_progress(path, handle) as lines,
    ):
        for written in simulate_json(pool, _counted(lines, tally), base, now=now, jobs=jobs):
            for number, problem in written.problems:
                tally.bad += 1
                print(
                    f"rolesim: {printable(f'{tally.source}:{number}: {problem}')}", file=sys.stderr
                )
            tally.outcomes.update(dict(written.counts))
            out.write(written.text)
    print_summary(tally)
    return ExitCode.BAD_INPUT if tally.bad else ExitCode.OK


def _counted(lines: Iterator[bytes], tally: Tally) -> Iterator[bytes]:
    for line in lines:
        if line.strip():
            tally.lines += 1
        yield line


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
