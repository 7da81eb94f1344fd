"""Typed access to parsed data that reports the path of every problem (and, through the document
that holds it, the line): the one validation idiom for pool files, cases, invariants, policies and
request lines. A leaf module: every layer can validate with it."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NoReturn

import msgspec

from simulator.errors import ConfigError, Path, PathPart


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class Node(msgspec.Struct, frozen=True):
    """A value at a path; getters check types and limits and raise ConfigError naming the path."""

    value: Any
    path: Path = ()

    def fail(
        self,
        message: str,
        *,
        at: Sequence[PathPart] = (),
        hint: str | None = None,
        code: str = "invalid-value",
    ) -> NoReturn:
        raise ConfigError(message, path=(*self.path, *at), hint=hint, code=code)

    def child(self, key: PathPart) -> Node:
        return Node(self.value[key], (*self.path, key))

    def mapping(self) -> Mapping[str, Any]:
        if not isinstance(self.value, dict):
            self.fail(f"expected a mapping, found {_type_name(self.value)}", code="wrong-type")
        for k in self.value:
            if not isinstance(k, str):
                self.fail(
                    f"keys must be strings, found {k!r}", hint="quote the key", code="wrong-type"
                )
        return self.value

    def items(self) -> Iterator[tuple[str, Node]]:
        for k in self.mapping():
            yield k, self.child(k)

    def elements(self) -> Iterator[Node]:
        if not isinstance(self.value, list):
            self.fail(f"expected a list, found {_type_name(self.value)}", code="wrong-type")
        for i in range(len(self.value)):
            yield self.child(i)

    def check_keys(
        self, allowed: Sequence[str], *, required: Sequence[str] = (), what: str = "field"
    ) -> None:
        """Every key is one of `allowed` (else a "did you mean" hint), and `required` are present."""
        m = self.mapping()
        for k in m:
            if k not in allowed:
                close = [a for a in allowed if a.lower() == k.lower()] or difflib.get_close_matches(
                    k, allowed, n=1, cutoff=0.75
                )
                self.fail(
                    f"unknown {what} {k!r}",
                    at=(k,),
                    hint=f"did you mean {close[0]!r}?"
                    if close
                    else "allowed: " + ", ".join(allowed),
                    code="unknown-field",
                )
        for k in required:
            if k not in m:
                self.fail(f"missing required {what} {k!r}", code="missing-field")

    def get(self, key: str) -> Node | None:
        m = self.mapping()
        return self.child(key) if key in m and m[key] is not None else None

    def require(self, key: str) -> Node:
        node = self.get(key)
        if node is None:
            self.fail(f"missing required field {key!r}", code="missing-field")
        return node

    def string(
        self,
        *,
        length: tuple[int, int] | None = None,
        check: Callable[[str], object] | None = None,
        what: str = "",
        hint: str | None = None,
    ) -> str:
        v = self.value
        if isinstance(v, int) and not isinstance(v, bool):
            v = str(v)  # YAML reads an unquoted id like 111122223333 as a number
        if not isinstance(v, str):
            self.fail(
                f"expected a string, found {_type_name(v)}",
                hint="quote the value",
                code="wrong-type",
            )
        if length is not None and not length[0] <= len(v) <= length[1]:
            self.fail(
                f"length {len(v)} is outside {length[0]}-{length[1]} characters",
                hint=hint,
                code="length",
            )
        if check is not None and not check(v):
            self.fail(f"{v!r} is not {what or 'valid here'}", hint=hint)
        return str(v)

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            self.fail(f"expected true or false, found {_type_name(self.value)}", code="wrong-type")
        return self.value

    def integer(self) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            self.fail(f"expected a whole number, found {_type_name(self.value)}", code="wrong-type")
        return int(self.value)

    def strings(self) -> tuple[str, ...]:
        return tuple(e.string() for e in self.elements())
