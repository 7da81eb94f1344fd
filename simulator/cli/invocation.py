"""What the global options say about this run: read by the commands that need it."""

from __future__ import annotations

from dataclasses import dataclass

import typer


@dataclass
class Invocation:
    """Filled in by the root callback, before any command runs (so it cannot be frozen)."""

    verbose: int = 0
    traceback: bool = False

    @property
    def wire_log(self) -> bool:
        """`-vvv`: botocore's wire log too, scrubbed of secrets."""
        return self.verbose >= 3


def invocation(ctx: typer.Context) -> Invocation:
    found = ctx.find_object(Invocation)
    return found if found is not None else Invocation()
