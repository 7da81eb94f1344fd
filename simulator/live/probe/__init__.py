"""`rolesim probe`: settle named assumptions with live experiments in the caller's own account.

The library twin of the command: `plan_probe` (the dry run: every resource and call, and the
permissions they need, without calling AWS), `run_probe` (create, run, read, tear down) and
`find_run`/`cleanup_run` (delete what a crashed run left behind, found by name and tag).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from botocore.exceptions import ClientError

from simulator.assumptions import Name
from simulator.errors import AwsError, UsageError
from simulator.live.errors import aws_error
from simulator.live.probe.api import (
    ROLE_PATH,
    TAG_KEY,
    Api,
    AwsApi,
    PlannedApi,
)
from simulator.live.probe.experiments import EXPERIMENTS, NOT_PROBED, Experiment
from simulator.live.probe.runner import (
    ProbePlan,
    ProbeReport,
    ProbeRun,
    Resource,
    Teardown,
    delete_resources,
    new_password,
    new_run_id,
    run_name,
)
from simulator.live.session import AwsClients
from simulator.model.settled import RUN_ID

__all__ = [
    "DEFAULT_PROPAGATION",
    "EXPERIMENTS",
    "NOT_PROBED",
    "CleanupReport",
    "ProbePlan",
    "ProbeReport",
    "check_run_id",
    "cleanup_run",
    "new_run_id",
    "plan_probe",
    "run_probe",
    "select_experiments",
]

log = logging.getLogger(__name__)
DEFAULT_PROPAGATION = 90.0  # seconds a brand-new role may take before STS accepts it


def select_experiments(names: Sequence[str]) -> tuple[Experiment, ...]:
    """The experiments `--only` names (all when none), in catalogue order; bad names are usage errors."""
    if not names:
        return tuple(EXPERIMENTS.values())
    chosen: set[Name] = set()
    for given in names:
        try:
            name = Name(given)
        except ValueError:
            raise UsageError(
                f"--only {given!r}: not a named assumption; probe can settle "
                + ", ".join(EXPERIMENTS)
            ) from None
        if name in NOT_PROBED:
            raise UsageError(f"--only {given}: cannot be probed: {NOT_PROBED[name]}")
        chosen.add(name)
    return tuple(e for n, e in EXPERIMENTS.items() if n in chosen)


def _walk(run: ProbeRun, experiments: Sequence[Experiment]) -> list[Any]:
    run.setup()
    prepared = [(e, run.prepare(e)) for e in experiments]
    return [run.experiment(e, setup) for e, setup in prepared]


def plan_probe(
    experiments: Sequence[Experiment], *, region: str, run_id: str | None = None
) -> ProbePlan:
    """The dry run: the run's own code against a recorder, so the list is what a run does."""
    api = PlannedApi(region)
    run = ProbeRun(api, run_id or new_run_id(), password="planned", propagation=0.0)
    _walk(run, experiments)
    run.teardown()
    return ProbePlan(run.run_id, region, tuple(experiments), tuple(run.created), tuple(api.calls))


def run_probe(
    clients: AwsClients,
    experiments: Sequence[Experiment],
    *,
    today: dt.date,
    propagation: float = DEFAULT_PROPAGATION,
    run_id: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ProbeReport:
    """Create, run and read every experiment; whatever was created is deleted, also on failure."""
    region = clients.region_for()
    api = AwsApi(clients, region, sleep=sleep)
    run = ProbeRun(api, run_id or new_run_id(), password=new_password(), propagation=propagation)
    log.info("probe: run %s in %s", run.run_id, region)
    try:
        results = _walk(run, experiments)
    except AwsError as exc:
        # The run stops; its resources must not stay behind. The error says what teardown did.
        raise AwsError(f"{exc}; {run.teardown().summary(run.run_id)}") from None
    except UsageError as exc:
        raise UsageError(f"{exc}; {run.teardown().summary(run.run_id)}") from None
    except BaseException:
        # Interrupted, or a bug: tear down all the same, and say so on the log.
        log.warning("probe run %s stopped: %s", run.run_id, run.teardown().summary(run.run_id))
        raise
    teardown = run.teardown()
    return ProbeReport(run.run_id, region, today.isoformat(), tuple(results), teardown)


# --- cleanup ------------------------------------------------------------------------------------


class CleanupReport(msgspec.Struct, frozen=True):
    run_id: str
    region: str
    found: tuple[Resource, ...]
    teardown: Teardown | None  # None: only listed (no --yes)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "run_id": self.run_id,
            "region": self.region,
            "found": [r.to_json() for r in self.found],
            "deleted": None,
            "leftovers": [],
        }
        if self.teardown is not None:
            out["deleted"] = [r.to_json() for r in self.teardown.deleted]
            out["leftovers"] = [
                {**r.to_json(), "reason": why} for r, why in self.teardown.leftovers
            ]
        return out


