"""The quick readings of YAML (simulator.quickyaml: JSON by the standard library, the rest from
libyaml's events) read as ruamel reads YAML 1.2: where a quick reading takes a document, its data
is ruamel's safe loader's, in types, order and shared values; where ruamel refuses a document, the
quick readings decline it, so that ruamel's message is reported."""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from simulator import inputs, quickyaml

ROOT = Path(__file__).resolve().parents[2]


def _ruamel(text: str) -> Any:
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_duplicate_keys = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a reused anchor is a warning, then read
        return yaml.load(io.StringIO(text))


def _shape(value: Any, seen: dict[int, int] | None = None) -> Any:
    """Types, order and values, and which containers are one object (an alias's target)."""
    seen = {} if seen is None else seen
    if isinstance(value, dict | list):
        if id(value) in seen:
            return ("same as", seen[id(value)])
        seen[id(value)] = len(seen)
        if isinstance(value, dict):
            return ("map", [(_shape(k, seen), _shape(v, seen)) for k, v in value.items()])
        return ("list", [_shape(v, seen) for v in value])
    return (type(value).__name__, repr(value))


def _agrees(text: str) -> bool:
    """The quick reading is ruamel's, or declines: True where it took the document."""
    read = quickyaml.read(text, max_depth=inputs.MAX_DEPTH)
    if read is None:
        return False
    try:
        expected = _ruamel(inputs._join_escaped_pairs(text))  # as yaml_data reads
    except Exception as exc:  # any refusal
        pytest.fail(f"read what ruamel refuses ({type(exc).__name__}: {exc}): {text!r}")
    assert _shape(read[0]) == _shape(expected), text
    return True


# Characters each reader has its own rules for: indicators, quotes, escapes, the breaks and blanks
# YAML 1.1 and 1.2 treat differently, controls, and characters outside ASCII and the BMP.
_TRICKY = (
    "ab z09:-#'\"\\|>[]{},&*!%@`?~=<.+_/\t\n\r\x85\u2028\u2029\ufeff\x7f\x00\x1b\xa0é\U0001f600"
)
# Plain scalars the 1.2 core schema reads as booleans, nulls, numbers and timestamps, or nearly.
_PLAIN = st.text(alphabet="0123456789+-._:eExobTZ~ntrulfasyNF <=", max_size=12) | st.sampled_from(
    ["0o17", "0x1F", "0b101", "017", "1_000", "1e3", "1.5e-3", ".inf", "-.Inf", ".NaN", "null",
     "Null", "~", "True", "FALSE", "yes", "no", "on", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
     "2001-12-14 21:59:43.10", "12:30:45", "1:20", "0.", "+1", "-0", "=", "-", "<<", "<a", "123456789012",
     "9" * 19, "-" + "9" * 1001, "1example23456789", "us-east-1:1111"]
)  # fmt: skip
_TEXT = st.text(alphabet=_TRICKY, max_size=10) | _PLAIN | st.text(max_size=6)
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | _TEXT


def _nested(leaves: st.SearchStrategy[Any], keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=12,
    )


_VALUES = _nested(_SCALARS, _TEXT)


@st.composite
def _dumped(draw: st.DrawFn) -> str:
    """A value written by ruamel's emitter, in one of its styles, or as JSON."""
    value = draw(_VALUES)
    if draw(st.booleans()):
        return json.dumps(
            value,
            indent=draw(st.sampled_from([None, 0, 2, "\t"])),
            ensure_ascii=draw(st.booleans()),
            separators=draw(st.sampled_from([None, (",", ":")])),
        )
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = draw(st.sampled_from([False, True, None]))
    yaml.default_style = draw(st.sampled_from([None, "'", '"', "|", ">"]))
    yaml.width = draw(st.sampled_from([8, 20, 80]))
    yaml.allow_unicode = draw(st.booleans())
    out = io.StringIO()
    try:
        yaml.dump(value, out)
    except Exception:  # a value ruamel cannot write (a key it refuses)
        return "a: b\n"
    return out.getvalue()


# Keys near YAML's 1,024-character limit on an implicit key, and keys with escapes.
_JSON_KEYS = _TEXT | st.text(alphabet='ab"\\\u00e9\n', min_size=990, max_size=1030)
_JSON_VALUES = _nested(_SCALARS, _JSON_KEYS)


