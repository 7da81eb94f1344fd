"""Options every live command shares, and the one way they become AwsClients."""

from __future__ import annotations

import sys
from enum import StrEnum

import typer

from simulator.cli.invocation import invocation
from simulator.live.session import INSECURE_HTTP_OPTION, AwsClients, AwsSettings


class Retry(StrEnum):
    STANDARD = "standard"
    ADAPTIVE = "adaptive"


REGION = typer.Option(None, "--region", metavar="REGION", help="AWS region (default: the pool's).")
PROFILE = typer.Option(None, "--profile", metavar="NAME", help="AWS profile for signed calls.")
ENDPOINT_URL = typer.Option(
    None,
    "--endpoint-url",
    metavar="URL",
    help="Send every AWS call here (emulators). Plain http only to this machine, unless "
    f"{INSECURE_HTTP_OPTION}.",
)
ALLOW_INSECURE_HTTP = typer.Option(
    False,
    INSECURE_HTTP_OPTION,
    help="Allow a plain-http --endpoint-url on another host: tokens, passwords and signed "
    "requests then cross the network in clear.",
)
RETRY_MODE = typer.Option(Retry.STANDARD, "--retry-mode", help="botocore retry mode.")


def live_clients(
    ctx: typer.Context,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    allow_insecure_http: bool,
    retry_mode: Retry = Retry.STANDARD,
) -> AwsClients:
    """Checked settings (exit 2 on a bad region or endpoint) and clients; enter them with `with`."""
    settings = AwsSettings(
        region=region,
        profile=profile,
        endpoint_url=endpoint_url,
        retry_mode="adaptive" if retry_mode is Retry.ADAPTIVE else "standard",
        allow_insecure_http=allow_insecure_http,
        wire_log=invocation(ctx).wire_log,
    )
    if settings.insecure_endpoint:
        print(
            f"rolesim: WARNING: {endpoint_url!r} is plain http to another host: tokens, "
            "passwords and signed requests cross the network in clear",
            file=sys.stderr,
        )
    return AwsClients(settings)
