"""Text for `rolesim probe`: the dry run's plan, a run's observations, and a cleanup's findings."""

from __future__ import annotations

import json
from typing import IO

from simulator.live.probe import NOT_PROBED, CleanupReport, ProbePlan, ProbeReport
from simulator.live.probe.api import TAG_KEY
from simulator.live.probe.runner import Resource, run_name
from simulator.render.base import JsonRenderer, OutputFormat, Renderer

COST = (
    "Cost: nothing beyond the API calls. Identity pools and IAM roles are free; the user pool's "
    "few sign-ins count as monthly active users, which the user-pool free tier covers in most "
    "accounts."
)


def _resources(resources: tuple[Resource, ...], w: IO[str]) -> None:
    width = max((len(r.kind) for r in resources), default=0)
    for r in resources:
        w.write(f"  {r.kind:<{width}}  {r.name}" + (f"  ({r.detail})" if r.detail else "") + "\n")


class PlanText(Renderer[ProbePlan]):
    def render(self, result: ProbePlan, stream: IO[str]) -> None:
        w = stream.write
        w(
            f"rolesim probe --dry-run: run {result.run_id} in {result.region}; nothing is created\n\n"
        )
        w(f"Experiments ({len(result.experiments)}):\n")
        for e in result.experiments:
            w(f"  {e.name}: {e.question}\n    set-up: {e.pool.describe()}\n")
        w("\nNot probed:\n")
        for name, why in NOT_PROBED.items():
            w(f"  {name}: {why}\n")
        prefix = run_name(result.run_id)
        w(
            f"\nResources it would create ({len(result.resources)}), named {prefix}… (users and "
            f"groups live in the user pool) and tagged {TAG_KEY}={result.run_id}; the IAM roles "
            "have a trust policy and no permissions at all:\n"
        )
        _resources(result.resources, stream)
        w(
            f"\nCalls it would make ({len(result.calls)}), in order, and the permission each needs:\n"
        )
        for i, c in enumerate(result.calls, start=1):
            w(
                f"  {i:>3}. {c.operation} {c.target}: {c.action or 'no permission (unauthenticated API)'}\n"
            )
        w(
            "\nTeardown deletes the identity pools, the roles and the user pool (with its users, "
            f"groups and client) when the run ends, also on failure; `rolesim probe --cleanup "
            f"{result.run_id} --yes` finds and deletes anything a crash left.\n"
        )
        w(f"\n{COST}\n\nIAM permissions needed (a least-privilege policy):\n")
        w(json.dumps(result.policy(), indent=2) + "\n")


class ReportText(Renderer[ProbeReport]):
    def render(self, result: ProbeReport, stream: IO[str]) -> None:
        w = stream.write
        w(f"rolesim probe: run {result.run_id} in {result.region} on {result.date}\n\n")
        width = max((len(r.name) for r in result.results), default=0)
        for r in result.results:
            seen = r.verdict.choice or "(inconclusive)"
            w(f"  {r.name:<{width}}  {seen}: {r.verdict.reason}\n")
        w("\nNot probed: " + ", ".join(NOT_PROBED) + " (reasons in the settled file)\n")
        w(f"Teardown: {result.teardown.summary(result.run_id)}\n")


class CleanupText(Renderer[CleanupReport]):
    def render(self, result: CleanupReport, stream: IO[str]) -> None:
        w = stream.write
        w(f"rolesim probe --cleanup {result.run_id} in {result.region}: ")
        if not result.found:
            w("nothing of this run is left\n")
            return
        w(f"{len(result.found)} resource(s) named and tagged as this run's\n")
        _resources(result.found, stream)
        if result.teardown is None:
            w("Nothing deleted: pass --yes to delete them.\n")
            return
        w(f"Deleted {len(result.teardown.deleted)}.\n")
        for r, why in result.teardown.leftovers:
            w(f"  not deleted: {r.kind} {r.name}: {why}\n")


PLAN_RENDERERS: dict[OutputFormat, Renderer[ProbePlan]] = {
    OutputFormat.TEXT: PlanText(),
    OutputFormat.JSON: JsonRenderer(),
}
REPORT_RENDERERS: dict[OutputFormat, Renderer[ProbeReport]] = {
    OutputFormat.TEXT: ReportText(),
    OutputFormat.JSON: JsonRenderer(),
}
CLEANUP_RENDERERS: dict[OutputFormat, Renderer[CleanupReport]] = {
    OutputFormat.TEXT: CleanupText(),
    OutputFormat.JSON: JsonRenderer(),
}
