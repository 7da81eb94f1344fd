"""Trust and access for the role a decision hands out: the `Assessment` of one login.

The identity pool's decision (resolve) says which role; this says whether STS lets the pool assume it
with the session tags the pool derived, and what the resulting credentials may do. Pure: no I/O.

Where rolesim lacks what it needs to decide (the role, a managed policy or a boundary is not in the
IAM data), the answer is `unknown` with what is missing; it is never turned into a denial.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

import msgspec

from simulator.claims import Login, default_identity_id
from simulator.decision import (
    DecidedBy,
    Decision,
    Granted,
    Outcome,
    OutcomeView,
    Refused,
    ServiceError,
)
from simulator.iam import (
    AccessDecision,
    IamData,
    IamRole,
    Request,
    TrustDecision,
    evaluate_for_role,
    evaluate_trust,
)
from simulator.model.pool import IdentityPool
from simulator.model.providers import OIDC_ARN, ProviderKind
from simulator.node import Node
from simulator.request import LoginRequest

ContextValue = str | tuple[str, ...]
Verdict = Literal["allowed", "explicit_deny", "implicit_deny", "no_credentials", "unknown"]
Credentials = Literal["issued", "refused", "unknown"]


class AccessRequest(msgspec.Struct, frozen=True):
    """An AWS API request made with the credentials: action, resource, and its own context keys."""

    action: str
    resource: str
    context: Mapping[str, ContextValue] = msgspec.field(default_factory=dict)


REQUEST_FIELDS = ("action", "resource", "context")


def access_request_of(node: Node, *, extra: Sequence[str] = ()) -> AccessRequest:
    """An access request written as {action, resource, context} (CONTRACT §6), checked with the
    paths of what is wrong; `extra` admits more fields, and `resource_tags` (a cases file's
    shorthand) becomes `aws:ResourceTag/<key>` context."""
    node.check_keys((*REQUEST_FIELDS, *extra), required=("action", "resource"))
    context: dict[str, ContextValue] = {}
    for field_name in ("context", "resource_tags"):
        given = node.get(field_name)
        for key, value in given.items() if given is not None else ():
            text: ContextValue = (
                value.strings() if isinstance(value.value, list) else value.string()
            )
            context[f"aws:ResourceTag/{key}" if field_name == "resource_tags" else key] = text
    action = node.require("action").string(length=(1, 10_240))
    return AccessRequest(action, node.require("resource").string(length=(1, 10_240)), context)


class AccessResult(msgspec.Struct, frozen=True):
    request: AccessRequest
    verdict: Verdict
    reason: str
    decision: AccessDecision | None = None  # the engine's answer, when it could run
    missing: tuple[str, ...] = ()  # what rolesim would need to decide, for `unknown`

    def to_json(self) -> dict[str, Any]:
        engine = self.decision.to_json() if self.decision is not None else {}
        return {
            "decision": self.verdict,
            "action": self.request.action,
            "resource": self.request.resource,
            "matched": engine.get("matched", []),
            "reason": self.reason,
            "uncertain": engine.get("uncertain", []),
            "warnings": engine.get("warnings", []),
            "missing": list(self.missing),
        }


class Assessment(OutcomeView, msgspec.Struct, frozen=True):
    """One login's whole answer: the pool's decision, STS's trust, and the requests' access.

    `outcome` is final: the pool's own, or STS's refusal when the role's trust policy refuses the pool
    (then `decided_by` is `error` and `pool_decision` keeps the role the pool chose).
    """

    request: LoginRequest
    decision: Decision
    outcome: Outcome
    trust: TrustDecision | None = None  # None: no IAM data to evaluate trust with
    access: tuple[AccessResult, ...] = ()
    notes: tuple[str, ...] = ()
    iam_evaluated: bool = False

    @property
    def uncertain(self) -> tuple[Any, ...]:
        return self.decision.uncertain

    @property
    def credentials(self) -> Credentials:
        """Whether credentials are issued; `unknown` when the role's trust cannot be evaluated."""
        if isinstance(self.outcome, Refused):
            return "refused"
        return "unknown" if self.trust is not None and self.trust.outcome == "unknown" else "issued"

    @property
    def rests_on(self) -> tuple[str, ...]:
        """Every named assumption whose alternative changes part of this answer: the pool's
        decision, the trust, or a request's access."""
        names = [u.assumption for u in self.decision.uncertain]
        if self.trust is not None:
            names += [u.assumption for u in self.trust.uncertain]
        names += [u.assumption for a in self.access if a.decision for u in a.decision.uncertain]
        return tuple(dict.fromkeys(names))

    @property
    def unknowns(self) -> tuple[str, ...]:
        """Every reason part of this answer could not be decided, for gates to fail on."""
        out = []
        if self.credentials == "unknown" and self.trust is not None:
            out.append(f"trust: {self.trust.reason}")
        out.extend(
            f"{a.request.action} on {a.request.resource}: {a.reason}"
            for a in self.access
            if a.verdict == "unknown"
        )
        return tuple(out)

    def to_json(self, *, trace: bool = True) -> dict[str, Any]:
        """CONTRACT §5, plus identity_id, notes, assumptions, token, trust, access and trace."""
        d, o = self.decision, self.outcome
        out = d.to_json(trace=False, outcome=o)
        out["notes"] = list(self.notes)
        if self.request.claims is not None:
            out["token"] = self.request.info.to_json()
        if o is not d.outcome:
            pool = d.outcome
            out["pool_decision"] = {
                "role_arn": pool.role_arn if isinstance(pool, Granted) else None,
                "decided_by": pool.decided_by.to_json(),
            }
        if self.trust is not None:
            out["trust"] = self.trust.to_json()
        if self.access:
            out["access"] = [a.to_json() for a in self.access]
        if self.unknowns:
            out["unknown"] = list(self.unknowns)
        if trace:
            out.update(d.observed_json())
            out["trace"] = [s.to_json() for s in d.trace]
        return out


