"""AWS policy evaluation for a role session acting in its own account.

Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
(steps: deny evaluation, Organizations SCPs, resource-based policies, identity-based policies,
permissions boundaries, session policies) and
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session (a resource
policy naming the role ARN is limited by session policies; one naming the session ARN is not).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Final, Literal, NamedTuple

import msgspec

from simulator.assumptions import DEFAULTS, AssumptionSet, Name
from simulator.iam import catalogue
from simulator.iam.conditions import Trace, Unknown
from simulator.iam.policy import Effect, NamedPolicy, PrincipalSpec, Statement
from simulator.iam.request import Request
from simulator.record import WithExtras

# unknown: the outcome depends on a context key the request is silent about, or on a value an
# importer could not resolve offline; `reason` says which, `missing_context`/`unresolved` list them.
Decision = Literal["allowed", "explicit_deny", "implicit_deny", "unknown"]
# The slot a policy was given in; shown in every matched statement.
Kind = Literal["identity", "permissions_boundary", "session", "resource", "scp", "trust"]

DEFAULT_SESSION_NAME: Final = "CognitoIdentityCredentials"


class MatchedStatement(WithExtras, msgspec.Struct, frozen=True, eq=False):
    policy: str
    statement_index: int
    sid: str | None
    effect: Effect
    kind: Kind
    # How a reason names it: derived by __post_init__, an extra (not part of the value).
    extra_fields: ClassVar[int] = 1
    label: str = ""

    def __post_init__(self) -> None:
        sid = f" ({self.sid})" if self.sid else ""
        kind = self.kind.replace("_", " ")
        label = f"{kind} policy {self.policy} statement {self.statement_index}{sid}"
        msgspec.structs.force_setattr(self, "label", label)

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "statement_index": self.statement_index,
            "sid": self.sid,
            "effect": self.effect,
            "kind": self.kind,
        }


class Uncertainty(msgspec.Struct, frozen=True):
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


class AccessDecision(msgspec.Struct, frozen=True):
    decision: Decision
    action: str
    resource: str
    matched: tuple[MatchedStatement, ...]  # the statements that decided it
    reason: str
    uncertain: tuple[Uncertainty, ...] = ()
    warnings: tuple[str, ...] = ()
    # With decision unknown: context keys a real request carries that were not given (IAM's simulator
    # calls them MissingContextValues), and constructs an importer could not resolve.
    missing_context: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()

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
            "missing_context_values": list(self.missing_context),
            "unresolved": list(self.unresolved),
        }


class SessionPrincipal(msgspec.Struct, frozen=True):
    """The caller as a resource policy's Principal element sees it: a role session."""

    role_arn: str
    session_name: str | None = DEFAULT_SESSION_NAME

    @property
    def account_id(self) -> str:
        parts = self.role_arn.split(":")
        return parts[4] if len(parts) > 5 else ""

    @property
    def root_arn(self) -> str:
        """The account principal `arn:<partition>:iam::<account>:root`."""
        parts = self.role_arn.split(":")
        partition = parts[1] if len(parts) > 1 else "aws"
        return f"arn:{partition}:iam::{self.account_id}:root"

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


class WebIdentityPrincipal(msgspec.Struct, frozen=True):
    """The caller of AssumeRoleWithWebIdentity: a federated principal such as
    `cognito-identity.amazonaws.com`. A policy given as `resource_policy` is then the role's trust policy."""

    provider: str


Caller = SessionPrincipal | WebIdentityPrincipal


# Shared stand-in for a list of matches that no policy of its kind can fill; never appended to.
_NO_MATCHES: Final[list[MatchedStatement]] = []

# How a resource-policy statement's principal relates to the caller.
_SESSION, _ROLE, _ACCOUNT, _WILDCARD = "session", "role", "account", "wildcard"
_UNRESOLVED = "unresolved"


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
            elif relation is None and account and entry in (account, caller.root_arn):
                relation = _ACCOUNT
    if negated:
        # NotPrincipal: applies to everyone not listed (treated like a wildcard grant).
        if relation is not None:
            return None
        return _UNRESOLVED if spec.unresolved else _WILDCARD
    if relation is None and spec.unresolved:
        return _UNRESOLVED  # an entry an importer could not resolve might name the caller
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
    key = (kind, statement.index)
    found: MatchedStatement | None = named.matched_cache.get(key)
    if found is None:
        found = MatchedStatement(named.name, statement.index, statement.sid, statement.effect, kind)
        named.matched_cache[key] = found
    return found


