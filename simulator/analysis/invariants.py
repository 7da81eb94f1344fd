"""`rolesim check POOL --invariants FILE`: stated invariants, checked by exact analysis and search.

An invariants file (YAML or JSON):

```yaml
invariants:
  - id: admin-role-needs-admins-group        # stable id, reported with each violation
    description: Only tokens in group admins may get the PoolAdmin role.
    when:                                     # which requests (all of its keys must hold)
      not: {claim: cognito:groups, contains: admins}
    expect:                                   # what must hold for them (all of its keys)
      role_not: arn:aws:iam::111122223333:role/PoolAdmin
```

`when` (optional: every request, guests included) is a mapping of any of: `unauthenticated: bool`;
`provider: GLOB` (the role-mapping key form `name:clientId` for user pools); `flow: enhanced|basic`;
`claim: NAME` with one of `equals`, `contains`, `starts_with`, `not_equals` (the rule match types,
same semantics and assumptions) or `present: bool`; `all: [...]`, `any: [...]`, `not: {...}`.

`expect` is a mapping of any of: `role: ARN`, `role_in: [ARN...]`, `role_not: ARN | [ARN...]`,
`granted: bool`, `error: CODE`, `tag_equals_claim: {tag: KEY, claim: NAME}` (when granted: the tag
is set to the claim's value when the claim is a string, and unset when the claim is absent),
`tags_absent: [KEY...]`, `denies: [{action, resource}]` / `allows: [...]` (IAM data needed).

Checking: the exact analysis splits the claims space by the rules and by the invariant's own claim
conditions, so every request a `when` selects lies in a region whose witness it shares the outcome
with; an invariant about role, error or tags is then decided exactly. Access (`denies`, `allows`)
also depends on tag values, so those invariants are additionally searched with Hypothesis (seeded,
shrinking to a small counterexample) and reported `complete: false` unless only guests are selected.
"""

from __future__ import annotations

import fnmatch
import random
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import msgspec

from simulator.access import Assessment
from simulator.analysis.access import AccessCheck, assess_witness, iam_of
from simulator.analysis.explorer import Scope, explore
from simulator.analysis.outcomes import outcome_summary
from simulator.analysis.providers import (
    base_claims,
    claim_shape,
    configured_providers,
    other_role_arn,
    provider_label,
    tag_claim_names,
)
from simulator.analysis.regions import DEFAULT_BUDGET
from simulator.assumptions import Consult
from simulator.errors import ConfigError
from simulator.model.document import read_file
from simulator.model.pool import IdentityPool, MappingRule
from simulator.model.providers import ProviderKind
from simulator.node import Node
from simulator.request import NO_TOKEN, PLAIN_CLAIMS, Flow, LoginRequest
from simulator.semantics.rules import evaluate_rule

_MATCH_KEYS = {
    "equals": "Equals",
    "contains": "Contains",
    "starts_with": "StartsWith",
    "not_equals": "NotEqual",
}
_SELECTOR_ARN = "arn:aws:iam::000000000000:role/rolesim-selector"


# --- selectors ----------------------------------------------------------------------------------


class Context(msgspec.Struct, frozen=True):
    provider: str  # label, or "unauthenticated"
    probe: LoginRequest
    pool: IdentityPool


