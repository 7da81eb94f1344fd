"""Where command output goes: stdout or --output FILE; colour only on a terminal."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from simulator.errors import OutputError, UsageError
from simulator.render.base import console_for

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "FULL",
    "Output",
    "console_for",
    "open_output",
    "stderr_console",
    "unwritable",
    "write_text",
    "writing",
]


@contextlib.contextmanager
def open_output(
    path: Path | None, *, inputs: Sequence[Path | str | None] = ()
) -> Iterator[IO[str]]:
    """stdout, or `--output FILE` written whole or not at all.

    A regular file is written beside itself and renamed into place when the command is done, so
    an output that is also read (a cases file's pool, a corpus) is read intact, and a failed run
    leaves the old file. Naming one of the command's own `inputs` is refused outright. A write
    that fails (a full disk, a device error) is an OutputError naming the output.
    """
    if path is None or str(path) == "-":
        yield cast(IO[str], Output(sys.stdout, "stdout"))
        return
    for given in inputs:
        if given is not None and str(given) != "-" and _same_file(path, Path(given)):
            raise UsageError(
                f"--output {path} is also an input of this command; write the result elsewhere"
            )
    target = Path(os.path.realpath(path))  # write through a symlink, not over it
    if target.exists() and not target.is_file():  # /dev/null, a pipe: write in place
        with _opened(path, "w") as handle:
            yield cast(IO[str], Output(handle, str(path)))
        return
    import tempfile  # only a run that writes a file

    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write output: {exc.strerror}") from exc
    handle = os.fdopen(fd, "w", encoding="utf-8")
    try:
        yield cast(IO[str], Output(handle, str(path)))
        with writing(str(path)):
            handle.close()
            os.chmod(temp, _mode_for(target))
            os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            handle.close()
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


class Output:
    """A text stream whose failed writes are OutputError: what reaches the disk or the device
    is the output's, whatever else the command was doing. A reader gone away (EPIPE) stays a
    BrokenPipeError, which the CLI turns into its own quiet exit."""

    def __init__(self, stream: IO[str] | IO[bytes], label: str) -> None:
        self._stream = stream
        self._label = label

    def write(self, data: Any) -> int:
        try:
            return self._stream.write(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise unwritable(self._label, exc) from None

    def writelines(self, lines: Any) -> None:
        with writing(self._label):
            self._stream.writelines(lines)

    def flush(self) -> None:
        with writing(self._label):
            self._stream.flush()

    @property
    def buffer(self) -> Output:
        return Output(self._stream.buffer, self._label)  # type: ignore[union-attr]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def writing(label: str) -> Iterator[None]:
    """Inside, an OSError (not EPIPE) is an OutputError naming `label`'s output."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise unwritable(label, exc) from None


FULL = (errno.ENOSPC, errno.EDQUOT)  # a full disk or quota: only ever a write's error


def unwritable(label: str | None, exc: OSError) -> OutputError:
    """What a failed write says: the output it was (when known), why, and what to do."""
    fix = "free some space or write it elsewhere" if exc.errno in FULL else "write it elsewhere"
    where = f"{label}: " if label else ""
    return OutputError(f"{where}cannot write the output: {exc.strerror or exc}; {fix} (--output)")


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
    try:
        yield handle
    except BaseException:
        with contextlib.suppress(OSError):
            handle.close()
        raise
    with writing(str(path)):
        handle.close()


def write_text(text: str, path: Path | None) -> None:
    with open_output(path) as stream:
        stream.write(text if text.endswith("\n") else text + "\n")


def stderr_console() -> Console:
    from simulator.render.console import SafeConsole  # rich: only for what prints through it

    return SafeConsole(file=sys.stderr, soft_wrap=True)
