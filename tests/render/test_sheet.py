"""The plain writer of a sheet prints what rich prints, byte for byte, colours included, wherever it
takes the sheet; pipes, files and terminals take it, what only rich knows how to lay out goes to
rich (tests/cli/test_startup.py checks that a text command then loads no rich console)."""

from __future__ import annotations

import io

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from simulator.render import sheet
from simulator.render.console import SafeConsole
from simulator.render.sheet import Line, Table
from simulator.render.terminal import TrimmedLines, styles, treated_as_terminal

# Letters and runs of spaces, with what the plain writer must refuse or escape: control and
# format characters, wide, combining and joining characters, blanks other than the space.
_ODD = "é漢\u0301\u200d\u3000\u00a0\t\n\x1b\u202e👍🏽"
text = st.text(st.sampled_from("ab cdefgh  ij-:/[]\\" + _ODD), max_size=60)
# Short words, which columns that fit keep whole.
plain_words = st.lists(
    st.text(st.sampled_from("abcdefgh-:/é"), min_size=1, max_size=8), max_size=8
).map(" ".join)
style = st.sampled_from(["", *sheet._SGR])


def spans(
    strategy: st.SearchStrategy[str], most: int = 3
) -> st.SearchStrategy[tuple[sheet.Span, ...]]:
    return st.lists(st.tuples(strategy, style), min_size=1, max_size=most).map(tuple)


def lines(strategy: st.SearchStrategy[str], narrowest: int) -> st.SearchStrategy[Line]:
    label = spans(st.text("ab :", max_size=12))
    body = spans(strategy, 1 if narrowest else 3)  # pieces run together make wider words
    return st.builds(Line, label, body, st.integers(narrowest, 16)).filter(
        lambda line: sum(len(t) for t, _ in line.label) <= max(line.width, narrowest)
    )


@st.composite
def tables(draw: st.DrawFn, strategy: st.SearchStrategy[str], fitting: bool) -> Table:
    n = draw(st.integers(1, 5))
    columns = tuple(
        draw(
            st.lists(
                st.text("abc" if fitting else "abc ", min_size=1, max_size=12),
                min_size=n,
                max_size=n,
            )
        )
    )
    cells = st.lists(spans(strategy, 1 if fitting else 3), min_size=n, max_size=n).map(tuple)
    rows = draw(st.lists(cells, min_size=1 if fitting else 0, max_size=4))
    order = draw(st.permutations(range(n)))
    shrink = tuple(order[: n if fitting else draw(st.integers(0, n))])
    return Table(columns, tuple(rows), shrink, draw(st.integers(0, 3)))


def sheets(
    strategy: st.SearchStrategy[str], narrowest: int = 0
) -> st.SearchStrategy[list[sheet.Block]]:
    blocks = st.one_of(lines(strategy, narrowest), tables(strategy, fitting=narrowest > 0))
    return st.lists(blocks, min_size=1, max_size=4)


def by_rich(blocks: list[sheet.Block], width: int, colours: str | None = None) -> str:
    """What rich prints to a file, or with `colours`, to a terminal of that colour system."""
    out = io.StringIO()
    stream = TrimmedLines(out)
    terminal = {"force_terminal": True, "color_system": colours} if colours else {}
    with styles(enabled=True):
        console = SafeConsole(file=stream, soft_wrap=True, width=width, **terminal)  # type: ignore[arg-type]
        sheet.write_rich(blocks, console)
    stream.flush()
    return out.getvalue()


colour_systems = st.sampled_from(["standard", "256", "truecolor"])


@settings(max_examples=300, deadline=None)
@given(sheets(text), st.integers(1, 120))
def test_the_plain_writer_prints_what_rich_prints_wherever_it_takes_the_sheet(
    blocks: list[sheet.Block], width: int
) -> None:
    plain = sheet.plain_text(blocks, width)
    if plain is not None:
        assert plain == by_rich(blocks, width)


