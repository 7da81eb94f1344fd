"""Terraform values as Python values, and the conversions Terraform applies between them.

null is None, bool, number (int, or float when not whole), string (str; a `Placeholder` for a
deploy-time identifier), list and tuple (list), set (`HclSet`, ordered as Terraform iterates it),
map and object (dict), and `Unresolved` for a value no offline reading can know (D5). Conversions
follow Terraform's type conversion rules:
https://developer.hashicorp.com/terraform/language/expressions/type-constraints#conversion-of-primitive-types
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from simulator.errors import RolesimError
from simulator.importers.values import Placeholder, Unresolved

MAX_STRING = 1_000_000
MAX_ELEMENTS = 100_000


class EvalError(Exception):
    """An expression Terraform itself would reject; the evaluator adds the file and line."""


class HclSet(tuple[Any, ...]):
    """A set: unique elements, strings in lexical order (how Terraform iterates a set of strings)."""

    __slots__ = ()

    @classmethod
    def of(cls, items: Iterable[Any]) -> HclSet:
        unique: list[Any] = []
        for item in items:
            if not any(equal(item, u) is True for u in unique):
                unique.append(item)
        if all(isinstance(u, str) for u in unique) or all(_is_number(u) for u in unique):
            unique.sort()
        return cls(unique)


class Sourced(str):
    """A string the configuration writes as a literal, remembering where: a value that a local, a
    variable default or a map passes along still points at the line that wrote it."""

    pos: Any  # simulator.importers.hcl_syntax.Pos

    def __new__(cls, text: str, pos: Any) -> Sourced:
        made = super().__new__(cls, text)
        made.pos = pos
        return made


class SourcedDict(dict[str, Any]):
    """An object the configuration writes as a literal (`{ ... }`), remembering where."""

    pos: Any

    def __init__(self, items: dict[str, Any], pos: Any) -> None:
        super().__init__(items)
        self.pos = pos


class SourcedList(list[Any]):
    """A tuple the configuration writes as a literal (`[ ... ]`), remembering where."""

    pos: Any

    def __init__(self, items: list[Any], pos: Any) -> None:
        super().__init__(items)
        self.pos = pos


def written_at(value: Any) -> Any:
    """Where a literal value was written (a Pos), or None."""
    return (
        getattr(value, "pos", None)
        if isinstance(value, Sourced | SourcedDict | SourcedList)
        else None
    )


def unsourced(value: Any, found: dict[tuple[Any, ...], Any], path: tuple[Any, ...] = ()) -> Any:
    """`value` with plain values for literals that remember where they were written, recording
    where each was written in `found` (by its path inside `value`)."""
    if written_at(value) is not None:
        found[path] = written_at(value)
    if isinstance(value, Sourced):
        return str(value)
    if isinstance(value, EncodedJson):
        return EncodedJson(str(value), unsourced(value.value, found, path))
    if isinstance(value, PartialJson):
        return PartialJson(value.construct, value.origin, unsourced(value.value, found, path))
    if isinstance(value, dict):
        return {str(k): unsourced(v, found, (*path, str(k))) for k, v in value.items()}
    if isinstance(value, HclSet):
        return HclSet(unsourced(v, found, (*path, i)) for i, v in enumerate(value))
    if isinstance(value, list):
        return [unsourced(v, found, (*path, i)) for i, v in enumerate(value)]
    return value


class PartialJson(Unresolved, frozen=True):
    """`jsonencode` of a value with unknown parts: its text is unknown (as in Terraform), but the
    structure is kept, so that a policy document is read with only its unknown values marked."""

    value: Any = None


def encoded(value: Any, text: str) -> Any:
    """The result of encoding `value` as JSON `text`: EncodedJson, or PartialJson when a part of
    `value` is unknown."""
    unknown = first_unresolved(value)
    if unknown is None:
        return EncodedJson(text, value)
    return PartialJson(unknown.construct, unknown.origin, value)


class EncodedJson(str):
    """The text `jsonencode` produced, remembering the value it encodes (with its placeholders)."""

    value: Any

    def __new__(cls, text: str, value: Any) -> EncodedJson:
        made = super().__new__(cls, text)
        made.value = value
        return made


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, HclSet):
        return "set"
    if isinstance(value, list):
        return "tuple"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, Unresolved):
        return "unknown"
    return type(value).__name__


MAX_NUMBER = 2**128


def number(value: float) -> int | float:
    """Whole numbers as int (Terraform prints 4/2 as 2); magnitudes bounded."""
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > MAX_NUMBER:
            raise EvalError("a number larger than rolesim computes with (2^128)")
        return value
    if isinstance(value, float):
        if abs(value) > MAX_NUMBER:
            raise EvalError("a number larger than rolesim computes with (2^128)")
        if math.isnan(value) or math.isinf(value):
            raise EvalError("the result is not a finite number")
        if value.is_integer() and abs(value) < 2**63:
            return int(value)
    return value


def first_unresolved(value: Any) -> Unresolved | None:
    """The first Unresolved anywhere inside `value`."""
    found = _first_of(Unresolved, [value])
    return found if isinstance(found, Unresolved) else None


def first_placeholder(values: Iterable[Any]) -> Placeholder | None:
    found = _first_of(Placeholder, values)
    return found if isinstance(found, Placeholder) else None


def _first_of(kind: type, values: Iterable[Any]) -> Any:
    # Iteratively, depth first: values can nest deeply.
    stack = list(values)
    stack.reverse()
    seen = 0
    while stack and seen < MAX_ELEMENTS:
        seen += 1
        item = stack.pop()
        if isinstance(item, kind):
            return item
        if isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list | tuple):
            stack.extend(reversed(item))
    return None


def derived_string(text: str, sources: Iterable[Any]) -> str:
    """`text` built from `sources`: a Placeholder when one of them is (the output marks it)."""
    check_string(text)
    marker = first_placeholder(sources)
    if marker is None or isinstance(text, Placeholder):
        return text
    return Placeholder(text, of=marker.of, attribute=marker.attribute)


def check_string(text: str) -> str:
    if len(text) > MAX_STRING:
        raise EvalError(f"a string longer than {MAX_STRING} characters")
    return text


def to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return format_number(value)
    if value is None:
        raise EvalError("a null value cannot be used as a string")
    raise EvalError(f"a string is required, found a {type_name(value)}")


def format_number(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    if value.is_integer():
        return str(int(value))
    return repr(value)


def to_number(value: Any) -> int | float:
    if _is_number(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str):
        try:
            return number(float(value)) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            raise EvalError("the string is not a number") from None
    raise EvalError(f"a number is required, found a {type_name(value)}")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise EvalError(f"a bool is required, found {describe(value)}")


def describe(value: Any) -> str:
    # The type only: a value may come from --parameter, and messages must not echo secrets.
    return f"a {type_name(value)}"


def deploy_time(value: Any) -> bool:
    """A placeholder for an id AWS assigns (D4), not an assumed default such as the region (D3)."""
    return isinstance(value, Placeholder) and not value.of.startswith("AWS::")


def equal(a: Any, b: Any, depth: int = 0) -> bool | Unresolved:
    """`==`: same type and value; a deploy-time placeholder equals only itself, "" or null."""
    if depth > MAX_VALUE_DEPTH:
        raise EvalError("values nested too deeply to compare")
    if isinstance(a, Unresolved):
        return a
    if isinstance(b, Unresolved):
        return b
    pa, pb = deploy_time(a), deploy_time(b)
    if pa != pb:
        other = b if pa else a
        marker = a if pa else b
        if other is None or other == "":
            return False
        if isinstance(other, str):
            return Unresolved(
                f"a comparison with {marker.of}.{marker.attribute}, known only after deployment"
            )
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, str) and isinstance(b, str):
        return str(a) == str(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return False
        return _all_equal(((a[k], b[k]) for k in a), depth)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if isinstance(a, HclSet) != isinstance(b, HclSet) or len(a) != len(b):
            return False
        return _all_equal(zip(a, b, strict=True), depth)
    return False


def _all_equal(pairs: Iterable[tuple[Any, Any]], depth: int) -> bool | Unresolved:
    unknown: Unresolved | None = None
    for x, y in pairs:
        result = equal(x, y, depth + 1)
        if result is False:
            return False
        if isinstance(result, Unresolved):
            unknown = unknown or result
    return unknown if unknown is not None else True


MAX_VALUE_DEPTH = 64  # nesting of a decoded or encoded JSON value


def to_json_value(value: Any, depth: int = 0) -> Any:
    """A JSON-ready copy (sets as lists); raises EvalError for what JSON cannot hold."""
    if isinstance(value, str | bool) or value is None or _is_number(value):
        return str(value) if isinstance(value, str) else value
    if depth >= MAX_VALUE_DEPTH:
        raise EvalError(f"a value nested more than {MAX_VALUE_DEPTH} levels deep")
    if isinstance(value, dict):
        return {k: to_json_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(v, depth + 1) for v in value]
    raise EvalError(f"cannot encode a {type_name(value)} as JSON")


def go_json(value: Any, *, indent: bool) -> str:
    """JSON text as Go's encoding/json writes it (MarshalIndent with two spaces, or Marshal):
    keys in the order given, `<`, `>`, `&` escaped."""
    if indent:
        text = json.dumps(to_json_value(value), indent=2, ensure_ascii=False)
    else:
        text = json.dumps(to_json_value(value), separators=(",", ":"), ensure_ascii=False)
    return check_string(text.translate(_GO_ESCAPES))


def from_json_value(value: Any, depth: int = 0) -> Any:
    """A value decoded by `json.loads` as a Terraform value (whole floats as int)."""
    if isinstance(value, float):
        return number(value)
    if isinstance(value, dict | list) and depth >= MAX_VALUE_DEPTH:
        raise EvalError(f"JSON nested more than {MAX_VALUE_DEPTH} levels deep")
    if isinstance(value, dict):
        return {k: from_json_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json_value(v, depth + 1) for v in value]
    return value


_GO_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def json_text(value: Any) -> str:
    """Terraform's jsonencode text: compact, object keys sorted, and `<`, `>`, `&`, U+2028 and
    U+2029 escaped as Go's encoder does (https://developer.hashicorp.com/terraform/language/functions/jsonencode)."""
    text = json.dumps(
        to_json_value(value), separators=(",", ":"), sort_keys=True, ensure_ascii=False
    )
    return check_string(text.translate(_GO_ESCAPES))


def iterate(collection: Any) -> Iterator[tuple[Any, Any]]:
    """(key, value) pairs of a collection as a `for` expression sees them: maps in key order."""
    if isinstance(collection, dict):
        for key in sorted(collection):
            yield key, collection[key]
    elif isinstance(collection, HclSet):
        for item in collection:
            yield item, item
    elif isinstance(collection, list | tuple):
        yield from enumerate(collection)
    elif collection is None:
        raise EvalError("cannot iterate over a null value")
    else:
        raise EvalError(f"cannot iterate over a {type_name(collection)}")


def as_mapping(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise EvalError(f"a map or object is required, found {describe(value)}")
    return value


def as_sequence(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    raise EvalError(f"a list, tuple or set is required, found {describe(value)}")


def decode_json(text: str) -> Any:
    """`jsondecode`: JSON text as a Terraform value; EvalError when it is not (strict) JSON."""
    from simulator import inputs

    try:
        return from_json_value(inputs.parse_json(text, "jsondecode()", inputs.DOCUMENT))
    except RolesimError as exc:
        raise EvalError(f"the text is not valid JSON ({getattr(exc, 'message', exc)})") from None
