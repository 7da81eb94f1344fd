"""Reading untrusted input (simulator.inputs): every file and parser is bounded, and every failure is
a ConfigError or ClaimsError naming the file and the position, never a traceback."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator import inputs
from simulator.errors import ClaimsError, ConfigError
from simulator.model import load_pool
from simulator.model.document import parse_text, plain, read_file

POOL_ID = "IdentityPoolId: us-east-1:11111111-2222-3333-4444-555555555555\n"


def _bomb(levels: int = 8, width: int = 9) -> str:
    """The 'billion laughs' document: each anchor is a list of `width` aliases of the previous."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_a_yaml_alias_bomb_is_refused_before_it_is_expanded() -> None:
    start = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        parse_text(POOL_ID + "Policies:\n  - " + _bomb().replace("\n", "\n    "), "pool.yaml")
    assert "aliases expand to more than 100,000" in info.value.message
    assert info.value.file == "pool.yaml"
    assert info.value.line is not None
    # 9**8 values if expanded; refused after the budget (a loose bound, not a timing test).
    assert time.perf_counter() - start < 30


def test_aliases_within_the_budget_are_ordinary_yaml() -> None:
    doc = parse_text("base: &b [x, y]\nagain: *b\n", "f.yaml")
    assert plain(doc.data) == {"base": ["x", "y"], "again": ["x", "y"]}


def test_aliases_that_nest_too_deep_say_so() -> None:
    chain = "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 70))
    with pytest.raises(ConfigError) as info:
        parse_text(chain, "f.yaml")
    assert (
        info.value.message == "nested more than 64 levels deep"
    )  # counting what aliases stand for


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (POOL_ID + "x: " + "[" * 5000 + "]" * 5000 + "\n", 2),  # RecursionError in the parser
        (POOL_ID + "x: " + "[" * 100 + "]" * 100 + "\n", 2),  # parses, but too deep to process
    ],
)
def test_deep_yaml_is_refused_with_its_line(text: str, line: int) -> None:
    with pytest.raises(ConfigError) as info:
        parse_text(text, "pool.yaml")
    assert "nested more than 64 levels deep" in info.value.message
    assert info.value.line == line


@pytest.mark.parametrize("depth", [65, 900, 100_000])
def test_deep_json_is_refused_with_its_position(depth: int) -> None:
    text = '{"iss": "x",\n "a": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(ClaimsError) as info:
        inputs.parse_json(text, "claims.json", inputs.CLAIMS)
    assert "nested more than 64 levels deep" in info.value.message
    assert info.value.message.startswith("line 2, column 70:")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"exp": NaN}', "NaN is not a JSON number"),
        ('{"exp": -Infinity}', "-Infinity is not a JSON number"),
        ('{"x": "1e999", "exp": 1e999}', "the number 1e999 is too large for a double"),
        ('{"n": ' + "1" * 5000 + "}", "a number with more than 4,300 digits"),
        ('{"sub": "\\ud800"}', "lone UTF-16 surrogate"),
        ('{"sub": "a",', "not valid JSON: Expecting property name"),
    ],
)
def test_json_that_python_would_accept_loosely_or_crash_on_is_refused(
    text: str, message: str
) -> None:
    with pytest.raises(ClaimsError) as info:
        inputs.parse_json(text, "claims.json", inputs.CLAIMS)
    assert message in info.value.message
    assert "column" in info.value.message


def test_a_surrogate_pair_is_one_character_and_fine() -> None:
    assert inputs.parse_json('{"e": "\\ud83d\\ude00"}', "c", inputs.CLAIMS) == {"e": "😀"}


