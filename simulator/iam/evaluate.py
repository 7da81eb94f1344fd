"""AWS policy evaluation for a role session acting in its own account.

Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
(steps: deny evaluation, Organizations SCPs, resource-based policies, identity-based policies,
permissions boundaries, session policies) and
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session (a resource
policy naming the role ARN is limited by session policies; one naming the session ARN is not).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from simulator.iam import catalogue
from simulator.iam.assumptions import (
    DEFAULTS,
    NOTRESOURCE_UNSET_VARIABLE,
    RESOURCE_POLICY_WILDCARD_PRINCIPAL,
    SESSION_POLICIES_COMBINE,
    SINGLE_VALUED_OPERATOR_ON_MULTIVALUED_KEY,
    Assumptions,
)
from simulator.iam.conditions import Trace
from simulator.iam.policy import Effect, NamedPolicy, PrincipalSpec, Statement
from simulator.iam.request import Request

Decision = Literal["allowed", "explicit_deny", "implicit_deny"]
# The slot a policy was given in; shown in every matched statement.
Kind = Literal["identity", "permissions_boundary", "session", "resource", "scp", "trust"]

DEFAULT_SESSION_NAME: Final = "CognitoIdentityCredentials"


@dataclass(frozen=True, slots=True)
class MatchedStatement:
    policy: str
    statement_index: int
    sid: str | None
    effect: Effect
    kind: Kind

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "statement_index": self.statement_index,
            "sid": self.sid,
            "effect": self.effect,
            "kind": self.kind,
        }


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """A named assumption whose alternative would change the decision (CONTRACT §5 shape)."""

    assumption: str
    detail: str
    alternative_outcome: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "assumption": self.assumption,
            "detail": self.detail,
            "alternative_outcome": dict(self.alternative_outcome),
        }


@dataclass(frozen=True, slots=True)
class AccessDecision:
    decision: Decision
    action: str
    resource: str
    matched: tuple[MatchedStatement, ...]  # the statements that decided it
    reason: str
    uncertain: tuple[Uncertainty, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"

    def to_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "action": self.action,
            "resource": self.resource,
            "matched": [m.to_json() for m in self.matched],
            "reason": self.reason,
            "uncertain": [u.to_json() for u in self.uncertain],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class SessionPrincipal:
    """The caller as a resource policy's Principal element sees it: a role session."""

    role_arn: str
    session_name: str | None = DEFAULT_SESSION_NAME

    @property
    def account_id(self) -> str:
        parts = self.role_arn.split(":")
        return parts[4] if len(parts) > 5 else ""

    @property
    def session_arn(self) -> str | None:
        """`arn:aws:sts::<account>:assumed-role/<role name without path>/<session name>`."""
        if self.session_name is None:
            return None
        parts = self.role_arn.split(":", 5)
        if len(parts) < 6:
            return None
        role_name = parts[5].rsplit("/", 1)[-1]
        return f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{role_name}/{self.session_name}"


@dataclass(frozen=True, slots=True)
class WebIdentityPrincipal:
    """The caller of AssumeRoleWithWebIdentity: a federated principal such as
    `cognito-identity.amazonaws.com`. A policy given as `resource_policy` is then the role's trust policy."""

    provider: str


Caller = SessionPrincipal | WebIdentityPrincipal


# How a resource-policy statement's principal relates to the caller.
_SESSION, _ROLE, _ACCOUNT, _WILDCARD = "session", "role", "account", "wildcard"


def _principal_relation(
    spec: PrincipalSpec | None, negated: bool, caller: Caller | None
) -> str | None:
    if spec is None:
        return None
    relation: str | None = None
    if isinstance(caller, WebIdentityPrincipal):
        # A web identity has no policies of its own: whatever names it grants it directly.
        if spec.wildcard or caller.provider in spec.federated:
            relation = _SESSION
    elif spec.wildcard:
        relation = _WILDCARD
    elif caller is not None:
        account = caller.account_id
        session_arn = caller.session_arn
        for entry in spec.aws:
            if session_arn is not None and entry == session_arn:
                relation = _SESSION
                break
            if entry == caller.role_arn:
                relation = _ROLE
            elif (
                relation is None and account and entry in (account, f"arn:aws:iam::{account}:root")
            ):
                relation = _ACCOUNT
    if negated:
        # NotPrincipal: applies to everyone not listed (treated like a wildcard grant).
        return None if relation is not None else _WILDCARD
    return relation


