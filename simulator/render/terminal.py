"""Text output that a pull request's author cannot steer: every user-controlled string printed as is.

Claim values, keys, policy text and file names reach the text renderers. Printed raw, an ESC, CSI or
OSC sequence would recolour, retitle or rewrite the reviewer's terminal, a bidi override would reorder
what they read, a newline would forge a line of the trace, and rich markup (`[bold red]`) or emoji
codes would be interpreted. So:

- `printable` writes every control character (C0, DEL, C1), format character (bidi overrides and
  isolates, zero-width characters), line and paragraph separator and lone surrogate as a Python
  escape (`\\x1b`, `\\u202e`);
- `SafeConsole` is the one rich console every text renderer gets (`console_for`): no markup, no
  emoji codes, and `printable` applied to every string and Text before layout;
- `SafeWriter` wraps the stream of the Markdown renderers, which write structure newlines of their
  own: it escapes everything `printable` does except the newline.
"""

from __future__ import annotations

import re
import unicodedata
from typing import IO, Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.text import Text

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _unsafe(c: str) -> bool:
    return c != " " and not c.isprintable() and unicodedata.category(c) in _UNSAFE_CATEGORIES


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(c: str) -> str:
    if c in _NAMED:
        return _NAMED[c]
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def printable(text: str, *, keep: str = "") -> str:
    """`text` with every character that could steer a terminal written as an escape."""
    if text.isprintable():
        return text
    return "".join(_escape(c) if c not in keep and _unsafe(c) else c for c in text)


def _printable_text(text: Text) -> Text:
    plain = text.plain
    if plain.isprintable():
        return text
    bad = [i for i, c in enumerate(plain) if _unsafe(c)]
    if not bad:
        return text
    cuts = sorted({*bad, *(i + 1 for i in bad)})
    out = text.blank_copy()
    for piece in text.divide(cuts):
        if len(piece) == 1 and _unsafe(piece.plain):
            shown = Text(_escape(piece.plain), style=piece.style)
            for span in piece.spans:
                shown.stylize(span.style, 0, len(shown))
            out.append(shown)
        else:
            out.append(piece)
    return out


class SafeConsole(Console):
    """A rich console that prints user strings literally (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        kwargs["markup"] = kwargs["emoji"] = False
        return super().render_str(printable(text), **kwargs)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Any:
        if isinstance(renderable, Text):
            renderable = _printable_text(renderable)
        result: Any = super().render(renderable, options)
        return result


class SafeWriter:
    """A text stream that escapes what `printable` does, newlines apart (the writer's own)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text, keep="\n"))
        return len(text)


# XML 1.0 §2.2: characters a document may hold; anything else makes a JUnit report unreadable.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """`text` with the characters XML cannot hold, and those that steer a terminal, escaped."""
    return printable(_NOT_XML.sub(lambda m: _escape(m.group()), text), keep="\n\t")


__all__ = ["SafeConsole", "SafeWriter", "printable", "xml_safe"]
