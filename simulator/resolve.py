"""The identity pool's decision for one login (cognito-semantics.md §1-§4, §9).

Pure: no I/O, no clock. Each behaviour is implemented once, next to its source. The decision is
computed under the pool's assumptions, then re-checked with every consulted assumption flipped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from simulator.assumptions import DEFAULTS, REGISTRY, AssumptionSet, Consult, Name
from simulator.claims import Login
from simulator.decision import (
    DecidedBy,
    DecidedKind,
    Decision,
    DecisionStep,
    FlowStep,
    Granted,
    MappingStep,
    NoteStep,
    Outcome,
    ProviderStep,
    Refused,
    RuleStep,
    ServiceError,
    TagsStep,
    TagTraceStep,
    TokenRolesStep,
    TraceStep,
    Uncertainty,
)
from simulator.errors import format_path
from simulator.model.pool import IdentityPool, MappingRule, RoleMapping, UserPoolGroup
from simulator.model.providers import ProviderKind, ProviderName
from simulator.request import LoginRequest
from simulator.semantics.compiled import CompiledRules
from simulator.semantics.rules import evaluate_rule
from simulator.tags import default_claims, plain_tags, principal_tags, tag_sources
from simulator.wording import json_text, words

# Messages as AWS returns them (§9); [community] where only observed.
UNAUTH_NOT_SUPPORTED = "Unauthenticated access is not supported for this identity pool."
UNSUPPORTED_PROVIDER = "Token is not from a supported provider of this identity pool."
INVALID_POOL_CONFIG = "Invalid identity pool configuration. Check assigned IAM roles for this pool."
CLASSIC_NOT_ENABLED = "Basic (classic) flow is not enabled, please use enhanced flow."
CLASSIC_WITH_MAPPINGS = (
    "Basic (classic) flow is not supported with RoleMappings, please use enhanced flow."
)
SAML_ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
# [SAML] "Amazon Cognito only supports the enhanced flow with the SAML-based IdP." (wording ours)
SAML_ENHANCED_ONLY = (
    "Basic (classic) flow is not supported with a SAML identity provider, please use enhanced flow."
)
# [community] amazon-cognito-identity-js#12: what GetId answers for a user pool access token.
MISSING_AUD = "Invalid login token. Missing a required claim: aud"


def ambiguous_deny_message(provider: str) -> str:
    # [community] amplify-js#3621: "The ambiguous role mapping rules for: <provider> denied this request."
    return f"The ambiguous role mapping rules for: {provider} denied this request."


_UNSET = object()


class _Plan:
    """What the pool fixes for one provider, looked up once per pool and provider.

    Cached on the pool (`IdentityPool.cached`): a batch decides many logins of few providers. The
    cache is plain dicts, not thread-safe; run one pool value per thread.
    """

    __slots__ = (
        "by_role",
        "compiled",
        "fixed_sources",
        "mapping",
        "no_match",
        "provider",
        "quick_ask",
        "rule_outcomes",
        "sources",
        "tag_map",
        "user_pool_supported",
    )

    def __init__(self, pool: IdentityPool, provider: ProviderName) -> None:
        self.provider = provider
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
        self.sources: dict[frozenset[Name], tuple[tuple[str, str], ...]] = {}
        # Outcomes are values: one per rule, shared by every login that rule decides.
        rules = self.mapping.rules if self.mapping else ()
        self.rule_outcomes = tuple(
            Granted(r.role_arn, DecidedBy("rule", i)) for i, r in enumerate(rules)
        )
        self.no_match: Outcome | None = None
        self.by_role: dict[str, tuple[CompiledRules, tuple[int, ...]]] = {}
        self.fixed_sources: object = _UNSET
        self.quick_ask: Consult | None = None

    def first_of_role(self, role_arn: str, c: _Case) -> int | None:
        """The index of the first matching rule that names `role_arn`."""
        found = self.by_role.get(role_arn)
        if found is None:
            rules = self.mapping.rules if self.mapping else ()
            indexes = tuple(i for i, r in enumerate(rules) if r.role_arn == role_arn)
            found = (CompiledRules([rules[i] for i in indexes]), indexes)
            if len(self.by_role) >= 64:
                self.by_role.clear()
            self.by_role[role_arn] = found
        matcher, indexes = found
        hit = matcher.first_match(c.claims, c.ask) if indexes else None
        return indexes[hit] if hit is not None else None

    def unmatched(self, pool: IdentityPool, provider: ProviderName) -> Outcome:
        """AmbiguousRoleResolution's outcome when no rule matches (without CustomRoleArn), before
        tags: the same for every login of the provider."""
        if self.no_match is None:
            assert self.mapping is not None
            login = Login(True, provider)
            case = _Case(pool, self, login, LoginRequest(None), Consult(pool.assumptions), None)
            self.no_match = _ambiguous(case, self.mapping, "no rule matched")
        return self.no_match

    def plain_sources(self) -> tuple[tuple[str, str], ...] | None:
        """The (tag, claim) pairs of a tag map without UseDefaults, which no assumption changes;
        None with UseDefaults (the default keys' names are a named assumption)."""
        if self.fixed_sources is _UNSET:
            tag_map = self.tag_map
            self.fixed_sources = (
                () if tag_map is None
                else None if tag_map.use_defaults
                else self.tag_sources(Consult(DEFAULTS))
            )  # fmt: skip
        return self.fixed_sources  # type: ignore[return-value]

    def tag_sources(self, ask: Consult) -> tuple[tuple[str, str], ...]:
        if self.tag_map is None:
            return ()
        if self.tag_map.use_defaults:
            ask.note(Name.DEFAULT_TAG_KEYS)
        key = ask.assumptions.alternatives
        found = self.sources.get(key)
        if found is None:
            found = self.sources[key] = tag_sources(self.tag_map, Consult(ask.assumptions))
        return found


def _plan(pool: IdentityPool, provider: ProviderName) -> _Plan:
    plans: dict[ProviderName, _Plan] = pool.cached("plans", dict)
    plan = plans.get(provider)
    if plan is None:
        plan = plans[provider] = _Plan(pool, provider)
    return plan


class _Case:
    """One login decided under one assumption set: what every step below reads and writes."""

    __slots__ = ("ask", "claims", "login", "notes", "plan", "pool", "request", "trace")

    def __init__(
        self,
        pool: IdentityPool,
        plan: _Plan | None,
        login: Login,
        request: LoginRequest,
        ask: Consult,
        trace: list[TraceStep] | None,
    ) -> None:
        self.pool = pool
        self.plan = plan
        self.login = login
        self.claims = login.claims
        self.request = request
        self.ask = ask
        self.trace = trace  # None: not explaining (batch and analysis), so no strings are built
        self.notes: list[str] = []

    def say(self, step: TraceStep) -> None:
        if self.trace is not None:
            self.trace.append(step)

    @property
    def explaining(self) -> bool:
        return self.trace is not None


def resolve(
    pool: IdentityPool, login: Login, request: LoginRequest, *, explain: bool = True
) -> Decision:
    """The pool's decision; `uncertain` names each consulted assumption whose flip changes it."""
    trace: list[TraceStep] | None = [] if explain else None
    answer = pool_answer(pool, login, request, trace)
    assumptions_json: dict[str, str] = pool.cached("assumptions-json", pool.assumptions.to_json)
    observed_json: dict[str, dict[str, str]] = pool.cached(
        "observed-json", pool.assumptions.observed_json
    )
    return Decision(
        identity_pool_id=pool.identity_pool_id,
        flow=request.flow,
        authenticated=login.authenticated,
        login_provider=login.provider.name if login.provider else None,
        role_mapping_key=answer.role_mapping_key,
        outcome=answer.outcome,
        identity_id=request.identity_id,
        uncertain=answer.uncertain,
        trace=tuple(trace or ()),
        assumptions=assumptions_json,
        notes=answer.notes,
        observed_assumptions=observed_json,
    )


class Answer(NamedTuple):
    """What `resolve` decides, before it is a Decision: the batch plan reads it directly."""

    outcome: Outcome
    uncertain: tuple[Uncertainty, ...]
    notes: tuple[str, ...]
    role_mapping_key: str | None


def pool_answer(
    pool: IdentityPool, login: Login, request: LoginRequest, trace: list[TraceStep] | None = None
) -> Answer:
    """The outcome, re-checked under each consulted assumption flipped; explained into `trace`.
    Of `request` only the flow, CustomRoleArn and the basic flow's role are read."""
    consulted: set[Name] = set()
    plan = _plan(pool, login.provider) if login.provider is not None else None
    case = _Case(pool, plan, login, request, Consult(pool.assumptions, consulted), trace)
    outcome = _decide(case)
    uncertain: list[Uncertainty] = []
    for name in sorted(consulted) if consulted else ():
        if REGISTRY[name].alternative is None:
            continue
        flipped = pool.assumptions.flipped(name)
        other = _decide(_Case(pool, plan, login, request, Consult(flipped), None))
        if other.key != outcome.key:
            uncertain.append(_uncertainty(pool.assumptions, flipped, name, other))
    mapping = plan.mapping if plan is not None else None
    key = mapping.key if mapping else login.role_mapping_key
    return Answer(outcome, tuple(uncertain), tuple(case.notes), key)


def outcome_of(pool: IdentityPool, login: Login, request: LoginRequest) -> Outcome:
    """`pool_answer`'s outcome alone, without the re-checks under flipped assumptions: what the
    diff compares regions by (it assesses only the witnesses it reports)."""
    plan = _plan(pool, login.provider) if login.provider is not None else None
    return _decide(_Case(pool, plan, login, request, Consult(pool.assumptions), None))


def quick_answer(
    pool: IdentityPool, provider: ProviderName, claims: Mapping[str, Any]
) -> tuple[Outcome, str] | None:
    """The outcome and role-mapping key of an enhanced-flow user-pool login without CustomRoleArn
    where the indexed matcher and plain tags decide without consulting any assumption: then
    `pool_answer` gives this outcome, nothing uncertain and no notes (a property test,
    tests/core/test_properties.py, holds the two together). None: ask `pool_answer`."""
    plan = quick_plan(pool, provider)
    parts = plan_parts(pool, plan, claims) if plan is not None else None
    if parts is None:
        return None
    outcome, tags, key = parts
    if tags:
        outcome = Granted(outcome.role_arn, outcome.decided_by, tags)  # type: ignore[union-attr]
    return outcome, key


def quick_plan(pool: IdentityPool, provider: ProviderName) -> _Plan | None:
    """The plan of a provider whose logins `plan_parts` may decide (a user pool the pool supports,
    mapped by rules); None: none of them, ask `pool_answer`."""
    if provider.kind is not ProviderKind.USER_POOL:
        return None
    plan = _plan(pool, provider)
    if plan.compiled is None or plan.mapping is None or not plan.user_pool_supported:
        return None
    return plan


def plan_parts(
    pool: IdentityPool, plan: _Plan, claims: Mapping[str, Any]
) -> tuple[Outcome, dict[str, str] | None, str] | None:
    """`quick_answer` before the tags join the outcome, for a provider's `quick_plan`: the outcome
    without tags, the tags of a grant (None for a refusal), the role-mapping key. The batch plan
    writes the tags itself."""
    compiled, mapping = plan.compiled, plan.mapping
    assert compiled is not None  # quick_plan's own
    assert mapping is not None
    # One Consult per plan, its record emptied after use: cheaper than a new one per login.
    ask = plan.quick_ask
    if ask is None or ask.assumptions is not pool.assumptions:
        ask = plan.quick_ask = Consult(pool.assumptions, set())
    hit = compiled.first_match(claims, ask)
    if ask.consulted:
        ask.consulted.clear()
        return None
    outcome = plan.rule_outcomes[hit] if hit is not None else plan.unmatched(pool, plan.provider)
    if type(outcome) is not Granted:
        return outcome, None, mapping.key
    sources = plan.plain_sources()
    if sources is None:
        return None  # the default tag keys are a named assumption
    tags = plain_tags(sources, claims) if sources else {}
    if tags is None:
        return None
    return outcome, tags, mapping.key


def _uncertainty(
    active: AssumptionSet, flipped: AssumptionSet, name: Name, other: Outcome
) -> Uncertainty:
    observed = active.observation(name)
    basis = f"{observed.describe()}:" if observed is not None else "decided assuming"
    return Uncertainty(
        str(name),
        f"{basis} {active.label(name)} ({active.text(name)}); "
        f"under {name}={flipped.label(name)} the outcome changes",
        other,
        observed,
    )


# DecidedBy values are immutable: one per kind that carries no rule index.
_BY_KIND: dict[str, DecidedBy] = {}


def _by(kind: DecidedKind) -> DecidedBy:
    found = _BY_KIND.get(kind)
    if found is None:
        found = _BY_KIND[kind] = DecidedBy(kind)
    return found


def _error(code: str, message: str, kind: DecidedKind = "error") -> Refused:
    return Refused(ServiceError(code, message), _by(kind))


def _decide(c: _Case) -> Outcome:
    login = c.login
    if not login.authenticated:
        return _guest(c)
    provider, plan = login.provider, c.plan
    assert provider is not None
    assert plan is not None
    if c.explaining:
        c.say(ProviderStep(
            message=f"{provider.name} ({provider.kind}), from {login.provider_source or 'the claims'}",
            provider=provider.name, provider_kind=str(provider.kind),
        ))  # fmt: skip
    refusal = None if plan.user_pool_supported else _unsupported_provider(c)
    if refusal is not None:
        return refusal
    if provider.kind is ProviderKind.SAML:
        saml = _saml(c)
        if saml is not None:
            return _with_tags(c, plan, saml) if type(saml) is Granted else saml
    if c.request.flow == "basic":
        outcome = _basic_flow(c)
    elif plan.mapping is None:
        outcome = _no_mapping(c)
    elif plan.compiled is not None:
        outcome = _rules(c, plan.mapping, plan.compiled)
    else:
        outcome = _token(c, plan.mapping)
    return _with_tags(c, plan, outcome) if type(outcome) is Granted else outcome


def _guest(c: _Case) -> Outcome:
    pool = c.pool
    c.say(ProviderStep(message="unauthenticated (guest) identity: no login", provider=None,
                       provider_kind=None))  # fmt: skip
    if not pool.allow_unauthenticated:
        c.say(DecisionStep(message="AllowUnauthenticatedIdentities is false"))
        return _error("NotAuthorizedException", UNAUTH_NOT_SUPPORTED)
    if c.request.flow == "basic":
        return _basic_flow(c)
    # [RBAC]: unauthenticated users always get the unauthenticated role; role mappings do not apply.
    role = pool.unauthenticated_role
    if role is None:
        c.say(DecisionStep(
            message="no unauthenticated role is configured [M InvalidIdentityPoolConfigurationException]"
        ))  # fmt: skip
        return _error("InvalidIdentityPoolConfigurationException", INVALID_POOL_CONFIG)
    refused = _custom_role_without_mapping(c, role, "for a guest")
    if refused is not None:
        return refused
    c.say(DecisionStep(message=f"the pool's unauthenticated role {role}; the enhanced flow scopes guest "
                       "credentials down with session policies [IAMR]"))  # fmt: skip
    return Granted(role, _by("unauthenticated"))


def _unsupported_provider(c: _Case) -> Refused | None:
    """GetId refuses tokens from providers the pool is not configured for (§8, §9); the trace says
    what the token carried and what the pool accepts, so the reviewer knows what to change."""
    pool, p, claims = c.pool, c.login.provider, c.claims
    assert p is not None
    why: str | None = None
    if p.kind is ProviderKind.USER_POOL:
        if "aud" not in claims:
            # [community] amazon-cognito-identity-js#12: an access token carries client_id, not aud.
            access = claims.get("token_use") == "access"
            fix = "; it is an access token: pass the user pool's ID token" if access else ""
            c.say(DecisionStep(message=f"the token has no aud claim{fix}"))
            return _error("NotAuthorizedException", MISSING_AUD)
        # The token's aud must be a configured ClientId for that ProviderName [OS], §8.
        clients = [x.client_id for x in pool.cognito_providers if x.provider_name == p.name]
        if p.client_id not in clients:
            accepted = _listed(clients) if clients else "the user pool is not configured"
            why = (f"the token's aud {_shown(claims.get('aud'))} is not a client of {p.name} the "
                   f"pool accepts ({accepted})")  # fmt: skip
    elif p.kind is ProviderKind.SOCIAL:
        app_id = pool.supported_login_providers.get(p.name)
        aud = claims.get("aud")
        # [AF-2023] GetId: the token "matches the provider app id"; Twitter's value is key;secret.
        if app_id is None:
            why = f"{p.name} is not among SupportedLoginProviders ({_listed(pool.supported_login_providers)})"
        elif p.name != "api.twitter.com" and aud != app_id:
            # A social provider has one app id [M IdentityProviderId]: a token with no `aud`, or with
            # a list of audiences (configured as an OIDC provider instead: "If your app uses Google
            # and is available on multiple mobile platforms, you should configure it as an OpenID
            # Connect Provider", https://docs.aws.amazon.com/cognito/latest/developerguide/google.html)
            # matches none.
            why = f"the token's aud {_shown(aud)} is not the app id the pool names for {p.name} ({app_id})"
    elif p.kind is ProviderKind.OIDC:
        why = _oidc_refusal(c)
    elif p.name not in pool.saml_provider_arns:
        why = f"{p.name} is not among SamlProviderARNs ({_listed(pool.saml_provider_arns)})"
    if why is None:
        return None
    c.say(DecisionStep(message=why))
    return _error("NotAuthorizedException", UNSUPPORTED_PROVIDER)


def _oidc_refusal(c: _Case) -> str | None:
    pool, p, claims = c.pool, c.login.provider, c.claims
    assert p is not None
    if p.name not in pool.oidc_provider_arns:
        return (f"the issuer {_shown(claims.get('iss'))} is not a configured provider "
                f"(OpenIdConnectProviderARNs: {_listed(pool.oidc_provider_arns)})")  # fmt: skip
    detail = pool.oidc_provider(p.name)
    if detail is None or not detail.client_ids:
        # [OIDC]: the service checks azp/aud against the IAM provider's client ids, which the pool
        # file does not carry: say so instead of passing silently.
        c.notes.append(
            f"the token's audience was not checked: the pool file has no ClientIDList for {p.name} "
            "(add it under OpenIdConnectProviders; `rolesim pull --with-iam` fetches it)"
        )
        return None
    # [OIDC]: `azp`, if present, else `aud`, must be in the IAM provider's client-ID list.
    azp, aud = claims.get("azp"), claims.get("aud")
    auds = [azp] if isinstance(azp, str) else (aud if isinstance(aud, list) else [aud])
    if any(a in detail.client_ids for a in auds):
        return None
    which = "azp" if isinstance(azp, str) else "aud"
    shown = _shown(auds[0] if len(auds) == 1 else auds)
    return f"the token's {which} {shown} is not in the ClientIDList of {p.name} ({_listed(detail.client_ids)})"


def _shown(value: Any) -> str:
    return "(absent)" if value is None else json.dumps(value, ensure_ascii=False)


def _listed(items: Any) -> str:
    names = list(items)
    return ", ".join(names) if names else "none configured"


def _saml(c: _Case) -> Outcome | None:
    """A SAML login: enhanced flow only, and the role from the assertion's Role attribute [SAML].

    None: the pool's own configuration decides (no Role attribute, or an assumption says so).
    """
    if c.request.flow == "basic":
        # [SAML] "Amazon Cognito only supports the enhanced flow with the SAML-based IdP."
        c.say(DecisionStep(message="SAML logins support only the enhanced flow [SAML]"))
        return _error("InvalidParameterException", SAML_ENHANCED_ONLY)
    roles = saml_roles(c.claims)
    if not roles:
        return None
    assert c.plan is not None
    configured = c.plan.mapping is not None or c.pool.authenticated_role is not None
    if configured and c.ask(Name.SAML_ROLE_ATTRIBUTE):
        c.say(NoteStep(message="the pool's configuration decides before the SAML Role attribute "
                       "(saml-role-attribute=configuration-first)"))  # fmt: skip
        return None
    custom = c.request.custom_role_arn
    if custom is not None:
        # [SAML] "The user assumes this customRoleArn if the role matches one in the claim".
        if custom in roles:
            c.say(
                DecisionStep(
                    message=f"CustomRoleArn {custom} is a role of the SAML Role attribute [SAML]"
                )
            )
            return Granted(custom, _by("custom_role_arn"))
        c.say(DecisionStep(message=f"CustomRoleArn {custom} is not among the SAML Role attribute's "
                           f"roles ({_listed(roles)}) [SAML]"))  # fmt: skip
        return _custom_role_refused(c, custom)
    if len(roles) == 1:
        c.say(DecisionStep(message=f"the SAML Role attribute names one role, {roles[0]} [SAML]"))
        return Granted(roles[0], _by("token_preferred_role"))
    if c.ask(Name.SAML_SEVERAL_ROLES):
        c.say(DecisionStep(message="several roles in the SAML Role attribute and no CustomRoleArn "
                           "(saml-several-roles=deny)"))  # fmt: skip
        return _error(
            "NotAuthorizedException",
            f"The SAML assertion lists {len(roles)} roles; CustomRoleArn must name one of them.",
        )
    c.say(NoteStep(message=f"the SAML Role attribute names {len(roles)} roles and no CustomRoleArn "
                   "picks one: the pool's configuration decides (saml-several-roles=configuration)"))  # fmt: skip
    return None


def saml_roles(claims: Mapping[str, Any]) -> tuple[str, ...]:
    """[SAML]: the Role attribute's "role ARN,provider ARN" pairs (either order), as role ARNs."""
    attr = claims.get(SAML_ROLE_ATTRIBUTE)
    pairs = [attr] if isinstance(attr, str) else attr if isinstance(attr, list) else []
    found = (
        part.strip()
        for pair in pairs
        if isinstance(pair, str)
        for part in pair.split(",")
        if ":role/" in part
    )
    return tuple(dict.fromkeys(found))


def _basic_flow(c: _Case) -> Outcome:
    gate = _basic_flow_gate(c)
    if gate is not None:
        return gate
    role = c.request.basic_role_arn
    assert role is not None
    # [AF] "Your application selects the IAM role"; the trust policy is the only guard, and no
    # scope-down session policy applies to guests [IAMR].
    c.say(DecisionStep(message=f"basic flow: the application asks STS for {role}; the role's trust "
                       "policy is the only guard [AF]"))  # fmt: skip
    return Granted(role, _by("basic_flow"))


def _basic_flow_gate(c: _Case) -> Refused | None:
    pool = c.pool
    allowed = pool.allow_classic_flow
    if allowed is None:
        # §10.13: observed enabled for pools created without the flag [aws/aws-cli#7652].
        allowed = not c.ask(Name.CLASSIC_FLOW_DEFAULT)
        c.say(FlowStep(message=f"AllowClassicFlow is absent; treated as {'enabled' if allowed else 'disabled'} "
                       f"(classic-flow-default={c.ask.assumptions.label(Name.CLASSIC_FLOW_DEFAULT)})"))  # fmt: skip
    if not allowed:
        # [aws/aws-cli#7652]
        c.say(DecisionStep(message="GetOpenIdToken refuses: classic flow is not enabled"))
        return _error("InvalidParameterException", CLASSIC_NOT_ENABLED)
    if pool.role_mappings:
        # [AF] "Basic (classic) flow is not supported with RoleMappings"; code [community].
        c.say(DecisionStep(message="GetOpenIdToken refuses: the pool has role mappings"))
        return _error("InvalidParameterException", CLASSIC_WITH_MAPPINGS)
    c.say(
        FlowStep(
            message="basic flow: GetId, GetOpenIdToken, then sts:AssumeRoleWithWebIdentity [AF]"
        )
    )
    return None


def _authenticated_default(c: _Case, kind: DecidedKind, why: str) -> Outcome:
    role = c.pool.authenticated_role
    if role is None:
        # [M] InvalidIdentityPoolConfigurationException: "the identity pool has no authenticated role".
        c.say(DecisionStep(message=f"{why}, but no authenticated role is configured"))
        return _error("InvalidIdentityPoolConfigurationException", INVALID_POOL_CONFIG)
    if c.explaining:
        c.say(DecisionStep(message=f"{why}: the pool's default authenticated role {role}"))
    return Granted(role, _by(kind))


def _custom_role_refused(c: _Case, custom: str) -> Refused:
    c.ask.note(Name.CUSTOM_ROLE_ARN_DENY_CODE)
    code = c.ask.assumptions.label(Name.CUSTOM_ROLE_ARN_DENY_CODE)
    return Refused(
        ServiceError(code, f"CustomRoleArn {custom} is not a role this token allows."),
        _by("custom_role_arn"),
    )


def _custom_role_without_mapping(c: _Case, role: str | None, where: str) -> Refused | None:
    """A CustomRoleArn other than the role the pool would give, where no mapping decides (§10.6).

    Undocumented for guests and for logins without a mapping alike: one named assumption decides.
    """
    custom = c.request.custom_role_arn
    if custom is None or custom == role:
        return None
    if c.ask(Name.CUSTOM_ROLE_ARN_WITHOUT_MAPPING):
        c.say(
            DecisionStep(
                message=f"CustomRoleArn given {where} (custom-role-arn-without-mapping=deny)"
            )
        )
        return _custom_role_refused(c, custom)
    c.say(
        NoteStep(
            message=f"CustomRoleArn is ignored {where} (custom-role-arn-without-mapping=ignored)"
        )
    )
    return None


def _no_mapping(c: _Case) -> Outcome:
    c.say(MappingStep(
        message="no role mapping for this provider; the default authenticated role applies [IAMR]"
    ))  # fmt: skip
    refused = _custom_role_without_mapping(c, c.pool.authenticated_role, "without a role mapping")
    if refused is not None:
        return refused
    return _authenticated_default(c, "default_authenticated", "no role mapping")


def _ambiguous(c: _Case, mapping: RoleMapping, why: str) -> Outcome:
    # [M], [CFN-RM] AmbiguousRoleResolution: AuthenticatedRole uses the default role; Deny refuses.
    if mapping.ambiguous_role_resolution == "AuthenticatedRole":
        return _authenticated_default(
            c, "ambiguous_default", f"{why}; AmbiguousRoleResolution is AuthenticatedRole"
        )
    c.say(DecisionStep(message=f"{why}; AmbiguousRoleResolution is Deny"))
    assert c.login.provider is not None
    return _error(
        "NotAuthorizedException", ambiguous_deny_message(c.login.provider.name), "ambiguous_deny"
    )


def _rules(c: _Case, mapping: RoleMapping, compiled: CompiledRules) -> Outcome:
    custom = c.request.custom_role_arn
    if not c.explaining:
        # The fast path: the indexed matcher decides exactly as the loop below (a property test,
        # tests/core/test_properties.py, holds the two together); with CustomRoleArn, the first
        # matching rule of that role is found by the matcher of that role's rules.
        plan = c.plan
        assert plan is not None
        hit = compiled.first_match(c.claims, c.ask)
        if custom is not None and hit is not None and mapping.rules[hit].role_arn != custom:
            refused = _custom_role_with_rules(c, custom, plan.first_of_role(custom, c))
            if refused is not None:
                return refused
        if hit is not None:
            return plan.rule_outcomes[hit]
        return _ambiguous(c, mapping, "no rule matched")
    c.say(MappingStep(message=f"{format_path(('RoleMappings', mapping.key))}: Type Rules, AmbiguousRoleResolution "
                      f"{mapping.ambiguous_role_resolution}", key=mapping.key))  # fmt: skip
    first: int | None = None
    custom_index: int | None = None
    for i, rule in enumerate(mapping.rules):
        if first is not None and custom is None:
            c.say(_rule_step(rule, i, "not-evaluated", "not evaluated: an earlier rule matched"))
            continue
        verdict = evaluate_rule(rule, c.claims, c.ask)
        if c.explaining:
            c.say(_rule_step(rule, i, verdict, _rule_message(verdict, rule, c.claims), c.claims))
        if verdict == "match":
            if first is None:
                first = i
            if custom_index is None and rule.role_arn == custom:
                custom_index = i
    # [RBAC] "Rules are evaluated in order, and the IAM role for the first matching rule is used,
    # unless CustomRoleArn is specified to override the order."
    if custom is not None and first is not None and mapping.rules[first].role_arn != custom:
        refused = _custom_role_with_rules(c, custom, custom_index)
        if refused is not None:
            return refused
    if first is not None:
        role = mapping.rules[first].role_arn
        c.say(DecisionStep(message=f"rule {first} matched first: {role}"))
        return Granted(role, DecidedBy("rule", first))
    return _ambiguous(c, mapping, "no rule matched")


def _custom_role_with_rules(c: _Case, custom: str, custom_index: int | None) -> Outcome | None:
    """CustomRoleArn with Type Rules when the first match names another role (§10.6)."""
    c.ask.note(Name.CUSTOM_ROLE_ARN_WITH_RULES)
    if custom_index is not None:
        c.say(
            DecisionStep(
                message=f"CustomRoleArn {custom} is the role of matching rule {custom_index}"
            )
        )
        return Granted(custom, DecidedBy("custom_role_arn", custom_index))
    if c.ask.alt(Name.CUSTOM_ROLE_ARN_WITH_RULES):
        c.say(DecisionStep(message="CustomRoleArn is not the role of any matching rule "
                           "(custom-role-arn-with-rules=deny-if-unmatched)"))  # fmt: skip
        return _custom_role_refused(c, custom)
    c.say(NoteStep(message="CustomRoleArn is not the role of any matching rule; the first matching rule "
                   "decides (custom-role-arn-with-rules=must-match-a-matching-rule)"))  # fmt: skip
    return None


def _rule_step(
    rule: MappingRule,
    index: int,
    verdict: Any,
    message: str,
    claims: Mapping[str, Any] | None = None,
) -> RuleStep:
    present = claims is not None and rule.claim in claims
    return RuleStep(
        message=message, index=index, claim=rule.claim, match_type=rule.match_type,
        value=rule.value, role_arn=rule.role_arn, verdict=verdict, claim_present=present,
        claim_value=claims.get(rule.claim) if claims is not None else None,
    )  # fmt: skip


def _rule_message(verdict: str, rule: MappingRule, claims: Mapping[str, Any]) -> str:
    if verdict == "skipped":
        return f"skipped: NotEqual on absent claim {rule.claim!r} is not evaluated [RBAC]"
    if rule.claim not in claims:
        return f"no match: claim {rule.claim!r} is absent"
    text = f"{'matches' if verdict == 'match' else 'no match'}: {rule.claim} {rule.match_type} {rule.value!r}"
    if verdict == "match" and rule.match_type in ("Contains", "StartsWith"):
        wider = _wider_values(rule, claims.get(rule.claim))
        if wider:
            # Contains is a substring test, StartsWith a prefix test: a longer value matches too
            # (the observed behaviour behind QnABot's Contains "Admin" matching group "Admins").
            text += (f" (by a {'substring' if rule.match_type == 'Contains' else 'prefix'} of "
                     f"{_listed(repr(w) for w in wider)}, not an equal value)")  # fmt: skip
    return text


def _wider_values(rule: MappingRule, value: Any) -> list[str]:
    """The claim's values that match the rule only as a longer string, none being equal to it."""
    values = value if isinstance(value, list) else [value]
    texts = [v for v in values if isinstance(v, str)]
    if rule.value in texts:
        return []
    if rule.match_type == "Contains":
        return [t for t in texts if rule.value in t]
    return [t for t in texts if t.startswith(rule.value)]


def token_role_claims(
    pool: IdentityPool, login: Login, c: _Case | None = None
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
        roles = saml_roles(claims)
        if roles and len(roles) == 1 and preferred is None:
            preferred = roles[0]
    if raw is None and preferred is None and roles is None:
        derived = _roles_from_groups(pool, login)
        if derived is not None:
            roles, preferred = derived
            if c is not None:
                c.say(TokenRolesStep(
                    message="the token has cognito:groups but no role claims; using the roles the user "
                    "pool's groups would have issued (UserPools in the pool file) [RBAC], [GROUPS]",
                    roles=roles, preferred_role=preferred, from_groups=True,
                ))  # fmt: skip
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
    return roles_from_groups(user_pool.groups, groups)


def roles_from_groups(
    groups: Sequence[UserPoolGroup], names: Sequence[Any]
) -> tuple[tuple[str, ...], str | None] | None:
    """The role claims a user pool issues for a member of `names` (of `groups`): None without a
    role; `rolesim pull --users` writes them into each user's claims line too."""
    member = [g for g in groups if g.name in names and g.role_arn]
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


def _token(c: _Case, mapping: RoleMapping) -> Outcome:
    c.say(MappingStep(message=f"{format_path(('RoleMappings', mapping.key))}: Type Token, AmbiguousRoleResolution "
                      f"{mapping.ambiguous_role_resolution}", key=mapping.key))  # fmt: skip
    roles, preferred = token_role_claims(c.pool, c.login, c if c.explaining else None)
    c.say(TokenRolesStep(message=f"cognito:roles {words(list(roles), empty='(empty)') if roles is not None else 'absent'}; "
                         f"cognito:preferred_role {preferred or 'absent'}"))  # fmt: skip
    custom = c.request.custom_role_arn
    # [RBAC] Token type: 1. CustomRoleArn if it is in cognito:roles, otherwise deny.
    if custom is not None:
        if roles is not None and custom in roles:
            c.say(DecisionStep(message=f"CustomRoleArn {custom} is in cognito:roles"))
            return Granted(custom, _by("custom_role_arn"))
        c.say(DecisionStep(message=f"CustomRoleArn {custom} is not in cognito:roles: access denied "
                           "[RBAC] (error code undocumented)"))  # fmt: skip
        return _custom_role_refused(c, custom)
    # 2. cognito:preferred_role.
    if preferred is not None:
        c.say(DecisionStep(message=f"cognito:preferred_role {preferred}"))
        return Granted(preferred, _by("token_preferred_role"))
    # 3. cognito:roles without a preferred role: AmbiguousRoleResolution.
    if roles:
        return _ambiguous(c, mapping, "cognito:roles without cognito:preferred_role")
    if c.ask(Name.TOKEN_WITHOUT_ROLES):
        return _authenticated_default(
            c,
            "default_authenticated",
            "the token has no role claims (token-without-roles=default-role)",
        )
    return _ambiguous(
        c, mapping, "the token has no role claims (token-without-roles=ambiguous-resolution)"
    )


def _with_tags(c: _Case, plan: _Plan, granted: Granted) -> Outcome:
    """Principal tags are added to whichever role was chosen (§10.16, assumed)."""
    tag_map = plan.tag_map
    if tag_map is None:
        c.say(TagsStep(message="no principal tag map for this provider: no session tags"))
        return granted
    sources = plan.tag_sources(c.ask)
    if not c.explaining:
        # The fast path: plain string values need no assumption (tests/core/test_properties.py
        # holds it to principal_tags()).
        plain = plain_tags(sources, c.claims)
        if plain is not None:
            return Granted(granted.role_arn, granted.decided_by, plain) if plain else granted
    result = principal_tags(tag_map, c.claims, c.ask, explain=c.explaining, sources=sources)
    for s in result.steps:
        what = f"{json_text(s.value)} ({s.note})" if s.value is not None else s.note
        c.say(TagTraceStep(message=f"{s.tag} <- {s.claim}: {what}", tag=s.tag, claim=s.claim,
                           value=s.value))  # fmt: skip
    if result.failure is not None:
        # [M] InvalidIdentityPoolConfigurationException covers "STS returned an error response to the
        # request to assume the ... role"; STS refuses tags outside its limits [M-STS].
        c.say(DecisionStep(message=f"STS would refuse the session tags: {result.failure}"))
        return _error("InvalidIdentityPoolConfigurationException", INVALID_POOL_CONFIG)
    return Granted(granted.role_arn, granted.decided_by, result.tags)


# The claims every login needs to be decided at all: who issued it and for which client (§8).
_PROVIDER_CLAIMS = frozenset({"iss", "aud", "token_use"})
# A Token mapping reads the role claims, or derives them from the groups [RBAC], [GROUPS].
_TOKEN_CLAIMS = frozenset({"cognito:roles", "cognito:preferred_role", "cognito:groups"})


def claims_read(pool: IdentityPool, provider_name: str) -> frozenset[str]:
    """Every claim the pool's decision for `provider_name`'s logins reads: its rules' claims, the
    Token mapping's role claims, the claims its principal tags come from, and iss/aud."""
    read = set(_PROVIDER_CLAIMS)
    for mapping in pool.role_mappings:
        if mapping.provider.name != provider_name:
            continue
        read.update(r.claim for r in mapping.rules)
        if mapping.type == "Token":
            read |= _TOKEN_CLAIMS
    tag_map = pool.tag_map_for(provider_name)
    if tag_map is not None:
        read.update(tag_map.tags.values())
        if tag_map.use_defaults:
            read.update(default_claims(tag_map.provider))
    return frozenset(read)
