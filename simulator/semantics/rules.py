"""Rule predicates (cognito-semantics.md §2), parameterised by the named assumptions.

`consulted` collects the assumptions whose alternative would change a predicate here, so the
resolver re-checks only those.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal

from simulator.model.pool import MappingRule
from simulator.semantics.assumptions import AssumptionSet

Verdict = Literal["match", "no-match", "skipped"]
_MISSING = object()


_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def claim_text(value: Any) -> str:
    """A non-string claim's JSON text (`true`, `42`, `["a","b"]`), as scalar-claim-text assumes."""
    if type(value) is list and all(type(v) is str for v in value):
        joined = '","'.join(value)
        if not _NEEDS_ESCAPE.search(joined):
            return f'["{joined}"]' if value else "[]"  # what json.dumps writes, without its cost
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _compare(kind: str, actual: str, expected: str, fold: bool, consulted: set[str] | None) -> bool:
    if kind == "Contains":
        hit = expected in actual
    elif kind == "StartsWith":
        hit = actual.startswith(expected)
    else:  # Equals and NotEqual both test equality; NotEqual negates the outcome
        hit = actual == expected
    if hit:
        return True
    # Case sensitivity is undocumented (§10.2): find out whether ignoring case would change this.
    a, e = actual.casefold(), expected.casefold()
    if kind == "Contains":
        folded = e in a
    elif kind == "StartsWith":
        folded = a.startswith(e)
    else:
        folded = a == e
    if folded and consulted is not None:
        consulted.add("case-sensitive-match")
    return folded if fold else False


def evaluate_rule(
    rule: MappingRule,
    claims: Mapping[str, Any],
    assumptions: AssumptionSet,
    consulted: set[str] | None = None,
) -> Verdict:
    value = claims.get(rule.claim, _MISSING)
    fold = assumptions.alt("case-sensitive-match")
    kind = rule.match_type
    negate = kind == "NotEqual"
    if isinstance(value, list):
        if consulted is not None:
            consulted.add("array-claim-match")
        if assumptions.alt("array-claim-match"):
            value = claim_text(value)
        else:
            texts = [_scalar(v, assumptions, consulted) for v in value]
            hit = any(
                t is not None and _compare(kind, t, rule.value, fold, consulted) for t in texts
            )
            return "match" if hit != negate else "no-match"
    elif value is not _MISSING and not isinstance(value, str):
        value = _scalar(value, assumptions, consulted)
        if value is None:
            value = _MISSING
    if value is _MISSING:
        # [RBAC] "If the match type is NotEqual and the claim doesn't exist, the rule is not
        # evaluated"; for the other types a missing claim does not match (missing-claim-no-match).
        return "skipped" if negate else "no-match"
    assert isinstance(value, str)
    hit = _compare(kind, value, rule.value, fold, consulted)
    return "match" if hit != negate else "no-match"


def _scalar(value: Any, assumptions: AssumptionSet, consulted: set[str] | None) -> str | None:
    if isinstance(value, str):
        return value
    if consulted is not None:
        consulted.add("scalar-claim-text")
    return None if assumptions.alt("scalar-claim-text") else claim_text(value)
