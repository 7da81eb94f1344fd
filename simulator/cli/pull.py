"""`rolesim pull`: a live identity pool, and optionally its IAM roles, as a pool file; or, with
--users, a user pool's users as a claims corpus (one JSON line per user)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from simulator.cli import live_options
from simulator.cli.common import format_option, output_option
from simulator.cli.errors import json_errors
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output, stderr_console
from simulator.errors import UsageError
from simulator.live.pull import dump_pool_document, pull_pool
from simulator.live.session import AwsClients, pool_region
from simulator.live.users import (
    OnlyRead,
    UsersPull,
    identity_pool_clients,
    pull_users,
    user_pool_region,
)
from simulator.model import load_pool
from simulator.resolve import claims_read

SUB_KEY_VARIABLE = "ROLESIM_SUB_KEY"


class PoolFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"


def pull_command(
    ctx: typer.Context,
    identity_pool_id: str | None = typer.Option(
        None, "--identity-pool-id", metavar="ID", help="The identity pool (REGION:GUID)."
    ),
    with_iam: bool = typer.Option(
        False,
        "--with-iam",
        help="Also pull the referenced roles: trust, inline and attached policies, boundary, tags.",
    ),
    users: bool = typer.Option(
        False, "--users", help="Write the user pool's users as claims lines (JSONL) instead."
    ),
    user_pool_id: str | None = typer.Option(
        None, "--user-pool-id", metavar="ID", help="--users: the user pool (REGION_ID)."
    ),
    client_id: str | None = typer.Option(
        None,
        "--client-id",
        metavar="ID",
        help="--users: the app client the lines' ID tokens are for (default: the identity "
        "pool's only client of this user pool, else the user pool's only client).",
    ),
    only_read_claims: Path | None = typer.Option(
        None,
        "--only-read-claims",
        metavar="POOL",
        help="--users: keep only the claims POOL's rules and tag maps read; sub becomes a keyed "
        f"hash (key from {SUB_KEY_VARIABLE}, else random for this run).",
    ),
    region: str | None = live_options.REGION,
    profile: str | None = live_options.PROFILE,
    endpoint_url: str | None = live_options.ENDPOINT_URL,
    allow_insecure_http: bool = live_options.ALLOW_INSECURE_HTTP,
    retry_mode: live_options.Retry = live_options.RETRY_MODE,
    fmt: PoolFormat = format_option(
        PoolFormat.YAML, "The pool file's format; with json a failure prints an error object."
    ),
    output: Path | None = output_option(),
) -> int:
    """Write a live identity pool's configuration as a pool file that rolesim loads (or, with
    --users, a user pool's users as claims lines)."""
    with json_errors(fmt is PoolFormat.JSON):
        if users:
            return _users_command(
                ctx, identity_pool_id, with_iam, user_pool_id, client_id, only_read_claims,
                (region, profile, endpoint_url, allow_insecure_http, retry_mode), output,
            )  # fmt: skip
        if identity_pool_id is None:
            raise UsageError("give --identity-pool-id (or --users --user-pool-id for a population)")
        for name, value in (("--user-pool-id", user_pool_id), ("--client-id", client_id),
                            ("--only-read-claims", only_read_claims)):  # fmt: skip
            if value is not None:
                raise UsageError(f"{name} goes with --users")
        pool_region(identity_pool_id)
        clients = live_options.live_clients(
            ctx, region, profile, endpoint_url, allow_insecure_http, retry_mode
        )
        with clients:
            result = pull_pool(clients, identity_pool_id, with_iam=with_iam)
        text = dump_pool_document(result.document, fmt.value)
        with open_output(output) as stream:
            stream.write(text)
    for warning in result.warnings:
        print(f"rolesim: pull: warning: {warning}", file=sys.stderr)
    return ExitCode.OK


def _users_command(
    ctx: typer.Context,
    identity_pool_id: str | None,
    with_iam: bool,
    user_pool_id: str | None,
    client_id: str | None,
    only_read_claims: Path | None,
    connection: tuple[str | None, str | None, str | None, bool, live_options.Retry],
    output: Path | None,
) -> int:
    if user_pool_id is None:
        raise UsageError("--users needs --user-pool-id")
    if with_iam:
        raise UsageError("--with-iam pulls roles into a pool file; --users writes claims lines")
    if identity_pool_id is not None:
        pool_region(identity_pool_id)
    user_pool_region(user_pool_id)
    only = _only_read(only_read_claims, user_pool_id)
    clients = live_options.live_clients(ctx, *connection)
    return _pull_users(clients, user_pool_id, client_id, identity_pool_id, only, output)


def _only_read(path: Path | None, user_pool_id: str) -> tuple[OnlyRead, tuple[str, ...]] | None:
    """The claims the pool file reads for this user pool, the key that hashes `sub`, and the
    clients the pool file accepts from the user pool."""
    if path is None:
        return None
    pool = load_pool(path)
    provider = f"cognito-idp.{user_pool_region(user_pool_id)}.amazonaws.com/{user_pool_id}"
    accepted = tuple(c.client_id for c in pool.cognito_providers if c.provider_name == provider)
    if not accepted:
        raise UsageError(f"{path} does not accept tokens of {provider} (CognitoIdentityProviders)")
    given = os.environ.get(SUB_KEY_VARIABLE)
    key = given.encode("utf-8") if given else secrets.token_bytes(32)
    return OnlyRead(claims_read(pool, provider), key), accepted


def _pull_users(
    clients: AwsClients,
    user_pool_id: str,
    client_id: str | None,
    identity_pool_id: str | None,
    only: tuple[OnlyRead, tuple[str, ...]] | None,
    output: Path | None,
) -> int:
    progress = _progress()
    with clients, open_output(output) as stream, progress or contextlib.nullcontext():
        accepted = only[1] if only is not None else ()
        if not accepted and identity_pool_id is not None:
            accepted = identity_pool_clients(clients, identity_pool_id, user_pool_id)
        pulled = pull_users(
            clients, user_pool_id, client_id=client_id, identity_pool_clients=accepted,
            only=only[0] if only is not None else None,
            progress=_advance(progress) if progress is not None else None,
        )  # fmt: skip
        if progress is not None and pulled.estimated_users:
            progress.update(progress.task_ids[0], total=pulled.estimated_users)
        encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
        for claims in pulled.lines:
            stream.write(encoder.encode(claims) + "\n")
    print(f"rolesim: pull: {_summary(pulled)}", file=sys.stderr)
    return ExitCode.OK


def _summary(pulled: UsersPull) -> str:
    text = f"wrote {pulled.written} users of {pulled.user_pool_id} (app client {pulled.client_id})"
    if pulled.skipped:
        text += "; skipped, as they cannot sign in: " + ", ".join(
            f"{n} {why}" for why, n in sorted(pulled.skipped.items())
        )
    if pulled.dropped:
        text += "; claims the pool does not read were dropped: " + ", ".join(sorted(pulled.dropped))
    return text


def _progress() -> Progress | None:
    """A progress bar on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        return None
    progress = Progress(
        TextColumn("[bold]users"), BarColumn(), MofNCompleteColumn(), transient=True,
        console=stderr_console(),
    )  # fmt: skip
    progress.add_task("users", total=None)
    return progress


def _advance(progress: Progress) -> Callable[[int], None]:
    task = progress.task_ids[0]
    return lambda n: progress.advance(task, n)


def register(app: typer.Typer) -> None:
    app.command("pull")(pull_command)
