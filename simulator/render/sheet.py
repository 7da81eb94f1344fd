"""A text trace's layout: labelled lines and tables, printed by rich or, where rich would print no
style, by a plain writer that gives rich's bytes without importing rich's console (that import is
most of a text command's start-up).

The plain writer takes only what it lays out exactly as rich does: text whose every character is one
cell wide with the space as its only blank, labels that fit their column, tables whose columns fit
the line. It wraps with rich's own line breaker. Anything else, and every real terminal (colours,
its own width), goes to rich. tests/render/test_sheet.py holds the two writers to the same bytes.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

import msgspec

from simulator.render.terminal import printable, treated_as_terminal

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

Span = tuple[str, str]  # (text, rich style); the style is ignored where nothing is coloured
Cell = tuple[Span, ...]


class Line(msgspec.Struct, frozen=True):
    """`label  body`, the label in a column `width` wide; a long body wraps under itself."""

    label: tuple[Span, ...]
    body: tuple[Span, ...]
    width: int


class Table(msgspec.Struct, frozen=True):
    """A header and rows without borders, `gap` spaces between columns. Each column is as wide as
    its widest cell if all fit; else the columns of `shrink` give up width in turn (fit_columns)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    shrink: tuple[int, ...]
    gap: int


Block = Line | Table


def span(text: str, style: str = "") -> tuple[Span, ...]:
    return ((text, style),)


def write(blocks: Sequence[Block], stream: IO[str]) -> None:
    width = _plain_width(stream)
    if width is not None:
        text = plain_text(blocks, width)
        if text is not None:
            stream.write(text)
            return
    from simulator.render.base import console_for

    write_rich(blocks, console_for(stream))


def _plain_width(stream: IO[str]) -> int | None:
    """The width rich lays `stream` out at when it is no terminal (no escape sequence, no terminal
    size); None for a terminal, or what rich takes for one (FORCE_COLOR, TTY_COMPATIBLE=1).

    Mirrors simulator.render.base.console_for: 200 columns unless COLUMNS says otherwise.
    """
    tty = hasattr(stream, "isatty") and stream.isatty()
    if sys.platform == "win32" or tty or treated_as_terminal(stream):
        return None
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() else 200


def cell_width(text: str) -> int:
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def column_widths(table: Table, width: int) -> list[int]:
    cells = [table.columns, *(tuple(_joined(cell) for cell in row) for row in table.rows)]
    n = len(table.columns)
    natural = [max(cell_width(c[i]) for c in cells) for i in range(n)]
    longest_word = [max(len(w) for c in cells for w in (c[i].split() or [""])) for i in range(n)]
    return fit_columns(natural, longest_word, width - table.gap * n, table.shrink)


def fit_columns(
    natural: list[int], minimum: list[int], available: int, shrink: Sequence[int]
) -> list[int]:
    """Column widths within `available`: each at its natural width if all fit; else the columns
    of `shrink` give up width in turn down to their longest word (so text wraps at spaces), and
    only then all of them alike, in proportion (a word is then folded, never cut)."""
    widths = list(natural)
    for i in shrink:
        excess = sum(widths) - available
        if excess <= 0:
            return widths
        widths[i] = max(minimum[i], widths[i] - excess)
    excess = sum(widths) - available
    share = sum(widths[i] for i in shrink)
    if excess > 0 and share:
        for i in shrink:
            widths[i] = max(1, widths[i] - -(-excess * widths[i] // share))
    return widths


def _joined(pieces: Sequence[Span]) -> str:
    return printable("".join(text for text, _ in pieces))


# --- the plain writer ------------------------------------------------------------------------


class _NotPlainError(Exception):
    """Something rich lays out in a way the plain writer does not copy."""


def plain_text(blocks: Sequence[Block], width: int) -> str | None:
    """The blocks as rich prints them `width` columns wide without styles (trailing spaces
    trimmed, as simulator.render.terminal.TrimmedLines does), or None where it would differ."""
    out: list[str] = []
    try:
        for block in blocks:
            if isinstance(block, Line):
                _plain_line(block, width, out)
            else:
                _plain_table(block, width, out)
    except _NotPlainError:
        return None
    return "".join(line.rstrip(" ") + "\n" for line in out)


def _simple(text: str) -> str:
    """`text` if each character is one cell and the space is its only blank, else _NotPlainError."""
    if text.isascii():
        return text  # printable() escaped every ASCII control character
    from rich.cells import cell_len, get_character_cell_size

    for c in text:
        if (c != " " and c.isspace()) or get_character_cell_size(c) != 1:
            raise _NotPlainError
    if cell_len(text) != len(text):  # graphemes that join
        raise _NotPlainError
    return text


def _wrapped(text: str, width: int) -> list[str]:
    """`text` in lines at most `width` wide, broken where rich breaks it (overflow "fold")."""
    if len(text) <= width:
        return [text]
    from rich._wrap import divide_line

    cuts = [0, *divide_line(text, width, fold=True), len(text)]
    return [text[a:b][:width] for a, b in itertools.pairwise(cuts)]


def _plain_line(line: Line, width: int, out: list[str]) -> None:
    label, body = _simple(_joined(line.label)), _simple(_joined(line.body))
    room = width - line.width
    if len(label) > line.width or line.width < 1 or room < 1:
        raise _NotPlainError
    pieces = _wrapped(body, room)
    out.append(label.ljust(line.width) + pieces[0])
    out.extend(" " * line.width + piece for piece in pieces[1:])


def _plain_table(table: Table, width: int, out: list[str]) -> None:
    widths = column_widths(table, width)
    if min(widths) < 1 or sum(widths) + table.gap * (len(widths) - 1) > width:
        raise _NotPlainError
    rows = (table.columns, *(tuple(_joined(cell) for cell in r) for r in table.rows))
    for header, row in zip((True, *(False for _ in table.rows)), rows, strict=True):
        cells = [_wrapped(_simple(printable(t)), w) for t, w in zip(row, widths, strict=True)]
        height = max(len(c) for c in cells)
        # rich aligns the header's cells to the bottom, the others to the top.
        cells = [[""] * (height - len(c)) + c if header else c for c in cells]
        for i in range(height):
            out.append(
                (" " * table.gap).join(
                    (c[i] if i < len(c) else "").ljust(w)
                    for c, w in zip(cells, widths, strict=True)
                )
            )


# --- the rich writer -------------------------------------------------------------------------


def write_rich(blocks: Sequence[Block], console: Console) -> None:
    from rich.table import Table as RichTable

    from simulator.render.base import hanging

    for block in blocks:
        if isinstance(block, Line):
            hanging(console, _text(block.label), _text(block.body), width=block.width)
            continue
        widths = column_widths(block, console.width)
        table = RichTable(box=None, pad_edge=False, header_style="", padding=(0, block.gap, 0, 0))
        for name, w in zip(block.columns, widths, strict=True):
            table.add_column(name, width=w, overflow="fold")
        for row in block.rows:
            table.add_row(*(_text(cell) for cell in row))
        console.print(table)


def _text(pieces: Sequence[Span]) -> Text:
    from rich.text import Text

    from simulator.render.console import safe_text

    return safe_text(Text.assemble(*pieces))
