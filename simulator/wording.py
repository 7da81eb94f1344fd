"""Values in the words a person reads: what messages, traces and reports print instead of a
Python repr (`{'team': 'red'}`, `['a', 'b']`, `None`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def words(value: Any, *, empty: str = "none") -> str:
    """A value as text: a list as `a, b`, tags as `team=red, x=y`, nothing as `none`."""
    if value is None:
        return empty
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        if not value:
            return empty
        return ", ".join(f"{k}={_item(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return ", ".join(_item(v) for v in items) if items else empty
    return json_text(value)


def _item(value: Any) -> str:
    """A nested value: plain text for a scalar, JSON for a structure (unambiguous, no repr)."""
    if isinstance(value, str):
        return value
    return json_text(value)


def json_text(value: Any) -> str:
    """Data a person reads as it would be written in a file: compact JSON, keys sorted."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


__all__ = ["json_text", "words"]
