"""IAM wildcard matching (`*`, `?`) in O(n·m) worst-case time: no input can make it backtrack.

A pattern is a sequence of tokens: literal characters, single-character wildcards and runs. In ARN
positions a wildcard may be barred from crossing a colon (patterns.py and conditions.py decide which,
from the Resource and ArnLike rules). Python's backtracking `re` is used only where it cannot blow up
(at most one run: one backtracking point, so O(n·m)); two or more runs are matched by the greedy
leftmost-chunk scan (runs that may cross colons) or by a bit-parallel NFA simulation (any mix).

Cost of each strategy, for a text of n and a pattern of m characters:
- no run: one comparison, O(n);
- one run: a regex with one backtracking point, O(n·m);
- runs that may all cross colons: each chunk between runs is placed at its leftmost occurrence after
  the previous one (the classic glob argument: a following run absorbs any gap), O(n·m);
- otherwise: one pass over the text with the set of pattern positions as an integer bit set,
  O(n·⌈m/64⌉) word operations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Final

# Token kinds. A token is (kind, character); the character matters only for LITERAL.
LITERAL: Final = 0
ONE: Final = 1  # any one character
ONE_IN_SEGMENT: Final = 2  # any one character but ':'
RUN: Final = 3  # any run of characters
RUN_IN_SEGMENT: Final = 4  # any run of characters without ':'

Token = tuple[int, str]
_RUNS: Final = frozenset({RUN, RUN_IN_SEGMENT})
_CACHE_LIMIT: Final = 4096


def merge_runs(tokens: Iterable[Token]) -> tuple[Token, ...]:
    """Adjacent runs are one run (`[^:]*.*` is `.*`): after this no two runs are neighbours."""
    out: list[Token] = []
    for token in tokens:
        if token[0] in _RUNS and out and out[-1][0] in _RUNS:
            if token[0] == RUN:
                out[-1] = (RUN, "")
            continue
        out.append(token)
    return tuple(out)


def _regex_text(tokens: Sequence[Token]) -> str:
    out: list[str] = []
    for kind, char in tokens:
        if kind == LITERAL:
            out.append(re.escape(char))
        elif kind == ONE:
            out.append(".")
        elif kind == ONE_IN_SEGMENT:
            out.append("[^:]")
        elif kind == RUN:
            out.append(".*")
        else:
            out.append("[^:]*")
    return "".join(out)


class _Chunk:
    """Tokens between two runs: fixed length, so a match at a position costs O(length)."""

    __slots__ = ("length", "literal", "regex")

    def __init__(self, tokens: Sequence[Token]) -> None:
        self.length = len(tokens)
        if all(kind == LITERAL for kind, _ in tokens):
            self.literal: str | None = "".join(char for _, char in tokens)
            self.regex: re.Pattern[str] | None = None
        else:
            self.literal = None
            self.regex = re.compile(_regex_text(tokens), re.DOTALL)

    def at(self, text: str, pos: int) -> bool:
        if self.literal is not None:
            return text.startswith(self.literal, pos)
        assert self.regex is not None
        return self.regex.match(text, pos) is not None

    def find(self, text: str, start: int, end: int) -> int:
        """Leftmost position p >= start with the chunk inside text[start:end], or -1."""
        if self.literal is not None:
            return text.find(self.literal, start, end)
        assert self.regex is not None
        found = self.regex.search(text, start, end)
        return -1 if found is None else found.start()


class Wildcard:
    """One compiled pattern. `matches(text)` is a full match."""

    __slots__ = (
        "_chunks",
        "_fixed",
        "_ignore_case",
        "_min_length",
        "_nfa",
        "_regex",
        "regex_safe",
        "regex_text",
        "tokens",
    )

    def __init__(self, tokens: Sequence[Token], *, ignore_case: bool = False) -> None:
        if ignore_case:
            tokens = [(kind, char.lower()) for kind, char in tokens]
        self.tokens = merge_runs(tokens)
        self._ignore_case = ignore_case
        runs = [kind for kind, _ in self.tokens if kind in _RUNS]
        self._min_length = len(self.tokens) - len(runs)
        # At most one run: Python's `re` has one backtracking point, so it matches in O(n·m).
        self.regex_safe = len(runs) <= 1
        self.regex_text = _regex_text(self.tokens) if self.regex_safe else ""
        self._fixed: str | None = None
        self._regex: re.Pattern[str] | None = None
        self._chunks: tuple[_Chunk, ...] = ()
        self._nfa: _Nfa | None = None
        if not runs and all(kind == LITERAL for kind, _ in self.tokens):
            self._fixed = "".join(char for _, char in self.tokens)
        elif self.regex_safe:
            self._regex = _compile(self.regex_text)
        elif RUN_IN_SEGMENT not in runs:
            self._chunks = _split_chunks(self.tokens)
        else:
            self._nfa = _Nfa(self.tokens)

    @property
    def fixed(self) -> str | None:
        """The one text this pattern matches, when it has no wildcard (lower-case, ignoring case)."""
        return self._fixed

    @property
    def ignore_case(self) -> bool:
        return self._ignore_case

    def matches(self, text: str) -> bool:
        if self._ignore_case:
            text = text.lower()
        if self._fixed is not None:
            return text == self._fixed
        if len(text) < self._min_length:
            return False
        if self._regex is not None:
            return self._regex.fullmatch(text) is not None
        if self._nfa is not None:
            return self._nfa.matches(text)
        return _greedy(self._chunks, text)


def _split_chunks(tokens: Sequence[Token]) -> tuple[_Chunk, ...]:
    chunks: list[_Chunk] = []
    current: list[Token] = []
    for token in tokens:
        if token[0] in _RUNS:
            chunks.append(_Chunk(current))
            current = []
        else:
            current.append(token)
    chunks.append(_Chunk(current))
    return tuple(chunks)


def _greedy(chunks: tuple[_Chunk, ...], text: str) -> bool:
    """Runs that may cross colons: the first chunk is a prefix, the last a suffix, and each chunk in
    between goes to its leftmost occurrence after the previous one."""
    first, last = chunks[0], chunks[-1]
    end = len(text) - last.length
    if end < first.length or not first.at(text, 0) or not last.at(text, end):
        return False
    pos = first.length
    for chunk in chunks[1:-1]:
        found = chunk.find(text, pos, end)
        if found < 0:
            return False
        pos = found + chunk.length
    return True


class _Nfa:
    """Bit-parallel simulation: bit i of the state means "the first i tokens are matched"."""

    __slots__ = ("_accept", "_default", "_runs", "_start", "_table")

    def __init__(self, tokens: Sequence[Token]) -> None:
        keys = {char for kind, char in tokens if kind == LITERAL} | {":"}
        advance = dict.fromkeys(keys, 0)
        stay = dict.fromkeys(keys, 0)
        default_advance = default_stay = runs = 0
        for index, (kind, char) in enumerate(tokens):
            bit = 1 << index
            if kind == LITERAL:
                advance[char] |= bit
                continue
            if kind in _RUNS:
                runs |= bit
                default_stay |= bit
                target = stay
            else:
                default_advance |= bit
                target = advance
            for key in keys:
                if key != ":" or kind in (ONE, RUN):
                    target[key] |= bit
        self._table = {key: (advance[key], stay[key]) for key in keys}
        self._default = (default_advance, default_stay)
        self._runs = runs
        self._start = 1 | ((1 & runs) << 1)
        self._accept = 1 << len(tokens)

    def matches(self, text: str) -> bool:
        table, default, runs = self._table, self._default, self._runs
        state = self._start
        for char in text:
            advance, stay = table.get(char, default)
            state = ((state & advance) << 1) | (state & stay)
            if not state:
                return False
            state |= (state & runs) << 1  # a run may match nothing; runs are never neighbours
        return bool(state & self._accept)


@lru_cache(maxsize=_CACHE_LIMIT)
def compile_tokens(tokens: tuple[Token, ...], ignore_case: bool = False) -> Wildcard:
    return Wildcard(tokens, ignore_case=ignore_case)


class WildcardSet:
    """Several patterns, any of which may match: the patterns without wildcards are a set of
    texts, and the other regex-safe ones share one alternation (compiling one costs 0.2 ms, and
    most Action lists name actions without a wildcard)."""

    __slots__ = ("_combined", "_fixed", "_ignore_case", "_others")

    def __init__(self, wildcards: Sequence[Wildcard], *, ignore_case: bool = False) -> None:
        fixed: set[str] = set()
        safe: list[Wildcard] = []
        others: list[Wildcard] = []
        for w in wildcards:
            if w.ignore_case and not ignore_case:
                others.append(w)  # it folds the text itself, which the set does not
            elif w.fixed is not None:
                fixed.add(w.fixed)
            else:
                (safe if w.regex_safe else others).append(w)
        self._fixed = frozenset(fixed)
        self._ignore_case = ignore_case
        self._combined: re.Pattern[str] | None = None
        if len(safe) > 1:
            # Alternatives of at most one run each: the cost is the sum of theirs, O(n·m).
            self._combined = _compile("|".join(f"(?:{w.regex_text})" for w in safe))
        else:
            others = safe + others
        self._others = tuple(others)

    def matches(self, text: str) -> bool:
        if self._ignore_case:
            text = text.lower()
        if text in self._fixed:
            return True
        if self._combined is not None and self._combined.fullmatch(text) is not None:
            return True
        for wildcard in self._others:  # noqa: SIM110 - a plain loop is faster than any() here
            if wildcard.matches(text):
                return True
        return False


@lru_cache(maxsize=_CACHE_LIMIT)
def _compile(body: str) -> re.Pattern[str]:
    return re.compile(body, re.DOTALL)


def nfa_matches(tokens: Sequence[Token], text: str) -> bool:
    """The bit-parallel strategy on its own, for any pattern (tests compare the strategies)."""
    merged = merge_runs(tokens)
    return len(text) >= sum(1 for kind, _ in merged if kind not in _RUNS) and _Nfa(merged).matches(
        text
    )


def greedy_matches(tokens: Sequence[Token], text: str) -> bool:
    """The leftmost-chunk strategy on its own; exact only when no run is barred from colons."""
    merged = merge_runs(tokens)
    if not any(kind in _RUNS for kind, _ in merged):
        return len(text) == len(merged) and _Chunk(merged).at(text, 0)
    return _greedy(_split_chunks(merged), text)
