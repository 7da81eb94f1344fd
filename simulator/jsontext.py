"""JSON text at C speed (msgspec), byte for byte what the standard library reads and writes.

Every JSON line rolesim writes is compact UTF-8 text as `json.JSONEncoder(ensure_ascii=False,
separators=(",", ":"))` writes it (`REFERENCE`). msgspec writes the same bytes for strings, integers
of any size, booleans, null, lists, tuples, dicts with text keys and floats written without an
exponent; elsewhere it differs (`1e16` for `1e+16`, `null` for NaN, refusals of other types), so a
value holding anything else is written by the reference. Chosen by measurement
(benchmarks/bench_json.py): orjson writes the same text but refuses integers past 64 bits and reads
them as floats, and its encoder is slower on enum members such as `Flow`.

`decode` is the fast half of simulator.inputs.parse_json, which keeps every bound: msgspec refuses
everything the strict reader refuses (NaN, Infinity, numbers past a double, integers past 4,300
digits, lone surrogate escapes) and more (a negative integer of 4,300 digits), and parse_json then
asks the strict reader, so that what is accepted, and every refusal's message, are the reference's.
tests/core/test_jsontext.py holds both halves to the standard library on generated values and text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import Enum
from typing import Any

import msgspec

REFERENCE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_encode = msgspec.json.Encoder().encode
decode = msgspec.json.Decoder().decode
DecodeError = msgspec.DecodeError
# Past this depth a value is written by the reference (input is refused past 64 levels anyway).
_MAX_DEPTH = 100


def dumps(value: Any) -> str:
    """`REFERENCE.encode(value)`, written by msgspec wherever it writes the same text."""
    if _same_text(value, 0):
        try:
            return _encode(value).decode()
        except (TypeError, ValueError, OverflowError):  # e.g. a lone surrogate in a string
            pass
    return REFERENCE.encode(value)


def dumps_texts(value: Mapping[str, str] | Mapping[str, Any]) -> str:
    """`dumps` of a value made, by construction, of text, integers, booleans, null, lists and
    dicts with text keys, never a float (session tags, the engine's own results): written without
    looking at each part first, as msgspec writes these as the reference does and refuses what
    it cannot write alike (a lone surrogate, a text subclass)."""
    try:
        return _encode(value).decode()
    except (TypeError, ValueError, OverflowError):
        return REFERENCE.encode(value)


def _same_text(value: Any, depth: int) -> bool:
    """Whether msgspec writes `value` as the reference does: see the module's note."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is dict:
        if depth >= _MAX_DEPTH:
            return False
        for key, item in value.items():
            if not (type(key) is str or _text_enum(key)) or not _same_text(item, depth + 1):
                return False
        return True
    if kind is list or kind is tuple:
        if depth >= _MAX_DEPTH:
            return False
        for item in value:  # noqa: SIM110 - a loop is cheaper than all() with a generator here
            if not _same_text(item, depth + 1):
                return False
        return True
    if kind is float:
        # repr() (the reference) writes an exponent below 1e-4 and from 1e16 on; NaN fails both.
        return bool(value == 0.0 or 1e-4 <= abs(value) < 1e16)
    return _text_enum(value)


def _text_enum(value: Any) -> bool:
    """A text enum member (a StrEnum such as Flow): both write its value."""
    return isinstance(value, str) and isinstance(value, Enum)
