"""The renderer interface and the format enum every command chooses from."""

from __future__ import annotations

import json
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from enum import StrEnum
from typing import IO, TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

from simulator.errors import UsageError


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"


class JsonSerializable(Protocol):
    def to_json(self) -> Any: ...


T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)


class Renderer(ABC, Generic[T_contra]):
    """Formats a finished result; it never computes anything the result does not carry."""

    @abstractmethod
    def render(self, result: T_contra, stream: IO[str]) -> None: ...


class JsonRenderer(Renderer[JsonSerializable]):
    """Any result with `to_json()`; machine formats are always emitted, even when empty."""

    def render(self, result: JsonSerializable, stream: IO[str]) -> None:
        json.dump(result.to_json(), stream, indent=2, ensure_ascii=False)
        stream.write("\n")


def pick(
    renderers: Mapping[OutputFormat, Renderer[T]], fmt: OutputFormat, command: str
) -> Renderer[T]:
    try:
        return renderers[fmt]
    except KeyError:
        offered = ", ".join(f.value for f in renderers)
        raise UsageError(f"{command} does not write {fmt.value}; choose {offered}") from None


def console_for(stream: IO[str]) -> Console:
    """A rich console that colours only a real terminal; files and pipes get plain lines
    FILE_WIDTH columns wide, or as wide as COLUMNS says (rich reads it)."""
    tty = hasattr(stream, "isatty") and stream.isatty()
    # Imported here: simulator.render.terminal is the one place user text is made printable.
    from simulator.render.console import SafeConsole
    from simulator.render.terminal import FILE_WIDTH, TrimmedLines

    sized = tty or os.environ.get("COLUMNS", "").isdigit()
    return SafeConsole(
        file=TrimmedLines(stream), soft_wrap=True, width=None if sized else FILE_WIDTH
    )


def hanging(console: Console, label: Text | str, body: Text | str, *, width: int) -> None:
    """`label  body` with the label in a column `width` wide: a body longer than the line wraps
    under itself (indented), and a word longer than the line is folded, never cut."""
    from rich.table import Table

    from simulator.render.console import safe_text

    grid = Table.grid()
    grid.add_column(width=width, no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(safe_text(label), safe_text(body))
    console.print(grid)