def amr_for(login: Login) -> tuple[str, ...]:
    """[IAM-CK]: `unauthenticated`, or `authenticated` plus the login provider's name as Logins names it."""
    if not login.authenticated or login.provider is None:
        return ("unauthenticated",)
    name = login.provider.name
    if login.provider.kind is ProviderKind.OIDC and (m := OIDC_ARN.fullmatch(name)):
        name = m["url"]  # the OIDC Logins key is the issuer host [OIDC]
    return ("authenticated", name)


def assess(
    pool: IdentityPool,
    decision: Decision,
    login: Login,
    request: LoginRequest,
    requests: Sequence[AccessRequest] = (),
    *,
    iam: IamData | None = None,
    notes: tuple[str, ...] = (),
    now: datetime | None = None,
) -> Assessment:
    """Trust and access for the role `decision` grants at `now` (without it the time keys are
    missing); a trust refusal means no credentials."""
    iam = iam if iam is not None else pool.iam
    outcome = decision.outcome

    def done(
        final: Outcome = outcome,
        trust: TrustDecision | None = None,
        access: tuple[AccessResult, ...] = (),
    ) -> Assessment:
        return Assessment(request, decision, final, trust, access, notes, iam is not None)

    if iam is None:
        why = "no IAM data (IamRoles in the pool file, or --iam): access was not evaluated"
        return done(
            access=tuple(AccessResult(r, "unknown", why, missing=("IamRoles",)) for r in requests)
        )
    if isinstance(outcome, Refused):
        why = f"the identity pool issues no credentials ({outcome.error.code})"
        return done(access=tuple(AccessResult(r, "no_credentials", why) for r in requests))
    role = iam.role(outcome.role_arn)
    if role is None:
        why = f"{outcome.role_arn} is not described in the IAM data (IamRoles or --iam)"
        trust = TrustDecision("unknown", outcome.role_arn, decision.flow, None, why, (), (), None)
        missing = (f"IamRoles entry for {outcome.role_arn}",)
        return done(
            trust=trust,
            access=tuple(AccessResult(r, "unknown", why, missing=missing) for r in requests),
        )
    identity_id = decision.identity_id or default_identity_id(pool.identity_pool_id, login)
    amr = amr_for(login)
    tags = dict(outcome.principal_tags)
    trust = evaluate_trust(
        role,
        identity_pool_id=pool.identity_pool_id,
        amr=amr,
        identity_id=identity_id,
        principal_tags=tags,
        flow=decision.flow,
        assumptions=pool.assumptions,
        now=now,
    )
    if trust.outcome == "denied" and trust.error is not None:
        # [M] InvalidIdentityPoolConfigurationException: "STS returned an error response to the
        # request to assume the ... role"; the basic flow sees STS's AccessDenied itself [RTP].
        refused = Refused(ServiceError(trust.error.code, trust.error.message), DecidedBy("error"))
        why = f"STS refuses {trust.failed_action or 'the role'}: {trust.reason}"
        return done(refused, trust, tuple(AccessResult(r, "no_credentials", why) for r in requests))
    results = tuple(
        _access(
            r,
            role,
            iam,
            evaluate_for_role(
                Request(r.action, r.resource, dict(r.context)),
                role=role,
                iam=iam,
                identity_pool_id=pool.identity_pool_id,
                identity_id=identity_id,
                amr=amr,
                principal_tags=tags,
                flow=decision.flow,
                assumptions=pool.assumptions,
                now=now,
            ),
        )
        for r in requests
    )
    return done(trust=trust, access=results)


def _access(
    request: AccessRequest, role: IamRole, iam: IamData, decision: AccessDecision
) -> AccessResult:
    """The engine's answer, or `unknown` where a policy it would need was not supplied.

    A missing attached policy could allow or deny; a missing boundary can only restrict. So only an
    explicit deny from what is known stands, and an implicit deny stands when only a boundary is
    missing (IAM evaluation logic: explicit deny wins; the boundary limits what identity policies allow).
    """
    verdict: Verdict = decision.decision
    missing = iam.missing_policies(role)
    if not missing or verdict == "explicit_deny":
        undecided = decision.missing_context + decision.unresolved  # the engine's own unknowns
        return AccessResult(request, verdict, decision.reason, decision, undecided)
    only_boundary = missing == (role.permissions_boundary_arn,)
    if verdict == "implicit_deny" and only_boundary:
        return AccessResult(request, verdict, decision.reason, decision)
    why = (
        f"{decision.reason}; but {', '.join(missing)} (attached to {role.name}) was not supplied, "
        "and it could change this"
    )
    return AccessResult(request, "unknown", why, decision, missing)
