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

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

# A request context after normalisation: lower-case key -> one value or a tuple (multivalued).
ContextValue = str | tuple[str, ...]
Context = Mapping[str, ContextValue]

_CACHE_LIMIT: Final = 4096
# Fixed-value variables that stand for characters with a special meaning (variables page).
_SPECIAL: Final = {"*": "*", "?": "?", "$": "$"}
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]*?)\s*,\s*'((?:[^']|'')*)'\s*$")


@dataclass(frozen=True, slots=True)
class Fixed:
    text: str  # matched literally, even '*' and '?' (they came from ${*} or a substituted value)


@dataclass(frozen=True, slots=True)
class Glob:
    text: str  # raw policy text where '*' and '?' are wildcards


@dataclass(frozen=True, slots=True)
class Variable:
    key: str  # lower-case context key
    default: str | None
    source: str  # as written, for messages


Part = Fixed | Glob | Variable


def parse_template(text: str, *, variables: bool) -> tuple[Part, ...]:
    """Split policy text into wildcard text, literal text and variables.

    Without `variables` (2008-10-17 or missing Version) `${...}` is plain text (evaluation notes item 9).
    A `:` or `/` inside `${...}` belongs to the variable (notes item 3): the regex consumes it whole.
    """
    if not variables or "${" not in text:
        return (Glob(text),) if text else ()
    parts: list[Part] = []
    pos = 0
    for match in _VARIABLE.finditer(text):
        if match.start() > pos:
            parts.append(Glob(text[pos : match.start()]))
        body = match.group(1)
        stripped = body.strip()
        if stripped in _SPECIAL:
            parts.append(Fixed(_SPECIAL[stripped]))
        else:
            with_default = _DEFAULT.match(body)
            if with_default:
                key, default = with_default.group(1), with_default.group(2).replace("''", "'")
            else:
                key, default = stripped, None
            parts.append(Variable(key.lower(), default, match.group(0)))
        pos = match.end()
    if pos < len(text):
        parts.append(Glob(text[pos:]))
    return tuple(parts)


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


def _glob_regex(parts: tuple[Part, ...], *, arn_segments: bool) -> str:
    """Regex text for a wildcard template.

    With `arn_segments` a '*' stays inside its colon-separated segment unless it is the last character of
    the segment, where it "can expand to match beyond the colon boundaries" (Resource element page).
    A '?' never matches a colon there either.
    """
    out: list[str] = []
    for index, part in enumerate(parts):
        if type(part) is Fixed:
            out.append(re.escape(part.text))
            continue
        assert type(part) is Glob
        text = part.text
        for i, char in enumerate(text):
            if char == "*":
                if not arn_segments:
                    out.append(".*")
                    continue
                following = text[i + 1] if i + 1 < len(text) else _next_char(parts, index)
                out.append(".*" if following in (":", None) else "[^:]*")
            elif char == "?":
                out.append("[^:]" if arn_segments else ".")
            else:
                out.append(re.escape(char))
    return "".join(out)


def _next_char(parts: tuple[Part, ...], index: int) -> str | None:
    for part in parts[index + 1 :]:
        if isinstance(part, Variable):
            return "x"  # a variable's value follows: not the end of the segment
        if part.text:
            return part.text[0]
    return None


@lru_cache(maxsize=_CACHE_LIMIT)
def _compile(regex: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def compile_glob(
    parts: tuple[Part, ...], *, arn_segments: bool = False, ignore_case: bool = False
) -> re.Pattern[str]:
    return _compile(_glob_regex(parts, arn_segments=arn_segments), ignore_case)


def compile_globs(
    alternatives: list[tuple[Part, ...]], *, arn_segments: bool = False, ignore_case: bool = False
) -> re.Pattern[str]:
    """One regex matching any of several wildcard templates (fewer calls per request)."""
    body = "|".join(f"(?:{_glob_regex(p, arn_segments=arn_segments)})" for p in alternatives)
    return _compile(body, ignore_case)


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
        self._cache: dict[object, re.Pattern[str]] = {}

    def pattern(self, context: Context) -> re.Pattern[str] | None:
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
