"""`rolesim verify`: predict, run the real flow with boto3, compare (CONTRACT §7)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from simulator import inputs
from simulator.claims import token_argument
from simulator.cli import live_options
from simulator.cli.common import (
    TextJson,
    assume_from_option,
    assume_option,
    check_flow,
    chosen_pool,
    config_option,
    format_option,
    load_pool_option,
    one_stdin,
    output_option,
    parameter_option,
    parse_assume,
    pool_argument,
    pool_id_option,
    renderer_for,
)
from simulator.cli.errors import json_errors
from simulator.cli.exit_codes import ExitCode
from simulator.cli.invocation import quiet
from simulator.cli.output import open_output
from simulator.errors import UsageError
from simulator.live.session import AwsClients
from simulator.live.signin import sign_in
from simulator.live.verify import (
    LoginSource,
    read_id_token,
    verify,
)
from simulator.model import IdentityPool
from simulator.model.load import IDENTITY_POOL_ID
from simulator.render.verify_text import VERIFY_RENDERERS
from simulator.request import NO_TOKEN, Flow, LoginRequest

PASSWORD_ENV = "ROLESIM_PASSWORD"
CLIENT_SECRET_ENV = "ROLESIM_CLIENT_SECRET"


def _client_id(pool: IdentityPool, given: str | None) -> tuple[str, str]:
    """The app client to sign in with, and the user pool's region."""
    # A user pool provider is cognito-idp.<region>.amazonaws.com/<pool id>.
    pairs = [(p.client_id, p.provider_name.split(".")[1]) for p in pool.cognito_providers]
    if given is not None:
        # A client the identity pool does not list is still worth verifying: AWS refuses it.
        regions = [region for configured, region in pairs if configured == given]
        regions += (
            sorted({region for _, region in pairs}) if len({r for _, r in pairs}) == 1 else []
        )
        return given, (regions or [pool.region])[0]
    if len(pairs) != 1:
        raise UsageError(
            f"{pool.source} names {len(pairs)} user-pool app clients; choose one with --client-id"
        )
    return pairs[0]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = os.environ.get(PASSWORD_ENV, "")
    if not password:
        raise UsageError(
            f"--username needs a password: pipe it with --password-stdin or set {PASSWORD_ENV}"
        )
    return password


