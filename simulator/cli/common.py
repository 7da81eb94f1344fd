"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

from simulator.errors import ConfigError, UsageError
from simulator.model import IdentityPool, load_pool
from simulator.semantics.assumptions import AssumptionSet


def parse_assume(items: list[str]) -> list[tuple[str, str]]:
    """`--assume NAME=CHOICE` pairs, checked against the registry before any file is read."""
    pairs = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise UsageError(
                f"--assume {item!r}: expected NAME=CHOICE, e.g. array-claim-match=json-text"
            )
        pairs.append((name.strip(), value.strip()))
    try:
        AssumptionSet.parse(pairs)
    except ConfigError as exc:
        raise UsageError(
            f"--assume: {exc.message}" + (f" ({exc.hint})" if exc.hint else "")
        ) from None
    return pairs


def load_pool_option(path: Path, assume: list[tuple[str, str]]) -> IdentityPool:
    return load_pool(path, assume=assume)
