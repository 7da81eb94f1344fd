"""CloudFormation's intrinsic functions, evaluated offline (IMPORT.md D3, D5, D7).

Source: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
(one page per function; condition functions on ...-reference-conditions.html). What a reference
names (a parameter, a pseudo parameter, a resource's Ref or attribute, a condition, a mapping) is
the `Scope`'s business; this module only walks values. Every evaluated value is recorded with the
line and native path it came from, so errors and findings point at the template.

Values that cannot be known offline (`Fn::ImportValue`, dynamic references `{{resolve:...}}`,
`Fn::GetAZs`, `Fn::Transform`, a parameter without a value) evaluate to `Unresolved`; whatever is
built from one is Unresolved too. Deploy-time identifiers come back from the scope as `Placeholder`
strings, and text built from one stays a Placeholder.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import msgspec

from simulator.errors import ConfigError, Path, PathPart, format_path
from simulator.importers.cfn_decode import file_of, line_of
from simulator.importers.values import Placeholder, Unresolved, find_unresolved
from simulator.model.document import Origin

# Nested values and reference chains together; deeper is an error, never a RecursionError.
MAX_DEPTH = 100
# Characters in one built string: references that double a name at each step stop here.
MAX_TEXT = 100_000


class _NoValue:
    """`Ref: AWS::NoValue`: the property (or list element) is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()
Condition = bool | Unresolved

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:[^}]*\}\}")
_CONDITION_FUNCTIONS = ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition")


class Scope(Protocol):
    """What references in a template resolve to."""

    def ref(self, name: str, at: Where) -> Any: ...

    def get_att(self, resource: str, attribute: str, at: Where) -> Any: ...

    def condition(self, name: str, at: Where) -> Condition: ...

    def find_in_map(self, names: tuple[str, str, str], default: Any, at: Where) -> Any: ...


class Depth(msgspec.Struct):
    """Shared by every evaluation of one template, so chains of references are bounded too."""

    level: int = 0