class _Maybe(msgspec.Struct, frozen=True):
    """A statement whose match depends on something the request or the policy text leaves open."""

    slot: str  # deny | identity | boundary | session | scp | direct | role (the step it feeds)
    item: MatchedStatement
    statement: Statement
    policy: str
    principal_unresolved: tuple[str, ...] = ()


def _each_policy(
    policies: Sequence[NamedPolicy],
    kind: Kind,
    request: Request,
    trace: Trace,
    denies: list[MatchedStatement],
    maybes: list[_Maybe],
) -> tuple[list[MatchedStatement], list[str]]:
    """Allows across `policies` (denies go to `denies`), and the names of those allowing nothing."""
    if not policies:
        return _NO_MATCHES, []
    allows: list[MatchedStatement] = []
    missing: list[str] = []
    for named in policies:
        allowed_here = False
        for statement in named.policy.statements:
            hit = statement.matches(request, trace)
            if hit is False:
                continue
            item = _matched(named, kind, statement)
            deny = statement.effect == "Deny"
            if hit is None:
                maybes.append(_Maybe("deny" if deny else kind, item, statement, named.name))
            elif deny:
                denies.append(item)
            else:
                allows.append(item)
                allowed_here = True
        if not allowed_here:
            missing.append(named.name)
    return allows, missing


def evaluate(
    request: Request,
    *,
    identity_policies: Sequence[NamedPolicy] = (),
    permissions_boundary: NamedPolicy | None = None,
    session_policies: Sequence[NamedPolicy] = (),
    resource_policy: NamedPolicy | None = None,
    scps: Sequence[NamedPolicy] = (),
    principal: Caller | None = None,
    assumptions: AssumptionSet = DEFAULTS,
) -> AccessDecision:
    """Decide one request. Each SCP given must allow it (one SCP per level of the organization).

    When a named assumption decided part of the evaluation, the request is evaluated again with that
    assumption switched, and the decision lists it in `uncertain` if the outcome differs.
    """
    if request.problem is not None:
        return AccessDecision("unknown", request.action, request.resource, (), request.problem)
    decision, notes = _evaluate_once(
        request,
        identity_policies,
        permissions_boundary,
        session_policies,
        resource_policy,
        scps,
        principal,
        assumptions,
    )
    if (
        catalogue.is_known(request.action_key)
        and not (identity_policies and _has_policy_warnings(identity_policies))
        and not (session_policies and _has_policy_warnings(session_policies))
        and not (scps and _has_policy_warnings(scps))
        and (permissions_boundary is None or not permissions_boundary.policy.warnings)
        and (resource_policy is None or not resource_policy.policy.warnings)
    ):
        warnings: tuple[str, ...] = ()
    else:
        warnings = _warnings(
            request,
            identity_policies,
            permissions_boundary,
            session_policies,
            resource_policy,
            scps,
        )
    if notes is None and not warnings:
        return decision
    uncertain: list[Uncertainty] = []
    for name, detail in _first_per_assumption(notes or []):
        alternative, _ = _evaluate_once(
            request,
            identity_policies,
            permissions_boundary,
            session_policies,
            resource_policy,
            scps,
            principal,
            assumptions.flipped(name),
        )
        if alternative.decision != decision.decision:
            uncertain.append(
                Uncertainty(
                    str(name),
                    detail,
                    {"decision": alternative.decision, "reason": alternative.reason},
                )
            )
    return msgspec.structs.replace(decision, uncertain=tuple(uncertain), warnings=warnings)


def _has_policy_warnings(policies: Sequence[NamedPolicy]) -> bool:
    for named in policies:  # noqa: SIM110 - cheaper than any() with a generator on the hot path
        if named.policy.warnings:
            return True
    return False


def _first_per_assumption(notes: list[tuple[Name, str]]) -> list[tuple[Name, str]]:
    seen: dict[Name, str] = {}
    for name, detail in notes:
        seen.setdefault(name, detail)
    return list(seen.items())


def _warnings(
    request: Request,
    identity: Sequence[NamedPolicy],
    boundary: NamedPolicy | None,
    session: Sequence[NamedPolicy],
    resource: NamedPolicy | None,
    scps: Sequence[NamedPolicy],
) -> tuple[str, ...]:
    found: list[str] | None = None
    for group in (identity, session, scps):
        for named in group:
            if named.policy.warnings:
                found = found or []
                found.extend(f"{named.name}: {w}" for w in named.policy.warnings)
    for single in (boundary, resource):
        if single is not None and single.policy.warnings:
            found = found or []
            found.extend(f"{single.name}: {w}" for w in single.policy.warnings)
    if not catalogue.is_known(request.action_key):
        found = found or []
        found.append(
            f"requested action {request.action!r} is not in the action catalogue "
            "(misspelt, or newer than it)"
        )
    return tuple(found) if found else ()