def _caller_from_context(request: Request) -> SessionPrincipal | None:
    context = request.normalised
    role_arn = context.get("aws:principalarn")
    if type(role_arn) is not str:
        return None
    userid = context.get("aws:userid")
    session = userid.split(":", 1)[1] if type(userid) is str and ":" in userid else None
    return SessionPrincipal(role_arn, session)


# --- evaluation -------------------------------------------------------------------------------


def _matched(named: NamedPolicy, kind: Kind, statement: Statement) -> MatchedStatement:
    return MatchedStatement(named.name, statement.index, statement.sid, statement.effect, kind)


def _label(item: MatchedStatement) -> str:
    sid = f" ({item.sid})" if item.sid else ""
    return (
        f"{item.kind.replace('_', ' ')} policy {item.policy} statement {item.statement_index}{sid}"
    )


def evaluate(
    request: Request,
    *,
    identity_policies: Sequence[NamedPolicy] = (),
    permissions_boundary: NamedPolicy | None = None,
    session_policies: Sequence[NamedPolicy] = (),
    resource_policy: NamedPolicy | None = None,
    scps: Sequence[NamedPolicy] = (),
    principal: Caller | None = None,
    assumptions: Assumptions = DEFAULTS,
) -> AccessDecision:
    """Decide one request. Each SCP given must allow it (one SCP per level of the organization).

    When a named assumption decided part of the evaluation, the request is evaluated again with that
    assumption switched, and the decision lists it in `uncertain` if the outcome differs.
    """
    inputs = (
        identity_policies,
        permissions_boundary,
        session_policies,
        resource_policy,
        scps,
        principal,
    )
    decision, notes = _evaluate_once(request, *inputs, assumptions)
    warnings = _warnings(request, inputs)
    if notes is None and not warnings:
        return decision
    uncertain: list[Uncertainty] = []
    for name, detail in _first_per_assumption(notes or []):
        alternative, _ = _evaluate_once(request, *inputs, assumptions.flipped(name))
        if alternative.decision != decision.decision:
            uncertain.append(
                Uncertainty(
                    name,
                    detail,
                    {"decision": alternative.decision, "reason": alternative.reason},
                )
            )
    return AccessDecision(
        decision.decision,
        decision.action,
        decision.resource,
        decision.matched,
        decision.reason,
        tuple(uncertain),
        warnings,
    )