class Where(msgspec.Struct, frozen=True):
    """The node being evaluated: its native path and line, for errors and Unresolved origins."""

    file: str
    native: Path
    line: int | None
    construct: str | None = None

    def origin(self) -> Origin:
        return Origin(self.file, self.line, format_path(self.native), self.construct)

    def error(self, message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(
            message, file=self.file, line=self.line, native_path=format_path(self.native),
            construct=self.construct, hint=hint,
        )  # fmt: skip

    def unresolved(self, construct: str) -> Unresolved:
        return Unresolved(construct, self.origin())

    def at(self, part: PathPart, line: int | None = None) -> Where:
        return Where(self.file, (*self.native, part), line or self.line, self.construct)


class Evaluator(msgspec.Struct):
    """Evaluates one value tree; `origins` collects output path -> where it was written."""

    scope: Scope
    depth: Depth
    origins: dict[Path, Origin] | None = None
    _functions: dict[str, Callable[[Any, Where, Path | None], Any]] = msgspec.field(
        default_factory=dict
    )  # set by __post_init__

    def __post_init__(self) -> None:
        self._functions = {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::If": self._if,
            "Fn::FindInMap": self._find_in_map,
            "Fn::ImportValue": self._import_value,
            "Fn::Base64": self._base64,
            "Fn::GetAZs": self._get_azs,
            "Fn::Cidr": self._cidr,
            "Fn::Length": self._length,
            "Fn::ToJsonString": self._to_json_string,
            "Fn::Transform": self._transform,
        }

    # --- values ---------------------------------------------------------------------------------

    def value(self, node: Any, at: Where, out: Path | None = None) -> Any:
        """The evaluated value of `node`; NO_VALUE when it removes itself. With `out` (the value's
        path in the output) its origin and those of everything below it are recorded."""
        self.depth.level += 1
        try:
            if self.depth.level > MAX_DEPTH:
                raise at.error(f"nested more than {MAX_DEPTH} levels deep (values and references)")
            at = Where(file_of(node) or at.file, at.native, line_of(node) or at.line, at.construct)
            if self.origins is not None and out is not None:
                self.origins[out] = at.origin()
            if isinstance(node, dict):
                function = intrinsic_name(node, at)
                if function is not None:
                    return self.function(function, node[function], at.at(function), out)
                if "Fn::Transform" in node:
                    # AWS::Include beside other keys merges what it brings into this mapping:
                    # unknown offline, the whole mapping is (its other keys may be overridden).
                    return self._transform(node["Fn::Transform"], at.at("Fn::Transform"), out)
                result: dict[str, Any] = {}
                for key, child in node.items():
                    got = self.value(
                        child,
                        at.at(str(key), line_of(key)),
                        None if out is None else (*out, str(key)),
                    )
                    if got is not NO_VALUE and got is not None:
                        result[str(key)] = got
                return result
            if isinstance(node, list):
                items: list[Any] = []
                for i, child in enumerate(node):
                    got = self.value(child, at.at(i), None if out is None else (*out, len(items)))
                    if got is not NO_VALUE:
                        items.append(got)
                return items
            if isinstance(node, str):
                return self.string(node, at)
            return node
        finally:
            self.depth.level -= 1

    def string(self, text: str, at: Where) -> Any:
        if "{{resolve:" in text:
            # Dynamic references are read from SSM or Secrets Manager at deploy time.
            found = _DYNAMIC_REFERENCE.search(text)
            return at.unresolved(found.group(0) if found else text)
        if type(text) is str or isinstance(text, Placeholder):
            return text
        return str(text)  # drop the decoder's node class

    def function(self, name: str, arg: Any, at: Where, out: Path | None) -> Any:
        handler = self._functions.get(name)
        if handler is None:
            if name in _CONDITION_FUNCTIONS:
                raise at.error(
                    f"{name} is a condition function: use it under Conditions and refer to the "
                    "condition from Fn::If"
                )
            raise at.error(f"{name} is not an intrinsic function CloudFormation knows")
        return handler(arg, at, out)

    def scalar(self, node: Any, at: Where, what: str) -> Any:
        """A value that must come out as text (or Unresolved)."""
        got = self.value(node, at)
        if isinstance(got, Unresolved) or got is NO_VALUE:
            return got
        return text_of(got, at, what)

    # --- functions ------------------------------------------------------------------------------

    def _ref(self, arg: Any, at: Where, _out: Path | None) -> Any:
        name = self.scalar(arg, at, "the name Ref refers to")
        if isinstance(name, Unresolved):
            return name
        if name == "AWS::NoValue":
            return NO_VALUE
        return self.scope.ref(str(name), at)

    def _get_att(self, arg: Any, at: Where, _out: Path | None) -> Any:
        if isinstance(arg, str):
            resource, _, attribute = arg.partition(".")
            attr: Any = attribute
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            resource, attr = arg[0], self.scalar(arg[1], at.at(1), "an attribute name")
        else:
            raise at.error("Fn::GetAtt takes [LogicalId, Attribute] or 'LogicalId.Attribute'")
        if isinstance(attr, Unresolved):
            return attr
        if not resource or not attr:
            raise at.error("Fn::GetAtt takes [LogicalId, Attribute] or 'LogicalId.Attribute'")
        return self.scope.get_att(str(resource), str(attr), at)

    def _sub(self, arg: Any, at: Where, _out: Path | None) -> Any:
        variables: dict[str, Any] = {}
        if isinstance(arg, list):
            if len(arg) != 2 or not isinstance(arg[0], str) or not isinstance(arg[1], dict):
                raise at.error("Fn::Sub takes a string or [string, {Name: value}]")
            template = arg[0]
            for key, node in arg[1].items():
                variables[str(key)] = self.value(node, at.at(1).at(str(key)))
        elif isinstance(arg, str):
            template = arg
        else:
            raise at.error("Fn::Sub takes a string or [string, {Name: value}]")
        parts: list[Any] = []
        position = 0
        for found in _SUB_VARIABLE.finditer(template):
            parts.append(template[position : found.start()])
            position = found.end()
            content = found.group(1)
            if content.startswith("!"):
                parts.append("${" + content[1:] + "}")  # ${!Literal} is the text ${Literal}
                continue
            name = content.strip()
            if name in variables:
                got = variables[name]
            elif "." in name and not name.startswith("AWS::"):
                resource, _, attribute = name.partition(".")
                got = self.scope.get_att(resource, attribute, at)
            else:
                got = self.scope.ref(name, at)
            if got is NO_VALUE:
                raise at.error(f"${{{name}}} in Fn::Sub is AWS::NoValue")
            parts.append(got if isinstance(got, Unresolved) else text_of(got, at, f"${{{name}}}"))
        parts.append(template[position:])
        result = concat(parts, at)
        return self.string(result, at) if isinstance(result, str) else result

    def _join(self, arg: Any, at: Where, _out: Path | None) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            raise at.error("Fn::Join takes [delimiter, [values]]")
        delimiter = self.scalar(arg[0], at.at(0), "the delimiter")
        items = self.value(arg[1], at.at(1))
        if isinstance(items, Unresolved) or isinstance(delimiter, Unresolved):
            return items if isinstance(items, Unresolved) else delimiter
        if not isinstance(items, list):
            raise at.error("Fn::Join needs a list of values to join")
        parts: list[Any] = []
        for i, item in enumerate(items):
            if i:
                parts.append(delimiter)
            parts.append(item if isinstance(item, Unresolved) else text_of(item, at, "a value"))
        return concat(parts, at)

    def _select(self, arg: Any, at: Where, _out: Path | None) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            raise at.error("Fn::Select takes [index, [values]]")
        index = self.value(arg[0], at.at(0))
        items = self.value(arg[1], at.at(1))
        for got in (index, items):
            if isinstance(got, Unresolved):
                return got
        if isinstance(index, str) and index.isdigit():
            index = int(index)
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise at.error(f"the index of Fn::Select must be a non-negative number, not {index!r}")
        if not isinstance(items, list):
            raise at.error("Fn::Select needs a list to select from")
        if index >= len(items):
            raise at.error(f"Fn::Select index {index} is out of range for {len(items)} values")
        return items[index]

    def _split(self, arg: Any, at: Where, _out: Path | None) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            raise at.error("Fn::Split takes [delimiter, string]")
        delimiter = self.scalar(arg[0], at.at(0), "the delimiter")
        text = self.scalar(arg[1], at.at(1), "the string to split")
        if isinstance(delimiter, Unresolved) or isinstance(text, Unresolved):
            return delimiter if isinstance(delimiter, Unresolved) else text
        if not delimiter:
            raise at.error("the delimiter of Fn::Split must not be empty")
        return [_like(text, part) for part in str(text).split(str(delimiter))]

    def _if(self, arg: Any, at: Where, out: Path | None) -> Any:
        if not isinstance(arg, list) or len(arg) != 3 or not isinstance(arg[0], str):
            raise at.error("Fn::If takes [ConditionName, value if true, value if false]")
        holds = self.scope.condition(str(arg[0]), at.at(0))
        if isinstance(holds, Unresolved):
            return at.unresolved(f"Fn::If {arg[0]}: {holds.construct}")
        branch = 1 if holds else 2
        return self.value(arg[branch], at.at(branch), out)

    def _find_in_map(self, arg: Any, at: Where, _out: Path | None) -> Any:
        if not isinstance(arg, list) or len(arg) not in (3, 4):
            raise at.error("Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]")
        names = [self.scalar(arg[i], at.at(i), "a map key") for i in range(3)]
        for got in names:
            if isinstance(got, Unresolved):
                return got
        default: Any = NO_VALUE
        if len(arg) == 4:
            # AWS::LanguageExtensions: [..., {DefaultValue: value}]
            options = arg[3]
            if not isinstance(options, dict) or set(options) != {"DefaultValue"}:
                raise at.error("the fourth argument of Fn::FindInMap is {DefaultValue: value}")
            default = self.value(options["DefaultValue"], at.at(3).at("DefaultValue"))
        return self.scope.find_in_map((str(names[0]), str(names[1]), str(names[2])), default, at)

    def _import_value(self, arg: Any, at: Where, _out: Path | None) -> Any:
        name = self.scalar(arg, at, "an export name")
        shown = name.construct if isinstance(name, Unresolved) else repr(str(name))
        return at.unresolved(f"Fn::ImportValue {shown}")  # another stack's export (D5)

    def _base64(self, arg: Any, at: Where, _out: Path | None) -> Any:
        text = self.scalar(arg, at, "the text to encode")
        if isinstance(text, Unresolved):
            return text
        return base64.b64encode(str(text).encode()).decode()

    def _get_azs(self, _arg: Any, at: Where, _out: Path | None) -> Any:
        return at.unresolved("Fn::GetAZs (the account's availability zones)")

    def _cidr(self, arg: Any, at: Where, _out: Path | None) -> Any:
        if not isinstance(arg, list) or len(arg) != 3:
            raise at.error("Fn::Cidr takes [ipBlock, count, cidrBits]")
        values = [self.scalar(arg[i], at.at(i), "a Fn::Cidr argument") for i in range(3)]
        for got in values:
            if isinstance(got, Unresolved):
                return got
        try:
            network = ipaddress.ip_network(str(values[0]), strict=False)
            count, bits = int(values[1]), int(values[2])
            prefix = network.max_prefixlen - bits
            subnets = network.subnets(new_prefix=prefix)
            return [str(next(subnets)) for _ in range(count)]
        except (ValueError, StopIteration) as exc:
            raise at.error(
                f"Fn::Cidr cannot split {values[0]}: {exc or 'too many subnets'}"
            ) from None

    def _length(self, arg: Any, at: Where, _out: Path | None) -> Any:
        items = self.value(arg, at)
        if isinstance(items, Unresolved):
            return items
        if not isinstance(items, list):
            raise at.error("Fn::Length needs a list")
        return len(items)

    def _to_json_string(self, arg: Any, at: Where, _out: Path | None) -> Any:
        got = self.value(arg, at)
        hidden = find_unresolved(got)
        if hidden is not None:
            return hidden[0]
        return json.dumps(got, separators=(",", ":"))

    def _transform(self, arg: Any, at: Where, _out: Path | None) -> Any:
        name = arg.get("Name") if isinstance(arg, dict) else None
        return at.unresolved(f"Fn::Transform {name!r} (a macro run at deploy)")

    # --- conditions -----------------------------------------------------------------------------

    def condition(self, node: Any, at: Where) -> Condition:
        """A condition expression from the Conditions section."""
        self.depth.level += 1
        try:
            if self.depth.level > MAX_DEPTH:
                raise at.error(f"nested more than {MAX_DEPTH} levels deep (conditions)")
            at = Where(file_of(node) or at.file, at.native, line_of(node) or at.line, at.construct)
            if not isinstance(node, dict) or len(node) != 1:
                raise at.error(
                    "a condition is one of Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition"
                )
            ((name, arg),) = node.items()
            inner = at.at(str(name))
            if name == "Condition":
                if not isinstance(arg, str):
                    raise inner.error("Condition takes the name of another condition")
                return self.scope.condition(str(arg), inner)
            if name == "Fn::Equals":
                return self._equals(arg, inner)
            if name in ("Fn::And", "Fn::Or", "Fn::Not"):
                return self._logic(str(name), arg, inner)
            raise at.error(f"{name} is not a condition function")
        finally:
            self.depth.level -= 1

    def _equals(self, arg: Any, at: Where) -> Condition:
        if not isinstance(arg, list) or len(arg) != 2:
            raise at.error("Fn::Equals takes [value, value]")
        left, right = (self.value(arg[i], at.at(i)) for i in range(2))
        for got in (left, right):
            if isinstance(got, Unresolved):
                return got
        return bool(_comparable(left) == _comparable(right))

    def _logic(self, name: str, arg: Any, at: Where) -> Condition:
        if not isinstance(arg, list) or not arg:
            raise at.error(f"{name} takes a list of conditions")
        if name == "Fn::Not":
            if len(arg) != 1:
                raise at.error("Fn::Not takes one condition")
            got = self.condition(arg[0], at.at(0))
            return got if isinstance(got, Unresolved) else not got
        if not 2 <= len(arg) <= 10:
            raise at.error(f"{name} takes 2 to 10 conditions")
        decisive = name == "Fn::Or"  # Or: any true decides; And: any false decides
        unknown: Unresolved | None = None
        for i, node in enumerate(arg):
            got = self.condition(node, at.at(i))
            if isinstance(got, Unresolved):
                unknown = unknown or got
            elif got is decisive:
                return decisive
        return unknown if unknown is not None else not decisive


def intrinsic_name(node: Mapping[Any, Any], at: Where) -> str | None:
    """The function a mapping calls ({"Ref": ...}, {"Fn::Sub": ...}), or None for plain data."""
    names = [k for k in node if k == "Ref" or (isinstance(k, str) and k.startswith("Fn::"))]
    if not names:
        return None
    if len(node) != 1:
        raise at.error(f"{names[0]} must be the only key of its mapping")
    return str(names[0])


def text_of(value: Any, at: Where, what: str) -> str:
    """A value used as text, as CloudFormation converts it (booleans lower-case)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise at.error(
        f"{what} must be a string, not a {'list' if isinstance(value, list) else 'mapping'}"
    )


def concat(parts: list[Any], at: Where | None = None) -> Any:
    """Join text parts: Unresolved if any part is, a Placeholder if any part is one."""
    for part in parts:
        if isinstance(part, Unresolved):
            return part
    if sum(len(p) for p in parts) > MAX_TEXT:
        message = f"the value built here is longer than {MAX_TEXT} characters"
        raise at.error(message) if at is not None else ConfigError(message)
    text = "".join(parts)
    # A placeholder built from a logical id says more than a defaulted pseudo parameter.
    marked = next(
        (p for p in parts if isinstance(p, Placeholder) and not p.of.startswith("AWS::")),
        next((p for p in parts if isinstance(p, Placeholder)), None),
    )
    if marked is not None and text != "":
        return Placeholder(text, of=marked.of, attribute=marked.attribute)
    return text


def _like(source: Any, text: str) -> str:
    """Text cut from `source` stays a Placeholder when `source` was one."""
    if isinstance(source, Placeholder):
        return Placeholder(text, of=source.of, attribute=source.attribute)
    return text


def _comparable(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return str(value)
    return value
