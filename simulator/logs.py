"""The run's log settings, applied where something may log: a command that logs nothing never
imports logging (4 ms of its start-up).

The CLI sets them (`configure`). At the default level they wait until logging is in use:
simulator.live, the one package that logs and the way into boto3, applies them as it loads
(`ready`). Any other level, or logging already loaded, applies them at once.
"""

from __future__ import annotations

import sys

# logging's levels by number: naming them would import logging.
ERROR, WARNING, INFO, DEBUG = 40, 30, 20, 10
FORMAT = "rolesim: %(levelname)s: %(message)s"

_pending: list[int] = []


def configure(level: int) -> None:
    _pending.clear()
    if level == WARNING and "logging" not in sys.modules:
        _pending.append(level)
        return
    _apply(level)


def ready() -> None:
    """Apply settings that wait (the packages that log call this as they load)."""
    if _pending:
        _apply(_pending.pop())


def _apply(level: int) -> None:
    import logging

    logging.basicConfig(level=level, stream=sys.stderr, format=FORMAT, force=True)