class Selector(msgspec.Struct, frozen=True):
    kind: Literal["all", "any", "not", "claim", "present", "guest", "provider", "flow"]
    children: tuple[Selector, ...] = ()
    rule: MappingRule | None = None
    claim: str = ""
    flag: bool = True
    text: str = ""

    def test(self, ctx: Context) -> bool:
        k = self.kind
        if k == "all":
            return all(c.test(ctx) for c in self.children)
        if k == "any":
            return any(c.test(ctx) for c in self.children)
        if k == "not":
            return not self.children[0].test(ctx)
        if k == "guest":
            return ctx.probe.is_guest is self.flag
        if k == "provider":
            return fnmatch.fnmatchcase(ctx.provider, self.text)
        if k == "flow":
            return ctx.probe.flow == self.text
        claims = ctx.probe.claims or {}
        if k == "present":
            return (self.claim in claims) is self.flag
        assert self.rule is not None
        if ctx.probe.is_guest:
            return False
        return evaluate_rule(self.rule, claims, Consult(ctx.pool.assumptions)) == "match"

    def rules(self) -> list[MappingRule]:
        own = [self.rule] if self.rule is not None else []
        return own + [r for c in self.children for r in c.rules()]

    def claims(self) -> set[str]:
        own = {self.claim} if self.claim else set()
        return own.union(*(c.claims() for c in self.children))

    def may_select(self, provider: str) -> bool:
        """False only when no request from `provider` (a label, or "unauthenticated") can pass the
        selector: the exploration then leaves that provider out."""
        k = self.kind
        if k == "all":
            return all(c.may_select(provider) for c in self.children)
        if k == "any":
            return any(c.may_select(provider) for c in self.children)
        if k == "guest":
            return (provider == "unauthenticated") is self.flag
        if k == "provider":
            return fnmatch.fnmatchcase(provider, self.text)
        if k in ("claim", "present"):
            # Guests carry no claims: a claim test selects no guest, a "not present" test all.
            return provider != "unauthenticated" or (k == "present" and not self.flag)
        return True  # not, flow: decided per request

    def only_guests(self) -> bool:
        if self.kind == "guest":
            return self.flag
        if self.kind == "all":
            return any(c.only_guests() for c in self.children)
        return False


ALWAYS = Selector("all")


def _selector(node: Node) -> Selector:
    m = node.mapping()
    parts: list[Selector] = []
    claim_node = node.get("claim")
    keys = set(m)
    allowed_keys = {"unauthenticated", "provider", "flow", "claim", "present", "all", "any", "not",
                    *_MATCH_KEYS}  # fmt: skip
    for k in keys - allowed_keys:
        node.fail(
            f"unknown condition {k!r}", at=(k,), hint="allowed: " + ", ".join(sorted(allowed_keys))
        )
    tests = [k for k in (*_MATCH_KEYS, "present") if k in m]
    if claim_node is not None or tests:
        if claim_node is None:
            node.fail(f"{tests[0]!r} needs 'claim'")
        if len(tests) != 1:
            node.fail("a claim condition needs exactly one of equals, contains, starts_with, "
                      "not_equals or present")  # fmt: skip
        claim = claim_node.string(length=(1, 256))
        test = tests[0]
        if test == "present":
            parts.append(Selector("present", claim=claim, flag=node.child("present").boolean()))
        else:
            value = node.child(test).string(length=(1, 128))
            rule = MappingRule(claim, _MATCH_KEYS[test], value, _SELECTOR_ARN)  # type: ignore[arg-type]
            parts.append(Selector("claim", rule=rule, claim=claim))
    if (n := node.get("unauthenticated")) is not None:
        parts.append(Selector("guest", flag=n.boolean()))
    if (n := node.get("provider")) is not None:
        parts.append(Selector("provider", text=n.string()))
    if (n := node.get("flow")) is not None:
        parts.append(Selector("flow", text=n.string(check=lambda s: s in ("enhanced", "basic"),
                                                    what="a flow", hint="enhanced or basic")))  # fmt: skip
    for k in ("all", "any"):
        if (n := node.get(k)) is not None:
            parts.append(Selector(k, tuple(_selector(e) for e in n.elements())))  # type: ignore[arg-type]
    if (n := node.get("not")) is not None:
        parts.append(Selector("not", (_selector(n),)))
    if not parts:
        node.fail("an empty condition", hint="remove 'when' to select every request")
    return parts[0] if len(parts) == 1 else Selector("all", tuple(parts))


# --- expectations -------------------------------------------------------------------------------