def verify_command(
    ctx: typer.Context,
    pool_path: Path | None = pool_argument(),
    config: Path | None = config_option(),
    parameter: list[str] = parameter_option(),
    pool_id: str | None = pool_id_option(),
    id_token: list[str] = typer.Option(
        [],
        "--id-token",
        metavar="FILE",
        help="A file with an ID token (JWT or initiate-auth response); '-' reads stdin. "
        "Repeat for a matrix: one report. Never the token itself: it is a secret.",
    ),
    username: str | None = typer.Option(
        None,
        "--username",
        metavar="NAME",
        help="Sign in to the user pool (USER_PASSWORD_AUTH) as this user.",
    ),
    password_stdin: bool = typer.Option(
        False,
        "--password-stdin",
        help=f"Read the password from stdin (else from {PASSWORD_ENV}); never a flag value.",
    ),
    client_id: str | None = typer.Option(
        None,
        "--client-id",
        metavar="ID",
        help="App client for --username (default: the pool's only one).",
    ),
    unauthenticated: bool = typer.Option(
        False, "--unauthenticated", help="Verify a guest identity."
    ),
    provider: str | None = typer.Option(
        None, "--provider", metavar="NAME", help="The Logins key, instead of deriving it from iss."
    ),
    custom_role_arn: str | None = typer.Option(
        None, "--custom-role-arn", metavar="ARN", help="GetCredentialsForIdentity's CustomRoleArn."
    ),
    flow: Flow = typer.Option(Flow.ENHANCED, "--flow", help="enhanced or basic (classic)."),
    role_arn: str | None = typer.Option(
        None, "--role-arn", metavar="ARN", help="Basic flow: the role the application asks STS for."
    ),
    assume: list[str] = assume_option(),
    assume_from: Path | None = assume_from_option(),
    region: str | None = live_options.REGION,
    profile: str | None = live_options.PROFILE,
    endpoint_url: str | None = live_options.ENDPOINT_URL,
    allow_insecure_http: bool = live_options.ALLOW_INSECURE_HTTP,
    retry_mode: live_options.Retry = live_options.RETRY_MODE,
    fmt: TextJson = format_option(
        TextJson.TEXT, "The report's format; json also for failures (an error object)."
    ),
    output: Path | None = output_option(),
) -> int:
    """Run the real identity-pool flow and check it against rolesim's prediction."""
    with json_errors(fmt is TextJson.JSON):
        config = chosen_pool(pool_path, config, "verify")
        readers = [("POOL", config), *(("--id-token", t) for t in id_token)]
        one_stdin([*readers, ("--password-stdin", "-" if password_stdin else None)])
        chosen = sum((bool(id_token), username is not None, unauthenticated))
        if chosen != 1:
            raise UsageError("give exactly one of --id-token, --username or --unauthenticated")
        check_flow(flow, role_arn)
        renderer = renderer_for(VERIFY_RENDERERS, fmt, "verify")
        pairs = parse_assume(assume, assume_from)
        clients = live_options.live_clients(
            ctx, region, profile, endpoint_url, allow_insecure_http, retry_mode
        )
        pool = load_pool_option(config, pairs, parameter, pool_id)
        if not IDENTITY_POOL_ID.fullmatch(pool.identity_pool_id):
            # A template's pool id is a placeholder until deployed (IMPORT.md D4).
            origin = (pool.origins or {}).get(("IdentityPoolId",))
            # The name --parameter takes: a Terraform address, else the template's logical id.
            logical = (origin.construct if origin is not None else None) or (
                pool.identity_pool_id.split(":", 1)[-1]
            )
            raise UsageError(
                f"{config}: the identity pool id {pool.identity_pool_id} is a placeholder; give the "
                f"deployed pool's id with --parameter {logical}=<region>:<guid>"
            )
        with clients:
            sources = _sources(pool, clients, id_token, username, password_stdin, client_id)
            if provider is not None:
                sources = [LoginSource(s.label, s.token, provider) for s in sources]
            base = LoginRequest(None, NO_TOKEN, None, custom_role_arn, None, flow, role_arn)
            report = verify(pool, sources, clients, base)
        with open_output(output, inputs=(config, *id_token)) as stream:
            renderer.render(report, stream)
        differing = sum(not r.match for r in report.results)
        if differing and not quiet():
            print(
                f"rolesim: verify: {differing} of {len(report.results)} login(s) differ from the "
                "prediction",
                file=sys.stderr,
            )
        return ExitCode.FAILED if differing else ExitCode.OK


def _sources(
    pool: IdentityPool,
    clients: AwsClients,
    id_token: list[str],
    username: str | None,
    password_stdin: bool,
    client_id: str | None,
) -> list[LoginSource]:
    if username is not None:
        chosen, user_pool_region = _client_id(pool, client_id)
        password = _password(password_stdin)
        token = sign_in(
            clients.client("cognito-idp", clients.settings.region or user_pool_region),
            client_id=chosen,
            username=username,
            password=password,
            client_secret=os.environ.get(CLIENT_SECRET_ENV) or None,
            redactor=clients.redactor,
            region=user_pool_region,
        )
        return [LoginSource(f"user {username}", token)]
    if not id_token:
        return [LoginSource.guest()]
    sources = []
    for path in id_token:
        label = inputs.source_name(path)
        text = token_argument(path, "--id-token")
        token = read_id_token(text, label)
        clients.redactor.add(token)
        sources.append(LoginSource(label, token))
    return sources


def register(app: typer.Typer) -> None:
    app.command("verify")(verify_command)
