"""Constraints on one claim, and the smallest concrete values that satisfy them.

A rule predicate on a claim (cognito-semantics.md §2) is built from three positive atoms on the
claim's text: Equals, Contains and StartsWith (NotEqual is "present and not Equals"). A region of
the claims space fixes, for each claim, which atoms must hold and which must not.

Why the construction is exact (no satisfiable region is missed): for a string that equals none of
the Equals values, the canonical witness `p + SEP + SEP.join(contains)` (p the longest required
prefix, SEP a character in none of the values) makes true only the atoms every satisfying string
must make true: an atom true on it is a substring of a required piece, or a prefix of p. So if the
canonical witness breaks a "must not" atom, every string with the required atoms breaks it too. With
a required Equals the string is fixed. Arrays, under array-claim-match=some-element, need one element
per required atom, each element the canonical witness of that one atom.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal

import msgspec

from simulator.model import limits

AtomKind = Literal["Equals", "Contains", "StartsWith"]
Atom = tuple[AtomKind, str]

# Tag-safe separators first (STS allows letters, spaces and `_.:/=+-@`), so a witness can also be
# a valid session tag value.
_SEPARATORS = (" ", "_", "=", "+", "@", "ǂ", "ꙮ", "ᐅ", "ꓸ", "ǁ")
# Characters STS refuses in a tag value, for witnesses of "the tag is refused".
_BAD_TAG_CHARS = ("|", "#", "!", "*", "%", "&", "^", "~", "`", "$")


class Semantics(msgspec.Struct, frozen=True):
    """The rule-matching assumptions of one pool (cognito-semantics.md §11)."""

    fold: bool = False  # case-sensitive-match=insensitive
    array_json: bool = False  # array-claim-match=json-text


class ClaimConstraint(msgspec.Struct, frozen=True):
    """What a region requires of one claim. `must`/`must_not` apply to a present claim's text(s);
    `if_present` holds atoms a present claim must satisfy (a NotEqual that did not match: the claim
    is absent or equals the value)."""

    present: bool = False
    must: frozenset[Atom] = frozenset()
    must_not: frozenset[Atom] = frozenset()
    if_present: frozenset[Atom] = frozenset()

    def with_verdict(self, kind: str, value: str, matched: bool) -> ClaimConstraint:
        # Built directly: the walk makes one per branch, and replace() costs twice as much.
        present, must, must_not, if_present = (
            self.present, self.must, self.must_not, self.if_present
        )  # fmt: skip
        if kind == "NotEqual":
            if matched:
                return ClaimConstraint(True, must, must_not | {("Equals", value)}, if_present)
            return ClaimConstraint(present, must, must_not, if_present | {("Equals", value)})
        atom: Atom = (kind, value)  # type: ignore[assignment]
        if matched:
            return ClaimConstraint(True, must | {atom}, must_not, if_present)
        return ClaimConstraint(present, must, must_not | {atom}, if_present)

    @property
    def required(self) -> frozenset[Atom]:
        return self.must | self.if_present

    @property
    def absent_ok(self) -> bool:
        return not self.present and not self.must


def holds(atom: Atom, text: str, fold: bool) -> bool:
    kind, value = atom
    if fold:
        text, value = text.casefold(), value.casefold()
    if kind == "Equals":
        return text == value
    if kind == "Contains":
        return value in text
    return text.startswith(value)


def text_ok(text: str, must: Iterable[Atom], must_not: Iterable[Atom], fold: bool) -> bool:
    return all(holds(a, text, fold) for a in must) and not any(
        holds(a, text, fold) for a in must_not
    )


def array_ok(
    items: Sequence[str], must: Iterable[Atom], must_not: Iterable[Atom], sem: Semantics
) -> bool:
    if sem.array_json:
        return text_ok(json_text(list(items)), must, must_not, sem.fold)
    return all(any(holds(a, t, sem.fold) for t in items) for a in must) and not any(
        holds(a, t, sem.fold) for a in must_not for t in items
    )


def json_text(value: object) -> str:
    # The same text simulator.semantics.rules.claim_text produces.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def separator(values: Iterable[str]) -> str:
    vals = [v.casefold() for v in values] + list(values)
    for sep in _SEPARATORS:
        if not any(sep in v for v in vals):
            return sep
    # Every listed separator occurs in some value: build one from a private-use character.
    code = 0xE000
    while any(chr(code) in v for v in vals):
        code += 1
    return chr(code)


def bad_tag_char(values: Iterable[str]) -> str:
    vals = list(values)
    for c in _BAD_TAG_CHARS:
        if not any(c in v for v in vals):
            return c
    return "\x7f"


class ClaimSpace(msgspec.Struct, frozen=True):
    """The values the analysis may give one claim: the atoms any pool tests on it, and the
    separator and bad tag character chosen for it."""

    name: str
    atoms: frozenset[Atom] = msgspec.field(default_factory=frozenset)
    sep: str = " "
    bad: str = "|"


def canonical_string(must: frozenset[Atom], sep: str, fold: bool) -> str | None:
    """The minimal string with every atom in `must` (None when no string has them all)."""
    eqs = {v for k, v in must if k == "Equals"}
    if eqs:
        if len({v.casefold() if fold else v for v in eqs}) > 1:
            return None
        return min(eqs)
    starts = sorted((v for k, v in must if k == "StartsWith"), key=len)
    prefix = starts[-1] if starts else ""
    pieces = sorted({v for k, v in must if k == "Contains"})
    return prefix + sep + sep.join(pieces)


def _pretty_strings(must: frozenset[Atom], slug: str) -> list[str]:
    starts = sorted((v for k, v in must if k == "StartsWith"), key=len)
    prefix = starts[-1] if starts else ""
    pieces = sorted({v for k, v in must if k == "Contains"})
    out: list[str] = []
    if not pieces and not prefix:
        out += [f"other-{slug}", f"x-{slug}-1"]
    elif not pieces:
        out += [prefix, prefix + "-x"]
    elif not prefix:
        out += ["-".join(pieces), "x-" + "-".join(pieces)]
    else:
        out += [prefix + "-".join(pieces), prefix + "-" + "-".join(pieces)]
    return out


def _slug(name: str) -> str:
    tail = name.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    cleaned = "".join(c if c.isalnum() else "-" for c in tail).strip("-")
    return cleaned or "claim"


@lru_cache(maxsize=65536)
def solve_string(
    space: ClaimSpace,
    must: frozenset[Atom],
    must_not: frozenset[Atom],
    sem: Semantics,
    tag: Literal["any", "valid", "invalid"] = "any",
) -> str | None:
    """A readable string with `must` true and `must_not` false (and the tag validity asked for), or
    None when no string has them (exact; see the module docstring)."""
    base = canonical_string(must, space.sep, sem.fold)
    if base is None or not text_ok(base, must, must_not, sem.fold):
        return None
    if tag == "invalid":
        if any(k == "Equals" for k, _ in must):
            return base if _tag_problem(base) else None
        # Appending SEP and a refused character adds no atom: neither occurs in any value.
        pretty = [t + space.bad for t in _pretty_strings(must, _slug(space.name))]
        for bad in [*pretty, base + space.sep + space.bad]:
            if text_ok(bad, must, must_not, sem.fold) and _tag_problem(bad):
                return bad
        return None
    candidates = (
        [] if any(k == "Equals" for k, _ in must) else _pretty_strings(must, _slug(space.name))
    )
    for text in [*candidates, base]:
        if not text_ok(text, must, must_not, sem.fold):
            continue
        if tag == "valid" and _tag_problem(text):
            continue
        return text
    return None


def _tag_problem(text: str) -> bool:
    return limits.tag_text_problem(text, limit=limits.SESSION_TAG_VALUE_MAX) is not None


@lru_cache(maxsize=65536)
def solve_array(
    space: ClaimSpace, must: frozenset[Atom], must_not: frozenset[Atom], sem: Semantics
) -> tuple[str, ...] | None:
    """An array claim with `must` true and `must_not` false under the pool's array semantics."""
    if sem.array_json:
        # The array is compared as its JSON text: try the natural shapes and check them.
        tries: list[list[str]] = [[]]
        elements = [solve_string(space, frozenset({a}), frozenset(), sem) for a in sorted(must)]
        tries.append([e for e in elements if e is not None])
        tries.append([v for _, v in sorted(must)])
        for attempt in tries:
            if array_ok(attempt, must, must_not, sem):
                return tuple(attempt)
        return None
    items: list[str] = []
    for atom in sorted(must):
        element = solve_string(space, frozenset({atom}), must_not, sem)
        if element is None:
            return None
        if element not in items:
            items.append(element)
    return tuple(items)


Kind = Literal["absent", "string", "tag-invalid", "array"]


def value_for(
    space: ClaimSpace, c: ClaimConstraint, kind: Kind, sem: Semantics
) -> tuple[bool, object]:
    """(feasible, value) of the given kind within the constraint; absent is (True, None)."""
    if kind == "absent":
        return c.absent_ok, None
    must = c.required
    if kind == "array":
        arr = solve_array(space, must, c.must_not, sem)
        return arr is not None, list(arr) if arr is not None else None
    text = solve_string(
        space, must, c.must_not, sem, "invalid" if kind == "tag-invalid" else "valid"
    )
    if text is None and kind == "string":
        text = solve_string(space, must, c.must_not, sem, "any")
    return text is not None, text


def feasible(space: ClaimSpace, c: ClaimConstraint, sem: Semantics) -> bool:
    if c.absent_ok:
        return True
    must = c.required
    if solve_string(space, must, c.must_not, sem) is not None:
        return True
    return solve_array(space, must, c.must_not, sem) is not None