class Expectation(msgspec.Struct, frozen=True):
    role_in: tuple[str, ...] | None = None
    role_not: tuple[str, ...] = ()
    granted: bool | None = None
    error: str | None = None
    tag_equals_claim: tuple[tuple[str, str], ...] = ()
    tags_absent: tuple[str, ...] = ()
    denies: tuple[AccessCheck, ...] = ()
    allows: tuple[AccessCheck, ...] = ()

    @property
    def needs_access(self) -> bool:
        return bool(self.denies or self.allows)

    def claims(self) -> set[str]:
        return {c for _, c in self.tag_equals_claim}

    def mentioned_values(self) -> set[str]:
        """Words of the requests it names: a tag value in a resource path often decides access."""
        words: set[str] = set()
        for check in (*self.denies, *self.allows):
            parts = check.resource.split(":", 5)
            tail = parts[5] if len(parts) == 6 else check.resource
            words.update(w for w in re.split(r"[/:*?${}]+", tail) if len(w) > 1)
        return words

    @property
    def checks(self) -> tuple[AccessCheck, ...]:
        return (*self.denies, *self.allows)

    def broken(self, ctx: Context, a: Assessment) -> str | None:
        """Why the witness's whole outcome breaks the expectation, or None. What rolesim cannot
        decide (trust or access `unknown`) breaks it too: a gate never passes on a guess."""
        about_outcome = self.granted is not None or self.role_in is not None or self.role_not
        if a.credentials == "unknown" and (about_outcome or self.needs_access):
            assert a.trust is not None
            return f"cannot be decided: {a.trust.reason}"
        role = a.role_arn
        if self.granted is True and role is None:
            return f"refused ({a.error.code if a.error else '?'}), expected credentials"
        if self.granted is False and role is not None:
            return f"granted {role}, expected a refusal"
        if self.role_in is not None and role not in self.role_in:
            return f"got {role or 'no credentials'}, expected {' or '.join(self.role_in)}"
        if role is not None and role in self.role_not:
            return f"granted {role}, which it must not get"
        if self.error is not None and (a.error is None or a.error.code != self.error):
            return f"got {outcome_summary(a)}, expected error {self.error}"
        if role is not None:
            why = self._tags_broken(ctx, a)
            if why is not None:
                return why
        for check, result in zip(self.checks, a.access, strict=True):
            what = f"{check.action} on {check.resource}"
            if result.verdict == "unknown":
                return f"{what} cannot be decided: {result.reason}"
            if check in self.denies and result.verdict == "allowed":
                return f"{what} is allowed"
            if check in self.allows and role is not None and result.verdict != "allowed":
                return f"{what} is not allowed ({result.verdict.replace('_', ' ')})"
        return None

    def _tags_broken(self, ctx: Context, a: Assessment) -> str | None:
        claims = ctx.probe.claims or {}
        for tag, claim in self.tag_equals_claim:
            value = claims.get(claim)
            have = a.principal_tags.get(tag)
            want = value if isinstance(value, str) else None
            if have != want:
                return (f"tag {tag} is {have!r} but claim {claim} is "
                        f"{'absent' if claim not in claims else repr(value)}")  # fmt: skip
        for tag in self.tags_absent:
            if tag in a.principal_tags:
                return f"tag {tag} is set ({a.principal_tags[tag]!r})"
        return None


def _arns(node: Node) -> tuple[str, ...]:
    if isinstance(node.value, list):
        return node.strings()
    return (node.string(),)


def _checks(node: Node) -> tuple[AccessCheck, ...]:
    out = []
    for e in node.elements():
        e.check_keys(("action", "resource"), required=("action", "resource"))
        out.append(AccessCheck(e.require("action").string(), e.require("resource").string()))
    return tuple(out)


