"""The fast JSON edges (simulator/jsontext.py) are the standard library's, byte for byte.

Written: `dumps` gives exactly `json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))`'s text
for any value (or the same refusal). Read: whatever msgspec accepts, the strict reader accepts with
the same value, so simulator.inputs.parse_json accepts and refuses exactly what it did with the
standard library alone, with the same messages. The one intended difference is internal: msgspec
also refuses a few texts the strict reader accepts (a negative integer of 4,300 digits), which
parse_json then reads with the strict reader.
"""

from __future__ import annotations

import json
import math
from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator import inputs, jsontext
from simulator.errors import ClaimsError, ConfigError
from simulator.request import Flow

# Every character, lone surrogates included; floats of every kind; integers past 64 bits.
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=8)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | st.sampled_from([1e16, 1e-5, 9.99e-5, 1e-4, 1e22, -0.0, 5e-324, 1.7976931348623157e308])
    | ANY_TEXT
    | st.sampled_from(list(Flow))
)
KEYS = ANY_TEXT | st.sampled_from(list(Flow)) | st.integers() | st.booleans() | st.none()
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(KEYS, inner, max_size=4)
    ),
    max_leaves=20,
)


def _written(encode: Any, value: Any) -> tuple[str, Any]:
    try:
        return "text", encode(value)
    except Exception as exc:
        return "refused", type(exc)


@given(VALUES)
def test_the_fast_encoder_writes_the_reference_text_for_every_value(value: Any) -> None:
    assert _written(jsontext.dumps, value) == _written(jsontext.REFERENCE.encode, value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1e16, "1e+16"),  # msgspec alone writes 1e16
        (9.99e-5, "9.99e-05"),  # msgspec alone writes 0.0000999
        (float("nan"), "NaN"),  # msgspec alone writes null
        (2**70, str(2**70)),
        ({"flow": Flow.BASIC, "é": "\u2028"}, '{"flow":"basic","é":"\u2028"}'),
    ],
)
def test_where_msgspec_writes_other_text_the_reference_writes(value: Any, text: str) -> None:
    assert jsontext.dumps(value) == text


def _same(a: Any, b: Any) -> bool:
    """Equal, of the same types all the way down (1 is not 1.0, -0.0 is not 0.0), keys in order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or repr(a) == repr(b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _mutated(draw: Any, text: str) -> str:
    alphabet = st.sampled_from(list('{}[]",:.-+eE0123456789 \t\n\\/u tfnalrsNIy\x00\x1f\x7f'))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(alphabet | st.sampled_from(["\\ud800", "\\udc00", "NaN", "Infinity", "1e400"]))
        if how == "insert":
            text = text[:at] + char + text[at:]
        elif how == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + char + text[at + 1 :]
    return text


@st.composite
def json_texts(draw: Any) -> str:
    value = draw(VALUES)
    try:
        text = json.dumps(
            value,
            ensure_ascii=draw(st.booleans()),
            indent=draw(st.sampled_from([None, 1])),
            separators=draw(st.sampled_from([None, (",", ":"), (" , ", " : ")])),
        )
    except (TypeError, ValueError):
        text = "null"
    return _mutated(draw, text)


LONG_NUMBERS = st.sampled_from(["-", ""]).flatmap(
    lambda sign: st.integers(4290, 4310).map(lambda n: sign + "7" * n)
)


@given(json_texts() | LONG_NUMBERS | st.text(max_size=12))
def test_what_msgspec_reads_the_strict_reader_reads_alike(text: str) -> None:
    try:
        fast = jsontext.decode(text)
    except (jsontext.DecodeError, RecursionError, UnicodeEncodeError):
        return  # parse_json asks the strict reader: nothing to compare
    strict = inputs.strict_json(text, "t", inputs.DOCUMENT)
    assert _same(fast, strict), (fast, strict)


def _parsed(text: str) -> tuple[str, Any]:
    try:
        return "value", inputs.parse_json(text, "t", inputs.CORPUS_LINE, one_line=True)
    except (ClaimsError, ConfigError) as exc:
        return "refused", str(exc)


@given(json_texts() | LONG_NUMBERS)
def test_parse_json_accepts_and_refuses_what_the_strict_reader_alone_did(text: str) -> None:
    fast = _parsed(text)
    with mock.patch.object(inputs.jsontext, "decode", side_effect=jsontext.DecodeError):
        strict = _parsed(text)
    assert fast[0] == strict[0]
    assert _same(fast[1], strict[1]) if fast[0] == "value" else fast[1] == strict[1]


@given(json_texts() | st.binary(max_size=20).map(lambda b: b"{" + b))
def test_an_object_line_read_from_its_bytes_is_what_the_strict_path_reads(text: Any) -> None:
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    fast = inputs.object_line(raw, inputs.CORPUS_LINE)
    if fast is None:
        return  # read by line_text and parse_json
    line = inputs.line_text(raw, "t", inputs.CORPUS_LINE).strip()
    assert _same(fast, inputs.parse_json(line, "t", inputs.CORPUS_LINE, one_line=True))


NO_FLOATS = st.recursive(
    st.none() | st.booleans() | st.integers() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=20,
)


@given(NO_FLOATS)
def test_a_value_without_floats_is_written_as_the_reference_writes_it(value: Any) -> None:
    assert _written(jsontext.dumps_texts, value) == _written(jsontext.REFERENCE.encode, value)
