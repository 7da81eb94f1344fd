"""The walk that finds the regions: every pool's rules in evaluation order, each test branched on.

For one pool (or two, for `diff`) and one provider, each rule test is branched on (matches / does not
match), keeping per-claim constraints and pruning branches no claims object can satisfy (`solver`). A
leaf fixes which rule decides in every pool; the remaining dimensions (tag claims, Token-type role
claims, CustomRoleArn, the basic flow, guests) are enumerated on top, within a probe budget.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import msgspec

from simulator.analysis.providers import (
    ARRAY_CLAIMS,
    TOKEN_CLAIMS,
    Shape,
    base_claims,
    claim_shape,
    configured_providers,
    other_role_arn,
    provider_label,
    rules_of,
    semantics_of,
    tag_claim_names,
)
from simulator.analysis.regions import DEFAULT_BUDGET, Exploration, Region, Step
from simulator.analysis.solver import (
    Atom,
    ClaimConstraint,
    ClaimSpace,
    Kind,
    bad_tag_char,
    feasible,
    separator,
    text_ok,
    value_for,
)
from simulator.assumptions import Consult, Name
from simulator.model.pool import IdentityPool, MappingRule, RoleMapping
from simulator.model.providers import ProviderKind, ProviderName
from simulator.request import NO_TOKEN, PLAIN_CLAIMS, Flow, LoginRequest
from simulator.resolve import SAML_ROLE_ATTRIBUTE
from simulator.semantics.rules import evaluate_rule
from simulator.simulate import decide

EMPTY = ClaimConstraint()
_MAX_GROUP_SUBSETS = 64

# Each region's witness as it is found: (provider label, witness, whether the pools configure its
# provider alike, so decide it alike). The diff decides only what it compares.
Visit = Callable[[str, LoginRequest, bool], None]


class _Side(msgspec.Struct, frozen=True):
    pool: IdentityPool
    mapping: RoleMapping | None
    custom: str | None
    # Predicates an invariant selects tokens by: every one is tested, none decides a role.
    probes_only: tuple[MappingRule, ...] | None = None
    # The rules walked: read at every step of the walk, so kept rather than derived.
    rules: tuple[MappingRule, ...] = ()  # set by __post_init__

    def __post_init__(self) -> None:
        m = self.mapping
        rules = (
            self.probes_only
            if self.probes_only is not None
            else m.rules
            if m is not None and m.type == "Rules"
            else ()
        )
        msgspec.structs.force_setattr(self, "rules", rules)


# A side's walk state: (next position, first match or -1, phase-2 flag, done).
_State = tuple[int, int, bool, bool]


def _next_test(side: _Side, st: _State) -> int | None:
    pos, _first, phase2, done = st
    if done:
        return None
    rules = side.rules
    if side.probes_only is not None:
        return pos if pos < len(rules) else None
    if not phase2:
        return pos if pos < len(rules) else None
    # After the first match, only later rules whose role is the CustomRoleArn can change the
    # outcome (resolve: a CustomRoleArn that is the role of a matching rule wins).
    for j in range(pos, len(rules)):
        if rules[j].role_arn == side.custom:
            return j
    return None


def _advance(side: _Side, st: _State, index: int, matched: bool) -> _State:
    _, first, phase2, _ = st
    rules = side.rules
    if side.probes_only is not None:
        return (index + 1, -1, False, index + 1 >= len(rules))
    if not phase2:
        if matched:
            if side.custom is None or rules[index].role_arn == side.custom:
                return (index + 1, index, False, True)
            st = (index + 1, index, True, False)
        else:
            st = (index + 1, -1, False, index + 1 >= len(rules))
    elif matched:
        return (index + 1, first, True, True)
    else:
        st = (index + 1, first, True, False)
    return st if _next_test(side, st) is not None else (st[0], st[1], st[2], True)


class _Walk(msgspec.Struct, frozen=True):
    """What stays fixed while one provider's rules are walked: who asks, the claims the provider
    fixes, the claim spaces, the claims that feed tags, the sides compared and the flow."""

    label: str
    provider: ProviderName
    base: dict[str, Any]
    spaces: dict[str, ClaimSpace]
    tag_claims: set[str]
    sides: tuple[_Side, ...]
    flow: Flow = Flow.ENHANCED
    basic_role: str | None = None

    @property
    def fixed(self) -> dict[str, str]:
        return {k: v for k, v in self.base.items() if isinstance(v, str)}


def _initial(side: _Side) -> _State:
    st: _State = (0, -1, False, not side.rules)
    return st


class _Explorer:
    def __init__(
        self,
        pools: Sequence[IdentityPool],
        *,
        budget: int = DEFAULT_BUDGET,
        seed: int = 0,
        selectors: Sequence[MappingRule] = (),
        enumerate_claims: Iterable[str] = (),
        custom_role_arns: bool = True,
    ) -> None:
        self.custom_role_arns = custom_role_arns
        self.pools = tuple(pools)
        self.budget = budget
        self.rng = random.Random(seed)
        self.out = Exploration()
        self.sem = semantics_of(self.pools[0])
        if len({semantics_of(p) for p in self.pools}) > 1:
            self.out.incomplete(
                "the pools match rules under different named assumptions; regions are built under "
                "the first pool's and checked in both"
            )
        self.selectors = tuple(selectors)
        self.enumerated = set(enumerate_claims) | {r.claim for r in self.selectors}
        self.other_role = other_role_arn(self.pools)
        self.spent = 0
        self._solved: dict[int, tuple[ClaimSpace, dict[ClaimConstraint, bool]]] = {}
        # A claim's values under a constraint, per claim space, as `_options` found them.
        self._values: dict[int, tuple[ClaimSpace, dict[tuple[Any, ...], list[object]]]] = {}
        self._shapes: dict[tuple[ProviderKind, str], Shape] = {}
        self._alike = False
        # Verdicts of rules on witness values; the pools and their rules live as long as this.
        self._verdicts: dict[tuple[int, int, object], bool] = {}
        self.include: Callable[[str], bool] = lambda _label: True
        self.visit: Visit | None = None

    # spaces ---------------------------------------------------------------------------------

    def _spaces(self, provider: ProviderName, claims: set[str]) -> dict[str, ClaimSpace]:
        atoms: dict[str, set[Atom]] = {c: set() for c in claims}
        rules = [r for pool in self.pools for r in rules_of(pool, provider)]
        for rule in [*rules, *self.selectors]:
            kind = "Equals" if rule.match_type == "NotEqual" else rule.match_type
            atoms.setdefault(rule.claim, set()).add((kind, rule.value))
        out = {}
        for claim, ats in atoms.items():
            values = [v for _, v in ats]
            out[claim] = ClaimSpace(claim, frozenset(ats), separator(values), bad_tag_char(values))
        return out

    # top level -------------------------------------------------------------------------------

    def run(self) -> Exploration:
        seen: dict[tuple[Any, ...], ProviderName] = {}
        for pool in self.pools:
            for p in configured_providers(pool):
                seen.setdefault((p.kind, p.name, p.client_id), p)
        for p in seen.values():
            if self.include(provider_label(p)):
                self.provider(p)
        if self.include("unauthenticated"):
            self.guests()
        return self.out

    def guests(self) -> None:
        probes = [LoginRequest.guest()]
        if any(self._basic_possible(pool) for pool in self.pools):
            role = self.pools[0].unauthenticated_role or self.other_role
            probes.append(LoginRequest(None, NO_TOKEN, flow=Flow.BASIC, basic_role_arn=role))
        for probe in probes:
            self._emit("unauthenticated", probe, ())

    def _basic_possible(self, pool: IdentityPool) -> bool:
        return pool.classic_flow_enabled and not pool.role_mappings

    def provider(self, p: ProviderName) -> None:
        # Pools that configure this provider alike decide each of its logins alike: decide once.
        first = _view(self.pools[0], p)
        self._alike = len(self.pools) > 1 and all(_view(o, p) == first for o in self.pools[1:])
        try:
            self._provider(p)
        finally:
            self._alike = False

    def _provider(self, p: ProviderName) -> None:
        label = provider_label(p)
        bases: list[dict[str, Any]] = []
        for pool in self.pools:
            if p in configured_providers(pool):
                b = base_claims(pool, p)
                if b not in bases:
                    bases.append(b)
        tag_claims: set[str] = set(self.enumerated)
        for pool in self.pools:
            tm = pool.tag_map_for(p.name)
            if tm is not None:
                tag_claims.update(tag_claim_names(tm))
        rule_claims = {r.claim for pool in self.pools for r in (rules_of(pool, p))}
        token = any(
            (m := pool.mapping_for(p)) is not None and m.type == "Token" for pool in self.pools
        )
        claims = tag_claims | rule_claims | {"sub"}
        if token:
            claims.update(TOKEN_CLAIMS)
        spaces = self._spaces(p, claims)
        # Pools alike for this provider walk as one: the other sides' tests would repeat its own.
        walked = self.pools[:1] if self._alike else self.pools
        for base in bases:
            for custom in self._custom_options(p):
                sides = tuple(_Side(pool, pool.mapping_for(p), custom) for pool in walked)
                if self.selectors:
                    sides += (_Side(self.pools[0], None, custom, self.selectors),)
                walk = _Walk(label, p, base, spaces, tag_claims, sides)
                self._walk(walk, {"sub": ClaimConstraint(present=True)},
                           tuple(_initial(s) for s in sides), ())  # fmt: skip
            # The basic flow bypasses the mapping: the gate, then the role asked for, then tags. One
            # role stands for all: the engine echoes the role asked for.
            role = self.pools[0].authenticated_role or self.other_role
            sides = tuple(_Side(pool, None, None) for pool in walked)
            if self.selectors:
                sides += (_Side(self.pools[0], None, None, self.selectors),)
            # Tags matter only where the flow's gate lets the request through.
            basic_tags = tag_claims if any(map(self._basic_possible, self.pools)) else set()
            walk = _Walk(label, p, base, spaces, basic_tags, sides, Flow.BASIC, role)
            self._leaf(walk, {"sub": ClaimConstraint(present=True)}, ())

    def _custom_options(self, p: ProviderName) -> list[str | None]:
        options: dict[str | None, None] = {None: None}
        if not self.custom_role_arns:
            return list(options)
        for pool in self.pools:
            m = pool.mapping_for(p)
            a = pool.assumptions
            if m is None:
                if a.alt(Name.CUSTOM_ROLE_ARN_WITHOUT_MAPPING):
                    options.setdefault(self.other_role)
            elif m.type == "Token":
                for arn in self._known_roles(p):
                    options.setdefault(arn)
                options.setdefault(self.other_role)
            else:
                for r in m.rules:
                    options.setdefault(r.role_arn)
                if a.alt(Name.CUSTOM_ROLE_ARN_WITH_RULES):
                    options.setdefault(self.other_role)
        return list(options)

    def _known_roles(self, p: ProviderName) -> list[str]:
        roles: dict[str, None] = {}
        for pool in self.pools:
            roles.update(dict.fromkeys(pool.role_arns()))
            up = pool.user_pool(p.name)
            for g in up.groups if up is not None else ():
                if g.role_arn:
                    roles.setdefault(g.role_arn)
        return list(roles)

    def _walk(
        self,
        w: _Walk,
        constraints: dict[str, ClaimConstraint],
        states: tuple[_State, ...],
        path: tuple[Step, ...],
    ) -> None:
        sides = w.sides
        # The first side (in order) with a rule left to test.
        si, index = next(
            (
                (si, index)
                for si, (side, st) in enumerate(zip(sides, states, strict=True))
                if (index := _next_test(side, st)) is not None
            ),
            (-1, -1),
        )
        if si < 0:
            for si, (side, st) in enumerate(zip(sides, states, strict=True)):
                if side.custom is None and side.mapping is not None and side.probes_only is None:
                    self.out.first_matches.setdefault((w.label, si), set()).add(st[1])
            self._leaf(w, constraints, path)
            return
        side = sides[si]
        rule = side.rules[index]
        for matched in (True, False):
            c = constraints.get(rule.claim, EMPTY).with_verdict(
                rule.match_type, rule.value, matched
            )
            if not self._feasible(rule.claim, c, w):
                continue
            new_states = list(states)
            new_states[si] = _advance(side, states[si], index, matched)
            self._walk(w, {**constraints, rule.claim: c}, tuple(new_states),
                       (*path, (si, index, matched)))  # fmt: skip

    def _feasible(self, claim: str, c: ClaimConstraint, w: _Walk) -> bool:
        fixed = w.base.get(claim)
        if isinstance(fixed, str):
            return text_ok(fixed, c.required, c.must_not, self.sem.fold)
        # The walks of one provider (per base claims and CustomRoleArn) meet the same constraints
        # again: solve each once per claim space.
        space = w.spaces[claim]
        memo = self._solved.get(id(space))
        if memo is None or memo[0] is not space:
            memo = self._solved[id(space)] = (space, {})
        found = memo[1].get(c)
        if found is None:
            found = memo[1][c] = feasible(space, c, self.sem)
        return found

    # leaves --------------------------------------------------------------------------------

    def _options(
        self, claim: str, c: ClaimConstraint, space: ClaimSpace, tag: bool, shape: Shape
    ) -> list[object]:
        """`_claim_options`, found once per claim space and constraint (leaves repeat them), each
        leaf given its own arrays."""
        memo = self._values.get(id(space))
        if memo is None or memo[0] is not space:
            memo = self._values[id(space)] = (space, {})
        key = (claim, c, tag, shape)
        found = memo[1].get(key)
        if found is None:
            found = memo[1][key] = self._claim_options(claim, c, space, tag, shape)
        return [list(v) if type(v) is list else v for v in found]

    def _shape(self, kind: ProviderKind, claim: str) -> Shape:
        found = self._shapes.get((kind, claim))
        if found is None:
            found = self._shapes[kind, claim] = claim_shape(kind, claim)
        return found

    def _claim_options(
        self,
        claim: str,
        c: ClaimConstraint,
        space: ClaimSpace,
        tag: bool,
        shape: Shape = "any",
    ) -> list[object]:
        """The values a claim takes in the regions below a leaf: one per tag class when the claim
        feeds a tag (absent, valid text, text STS refuses, multi-valued), else one. Only the kinds
        the provider's tokens can carry for the claim (`shape`) are used."""
        kinds: list[Kind]
        if claim == "sub":
            # Every token carries sub, as a string [IDTOK], [OIDC].
            kinds = ["string", "tag-invalid"] if tag else ["string"]
        elif tag:
            kinds = ["absent", "string", "tag-invalid", "array"]
        elif c.absent_ok:
            kinds = ["absent"]
        elif claim in ARRAY_CLAIMS:
            kinds = ["array", "string"]
        else:
            kinds = ["string", "array"]
        if shape == "array":
            kinds = [k for k in kinds if k in ("absent", "array")] or ["array"]
        elif shape != "any":
            kinds = [k for k in kinds if k != "array"] or ["string"]
        out: list[object] = []
        for kind in kinds:
            ok, value = value_for(space, c, kind, self.sem)
            if ok and value not in out:
                out.append(value)
                if not tag:
                    break
        return out

    def _leaf(
        self, w: _Walk, constraints: dict[str, ClaimConstraint], path: tuple[Step, ...]
    ) -> None:
        label, p, base, spaces, tag_claims, sides = (
            w.label, w.provider, w.base, w.spaces, w.tag_claims, w.sides
        )  # fmt: skip
        fixed = w.fixed
        token_sides = [s for s in sides if s.mapping is not None and s.mapping.type == "Token"]
        names = sorted((set(constraints) | tag_claims) - set(fixed))
        if token_sides:
            names = [n for n in names if n not in TOKEN_CLAIMS]
            for n in TOKEN_CLAIMS:
                if n in constraints or (n in tag_claims):
                    self.out.incomplete(
                        f"{n} is both a role claim of a Token mapping and a rule or tag claim; "
                        "its regions are sampled"
                    )
        per_claim: list[list[object]] = []
        for n in names:
            shape = self._shape(p.kind, n)
            opts = self._options(n, constraints.get(n, EMPTY), spaces[n], n in tag_claims, shape)
            if not opts:
                return  # infeasible (cannot happen after the walk's pruning)
            per_claim.append(opts)
        token_combos = self._token_combos(p, sides, token_sides)
        consistent = _PathCheck(self, sides, path)
        # The claims a witness may carry whose type is boolean or number (see `_typed`).
        typed = frozenset(
            n
            for n in {*base, *names, *(k for t in token_combos for k in t)}
            if self._shape(p.kind, n) in ("boolean", "number")
        )
        total = len(token_combos)
        for opts in per_claim:
            total *= len(opts)
        combos: Iterator[tuple[Any, ...]] = itertools.product(token_combos, *per_claim)
        if self.spent + total > self.budget:
            self.out.incomplete(
                f"the regions under {label} exceed the budget of {self.budget} probes; "
                "a seeded sample was checked instead"
            )
            room = max(1, min(total, (self.budget - self.spent) or 1, 256))
            combos = iter(
                [
                    (self.rng.choice(token_combos), *(self.rng.choice(o) for o in per_claim))
                    for _ in range(room)
                ]
            )
        for combo in combos:
            self.spent += 1
            claims: dict[str, Any] = dict(base)
            token_values, *values = combo
            used: set[str] = set()
            for n, v in zip(names, values, strict=True):
                if v is None:
                    continue
                if isinstance(v, str):
                    text = (
                        v
                        if v not in used
                        else self._distinct(v, used, constraints.get(n, EMPTY), spaces[n])
                    )
                    used.add(text)
                    claims[n] = text
                else:
                    claims[n] = v
            if token_values:
                claims.update({k: v for k, v in token_values.items() if v is not None})
            if typed and not self._typed(claims, p, typed, consistent):
                continue  # only a value of the wrong type reaches it: no token of `p` can
            if not consistent(claims):
                self.out.incomplete(
                    f"a witness under {label} did not reproduce its rule path; region skipped"
                )
                continue
            probe = LoginRequest(
                claims,
                PLAIN_CLAIMS,
                p.name,
                custom_role_arn=sides[0].custom if w.flow == "enhanced" else None,
                flow=w.flow,
                basic_role_arn=w.basic_role,
            )
            self._emit(label, probe, path)

    def _typed(
        self,
        claims: dict[str, Any],
        p: ProviderName,
        typed: frozenset[str],
        consistent: Callable[[dict[str, Any]], bool],
    ) -> bool:
        """Boolean and number claims the solver wrote as text take their own type (rules compare
        them as their JSON text, scalar-claim-text). False when no value of the claim's type keeps
        the region's rule path: only a token the provider cannot issue would reach the region.
        `typed`: the claims whose type is boolean or number."""
        for name, value in list(claims.items()):
            if name not in typed or not isinstance(value, str):
                continue
            shape = self._shape(p.kind, name)
            options: list[Any] = [True, False] if shape == "boolean" else [0]
            if shape == "number" and value.lstrip("-").isdigit() and len(value) < 16:
                options.insert(0, int(value))
            for option in options:
                claims[name] = option
                if consistent(claims):
                    break
            else:
                return False
        return True

    def _distinct(self, value: str, used: set[str], c: ClaimConstraint, space: ClaimSpace) -> str:
        """Different claims get different witness values, so a tag read from the wrong claim shows."""
        if value not in used:
            return value
        for k in range(1, 8):
            candidate = value + space.sep * k
            if candidate not in used and text_ok(candidate, c.required, c.must_not, self.sem.fold):
                return candidate
        return value

    def _holds(self, steps: tuple[_Test, ...], claims: dict[str, Any], value: object) -> bool:
        """Whether `claims` gives each test of one claim (whose value is `value`) its verdict."""
        for pool, rule, matched in steps:
            # A rule's verdict depends on its claim's value alone (and the pool's assumptions):
            # witnesses repeat values, so each (rule, value) is evaluated once.
            key = (
                id(pool),
                id(rule),
                value if type(value) is str or value is _NO_CLAIM else None,
            )
            hit = self._verdicts.get(key) if key[2] is not None else None
            if hit is None:
                hit = evaluate_rule(rule, claims, Consult(pool.assumptions)) == "match"
                if key[2] is not None:
                    self._verdicts[key] = hit
            if hit != matched:
                return False
        return True

    def _token_combos(
        self, p: ProviderName, sides: tuple[_Side, ...], token_sides: list[_Side]
    ) -> list[dict[str, Any]]:
        if not token_sides:
            return [{}]
        known = self._known_roles(p)
        other = self.other_role
        custom = sides[0].custom
        roles_opts: list[Any] = [None, [], [other]]
        if custom is not None and [custom] not in roles_opts:
            roles_opts.append([custom])
        preferred_opts: list[Any] = [None, other, *known]
        combos: list[dict[str, Any]] = [
            {"cognito:roles": r, "cognito:preferred_role": pr}
            for r in roles_opts
            for pr in preferred_opts
        ]
        # Without role claims, the user pool's groups (when described) decide [RBAC], [GROUPS].
        groups = {
            g.name
            for s in token_sides
            if (up := s.pool.user_pool(p.name)) is not None
            for g in up.groups
            if g.role_arn
        }
        if groups:
            ordered = sorted(groups)
            subsets = [
                list(c)
                for n in range(1, len(ordered) + 1)
                for c in itertools.combinations(ordered, n)
            ]
            if len(subsets) > _MAX_GROUP_SUBSETS:
                self.out.incomplete("too many user pool groups to enumerate; group sets sampled")
                subsets = self.rng.sample(subsets, _MAX_GROUP_SUBSETS)
            combos += [{"cognito:groups": s} for s in [[], *subsets]]
        if p.kind is ProviderKind.SAML:
            saml = p.name
            combos += [
                {SAML_ROLE_ATTRIBUTE: [f"{r},{saml}" for r in pair]}
                for pair in ([known[0]] if known else [other], [other, *known[:1]])
            ]
        return combos

    def _emit(self, label: str, probe: LoginRequest, path: tuple[Step, ...]) -> None:
        if self.visit is not None:
            self.out.visited += 1
            self.visit(label, probe, self._alike)
            return
        if self._alike:
            decisions = (decide(self.pools[0], probe),) * len(self.pools)
        else:
            decisions = tuple(decide(pool, probe) for pool in self.pools)
        self.out.regions.append(Region(label, probe, decisions, path))