def _expectation(node: Node) -> Expectation:
    node.check_keys(("role", "role_in", "role_not", "granted", "error", "tag_equals_claim",
                     "tags_absent", "denies", "allows"))  # fmt: skip
    if not node.mapping():
        node.fail("an empty expectation")
    role_in: tuple[str, ...] | None = None
    if (n := node.get("role")) is not None:
        role_in = (n.string(),)
    if (n := node.get("role_in")) is not None:
        role_in = _arns(n)
    tags: list[tuple[str, str]] = []
    if (n := node.get("tag_equals_claim")) is not None:
        items = list(n.elements()) if isinstance(n.value, list) else [n]
        for e in items:
            e.check_keys(("tag", "claim"), required=("tag", "claim"))
            tags.append((e.require("tag").string(), e.require("claim").string()))
    g, err, ta = node.get("granted"), node.get("error"), node.get("tags_absent")
    rn, de, al = node.get("role_not"), node.get("denies"), node.get("allows")
    return Expectation(
        role_in=role_in,
        role_not=_arns(rn) if rn else (),
        granted=g.boolean() if g else None,
        error=err.string() if err else None,
        tag_equals_claim=tuple(tags),
        tags_absent=ta.strings() if ta else (),
        denies=_checks(de) if de else (),
        allows=_checks(al) if al else (),
    )


class Invariant(msgspec.Struct, frozen=True):
    id: str
    description: str
    when: Selector
    expect: Expectation
    path: tuple[str | int, ...] = ()
    line: int | None = None
    source: str | None = None  # the invariants file


def load_invariants(path: Path | str) -> tuple[Invariant, ...]:
    doc = read_file(path)
    try:
        root = Node(doc.data)
        root.check_keys(("invariants",), required=("invariants",))
        out: list[Invariant] = []
        for e in root.require("invariants").elements():
            e.check_keys(("id", "description", "when", "expect"), required=("id", "expect"))
            ident = e.require("id").string(length=(1, 128))
            if any(i.id == ident for i in out):
                e.child("id").fail(f"a second invariant with id {ident!r}")
            desc = e.get("description")
            when = e.get("when")
            out.append(
                Invariant(
                    ident,
                    desc.string() if desc else "",
                    _selector(when) if when is not None else ALWAYS,
                    _expectation(e.require("expect")),
                    e.path,
                    doc.line_of(e.path),
                    doc.source,
                )
            )
        return tuple(out)
    except ConfigError as err:
        raise doc.error(err) from None


# --- checking -----------------------------------------------------------------------------------


class Violation(msgspec.Struct, frozen=True):
    invariant: str
    provider: str
    probe: LoginRequest
    result: Assessment
    reason: str
    method: Literal["exact", "hypothesis"]

    def to_json(self) -> dict[str, Any]:
        return {
            "invariant": self.invariant,
            "claims": dict(self.probe.claims) if self.probe.claims is not None else None,
            "witness": self.probe.to_json(),
            "provider": self.provider,
            "outcome": self.result.to_json(trace=False),
            "rests_on": list(self.result.rests_on),
            "reason": self.reason,
            "method": self.method,
        }


class InvariantResult(msgspec.Struct, frozen=True):
    invariant: Invariant
    method: str  # "exact", "hypothesis" or "exact+hypothesis"
    complete: bool
    violations: tuple[Violation, ...]
    requests_checked: int
    notes: tuple[str, ...] = ()
    # Named assumptions whose alternative changes the outcome of a checked witness: the verdict
    # rests on them (a live probe can settle them).
    rests_on: tuple[str, ...] = ()

    @property
    def holds(self) -> bool:
        return not self.violations

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.invariant.id,
            "description": self.invariant.description,
            "holds": self.holds,
            "method": self.method,
            "complete": self.complete,
            "requests_checked": self.requests_checked,
            "notes": list(self.notes),
            "rests_on": list(self.rests_on),
        }


class CheckReport(msgspec.Struct, frozen=True):
    source: str
    invariants_source: str
    results: tuple[InvariantResult, ...]

    @property
    def violations(self) -> tuple[Violation, ...]:
        return tuple(v for r in self.results for v in r.violations)

    @property
    def complete(self) -> bool:
        return all(r.complete for r in self.results)

    @property
    def passed(self) -> bool:
        return not self.violations

    def to_json(self) -> dict[str, Any]:
        return {
            "violations": [v.to_json() for v in self.violations],
            "complete": self.complete,
            "pool": self.source,
            "invariants_file": self.invariants_source,
            "invariants": [r.to_json() for r in self.results],
        }


