"""Typed errors. The CLI maps each class to an exit code in one place (simulator.cli.errors)."""

from __future__ import annotations

from collections.abc import Sequence

PathPart = str | int
Path = tuple[PathPart, ...]


def format_path(path: Sequence[PathPart]) -> str:
    """Render a path inside a document the way a reviewer reads it: `RoleMappings["k"].Rules[3].Claim`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}" if out else part
        else:
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            out += f'["{escaped}"]'
    return out or "(top level)"


def extend_path(text: str, rest: Sequence[PathPart]) -> str:
    """`text` (a rendered path) followed by `rest`: `Resources.Pool` + ("Properties", 0) -> `Resources.Pool.Properties[0]`."""
    if not rest:
        return text
    tail = format_path(rest)
    return f"{text}.{tail}" if isinstance(rest[0], str) and rest[0].isidentifier() else text + tail


class RolesimError(Exception):
    """Base class of every error rolesim reports to a user."""


class ConfigError(RolesimError):
    """A pool file, IAM file, cases file or invariants file that is malformed or breaks a service limit.

    Parsers deep in the model raise it with only `path` (relative to the document root); the loader that
    knows the file fills in `file` and `line` with `locate()`. For a pool imported from a native file
    (simulator.importers), `native_path` is the path inside that file and `construct` what the user
    knows the value by (a CDK construct path, a Terraform address); messages then name those.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Sequence[PathPart] = (),
        file: str | None = None,
        line: int | None = None,
        hint: str | None = None,
        code: str = "invalid-value",
        native_path: str | None = None,
        construct: str | None = None,
    ) -> None:
        self.message = message
        self.code = code  # a stable identifier of the kind of problem, for tools (lint maps it)
        self.path: Path = tuple(path)
        self.file = file
        self.line = line
        self.hint = hint
        self.native_path = native_path
        self.construct = construct
        super().__init__(str(self))

    def locate(
        self,
        file: str | None,
        line: int | None = None,
        *,
        native_path: str | None = None,
        construct: str | None = None,
    ) -> ConfigError:
        if self.file is None:
            self.file = file
            if self.native_path is None:
                self.native_path = native_path
            if self.construct is None:
                self.construct = construct
        if self.line is None:
            self.line = line
        self.args = (str(self),)
        return self

    def prefixed(self, prefix: Sequence[PathPart]) -> ConfigError:
        """The same error seen from an enclosing document (used when a sub-document is parsed alone)."""
        self.path = (*prefix, *self.path)
        self.args = (str(self),)
        return self

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        at = self.native_path or format_path(self.path)
        if self.construct and self.construct not in at:
            at += f" ({self.construct})"
        text = f"{where}: {at}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ClaimsError(RolesimError):
    """Claims or a token that cannot be read (not JSON, not a JWT, bad signature with --jwks, ...)."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.message = message
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class UsageError(RolesimError):
    """Options that contradict each other or name something the input does not have."""


class OutputError(RolesimError):
    """The result could not be written: stdout or --output failed (a full disk, a device error).
    Not the input's fault and not a bug: its own exit code."""


class AwsError(RolesimError):
    """An AWS or network failure in a live command (not a prediction outcome)."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        self.code = code
        super().__init__(f"{code}: {message}" if code else message)
