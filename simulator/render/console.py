"""The rich side of `simulator.render.terminal`: the one console every text renderer gets, and Text
made printable (see that module's docstring). Apart from it so that a command writing JSON never
imports rich."""

from __future__ import annotations

from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.text import Text

from simulator.render.terminal import escape_character, printable, styles_enabled, unsafe_character


def printable_text(text: Text) -> Text:
    plain = text.plain
    if plain.isprintable():
        return text
    bad = [i for i, c in enumerate(plain) if unsafe_character(c)]
    if not bad:
        return text
    cuts = sorted({*bad, *(i + 1 for i in bad)})
    out = text.blank_copy()
    for piece in text.divide(cuts):
        if len(piece) == 1 and unsafe_character(piece.plain):
            shown = Text(escape_character(piece.plain), style=piece.style)
            for span in piece.spans:
                shown.stylize(span.style, 0, len(shown))
            out.append(shown)
        else:
            out.append(piece)
    return out


def safe_text(value: Text | str, style: str = "") -> Text:
    """A Text whose characters are all printable, for layout that measures before it prints
    (tables): escaped first, so a cell is as wide as what the reader sees."""
    if isinstance(value, Text):
        return printable_text(value)
    return Text(printable(value), style=style)


class SafeConsole(Console):
    """A rich console that prints user strings literally (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        if not styles_enabled():
            # rich's own no_color keeps bold and dim; without a colour system it writes no escape.
            kwargs["color_system"] = None
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        kwargs["markup"] = kwargs["emoji"] = False
        return super().render_str(printable(text), **kwargs)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Any:
        if isinstance(renderable, Text):
            renderable = printable_text(renderable)
        result: Any = super().render(renderable, options)
        return result
