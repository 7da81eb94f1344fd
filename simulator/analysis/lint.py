"""`rolesim lint POOL`: findings about the configuration itself (catalogue in `findings`).

Lenient, as parliament is: a pool file the loader rejects for a bad role-mapping key or too many
rules becomes a finding with its path and line, the offending part is set aside, and the other checks
run on the rest. Anything else the loader rejects is one RS100 finding.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path as FsPath
from typing import Any

import msgspec

from simulator import inputs
from simulator.analysis.access import iam_of
from simulator.analysis.findings import Finding, IgnoreEntry, Severity, apply_ignores
from simulator.analysis.graph import PoolGraph, node_for_path, pool_graph
from simulator.analysis.providers import configured_providers, provider_label
from simulator.analysis.reachability import analyze
from simulator.analysis.regions import DEFAULT_BUDGET, PoolAnalysis
from simulator.assumptions import Name, Setting
from simulator.decision import Uncertainty
from simulator.errors import ConfigError, Path
from simulator.iam.roles import IamRole
from simulator.iam.trust import TAG_ACTION, evaluate_trust
from simulator.importers.source import ImportOptions, check_parameters, import_source
from simulator.model.document import Document, parse_text
from simulator.model.limits import STANDARD_ATTRIBUTES
from simulator.model.load import Overrides, pool_from_document
from simulator.model.pool import IdentityPool, RoleMapping, UserPool
from simulator.model.providers import USER_POOL_PROVIDER, ProviderKind, ProviderName
from simulator.request import Flow
from simulator.wording import json_text

# Claims a user pool ID token carries that are not user attributes [IDTOK].
_TOKEN_CLAIMS = frozenset(
    [
        "sub",
        "iss",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "token_use",
        "jti",
        "origin_jti",
        "event_id",
        "nonce",
        "identities",
        "acr",
        "amr",
        "cognito:username",
        "cognito:groups",
        "cognito:roles",
        "cognito:preferred_role",
    ]
)
_OTHER_POOL = "us-east-1:00000000-0000-4000-8000-000000000000"
_CLAIMISH = re.compile(r"^(custom:|cognito:|dev:)|^(sub|aud|iss|email|email_verified|"
                       r"preferred_username|username|name|groups)$")  # fmt: skip


class LintReport(msgspec.Struct, frozen=True):
    source: str
    findings: tuple[Finding, ...]
    suppressed: tuple[Finding, ...] = ()
    complete: bool = True
    # The pool drawn with its findings marked, for the Markdown report (not part of the JSON).
    graph: PoolGraph | None = None

    def failing(self, at: Severity) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level >= at)

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": [f.to_json() for f in self.findings],
            "suppressed": [f.to_json() for f in self.suppressed],
            "pool": self.source,
            "complete": self.complete,
        }


# [RBAC] "Which claims can be used": Login with Amazon and Facebook tokens give only these.
_LIMITED_CLAIMS = {
    "www.amazon.com": {"iss", "aud", "sub"},
    "graph.facebook.com": {"iss", "aud", "sub"},
}


def lint_file(
    path: FsPath | str,
    *,
    assume: Overrides = (),
    ignores: Sequence[IgnoreEntry] = (),
    min_severity: Severity = Severity.INFO,
    budget: int = DEFAULT_BUDGET,
    options: ImportOptions | None = None,
) -> LintReport:
    """Lint a pool file or any native file the importers read (its structural problems, such as
    two role attachments, are findings too)."""
    try:
        imported = import_source(path, options)
    except ConfigError as err:
        if err.code == "syntax":
            return _report(
                inputs.source_name(path),
                [Finding.of_error("RS100", err)],
                ignores,
                min_severity,
                True,
            )
        raise
    check_parameters(options, [imported])
    return lint_document(
        imported.document, assume=assume, ignores=ignores, min_severity=min_severity,
        budget=budget, extra=[Finding.of_error(p.check, p.error) for p in imported.problems],
    )  # fmt: skip


def lint_text(text: str, source: str = "<input>", **kwargs: Any) -> LintReport:
    return lint_document(parse_text(text, source), **kwargs)


def lint_document(
    doc: Document,
    *,
    assume: Overrides = (),
    ignores: Sequence[IgnoreEntry] = (),
    min_severity: Severity = Severity.INFO,
    budget: int = DEFAULT_BUDGET,
    extra: Sequence[Finding] = (),
) -> LintReport:
    pool, findings = load_leniently(doc, assume)
    findings[:0] = extra
    complete = True
    graph = None
    if pool is not None:
        # Rule findings concern the mapping's order, so CustomRoleArn (which overrides it) is left out.
        ctx = _Context(pool, doc, analyze(pool, budget=budget, custom_role_arns=False))
        complete = ctx.analysis.complete
        for check in CHECKS:
            findings.extend(check(ctx))
        graph = pool_graph(pool, ctx.analysis)
    report = _report(doc.source, findings, ignores, min_severity, complete)
    if graph is None:
        return report
    marked = {n for f in report.findings if (n := node_for_path(f.path)) is not None}
    return msgspec.structs.replace(report, graph=graph.marked(marked, "finding").around(marked))


def _report(
    source: str,
    findings: list[Finding],
    ignores: Sequence[IgnoreEntry],
    min_severity: Severity,
    complete: bool,
) -> LintReport:
    marked = apply_ignores(findings, ignores)
    shown = [f for f in marked if f.level >= min_severity]
    shown.sort(key=lambda f: (f.line or 0, f.id))
    return LintReport(
        source,
        tuple(f for f in shown if f.suppressed is None),
        tuple(f for f in shown if f.suppressed is not None),
        complete,
    )


def load_leniently(
    doc: Document, assume: Overrides = ()
) -> tuple[IdentityPool | None, list[Finding]]:
    """Load the pool; bad role-mapping keys and rule counts become findings, and loading goes on."""
    data = copy.deepcopy(doc.data)
    work = doc.with_data(data)
    findings: list[Finding] = []
    extra: list[tuple[str, str] | Setting] = list(assume)
    for _ in range(64):
        try:
            return pool_from_document(work, assume=extra), findings
        except ConfigError as err:
            finding, retry = _classify(err, doc, data, extra)
            findings.append(finding)
            if not retry:
                return None, findings
    return None, findings


# Loader error codes that lint reports as their own findings, loading the rest of the file.
_MAPPING_KEY_FINDINGS = {
    "mapping-key-scheme": "RS101",
    "mapping-key-without-client": "RS102",
    "mapping-key-unconfigured": "RS103",
    "mapping-key-bare-pool-id": "RS131",
}


def _classify(
    err: ConfigError, doc: Document, data: Any, assume: list[tuple[str, str] | Setting]
) -> tuple[Finding, bool]:
    path = err.path
    text = err.message + (f" ({err.hint})" if err.hint else "")
    ident = _MAPPING_KEY_FINDINGS.get(err.code)
    if ident is not None and path[:1] == ("RoleMappings",) and len(path) > 1:
        # Set the mapping aside and load the rest.
        data["RoleMappings"].pop(path[1], None)
        return msgspec.structs.replace(Finding.at(ident, doc, path, text), path=path[:2]), True
    if err.code == "too-many-rules" and (Name.RULE_LIMIT, "400") not in assume:
        assume.append((Name.RULE_LIMIT, "400"))
        return Finding.at("RS104", doc, path, text), True
    return Finding.at("RS100", doc, path, text), False


# --- checks -------------------------------------------------------------------------------------


class _Context(msgspec.Struct):
    pool: IdentityPool
    doc: Document
    analysis: PoolAnalysis
    _seen: set[tuple[str, Path]] = msgspec.field(default_factory=set)

    def finding(
        self, ident: str, path: Path, message: str, severity: Severity | None = None
    ) -> Finding:
        return Finding.at(ident, self.doc, path, message, severity)

    def mappings(self) -> Iterator[tuple[ProviderName, RoleMapping]]:
        for p in configured_providers(self.pool):
            m = self.pool.mapping_for(p)
            if m is not None:
                yield p, m


def _rule_checks(ctx: _Context) -> Iterable[Finding]:
    for pa in ctx.analysis.providers:
        mapping = next((m for p, m in ctx.mappings() if provider_label(p) == pa.provider), None)
        if mapping is None or mapping.type != "Rules":
            continue
        for i in pa.unreachable_rules:
            r = mapping.rules[i]
            yield ctx.finding("RS105", r.path, f"rule {i} ({r.claim} {r.match_type} {r.value!r}) "
                              f"matches no token from {pa.provider}")  # fmt: skip
        for i in pa.shadowed_rules:
            r = mapping.rules[i]
            earlier = [j for j in range(i) if mapping.rules[j].claim == r.claim] or list(range(i))
            yield ctx.finding("RS106", r.path, f"rule {i} ({r.claim} {r.match_type} {r.value!r}) "
                              f"never decides: every token it matches matches rule "
                              f"{' or '.join(map(str, earlier))} first")  # fmt: skip
        for i, r in enumerate(mapping.rules):
            if r.match_type == "NotEqual" and i not in pa.unreachable_rules + pa.shadowed_rules:
                yield ctx.finding("RS107", r.path, f"rule {i} gives {r.role_arn} to every token whose "
                                  f"{r.claim} is anything but {r.value!r}")  # fmt: skip
        for _, region, n in pa.outcomes():
            if region.decision.decided_by.kind == "ambiguous_default":
                yield ctx.finding(
                    "RS108", (*mapping.path, "AmbiguousRoleResolution"),
                    f"tokens from {pa.provider} that match no rule get the default authenticated "
                    f"role {region.decision.role_arn} ({n} region(s)); e.g. claims "
                    f"{_claims_text(region.probe.claims)}",
                )  # fmt: skip
                break
    if not ctx.analysis.complete:
        yield ctx.finding("RS118", ("RoleMappings",), "; ".join(
            dict.fromkeys(n for p in ctx.analysis.providers for n in p.notes)) or "sampled")  # fmt: skip


_GROUP_CLAIMS = frozenset({"cognito:groups", "groups"})


def _group_rule_checks(ctx: _Context) -> Iterable[Finding]:
    """RS120: a Contains/StartsWith rule on a group claim also matches longer group names."""
    for p, mapping in ctx.mappings():
        if mapping.type != "Rules":
            continue
        user_pool = ctx.pool.user_pool(p.name)
        known = [g.name for g in user_pool.groups] if user_pool is not None else []
        for i, r in enumerate(mapping.rules):
            if r.claim not in _GROUP_CLAIMS or r.match_type not in ("Contains", "StartsWith"):
                continue
            test = (lambda g, v=r.value: v in g) if r.match_type == "Contains" else (
                lambda g, v=r.value: g.startswith(v))  # fmt: skip
            also = [g for g in known if g != r.value and test(g)]
            if also:
                what = f"it also matches the groups {', '.join(also)}"
            elif known:
                what = "no other known group matches it today, but any group named so later will"
            else:
                what = "it matches every group whose name contains it (describe UserPools to list them)"
            yield ctx.finding("RS120", (*r.path, "MatchType"), f"rule {i} ({r.claim} {r.match_type} "
                              f"{r.value!r}) is a {'substring' if r.match_type == 'Contains' else 'prefix'} "
                              f"test: {what}; use Equals {r.value!r} to match the group itself")  # fmt: skip


def _claims_text(claims: Any) -> str:
    if not claims:
        return "{}"
    shown = {k: v for k, v in claims.items() if k not in ("iss", "aud", "token_use", "sub")}
    return json_text(shown) if shown else "with no mapped claims"


def _assumption_checks(ctx: _Context) -> Iterable[Finding]:
    seen: dict[str, tuple[str, Any, Uncertainty]] = {}
    for region in ctx.analysis.regions():
        for u in region.decision.uncertain:
            seen.setdefault(u.assumption, (region.provider, region.probe.claims, u))
    for name, (provider, claims, u) in sorted(seen.items()):
        mapping = next((m for p, m in ctx.mappings() if provider_label(p) == provider), None)
        path: Path = mapping.path if mapping is not None else ("Assumptions",)
        # An observed choice is still reported: one observation is evidence, not a guarantee.
        basis = f" (the choice in force was {u.observed.describe()})" if u.observed else ""
        yield ctx.finding("RS119", path, f"tokens from {provider} (e.g. claims "
                          f"{_claims_text(claims)}) get another outcome under the alternative of "
                          f"assumption {name}{basis}")  # fmt: skip


def _token_checks(ctx: _Context) -> Iterable[Finding]:
    for p, m in ctx.mappings():
        if m.type != "Token":
            continue
        if p.kind in (ProviderKind.SOCIAL, ProviderKind.OIDC):
            yield ctx.finding("RS109", (*m.path, "Type"), f"{p.name} tokens carry no cognito:roles "
                              "or cognito:preferred_role; every token falls to "
                              f"AmbiguousRoleResolution ({m.ambiguous_role_resolution})")  # fmt: skip
        elif p.kind is ProviderKind.USER_POOL:
            up = ctx.pool.user_pool(p.name)
            if up is not None and up.groups and not any(g.role_arn for g in up.groups):
                yield ctx.finding("RS109", (*m.path, "Type"), f"no group of {p.name} has a role, so "
                                  "its ID tokens never carry cognito:roles")  # fmt: skip


def _claims_used(ctx: _Context) -> Iterator[tuple[ProviderName, str, Path, str]]:
    """(provider, claim, path, what) for every rule and custom tag that reads a claim."""
    for p, m in ctx.mappings():
        if m.type == "Rules":
            for i, r in enumerate(m.rules):
                yield p, r.claim, (*r.path, "Claim"), f"rule {i}"
    for t in ctx.pool.tag_maps:
        for p in configured_providers(ctx.pool):
            if p.name != t.provider.name:
                continue
            for tag, claim in t.tags.items():
                yield p, claim, (*t.path, "PrincipalTags", tag), f"tag {tag}"


def _claim_checks(ctx: _Context) -> Iterable[Finding]:
    seen: set[tuple[str, Path]] = set()
    for p, claim, path, what in _claims_used(ctx):
        if (claim, path) in seen:
            continue
        seen.add((claim, path))
        why = _never_sent(ctx.pool, p, claim)
        if why:
            yield ctx.finding("RS110", path, f"{what} reads {claim!r}, which {why}")
        writable = _writable_by(ctx.pool, p, claim)
        if writable:
            yield ctx.finding("RS117", path, f"{what} reads {claim!r}, which {writable} can write; "
                              "a user could choose their own outcome")  # fmt: skip


def _never_sent(pool: IdentityPool, p: ProviderName, claim: str) -> str | None:
    limited = _LIMITED_CLAIMS.get(p.name)
    if limited is not None and claim not in limited:
        return f"{p.name} tokens do not carry (only {', '.join(sorted(limited))})"
    if p.kind is not ProviderKind.USER_POOL:
        return None
    up = pool.user_pool(p.name)
    if up is None:
        return None
    if (
        claim in ("cognito:roles", "cognito:preferred_role")
        and up.groups
        and not any(g.role_arn for g in up.groups)
    ):
        return "this user pool never issues: none of its groups has a role"
    attribute = claim in STANDARD_ATTRIBUTES or claim.startswith("custom:")
    if claim.startswith("custom:") and up.schema and not any(a.name == claim for a in up.schema):
        return "is not an attribute of the user pool's schema"
    client = next((c for c in up.clients if c.client_id == p.client_id), None)
    readable = client.read_attributes if client is not None else None
    if attribute and readable is not None and claim not in readable:
        return f"app client {p.client_id} cannot read, so its ID tokens omit it"
    if not attribute and claim not in _TOKEN_CLAIMS and not claim.startswith("dev:") and up.schema:
        return "is neither an ID token claim nor a user pool attribute"
    return None


def _writable_by(pool: IdentityPool, p: ProviderName, claim: str) -> str | None:
    """[RBAC] "only map claims that the end user cannot modify": which client lets users write it."""
    if p.kind is not ProviderKind.USER_POOL:
        return None
    up: UserPool | None = pool.user_pool(p.name)
    if up is None:
        return None
    attr = next((a for a in up.schema if a.name == claim), None)
    if attr is not None and (not attr.mutable or attr.developer_only):
        return None
    for c in up.clients:
        if c.write_attributes is not None:
            if claim in c.write_attributes:
                return f"app client {c.client_id} (WriteAttributes)"
        elif claim in STANDARD_ATTRIBUTES and not claim.endswith("_verified"):
            # Without WriteAttributes an app client can write the standard attributes [ATTRS].
            return (
                f"app client {c.client_id} (no WriteAttributes: standard attributes are writable)"
            )
    return None


def _tag_map_checks(ctx: _Context) -> Iterable[Finding]:
    known = _known_claims(ctx.pool)
    for t in ctx.pool.tag_maps:
        for tag, claim in t.tags.items():
            key_is_claim = bool(_CLAIMISH.match(tag)) and ":" in tag
            value_is_tagish = ":" not in claim and claim not in known
            if key_is_claim and value_is_tagish:
                yield ctx.finding("RS111", (*t.path, "PrincipalTags", tag), f"the tag key {tag!r} "
                                  f"looks like a claim and the claim {claim!r} like a tag key; "
                                  f"PrincipalTags maps tag key -> claim (did you mean "
                                  f"{claim}: {tag}?)")  # fmt: skip


def _known_claims(pool: IdentityPool) -> set[str]:
    names = set(_TOKEN_CLAIMS) | STANDARD_ATTRIBUTES
    for up in pool.user_pools:
        names.update(a.name for a in up.schema)
    for m in pool.role_mappings:
        names.update(r.claim for r in m.rules)
    return names


# --- IAM-based checks ---------------------------------------------------------------------------


def _iam_roles(ctx: _Context) -> list[tuple[int, IamRole]]:
    iam = iam_of(ctx.pool)
    return list(enumerate(iam.roles)) if iam is not None else []


def _trust_path(i: int) -> Path:
    return ("IamRoles", i, "AssumeRolePolicyDocument")


def _trusts(role: IamRole, amr: list[str], pool_id: str, flow: Any = "enhanced",
            tags: dict[str, str] | None = None) -> str:  # fmt: skip
    return evaluate_trust(role, identity_pool_id=pool_id, amr=amr, identity_id=f"{pool_id}-id",
                          principal_tags=tags or {}, flow=flow).outcome  # fmt: skip


def _trust_checks(ctx: _Context) -> Iterable[Finding]:
    pool = ctx.pool
    used = set(pool.role_arns())
    guest = pool.unauthenticated_role
    for i, role in _iam_roles(ctx):
        if role.arn not in used or role.trust_policy is None:
            continue
        amr = ["unauthenticated"] if role.arn == guest else ["authenticated"]
        if _trusts(role, amr, pool.identity_pool_id) != "allowed":
            continue
        if _trusts(role, amr, _OTHER_POOL) == "allowed":
            yield ctx.finding("RS113", _trust_path(i), f"{role.name} can be assumed by identities "
                              "of any identity pool: add StringEquals "
                              f"cognito-identity.amazonaws.com:aud = {pool.identity_pool_id}")  # fmt: skip
        if (
            role.arn != guest
            and _guests_reach_any_role(pool)
            and _trusts(role, ["unauthenticated"], pool.identity_pool_id) == "allowed"
        ):
            yield ctx.finding("RS114", _trust_path(i), f"{role.name} can be assumed by guests "
                              "through the basic flow (GetId and GetOpenIdToken without a login, "
                              "then sts:AssumeRoleWithWebIdentity for this role): add "
                              "ForAnyValue:StringLike cognito-identity.amazonaws.com:amr = "
                              "authenticated")  # fmt: skip


def _guests_reach_any_role(pool: IdentityPool) -> bool:
    """Guests get only the unauthenticated role in the enhanced flow [RBAC]; in the basic flow they
    ask STS for any role that trusts the pool [AF], which GetOpenIdToken allows only with the
    classic flow on and no role mappings [AF], [aws/aws-cli#7652]."""
    return pool.allow_unauthenticated and pool.classic_flow_enabled and not pool.role_mappings


def _tagsession_checks(ctx: _Context) -> Iterable[Finding]:
    iam = iam_of(ctx.pool)
    if iam is None:
        return
    for t in ctx.pool.tag_maps:
        if not t.tags and not t.use_defaults:
            continue
        roles = sorted({
            r.decision.role_arn
            for pa in ctx.analysis.providers
            if pa.provider.split(":")[0] == t.provider.name.split(":")[0]
            or pa.provider == t.provider.name
            for r in pa.regions
            if r.decision.role_arn and r.decision.principal_tags
        })  # fmt: skip
        for arn in roles:
            role = iam.role(arn)
            if role is None or role.trust_policy is None:
                continue
            d = evaluate_trust(role, identity_pool_id=ctx.pool.identity_pool_id,
                               amr=["authenticated", t.provider.name], identity_id="x",
                               principal_tags={"rolesim": "x"}, flow=Flow.ENHANCED)  # fmt: skip
            if d.outcome == "denied" and d.failed_action == TAG_ACTION:
                yield ctx.finding("RS112", t.path, f"{t.provider.name} users get {arn} with session "
                                  f"tags, but {role.name}'s trust policy does not allow "
                                  f"{TAG_ACTION}: credentials are refused")  # fmt: skip


def _classic_flow_checks(ctx: _Context) -> Iterable[Finding]:
    pool = ctx.pool
    if not pool.classic_flow_enabled:
        return
    path: Path = ("AllowClassicFlow",)
    trusting = [
        role.name
        for _, role in _iam_roles(ctx)
        if role.trust_policy is not None
        and _trusts(role, ["authenticated"], pool.identity_pool_id, "basic") == "allowed"
    ]
    if trusting:
        yield ctx.finding("RS115", path, "the basic flow lets clients assume "
                          f"{', '.join(trusting)} directly, bypassing every mapping rule")  # fmt: skip
    elif iam_of(pool) is None:
        yield ctx.finding("RS115", path, "the basic flow lets clients assume any role that trusts "
                          "this pool, bypassing every mapping rule (no IAM data to list them)",
                          Severity.WARNING)  # fmt: skip


def _guest_checks(ctx: _Context) -> Iterable[Finding]:
    iam = iam_of(ctx.pool)
    arn = ctx.pool.unauthenticated_role
    if iam is None or arn is None or not ctx.pool.allow_unauthenticated:
        return
    for i, role in _iam_roles(ctx):
        if role.arn != arn:
            continue
        broad = sorted({
            action
            for named in iam.role_policies(role).identity
            for st in named.policy.statements
            if st.effect == "Allow"
            for action in (st.actions if not st.not_action else ("NotAction",))
            if action in ("*", "NotAction") or action.endswith(":*")
        })  # fmt: skip
        if broad:
            yield ctx.finding("RS116", ("IamRoles", i), f"the guest role {role.name} allows "
                              f"{', '.join(broad)} to anyone")  # fmt: skip


def _region_checks(ctx: _Context) -> Iterable[Finding]:
    pool_region = ctx.pool.region
    for i, provider in enumerate(ctx.pool.cognito_providers):
        found = USER_POOL_PROVIDER.fullmatch(provider.provider_name)
        if found is None:
            continue
        host, pool_id = found["region"], found["pool"]
        path: Path = ("CognitoIdentityProviders", i, "ProviderName")
        if pool_id.split("_", 1)[0] != host:
            yield ctx.finding("RS132", path, f"the provider host is in {host} but user pool "
                              f"{pool_id} is in {pool_id.split('_', 1)[0]}: no token's issuer can "
                              "ever match it", Severity.ERROR)  # fmt: skip
        elif host != pool_region:
            yield ctx.finding("RS132", path, f"user pool {pool_id} is in {host}, the identity pool "
                              f"in {pool_region}; check that the region was not written in by "
                              "hand for another deployment")  # fmt: skip


def _classic_flow_unset_checks(ctx: _Context) -> Iterable[Finding]:
    if ctx.pool.allow_classic_flow is None:
        # Observed: a pool created without the flag allows GetOpenIdToken [aws/aws-cli#7652], §10.13.
        yield ctx.finding("RS133", ("AllowClassicFlow",), "AllowClassicFlow is not set: the service "
                          "treats the pool as allowing the basic flow, in which any role that "
                          "trusts the pool can be assumed regardless of the role mappings")  # fmt: skip


CHECKS = (
    _rule_checks,
    _group_rule_checks,
    _assumption_checks,
    _token_checks,
    _claim_checks,
    _tag_map_checks,
    _trust_checks,
    _tagsession_checks,
    _classic_flow_checks,
    _guest_checks,
    _region_checks,
    _classic_flow_unset_checks,
)
