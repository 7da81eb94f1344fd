"""Regions of the claims space, and what the exact analysis reports about them.

The analysis splits the claims space of each provider into regions of equal outcome

For one pool (or two, for `diff`) and one provider, the rules are walked in evaluation order and
each rule test is branched on (matches / does not match), keeping per-claim constraints and pruning
branches no claims object can satisfy (`solver`). A leaf fixes which rule decides in every pool;
the remaining dimensions (tag claims: absent, valid, refused by STS, multi-valued; Token-type role
claims; CustomRoleArn; the basic flow; guests) are enumerated on top. Each region gets one witness
probe, which is run through the ordinary engine; the outcome reported is the engine's.

`complete` is true only when every dimension was enumerated exhaustively under the pools' named
assumptions. Past the budget the regions are sampled (seeded) and `complete` is false.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from simulator.analysis.outcomes import outcome_shape, outcome_summary
from simulator.decision import Decision
from simulator.request import LoginRequest

DEFAULT_BUDGET = 20_000

Step = tuple[int, int, bool]  # (pool index, rule index, matched)


class Region(msgspec.Struct, frozen=True):
    """One region of the claims space, its witness, and the engine's decision in each pool."""

    provider: str  # provider label (role-mapping key form), or "unauthenticated"
    probe: LoginRequest
    decisions: tuple[Decision, ...]
    path: tuple[Step, ...] = ()

    @property
    def decision(self) -> Decision:
        return self.decisions[0]

    def to_json(self) -> dict[str, Any]:
        d = self.decision
        return {
            "provider": self.provider,
            "witness": self.probe.to_json(),
            "outcome": d.to_json(trace=False),
            "summary": outcome_summary(d),
        }


class ProviderAnalysis(msgspec.Struct, frozen=True):
    provider: str
    mapping_key: str | None
    mapping_type: str | None
    regions: tuple[Region, ...]
    unreachable_rules: tuple[int, ...] = ()
    shadowed_rules: tuple[int, ...] = ()
    complete: bool = True
    notes: tuple[str, ...] = ()

    def outcomes(self) -> list[tuple[tuple[Any, ...], Region, int]]:
        """Distinct outcome shapes with their first witness and how many regions reach them."""
        seen: dict[tuple[Any, ...], list[Any]] = {}
        for r in self.regions:
            key = outcome_shape(r.decision)
            if key in seen:
                seen[key][1] += 1
            else:
                seen[key] = [r, 1]
        return [(k, v[0], v[1]) for k, v in seen.items()]

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "role_mapping_key": self.mapping_key,
            "type": self.mapping_type,
            "complete": self.complete,
            "unreachable_rules": list(self.unreachable_rules),
            "shadowed_rules": list(self.shadowed_rules),
            "outcomes": [
                {
                    "summary": outcome_summary(r.decision),
                    "regions": n,
                    "witness": r.probe.to_json(),
                    "outcome": r.decision.to_json(trace=False),
                }
                for _, r, n in self.outcomes()
            ],
            "notes": list(self.notes),
        }


class PoolAnalysis(msgspec.Struct, frozen=True):
    source: str
    providers: tuple[ProviderAnalysis, ...]
    guest: tuple[Region, ...]
    complete: bool

    def regions(self) -> Iterator[Region]:
        for p in self.providers:
            yield from p.regions
        yield from self.guest

    def provider(self, label: str) -> ProviderAnalysis | None:
        return next((p for p in self.providers if p.provider == label), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "complete": self.complete,
            "providers": [p.to_json() for p in self.providers],
            "unauthenticated": [r.to_json() for r in self.guest],
        }


class Exploration(msgspec.Struct):
    """Regions found for a set of pools evaluated side by side (one pool: analysis; two: diff)."""

    regions: list[Region] = msgspec.field(default_factory=list)
    complete: bool = True
    notes: list[str] = msgspec.field(default_factory=list)
    first_matches: dict[tuple[str, int], set[int]] = msgspec.field(default_factory=dict)
    visited: int = 0  # regions handed to `Scope.visit` instead of being kept

    def incomplete(self, why: str) -> None:
        self.complete = False
        if why not in self.notes:
            self.notes.append(why)
