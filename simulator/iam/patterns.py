"""Strings in policies: wildcards, policy variables, and their compiled matchers.

Sources:
- Variables, defaults, `${*}`/`${?}`/`${$}`, case-insensitive key names:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
- A variable with no value matches nothing (multivalued keys cannot be variables):
  same page, "policy-vars-no-value", and
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
- Wildcards in ARN segments: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import msgspec

from simulator.iam import wildcard
from simulator.iam.wildcard import Token, Wildcard, WildcardSet

# A request context after normalisation: lower-case key -> one value or a tuple (multivalued).
ContextValue = str | tuple[str, ...]
Context = Mapping[str, ContextValue]

_CACHE_LIMIT: Final = 4096
# Fixed-value variables that stand for characters with a special meaning (variables page).
_SPECIAL: Final = {"*": "*", "?": "?", "$": "$"}


class Fixed(msgspec.Struct, frozen=True):
    text: str  # matched literally, even '*' and '?' (they came from ${*} or a substituted value)


class Glob(msgspec.Struct, frozen=True):
    text: str  # raw policy text where '*' and '?' are wildcards


class Variable(msgspec.Struct, frozen=True):
    key: str  # lower-case context key
    default: str | None
    source: str  # as written, for messages


Part = Fixed | Glob | Variable


def parse_template(text: str, *, variables: bool) -> tuple[Part, ...]:
    """Split policy text into wildcard text, literal text and variables, in one pass (linear time).

    Without `variables` (2008-10-17 or missing Version) `${...}` is plain text (evaluation notes item 9).
    A `:` or `/` inside `${...}` belongs to the variable (notes item 3): the body runs to the first `}`.
    """
    if not variables or "${" not in text:
        return (Glob(text),) if text else ()
    parts: list[Part] = []
    pos = 0
    while True:
        start = text.find("${", pos)
        if start < 0:
            break
        end = text.find("}", start + 2)
        if end < 0:
            break  # no later `${` can close either
        if start > pos:
            parts.append(Glob(text[pos:start]))
        parts.append(_variable(text[start + 2 : end], text[start : end + 1]))
        pos = end + 1
    if pos < len(text):
        parts.append(Glob(text[pos:]))
    return tuple(parts)


def _variable(body: str, source: str) -> Part:
    """`${key}`, `${key, 'default'}` (a quote inside the default is doubled) or `${*}`/`${?}`/`${$}`."""
    stripped = body.strip()
    if stripped in _SPECIAL:
        return Fixed(_SPECIAL[stripped])
    key, default = stripped, None
    comma = body.find(",")
    if comma >= 0:
        quoted = body[comma + 1 :].strip()
        inner = quoted[1:-1]
        if (
            len(quoted) >= 2
            and quoted[0] == quoted[-1] == "'"
            and "'" not in inner.replace("''", "")
        ):
            key, default = body[:comma].strip(), inner.replace("''", "'")
    return Variable(key.lower(), default, source)


def has_variables(parts: tuple[Part, ...]) -> bool:
    return any(type(part) is Variable for part in parts)


def resolve(parts: tuple[Part, ...], context: Context) -> tuple[str | None, ...] | None:
    """Values of the variables in `parts`, in order; None when one has no value."""
    values: list[str | None] = []
    for part in parts:
        if type(part) is Variable:
            value = context.get(part.key)
            if type(value) is not str:
                # Missing, or multivalued: no value unless a default is given.
                if part.default is None:
                    return None
                value = part.default
            values.append(value)
    return tuple(values)


def substitute(parts: tuple[Part, ...], values: tuple[str | None, ...]) -> tuple[Part, ...]:
    """The template with its variables replaced by literal values."""
    out: list[Part] = []
    it = iter(values)
    for part in parts:
        out.append(Fixed(next(it) or "") if type(part) is Variable else part)
    return tuple(out)


def literal_text(parts: tuple[Part, ...]) -> str:
    """Text of a template whose wildcards are plain characters (StringEquals-style operators)."""
    return "".join(part.text for part in parts if not isinstance(part, Variable))


# --- wildcard translation ---------------------------------------------------------------------


def glob_tokens(parts: tuple[Part, ...], *, arn_segments: bool) -> tuple[Token, ...]:
    """Wildcard tokens for a template whose variables are substituted.

    With `arn_segments` a '*' stays inside its colon-separated segment unless it is the last character of
    the segment, where it "can expand to match beyond the colon boundaries" (Resource element page).
    A '?' never matches a colon there either.
    """
    out: list[Token] = []
    for index, part in enumerate(parts):
        if type(part) is Fixed:
            out.extend((wildcard.LITERAL, char) for char in part.text)
            continue
        assert type(part) is Glob
        text = part.text
        for i, char in enumerate(text):
            if char == "*":
                if not arn_segments:
                    out.append((wildcard.RUN, ""))
                    continue
                following = text[i + 1] if i + 1 < len(text) else _next_char(parts, index)
                run = wildcard.RUN if following in (":", None) else wildcard.RUN_IN_SEGMENT
                out.append((run, ""))
            elif char == "?":
                out.append((wildcard.ONE_IN_SEGMENT if arn_segments else wildcard.ONE, ""))
            else:
                out.append((wildcard.LITERAL, char))
    return tuple(out)


def arn_condition_tokens(parts: tuple[Part, ...]) -> tuple[Token, ...]:
    """ArnLike/ArnEquals: each of the six colon-delimited components is matched on its own, so a
    wildcard cannot cross a colon except inside the sixth (resource) component."""
    out: list[Token] = []
    colons = 0
    for part in parts:
        if type(part) is not Glob:
            text = part.text if type(part) is Fixed else ""
            out.extend((wildcard.LITERAL, char) for char in text)
            continue
        for char in part.text:
            if char == ":":
                colons += 1
                out.append((wildcard.LITERAL, ":"))
            elif char == "*":
                out.append((wildcard.RUN if colons >= 5 else wildcard.RUN_IN_SEGMENT, ""))
            elif char == "?":
                out.append((wildcard.ONE if colons >= 5 else wildcard.ONE_IN_SEGMENT, ""))
            else:
                out.append((wildcard.LITERAL, char))
    return tuple(out)


def _next_char(parts: tuple[Part, ...], index: int) -> str | None:
    for part in parts[index + 1 :]:
        if isinstance(part, Variable):
            return "x"  # a variable's value follows: not the end of the segment
        if part.text:
            return part.text[0]
    return None


def compile_glob(
    parts: tuple[Part, ...], *, arn_segments: bool = False, ignore_case: bool = False
) -> Wildcard:
    return wildcard.compile_tokens(glob_tokens(parts, arn_segments=arn_segments), ignore_case)


def compile_globs(
    alternatives: list[tuple[Part, ...]], *, arn_segments: bool = False, ignore_case: bool = False
) -> WildcardSet:
    """A matcher for any of several wildcard templates (fewer calls per request)."""
    return WildcardSet(
        [compile_glob(p, arn_segments=arn_segments, ignore_case=ignore_case) for p in alternatives],
        ignore_case=ignore_case,
    )


def _single_variable(parts: tuple[Part, ...]) -> Variable | None:
    variables = [part for part in parts if isinstance(part, Variable)]
    return variables[0] if len(variables) == 1 else None


class TemplateMatcher:
    """A wildcard template with variables: compiled once per distinct set of variable values."""

    __slots__ = ("_arn", "_cache", "_ignore_case", "_single", "parts")

    def __init__(self, parts: tuple[Part, ...], *, arn_segments: bool, ignore_case: bool) -> None:
        self.parts = parts
        self._arn = arn_segments
        self._ignore_case = ignore_case
        # With one variable its value alone keys the cache (no tuple built per request).
        self._single = _single_variable(parts)
        self._cache: dict[object, Wildcard] = {}

    def unset_keys(self, context: Context) -> tuple[str, ...]:
        """Keys of the variables that have no value here (absent or multivalued, no default)."""
        return tuple(
            part.key
            for part in self.parts
            if isinstance(part, Variable)
            and part.default is None
            and type(context.get(part.key)) is not str
        )

    def pattern(self, context: Context) -> Wildcard | None:
        """The compiled pattern for this context; None when a variable has no value."""
        single = self._single
        key: object
        values: tuple[str | None, ...] | None
        if single is not None:
            value = context.get(single.key)
            if type(value) is not str:
                value = single.default  # missing or multivalued: the default, if any
                if value is None:
                    return None
            cached = self._cache.get(value)
            if cached is not None:
                return cached
            key, values = value, (value,)
        else:
            values = resolve(self.parts, context)
            if values is None:
                return None
            cached = self._cache.get(values)
            if cached is not None:
                return cached
            key = values
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        compiled = compile_glob(
            substitute(self.parts, values), arn_segments=self._arn, ignore_case=self._ignore_case
        )
        self._cache[key] = compiled
        return compiled


class TextTemplate:
    """A template read as plain text (StringEquals-style operators): wildcards are characters."""

    __slots__ = ("_default", "_key", "_pieces", "parts")

    def __init__(self, parts: tuple[Part, ...]) -> None:
        self.parts = parts
        only = parts[0] if len(parts) == 1 else None
        # The common `${key}` alone reads one context value; anything else joins pieces.
        self._key = only.key if isinstance(only, Variable) else None
        self._default = only.default if isinstance(only, Variable) else None
        self._pieces: tuple[str | Variable, ...] = tuple(
            part if isinstance(part, Variable) else part.text for part in parts
        )

    def text(self, context: Context) -> str | None:
        """The text for this context; None when a variable has no value."""
        if self._key is not None:
            value = context.get(self._key)
            return value if type(value) is str else self._default
        out: list[str] = []
        for piece in self._pieces:
            if type(piece) is str:
                out.append(piece)
                continue
            assert isinstance(piece, Variable)
            value = context.get(piece.key)
            if type(value) is not str:
                value = piece.default
                if value is None:
                    return None
            out.append(value)
        return "".join(out)