@st.composite
def _json_written(draw: st.DrawFn) -> str:
    """JSON as any writer may lay it out: blanks and breaks between tokens, NaN, long keys."""
    value = draw(_JSON_VALUES)
    item, key = draw(
        st.sampled_from(
            [(",", ":"), (", ", ": "), (",\n", " : "), (",", "\r\n:"), (",\n  ", ":\n")]
        )
    )
    return json.dumps(
        value,
        separators=(item, key),
        ensure_ascii=draw(st.booleans()),
        indent=draw(st.sampled_from([None, 1])),
    )


@st.composite
def _written(draw: st.DrawFn) -> str:
    """Lines written by hand: plain scalars as they stand, flow and block collections, anchors."""
    pairs = draw(st.lists(st.tuples(_TEXT, _PLAIN | _TEXT), max_size=5))
    style = draw(st.sampled_from(["block", "flow", "list", "anchored"]))
    if style == "block":
        return "".join(f"{k}: {v}\n" for k, v in pairs)
    if style == "flow":
        return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
    if style == "list":
        return "".join(f"- {v}\n" for _, v in pairs)
    names = [f"a{i}" for i in range(len(pairs))]
    body = "".join(f"{k}: &{n} [{v}]\n" for (k, v), n in zip(pairs, names, strict=True))
    return body + "".join(f"again{i}: *{draw(st.sampled_from(names))}\n" for i in range(2) if names)


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    """A document with characters put in or taken out, anywhere."""
    text = draw(_dumped() | _written() | _json_written())
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()) and text:
            text = text[:at] + text[at + draw(st.integers(1, 3)) :]
        else:
            text = text[:at] + draw(st.text(alphabet=_TRICKY, min_size=1, max_size=3)) + text[at:]
    return text


@given(_dumped())
def test_a_document_ruamel_or_json_wrote_is_read_as_ruamel_reads_it(text: str) -> None:
    _agrees(text)


@given(_written())
def test_plain_scalars_anchors_and_aliases_are_read_as_ruamel_reads_them(text: str) -> None:
    _agrees(text)


@given(_json_written())
def test_json_however_it_is_laid_out_is_read_as_ruamel_reads_it(text: str) -> None:
    _agrees(text)


@given(_mutated())
def test_a_damaged_document_is_read_as_ruamel_reads_it_or_declined(text: str) -> None:
    _agrees(text)


@given(st.text(alphabet=_TRICKY, max_size=40))
def test_any_text_is_read_as_ruamel_reads_it_or_declined(text: str) -> None:
    _agrees(text)


# The properties above pass if every document is declined: these must be taken.
_SIMPLE_TEXT = st.builds(
    str.__add__, st.sampled_from("abcXYZ"), st.text(alphabet="abcXYZ019 -:/*._", max_size=12)
)  # text that starts with a letter no resolver reads (a plain `.5` or `1_0` it declines)
_SIMPLE = _nested(st.none() | st.booleans() | st.integers() | _SIMPLE_TEXT, _SIMPLE_TEXT)


# Block style, and flow for leaves (ruamel's default); all flow writes `[a: 1]`, which is declined.
@given(_SIMPLE, st.sampled_from([False, None]), st.booleans())
def test_documents_of_text_integers_booleans_and_nulls_are_taken(
    value: Any, flow: bool | None, as_json: bool
) -> None:
    if as_json:
        text = json.dumps(value, indent=2)
    else:
        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = flow
        yaml.width = 4096  # libyaml refuses a key broken over two lines, which ruamel takes
        out = io.StringIO()
        yaml.dump(value, out)
        text = out.getvalue()
    assert _agrees(text), text
    if as_json:  # by the standard library's reader
        assert quickyaml._json(text, inputs.MAX_DEPTH) is not None


