"""The identity pool's decision for one login (cognito-semantics.md §1-§4, §9).

Pure: no I/O, no clock. Each behaviour is implemented once, next to its source. The decision is
computed under the pool's assumptions, then re-checked with every consulted assumption flipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from simulator.claims import Login
from simulator.decision import (
    DecidedBy,
    Decision,
    Granted,
    Outcome,
    Refused,
    ServiceError,
    TraceStep,
    Uncertainty,
)
from simulator.model.pool import IdentityPool, RoleMapping
from simulator.model.providers import ProviderKind, ProviderName
from simulator.semantics.assumptions import REGISTRY, AssumptionSet
from simulator.semantics.compiled import CompiledRules
from simulator.semantics.rules import evaluate_rule
from simulator.tags import plain_tags, principal_tags, tag_sources

Flow = Literal["enhanced", "basic"]

# Messages as AWS returns them (§9); [community] where only observed.
UNAUTH_NOT_SUPPORTED = "Unauthenticated access is not supported for this identity pool."
UNSUPPORTED_PROVIDER = "Token is not from a supported provider of this identity pool."
INVALID_POOL_CONFIG = "Invalid identity pool configuration. Check assigned IAM roles for this pool."
CLASSIC_NOT_ENABLED = "Basic (classic) flow is not enabled, please use enhanced flow."
CLASSIC_WITH_MAPPINGS = (
    "Basic (classic) flow is not supported with RoleMappings, please use enhanced flow."
)
SAML_ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"


@dataclass(frozen=True, slots=True)
class ResolveOptions:
    flow: Flow = "enhanced"
    custom_role_arn: str | None = None  # GetCredentialsForIdentity's CustomRoleArn
    basic_role_arn: str | None = None  # the role the app asks STS for in the basic flow
    identity_id: str | None = None
    explain: bool = True  # build the trace (batch runs turn it off)


def ambiguous_deny_message(provider: str) -> str:
    # [community] amplify-js#3621: "The ambiguous role mapping rules for: <provider> denied this request."
    return f"The ambiguous role mapping rules for: {provider} denied this request."


class _Plan:
    """What the pool fixes for one provider, looked up once per pool and provider."""

    __slots__ = (
        "compiled",
        "mapping",
        "rule_outcomes",
        "sources",
        "tag_map",
        "user_pool_supported",
    )

    def __init__(self, pool: IdentityPool, provider: ProviderName) -> None:
        self.mapping = pool.mapping_for(provider)
        self.tag_map = pool.tag_map_for(provider.name)
        self.compiled = (
            CompiledRules(self.mapping.rules)
            if self.mapping and self.mapping.type == "Rules"
            else None
        )
        # A user pool's support depends on (provider, client) alone (§8).
        self.user_pool_supported = provider.kind is ProviderKind.USER_POOL and any(
            c.provider_name == provider.name and c.client_id == provider.client_id
            for c in pool.cognito_providers
        )
        self.sources: dict[frozenset[str], tuple[tuple[str, str], ...]] = {}
        # Outcomes are values: one per rule, shared by every login that rule decides.
        rules = self.mapping.rules if self.mapping else ()
        self.rule_outcomes = tuple(
            Granted(r.role_arn, DecidedBy("rule", i)) for i, r in enumerate(rules)
        )

    def tag_sources(self, assumptions: AssumptionSet) -> tuple[tuple[str, str], ...]:
        found = self.sources.get(assumptions.alternatives)
        if found is None and self.tag_map is not None:
            found = self.sources[assumptions.alternatives] = tag_sources(self.tag_map, assumptions)
        return found or ()


def _plan(pool: IdentityPool, provider: ProviderName) -> _Plan:
    plans: dict[ProviderName, _Plan] = pool.cached("plans", dict)
    plan = plans.get(provider)
    if plan is None:
        plan = plans[provider] = _Plan(pool, provider)
    return plan


def resolve(
    pool: IdentityPool, login: Login, options: ResolveOptions = ResolveOptions()
) -> Decision:
    consulted: set[str] = set()
    trace: list[TraceStep] | None = [] if options.explain else None
    plan = _plan(pool, login.provider) if login.provider is not None else None
    outcome = _decide(pool, plan, login, options, pool.assumptions, consulted, trace)
    uncertain: list[Uncertainty] = []
    for name in sorted(consulted) if consulted else ():
        a = REGISTRY[name]
        if a.alternative is None:
            continue
        flipped = pool.assumptions.flipped(name)
        other = _decide(pool, plan, login, options, flipped, None, None)
        if other.key != outcome.key:
            uncertain.append(
                Uncertainty(
                    name,
                    f"decided assuming {pool.assumptions.label(name)} "
                    f"({a.alternative_text if pool.assumptions.alt(name) else a.default_text}); "
                    f"under {name}={flipped.label(name)} the outcome changes",
                    other,
                )
            )
    mapping = plan.mapping if plan is not None else None
    assumptions_json: dict[str, str] = pool.cached("assumptions-json", pool.assumptions.to_json)
    return Decision(
        identity_pool_id=pool.identity_pool_id,
        flow=options.flow,
        authenticated=login.authenticated,
        login_provider=login.provider.name if login.provider else None,
        role_mapping_key=mapping.key if mapping else login.role_mapping_key,
        outcome=outcome,
        identity_id=options.identity_id,
        token=login.info if login.authenticated else None,
        uncertain=tuple(uncertain),
        trace=tuple(trace or ()),
        assumptions=assumptions_json,
    )


class _Step:
    """Appends trace steps only when explaining; keeps the hot path free of string building."""

    __slots__ = ("on", "trace")

    def __init__(self, trace: list[TraceStep] | None) -> None:
        self.trace = trace
        self.on = trace is not None

    def __call__(self, step: str, message: str, **data: Any) -> None:
        if self.trace is not None:
            self.trace.append(TraceStep(step, message, data))


_SILENT = _Step(None)  # shared by every decision that builds no trace


# DecidedBy values are immutable: one per kind that carries no rule index.
_BY_KIND: dict[str, DecidedBy] = {}


def _by(kind: Any) -> DecidedBy:
    found = _BY_KIND.get(kind)
    if found is None:
        found = _BY_KIND[kind] = DecidedBy(kind)
    return found


def _error(code: str, message: str, kind: Any = "error") -> Refused:
    return Refused(ServiceError(code, message), _by(kind))


def _decide(
    pool: IdentityPool,
    plan: _Plan | None,
    login: Login,
    options: ResolveOptions,
    assumptions: AssumptionSet,
    consulted: set[str] | None,
    trace: list[TraceStep] | None,
) -> Outcome:
    say = _SILENT if trace is None else _Step(trace)
    if not login.authenticated:
        return _guest(pool, options, assumptions, consulted, say)
    provider = login.provider
    assert provider is not None
    if say.on:
        say(
            "provider",
            f"{provider.name} ({provider.kind}), from {login.provider_source or 'the claims'}",
            provider=provider.name,
            kind=str(provider.kind),
        )
    assert plan is not None
    refusal = None if plan.user_pool_supported else _unsupported_provider(pool, login)
    if refusal is not None:
        say("decision", f"{refusal.error.code}: {refusal.error.message}")
        return refusal
    if options.flow == "basic":
        basic = _basic_flow(pool, options, assumptions, consulted, say)
        if type(basic) is Granted:
            return _with_tags(plan, login, basic, assumptions, consulted, say)
        return basic
    mapping = plan.mapping
    if mapping is None:
        outcome = _no_mapping(pool, options, assumptions, consulted, say)
    elif plan.compiled is not None:
        outcome = _rules(pool, login, mapping, plan, options, assumptions, consulted, say)
    else:
        outcome = _token(pool, login, mapping, options, assumptions, consulted, say)
    if type(outcome) is Granted:
        return _with_tags(plan, login, outcome, assumptions, consulted, say)
    return outcome


def _guest(
    pool: IdentityPool,
    options: ResolveOptions,
    assumptions: AssumptionSet,
    consulted: set[str] | None,
    say: _Step,
) -> Outcome:
    say("provider", "unauthenticated (guest) identity: no login")
    if not pool.allow_unauthenticated:
        say("decision", "AllowUnauthenticatedIdentities is false")
        return _error("NotAuthorizedException", UNAUTH_NOT_SUPPORTED)
    if options.flow == "basic":
        return _basic_flow(pool, options, assumptions, consulted, say)
    # [RBAC]: unauthenticated users always get the unauthenticated role; role mappings do not apply.
    role = pool.unauthenticated_role
    if role is None:
        say(
            "decision",
            "no unauthenticated role is configured [M InvalidIdentityPoolConfigurationException]",
        )
        return _error("InvalidIdentityPoolConfigurationException", INVALID_POOL_CONFIG)
    custom = options.custom_role_arn
    if custom is not None and custom != role:
        # Undocumented for guests, as without a mapping (§10.6): the same named assumption decides.
        if consulted is not None:
            consulted.add("custom-role-arn-without-mapping")
        if assumptions.alt("custom-role-arn-without-mapping"):
            say(
                "decision", "CustomRoleArn given for a guest (custom-role-arn-without-mapping=deny)"
            )
            return _custom_role_refused(assumptions, consulted, custom)
        say(
            "note", "CustomRoleArn is ignored for a guest (custom-role-arn-without-mapping=ignored)"
        )
    say("decision", f"the pool's unauthenticated role {role}; the enhanced flow scopes guest credentials "
        "down with session policies [IAMR]")  # fmt: skip
    return Granted(role, _by("unauthenticated"))


def _unsupported_provider(pool: IdentityPool, login: Login) -> Refused | None:
    """GetId refuses tokens from providers the pool is not configured for (§8, §9)."""
    p = login.provider
    assert p is not None
    claims = login.claims
    if p.kind is ProviderKind.USER_POOL:
        # The token's aud must be a configured ClientId for that ProviderName [OS], §8.
        ok = any(
            c.provider_name == p.name and c.client_id == p.client_id for c in pool.cognito_providers
        )
    elif p.kind is ProviderKind.SOCIAL:
        app_id = pool.supported_login_providers.get(p.name)
        # [AF-2023] GetId: the token "matches the provider app id"; Twitter's value is key;secret.
        # A social provider has one app id [M IdentityProviderId]: a token with no `aud`, or with a
        # list of audiences (configured as an OIDC provider instead: "If your app uses Google and is
        # available on multiple mobile platforms, you should configure it as an OpenID Connect
        # Provider", https://docs.aws.amazon.com/cognito/latest/developerguide/google.html) matches none.
        ok = app_id is not None and (p.name == "api.twitter.com" or claims.get("aud") == app_id)
    elif p.kind is ProviderKind.OIDC:
        ok = p.name in pool.oidc_provider_arns
        detail = pool.oidc_provider(p.name)
        if ok and detail is not None and detail.client_ids:
            # [OIDC]: `azp`, if present, else `aud`, must be in the IAM provider's client-ID list.
            azp = claims.get("azp")
            aud = claims.get("aud")
            auds = [azp] if isinstance(azp, str) else (aud if isinstance(aud, list) else [aud])
            ok = any(a in detail.client_ids for a in auds)
    else:
        ok = p.name in pool.saml_provider_arns
    return None if ok else _error("NotAuthorizedException", UNSUPPORTED_PROVIDER)


def _basic_flow(
    pool: IdentityPool,
    options: ResolveOptions,
    assumptions: AssumptionSet,
    consulted: set[str] | None,
    say: _Step,
) -> Outcome:
    gate = _basic_flow_gate(pool, assumptions, consulted, say)
    if gate is not None:
        return gate
    assert options.basic_role_arn is not None
    # [AF] "Your application selects the IAM role"; the trust policy is the only guard, and no
    # scope-down session policy applies to guests [IAMR].
    say("decision", f"basic flow: the application asks STS for {options.basic_role_arn}; the role's "
        "trust policy is the only guard [AF]")  # fmt: skip
    return Granted(options.basic_role_arn, _by("basic_flow"))


def _basic_flow_gate(
    pool: IdentityPool, assumptions: AssumptionSet, consulted: set[str] | None, say: _Step
) -> Refused | None:
    allowed = pool.allow_classic_flow
    if allowed is None:
        if consulted is not None:
            consulted.add("classic-flow-default")
        allowed = assumptions.alt("classic-flow-default")
        say("flow", f"AllowClassicFlow is absent; treated as {'enabled' if allowed else 'disabled'} "
            f"(classic-flow-default={assumptions.label('classic-flow-default')})")  # fmt: skip
    if not allowed:
        # [aws/aws-cli#7652]
        say("decision", "GetOpenIdToken refuses: classic flow is not enabled")
        return _error("InvalidParameterException", CLASSIC_NOT_ENABLED)
    if pool.role_mappings:
        # [AF] "Basic (classic) flow is not supported with RoleMappings"; code [community].
        say("decision", "GetOpenIdToken refuses: the pool has role mappings")
        return _error("InvalidParameterException", CLASSIC_WITH_MAPPINGS)
    say("flow", "basic flow: GetId, GetOpenIdToken, then sts:AssumeRoleWithWebIdentity [AF]")
    return None


def _authenticated_default(pool: IdentityPool, kind: Any, say: _Step, why: str) -> Outcome:
    role = pool.authenticated_role
    if role is None:
        # [M] InvalidIdentityPoolConfigurationException: "the identity pool has no authenticated role".
        say("decision", f"{why}, but no authenticated role is configured")
        return _error("InvalidIdentityPoolConfigurationException", INVALID_POOL_CONFIG)
    if say.on:
        say("decision", f"{why}: the pool's default authenticated role {role}")
    return Granted(role, _by(kind))


def _custom_role_refused(
    assumptions: AssumptionSet, consulted: set[str] | None, custom: str
) -> Refused:
    if consulted is not None:
        consulted.add("custom-role-arn-deny-code")
    code = assumptions.label("custom-role-arn-deny-code")
    return Refused(
        ServiceError(code, f"CustomRoleArn {custom} is not a role this token allows."),
        _by("custom_role_arn"),
    )


def _no_mapping(
    pool: IdentityPool,
    options: ResolveOptions,
    assumptions: AssumptionSet,
    consulted: set[str] | None,
    say: _Step,
) -> Outcome:
    say(
        "mapping",
        "no role mapping for this provider; the default authenticated role applies [IAMR]",
    )
    custom = options.custom_role_arn
    if custom is not None and custom != pool.authenticated_role:
        if consulted is not None:
            consulted.add("custom-role-arn-without-mapping")
        if assumptions.alt("custom-role-arn-without-mapping"):
            say(
                "decision",
                "CustomRoleArn given without a role mapping (custom-role-arn-without-mapping=deny)",
            )
            return _custom_role_refused(assumptions, consulted, custom)
        say(
            "note",
            "CustomRoleArn is ignored without a role mapping (custom-role-arn-without-mapping=ignored)",
        )
    return _authenticated_default(pool, "default_authenticated", say, "no role mapping")


def _ambiguous(
    pool: IdentityPool, login: Login, mapping: RoleMapping, say: _Step, why: str
) -> Outcome:
    # [M], [CFN-RM] AmbiguousRoleResolution: AuthenticatedRole uses the default role; Deny refuses.
    if mapping.ambiguous_role_resolution == "AuthenticatedRole":
        return _authenticated_default(
            pool, "ambiguous_default", say, f"{why}; AmbiguousRoleResolution is AuthenticatedRole"
        )
    say("decision", f"{why}; AmbiguousRoleResolution is Deny")
    assert login.provider is not None
    return _error(
        "NotAuthorizedException", ambiguous_deny_message(login.provider.name), "ambiguous_deny"
    )


def _rules(
    pool: IdentityPool,
    login: Login,
    mapping: RoleMapping,
    plan: _Plan,
    options: ResolveOptions,
    assumptions: AssumptionSet,
    consulted: set[str] | None,
    say: _Step,
) -> Outcome:
    custom = options.custom_role_arn
    claims = login.claims
    if not say.on and custom is None:
        assert plan.compiled is not None  # a Rules mapping's plan always compiles its rules
        hit = plan.compiled.first_match(claims, assumptions, consulted)
        if hit is not None:
            return plan.rule_outcomes[hit]
        return _ambiguous(pool, login, mapping, say, "no rule matched")
    say("mapping", f"RoleMappings[{mapping.key!r}]: Type Rules, AmbiguousRoleResolution {mapping.ambiguous_role_resolution}",
        key=mapping.key)  # fmt: skip
    first: int | None = None
    custom_index: int | None = None
    for i, rule in enumerate(mapping.rules):
        if first is not None and custom is None:
            say(
                "rule",
                "not evaluated: an earlier rule matched",
                index=i,
                verdict="not-evaluated",
                **_rule_data(rule),
            )
            continue
        verdict = evaluate_rule(rule, claims, assumptions, consulted)
        if say.on:
            say("rule", _rule_message(verdict, rule, claims), index=i, verdict=verdict, **_rule_data(rule),
                claim_value=claims.get(rule.claim))  # fmt: skip
        if verdict == "match":
            if first is None:
                first = i
            if custom_index is None and rule.role_arn == custom:
                custom_index = i
    # [RBAC] "Rules are evaluated in order, and the IAM role for the first matching rule is used,
    # unless CustomRoleArn is specified to override the order."
    if custom is not None and first is not None and mapping.rules[first].role_arn != custom:
        if consulted is not None:
            consulted.add("custom-role-arn-with-rules")
        if custom_index is not None:
            say("decision", f"CustomRoleArn {custom} is the role of matching rule {custom_index}")
            return Granted(custom, DecidedBy("custom_role_arn", custom_index))
        if assumptions.alt("custom-role-arn-with-rules"):
            say(
                "decision",
                "CustomRoleArn is not the role of any matching rule (custom-role-arn-with-rules=deny-if-unmatched)",
            )
            return _custom_role_refused(assumptions, consulted, custom)
        say("note", "CustomRoleArn is not the role of any matching rule; the first matching rule decides "
            "(custom-role-arn-with-rules=must-match-a-matching-rule)")  # fmt: skip
    if first is not None:
        role = mapping.rules[first].role_arn
        say("decision", f"rule {first} matched first: {role}")
        return Granted(role, DecidedBy("rule", first))
    return _ambiguous(pool, login, mapping, say, "no rule matched")


def _rule_data(rule: Any) -> dict[str, Any]:
    return {
        "claim": rule.claim,
        "match_type": rule.match_type,
        "value": rule.value,
        "role_arn": rule.role_arn,
    }


def _rule_message(verdict: str, rule: Any, claims: Mapping[str, Any]) -> str:
    if verdict == "skipped":
        return f"skipped: NotEqual on absent claim {rule.claim!r} is not evaluated [RBAC]"
    if rule.claim not in claims:
        return f"no match: claim {rule.claim!r} is absent"
    return f"{'matches' if verdict == 'match' else 'no match'}: {rule.claim} {rule.match_type} {rule.value!r}"


def token_role_claims(
    pool: IdentityPool, login: Login, say: _Step | None = None
) -> tuple[tuple[str, ...] | None, str | None]:
    """(cognito:roles, cognito:preferred_role) as the token carries them, or as the user pool would.

    [IDTOK] cognito:roles is an array; [RBAC] says a comma-separated string: read both
    (cognito-roles-format). SAML logins carry roles in the Role attribute as "role,provider" pairs [SAML].
    """
    claims = login.claims
    raw = claims.get("cognito:roles")
    preferred = claims.get("cognito:preferred_role")
    preferred = preferred if isinstance(preferred, str) and preferred else None
    roles: tuple[str, ...] | None = None
    if isinstance(raw, str):
        roles = tuple(r.strip() for r in raw.split(",") if r.strip())
    elif isinstance(raw, list):
        roles = tuple(r for r in raw if isinstance(r, str))
    assert login.provider is not None
    if raw is None and login.provider.kind is ProviderKind.SAML:
        attr = claims.get(SAML_ROLE_ATTRIBUTE)
        pairs = [attr] if isinstance(attr, str) else attr if isinstance(attr, list) else []
        roles = tuple(
            part
            for pair in pairs
            if isinstance(pair, str)
            for part in pair.split(",")
            if ":role/" in part
        )
        if roles and len(roles) == 1 and preferred is None:
            preferred = roles[0]
    if raw is None and preferred is None and roles is None:
        derived = _roles_from_groups(pool, login)
        if derived is not None:
            roles, preferred = derived
            if say is not None:
                say("token-roles", "the token has cognito:groups but no role claims; using the roles the user "
                    "pool's groups would have issued (UserPools in the pool file) [RBAC], [GROUPS]",
                    roles=list(roles), preferred_role=preferred)  # fmt: skip
    return roles, preferred


def _roles_from_groups(
    pool: IdentityPool, login: Login
) -> tuple[tuple[str, ...], str | None] | None:
    """[RBAC]/[GROUPS]: roles of the user's groups; preferred = lowest non-negative precedence,
    null precedence loses, a tie between different roles leaves preferred_role unset."""
    assert login.provider is not None
    user_pool = pool.user_pool(login.provider.name)
    groups = login.claims.get("cognito:groups")
    if user_pool is None or not user_pool.groups or not isinstance(groups, list):
        return None
    member = [g for g in user_pool.groups if g.name in groups and g.role_arn]
    roles = tuple(dict.fromkeys(g.role_arn for g in member if g.role_arn))
    if not roles:
        return None
    if len(roles) == 1:
        return roles, roles[0]
    numbered = [(g.precedence, g) for g in member if g.precedence is not None]
    top = min((p for p, _ in numbered), default=None)
    best = [g for p, g in numbered if p == top] if numbered else member
    best_roles = {g.role_arn for g in best}
    return roles, (best_roles.pop() if len(best_roles) == 1 else None)


def _token(
    pool: IdentityPool,
    login: Login,
    mapping: RoleMapping,
    options: ResolveOptions,
    assumptions: AssumptionSet,
    consulted: set[str] | None,
    say: _Step,
) -> Outcome:
    say("mapping", f"RoleMappings[{mapping.key!r}]: Type Token, AmbiguousRoleResolution {mapping.ambiguous_role_resolution}",
        key=mapping.key)  # fmt: skip
    roles, preferred = token_role_claims(pool, login, say if say.on else None)
    say("token-roles", f"cognito:roles {list(roles) if roles is not None else 'absent'}; "
        f"cognito:preferred_role {preferred or 'absent'}")  # fmt: skip
    custom = options.custom_role_arn
    # [RBAC] Token type: 1. CustomRoleArn if it is in cognito:roles, otherwise deny.
    if custom is not None:
        if roles is not None and custom in roles:
            say("decision", f"CustomRoleArn {custom} is in cognito:roles")
            return Granted(custom, _by("custom_role_arn"))
        say(
            "decision",
            f"CustomRoleArn {custom} is not in cognito:roles: access denied [RBAC] (error code undocumented)",
        )
        return _custom_role_refused(assumptions, consulted, custom)
    # 2. cognito:preferred_role.
    if preferred is not None:
        say("decision", f"cognito:preferred_role {preferred}")
        return Granted(preferred, _by("token_preferred_role"))
    # 3. cognito:roles without a preferred role: AmbiguousRoleResolution.
    if roles:
        return _ambiguous(pool, login, mapping, say, "cognito:roles without cognito:preferred_role")
    if consulted is not None:
        consulted.add("token-without-roles")
    if assumptions.alt("token-without-roles"):
        return _authenticated_default(
            pool,
            "default_authenticated",
            say,
            "the token has no role claims (token-without-roles=default-role)",
        )
    return _ambiguous(
        pool,
        login,
        mapping,
        say,
        "the token has no role claims (token-without-roles=ambiguous-resolution)",
    )


def _with_tags(
    plan: _Plan,
    login: Login,
    granted: Granted,
    assumptions: AssumptionSet,
    consulted: set[str] | None,
    say: _Step,
) -> Outcome:
    """Principal tags are added to whichever role was chosen (§10.16, assumed)."""
    tag_map = plan.tag_map
    if tag_map is None:
        say("tags", "no principal tag map for this provider: no session tags")
        return granted
    sources = plan.tag_sources(assumptions)
    if not say.on:
        plain = plain_tags(sources, login.claims)
        if plain is not None:
            if tag_map.use_defaults and consulted is not None:
                consulted.add("default-tag-keys")
            return Granted(granted.role_arn, granted.decided_by, plain) if plain else granted
    result = principal_tags(
        tag_map,
        login.claims,
        assumptions,
        consulted,
        explain=say.on,
        sources=sources,
    )
    for s in result.steps:
        say("tag", f"{s.tag} <- {s.claim}: {s.value!r} ({s.note})" if s.value is not None else f"{s.tag} <- {s.claim}: {s.note}",
            tag=s.tag, claim=s.claim, value=s.value)  # fmt: skip
    if result.failure is not None:
        # [M] InvalidIdentityPoolConfigurationException covers "STS returned an error response to the
        # request to assume the ... role"; STS refuses tags outside its limits [M-STS].
        say("decision", f"STS would refuse the session tags: {result.failure}")
        return _error("InvalidIdentityPoolConfigurationException", INVALID_POOL_CONFIG)
    return Granted(granted.role_arn, granted.decided_by, result.tags)