def _evaluate_once(
    request: Request,
    identity_policies: Sequence[NamedPolicy],
    permissions_boundary: NamedPolicy | None,
    session_policies: Sequence[NamedPolicy],
    resource_policy: NamedPolicy | None,
    scps: Sequence[NamedPolicy],
    principal: Caller | None,
    assumptions: AssumptionSet,
) -> tuple[AccessDecision, list[tuple[Name, str]] | None]:
    switched = assumptions.alternatives
    trace = _trace(request, switched)
    if not (permissions_boundary or session_policies or resource_policy or scps):
        quick = _identity_only(request, identity_policies, trace)
        if quick is not None:
            return quick, trace.notes
        trace = _trace(request, switched)  # read again from the start, both ways
    denies: list[MatchedStatement] = []
    maybes: list[_Maybe] = []

    # Identity-based policies: at least one Allow among all of them.
    identity_allows: list[MatchedStatement] = []
    for named in identity_policies:
        for statement in named.policy.statements:
            hit = statement.matches(request, trace)
            if hit is False:
                continue
            item = _matched(named, "identity", statement)
            deny = statement.effect == "Deny"
            if hit is None:
                maybes.append(_Maybe("deny" if deny else "identity", item, statement, named.name))
            else:
                (denies if deny else identity_allows).append(item)

    boundary_allows = _NO_MATCHES
    if permissions_boundary is not None:
        boundary_allows = []
        for statement in permissions_boundary.policy.statements:
            hit = statement.matches(request, trace)
            if hit is False:
                continue
            item = _matched(permissions_boundary, "permissions_boundary", statement)
            deny = statement.effect == "Deny"
            if hit is None:
                maybes.append(
                    _Maybe(
                        "deny" if deny else "boundary", item, statement, permissions_boundary.name
                    )
                )
            else:
                (denies if deny else boundary_allows).append(item)

    # Session policies and SCPs: each policy's allows, and which policies allow nothing here.
    session_allows, session_missing = _each_policy(
        session_policies, "session", request, trace, denies, maybes
    )
    scp_allows, scp_missing = _each_policy(scps, "scp", request, trace, denies, maybes)

    # Resource-policy grants naming the session (not limited by implicit denies elsewhere) and naming
    # the role (limited by the boundary and session policies).
    direct_grants = _NO_MATCHES
    role_grants = _NO_MATCHES
    if resource_policy is not None:
        direct_grants, role_grants = [], []
        caller = principal if principal is not None else _caller_from_context(request)
        resource_kind: Kind = "trust" if isinstance(caller, WebIdentityPrincipal) else "resource"
        wildcard_is_role = Name.RESOURCE_POLICY_WILDCARD_PRINCIPAL in switched
        for statement in resource_policy.policy.statements:
            relation = _principal_relation(statement.principal, statement.not_principal, caller)
            if relation is None:
                continue
            hit = statement.matches(request, trace)
            if hit is False:
                continue
            item = _matched(resource_policy, resource_kind, statement)
            deny = statement.effect == "Deny"
            spec = statement.principal
            # An entry an importer could not resolve might name the caller, or name it more closely
            # than the known entries do (the session rather than the role).
            unresolved = spec.unresolved if spec is not None and not deny else ()
            if relation == _UNRESOLVED or (unresolved and relation in (_ROLE, _ACCOUNT)):
                principal_open = spec.unresolved if spec is not None else ()
                slot = "deny" if deny else "direct"
                maybes.append(_Maybe(slot, item, statement, resource_policy.name, principal_open))
                continue
            if relation == _WILDCARD:
                trace.note(
                    Name.RESOURCE_POLICY_WILDCARD_PRINCIPAL,
                    f'resource policy statement {statement.index} grants Principal "*"',
                )
                relation = _ROLE if wildcard_is_role else _SESSION
            if hit is None:
                slot = "deny" if deny else {_SESSION: "direct", _ROLE: "role"}.get(relation, "")
                if slot:
                    maybes.append(_Maybe(slot, item, statement, resource_policy.name))
            elif deny:
                denies.append(item)
            elif relation == _SESSION:
                direct_grants.append(item)
            elif relation == _ROLE:
                role_grants.append(item)
            # _ACCOUNT: in the same account a grant to the account delegates to IAM policies.

    slots = _Slots(
        denies,
        scp_allows,
        scp_missing,
        direct_grants,
        identity_allows,
        role_grants,
        boundary_allows,
        session_allows,
        session_missing,
    )
    combine = Name.SESSION_POLICIES_COMBINE in switched
    action = request.action
    if not maybes:
        decision, matched, reason = _decide(
            slots, action, permissions_boundary, session_policies, resource_policy, combine, trace
        )
        return AccessDecision(
            decision, action, request.resource, tuple(matched), reason
        ), trace.notes
    # Deciding is monotone: more Allows never take access away, more Denies never give it. The least
    # and the most permissive readings of the open statements bound every possible answer.
    strict, loose = (
        _decide(
            _with_maybes(slots, maybes, allows=allows),
            action,
            permissions_boundary,
            session_policies,
            resource_policy,
            combine,
            trace,
        )
        for allows in (False, True)
    )
    if strict[0] == loose[0]:
        decision, matched, reason = strict if strict[0] == "allowed" else loose
        return AccessDecision(
            decision, action, request.resource, tuple(matched), reason
        ), trace.notes
    return _undecided(request, trace, maybes, strict[0], loose[0]), trace.notes