_NO_CLAIM = object()  # a claim the witness leaves out
_Test = tuple[IdentityPool, MappingRule, bool]  # a rule of a pool, and the verdict a path gave it


class _PathCheck:
    """Whether a witness reproduces one leaf's rule path: the path's tests grouped by claim, each
    claim's verdict remembered per value object (a leaf's witnesses share their values)."""

    __slots__ = ("explorer", "groups", "seen")

    def __init__(
        self, explorer: _Explorer, sides: tuple[_Side, ...], path: tuple[Step, ...]
    ) -> None:
        groups: dict[str, list[_Test]] = {}
        for si, index, matched in path:
            side = sides[si]
            rule = side.rules[index]
            groups.setdefault(rule.claim, []).append((side.pool, rule, matched))
        self.explorer = explorer
        self.groups = tuple((claim, tuple(tests)) for claim, tests in groups.items())
        # (claim, id(value)) -> (value, verdict); keeping the value keeps its id its own.
        self.seen: dict[tuple[str, int], tuple[object, bool]] = {}

    def __call__(self, claims: dict[str, Any]) -> bool:
        seen = self.seen
        for claim, tests in self.groups:
            value = claims.get(claim, _NO_CLAIM)
            found = seen.get((claim, id(value)))
            if found is None or found[0] is not value:
                found = seen[claim, id(value)] = (
                    value,
                    self.explorer._holds(tests, claims, value),
                )
            if not found[1]:
                return False
        return True