def check_run_id(run_id: str) -> str:
    # A strict shape: a run id is matched as a name prefix, so `*` or '' must never get this far.
    if not RUN_ID.fullmatch(run_id):
        raise UsageError(f"--cleanup {run_id!r}: a run id is 8 hex digits, as the probe printed it")
    return run_id


def _tagged(tags: Any, run_id: str) -> bool:
    if isinstance(tags, list):  # IAM's [{Key, Value}] shape
        tags = {t.get("Key"): t.get("Value") for t in tags if isinstance(t, dict)}
    return isinstance(tags, dict) and tags.get(TAG_KEY) == run_id


def _found(api: Api, run_id: str) -> list[Resource]:
    """Everything of the run, found by name and confirmed by tag; in creation order."""
    prefix = run_name(run_id)
    found: list[Resource] = []
    for pool in api.pages(
        "cognito-idp:ListUserPools", "UserPools", f"named {prefix}", MaxResults=60
    ):
        if pool.get("Name") == prefix:
            got = api.call("cognito-idp:DescribeUserPool", prefix, UserPoolId=pool["Id"])
            if _tagged((got.get("UserPool") or {}).get("UserPoolTags"), run_id):
                found.append(Resource("user pool", prefix, pool["Id"],
                                      ("cognito-idp:DeleteUserPool", {"UserPoolId": pool["Id"]})))  # fmt: skip
    for pool in api.pages(
        "cognito-identity:ListIdentityPools", "IdentityPools", f"named {prefix}-*", MaxResults=60
    ):
        name = str(pool.get("IdentityPoolName", ""))
        if name.startswith(f"{prefix}-"):
            pool_id = pool["IdentityPoolId"]
            got = api.call("cognito-identity:DescribeIdentityPool", name, IdentityPoolId=pool_id)
            if _tagged(got.get("IdentityPoolTags"), run_id):
                found.append(Resource("identity pool", name, pool_id,
                                      ("cognito-identity:DeleteIdentityPool", {"IdentityPoolId": pool_id})))  # fmt: skip
    for role in api.pages("iam:ListRoles", "Roles", f"under {ROLE_PATH}", PathPrefix=ROLE_PATH):
        name = str(role.get("RoleName", ""))
        if name.startswith(f"{prefix}-"):
            got = api.call("iam:GetRole", name, RoleName=name)
            if _tagged((got.get("Role") or {}).get("Tags"), run_id):
                found.append(Resource("IAM role", name, role.get("Arn", ""),
                                      ("iam:DeleteRole", {"RoleName": name})))  # fmt: skip
    return found


def cleanup_run(clients: AwsClients, run_id: str, *, delete: bool) -> CleanupReport:
    """Find what run `run_id` left in this region (name and tag both must match); delete it when
    `delete`, else only list it."""
    check_run_id(run_id)
    region = clients.region_for()
    api = AwsApi(clients, region)
    try:
        found = _found(api, run_id)
    except ClientError as exc:
        raise aws_error(
            exc, operation="probe --cleanup", region=region, redactor=api.redactor
        ) from None
    teardown = delete_resources(api, found) if delete else None
    return CleanupReport(run_id, region, tuple(found), teardown)
