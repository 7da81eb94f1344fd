"""The plain writer of a sheet prints what rich prints, byte for byte, wherever it takes the sheet;
pipes and files take it, terminals and forced colour go to rich (tests/cli/test_startup.py checks
that a text command then loads no rich)."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.render import sheet
from simulator.render.console import SafeConsole
from simulator.render.sheet import Line, Table
from simulator.render.terminal import TrimmedLines, styles, treated_as_terminal

# Letters and runs of spaces, with what the plain writer must refuse or escape: control and
# format characters, wide, combining and joining characters, blanks other than the space.
_ODD = "é漢\u0301\u200d\u3000\u00a0\t\n\x1b\u202e👍🏽"
text = st.text(st.sampled_from("ab cdefgh  ij-:/[]\\" + _ODD), max_size=60)
plain_words = st.text(st.sampled_from("abcdefgh -:/é"), max_size=60)
style = st.sampled_from(["", "bold green", "dim", "yellow"])


def spans(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[tuple[sheet.Span, ...]]:
    return st.lists(st.tuples(strategy, style), min_size=1, max_size=3).map(tuple)


def lines(strategy: st.SearchStrategy[str], narrowest: int) -> st.SearchStrategy[Line]:
    label = spans(st.text("ab :", max_size=12))
    return st.builds(Line, label, spans(strategy), st.integers(narrowest, 16)).filter(
        lambda line: sum(len(t) for t, _ in line.label) <= max(line.width, narrowest)
    )


@st.composite
def tables(draw: st.DrawFn, strategy: st.SearchStrategy[str], fitting: bool) -> Table:
    n = draw(st.integers(1, 5))
    columns = tuple(
        draw(st.lists(st.text("abc ", min_size=1, max_size=12), min_size=n, max_size=n))
    )
    rows = draw(st.lists(st.lists(spans(strategy), min_size=n, max_size=n).map(tuple), max_size=4))
    order = draw(st.permutations(range(n)))
    shrink = tuple(order[: n if fitting else draw(st.integers(0, n))])
    return Table(columns, tuple(rows), shrink, draw(st.integers(0, 3)))


def sheets(
    strategy: st.SearchStrategy[str], narrowest: int = 0
) -> st.SearchStrategy[list[sheet.Block]]:
    blocks = st.one_of(lines(strategy, narrowest), tables(strategy, fitting=narrowest > 0))
    return st.lists(blocks, min_size=1, max_size=4)


def by_rich(blocks: list[sheet.Block], width: int) -> str:
    out = io.StringIO()
    stream = TrimmedLines(out)
    sheet.write_rich(blocks, SafeConsole(file=stream, soft_wrap=True, width=width))
    stream.flush()
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(sheets(text), st.integers(1, 120))
def test_the_plain_writer_prints_what_rich_prints_wherever_it_takes_the_sheet(
    blocks: list[sheet.Block], width: int
) -> None:
    plain = sheet.plain_text(blocks, width)
    if plain is not None:
        assert plain == by_rich(blocks, width)


@settings(max_examples=200, deadline=None)
@given(sheets(plain_words, narrowest=12), st.integers(60, 200))
def test_single_cell_text_that_fits_its_columns_is_laid_out_plainly(
    blocks: list[sheet.Block], width: int
) -> None:
    # Labels fit their column and every column of a table may shrink, so every sheet here fits.
    plain = sheet.plain_text(blocks, width)
    assert plain is not None
    assert plain == by_rich(blocks, width)


@pytest.mark.parametrize(
    "body",
    ["漢字", "e\u0301", "a\u3000b", "👍🏽"],
    ids=["wide", "combining", "ideographic-space", "emoji-modifier"],
)
def test_characters_not_one_cell_wide_go_to_rich(body: str) -> None:
    blocks: list[sheet.Block] = [Line(sheet.span("Label"), sheet.span(body), 8)]
    assert sheet.plain_text(blocks, 80) is None


def test_a_label_wider_than_its_column_goes_to_rich() -> None:
    assert sheet.plain_text([Line(sheet.span("a long label"), sheet.span("x"), 5)], 80) is None


def test_trailing_spaces_beyond_a_cell_do_not_push_the_next_column() -> None:
    table = Table(("a", "b"), ((sheet.span("ab" + " " * 9), sheet.span("next")),), (0,), 2)
    blocks: list[sheet.Block] = [table]
    assert sheet.plain_text(blocks, 12) == by_rich(blocks, 12) == "a     b\nab    next\n"


def test_a_table_wider_than_the_line_goes_to_rich() -> None:
    table = Table(("a", "b"), ((sheet.span("x" * 50), sheet.span("y" * 50)),), (), 2)
    assert sheet.plain_text([table], 40) is None


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


_WIDE = [Line(sheet.span("Label"), sheet.span("word " * 30, "bold green"), 8)]


@pytest.mark.parametrize(
    ("tty", "env", "plain"),
    [
        (False, {}, True),
        (False, {"COLUMNS": "60"}, True),
        (True, {}, False),
        (False, {"FORCE_COLOR": "1"}, False),
        (False, {"TTY_COMPATIBLE": "1"}, False),
    ],
    ids=["pipe", "pipe-with-columns", "terminal", "force-color", "tty-compatible"],
)
def test_only_output_rich_would_not_colour_takes_the_plain_writer(
    tty: bool, env: dict[str, str], plain: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("COLUMNS", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    taken: list[bool] = []
    original = sheet.plain_text
    monkeypatch.setattr(
        sheet,
        "plain_text",
        lambda b, w: taken.append(True) or original(b, w),  # type: ignore[func-returns-value]
    )
    stream = _Stream(tty)
    with styles(enabled=True):
        sheet.write(_WIDE, stream)
    assert bool(taken) is plain
    width = int(env.get("COLUMNS", "200"))
    if plain:
        assert stream.getvalue() == by_rich(_WIDE, width)
    if "FORCE_COLOR" in env or "TTY_COMPATIBLE" in env:
        assert "\x1b[" in stream.getvalue()  # rich coloured it, as the user asked


@pytest.mark.parametrize(
    ("env", "tty", "terminal"),
    [
        ({}, False, False),
        ({}, True, True),
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": ""}, True, False),  # rich: set but empty turns detection off
        ({"FORCE_COLOR": ""}, False, False),
        ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, True, False),
        ({"TTY_COMPATIBLE": "1"}, False, True),
    ],
)
def test_what_counts_as_a_terminal_is_what_rich_says(
    env: dict[str, str], tty: bool, terminal: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stream = _Stream(tty)
    assert treated_as_terminal(stream) is terminal
    assert Console(file=stream).is_terminal is terminal
