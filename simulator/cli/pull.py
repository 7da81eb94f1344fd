"""`rolesim pull`: a live identity pool, and optionally its IAM roles, as a pool file."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

from simulator.cli import live_options
from simulator.cli.common import format_option, output_option
from simulator.cli.errors import json_errors
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.live.pull import dump_pool_document, pull_pool
from simulator.live.session import pool_region


class PoolFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"


def pull_command(
    ctx: typer.Context,
    identity_pool_id: str = typer.Option(
        ..., "--identity-pool-id", metavar="ID", help="The identity pool (REGION:GUID)."
    ),
    with_iam: bool = typer.Option(
        False,
        "--with-iam",
        help="Also pull the referenced roles: trust, inline and attached policies, boundary, tags.",
    ),
    region: str | None = live_options.REGION,
    profile: str | None = live_options.PROFILE,
    endpoint_url: str | None = live_options.ENDPOINT_URL,
    allow_insecure_http: bool = live_options.ALLOW_INSECURE_HTTP,
    fmt: PoolFormat = format_option(
        PoolFormat.YAML, "The pool file's format; with json a failure prints an error object."
    ),
    output: Path | None = output_option(),
) -> int:
    """Write a live identity pool's configuration as a pool file that rolesim loads."""
    with json_errors(fmt is PoolFormat.JSON):
        pool_region(identity_pool_id)
        clients = live_options.live_clients(ctx, region, profile, endpoint_url, allow_insecure_http)
        with clients:
            result = pull_pool(clients, identity_pool_id, with_iam=with_iam)
        text = dump_pool_document(result.document, fmt.value)
        with open_output(output) as stream:
            stream.write(text)
    for warning in result.warnings:
        print(f"rolesim: pull: warning: {warning}", file=sys.stderr)
    return ExitCode.OK


def register(app: typer.Typer) -> None:
    app.command("pull")(pull_command)
