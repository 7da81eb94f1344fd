"""Condition operators, compiled once per policy.

Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
Multivalued keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html

Rules implemented here (one place each):
- Several values for one key are OR-ed; several keys and operators are AND-ed (policy.py joins clauses).
- A missing key makes the condition false, except: negated operators are true, `...IfExists` is true,
  `ForAllValues:` is true (also on an empty key), `ForAnyValue:` is false, `Null` tests presence.
- Condition key names are case-insensitive; values are case-sensitive unless the operator ignores case.
- A policy variable with no value never matches, so negated operators then match (notes item 1).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Final

import msgspec

from simulator.assumptions import Name
from simulator.errors import ConfigError, PathPart
from simulator.iam import patterns, wildcard
from simulator.iam.patterns import Context, Part
from simulator.iam.request import OpenContext
from simulator.iam.wildcard import Wildcard, WildcardSet
from simulator.unresolved import constructs_in


class Trace:
    """Per-evaluation scratch: which assumptions are switched, which ones decided something, and
    which absent keys the request is silent about (`open_keys`, see request.OpenContext)."""

    __slots__ = (
        "multivalued_no_match",
        "notes",
        "notresource_invalid",
        "open_keys",
        "unreadable_no_match",
    )

    def __init__(
        self,
        multivalued_no_match: bool = False,
        notresource_invalid: bool = False,
        *,
        unreadable_no_match: bool = False,
        open_keys: OpenContext | None = None,
    ) -> None:
        self.multivalued_no_match = multivalued_no_match
        self.notresource_invalid = notresource_invalid
        self.unreadable_no_match = unreadable_no_match
        self.open_keys = open_keys
        self.notes: list[tuple[Name, str]] | None = None

    def note(self, assumption: Name, detail: str) -> None:
        if self.notes is None:
            self.notes = []
        self.notes.append((assumption, detail))

    def missing(self, key: str, context: Context) -> bool:
        """An absent key that a real request could carry: a decision depending on it is unknown."""
        return self.open_keys is not None and key not in context and self.open_keys.is_missing(key)


class Unknown(msgspec.Struct, frozen=True):
    """Why an element of a statement cannot be evaluated: keys the request is silent about, and
    values an importer could not resolve offline (importers/values.py markers)."""

    missing: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = [f"context key {key} not given" for key in self.missing]
        parts += [f"{construct} cannot be resolved offline" for construct in self.unresolved]
        return "; ".join(parts)


_NONE, _ANY, _ALL = 0, 1, 2


class OperatorSpec(msgspec.Struct, frozen=True):
    name: str
    kind: str  # string | string_ic | like | numeric | date | bool | binary | ip | arn | null
    negated: bool = False
    compare: str = "eq"  # numeric and date: eq | lt | le | gt | ge


_SPECS: Final = (
    OperatorSpec("StringEquals", "string"),
    OperatorSpec("StringNotEquals", "string", negated=True),
    OperatorSpec("StringEqualsIgnoreCase", "string_ic"),
    OperatorSpec("StringNotEqualsIgnoreCase", "string_ic", negated=True),
    OperatorSpec("StringLike", "like"),
    OperatorSpec("StringNotLike", "like", negated=True),
    OperatorSpec("NumericEquals", "numeric"),
    OperatorSpec("NumericNotEquals", "numeric", negated=True),
    OperatorSpec("NumericLessThan", "numeric", compare="lt"),
    OperatorSpec("NumericLessThanEquals", "numeric", compare="le"),
    OperatorSpec("NumericGreaterThan", "numeric", compare="gt"),
    OperatorSpec("NumericGreaterThanEquals", "numeric", compare="ge"),
    OperatorSpec("DateEquals", "date"),
    OperatorSpec("DateNotEquals", "date", negated=True),
    OperatorSpec("DateLessThan", "date", compare="lt"),
    OperatorSpec("DateLessThanEquals", "date", compare="le"),
    OperatorSpec("DateGreaterThan", "date", compare="gt"),
    OperatorSpec("DateGreaterThanEquals", "date", compare="ge"),
    OperatorSpec("Bool", "bool"),
    OperatorSpec("BinaryEquals", "binary"),
    OperatorSpec("IpAddress", "ip"),
    OperatorSpec("NotIpAddress", "ip", negated=True),
    OperatorSpec("ArnEquals", "arn"),
    OperatorSpec("ArnLike", "arn"),
    OperatorSpec("ArnNotEquals", "arn", negated=True),
    OperatorSpec("ArnNotLike", "arn", negated=True),
    OperatorSpec("Null", "null"),
)
OPERATORS: Final = {spec.name: spec for spec in _SPECS}
_BY_LOWER: Final = {name.lower(): name for name in OPERATORS}
# Variables are substituted only for string and ARN operators (variables page, Condition element).
_VARIABLE_KINDS: Final = frozenset({"string", "string_ic", "like", "arn"})

_COMPARE: Final[dict[str, Callable[[float, float], bool]]] = {
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


def parse_operator(text: str, path: tuple[PathPart, ...]) -> tuple[OperatorSpec, int, bool]:
    """`ForAnyValue:StringLikeIfExists` -> (StringLike spec, qualifier, if_exists)."""
    qualifier = _NONE
    name = text
    if name.startswith("ForAnyValue:"):
        qualifier, name = _ANY, name[len("ForAnyValue:") :]
    elif name.startswith("ForAllValues:"):
        qualifier, name = _ALL, name[len("ForAllValues:") :]
    if_exists = name.endswith("IfExists") and name != "IfExists"
    base = name[: -len("IfExists")] if if_exists else name
    spec = OPERATORS.get(base)
    if spec is None or (if_exists and spec.kind == "null"):
        suggestion = _BY_LOWER.get(base.lower())
        hint = (
            f"did you mean '{suggestion}'? operator names are case-sensitive"
            if suggestion
            else None
        )
        raise ConfigError(f"unknown condition operator '{text}'", path=path, hint=hint)
    return spec, qualifier, if_exists


# --- value parsing ------------------------------------------------------------------------------


def parse_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return None if math.isnan(value) else value


@cache
def _epoch() -> re.Pattern[str]:  # compiled for the first date condition
    return re.compile(r"^\s*-?\d+(\.\d+)?\s*$")


def parse_date(text: str) -> float | None:
    """An instant as epoch seconds: ISO 8601 (UTC when no offset) or epoch seconds (notes item 5)."""
    if _epoch().match(text):
        return float(text)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _decode_binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _arn_matcher(parts: tuple[Part, ...]) -> Wildcard:
    return wildcard.compile_tokens(patterns.arn_condition_tokens(parts))


# --- the compiled clause ------------------------------------------------------------------------


class Clause:
    """One (operator, key, values) triple of a Condition block, ready to test a request context."""

    __slots__ = (
        "_arn_matchers",
        "_arn_templates",
        "_binaries",
        "_like_matcher",
        "_like_templates",
        "_match",
        "_networks",
        "_null",
        "_numbers",
        "_string_templates",
        "_strings",
        "if_exists",
        "key",
        "key_text",
        "negated",
        "operator",
        "qualifier",
        "spec",
        "unresolved",
        "values",
        "variable_keys",
    )

    def __init__(
        self,
        operator: str,
        key_text: str,
        values: tuple[str, ...],
        *,
        variables: bool,
        path: tuple[PathPart, ...],
    ) -> None:
        spec, qualifier, if_exists = parse_operator(operator, path[:-1])
        self.operator = operator
        self.spec = spec
        self.qualifier = qualifier
        self.if_exists = if_exists
        self.negated = spec.negated
        self._null = spec.kind == "null"
        self.key = key_text.lower()  # key names are case-insensitive
        self.key_text = key_text
        self.values = values
        self._strings: frozenset[str] = frozenset()
        self._string_templates: tuple[patterns.TextTemplate, ...] = ()
        self._like_matcher: WildcardSet | None = None
        self._like_templates: tuple[patterns.TemplateMatcher, ...] = ()
        self._arn_matchers: WildcardSet | None = None
        self._arn_templates: tuple[tuple[Part, ...], ...] = ()
        self._numbers: tuple[float, ...] = ()
        self._binaries: frozenset[bytes] = frozenset()
        self._networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
        self._match: Callable[[str, Context], bool | None]
        use_vars = variables and spec.kind in _VARIABLE_KINDS
        kind = spec.kind
        self.variable_keys: tuple[str, ...] = ()
        # A marker an importer left for a value it cannot know: the clause can only be unknown.
        self.unresolved = tuple(
            dict.fromkeys(c for text in (key_text, *values) for c in constructs_in(text))
        )
        if self.unresolved:
            self._match = self._match_unresolved
        elif kind in ("string", "string_ic"):
            self._compile_string(values, use_vars, ignore_case=kind == "string_ic")
        elif kind == "like":
            self._compile_like(values, use_vars)
        elif kind == "arn":
            self._compile_arn(values, use_vars)
        else:
            self._compile_typed(values, path)
        if use_vars and not self.unresolved:
            self.variable_keys = tuple(
                dict.fromkeys(
                    part.key
                    for value in values
                    for part in patterns.parse_template(value, variables=True)
                    if isinstance(part, patterns.Variable) and part.default is None
                )
            )

    # compile helpers ---------------------------------------------------------------------------

    def _compile_string(
        self, values: tuple[str, ...], use_vars: bool, *, ignore_case: bool
    ) -> None:
        static: set[str] = set()
        dynamic: list[patterns.TextTemplate] = []
        for value in values:
            parts = patterns.parse_template(value, variables=use_vars)
            if patterns.has_variables(parts):
                dynamic.append(patterns.TextTemplate(parts))
            else:
                text = patterns.literal_text(parts)
                static.add(text.lower() if ignore_case else text)
        self._strings = frozenset(static)
        self._string_templates = tuple(dynamic)
        self._match = self._match_string_ic if ignore_case else self._match_string

    def _compile_like(self, values: tuple[str, ...], use_vars: bool) -> None:
        static: list[tuple[Part, ...]] = []
        dynamic: list[patterns.TemplateMatcher] = []
        for value in values:
            parts = patterns.parse_template(value, variables=use_vars)
            if patterns.has_variables(parts):
                dynamic.append(
                    patterns.TemplateMatcher(parts, arn_segments=False, ignore_case=False)
                )
            else:
                static.append(parts)
        self._like_matcher = patterns.compile_globs(static) if static else None
        self._like_templates = tuple(dynamic)
        self._match = self._match_like

    def _compile_arn(self, values: tuple[str, ...], use_vars: bool) -> None:
        static: list[Wildcard] = []
        dynamic: list[tuple[Part, ...]] = []
        for value in values:
            parts = patterns.parse_template(value, variables=use_vars)
            if patterns.has_variables(parts):
                dynamic.append(parts)
            else:
                static.append(_arn_matcher(parts))
        self._arn_matchers = WildcardSet(static) if static else None
        self._arn_templates = tuple(dynamic)
        self._match = self._match_arn

    def _compile_typed(self, values: tuple[str, ...], path: tuple[PathPart, ...]) -> None:
        kind = self.spec.kind
        numbers: list[float] = []
        strings: set[str] = set()
        binaries: set[bytes] = set()
        networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for index, value in enumerate(values):
            ok = True
            if kind in ("numeric", "date"):
                number = parse_number(value) if kind == "numeric" else parse_date(value)
                ok = number is not None
                if number is not None:
                    numbers.append(number)
            elif kind in ("bool", "null"):
                ok = value.lower() in ("true", "false")
                strings.add(value.lower())
            elif kind == "binary":
                decoded = _decode_binary(value)
                ok = decoded is not None
                if decoded is not None:
                    binaries.add(decoded)
            else:  # ip
                try:
                    networks.append(ipaddress.ip_network(value.strip(), strict=False))
                except ValueError:
                    ok = False
            if not ok:
                where = (*path, index) if len(values) > 1 else path
                raise ConfigError(
                    f"{self.operator} value {value!r} is not a valid {_KIND_NAMES[kind]}",
                    path=where,
                )
        self._numbers = tuple(numbers)
        self._strings = frozenset(strings)
        self._binaries = frozenset(binaries)
        self._networks = tuple(networks)
        self._match = {
            "numeric": self._match_number,
            "date": self._match_date,
            "bool": self._match_bool,
            "null": self._match_bool,
            "binary": self._match_binary,
            "ip": self._match_ip,
        }[kind]

    # Per-value matchers: does one request value match any policy value (positive form)?
    # None means the request value cannot be read as the operator's type. Every matcher takes the
    # context so that they share one signature; only those with variables read it.

    def _match_string(self, value: str, context: Context) -> bool | None:
        if value in self._strings:
            return True
        for template in self._string_templates:  # noqa: SIM110 - any() with a generator is slower
            if template.text(context) == value:
                return True
        return False

    def _match_string_ic(self, value: str, context: Context) -> bool | None:
        lowered = value.lower()
        if lowered in self._strings:
            return True
        for template in self._string_templates:
            text = template.text(context)
            if text is not None and text.lower() == lowered:
                return True
        return False

    def _match_like(self, value: str, context: Context) -> bool | None:
        if self._like_matcher is not None and self._like_matcher.matches(value):
            return True
        for matcher in self._like_templates:
            pattern = matcher.pattern(context)
            if pattern is not None and pattern.matches(value):
                return True
        return False

    def _match_arn(self, value: str, context: Context) -> bool | None:
        if value.count(":") < 5:
            return None  # not an ARN
        if self._arn_matchers is not None and self._arn_matchers.matches(value):
            return True
        for parts in self._arn_templates:
            resolved = patterns.resolve(parts, context)
            if resolved is not None and _arn_matcher(patterns.substitute(parts, resolved)).matches(
                value
            ):
                return True
        return False

    def _compared(self, number: float | None) -> bool | None:
        if number is None:
            return None
        compare = _COMPARE[self.spec.compare]
        return any(compare(number, limit) for limit in self._numbers)

    def _match_number(self, value: str, _context: Context) -> bool | None:
        return self._compared(parse_number(value))

    def _match_date(self, value: str, _context: Context) -> bool | None:
        return self._compared(parse_date(value))

    def _match_bool(self, value: str, _context: Context) -> bool | None:
        lowered = value.lower()
        if lowered not in ("true", "false"):
            return None  # not a boolean
        return lowered in self._strings

    def _match_unresolved(self, _value: str, _context: Context) -> bool | None:
        return None  # never called: test() answers unknown first

    def _match_binary(self, value: str, _context: Context) -> bool | None:
        decoded = _decode_binary(value)
        return None if decoded is None else decoded in self._binaries

    def _match_ip(self, value: str, _context: Context) -> bool | None:
        address = _parse_ip(value)
        if address is None:
            return None
        return any(
            address.version == network.version and address in network for network in self._networks
        )

    # the clause --------------------------------------------------------------------------------

    def _one(self, value: str, context: Context, trace: Trace) -> bool:
        matched = self._match(value, context)
        if matched is None:
            return self._unreadable(value, trace)
        return not matched if self.negated else matched

    def _unreadable(self, value: str, trace: Trace) -> bool:
        # Named assumption unreadable-request-value (assumptions.py): by default a request value the
        # operator cannot read equals no policy value, so only the negated form matches.
        trace.note(
            Name.UNREADABLE_REQUEST_VALUE,
            f"{self.operator}: the value of {self.key_text} ({_shown(value)}) is not a valid "
            f"{_KIND_NAMES.get(self.spec.kind, self.spec.kind)}",
        )
        return False if trace.unreadable_no_match else self.negated

    def test(self, context: Context, trace: Trace) -> bool | None:
        """True, False, or None when the request is silent about a key it needs (or a value is a marker)."""
        if self.unresolved:
            return None
        raw = context.get(self.key)
        if raw is None and trace.open_keys is not None and trace.missing(self.key, context):
            return None
        if self.variable_keys and trace.open_keys is not None:
            for key in self.variable_keys:
                if trace.missing(key, context):
                    return None
        if self._null:
            absent = raw is None or raw == ()
            # Null true: the key must be absent; Null false: it must be present.
            return ("true" if absent else "false") in self._strings
        if raw is None or raw == ():
            if self.if_exists or self.qualifier == _ALL:
                return True
            if self.qualifier == _ANY:
                return False
            return self.negated
        if type(raw) is str:
            matched = self._match(raw, context)
            if matched is None:
                return self._unreadable(raw, trace)
            return not matched if self.negated else matched
        assert isinstance(raw, tuple)
        if self.qualifier == _ANY:
            return any(self._one(value, context, trace) for value in raw)
        if self.qualifier == _ALL:
            return all(self._one(value, context, trace) for value in raw)
        return self._multivalued_without_qualifier(raw, context, trace)

    def why_unknown(self, context: Context, trace: Trace) -> Unknown:
        """What test() lacked when it answered None."""
        if self.unresolved:
            return Unknown(unresolved=self.unresolved)
        keys = (self.key, *self.variable_keys)
        return Unknown(missing=tuple(k for k in dict.fromkeys(keys) if trace.missing(k, context)))

    def _multivalued_without_qualifier(
        self, raw: tuple[str, ...], context: Context, trace: Trace
    ) -> bool:
        # Named assumption single-valued-operator-on-multivalued-key (assumptions.py): by default a
        # positive operator matches when some value matches, a negated one when none does.
        if trace.multivalued_no_match:
            return False
        positive = False
        for value in raw:
            matched = self._match(value, context)
            if matched is None:
                self._unreadable(value, trace)
                if trace.unreadable_no_match:
                    return False
            elif matched:
                positive = True
        result = not positive if self.negated else positive
        if result:  # the alternative (no match) would differ only here
            trace.note(
                Name.SINGLE_VALUED_OPERATOR_ON_MULTIVALUED_KEY,
                f"{self.operator} on multivalued key {self.key_text} ({len(raw)} values) "
                "without ForAnyValue/ForAllValues",
            )
        return result


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "...")


_KIND_NAMES: Final = {
    "numeric": "number",
    "date": "date (ISO 8601 or epoch seconds)",
    "bool": "boolean (true or false)",
    "null": "boolean (true or false)",
    "binary": "base64 value",
    "ip": "IP address or CIDR block",
}