def _first_per_assumption(notes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for name, detail in notes:
        seen.setdefault(name, detail)
    return list(seen.items())


def _warnings(
    request: Request,
    inputs: tuple[
        Sequence[NamedPolicy],
        NamedPolicy | None,
        Sequence[NamedPolicy],
        NamedPolicy | None,
        Sequence[NamedPolicy],
        Caller | None,
    ],
) -> tuple[str, ...]:
    identity, boundary, session, resource, scps, _ = inputs
    found: list[str] = []
    for named in (*identity, boundary, *session, resource, *scps):
        if named is not None and named.policy.warnings:
            found.extend(f"{named.name}: {w}" for w in named.policy.warnings)
    warning = catalogue.request_action_warning(request.action) if request.action else None
    if warning:
        found.append(warning)
    return tuple(found)


def _evaluate_once(
    request: Request,
    identity_policies: Sequence[NamedPolicy],
    permissions_boundary: NamedPolicy | None,
    session_policies: Sequence[NamedPolicy],
    resource_policy: NamedPolicy | None,
    scps: Sequence[NamedPolicy],
    principal: Caller | None,
    assumptions: Assumptions,
) -> tuple[AccessDecision, list[tuple[str, str]] | None]:
    trace = Trace(
        multivalued_no_match=assumptions.uses_alternative(
            SINGLE_VALUED_OPERATOR_ON_MULTIVALUED_KEY
        ),
        notresource_invalid=assumptions.uses_alternative(NOTRESOURCE_UNSET_VARIABLE),
    )
    denies: list[MatchedStatement] = []

    # Identity-based policies: at least one Allow among all of them.
    identity_allows: list[MatchedStatement] = []
    for named in identity_policies:
        for statement in named.policy.statements:
            if statement.matches(request, trace):
                item = _matched(named, "identity", statement)
                (denies if statement.effect == "Deny" else identity_allows).append(item)

    boundary_allows: list[MatchedStatement] = []
    if permissions_boundary is not None:
        for statement in permissions_boundary.policy.statements:
            if statement.matches(request, trace):
                item = _matched(permissions_boundary, "permissions_boundary", statement)
                (denies if statement.effect == "Deny" else boundary_allows).append(item)

    session_allows: list[MatchedStatement] = []
    session_missing: list[str] = []  # session policies with no Allow for the request
    for named in session_policies:
        allowed_here = False
        for statement in named.policy.statements:
            if statement.matches(request, trace):
                item = _matched(named, "session", statement)
                if statement.effect == "Deny":
                    denies.append(item)
                else:
                    session_allows.append(item)
                    allowed_here = True
        if not allowed_here:
            session_missing.append(named.name)

    scp_allows: list[MatchedStatement] = []
    scp_missing: list[str] = []
    for named in scps:
        allowed_here = False
        for statement in named.policy.statements:
            if statement.matches(request, trace):
                item = _matched(named, "scp", statement)
                if statement.effect == "Deny":
                    denies.append(item)
                else:
                    scp_allows.append(item)
                    allowed_here = True
        if not allowed_here:
            scp_missing.append(named.name)

    direct_grants: list[MatchedStatement] = []  # naming the session: not limited by implicit denies
    role_grants: list[
        MatchedStatement
    ] = []  # naming the role: limited by boundary and session policies
    if resource_policy is not None:
        caller = principal if principal is not None else _caller_from_context(request)
        resource_kind: Kind = "trust" if isinstance(caller, WebIdentityPrincipal) else "resource"
        wildcard_is_role = assumptions.uses_alternative(RESOURCE_POLICY_WILDCARD_PRINCIPAL)
        for statement in resource_policy.policy.statements:
            relation = _principal_relation(statement.principal, statement.not_principal, caller)
            if relation is None or not statement.matches(request, trace):
                continue
            item = _matched(resource_policy, resource_kind, statement)
            if statement.effect == "Deny":
                denies.append(item)
            elif relation == _SESSION:
                direct_grants.append(item)
            elif relation == _ROLE:
                role_grants.append(item)
            elif relation == _WILDCARD:
                trace.note(
                    RESOURCE_POLICY_WILDCARD_PRINCIPAL,
                    f'resource policy statement {statement.index} grants Principal "*"',
                )
                (role_grants if wildcard_is_role else direct_grants).append(item)
            # _ACCOUNT: in the same account a grant to the account delegates to IAM policies.

    action, resource = request.action, request.resource

    def decided(decision: Decision, matched: list[MatchedStatement], reason: str) -> AccessDecision:
        return AccessDecision(decision, action, resource, tuple(matched), reason)

    # 1. An explicit deny in any policy wins.
    if denies:
        reason = f"explicitly denied by {_label(denies[0])}"
        if len(denies) > 1:
            reason += f" and {len(denies) - 1} more statement(s)"
        return decided("explicit_deny", denies, reason), trace.notes

    # 2. Every SCP must allow.
    if scp_missing:
        return (
            decided("implicit_deny", [], f"no statement in SCP {scp_missing[0]} allows {action}"),
            trace.notes,
        )

    # 3. A same-account resource policy naming the session grants it regardless of other implicit denies.
    if direct_grants:
        return decided(
            "allowed",
            direct_grants + scp_allows,
            f"{action} is allowed by {_label(direct_grants[0])}",
        ), trace.notes

    # 4-6. Identity (or a grant naming the role), then the boundary, then session policies.
    if not identity_allows and not role_grants:
        reason = f"no identity-based policy allows {action}"
        if resource_policy is not None:
            reason += " and the resource policy does not grant it to this principal"
        return decided("implicit_deny", [], reason), trace.notes
    granted = identity_allows + role_grants
    if permissions_boundary is not None and not boundary_allows:
        reason = f"the permissions boundary {permissions_boundary.name} does not allow {action}"
        return decided("implicit_deny", granted, reason), trace.notes
    if session_policies:
        # Named assumption session-policies-combine: by default any session policy suffices.
        intersection = assumptions.uses_alternative(SESSION_POLICIES_COMBINE)
        if session_allows and session_missing and not intersection:
            trace.note(
                SESSION_POLICIES_COMBINE,
                f"session policy {session_missing[0]} does not allow {action} but another does",
            )
        if not session_allows:
            reason = f"no session policy allows {action}"
            return decided("implicit_deny", granted + boundary_allows, reason), trace.notes
        if intersection and session_missing:
            reason = f"session policy {session_missing[0]} does not allow {action}"
            return decided("implicit_deny", granted + boundary_allows, reason), trace.notes
    matched = granted + boundary_allows + session_allows + scp_allows
    return decided("allowed", matched, f"{action} is allowed by {_label(granted[0])}"), trace.notes
