"""Where command output goes: stdout or --output FILE; colour only on a terminal."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from rich.console import Console

from simulator.errors import UsageError
from simulator.render.base import console_for

__all__ = ["console_for", "open_output", "stderr_console", "write_text"]


@contextlib.contextmanager
def open_output(path: Path | None) -> Iterator[IO[str]]:
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    try:
        handle = path.open("w", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write output: {exc.strerror}") from exc
    with handle:
        yield handle


def write_text(text: str, path: Path | None) -> None:
    with open_output(path) as stream:
        stream.write(text if text.endswith("\n") else text + "\n")


def stderr_console() -> Console:
    return Console(file=sys.stderr, soft_wrap=True, highlight=False)
