"""Terraform's built-in functions, those an identity-pool configuration plausibly uses.

Each follows https://developer.hashicorp.com/terraform/language/functions/<name>. A function not
listed here, or a form of one that is not implemented (a `format` verb), gives an `Unresolved` value naming it: never a guessed result. An argument that is unknown
makes the result unknown, as in Terraform; the structural functions (`length`, `concat`, `merge`,
`lookup`, ...) look only at the parts they need, so an unknown element elsewhere passes through.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import msgspec

from simulator.importers import hcl_regex
from simulator.importers.hcl_values import (
    MAX_ELEMENTS,
    EncodedJson,
    EvalError,
    HclSet,
    PartialJson,
    as_mapping,
    as_sequence,
    check_string,
    decode_json,
    derived_string,
    encoded,
    equal,
    first_unresolved,
    format_number,
    json_text,
    number,
    to_bool,
    to_number,
    to_string,
    type_name,
)
from simulator.importers.values import Unresolved


class Thunk(Protocol):
    """An argument not yet evaluated (for `try` and `can`)."""

    def __call__(self) -> Any: ...


class FunctionContext(Protocol):
    """What file functions need from the module being read."""

    def read_module_file(self, path: str) -> str: ...

    def render_template(self, text: str, variables: Mapping[str, Any], path: str) -> Any: ...


class Function(msgspec.Struct, frozen=True):
    run: Callable[..., Any]
    # "strict": any unknown inside an argument makes the result unknown; "shallow": only an
    # argument that is itself unknown does; "lazy": arguments arrive as thunks.
    unknowns: str = "strict"
    needs_context: bool = False


def call(name: str, args: Sequence[Any], context: FunctionContext) -> Any:
    function = FUNCTIONS.get(name)
    if function is None:
        return Unresolved(f"function {name}() (not supported by rolesim)")
    if function.unknowns == "lazy":
        return function.run(*args)
    values = list(args)
    for value in values:
        found = value if isinstance(value, Unresolved) else None
        if found is None and function.unknowns == "strict":
            found = first_unresolved(value)
        if found is not None:
            return found
    result = function.run(context, *values) if function.needs_context else function.run(*values)
    if isinstance(result, str) and not isinstance(result, EncodedJson):
        return derived_string(result, values)
    return result


# strings -----------------------------------------------------------------------------------------


def _string_arg(value: Any, what: str = "argument") -> str:
    if value is None:
        raise EvalError(f"the {what} must not be null")
    return to_string(value)


def _replace(text: Any, search: Any, replacement: Any) -> Any:
    text, search, replacement = (_string_arg(v) for v in (text, search, replacement))
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        return hcl_regex.replace(text, search[1:-1], replacement)
    if not search:
        raise EvalError("replace() needs a non-empty substring")
    return check_string(text.replace(search, replacement))


def _split(separator: Any, text: Any) -> list[str]:
    sep, whole = _string_arg(separator), _string_arg(text)
    if not sep:
        return list(whole)
    return whole.split(sep)


def _join(separator: Any, *lists: Any) -> str:
    items: list[str] = []
    for lst in lists:
        for item in as_sequence(lst):
            items.append(_string_arg(item, "list element"))
    return check_string(_string_arg(separator).join(items))


def _substr(text: Any, offset: Any, length: Any) -> str:
    whole = _string_arg(text)
    start, size = int(to_number(offset)), int(to_number(length))
    if start < 0:
        start = max(len(whole) + start, 0)
    if start > len(whole):
        raise EvalError("substr() offset is beyond the end of the string")
    return whole[start:] if size < 0 else whole[start : start + size]


def _trim(text: Any, cutset: Any) -> str:
    return _string_arg(text).strip(_string_arg(cutset))


def _chomp(text: Any) -> str:
    return _string_arg(text).rstrip("\r\n")


_FORMAT_VERB = re.compile(r"%([-+ #0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")


def _format(spec: Any, *args: Any) -> Any:
    spec = _string_arg(spec, "format")
    out: list[str] = []
    pos = index = 0
    for match in _FORMAT_VERB.finditer(spec):
        out.append(spec[pos : match.start()])
        pos = match.end()
        flags, width, precision, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        if index >= len(args):
            raise EvalError(f"format() has too few arguments for {match.group(0)!r}")
        value = args[index]
        index += 1
        rendered = _format_one(verb, value, precision)
        if rendered is None:
            return Unresolved(f"format() verb {match.group(0)!r} (not supported by rolesim)")
        size = int(width) if width else 0
        if size > 1000:
            raise EvalError("format() width larger than 1000")
        pad = "0" if "0" in flags and verb in "df" and "-" not in flags else " "
        if "+" in flags and verb in "df" and not rendered.startswith("-"):
            rendered = "+" + rendered
        if len(rendered) < size:
            fill = pad * (size - len(rendered))
            if "-" in flags:
                rendered += fill
            elif pad == "0" and rendered[:1] in "+-":
                rendered = rendered[0] + fill + rendered[1:]
            else:
                rendered = fill + rendered
        out.append(rendered)
    out.append(spec[pos:])
    if index < len(args):
        raise EvalError(f"format() has {len(args) - index} more arguments than verbs")
    return check_string("".join(out))


def _format_one(verb: str, value: Any, precision: str | None) -> str | None:
    if verb == "s":
        text = _string_arg(value)
        return text[: int(precision)] if precision else text
    if verb == "v":
        if isinstance(value, dict | list | tuple):
            return json_text(value)
        return "null" if value is None else to_string(value)
    if verb == "q":
        return json.dumps(_string_arg(value), ensure_ascii=False)
    if verb == "t":
        return "true" if to_bool(value) else "false"
    if verb == "d":
        n = to_number(value)
        if isinstance(n, float):
            raise EvalError(f"format() %d needs a whole number, found {n}")
        return str(n)
    if verb == "f":
        digits = int(precision) if precision else 6
        if digits > 100:
            raise EvalError("format() precision larger than 100")
        return f"{float(to_number(value)):.{digits}f}"
    return None


def _formatlist(spec: Any, *args: Any) -> Any:
    lengths = {len(a) for a in args if isinstance(a, list | tuple)}
    if len(lengths) > 1:
        raise EvalError("formatlist() lists must all have the same length")
    count = lengths.pop() if lengths else 1
    rows = []
    for i in range(count):
        row = [a[i] if isinstance(a, list | tuple) else a for a in args]
        rendered = _format(spec, *row)
        if isinstance(rendered, Unresolved):
            return rendered
        rows.append(derived_string(rendered, row))
    return rows


# collections -------------------------------------------------------------------------------------


def _length(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict | list | tuple):
        return len(value)
    raise EvalError(f"length() of a {type_name(value)}")


def _concat(*lists: Any) -> list[Any]:
    out: list[Any] = []
    for lst in lists:
        out.extend(as_sequence(lst))
        _check_size(out)
    return out


def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in maps:
        if m is None:
            continue
        out.update(as_mapping(m))
    return out


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if isinstance(key, Unresolved):
        return key
    m, k = as_mapping(mapping), _string_arg(key, "key")
    if k in m:
        return m[k]
    if default:
        return default[0]
    raise EvalError(f"lookup() found no key {k!r} and no default was given")


def _element(lst: Any, index: Any) -> Any:
    items = as_sequence(lst)
    if isinstance(index, Unresolved):
        return index
    i = int(to_number(index))
    if not items:
        raise EvalError("element() of an empty list")
    if i < 0:
        raise EvalError("element() index must not be negative")
    return items[i % len(items)]


def _keys(mapping: Any) -> list[str]:
    return sorted(as_mapping(mapping))


def _values(mapping: Any) -> list[Any]:
    m = as_mapping(mapping)
    return [m[k] for k in sorted(m)]


def _tolist(value: Any) -> list[Any]:
    if value is None:
        raise EvalError("tolist() of null")
    return as_sequence(value)


def _toset(value: Any) -> HclSet:
    items = as_sequence(value)
    if any(isinstance(i, str) for i in items) and all(
        isinstance(i, str | int | float | bool) for i in items
    ):
        items = [to_string(i) for i in items]  # a set's elements share one type: string wins
    return HclSet.of(items)


def _tomap(value: Any) -> dict[str, Any]:
    return dict(as_mapping(value))


def _tostring(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict | list | tuple):
        raise EvalError(f"tostring() of a {type_name(value)}")
    return to_string(value)


def _tonumber(value: Any) -> int | float | None:
    return None if value is None else to_number(value)


def _tobool(value: Any) -> bool | None:
    return None if value is None else to_bool(value)


def _coalesce(*values: Any) -> Any:
    for value in values:
        if isinstance(value, Unresolved):
            return value
        if value is not None and value != "":
            return value
    raise EvalError("coalesce() found no non-null, non-empty argument")


def _coalescelist(*lists: Any) -> Any:
    for lst in lists:
        if isinstance(lst, Unresolved):
            return lst
        if as_sequence(lst):
            return lst
    raise EvalError("coalescelist() found no non-empty list")


def _compact(lst: Any) -> list[Any]:
    return [i for i in as_sequence(lst) if i is not None and i != ""]


def _contains(lst: Any, value: Any) -> bool | Unresolved:
    unknown: Unresolved | None = None
    for item in as_sequence(lst):
        result = equal(item, value)
        if result is True:
            return True
        if isinstance(result, Unresolved):
            unknown = unknown or result
    return unknown if unknown is not None else False


def _distinct(lst: Any) -> list[Any]:
    out: list[Any] = []
    for item in as_sequence(lst):
        if not any(equal(item, seen) is True for seen in out):
            out.append(item)
    return out


def _flatten(lst: Any) -> Any:
    out: list[Any] = []
    stack = [iter(as_sequence(lst))]
    while stack:
        for item in stack[-1]:
            if isinstance(item, Unresolved):
                return item  # an unknown element may itself be a list
            if isinstance(item, list | tuple):
                stack.append(iter(item))
                break
            out.append(item)
            _check_size(out)
        else:
            stack.pop()
    return out


def _zipmap(keys: Any, values: Any) -> Any:
    ks, vs = as_sequence(keys), as_sequence(values)
    if len(ks) != len(vs):
        raise EvalError("zipmap() needs as many values as keys")
    for k in ks:
        if isinstance(k, Unresolved):
            return k
    return {_string_arg(k, "key"): v for k, v in zip(ks, vs, strict=True)}


def _range(*args: Any) -> list[int | float]:
    nums = [to_number(a) for a in args]
    start: int | float
    step: int | float
    if len(nums) == 1:
        start, stop, step = 0, nums[0], 1
    elif len(nums) == 2:
        start, stop, step = nums[0], nums[1], 1 if nums[1] >= nums[0] else -1
    elif len(nums) == 3:
        start, stop, step = nums
    else:
        raise EvalError("range() takes one to three arguments")
    if step == 0:
        raise EvalError("range() step must not be zero")
    count = max(0, int(-(-(stop - start) // step)))
    if count > MAX_ELEMENTS:
        raise EvalError(f"range() of {count} elements, more than {MAX_ELEMENTS}")
    return [number(start + i * step) for i in range(count)]


def _reverse(lst: Any) -> list[Any]:
    return list(reversed(as_sequence(lst)))


def _slice(lst: Any, start: Any, end: Any) -> list[Any]:
    items = as_sequence(lst)
    a, b = int(to_number(start)), int(to_number(end))
    if not 0 <= a <= b <= len(items):
        raise EvalError(f"slice() indexes {a}..{b} are outside a list of {len(items)}")
    return items[a:b]


def _sort(lst: Any) -> list[str]:
    return sorted(_string_arg(i, "list element") for i in as_sequence(lst))


def _index(lst: Any, value: Any) -> int:
    for i, item in enumerate(as_sequence(lst)):
        if equal(item, value) is True:
            return i
    raise EvalError("index() found no such element")


def _one(lst: Any) -> Any:
    items = as_sequence(lst)
    if len(items) > 1:
        raise EvalError(f"one() of a collection with {len(items)} elements")
    return items[0] if items else None


def _alltrue(lst: Any) -> bool:
    return all(to_bool(i) for i in as_sequence(lst))


def _anytrue(lst: Any) -> bool:
    return any(to_bool(i) for i in as_sequence(lst))


def _sum(lst: Any) -> int | float:
    items = as_sequence(lst)
    if not items:
        raise EvalError("sum() of an empty list")
    return number(sum(to_number(i) for i in items))


def _set_op(name: str) -> Callable[..., HclSet]:
    def run(*sets: Any) -> HclSet:
        groups = [_toset(s) for s in sets]
        if not groups:
            raise EvalError(f"{name}() needs at least one set")
        out = list(groups[0])
        for other in groups[1:]:
            if name == "setunion":
                out.extend(other)
            elif name == "setintersection":
                out = [i for i in out if any(equal(i, o) is True for o in other)]
            else:
                out = [i for i in out if not any(equal(i, o) is True for o in other)]
        return HclSet.of(out)

    return run


def _check_size(items: Sequence[Any]) -> None:
    if len(items) > MAX_ELEMENTS:
        raise EvalError(f"a collection of more than {MAX_ELEMENTS} elements")


# numbers -----------------------------------------------------------------------------------------


def _numeric(fn: Callable[[Any], Any]) -> Callable[[Any], int | float]:
    return lambda value: number(fn(to_number(value)))


def _extreme(pick: Callable[..., Any]) -> Callable[..., int | float]:
    def run(*values: Any) -> int | float:
        if not values:
            raise EvalError("needs at least one number")
        return number(pick(to_number(v) for v in values))

    return run


# encoding ----------------------------------------------------------------------------------------


def _jsonencode(value: Any) -> Any:
    if first_unresolved(value) is not None:
        return encoded(value, "")
    return encoded(value, json_text(value))


def _jsondecode(text: Any) -> Any:
    if isinstance(text, EncodedJson | PartialJson):
        return text.value
    return decode_json(_string_arg(text))


def _base64decode(text: Any) -> str:
    try:
        return base64.b64decode(_string_arg(text), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise EvalError("base64decode() of text that is not base64 of UTF-8") from None


def _hash(algorithm: str) -> Callable[[Any], str]:
    return lambda text: hashlib.new(algorithm, _string_arg(text).encode()).hexdigest()


# control -----------------------------------------------------------------------------------------


def _try(*thunks: Thunk) -> Any:
    for thunk in thunks:
        try:
            return thunk()
        except EvalError:
            continue
    raise EvalError("try() found no argument that evaluates without an error")


def _can(thunk: Thunk) -> Any:
    try:
        value = thunk()
    except EvalError:
        return False
    found = first_unresolved(value)
    return found if found is not None else True


# files -------------------------------------------------------------------------------------------


def _file(context: FunctionContext, path: Any) -> str:
    return context.read_module_file(_string_arg(path, "path"))


def _templatefile(context: FunctionContext, path: Any, variables: Any) -> Any:
    p = _string_arg(path, "path")
    return context.render_template(context.read_module_file(p), as_mapping(variables), p)


def _identity(value: Any) -> Any:
    return value


FUNCTIONS: dict[str, Function] = {
    # strings
    "lower": Function(lambda s: _string_arg(s).lower()),
    "upper": Function(lambda s: _string_arg(s).upper()),
    "trimspace": Function(lambda s: _string_arg(s).strip()),
    "trim": Function(_trim),
    "trimprefix": Function(lambda s, p: _string_arg(s).removeprefix(_string_arg(p))),
    "trimsuffix": Function(lambda s, p: _string_arg(s).removesuffix(_string_arg(p))),
    "chomp": Function(_chomp),
    "replace": Function(_replace),
    "regex": Function(lambda p, s: hcl_regex.regex(_string_arg(p, "pattern"), _string_arg(s))),
    "regexall": Function(
        lambda p, s: hcl_regex.regexall(_string_arg(p, "pattern"), _string_arg(s))
    ),
    "split": Function(_split),
    "join": Function(_join),
    "substr": Function(_substr),
    "startswith": Function(lambda s, p: _string_arg(s).startswith(_string_arg(p))),
    "endswith": Function(lambda s, p: _string_arg(s).endswith(_string_arg(p))),
    "strcontains": Function(lambda s, p: _string_arg(p) in _string_arg(s)),
    "format": Function(_format),
    "formatlist": Function(_formatlist),
    # collections
    "length": Function(_length, "shallow"),
    "concat": Function(_concat, "shallow"),
    "merge": Function(_merge, "shallow"),
    "lookup": Function(_lookup, "shallow"),
    "element": Function(_element, "shallow"),
    "keys": Function(_keys, "shallow"),
    "values": Function(_values, "shallow"),
    "tolist": Function(_tolist, "shallow"),
    "toset": Function(_toset),
    "tomap": Function(_tomap, "shallow"),
    "tostring": Function(_tostring),
    "tonumber": Function(_tonumber),
    "tobool": Function(_tobool),
    "coalesce": Function(_coalesce, "shallow"),
    "coalescelist": Function(_coalescelist, "shallow"),
    "compact": Function(_compact),
    "contains": Function(_contains, "shallow"),
    "distinct": Function(_distinct),
    "flatten": Function(_flatten, "shallow"),
    "zipmap": Function(_zipmap, "shallow"),
    "range": Function(_range),
    "reverse": Function(_reverse, "shallow"),
    "slice": Function(_slice, "shallow"),
    "sort": Function(_sort),
    "index": Function(_index),
    "one": Function(_one, "shallow"),
    "alltrue": Function(_alltrue),
    "anytrue": Function(_anytrue),
    "sum": Function(_sum),
    "setunion": Function(_set_op("setunion")),
    "setintersection": Function(_set_op("setintersection")),
    "setsubtract": Function(_set_op("setsubtract")),
    # numbers
    "abs": Function(_numeric(abs)),
    "ceil": Function(_numeric(lambda n: -(-n // 1))),
    "floor": Function(_numeric(lambda n: n // 1)),
    "signum": Function(_numeric(lambda n: (n > 0) - (n < 0))),
    "max": Function(_extreme(max)),
    "min": Function(_extreme(min)),
    "parseint": Function(lambda s, base: int(_string_arg(s), int(to_number(base)))),
    # encoding
    "jsonencode": Function(_jsonencode, "shallow"),  # unknown parts: see PartialJson
    "jsondecode": Function(_jsondecode),
    "base64encode": Function(lambda s: base64.b64encode(_string_arg(s).encode()).decode()),
    "base64decode": Function(_base64decode),
    "urlencode": Function(lambda s: urllib.parse.quote(_string_arg(s), safe="")),
    "md5": Function(_hash("md5")),
    "sha1": Function(_hash("sha1")),
    "sha256": Function(_hash("sha256")),
    # control
    "try": Function(_try, "lazy"),
    "can": Function(_can, "lazy"),
    "sensitive": Function(_identity, "shallow"),
    "nonsensitive": Function(_identity, "shallow"),
    # files, inside the module's folder
    "file": Function(_file, needs_context=True),
    "templatefile": Function(_templatefile, "shallow", needs_context=True),
}

__all__ = ["FUNCTIONS", "Function", "FunctionContext", "Thunk", "call", "format_number"]