@settings(max_examples=300, deadline=None)
@given(sheets(text), st.integers(1, 120), colour_systems)
def test_with_styles_it_writes_the_escape_sequences_rich_writes_to_a_colour_terminal(
    blocks: list[sheet.Block], width: int, colours: str
) -> None:
    styled = sheet.plain_text(blocks, width, styled=True)
    if styled is not None:
        assert styled == by_rich(blocks, width, colours)


@settings(max_examples=200, deadline=None)
@given(sheets(plain_words, narrowest=12), st.integers(60, 200), colour_systems)
def test_single_cell_text_that_fits_its_columns_is_laid_out_plainly(
    blocks: list[sheet.Block], width: int, colours: str
) -> None:
    # Labels fit their column; a table's columns may all shrink, down to their longest word.
    assume(all(_words_fit(b, width) for b in blocks if isinstance(b, Table)))
    plain = sheet.plain_text(blocks, width)
    styled = sheet.plain_text(blocks, width, styled=True)
    assert plain is not None
    assert styled is not None
    assert plain == by_rich(blocks, width)
    assert styled == by_rich(blocks, width, colours)


def _words_fit(table: Table, width: int) -> bool:
    widths = sheet.column_widths(table, width)
    cells = [table.columns, *(tuple("".join(t for t, _ in c) for c in row) for row in table.rows)]
    return sum(widths) + table.gap * (len(widths) - 1) <= width and all(
        len(word) <= w
        for row in cells
        for text, w in zip(row, widths, strict=True)
        for word in text.split()
    )


def test_a_style_it_does_not_know_goes_to_rich_where_styles_are_shown() -> None:
    blocks: list[sheet.Block] = [Line(sheet.span("Label"), sheet.span("x", "underline blue"), 8)]
    assert sheet.plain_text(blocks, 80, styled=True) is None
    assert sheet.plain_text(blocks, 80) == "Label   x\n"


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


_WIDE: list[sheet.Block] = [
    Line(sheet.span("Label"), (("word " * 30, "bold green"), ("end", "")), 8),
    Table(("a", "b"), ((sheet.span("x y", "green"), sheet.span("zz")),), (0,), 2),
]
_ENV = ("COLUMNS", "FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "TERM")


@pytest.mark.parametrize(
    ("tty", "env", "enabled", "plain", "coloured"),
    [
        (False, {}, True, True, False),
        (False, {"COLUMNS": "60"}, True, True, False),
        (True, {}, True, True, True),
        (True, {"COLUMNS": "70", "TERM": "xterm-256color"}, True, True, True),
        (True, {"COLUMNS": "70"}, False, True, False),
        (True, {"TERM": "dumb"}, True, False, False),
        (True, {"NO_COLOR": "1"}, True, False, False),
        (False, {"FORCE_COLOR": "1"}, True, False, True),
        (False, {"TTY_COMPATIBLE": "1"}, True, False, True),
        (True, {"TTY_COMPATIBLE": "0"}, True, False, False),
    ],
    ids=[
        "pipe", "pipe-with-columns", "terminal", "256-colour-terminal", "terminal-no-styles",
        "dumb-terminal", "no-color-only-rich-reads", "force-color", "tty-compatible",
        "terminal-rich-takes-for-none",
    ],
)  # fmt: skip
def test_what_the_plain_writer_takes_it_prints_as_rich_does_and_the_rest_goes_to_rich(
    tty: bool,
    env: dict[str, str],
    enabled: bool,
    plain: bool,
    coloured: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from simulator.render.base import console_for

    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    taken: list[bool] = []
    original = sheet.plain_text
    monkeypatch.setattr(
        sheet,
        "plain_text",
        lambda *a, **k: taken.append(True) or original(*a, **k),  # type: ignore[func-returns-value]
    )
    written, expected = _Stream(tty), _Stream(tty)
    with styles(enabled=enabled):
        sheet.write(_WIDE, written)
        console = console_for(expected)
        sheet.write_rich(_WIDE, console)
        console.file.flush()
    assert bool(taken) is plain
    assert written.getvalue() == expected.getvalue()
    assert ("\x1b[1;32m" in written.getvalue()) is coloured


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
