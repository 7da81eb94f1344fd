"""Rule predicates (cognito-semantics.md §2), parameterised by the named assumptions.

The `Consult` records the assumptions whose alternative could change a predicate here, so the
resolver re-checks only those.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal

from simulator.assumptions import Consult, Name
from simulator.model.pool import MappingRule

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


def _compare(kind: str, actual: str, expected: str, fold: bool, ask: Consult) -> bool:
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
    if folded:
        ask.note(Name.CASE_SENSITIVE_MATCH)
    return folded if fold else False


def evaluate_rule(
    rule: MappingRule,
    claims: Mapping[str, Any],
    ask: Consult,
) -> Verdict:
    value = claims.get(rule.claim, _MISSING)
    fold = ask.alt(Name.CASE_SENSITIVE_MATCH)
    kind = rule.match_type
    negate = kind == "NotEqual"
    if isinstance(value, list):
        if ask(Name.ARRAY_CLAIM_MATCH):
            value = claim_text(value)
        else:
            texts = [_scalar(v, ask) for v in value]
            hit = any(t is not None and _compare(kind, t, rule.value, fold, ask) for t in texts)
            return "match" if hit != negate else "no-match"
    elif value is not _MISSING and not isinstance(value, str):
        value = _scalar(value, ask)
        if value is None:
            value = _MISSING
    if value is _MISSING:
        # [RBAC] "If the match type is NotEqual and the claim doesn't exist, the rule is not
        # evaluated"; for the other types a missing claim does not match (missing-claim-no-match).
        return "skipped" if negate else "no-match"
    assert isinstance(value, str)
    hit = _compare(kind, value, rule.value, fold, ask)
    return "match" if hit != negate else "no-match"


def _scalar(value: Any, ask: Consult) -> str | None:
    if isinstance(value, str):
        return value
    return None if ask(Name.SCALAR_CLAIM_TEXT) else claim_text(value)