def _trace(request: Request, switched: frozenset[Name]) -> Trace:
    return Trace(
        multivalued_no_match=bool(switched)
        and Name.SINGLE_VALUED_OPERATOR_ON_MULTIVALUED_KEY in switched,
        notresource_invalid=bool(switched) and Name.NOTRESOURCE_UNSET_VARIABLE in switched,
        unreadable_no_match=bool(switched) and Name.UNREADABLE_REQUEST_VALUE in switched,
        open_keys=request.open_keys,
    )


def _identity_only(
    request: Request, identity_policies: Sequence[NamedPolicy], trace: Trace
) -> AccessDecision | None:
    """Identity policies alone, every statement decided: the evaluation logic's steps 1 and 4 as
    `_decide` takes them with nothing in the other slots (the common request of `policy eval`).
    None when a statement is open: the general path reads it both ways."""
    denies: list[MatchedStatement] | None = None
    allows: list[MatchedStatement] | None = None
    for named in identity_policies:
        for statement in named.policy.statements:
            hit = statement.matches(request, trace)
            if hit is False:
                continue
            if hit is None:
                return None
            item = _matched(named, "identity", statement)
            if statement.effect == "Deny":
                denies = [item] if denies is None else [*denies, item]
            else:
                allows = [item] if allows is None else [*allows, item]
    action = request.action
    if denies:
        reason = f"explicitly denied by {denies[0].label}"
        if len(denies) > 1:
            reason += f" and {len(denies) - 1} more statement(s)"
        return AccessDecision("explicit_deny", action, request.resource, tuple(denies), reason)
    if not allows:
        reason = f"no identity-based policy allows {action}"
        return AccessDecision("implicit_deny", action, request.resource, (), reason)
    reason = f"{action} is allowed by {allows[0].label}"
    return AccessDecision("allowed", action, request.resource, tuple(allows), reason)


class _Slots(NamedTuple):
    """What matched, by the step of the evaluation logic it feeds."""

    denies: list[MatchedStatement]
    scp_allows: list[MatchedStatement]
    scp_missing: list[str]  # SCPs allowing nothing
    direct_grants: list[MatchedStatement]
    identity_allows: list[MatchedStatement]
    role_grants: list[MatchedStatement]
    boundary_allows: list[MatchedStatement]
    session_allows: list[MatchedStatement]
    session_missing: list[str]  # session policies allowing nothing


def _with_maybes(slots: _Slots, maybes: list[_Maybe], *, allows: bool) -> _Slots:
    """The open Allows all matching (`allows`), or else the open Denies all matching."""

    def extra(slot: str) -> list[MatchedStatement]:
        wanted = allows if slot != "deny" else not allows
        return [m.item for m in maybes if m.slot == slot and wanted]

    def still_missing(names: list[str], slot: str) -> list[str]:
        granting = {m.policy for m in maybes if m.slot == slot} if allows else set()
        return [name for name in names if name not in granting]

    return _Slots(
        slots.denies + extra("deny"),
        slots.scp_allows + extra("scp"),
        still_missing(slots.scp_missing, "scp"),
        slots.direct_grants + extra("direct"),
        slots.identity_allows + extra("identity"),
        slots.role_grants + extra("role"),
        slots.boundary_allows + extra("boundary"),
        slots.session_allows + extra("session"),
        still_missing(slots.session_missing, "session"),
    )


