"""The action catalogue (policyuniverse's permission list), used only to warn about unknown actions."""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from functools import cache, lru_cache
from pathlib import Path

import msgspec

from simulator.iam import patterns


class _Service(msgspec.Struct):
    """One service of policyuniverse's data as the catalogue reads it: its prefix, and its actions
    kept as unparsed text until an action of that service is looked up."""

    prefix: str
    actions: msgspec.Raw


@cache
def _services() -> dict[str, tuple[msgspec.Raw, ...] | frozenset[str]]:
    """Each service prefix (lower-case) with its actions: unparsed, or, from policyuniverse's own
    import, already as names. Importing policyuniverse builds far more than this from its data
    file (about a fifth of a second); the file is read directly where policyuniverse keeps it."""
    spec = importlib.util.find_spec("policyuniverse")
    for root in spec.submodule_search_locations or () if spec is not None else ():
        data = Path(root) / "data.json"
        if data.is_file():
            raw: defaultdict[str, list[msgspec.Raw]] = defaultdict(list)
            for s in msgspec.json.decode(data.read_bytes(), type=dict[str, _Service]).values():
                raw[s.prefix.lower()].append(s.actions)
            return {prefix: tuple(parts) for prefix, parts in raw.items()}
    import policyuniverse

    names: defaultdict[str, set[str]] = defaultdict(set)
    for action in policyuniverse.all_permissions:
        names[action.partition(":")[0].lower()].add(action.lower())
    return {prefix: frozenset(found) for prefix, found in names.items()}


@cache
def _actions(service: str) -> frozenset[str]:
    """Every action of one service prefix, lower-case `prefix:action`; empty for an unknown one."""
    found = _services().get(service)
    if found is None or isinstance(found, frozenset):
        return found or frozenset()
    return frozenset(
        f"{service}:{name.lower()}"
        for part in found
        for name in msgspec.json.decode(part, type=dict[str, msgspec.Raw])
    )


_known: dict[str, bool] = {}


def is_known(action_key: str) -> bool:
    """Whether a lower-case action is in the catalogue (looked up on every decision)."""
    found = _known.get(action_key)
    if found is None:
        if len(_known) >= 4096:
            _known.clear()
        found = _known[action_key] = action_key in _actions(action_key.partition(":")[0])
    return found


@lru_cache(maxsize=4096)  # a requests file repeats its actions in every line's policies
def unknown_action_warning(pattern: str) -> str | None:
    """A warning when an Action entry names nothing in the catalogue, else None."""
    if pattern == "*":
        return None
    lowered = pattern.lower()
    service, _, name = lowered.partition(":")
    if "*" in service or "?" in service:
        return None  # a wildcard service prefix cannot be checked
    if service not in _services():
        return f"action {pattern!r}: unknown service prefix {service!r} in the action catalogue"
    actions = _actions(service)
    if "*" not in name and "?" not in name:
        if lowered in actions:
            return None
        return f"action {pattern!r} is not in the action catalogue (misspelt, or newer than it)"
    regex = patterns.compile_glob((patterns.Glob(lowered),), ignore_case=True)
    if any(regex.matches(action) for action in actions):
        return None
    return f"action pattern {pattern!r} matches no action in the action catalogue"
