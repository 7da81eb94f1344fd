"""`rolesim probe`: settle named assumptions with live experiments in your own AWS account."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import typer

from simulator.cli import live_options
from simulator.cli.common import TextJson, format_option, renderer_for
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output, write_text
from simulator.errors import AwsError, UsageError
from simulator.live.probe import (
    DEFAULT_PROPAGATION,
    CleanupReport,
    check_run_id,
    cleanup_run,
    new_run_id,
    plan_probe,
    run_probe,
    select_experiments,
)
from simulator.live.session import AwsClients
from simulator.model.settled import dump_settled, load_settled
from simulator.render.base import Renderer
from simulator.render.probe_text import CLEANUP_RENDERERS, PLAN_RENDERERS, REPORT_RENDERERS


def _region_or_placeholder(clients: AwsClients) -> str:
    """The region a run would use; a dry run works without one (the plan then says REGION)."""
    try:
        return clients.region_for()
    except AwsError:
        return "REGION"


def probe_command(
    ctx: typer.Context,
    only: list[str] = typer.Option(
        [],
        "--only",
        metavar="NAME",
        help="Probe only this named assumption (repeatable); default: all.",
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="List every resource and call, and the IAM permissions needed; create nothing.",
    ),
    yes: bool = typer.Option(
        False, "--yes", help="Create the throwaway resources and run (or, with --cleanup, delete)."
    ),
    cleanup: str | None = typer.Option(
        None,
        "--cleanup",
        metavar="RUN_ID",
        help="Find what run RUN_ID left behind (by name and tag); delete it with --yes.",
    ),
    output: Path = typer.Option(
        Path("settled.yaml"),
        "--output",
        "-o",
        metavar="FILE",
        help="The settled file to write; what it already holds is kept for assumptions not probed.",
    ),
    fmt: TextJson = format_option(TextJson.TEXT, "The report's format (the settled file is YAML)."),
    propagation_timeout: float = typer.Option(
        DEFAULT_PROPAGATION,
        "--propagation-timeout",
        metavar="SECONDS",
        min=0,
        help="Seconds to wait for new IAM roles to be usable before an answer counts.",
    ),
    region: str | None = live_options.REGION,
    profile: str | None = live_options.PROFILE,
    endpoint_url: str | None = live_options.ENDPOINT_URL,
    allow_insecure_http: bool = live_options.ALLOW_INSECURE_HTTP,
    retry_mode: live_options.Retry = live_options.RETRY_MODE,
) -> int:
    """Settle named assumptions with small live experiments in your AWS account (opt-in: --yes)."""
    if cleanup is not None:
        if only:
            raise UsageError("--cleanup finds a run's resources; it takes no --only")
        check_run_id(cleanup)
        renderer = renderer_for(CLEANUP_RENDERERS, fmt, "probe --cleanup")
        clients = live_options.live_clients(
            ctx, region, profile, endpoint_url, allow_insecure_http, retry_mode
        )
        return _cleanup(clients, cleanup, delete=yes and not dry_run, renderer=renderer)
    experiments = select_experiments(only)
    if dry_run:
        clients = live_options.live_clients(
            ctx, region, profile, endpoint_url, allow_insecure_http, retry_mode
        )
        plan_renderer = renderer_for(PLAN_RENDERERS, fmt, "probe --dry-run")
        with clients:
            plan = plan_probe(experiments, region=_region_or_placeholder(clients))
        with open_output(None) as stream:
            plan_renderer.render(plan, stream)
        return ExitCode.OK
    if not yes:
        raise UsageError(
            "rolesim probe creates throwaway resources in your AWS account and deletes them "
            "afterwards: review them with --dry-run, then pass --yes"
        )
    report_renderer = renderer_for(REPORT_RENDERERS, fmt, "probe")
    earlier = load_settled(output) if output.exists() else None  # a bad file stops us here
    clients = live_options.live_clients(
        ctx, region, profile, endpoint_url, allow_insecure_http, retry_mode
    )
    run_id = new_run_id()
    with clients:
        # Said first: a run killed before its teardown leaves resources only this id finds.
        print(
            f"rolesim: probe: run {run_id} in {clients.region_for()}; if it is killed, "
            f"`rolesim probe --cleanup {run_id} --yes` deletes what it left",
            file=sys.stderr,
        )
        report = run_probe(
            clients, experiments, today=datetime.now(UTC).date(), propagation=propagation_timeout,
            run_id=run_id,
        )  # fmt: skip
    settled = report.settled()
    write_text(dump_settled(earlier.merged(settled) if earlier else settled), output)
    with open_output(None) as stream:
        report_renderer.render(report, stream)
    print(f"rolesim: probe: wrote {output}; use it with --assume-from {output}", file=sys.stderr)
    if report.teardown.leftovers:
        print(f"rolesim: probe: {report.teardown.summary(report.run_id)}", file=sys.stderr)
        return ExitCode.AWS_ERROR
    return ExitCode.OK


def _cleanup(
    clients: AwsClients, run_id: str, *, delete: bool, renderer: Renderer[CleanupReport]
) -> int:
    with clients:
        found = cleanup_run(clients, run_id, delete=delete)
    with open_output(None) as stream:
        renderer.render(found, stream)
    if found.teardown is not None and found.teardown.leftovers:
        return ExitCode.AWS_ERROR
    return ExitCode.OK


def register(app: typer.Typer) -> None:
    app.command("probe")(probe_command)
