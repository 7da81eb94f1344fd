"""A text trace's layout: labelled lines and tables, printed by rich or by a plain writer that gives
rich's bytes, colours included, without importing rich's console (that import is most of a text
command's start-up).

The plain writer takes only what it lays out exactly as rich does: text whose every character is one
cell wide with the space as its only blank, the styles of _SGR, labels that fit their column,
tables whose columns fit the line, and a console whose width and styling it knows (_plain_layout).
It wraps with rich's own line breaker. Anything else goes to rich. tests/render/test_sheet.py holds
the two writers to the same bytes, with styles and without.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

import msgspec

from simulator.render.terminal import (
    FILE_WIDTH,
    escape_character,
    printable,
    styles_enabled,
    treated_as_terminal,
    unsafe_character,
)

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
    layout = _plain_layout(stream)
    if layout is not None:
        text = plain_text(blocks, layout[0], styled=layout[1])
        if text is not None:
            stream.write(text)
            return
    from simulator.render.base import console_for

    write_rich(blocks, console_for(stream))


def _plain_layout(stream: IO[str]) -> tuple[int, bool] | None:
    """The width and styling rich's console (simulator.render.base.console_for) would give
    `stream`, where the plain writer can copy them; None where only rich can.

    A pipe or file: FILE_WIDTH columns unless COLUMNS says otherwise, no styles. A terminal: COLUMNS, or
    the size of the first of stdin, stdout and stderr that is a terminal, or 80; styles unless
    they are off. Left to rich: what it takes for a terminal without being one (FORCE_COLOR,
    TTY_COMPATIBLE=1), a terminal it takes for none, a dumb terminal, NO_COLOR only rich reads
    (colour off, emphasis on), Windows consoles and notebooks.
    """
    if sys.platform == "win32" or "IPython" in sys.modules:
        return None
    env = os.environ
    tty = hasattr(stream, "isatty") and bool(stream.isatty())
    if treated_as_terminal(stream) is not tty:
        return None
    columns = env.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() else None
    if not tty:
        return (FILE_WIDTH if width is None else width), False
    if env.get("TERM", "").lower() in ("dumb", "unknown"):
        return None
    styled = styles_enabled()
    if styled and env.get("NO_COLOR", "") != "":
        return None
    if width is None:
        for fd in (0, 1, 2):
            try:
                width = os.get_terminal_size(fd).columns
                break
            except (AttributeError, ValueError, OSError):
                continue
    return width or 80, styled


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


def plain_text(blocks: Sequence[Block], width: int, *, styled: bool = False) -> str | None:
    """The blocks as rich prints them `width` columns wide, with styles as a colour terminal gets
    them or without (trailing spaces trimmed, as simulator.render.terminal.TrimmedLines does), or
    None where rich would print otherwise."""
    out: list[str] = []
    try:
        for block in blocks:
            if isinstance(block, Line):
                _plain_line(block, width, styled, out)
            else:
                _plain_table(block, width, styled, out)
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


def _bounds(text: str, width: int) -> list[tuple[int, int]]:
    """Where `text`'s lines start and end at most `width` wide, broken where rich 15 breaks it
    (overflow "fold"; what passes the width at a break is spaces, and rich cuts it)."""
    if len(text) <= width:
        return [(0, len(text))]
    from rich._wrap import divide_line

    cuts = [0, *divide_line(text, width, fold=True), len(text)]
    return [(a, min(b, a + width)) for a, b in itertools.pairwise(cuts)]


# The SGR parameters of the styles sheets use, as rich writes them (attributes, then colour); the
# standard colours are the same whatever colour system rich detects. Another style goes to rich.
_SGR = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "magenta": "35",
    "cyan": "36",
    "bold red": "1;31",
    "bold green": "1;32",
    "bold yellow": "1;33",
    "bold magenta": "1;35",
}


def _cell(pieces: Sequence[Span], width: int, styled: bool) -> list[tuple[str, int]]:
    """A cell's lines as written and their widths: rich writes each styled stretch of a line as
    its own escape sequence, two stretches of one style included."""
    spans = [escaped for piece in pieces for escaped in _escaped(*piece)]
    text = _simple("".join(part for part, _ in spans))
    lines = []
    for a, e in _bounds(text, width):
        if not styled:
            lines.append((text[a:e], e - a))
            continue
        written, start = [], 0
        for part, style in spans:
            lo, hi, start = max(a, start), min(e, start + len(part)), start + len(part)
            if lo < hi:
                written.append(_sgr(text[lo:hi], style))
        lines.append(("".join(written), e - a))
    return lines


def _escaped(text: str, style: str) -> list[Span]:
    """`text` made printable as simulator.render.console.printable_text makes it: each escaped
    character a stretch of its own (rich writes it as its own escape sequence)."""
    if text.isprintable():
        return [(text, style)]
    out: list[Span] = []
    for unsafe, run in itertools.groupby(text, unsafe_character):
        if unsafe:
            out.extend((escape_character(c), style) for c in run)
        else:
            out.append(("".join(run), style))
    return out


def _sgr(text: str, style: str) -> str:
    if not style:
        return text
    code = _SGR.get(style)
    if code is None:
        raise _NotPlainError
    return f"\x1b[{code}m{text}\x1b[0m"


def _plain_line(line: Line, width: int, styled: bool, out: list[str]) -> None:
    label = _cell(line.label, line.width, styled)
    body = _cell(line.body, width - line.width, styled) if width > line.width else []
    if len(label) > 1 or label[0][1] > line.width or line.width < 1 or not body:
        raise _NotPlainError  # a label rich would cut, or no room for the body
    (shown, size), indent = label[0], " " * line.width
    out.append(shown + " " * (line.width - size) + body[0][0])
    out.extend(indent + piece for piece, _ in body[1:])


def _plain_table(table: Table, width: int, styled: bool, out: list[str]) -> None:
    widths = column_widths(table, width)
    if not table.rows or min(widths) < 1 or sum(widths) + table.gap * (len(widths) - 1) > width:
        raise _NotPlainError  # a header alone, which no sheet has, goes to rich too
    header, gap = tuple(span(name) for name in table.columns), " " * table.gap
    for first, row in zip((True, *(False for _ in table.rows)), (header, *table.rows), strict=True):
        cells = [_cell(c, w, styled) for c, w in zip(row, widths, strict=True)]
        height = max(len(c) for c in cells)
        # rich aligns the header's cells to the bottom, the others to the top.
        blank = [("", 0)]
        cells = [
            blank * (height - len(c)) + c if first else c + blank * (height - len(c)) for c in cells
        ]
        for i in range(height):
            out.append(
                gap.join(c[i][0] + " " * (w - c[i][1]) for c, w in zip(cells, widths, strict=True))
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
