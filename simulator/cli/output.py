"""Where command output goes: stdout or --output FILE; colour only on a terminal."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from simulator.errors import UsageError
from simulator.render.base import console_for

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["console_for", "open_output", "stderr_console", "write_text"]


@contextlib.contextmanager
def open_output(
    path: Path | None, *, inputs: Sequence[Path | str | None] = ()
) -> Iterator[IO[str]]:
    """stdout, or `--output FILE` written whole or not at all.

    A regular file is written beside itself and renamed into place when the command is done, so
    an output that is also read (a cases file's pool, a corpus) is read intact, and a failed run
    leaves the old file. Naming one of the command's own `inputs` is refused outright.
    """
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    for given in inputs:
        if given is not None and str(given) != "-" and _same_file(path, Path(given)):
            raise UsageError(
                f"--output {path} is also an input of this command; write the result elsewhere"
            )
    target = Path(os.path.realpath(path))  # write through a symlink, not over it
    if target.exists() and not target.is_file():  # /dev/null, a pipe: write in place
        with _opened(path, "w") as handle:
            yield handle
        return
    import tempfile  # only a run that writes a file

    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write output: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
        os.chmod(temp, _mode_for(target))
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _mode_for(target: Path) -> int:
    """The existing file's permissions, else what a plain open() would give (0666 less umask)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def _opened(path: Path, mode: str) -> Iterator[IO[str]]:
    try:
        handle = path.open(mode, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write output: {exc.strerror}") from exc
    with handle:
        yield handle


def write_text(text: str, path: Path | None) -> None:
    with open_output(path) as stream:
        stream.write(text if text.endswith("\n") else text + "\n")


def stderr_console() -> Console:
    from simulator.render.console import SafeConsole  # rich: only for what prints through it

    return SafeConsole(file=sys.stderr, soft_wrap=True)
