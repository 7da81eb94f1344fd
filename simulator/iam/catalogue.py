"""The action catalogue (policyuniverse's permission list), used only to warn about unknown actions."""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from simulator.iam import patterns


@cache
def _catalogue() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    import policyuniverse  # loaded on first use: reading its data takes a moment

    actions = frozenset(action.lower() for action in policyuniverse.all_permissions)
    by_service: defaultdict[str, list[str]] = defaultdict(list)
    for action in actions:
        service, _, _ = action.partition(":")
        by_service[service].append(action)
    return actions, {service: tuple(names) for service, names in by_service.items()}


_known: frozenset[str] | None = None


def known_actions() -> frozenset[str]:
    """Every action in the catalogue, lower-case."""
    global _known  # noqa: PLW0603 - a one-time load, read on every decision
    if _known is None:
        _known = _catalogue()[0]
    return _known


def unknown_action_warning(pattern: str) -> str | None:
    """A warning when an Action entry names nothing in the catalogue, else None."""
    if pattern == "*":
        return None
    actions, by_service = _catalogue()
    lowered = pattern.lower()
    service, _, name = lowered.partition(":")
    if "*" in service or "?" in service:
        return None  # a wildcard service prefix cannot be checked
    if service not in by_service:
        return f"action {pattern!r}: unknown service prefix {service!r} in the action catalogue"
    if "*" not in name and "?" not in name:
        if lowered in actions:
            return None
        return f"action {pattern!r} is not in the action catalogue (misspelt, or newer than it)"
    regex = patterns.compile_glob((patterns.Glob(lowered),), ignore_case=True)
    if any(regex.matches(action) for action in by_service[service]):
        return None
    return f"action pattern {pattern!r} matches no action in the action catalogue"
