"""The renderer interface and the format enum every command chooses from."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from enum import StrEnum
from typing import IO, Any, Generic, Protocol, TypeVar

from rich.console import Console

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
    """A rich console that colours only a real terminal; files and pipes get wide, plain lines."""
    tty = hasattr(stream, "isatty") and stream.isatty()
    # Imported here: simulator.render.terminal is the one place user text is made printable.
    from simulator.render.terminal import SafeConsole

    return SafeConsole(file=stream, soft_wrap=True, width=None if tty else 200)