@pytest.mark.parametrize(
    "text",
    [
        POOL_ID + "AccountId: " + "1" * 5000 + "\n",
        POOL_ID + "when: 2024-13-45\n",
        POOL_ID + 'name: "\\ud800"\n',
        POOL_ID + "? [a, b]\n: c\n",
    ],
)
def test_yaml_values_that_crash_conversion_are_refused(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_text(text, "pool.yaml")
    assert info.value.file == "pool.yaml"


def test_non_utf8_bytes_name_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "pool.yaml"
    path.write_bytes(POOL_ID.encode() + b"IdentityPoolName: caf\xe9\n")
    with pytest.raises(ConfigError) as info:
        read_file(path)
    assert info.value.line == 2
    assert "column 22: not UTF-8 text: byte 0xe9" in info.value.message


def test_utf16_is_recognised_and_a_utf8_bom_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "pool.json"
    path.write_text('{"a": 1}', encoding="utf-16")
    with pytest.raises(ConfigError, match="looks like UTF-16"):
        read_file(path)
    path.write_bytes(b"\xef\xbb\xbf" + POOL_ID.encode())
    assert read_file(path).data["IdentityPoolId"].startswith("us-east-1:")


def test_oversize_input_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "claims.json"
    path.write_bytes(b" " * (2 * inputs.MiB))
    with pytest.raises(ClaimsError) as info:
        inputs.read_text(path, inputs.CLAIMS)
    assert "larger than 1 MiB" in info.value.message
    assert "at most 50,000 characters [service model]" in info.value.message


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("x" * 5000, "cannot read: File name too long"),
        ("no/such/file", "file not found"),
        (".", "is a directory"),
        ("a\0b", "not a usable path"),
    ],
)
def test_paths_the_os_refuses_are_messages(path: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_pool(path)
    assert message in info.value.message


def test_a_long_line_is_cut_so_that_it_alone_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(b'{"a": 1}\n' + b"x" * (3 * inputs.MiB) + b'\n{"b": 2}\n')
    with inputs.open_lines(path, inputs.CORPUS_LINE) as lines:
        got = list(lines)
    assert [len(line) for line in got] == [9, inputs.MiB + 1, 9]
    with pytest.raises(ClaimsError, match="the line is larger than 1 MiB"):
        inputs.line_text(got[1], str(path), inputs.CORPUS_LINE)


# Every JSON value within the bounds reads back as itself; any text at all reads or is refused.
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)  # fmt: skip


@given(_JSON)
def test_strict_json_reads_every_json_value_back(value: Any) -> None:
    text = json.dumps(value)
    assert inputs.parse_json(text, "v.json", inputs.DOCUMENT) == value


@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_read_back_as_json_would_or_are_refused_naming_the_source(data: bytes) -> None:
    try:
        value = inputs.parse_json(
            inputs.decode(data, "in.json", inputs.CLAIMS), "in.json", inputs.CLAIMS
        )
    except ClaimsError as exc:
        assert str(exc).startswith("in.json: ")
    else:
        assert value == json.loads(data.decode("utf-8-sig"))
    try:
        parse_text(inputs.decode(data, "in.yaml", inputs.DOCUMENT), "in.yaml")
    except ConfigError as exc:
        assert exc.file == "in.yaml"


def test_a_json_document_with_a_character_escaped_as_a_utf16_pair_loads() -> None:
    # json.dumps writes U+1F600 as "\ud83d\ude00"; JSON means the one character, while YAML's
    # reader would decode each half alone (then refused as a lone surrogate).
    from simulator.model.document import parse_text

    doc = parse_text(json.dumps({"IdentityPoolName": "pool \U0001f600"}), "p.json")
    assert doc.data["IdentityPoolName"] == "pool \U0001f600"
    literal = parse_text(json.dumps({"k": "\\ud83d\\ude00"}), "p.json")
    assert literal.data["k"] == "\\ud83d\\ude00"  # an escaped backslash stays text
    # JSON the quick reading declines (a tab between tokens) is joined for ruamel all the same.
    tabbed = parse_text('{\t"k": "\\ud83d\\ude00"}', "p.json")
    assert tabbed.data["k"] == "\U0001f600"


@pytest.mark.parametrize("reading", [inputs.yaml_data, inputs.load_yaml])
def test_backslashes_outside_double_quotes_in_flow_yaml_are_text(reading: Any) -> None:
    # Only a double-quoted scalar has escapes; YAML in flow style is not JSON (single quotes,
    # plain scalars), and what it writes as `\ud83d\ude00` there is those twelve characters.
    text = "{'k': 'x\\ud83d\\ude00', p: a\\ud83d\\ude00}\n"
    data = reading(text, "f.yaml")
    found = data[0] if isinstance(data, tuple) else data
    assert dict(found) == {"k": "x\\ud83d\\ude00", "p": "a\\ud83d\\ude00"}