def _decide(
    slots: _Slots,
    action: str,
    permissions_boundary: NamedPolicy | None,
    session_policies: Sequence[NamedPolicy],
    resource_policy: NamedPolicy | None,
    intersection: bool,
    trace: Trace,
) -> tuple[Decision, list[MatchedStatement], str]:
    denies = slots.denies
    decision: Decision
    matched: list[MatchedStatement]
    if denies:
        # 1. An explicit deny in any policy wins.
        decision, matched = "explicit_deny", denies
        reason = f"explicitly denied by {denies[0].label}"
        if len(denies) > 1:
            reason += f" and {len(denies) - 1} more statement(s)"
    elif slots.scp_missing:
        # 2. Every SCP must allow.
        decision, matched = "implicit_deny", []
        reason = f"no statement in SCP {slots.scp_missing[0]} allows {action}"
    elif slots.direct_grants:
        # 3. A same-account resource policy naming the session grants it despite implicit denies.
        decision, matched = "allowed", slots.direct_grants + slots.scp_allows
        reason = f"{action} is allowed by {slots.direct_grants[0].label}"
    elif not slots.identity_allows and not slots.role_grants:
        # 4. Identity-based policies (or a resource policy naming the role) must allow.
        decision, matched = "implicit_deny", []
        reason = f"no identity-based policy allows {action}"
        if resource_policy is not None:
            reason += " and the resource policy does not grant it to this principal"
    else:
        granted = slots.identity_allows + slots.role_grants
        decision, matched, reason = _limits(
            action,
            granted,
            permissions_boundary,
            slots.boundary_allows,
            session_policies,
            slots.session_allows,
            slots.session_missing,
            intersection,
            trace,
        )
        if decision == "allowed":
            matched = matched + slots.scp_allows
    return decision, matched, reason


def _undecided(
    request: Request, trace: Trace, maybes: list[_Maybe], strict: Decision, loose: Decision
) -> AccessDecision:
    """Unknown: the open statements decide between `strict` and `loose`; say what they lack."""
    missing: list[str] = []
    unresolved: list[str] = []
    doubts: list[str] = []
    for maybe in maybes:
        why = maybe.statement.why_unknown(request, trace)
        missing.extend(why.missing)
        unresolved.extend((*maybe.principal_unresolved, *why.unresolved))
        shown = Unknown(why.missing, (*maybe.principal_unresolved, *why.unresolved))
        doubts.append(f"{maybe.item.label} may apply ({shown.describe()})")
    reason = (
        f"cannot decide between {strict.replace('_', ' ')} and {loose.replace('_', ' ')}: "
        + "; ".join(doubts[:3])
        + (f"; and {len(doubts) - 3} more statement(s)" if len(doubts) > 3 else "")
    )
    return msgspec.structs.replace(
        AccessDecision(
            "unknown",
            request.action,
            request.resource,
            tuple(dict.fromkeys(m.item for m in maybes)),
            reason,
        ),
        missing_context=tuple(dict.fromkeys(missing)),
        unresolved=tuple(dict.fromkeys(unresolved)),
    )


def _limits(
    action: str,
    granted: list[MatchedStatement],
    boundary: NamedPolicy | None,
    boundary_allows: list[MatchedStatement],
    session_policies: Sequence[NamedPolicy],
    session_allows: list[MatchedStatement],
    session_missing: list[str],
    intersection: bool,
    trace: Trace,
) -> tuple[Decision, list[MatchedStatement], str]:
    """5-6. The permissions boundary, then session policies, may turn the grant into an implicit deny."""
    if boundary is not None and not boundary_allows:
        return (
            "implicit_deny",
            granted,
            f"the permissions boundary {boundary.name} does not allow {action}",
        )
    if session_policies:
        # Named assumption session-policies-combine: by default any session policy suffices.
        if session_allows and session_missing and not intersection:
            trace.note(
                Name.SESSION_POLICIES_COMBINE,
                f"session policy {session_missing[0]} does not allow {action} but another does",
            )
        if not session_allows:
            return "implicit_deny", granted + boundary_allows, f"no session policy allows {action}"
        if intersection and session_missing:
            reason = f"session policy {session_missing[0]} does not allow {action}"
            return "implicit_deny", granted + boundary_allows, reason
    matched = (
        granted + boundary_allows + session_allows
        if (boundary_allows or session_allows)
        else granted
    )
    return "allowed", matched, f"{action} is allowed by {granted[0].label}"
