"""Text output that a pull request's author cannot steer: every user-controlled string printed as is.

Claim values, keys, policy text and file names reach the text renderers. Printed raw, an ESC, CSI or
OSC sequence would recolour, retitle or rewrite the reviewer's terminal, a bidi override would reorder
what they read, a newline would forge a line of the trace, and rich markup (`[bold red]`) or emoji
codes would be interpreted. So:

- `printable` writes every control character (C0, DEL, C1), format character (bidi overrides and
  isolates, zero-width characters), line and paragraph separator and lone surrogate as a Python
  escape (`\\x1b`, `\\u202e`);
- `SafeConsole` (simulator.render.console) is the one rich console every text renderer gets (`console_for`): no markup, no
  emoji codes, and `printable` applied to every string and Text before layout;
- `SafeWriter` wraps the stream of the Markdown renderers, which write structure newlines of their
  own: it escapes everything `printable` does except the newline.

Styles (colour and emphasis alike) are on unless the command line turned them off (`--no-color`,
NO_COLOR): then no console writes a single escape sequence.
"""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from typing import IO

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def unsafe_character(c: str) -> bool:
    return c != " " and not c.isprintable() and unicodedata.category(c) in _UNSAFE_CATEGORIES


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_character(c: str) -> str:
    if c in _NAMED:
        return _NAMED[c]
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def printable(text: str, *, keep: str = "") -> str:
    """`text` with every character that could steer a terminal written as an escape."""
    if text.isprintable():
        return text
    return "".join(
        escape_character(c) if c not in keep and unsafe_character(c) else c for c in text
    )


_STYLES: ContextVar[bool] = ContextVar("rolesim_styles", default=True)


@contextlib.contextmanager
def styles(*, enabled: bool) -> Iterator[None]:
    """Colour and emphasis on or off for every console made inside (NO_COLOR turns off both)."""
    token = _STYLES.set(enabled)
    try:
        yield
    finally:
        _STYLES.reset(token)


def styles_enabled() -> bool:
    return _STYLES.get()


# The width of text written to a pipe or file, unless COLUMNS says otherwise.
FILE_WIDTH = 200


def treated_as_terminal(stream: IO[str]) -> bool:
    """What rich's Console.is_terminal says of `stream`, without importing rich: TTY_COMPATIBLE
    (0 or 1) first, then a set FORCE_COLOR, then isatty."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force = os.environ.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    try:
        return hasattr(stream, "isatty") and bool(stream.isatty())
    except ValueError:  # a closed stream
        return False


class SafeWriter:
    """A text stream that escapes what `printable` does, newlines apart (the writer's own)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text, keep="\n"))
        return len(text)


class TrimmedLines:
    """A text stream whose lines lose the trailing spaces rich pads table cells with."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._partial = ""

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        if lines:
            self._stream.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self._partial:
            self._stream.write(self._partial)
            self._partial = ""
        self._stream.flush()

    def isatty(self) -> bool:
        return hasattr(self._stream, "isatty") and self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()


# XML 1.0 §2.2: characters a document may hold (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
# [#x10000-#x10FFFF]); anything else makes a JUnit report unreadable. Written as the complement,
# which compiles in a fiftieth of the time of the negated ranges; compiled when first used, since
# only JUnit output uses it (0.6 ms of every command's start-up).
@cache
def _not_xml() -> re.Pattern[str]:
    return re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` with the characters XML cannot hold, and those that steer a terminal, escaped."""
    return printable(_not_xml().sub(lambda m: escape_character(m.group()), text), keep="\n\t")


__all__ = [
    "FILE_WIDTH",
    "SafeWriter",
    "TrimmedLines",
    "printable",
    "styles",
    "styles_enabled",
    "treated_as_terminal",
    "xml_safe",
]