class SearchSettings(msgspec.Struct, frozen=True):
    examples: int = 200
    seed: int = 0
    budget: int = DEFAULT_BUDGET
    now: datetime | None = None  # the evaluation time (aws:CurrentTime) for access invariants


def check_pool(
    pool: IdentityPool,
    invariants: Sequence[Invariant],
    *,
    settings: SearchSettings = SearchSettings(),
    invariants_source: str = "",
) -> CheckReport:
    results = [_check_one(pool, inv, settings) for inv in invariants]
    return CheckReport(pool.source, invariants_source, tuple(results))


def _check_one(pool: IdentityPool, inv: Invariant, s: SearchSettings) -> InvariantResult:
    notes: list[str] = []
    if inv.expect.needs_access and iam_of(pool) is None:
        raise ConfigError(
            f"invariant {inv.id!r} checks access, but the pool file has no IAM data",
            path=inv.path,
            file=inv.source,
            line=inv.line,
            hint="add IamRoles (and Policies) to the pool file",
            code="no-iam-data",
        )
    selectors = inv.when.rules()
    if inv.expect.needs_access:
        # Access often turns on a tag's value (a resource path with ${aws:PrincipalTag/...}): split
        # the tag claims also by the words the invariant's requests mention.
        tag_claims = {c for t in pool.tag_maps for c in tag_claim_names(t)}
        selectors += [
            MappingRule(c, "Equals", w, _SELECTOR_ARN)
            for c in sorted(tag_claims)
            for w in sorted(inv.expect.mentioned_values())
        ]
    found = explore(
        [pool],
        Scope(
            budget=s.budget,
            seed=s.seed,
            selectors=selectors,
            enumerate_claims=inv.when.claims() | inv.expect.claims(),
            include=inv.when.may_select,
        ),
    )
    violations: list[Violation] = []
    checked = 0
    rests_on: dict[str, None] = {}
    for region in found.regions:
        ctx = Context(region.provider, region.probe, pool)
        if not inv.when.test(ctx):
            continue
        checked += 1
        result = assess_witness(pool, region.probe, inv.expect.checks, now=s.now)
        rests_on.update(dict.fromkeys(result.rests_on))
        why = inv.expect.broken(ctx, result)
        if why is not None:
            violations.append(
                Violation(inv.id, region.provider, region.probe, result, why, "exact")
            )
    notes += found.notes
    complete = found.complete
    method = "exact"
    exact_enough = found.complete and (not inv.expect.needs_access or inv.when.only_guests())
    if not exact_enough:
        method = "exact+hypothesis"
        complete = False
        if not violations:
            found_by_search = _search(pool, inv, s)
            if found_by_search is not None:
                violations.append(found_by_search)
        if inv.expect.needs_access and not inv.when.only_guests():
            notes.append("access depends on tag values and identity; searched, not proven")
    # One counterexample per outcome is enough for a reviewer.
    unique: dict[tuple[Any, ...], Violation] = {}
    for v in violations:
        unique.setdefault((v.provider, v.reason.split(",")[0], v.result.role_arn), v)
    for v in unique.values():
        rests_on.update(dict.fromkeys(v.result.rests_on))
    return InvariantResult(
        inv, method, complete, tuple(unique.values()), checked, tuple(notes), tuple(rests_on)
    )