def _view(pool: IdentityPool, p: ProviderName) -> tuple[Any, ...]:
    """What the decision of a login of `p` can read of `pool`: the provider's mapping, tag map
    and user pool, whether the pool has mappings at all (the basic flow's gate), and every other
    field (roles, providers, flags, IAM data, assumptions), but not the other providers' own
    sections, the file's name or where values were written in it."""
    rest = msgspec.structs.replace(pool, role_mappings=(), tag_maps=(), user_pools=(), source="")
    return (rest, bool(pool.role_mappings), pool.mapping_for(p), pool.tag_map_for(p.name),
            pool.user_pool(p.name))  # fmt: skip


class Scope(msgspec.Struct, frozen=True):
    """What an exploration covers.

    `selectors` are predicates the regions must also be split by (an invariant's token selector);
    `enumerate_claims` are claims whose presence and kind must vary as a tag claim's do;
    `custom_role_arns=False` leaves out GetCredentialsForIdentity's CustomRoleArn dimension;
    `include` says which providers (labels, or "unauthenticated") to explore at all;
    `visit`, when given, takes each region's witness instead of the regions being decided and kept
    (`Exploration.visited` counts them)."""

    budget: int = DEFAULT_BUDGET
    seed: int = 0
    selectors: Sequence[MappingRule] = ()
    enumerate_claims: Iterable[str] = ()
    custom_role_arns: bool = True
    include: Callable[[str], bool] | None = None
    visit: Visit | None = None


def explore(pools: Sequence[IdentityPool], scope: Scope = Scope()) -> Exploration:
    """Regions of the claims space for pools evaluated side by side, with witnesses."""
    explorer = _Explorer(
        pools,
        budget=scope.budget,
        seed=scope.seed,
        selectors=scope.selectors,
        enumerate_claims=scope.enumerate_claims,
        custom_role_arns=scope.custom_role_arns,
    )
    if scope.include is not None:
        explorer.include = scope.include
    explorer.visit = scope.visit
    return explorer.run()
