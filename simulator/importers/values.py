"""Values an importer cannot take from the file as written (IMPORT.md D4, D5).

A `Placeholder` stands for an identifier AWS generates at deploy time for a resource defined in the
same file (a user pool id, a role ARN built from a logical id). It is a `str`, so it flows through
the pool model like any value, and it remembers what it stands for so output can mark it.

An `Unresolved` value cannot be known offline at all (`Fn::ImportValue`, a custom resource's
attribute, an SSM reference, a Terraform data source or an unknown plan value). It is not a `str`:
only a decision that needs it may fail, naming the construct, and nothing may compare it by accident.
In a pool document it is written as `unresolved_text()`, a marker that no AWS identifier can equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from simulator.errors import Path
from simulator.model.document import Origin
from simulator.unresolved import UNRESOLVED_PREFIX


class Placeholder(str):
    """A deploy-time identifier built from a logical id or resource name (D4)."""

    of: str  # the logical id or Terraform address it belongs to
    attribute: str  # Ref, Arn, ProviderName, id, endpoint, ...

    def __new__(cls, text: str, *, of: str, attribute: str) -> Placeholder:
        made = super().__new__(cls, text)
        made.of = of
        made.attribute = attribute
        return made

    def __reduce__(self) -> tuple[object, ...]:
        return (_placeholder, (str(self), self.of, self.attribute))


def _placeholder(text: str, of: str, attribute: str) -> Placeholder:
    return Placeholder(text, of=of, attribute=attribute)


class Unresolved(msgspec.Struct, frozen=True):
    """A value no offline reading can know (D5), with the construct that produces it."""

    construct: str  # e.g. "Fn::ImportValue 'SharedUserPoolId'", "data.aws_ssm_parameter.x.value"
    origin: Origin | None = None

    def unresolved_text(self) -> str:
        return f"{UNRESOLVED_PREFIX}{self.construct}>"


def find_unresolved(value: Any) -> tuple[Unresolved, Path] | None:
    """The first Unresolved value inside `value` and its path below it (iteratively: values can
    be large)."""
    stack: list[tuple[Any, Path]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, Unresolved):
            return item, path
        if isinstance(item, Mapping):
            stack.extend((v, (*path, k)) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((v, (*path, i)) for i, v in reversed(list(enumerate(item))))
    return None
