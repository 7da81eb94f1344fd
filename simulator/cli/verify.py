"""`rolesim verify`: predict, run the real flow with boto3, compare (CONTRACT §7)."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import IO

import typer
from rich.console import Console
from rich.text import Text

from simulator import inputs
from simulator.claims import token_argument
from simulator.cli.common import load_pool_option, parse_assume
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.errors import UsageError
from simulator.live.redact import Redactor
from simulator.live.session import AwsClients, AwsSettings, RetryMode
from simulator.live.signin import sign_in
from simulator.live.verify import (
    LoginSource,
    VerifyOptions,
    VerifyReport,
    VerifyResult,
    read_id_token,
    verify,
)
from simulator.model import IdentityPool
from simulator.render.base import JsonRenderer, OutputFormat, Renderer, console_for, pick

PASSWORD_ENV = "ROLESIM_PASSWORD"
CLIENT_SECRET_ENV = "ROLESIM_CLIENT_SECRET"


class Flow(StrEnum):
    ENHANCED = "enhanced"
    BASIC = "basic"


class Retry(StrEnum):
    STANDARD = "standard"
    ADAPTIVE = "adaptive"


class VerifyText(Renderer[VerifyReport]):
    """One block per login: the verdict, both sides, and every difference."""

    def render(self, result: VerifyReport, stream: IO[str]) -> None:
        console = console_for(stream)
        for item in result.results:
            _render_one(console, item)


def _render_one(console: Console, item: VerifyResult) -> None:
    verdict = ("MATCH", "green") if item.match else ("MISMATCH", "red")
    who = item.login + (f" (token {item.token})" if item.token else "")
    console.print(Text.assemble(verdict, f"  {who}"))
    p, live = item.predicted, item.live
    predicted = (
        f"role {p.role_arn} ({p.decided_by.kind})"
        if p.role_arn
        else f"error {p.error.code if p.error else '?'}: {p.error.message if p.error else ''}"
    )
    console.print(f"  predicted: {predicted}")
    if live.error is not None:
        aws = f"error {live.error.code}: {live.error.message} ({live.error.operation})"
    else:
        aws = f"role {live.role_arn} (caller {live.assumed_role_arn})"
    console.print(f"  AWS:       {aws}")
    if p.role_arn:
        console.print(f"  predicted tags: {dict(p.principal_tags)}")
    if live.principal_tags is not None:
        console.print(f"  AWS tags:       {dict(live.principal_tags)}")
    if live.amr is not None:
        console.print(f"  amr:            {list(live.amr)}")
    for note in live.notes:
        console.print(f"  note: {note}")
    for uncertain in p.uncertain:
        console.print(f"  assumption {uncertain.assumption}: {uncertain.detail}")
    for difference in item.differences:
        console.print(Text.assemble("  ", ("difference:", "red"), f" {difference}"))


RENDERERS: dict[OutputFormat, Renderer[VerifyReport]] = {
    OutputFormat.TEXT: VerifyText(),
    OutputFormat.JSON: JsonRenderer(),
}


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
    config: Path = typer.Option(..., "--config", "-c", help="The pool file (CONTRACT §2)."),
    id_token: list[str] = typer.Option(
        [],
        "--id-token",
        help="A file with an ID token (JWT or initiate-auth response); '-' reads stdin. "
        "Repeat for a matrix: one report. Never the token itself: it is a secret.",
    ),
    username: str | None = typer.Option(
        None, "--username", help="Sign in to the user pool (USER_PASSWORD_AUTH) as this user."
    ),
    password_stdin: bool = typer.Option(
        False,
        "--password-stdin",
        help=f"Read the password from stdin (else from {PASSWORD_ENV}); never a flag value.",
    ),
    client_id: str | None = typer.Option(
        None, "--client-id", help="App client for --username (default: the pool's only one)."
    ),
    unauthenticated: bool = typer.Option(
        False, "--unauthenticated", help="Verify a guest identity."
    ),
    provider: str | None = typer.Option(
        None, "--provider", help="The Logins key, instead of deriving it from iss."
    ),
    custom_role_arn: str | None = typer.Option(
        None, "--custom-role-arn", help="GetCredentialsForIdentity's CustomRoleArn."
    ),
    flow: Flow = typer.Option(Flow.ENHANCED, "--flow", help="enhanced or basic (classic)."),
    role_arn: str | None = typer.Option(
        None, "--role-arn", help="Basic flow: the role the application asks STS for."
    ),
    assume: list[str] = typer.Option(
        [], "--assume", help="NAME=CHOICE: switch a named assumption (repeatable)."
    ),
    region: str | None = typer.Option(None, "--region", help="AWS region (default: the pool's)."),
    profile: str | None = typer.Option(None, "--profile", help="AWS profile for signed calls."),
    endpoint_url: str | None = typer.Option(
        None, "--endpoint-url", help="Send every AWS call here (emulators)."
    ),
    retry_mode: Retry = typer.Option(Retry.STANDARD, "--retry-mode", help="botocore retry mode."),
    fmt: OutputFormat = typer.Option(OutputFormat.TEXT, "--format", "-f", help="text or json."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here, not stdout."),
) -> int:
    """Run the real identity-pool flow and check it against rolesim's prediction."""
    chosen = sum((bool(id_token), username is not None, unauthenticated))
    if chosen != 1:
        raise UsageError("give exactly one of --id-token, --username or --unauthenticated")
    if flow is Flow.BASIC and role_arn is None:
        raise UsageError(
            "--flow basic needs --role-arn: in the classic flow the app picks the role"
        )
    if flow is Flow.ENHANCED and role_arn is not None:
        raise UsageError("--role-arn applies to --flow basic")
    if password_stdin and id_token.count("-"):
        raise UsageError("--password-stdin and --id-token - cannot both read stdin")
    renderer = pick(RENDERERS, fmt, "verify")
    pool = load_pool_option(config, parse_assume(assume))
    retry: RetryMode = "adaptive" if retry_mode is Retry.ADAPTIVE else "standard"
    clients = AwsClients(
        AwsSettings(region=region, profile=profile, endpoint_url=endpoint_url, retry_mode=retry)
    )
    redactor = Redactor()
    sources = _sources(pool, clients, redactor, id_token, username, password_stdin, client_id)
    if provider is not None:
        sources = [LoginSource(s.label, s.token, provider) for s in sources]
    report = verify(
        pool,
        sources,
        clients,
        VerifyOptions(flow=flow.value, custom_role_arn=custom_role_arn, basic_role_arn=role_arn),
        redactor=redactor,
    )
    with open_output(output, inputs=(config, *id_token)) as stream:
        renderer.render(report, stream)
    differing = sum(not r.match for r in report.results)
    if differing:
        print(
            f"rolesim: verify: {differing} of {len(report.results)} login(s) differ from the "
            "prediction",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    return ExitCode.OK


def _sources(
    pool: IdentityPool,
    clients: AwsClients,
    redactor: Redactor,
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
            redactor=redactor,
            region=user_pool_region,
        )
        return [LoginSource(f"user {username}", token)]
    if not id_token:
        return [LoginSource.guest()]
    sources = []
    for path in id_token:
        if path == "-":
            text, label = inputs.read_stream(sys.stdin, "<stdin>", inputs.CLAIMS), "<stdin>"
        else:
            label = path
            text = token_argument(path, "--id-token")
        token = read_id_token(text, label)
        redactor.add(token)
        sources.append(LoginSource(label, token))
    return sources


def register(app: typer.Typer) -> None:
    app.command("verify")(verify_command)
