"""`Fn::ForEach` (the AWS::LanguageExtensions transform): loops expanded as the transform does.

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-foreach.html
and its RFC (aws-cloudformation/cfn-language-discussion, RFCs/0009-Fn::ForEach.md):
`"Fn::ForEach::Name": [Identifier, Collection, {OutputKey: OutputValue}]` merges one copy of the
fragment per element of the collection into the mapping that holds it (the Resources or Conditions
section, a resource's properties). The collection is a list of strings or a `Ref` to a
CommaDelimitedList parameter (the template's reader evaluates it; other forms are not documented
and it refuses them). Each OutputKey is an implicit
`Fn::Sub` of the identifiers (`${Id}` the element, `&{Id}` the element without its
non-alphanumeric characters); in the OutputValue the element is `Ref: Id` and `${Id}` / `&{Id}`
inside `Fn::Sub`. Loops nest up to five deep. An `Fn::Sub` left without variables is its text, so
`Ref: !Sub 'Subnet${Id}'` names the resource the processed template names.

Where the documents are silent, nothing is guessed: an identifier written in a plain string (not in
`Fn::Sub`) is refused rather than replaced or left.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from simulator.importers.cfn_decode import MAX_NODES, file_of, keep_marks, line_of
from simulator.importers.intrinsics import Where
from simulator.importers.values import Unresolved

FOR_EACH = "Fn::ForEach::"
MAX_NESTING = 5  # "up to 5 nested Fn::ForEach within a single parent loop" (RFC 0009)
_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Za-z]")


def has_loops(value: Any) -> bool:
    """Whether an Fn::ForEach key appears anywhere under `value`."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if any(isinstance(k, str) and k.startswith(FOR_EACH) for k in item):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class Expander:
    """Expands the loops of one template; `evaluate(node, at)` is the template's own reading of a
    collection (its parameters, the forms it accepts)."""

    def __init__(self, evaluate: Callable[[Any, Where], Any]) -> None:
        self.evaluate = evaluate
        self.nodes = 0
        self._estimates: dict[int, int] = {}  # id of a fragment -> _estimate (a nested loop's
        # fragment is met once per element of the loops around it)

    def mapping(self, mapping: dict[Any, Any], at: Where, bound: dict[str, str], loops: int) -> Any:
        """`mapping` with its loops expanded and the bound identifiers substituted."""
        out: dict[Any, Any] = {}
        for key, value in mapping.items():
            if isinstance(key, str) and key.startswith(FOR_EACH):
                pairs = self._loop(key, value, at.at(key, line_of(key)), bound, loops)
            elif isinstance(key, str) and bound and _substitute(key, bound) != key:
                raise at.at(key, line_of(key)).error(
                    f"the key {key!r} names a loop identifier below the loop's output keys: whether "
                    "the transform replaces it there is not documented"
                )
            else:
                pairs = iter(
                    [(key, self.value(value, at.at(str(key), line_of(key)), bound, loops))]
                )
            for made, made_value in pairs:
                if made in out or (made is not key and made in mapping):
                    raise at.at(str(made), line_of(made)).error(
                        f"Fn::ForEach makes {str(made)!r}, which is already there (CloudFormation "
                        "refuses the template)"
                    )
                out[made] = made_value
        return keep_marks(mapping, out)

    def value(self, node: Any, at: Where, bound: dict[str, str], loops: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise at.error(f"Fn::ForEach expands to more than {MAX_NODES} nodes")
        at = Where(file_of(node) or at.file, at.native, line_of(node) or at.line, at.construct)
        if isinstance(node, dict):
            if bound and len(node) == 1:
                ((function, argument),) = node.items()
                if function == "Ref" and isinstance(argument, str) and argument in bound:
                    return keep_marks(argument, bound[argument])
                if function == "Fn::Sub":
                    return self._sub(node, argument, at.at("Fn::Sub"), bound, loops)
            return self.mapping(node, at, bound, loops)
        if isinstance(node, list):
            return keep_marks(
                node, [self.value(v, at.at(i), bound, loops) for i, v in enumerate(node)]
            )
        if isinstance(node, str) and bound and _substitute(node, bound) != node:
            raise at.error(
                f"{node!r} names a loop identifier outside Fn::Sub: whether the transform replaces "
                "it there is not documented",
                hint="write it as !Sub (or Ref the identifier)",
            )
        return node

    def _sub(self, node: Any, argument: Any, at: Where, bound: dict[str, str], loops: int) -> Any:
        if isinstance(argument, str):
            text = keep_marks(argument, _substitute(argument, bound))
            # Fn::Sub of a text without variables is that text.
            return text if "${" not in text else keep_marks(node, {"Fn::Sub": text})
        if isinstance(argument, list) and argument and isinstance(argument[0], str):
            rest = [self.value(v, at.at(i + 1), bound, loops) for i, v in enumerate(argument[1:])]
            first = keep_marks(argument[0], _substitute(argument[0], bound))
            return keep_marks(node, {"Fn::Sub": keep_marks(argument, [first, *rest])})
        return self.mapping(node, at, bound, loops)

    def _loop(
        self, key: str, value: Any, at: Where, bound: dict[str, str], loops: int
    ) -> Iterator[tuple[Any, Any]]:
        if loops >= MAX_NESTING:
            raise at.error(
                f"Fn::ForEach nested more than {MAX_NESTING} deep (CloudFormation's limit)"
            )
        shaped = isinstance(value, list) and len(value) == 3
        if not shaped or not isinstance(value[0], str) or not isinstance(value[2], dict):
            raise at.error("Fn::ForEach takes [Identifier, Collection, {OutputKey: OutputValue}]")
        identifier, collection, fragment = value
        if identifier in bound:
            raise at.at(0).error(f"identifier {identifier!r} is already an enclosing loop's")
        items = self.evaluate(self.value(collection, at.at(1), bound, loops), at.at(1))
        if isinstance(items, Unresolved):
            raise at.at(1).error(
                f"the collection of {key} cannot be known offline: {items.construct}"
            )
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise at.at(1).error("an Fn::ForEach collection is a list of strings")
        if id(fragment) not in self._estimates:
            self._estimates[id(fragment)] = _estimate(fragment)
        if self.nodes + len(items) * self._estimates[id(fragment)] > MAX_NODES:  # before building
            raise at.error(f"Fn::ForEach expands to more than {MAX_NODES} nodes")
        for item in items:
            inner = {**bound, identifier: item}
            for output_key, output_value in fragment.items():
                where = at.at(2).at(str(output_key), line_of(output_key))
                if isinstance(output_key, str) and output_key.startswith(FOR_EACH):
                    yield from self._loop(output_key, output_value, where, inner, loops + 1)
                    continue
                made = keep_marks(output_key, _substitute(str(output_key), inner))
                yield made, self.value(output_value, where, inner, loops + 1)


def _estimate(node: Any) -> int:
    """The nodes `node` expands to, its nested loops over literal lists multiplied out (a loop over
    a parameter counts once: its length is known only when it is reached)."""
    if isinstance(node, dict):
        total = 1
        for key, value in node.items():
            loop = isinstance(key, str) and key.startswith(FOR_EACH) and isinstance(value, list)
            if loop and len(value) == 3 and isinstance(value[1], list):
                total += len(value[1]) * _estimate(value[2])
            else:
                total += _estimate(value)
            if total > MAX_NODES:
                return total
        return total
    if isinstance(node, list):
        return 1 + sum(_estimate(v) for v in node)
    return 1


def _substitute(text: str, bound: dict[str, str]) -> str:
    for name, value in bound.items():
        text = text.replace("${" + name + "}", value)
        text = text.replace("&{" + name + "}", _NOT_ALPHANUMERIC.sub("", value))
    return text