# --- the quick YAML reading (inputs.yaml_data) is the round-trip reading's data -------------------


def _shape(value: Any) -> Any:
    """Parsed data with the round-trip loader's subclasses (CommentedMap, ScalarFloat, TimeStamp…)
    seen as what they are, keeping order and types: two readings agree when their shapes do."""
    if isinstance(value, dict):
        return ("map", [(_shape(k), _shape(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_shape(v) for v in value])
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return (kind.__name__, repr(kind(value)))
    if value is None:
        return ("null",)
    return (type(value).__mro__[-2].__name__, repr(value))


def _both_readings_agree(text: str) -> None:
    try:
        quick, lined = inputs.yaml_data(text, "f.yaml")
    except ConfigError:
        return  # refused: by the round-trip loader, whose message it is
    if lined:
        return  # the round-trip loader read it
    assert _shape(quick) == _shape(inputs.load_yaml(text, "f.yaml"))


@pytest.mark.parametrize("as_json", [False, True])
def test_a_pool_file_is_read_quickly_and_as_the_round_trip_reading(as_json: bool) -> None:
    # The properties below accept a document the quick reading declines; this one it must take.
    text = (Path(__file__).resolve().parents[2] / "rules" / "pool.yaml").read_text()
    if as_json:
        text = json.dumps(plain(inputs.load_yaml(text, "pool.yaml")), indent=2)
    quick, lined = inputs.yaml_data(text, "pool")
    assert not lined
    assert _shape(quick) == _shape(inputs.load_yaml(text, "pool"))


def test_an_exclamation_mark_that_is_no_tag_leaves_the_document_to_the_quick_reading() -> None:
    text = "Description: 'Hello!'\nName: x!y\nKey: '<<'\n"
    data, lined = inputs.yaml_data(text, "f.yaml")
    assert not lined
    assert _shape(data) == _shape(inputs.load_yaml(text, "f.yaml"))


@pytest.mark.parametrize("text", ["a: !!str 1\n", "b: &b {x: 1}\nc:\n  <<: *b\n", "k: =\n"])
def test_tags_merge_keys_and_what_the_safe_loader_refuses_are_read_round_trip(text: str) -> None:
    data, lined = inputs.yaml_data(text, "f.yaml")
    assert lined
    assert _shape(data) == _shape(inputs.load_yaml(text, "f.yaml"))


_SCALAR_TEXT = st.text(alphabet="0123456789+-._:eExobTZ~ntrulfasyNF ", max_size=12) | st.sampled_from(
    ["0o17", "0x1F", "0b101", "017", "1_000", "1e3", "1.5e-3", ".inf", "-.Inf", ".NaN", "null",
     "Null", "~", "True", "yes", "no", "on", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
     "2001-12-14 21:59:43.10", "12:30:45", "1:20", "0.", "+1", "=", "-"]
)  # fmt: skip


@given(st.lists(st.tuples(st.sampled_from(["k", "a b", "1", "x:y"]), _SCALAR_TEXT), max_size=6))
def test_quick_reading_resolves_every_plain_scalar_as_the_round_trip_reading(
    pairs: list[tuple[str, str]],
) -> None:
    _both_readings_agree("".join(f"{key}: {value}\n" for key, value in pairs))
    _both_readings_agree("[" + ", ".join(value for _, value in pairs) + "]\n")
    _both_readings_agree("- " + "\n- ".join(value for _, value in pairs) + "\n")


_YAML_TEXT = st.text(alphabet="ab1 -:[]{},#&*'\"|>?\n\t%@`.~0\\", max_size=60)


@given(_YAML_TEXT)
def test_quick_reading_of_any_text_is_the_round_trip_reading_or_declines(text: str) -> None:
    _both_readings_agree(text)


@given(_JSON, st.sampled_from([None, True, False]), st.integers(1, 4))
def test_quick_reading_of_dumped_data_is_the_round_trip_reading(
    value: Any, flow: bool | None, indent: int
) -> None:
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    yaml.indent = indent + 1
    out = io.StringIO()
    yaml.dump(value, out)
    _both_readings_agree(out.getvalue())
    _both_readings_agree(json.dumps(value, indent=indent))
