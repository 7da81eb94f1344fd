"""Trust: may the identity pool's web identity assume the role (and tag the session)?

cognito-semantics.md §5: the trust policy names the federated principal
`cognito-identity.amazonaws.com`, tests `cognito-identity.amazonaws.com:aud` (the pool id) and the
multivalued `:amr` (`authenticated` plus the login provider, or `unauthenticated`), and must also allow
`sts:TagSession` when principal tags are passed
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html). A refusal surfaces as
`InvalidIdentityPoolConfigurationException` in the enhanced flow and `AccessDenied` in the basic flow.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal

import msgspec

from simulator.assumptions import DEFAULTS, AssumptionSet
from simulator.iam.conditions import Trace
from simulator.iam.evaluate import (
    AccessDecision,
    MatchedStatement,
    Uncertainty,
    WebIdentityPrincipal,
    _principal_relation,
    evaluate,
)
from simulator.iam.patterns import ContextValue
from simulator.iam.policy import NamedPolicy
from simulator.iam.request import OpenContext, Request
from simulator.iam.roles import IamRole
from simulator.iam.session import COGNITO_PROVIDER, time_context
from simulator.request import Flow

ASSUME_ACTION: Final = "sts:AssumeRoleWithWebIdentity"
TAG_ACTION: Final = "sts:TagSession"
ENHANCED_ERROR_CODE: Final = "InvalidIdentityPoolConfigurationException"
ENHANCED_ERROR_MESSAGE: Final = (
    "Invalid identity pool configuration. Check assigned IAM roles for this pool."
)
BASIC_ERROR_CODE: Final = "AccessDenied"
Outcome = Literal["allowed", "denied", "unknown"]


class TrustError(msgspec.Struct, frozen=True):
    """The AWS error a refused trust maps to."""

    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class TrustDecision(msgspec.Struct, frozen=True):
    outcome: Outcome  # unknown: the trust policy was not supplied, or depends on what is not known
    role_arn: str
    flow: Flow
    failed_action: str | None
    reason: str
    matched: tuple[MatchedStatement, ...]
    checks: tuple[AccessDecision, ...]  # one per action evaluated, in order
    error: TrustError | None
    uncertain: tuple[Uncertainty, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.outcome == "allowed"

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "role_arn": self.role_arn,
            "flow": self.flow,
            "failed_action": self.failed_action,
            "reason": self.reason,
            "matched": [m.to_json() for m in self.matched],
            "checks": [c.to_json() for c in self.checks],
            "error": self.error.to_json() if self.error else None,
            "uncertain": [u.to_json() for u in self.uncertain],
            "warnings": list(self.warnings),
        }


def trust_context(
    *,
    identity_pool_id: str,
    amr: Sequence[str],
    identity_id: str,
    principal_tags: Mapping[str, str],
    provider: str = COGNITO_PROVIDER,
) -> dict[str, ContextValue]:
    """The AssumeRoleWithWebIdentity request context: web identity keys and the tags being passed."""
    context: dict[str, ContextValue] = {
        f"{provider}:aud": identity_pool_id,
        f"{provider}:amr": tuple(amr),
        f"{provider}:sub": identity_id,
    }
    for key, value in principal_tags.items():
        context[f"aws:RequestTag/{key}"] = value
    if principal_tags:
        context["aws:TagKeys"] = tuple(principal_tags)
    return context


def evaluate_trust(
    role: IamRole,
    *,
    identity_pool_id: str,
    amr: Sequence[str],
    identity_id: str,
    principal_tags: Mapping[str, str],
    flow: Flow,
    provider: str = COGNITO_PROVIDER,
    assumptions: AssumptionSet = DEFAULTS,
    now: datetime | None = None,
) -> TrustDecision:
    """May the pool's web identity assume `role` (and tag the session) at `now`?

    The AssumeRoleWithWebIdentity request carries the web identity keys and the tags being passed;
    any other key a trust policy tests is missing, and a trust that depends on it is unknown.
    """
    if role.trust_policy is None:
        return TrustDecision(
            "unknown",
            role.arn,
            flow,
            None,
            f"the trust policy of {role.arn} was not supplied (AssumeRolePolicyDocument)",
            (),
            (),
            None,
        )
    context = trust_context(
        identity_pool_id=identity_pool_id,
        amr=amr,
        identity_id=identity_id,
        principal_tags=principal_tags,
        provider=provider,
    )
    trust = NamedPolicy(f"{role.name} trust policy", role.trust_policy)
    caller = WebIdentityPrincipal(provider)
    actions = (ASSUME_ACTION, TAG_ACTION) if principal_tags else (ASSUME_ACTION,)
    checks: list[AccessDecision] = []
    open_keys = OpenContext(
        frozenset({"aws:tagkeys"}), (f"{provider.lower()}:", "aws:requesttag/", "aws:principaltag/")
    )
    for action in actions:
        request = Request(action, role.arn, {**time_context(now), **context}, open_keys)
        check = evaluate(request, resource_policy=trust, principal=caller, assumptions=assumptions)
        checks.append(check)
        if check.decision == "unknown":
            return _undecided(role, flow, action, check, tuple(checks))
        if not check.allowed:
            refused = _refused(role, flow, action, check, tuple(checks), principal_tags)
            if check.decision != "explicit_deny":
                refused = msgspec.structs.replace(
                    refused, reason=f"{refused.reason}; {_why_not(trust, request, caller)}"
                )
            return refused
    matched = tuple(m for check in checks for m in check.matched)
    return TrustDecision(
        "allowed",
        role.arn,
        flow,
        None,
        f"the trust policy of {role.name} allows {' and '.join(actions)} for {provider}",
        matched,
        tuple(checks),
        None,
        tuple(u for check in checks for u in check.uncertain),
        tuple(dict.fromkeys(w for check in checks for w in check.warnings)),
    )


def _undecided(
    role: IamRole,
    flow: Flow,
    action: str,
    check: AccessDecision,
    checks: tuple[AccessDecision, ...],
) -> TrustDecision:
    """The trust policy decides on something the request or the policy text leaves open."""
    return TrustDecision(
        "unknown",
        role.arn,
        flow,
        action,
        f"the trust policy of {role.name} for {action}: {check.reason}",
        check.matched,
        checks,
        None,
        tuple(u for c in checks for u in c.uncertain),
        tuple(dict.fromkeys(w for c in checks for w in c.warnings)),
    )


def _why_not(trust: NamedPolicy, request: Request, caller: WebIdentityPrincipal) -> str:
    """What each Allow statement lacks for this request, and the web identity values the session
    carries: what a reviewer needs to fix the trust policy [RTP]."""
    context = request.normalised
    reasons: list[str] = []
    for st in trust.policy.statements:
        label = f"statement {st.index}" + (f" ({st.sid})" if st.sid else "")
        if st.effect != "Allow":
            continue
        if st.action_matches(request.action_key) is False:
            reasons.append(f"{label} does not name {request.action}")
            continue
        if _principal_relation(st.principal, st.not_principal, caller) is None:
            reasons.append(f"{label} names another principal than {caller.provider}")
            continue
        trace = Trace()
        failed = next((c for c in st.clauses if c.test(context, trace) is False), None)
        if failed is not None:
            carried = context.get(failed.key)
            reasons.append(
                f"{label}'s condition {failed.operator} {failed.key_text} = "
                f"{_text(list(failed.values))} is false: the request carries "
                f"{_text(carried) if carried is not None else 'no such key'}"
            )
    keys = ("aud", "amr", "sub")
    carried = ", ".join(
        f"{caller.provider}:{k} = {_text(context.get(f'{caller.provider}:{k}'.lower()))}"
        for k in keys
    )
    return "; ".join([*reasons, f"the session would carry {carried}"])


def _text(value: object) -> str:
    return json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False)


def _refused(
    role: IamRole,
    flow: Flow,
    action: str,
    check: AccessDecision,
    checks: tuple[AccessDecision, ...],
    principal_tags: Mapping[str, str],
) -> TrustDecision:
    if check.decision == "explicit_deny":
        why = check.reason
    else:
        why = f"no statement of the trust policy of {role.name} allows {action} for this identity"
    if action == TAG_ACTION:
        why += f" (principal tags are passed: {', '.join(sorted(principal_tags))})"
    if flow == "enhanced":
        error = TrustError(ENHANCED_ERROR_CODE, ENHANCED_ERROR_MESSAGE)
    else:
        error = TrustError(BASIC_ERROR_CODE, f"Not authorized to perform {action}")
    return TrustDecision(
        "denied",
        role.arn,
        flow,
        action,
        why,
        check.matched,
        checks,
        error,
        tuple(u for c in checks for u in c.uncertain),
        tuple(dict.fromkeys(w for c in checks for w in c.warnings)),
    )
