"""Markers infrastructure importers leave for values no offline reading can know.

An `Unresolved` value (importers/values.py, IMPORT.md D5) is written into a pool document as
`<unresolved: CONSTRUCT>`; inside a policy it may also sit within a longer string (an `Fn::Sub` or
`Fn::Join` around an `Fn::ImportValue`). A policy element holding one can neither match nor fail to
match: the evaluation says unknown, naming the construct.
"""

from __future__ import annotations

from typing import Final

# A leaf module: the pool model, the IAM engine and the importers all read the marker.
UNRESOLVED_PREFIX: Final = "<unresolved: "


def is_unresolved_text(value: object) -> bool:
    """True for a value that is a marker as a whole (an `Unresolved` written into a document)."""
    return isinstance(value, str) and value.startswith(UNRESOLVED_PREFIX) and value.endswith(">")


def unresolved_construct(value: str) -> str:
    """The construct a whole-value marker names."""
    return value[len(UNRESOLVED_PREFIX) : -1]


def constructs_in(text: str) -> tuple[str, ...]:
    """The constructs of every marker in `text`, in order (one pass)."""
    if UNRESOLVED_PREFIX not in text:
        return ()
    found: list[str] = []
    pos = 0
    while True:
        start = text.find(UNRESOLVED_PREFIX, pos)
        if start < 0:
            break
        end = text.find(">", start + len(UNRESOLVED_PREFIX))
        if end < 0:
            break
        found.append(text[start + len(UNRESOLVED_PREFIX) : end])
        pos = end + 1
    return tuple(found)