@pytest.mark.parametrize("name", ["pool.yaml", "pool.json"])
def test_the_bundled_pool_is_taken(name: str) -> None:
    text = (ROOT / "rules" / "pool.yaml").read_text()
    if name == "pool.json":
        text = json.dumps(_ruamel(text), indent=2)
    assert _agrees(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: !!str 1\n",  # a tag
        "%YAML 1.1\n---\na: yes\n",  # a directive: 1.1's booleans
        "--- a\n--- b\n",  # two documents
        "a: 1\na: 2\n",  # a key again: ruamel says where
        "1: x\ntrue: y\n",  # equal as Python keys
        "[a, b]: 1\n",  # a collection as a key
        "a: &x [1]\n*x : 2\n",  # an alias of one
        "a: &x [*x]\n",  # an alias inside what it names
        "a: &x 1\nb: &x 2\n",  # an anchor defined again
        "a: *nowhere\n",
        "a:\tb\n",  # ruamel refuses the tab
        "a: b\x85c\n",  # NEL: a line break to ruamel
        "a: b\u2028c\n",
        "a: b\ufeff\n",
        "a: b\x7f\n",
        "a: 0o17\n",
        "a: 1_000\n",
        "a: 017\n",
        "a: 1.5\n",
        "a: .inf\n",
        "a: 2001-12-14\n",
        "a: 1" + "0" * 1000 + "\n",  # an integer past 1,000 digits
        "b: x\n<<: {a: 1}\n",
        "k: =\n",
        "a: [" * 70 + "]" * 70 + "\n",  # deeper than the reader processes
        "a: [\n",  # libyaml refuses it: ruamel's message is the one reported
        '{"a": 1, "a": 2}',
        '{"' + "k" * 1100 + '": 1}',  # past YAML's limit on an implicit key
        '{"a"\n: 1}',  # a key's colon on the next line
        '{"a": "b\x7f"}',  # JSON takes a raw DEL, ruamel refuses it
        '{"a": "b\tc"}',
        "[" * 65 + "]" * 65,
    ],
)
def test_what_the_two_readings_may_differ_on_is_declined(text: str) -> None:
    assert quickyaml.read(text, max_depth=inputs.MAX_DEPTH) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("# nothing\n", None),
        ("a:\n", {"a": None}),
        ("a: [true, False, NULL, ~, -0, 12, nulls, truex, ~x, <a, =b]\n",
         {"a": [True, False, None, None, 0, 12, "nulls", "truex", "~x", "<a", "=b"]}),
        ("a: 1example23456789\nb: 123456789012-abc.apps.googleusercontent.com\n",
         {"a": "1example23456789", "b": "123456789012-abc.apps.googleusercontent.com"}),
        ('{"a":"x\\/y","b":"\\u00e9"}', {"a": "x/y", "b": "é"}),
        ("a: |\n  x\n  y\nb: >-\n  x\n  y\n", {"a": "x\ny\n", "b": "x y"}),
        ("a: 1\r\nb: 2\r\n", {"a": 1, "b": 2}),
    ],
)  # fmt: skip
def test_what_it_takes_is_ruamel_reading(text: str, expected: Any) -> None:
    assert _agrees(text)
    assert quickyaml.read(text, max_depth=inputs.MAX_DEPTH) == (expected,)


@pytest.mark.parametrize("length", range(1018, 1030))
@pytest.mark.parametrize(
    "layout",
    ['{{"{k}": 1}}', "{{{k}: 1}}", "- {{{k}: 1}}", "{k}: 1", '"{k}": 1', '[{{"{k}" : 1}}]'],
)
def test_a_key_near_yamls_limit_on_an_implicit_key_is_read_as_ruamel_reads_it(
    length: int, layout: str
) -> None:
    # ruamel refuses a key whose colon is more than 1,024 characters from its start; what it
    # reads, libyaml's reading takes (its limit is the same).
    text = layout.format(k="k" * length)
    try:
        _ruamel(text)
    except Exception:  # its refusal
        ruamel_reads = False
    else:
        ruamel_reads = True
    assert _agrees(text) == ruamel_reads


def test_an_alias_is_the_value_it_names_so_its_expansion_is_counted() -> None:
    read = quickyaml.read("a: &x [1, 2]\nb: *x\n", max_depth=inputs.MAX_DEPTH)
    assert read is not None
    assert read[0]["a"] is read[0]["b"]


def test_without_libyaml_every_document_is_read_by_ruamel(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    assert quickyaml.read("a: 1\n", max_depth=inputs.MAX_DEPTH) is None
    data, lined = inputs.yaml_data("a: 1\n", "f.yaml")
    assert data == {"a": 1}
    assert not lined
