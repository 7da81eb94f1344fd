"""The one place that turns exceptions into messages and exit codes."""

from __future__ import annotations

import contextlib
import json
import re
import sys
import traceback
from collections.abc import Iterator
from functools import cache

from simulator.cli.exit_codes import ExitCode
from simulator.errors import (
    AwsError,
    ClaimsError,
    ConfigError,
    OutputError,
    RolesimError,
    UsageError,
)
from simulator.render.terminal import printable

_EXIT_FOR: dict[type[RolesimError], ExitCode] = {
    ConfigError: ExitCode.BAD_INPUT,
    ClaimsError: ExitCode.BAD_INPUT,
    UsageError: ExitCode.BAD_INPUT,
    AwsError: ExitCode.AWS_ERROR,
    OutputError: ExitCode.OUTPUT_ERROR,
}
# An exception's text can carry input: shown on one line, bounded, without control characters.
_MAX_DETAIL = 300


@cache
def _control() -> re.Pattern[str]:  # compiled when a message is first shown
    return re.compile(r"[\x00-\x1f\x7f-\x9f]")


def exit_code_for(error: RolesimError) -> ExitCode:
    for cls in type(error).__mro__:
        if issubclass(cls, RolesimError) and cls in _EXIT_FOR:
            return _EXIT_FOR[cls]
    return ExitCode.BAD_INPUT


def report(error: RolesimError) -> ExitCode:
    print(f"rolesim: error: {printable(str(error))}", file=sys.stderr)
    return exit_code_for(error)


_KIND: dict[type[RolesimError], str] = {
    ConfigError: "bad-input",
    ClaimsError: "bad-token",
    UsageError: "usage",
    AwsError: "aws-error",
    OutputError: "output-error",
}


def error_json(error: BaseException) -> dict[str, object]:
    """A failed run as JSON, for `--format json` on the live commands: CI parses every run."""
    if isinstance(error, RolesimError):
        kind = next((_KIND[c] for c in type(error).__mro__ if c in _KIND), "bad-input")
        code = getattr(error, "code", None) if isinstance(error, AwsError) else None
        body = {
            "code": code or kind,
            "message": _one_line(str(error)),
            "exit": exit_code_for(error),
        }
    else:
        body = {
            "code": "internal-error",
            "message": f"{type(error).__name__}: {_one_line(str(error))}",
            "exit": int(ExitCode.INTERNAL_ERROR),
        }
    return {"error": {k: int(v) if isinstance(v, ExitCode) else v for k, v in body.items()}}


@contextlib.contextmanager
def json_errors(enabled: bool) -> Iterator[None]:
    """With `enabled`, a run that fails prints its error object on stdout too (the message still
    goes to stderr, and the exit status is unchanged)."""
    try:
        yield
    except Exception as exc:  # every failure, a bug too: CI parses the object either way
        if enabled:
            with contextlib.suppress(OSError):  # stdout may be what failed; stderr says it all
                print(json.dumps(error_json(exc), ensure_ascii=False), flush=True)
        raise


def _scrubbed(text: str) -> str:
    # Loaded when an error is reported, not by every command at start-up.
    from simulator.live import redact

    return redact.scrub_text(text)


def _one_line(text: str) -> str:
    text = _control().sub(lambda m: f"\\x{ord(m.group(0)):02x}", _scrubbed(text))
    return text if len(text) <= _MAX_DETAIL else text[:_MAX_DETAIL] + "…"


def internal_error(error: Exception, *, show_stack: bool) -> ExitCode:
    """An exception no layer expected: a bug. Its own exit code, so no gate reads it as a verdict."""
    if show_stack:
        stack = "".join(traceback.format_exception(error))
        print(_scrubbed(stack), file=sys.stderr, end="")
    detail = _one_line(str(error))
    print(
        f"rolesim: internal error: {type(error).__name__}" + (f": {detail}" if detail else "")
        + "; this is a bug in rolesim: please report it with the command you ran"
        + (" and the stack above" if show_stack else " and the stack `rolesim --traceback …` shows"),
        file=sys.stderr,
    )  # fmt: skip
    return ExitCode.INTERNAL_ERROR
