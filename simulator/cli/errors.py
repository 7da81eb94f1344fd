"""The one place that turns exceptions into messages and exit codes."""

from __future__ import annotations

import sys

from simulator.cli.exit_codes import ExitCode
from simulator.errors import AwsError, ClaimsError, ConfigError, RolesimError, UsageError
from simulator.render.terminal import printable

_EXIT_FOR: dict[type[RolesimError], ExitCode] = {
    ConfigError: ExitCode.BAD_INPUT,
    ClaimsError: ExitCode.BAD_INPUT,
    UsageError: ExitCode.BAD_INPUT,
    AwsError: ExitCode.AWS_ERROR,
}


def exit_code_for(error: RolesimError) -> ExitCode:
    for cls in type(error).__mro__:
        if issubclass(cls, RolesimError) and cls in _EXIT_FOR:
            return _EXIT_FOR[cls]
    return ExitCode.BAD_INPUT


def report(error: RolesimError) -> ExitCode:
    print(f"rolesim: error: {printable(str(error))}", file=sys.stderr)
    return exit_code_for(error)
