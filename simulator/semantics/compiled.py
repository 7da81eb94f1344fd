"""A mapping's rules indexed by claim, for the first match in O(claims) instead of O(rules).

Same semantics as `evaluate_rule` (the reference, which traces and handles CustomRoleArn); the
property tests `test_the_indexed_matcher_agrees_with_the_reference_predicates` and
`test_the_fast_batch_path_decides_exactly_as_the_explained_path` (tests/core/test_properties.py)
hold the two together. Used on the batch path, where no trace is built. It exists for measured
speed (benchmarks/bench_simulate.py); its per-claim memo is mutable state inside a frozen pool's
cache, bounded in size, and not thread-safe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from simulator.assumptions import Consult, Name
from simulator.model.pool import MappingRule
from simulator.semantics.rules import claim_text

_Entry = tuple[int, str]  # (rule index, value)


class _ClaimRules(msgspec.Struct):
    first: int  # the lowest rule index on this claim
    equals: dict[str, int] = msgspec.field(default_factory=dict)
    equals_folded: dict[str, int] = msgspec.field(default_factory=dict)
    # Each list twice: as written, and casefolded for case-sensitive-match=insensitive.
    contains: tuple[list[_Entry], list[_Entry]] = msgspec.field(default_factory=lambda: ([], []))
    starts: tuple[list[_Entry], list[_Entry]] = msgspec.field(default_factory=lambda: ([], []))
    # The StartsWith values of each list at once: one call tells that none matches (the common case).
    starts_any: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    not_equal: tuple[list[_Entry], list[_Entry]] = msgspec.field(default_factory=lambda: ([], []))
    # True while every value is its own casefold: folding a caseless claim changes nothing.
    caseless: bool = True
    # Verdicts already computed for a claim value, per assumption set: (rule index, consulted names).
    memo: dict[frozenset[Name], dict[Any, tuple[int | None, tuple[Name, ...]]]] = msgspec.field(
        default_factory=dict
    )
    # A claim whose values rarely repeat (email, sub) is not worth remembering: count, then stop.
    lookups: int = 0
    misses: int = 0
    memo_off: bool = False

    def earliest(self, text: str, fold: bool) -> int | None:
        if fold:
            text = text.casefold()
            best = self.equals_folded.get(text)
        else:
            best = self.equals.get(text)
        for i, value in self.contains[fold]:
            if best is not None and i >= best:
                break
            if value in text:
                best = i
                break
        if text.startswith(self.starts_any[fold]):
            for i, value in self.starts[fold]:
                if best is not None and i >= best:
                    break
                if text.startswith(value):
                    best = i
                    break
        for i, value in self.not_equal[fold]:
            if best is not None and i >= best:
                break
            if value != text:
                best = i
                break
        return best

    def earliest_any(self, texts: Sequence[str], fold: bool) -> int | None:
        """Some element matches (array-claim-match=some-element); NotEqual: no element equals."""
        best: int | None = None
        if fold:
            texts = [t.casefold() for t in texts]
        equals = self.equals_folded if fold else self.equals
        for t in texts:
            hit = equals.get(t)
            if hit is not None and (best is None or hit < best):
                best = hit
        for entries, test in ((self.contains[fold], _contains), (self.starts[fold], _starts)):
            for i, value in entries:
                if best is not None and i >= best:
                    break
                if any(test(t, value) for t in texts):
                    best = i
                    break
        present = set(texts)
        for i, value in self.not_equal[fold]:
            if best is not None and i >= best:
                break
            if value not in present:
                best = i
                break
        return best


def _contains(text: str, value: str) -> bool:
    return value in text


def _starts(text: str, value: str) -> bool:
    return text.startswith(value)


def _memo_key(value: Any) -> Any:
    """How a claim value is remembered: text as itself, a list of texts as a tuple (apart from any
    text); None: not remembered."""
    kind = type(value)
    if kind is str:
        return value
    if kind is list:
        for item in value:
            if type(item) is not str:
                return None
        return (None, *value)
    return None


_ABSENT = object()
_MEMO_LIMIT = 4096  # per claim and assumption set; keeps batch memory constant
_MEMO_TRIAL = 2048  # lookups before a claim that mostly misses (over 3 in 4) stops being remembered


class CompiledRules:
    __slots__ = ("by_claim", "order")

    def __init__(self, rules: Sequence[MappingRule]) -> None:
        # Claims like groups or department repeat across a corpus: remember each value's verdict.
        self.by_claim: dict[str, _ClaimRules] = {}
        for i, r in enumerate(rules):
            cr = self.by_claim.get(r.claim)
            if cr is None:
                cr = self.by_claim[r.claim] = _ClaimRules(i)
            folded = r.value.casefold()
            cr.caseless = cr.caseless and folded == r.value
            if r.match_type == "Equals":
                cr.equals.setdefault(r.value, i)
                cr.equals_folded.setdefault(folded, i)
            else:
                as_written, casefolded = {
                    "Contains": cr.contains,
                    "StartsWith": cr.starts,
                    "NotEqual": cr.not_equal,
                }[r.match_type]
                as_written.append((i, r.value))
                casefolded.append((i, folded))
        for cr in self.by_claim.values():
            as_written, casefolded = cr.starts
            cr.starts_any = (tuple(v for _, v in as_written), tuple(v for _, v in casefolded))
        # Claims in order of their first rule, so a decided prefix stops the search early.
        self.order = sorted(self.by_claim.items(), key=lambda kv: kv[1].first)

    def first_match(self, claims: Mapping[str, Any], ask: Consult) -> int | None:
        fold = ask.alt(Name.CASE_SENSITIVE_MATCH)
        alternatives = ask.assumptions.alternatives
        consulted = ask.consulted
        best: int | None = None
        for claim, cr in self.order:
            if best is not None and cr.first >= best:
                break
            value = claims.get(claim, _ABSENT)
            if value is _ABSENT:
                continue  # missing: NotEqual is skipped [RBAC], the others do not match
            if cr.memo_off:
                hit = self._claim(cr, value, fold, ask)
            else:
                # A value seen before: its verdict, without a call (the batch's common case).
                key = value if type(value) is str else _memo_key(value)
                memo = cr.memo.get(alternatives) if key is not None else None
                found = memo.get(key) if memo is not None else None
                if found is not None:
                    cr.lookups += 1
                    if found[1] and consulted is not None:
                        consulted.update(found[1])
                    hit = found[0]
                else:
                    hit = self._memo_claim(cr, value, fold, ask)
            if hit is not None and (best is None or hit < best):
                best = hit
        return best

    def _memo_claim(
        self,
        cr: _ClaimRules,
        value: Any,
        fold: bool,
        ask: Consult,
    ) -> int | None:
        key = None if cr.memo_off else _memo_key(value)
        if key is None:
            return self._claim(cr, value, fold, ask)
        cr.lookups += 1
        alternatives = ask.assumptions.alternatives
        memo = cr.memo.get(alternatives)
        if memo is None:
            memo = cr.memo[alternatives] = {}
        found = memo.get(key)
        if found is None:
            cr.misses += 1
            if cr.lookups >= _MEMO_TRIAL and cr.misses * 4 > cr.lookups * 3:
                cr.memo_off = True
                cr.memo.clear()
            seen: set[Name] = set()
            found = (self._claim(cr, value, fold, Consult(ask.assumptions, seen)), tuple(seen))
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[key] = found
        if ask.consulted is not None and found[1]:
            ask.consulted.update(found[1])
        return found[0]

    def _claim(
        self,
        cr: _ClaimRules,
        value: Any,
        fold: bool,
        ask: Consult,
    ) -> int | None:
        if isinstance(value, str):
            hit = cr.earliest(value, fold)
            if (
                ask.consulted is not None
                and not (cr.caseless and value.casefold() == value)
                and cr.earliest(value, not fold) != hit
            ):
                ask.note(Name.CASE_SENSITIVE_MATCH)
            return hit
        if isinstance(value, list):
            hit = self._array(cr, value, fold, ask)
            if ask.consulted is not None:
                flipped = Consult(ask.assumptions.flipped(Name.ARRAY_CLAIM_MATCH))
                if self._array(cr, value, fold, flipped) != hit:
                    ask.note(Name.ARRAY_CLAIM_MATCH)
            return hit
        hit = self._scalar(cr, value, fold, ask)
        if ask.consulted is not None:
            flipped = Consult(ask.assumptions.flipped(Name.SCALAR_CLAIM_TEXT))
            if self._scalar(cr, value, fold, flipped) != hit:
                ask.note(Name.SCALAR_CLAIM_TEXT)
        return hit

    def _scalar(
        self,
        cr: _ClaimRules,
        value: Any,
        fold: bool,
        ask: Consult,
    ) -> int | None:
        if ask.alt(Name.SCALAR_CLAIM_TEXT):
            return None  # treated as absent
        text = claim_text(value)
        hit = cr.earliest(text, fold)
        if ask.consulted is not None and cr.earliest(text, not fold) != hit:
            ask.note(Name.CASE_SENSITIVE_MATCH)
        return hit

    def _array(
        self,
        cr: _ClaimRules,
        value: list[Any],
        fold: bool,
        ask: Consult,
    ) -> int | None:
        if ask.alt(Name.ARRAY_CLAIM_MATCH):
            text = claim_text(value)
            hit = cr.earliest(text, fold)
            if ask.consulted is not None and cr.earliest(text, not fold) != hit:
                ask.note(Name.CASE_SENSITIVE_MATCH)
            return hit
        texts = [v for v in value if isinstance(v, str)]
        if len(texts) != len(value):
            if ask.consulted is not None:
                with_text = [v if isinstance(v, str) else claim_text(v) for v in value]
                if cr.earliest_any(with_text, fold) != cr.earliest_any(texts, fold):
                    ask.note(Name.SCALAR_CLAIM_TEXT)
            if not ask.alt(Name.SCALAR_CLAIM_TEXT):
                texts = [v if isinstance(v, str) else claim_text(v) for v in value]
        hit = cr.earliest_any(texts, fold)
        if (
            ask.consulted is not None
            and not (cr.caseless and all(t.casefold() == t for t in texts))
            and cr.earliest_any(texts, not fold) != hit
        ):
            ask.note(Name.CASE_SENSITIVE_MATCH)
        return hit
