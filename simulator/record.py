"""Values whose last fields are extras (caches, derived data, where a value was written): not
part of the value.

A msgspec Struct (the project's record type: defined at a fraction of a dataclass's cost) compares,
hashes and shows every field; a class that keeps extras in its last fields says how many in
`extra_fields`, and this mixin leaves them out of equality, hash and repr.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec


class WithExtras:
    """A mixin for a Struct declared with `eq=False`: equality, hash and repr over every field but
    the last `extra_fields`. Only values of one class are equal, and only frozen ones hash, as for
    a Struct."""

    __slots__ = ()
    extra_fields: ClassVar[int]

    def _value(self) -> tuple[Any, ...]:
        return msgspec.structs.astuple(self)[: -self.extra_fields]  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._value() == other._value()

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        if not self.__struct_config__.frozen:  # type: ignore[attr-defined]
            raise TypeError(f"unhashable type: {type(self).__name__!r}")  # mutable, as a list
        return hash(self._value())

    def __repr__(self) -> str:
        names: tuple[str, ...] = self.__struct_fields__  # type: ignore[attr-defined]
        shown = ", ".join(f"{n}={v!r}" for n, v in zip(names, self._value(), strict=False))
        return f"{type(self).__name__}({shown})"
