"""Reachability: every outcome a pool can give, with a witness each, and the rules that never decide.

A rule is unreachable when no token of its provider satisfies it at all, and shadowed when tokens
satisfy it but an earlier rule always matches first [RBAC: the first matching rule wins].
"""

from __future__ import annotations

from simulator.analysis.explorer import EMPTY, Scope, explore
from simulator.analysis.providers import (
    base_claims,
    configured_providers,
    provider_label,
    semantics_of,
)
from simulator.analysis.regions import DEFAULT_BUDGET, PoolAnalysis, ProviderAnalysis
from simulator.analysis.solver import Atom, ClaimSpace, bad_tag_char, feasible, separator, text_ok
from simulator.model.pool import IdentityPool, RoleMapping


def rule_can_match(pool: IdentityPool, mapping: RoleMapping, index: int) -> bool:
    """Whether any token from the mapping's provider matches rule `index`, ignoring order."""
    rule = mapping.rules[index]
    sem = semantics_of(pool)
    base = base_claims(pool, mapping.provider)
    c = EMPTY.with_verdict(rule.match_type, rule.value, True)
    if rule.claim in base and isinstance(base[rule.claim], str):
        return text_ok(base[rule.claim], c.required, c.must_not, sem.fold)
    kind = "Equals" if rule.match_type == "NotEqual" else rule.match_type
    atoms: frozenset[Atom] = frozenset({(kind, rule.value)})
    space = ClaimSpace(rule.claim, atoms, separator([rule.value]), bad_tag_char([rule.value]))
    return feasible(space, c, sem)


def analyze(
    pool: IdentityPool,
    *,
    budget: int = DEFAULT_BUDGET,
    seed: int = 0,
    custom_role_arns: bool = True,
) -> PoolAnalysis:
    """Every reachable outcome of one pool with a witness each; unreachable and shadowed rules."""
    found = explore([pool], Scope(budget=budget, seed=seed, custom_role_arns=custom_role_arns))
    providers: list[ProviderAnalysis] = []
    for p in configured_providers(pool):
        label = provider_label(p)
        mapping = pool.mapping_for(p)
        unreachable: list[int] = []
        shadowed: list[int] = []
        if mapping is not None and mapping.type == "Rules":
            firsts = found.first_matches.get((label, 0), set())
            for i in range(len(mapping.rules)):
                if not rule_can_match(pool, mapping, i):
                    unreachable.append(i)
                elif i not in firsts and found.complete:
                    shadowed.append(i)
        providers.append(
            ProviderAnalysis(
                label,
                mapping.key if mapping else None,
                mapping.type if mapping else None,
                tuple(r for r in found.regions if r.provider == label),
                tuple(unreachable),
                tuple(shadowed),
                found.complete,
                tuple(found.notes),
            )
        )
    guest = tuple(r for r in found.regions if r.provider == "unauthenticated")
    return PoolAnalysis(pool.source, tuple(providers), guest, found.complete)
