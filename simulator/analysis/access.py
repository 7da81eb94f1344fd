"""Access with the credentials a witness gets, where the pool file carries IAM data.

The one place the gate asks for trust and access, through the same pipeline as `simulate --action`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from simulator.access import AccessRequest, Assessment, amr_for
from simulator.claims import default_identity_id, login_of
from simulator.iam.limits import MAX_ACTION, MAX_RESOURCE
from simulator.iam.request import Request
from simulator.iam.roles import IamData, IamRole
from simulator.iam.session import session_context
from simulator.model.pool import IdentityPool
from simulator.request import LoginRequest
from simulator.simulate import simulate


class AccessCheck(msgspec.Struct, frozen=True):
    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()

    def request(self) -> Request:
        return Request(self.action, self.resource, dict(self.context))

    def access_request(self) -> AccessRequest:
        return AccessRequest(self.action, self.resource, dict(self.context))

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "resource": self.resource, "context": dict(self.context)}


def iam_of(pool: IdentityPool) -> IamData | None:
    return pool.iam


def role_of(pool: IdentityPool, arn: str | None) -> IamRole | None:
    iam = iam_of(pool)
    return iam.role(arn) if iam is not None and arn else None


def assess_witness(
    pool: IdentityPool,
    probe: LoginRequest,
    checks: Sequence[AccessCheck] = (),
    *,
    now: datetime | None = None,
) -> Assessment:
    """The whole answer for a witness: the pool's decision, STS's trust, and `checks`' access, as
    `simulate --action` gives it (`now` sets aws:CurrentTime)."""
    requests = [c.access_request() for c in checks]
    return simulate(pool, probe, requests=requests, now=now, explain=False)


def role_policies_of(pool: IdentityPool, arn: str) -> tuple[Any, ...] | None:
    """What decides a role session's access in this pool file: the role (trust, tags, boundary) and
    its resolved policies; None when the file does not describe the role."""
    iam = iam_of(pool)
    role = iam.role(arn) if iam is not None else None
    if iam is None or role is None:
        return None
    return (role, iam.role_policies(role))


def candidate_checks(
    sessions: Sequence[tuple[IdentityPool, Assessment]], probe: LoginRequest
) -> list[AccessCheck]:
    """Requests that tell sessions apart: one per action and resource a statement of either role
    names, in either pool file, with each session's policy variables resolved to its own values
    (wildcards stand for a name no other statement uses)."""
    out: dict[tuple[str, str], None] = {}
    roles = {a.role_arn for _, a in sessions if a.role_arn}
    values = [session_values(pool, probe, a) for pool, a in sessions]
    for arn in sorted(roles):
        for pool, _ in sessions:
            iam = iam_of(pool)
            role = role_of(pool, arn)
            if iam is None or role is None:
                continue
            for named in iam.role_policies(role).identity:
                for st in named.policy.statements:
                    if st.not_action:
                        continue
                    resources = st.resources if st.resources and not st.not_resource else ("*",)
                    for action in st.actions:
                        for resource in resources:
                            for known in values:
                                out.setdefault(
                                    (
                                        _concrete_action(action),
                                        _concrete_arn(resource, action, known),
                                    )
                                )
                            if len(out) >= MAX_CANDIDATES:
                                return [AccessCheck(a, r) for a, r in out]
    return [AccessCheck(a, r) for a, r in out]


MAX_CANDIDATES = 2_000  # bounds diff's work on a pull request's policies


def session_values(pool: IdentityPool, probe: LoginRequest, a: Assessment) -> dict[str, str]:
    """The single-valued context keys of a witness's session, lower-cased: what its policy
    variables resolve to."""
    role = role_of(pool, a.role_arn)
    if role is None:
        return {}
    login = login_of(probe, pool)
    context = session_context(
        role,
        identity_pool_id=pool.identity_pool_id,
        identity_id=a.decision.identity_id or default_identity_id(pool.identity_pool_id, login),
        amr=amr_for(login),
        principal_tags=a.principal_tags,
    )
    return {k.lower(): v for k, v in context.items() if isinstance(v, str)}


def _concrete_action(pattern: str) -> str:
    if pattern == "*":
        return "iam:CreateUser"
    named = pattern.replace("*", "RolesimAny").replace("?", "X")
    # Within IAM's action-name bound (iam/limits.py), else one letter per wildcard.
    return named if len(named) <= MAX_ACTION else pattern.replace("*", "X").replace("?", "X")


def _concrete_arn(
    pattern: str, action: str, values: Mapping[str, str], wildcard: str = "rolesim-any"
) -> str:
    """A resource the pattern matches: variables take the session's value (or their default, else a
    fixed name), wildcards a fixed name; the evaluation then decides whether it matches. One pass."""
    if pattern == "*":
        service = action.split(":", 1)[0] if ":" in action and action != "*" else "s3"
        if service == "s3":
            return "arn:aws:s3:::rolesim-any-bucket/any-key"
        return f"arn:aws:{service}:us-east-1:000000000000:rolesim-any"
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if pattern.startswith("${", i) and (end := pattern.find("}", i + 2)) != -1:
            name, _, default = pattern[i + 2 : end].partition(",")
            fallback = default.strip().strip("'") or "rolesim-var"
            out.append(values.get(name.strip().lower(), fallback))
            i = end + 1
            continue
        out.append(wildcard if ch == "*" else "x" if ch == "?" else ch)
        i += 1
    text = "".join(out)
    # Longer than an ARN can be is no request AWS sees: one letter per wildcard instead.
    if len(text) > MAX_RESOURCE and wildcard != "x":
        return _concrete_arn(pattern, action, values, "x")
    return text
