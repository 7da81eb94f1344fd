"""Trust and access for the role a decision hands out (issue: fine-grained access).

The identity pool's decision says which role; this says whether STS lets the pool assume it with
the session tags the pool derived, and what the resulting credentials may do. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from simulator.claims import Login, default_identity_id
from simulator.decision import Decision, Refused, ServiceError
from simulator.iam import (
    AccessDecision,
    IamData,
    Request,
    evaluate_for_role,
    evaluate_trust,
)
from simulator.iam.assumptions import BY_NAME, Assumptions
from simulator.model.pool import IdentityPool
from simulator.model.providers import OIDC_ARN, ProviderKind
from simulator.semantics.assumptions import AssumptionSet

ContextValue = str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """An AWS API request made with the credentials: action, resource, and its own context keys."""

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AccessResult:
    request: AccessRequest
    decision: AccessDecision | None  # None: the pool issues no credentials to make it with
    reason: str = ""

    @property
    def verdict(self) -> str:
        return self.decision.decision if self.decision is not None else "no_credentials"

    def to_json(self) -> dict[str, Any]:
        if self.decision is not None:
            return self.decision.to_json()
        return {
            "decision": "no_credentials",
            "action": self.request.action,
            "resource": self.request.resource,
            "matched": [],
            "reason": self.reason,
            "uncertain": [],
            "warnings": [],
        }


def amr_for(login: Login) -> tuple[str, ...]:
    """[IAM-CK]: `unauthenticated`, or `authenticated` plus the login provider's name as Logins names it."""
    if not login.authenticated or login.provider is None:
        return ("unauthenticated",)
    name = login.provider.name
    if login.provider.kind is ProviderKind.OIDC and (m := OIDC_ARN.fullmatch(name)):
        name = m["url"]  # the OIDC Logins key is the issuer host [OIDC]
    return ("authenticated", name)


def iam_assumptions(assumptions: AssumptionSet) -> Assumptions:
    return Assumptions(frozenset(n for n in assumptions.alternatives if n in BY_NAME))


def assess(
    pool: IdentityPool,
    decision: Decision,
    login: Login,
    requests: Sequence[AccessRequest] = (),
    *,
    iam: IamData | None = None,
    now: datetime | None = None,
) -> Decision:
    """The decision with `trust` and `access` added at `now` (the time keys; without it they are
    missing); a trust failure means no credentials."""
    iam = iam if iam is not None else pool.iam
    if iam is None:
        return decision
    assumptions = iam_assumptions(pool.assumptions)
    identity_id = decision.identity_id or default_identity_id(pool.identity_pool_id, login)
    outcome = decision.outcome
    if isinstance(outcome, Refused):
        why = f"the identity pool issues no credentials ({outcome.error.code})"
        return replace(decision, access=tuple(AccessResult(r, None, why) for r in requests))
    role = iam.role(outcome.role_arn)
    if role is None:
        why = f"{outcome.role_arn} is not described in the IAM data (IamRoles or --iam)"
        return replace(
            decision,
            notes=(*decision.notes, why),
            access=tuple(AccessResult(r, None, why) for r in requests),
        )
    amr = amr_for(login)
    tags = dict(outcome.principal_tags)
    trust = evaluate_trust(
        role,
        identity_pool_id=pool.identity_pool_id,
        amr=amr,
        identity_id=identity_id,
        principal_tags=tags,
        flow=decision.flow,
        assumptions=assumptions,
        now=now,
    )
    if trust.outcome == "denied" and trust.error is not None:
        # [M] InvalidIdentityPoolConfigurationException: "STS returned an error response to the
        # request to assume the ... role"; the basic flow sees STS's AccessDenied itself [RTP].
        refused = Refused(ServiceError(trust.error.code, trust.error.message), outcome.decided_by)
        why = f"STS refuses {trust.failed_action or 'the role'}: {trust.reason}"
        return replace(
            decision,
            outcome=refused,
            trust=trust,
            access=tuple(AccessResult(r, None, why) for r in requests),
        )
    results = tuple(
        AccessResult(
            r,
            evaluate_for_role(
                Request(r.action, r.resource, dict(r.context)),
                role=role,
                iam=iam,
                identity_pool_id=pool.identity_pool_id,
                identity_id=identity_id,
                amr=amr,
                principal_tags=tags,
                flow=decision.flow,
                assumptions=assumptions,
                now=now,
            ),
        )
        for r in requests
    )
    return replace(decision, trust=trust, access=results)