def _search(pool: IdentityPool, inv: Invariant, s: SearchSettings) -> Violation | None:
    """A seeded Hypothesis search for a counterexample, shrunk by Hypothesis."""
    from hypothesis import HealthCheck, find
    from hypothesis import settings as hsettings
    from hypothesis.errors import NoSuchExample

    strategy = probe_strategy(
        pool,
        extra_rules=inv.when.rules(),
        extra_claims=inv.when.claims() | inv.expect.claims(),
        extra_values=inv.expect.mentioned_values(),
    )

    def broken(item: tuple[str, LoginRequest]) -> bool:
        label, probe = item
        ctx = Context(label, probe, pool)
        if not inv.when.test(ctx):
            return False
        return (
            inv.expect.broken(ctx, assess_witness(pool, probe, inv.expect.checks, now=s.now))
            is not None
        )

    try:
        label, probe = find(
            strategy,
            broken,
            settings=hsettings(
                max_examples=s.examples,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
            random=random.Random(s.seed),
        )
    except NoSuchExample:
        return None
    result = assess_witness(pool, probe, inv.expect.checks, now=s.now)
    reason = inv.expect.broken(Context(label, probe, pool), result) or "?"
    return Violation(inv.id, label, probe, result, reason, "hypothesis")


def probe_strategy(
    pool: IdentityPool,
    *,
    extra_rules: Sequence[MappingRule] = (),
    extra_claims: set[str] | None = None,
    extra_values: set[str] | None = None,
) -> Any:
    """Requests built from the values the pool's rules, tags and roles mention, and variations of
    them (case, prefixes, suffixes, arrays, scalars), for Hypothesis to search and shrink."""
    from hypothesis import strategies as st

    providers = configured_providers(pool)
    roles = [*pool.role_arns(), other_role_arn([pool])]
    claim_values: dict[str, set[str]] = {c: set() for c in (extra_claims or set())}
    for m in pool.role_mappings:
        for r in m.rules:
            claim_values.setdefault(r.claim, set()).add(r.value)
    for r in extra_rules:
        claim_values.setdefault(r.claim, set()).add(r.value)
    for t in pool.tag_maps:
        for c in tag_claim_names(t):
            claim_values.setdefault(c, set())
    for c in ("cognito:roles", "cognito:preferred_role"):
        claim_values.setdefault(c, set()).update(roles)
    names = sorted(claim_values)

    def text_for(values: set[str]) -> Any:
        base = sorted(values | (extra_values or set())) or ["x"]
        seeds = st.sampled_from(base)
        # The values themselves weigh most: they are where outcomes change.
        return st.one_of(
            seeds,
            seeds,
            seeds.map(str.upper),
            st.tuples(seeds, st.text(max_size=3)).map(lambda t: t[0] + t[1]),
            st.tuples(st.text(max_size=3), seeds).map(lambda t: t[0] + t[1]),
            st.text(max_size=8),
        )

    def value_for(name: str, kind: ProviderKind) -> Any:
        """Values of the type the provider's tokens carry for the claim (claim_shape)."""
        text = text_for(claim_values[name])
        shape = claim_shape(kind, name)
        typed = {
            "string": text,
            "array": st.lists(text, max_size=3),
            "boolean": st.booleans(),
            "number": st.integers(-2, 100),
        }.get(shape)
        if typed is not None:
            return st.one_of(st.none(), typed, typed)
        scalar = st.one_of(st.booleans(), st.integers(-2, 100))
        return st.one_of(st.none(), text, text, st.lists(text, max_size=3), scalar)

    @st.composite
    def request(draw: Callable[[Any], Any]) -> tuple[str, LoginRequest]:
        custom = draw(st.one_of(st.none(), st.sampled_from(roles)))
        if not providers or draw(st.integers(0, 9)) == 0:
            flow = draw(st.sampled_from(["enhanced", "basic"]))
            return "unauthenticated", LoginRequest(
                None, NO_TOKEN, None, None, None, Flow(flow), roles[0] if flow == "basic" else None
            )
        p = draw(st.sampled_from(providers))
        claims: dict[str, Any] = dict(base_claims(pool, p))
        claims["sub"] = draw(st.sampled_from(["user-1", "user-2"]))
        for n in names:
            v = draw(value_for(n, p.kind))
            if v is not None:
                claims[n] = v
        return provider_label(p), LoginRequest(claims, PLAIN_CLAIMS, p.name, custom)

    return request()
