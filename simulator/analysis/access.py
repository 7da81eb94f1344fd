"""Access with the credentials a decision hands out, where the pool file carries IAM data.

The one place the gate calls the access engine (`simulator.iam`), so that its API is used in one spot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.access import AccessRequest, assess
from simulator.analysis.probe import Probe
from simulator.decision import Decision
from simulator.iam.limits import MAX_ACTION, MAX_RESOURCE
from simulator.iam.request import Request
from simulator.iam.roles import IamData, IamRole
from simulator.model.pool import IdentityPool


@dataclass(frozen=True, slots=True)
class AccessCheck:
    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()

    def request(self) -> Request:
        return Request(self.action, self.resource, dict(self.context))

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "resource": self.resource, "context": dict(self.context)}


def iam_of(pool: IdentityPool) -> IamData | None:
    iam = pool.iam
    return iam if isinstance(iam, IamData) else None


def role_of(pool: IdentityPool, arn: str | None) -> IamRole | None:
    iam = iam_of(pool)
    return iam.role(arn) if iam is not None and arn else None


def allowed(
    pool: IdentityPool, probe: Probe, decision: Decision, check: AccessCheck
) -> bool | None:
    """Whether the decision's credentials allow the request (through trust and access, as
    `simulate --action` evaluates them); None when the pool has no IAM data for the role."""
    if decision.role_arn is None:
        return False
    if role_of(pool, decision.role_arn) is None:
        return None
    request = AccessRequest(check.action, check.resource, dict(check.context))
    assessed = assess(pool, decision, probe.login(pool), [request])
    return assessed.access[0].verdict == "allowed"


def candidate_checks(pools: Sequence[IdentityPool], roles: Iterable[str]) -> list[AccessCheck]:
    """Requests that tell two roles' permissions apart: one per action and resource an Allow
    statement of either role names (wildcards stand for a name no other statement uses)."""
    out: dict[tuple[str, str], None] = {}
    for arn in roles:
        for pool in pools:
            iam = iam_of(pool)
            role = role_of(pool, arn)
            if iam is None or role is None:
                continue
            for named in iam.role_policies(role).identity:
                for st in named.policy.statements:
                    if st.effect != "Allow" or st.not_action:
                        continue
                    resources = st.resources if st.resources and not st.not_resource else ("*",)
                    for action in st.actions:
                        for resource in resources:
                            out.setdefault(
                                (_concrete_action(action), _concrete_arn(resource, action))
                            )
    return [AccessCheck(a, r) for a, r in out]


def _concrete_action(pattern: str) -> str:
    if pattern == "*":
        return "iam:CreateUser"
    named = pattern.replace("*", "RolesimAny").replace("?", "X")
    # Within IAM's action-name bound (iam/limits.py), else one letter per wildcard.
    return named if len(named) <= MAX_ACTION else pattern.replace("*", "X").replace("?", "X")


def _concrete_arn(pattern: str, action: str) -> str:
    if pattern == "*":
        service = action.split(":", 1)[0] if ":" in action and action != "*" else "s3"
        if service == "s3":
            return "arn:aws:s3:::rolesim-any-bucket/any-key"
        return f"arn:aws:{service}:us-east-1:000000000000:rolesim-any"
    named = _fill(pattern, "rolesim-any", "rolesim-var")
    # A candidate longer than an ARN can be is no request AWS sees: one letter per wildcard instead.
    return named if len(named) <= MAX_RESOURCE else _fill(pattern, "x", "x")


def _fill(pattern: str, wildcard: str, variable: str) -> str:
    # Variables and wildcards become a fixed name; the evaluation decides whether it matches.
    out, depth = [], 0
    for ch in pattern:
        if ch == "$":
            depth += 1
            continue
        if depth and ch in "{":
            continue
        if depth and ch == "}":
            depth -= 1
            out.append(variable)
            continue
        if depth:
            continue
        out.append(wildcard if ch == "*" else "x" if ch == "?" else ch)
    return "".join(out)
