"""CloudFormation templates (JSON or YAML with short-form tags) decoded with cfn-lint's decoder.

cfn-lint's loader keeps line marks on every mapping, list and string and turns `!Ref`, `!GetAtt A.B`,
`!Sub` ... into their long forms. Big stacks are mostly resources no pool reads (functions, buckets),
so a YAML document is composed once (libyaml, in C) and only the sections, resources and properties
the importer reads are constructed into cfn-lint's marked nodes. A JSON document (CDK writes JSON)
is parsed by the json module, and only the values read are composed with cfn-lint's loader, lines
kept. cfn-lint is imported on first use: reading a
plain pool file never pays for it.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

import msgspec

from simulator.errors import ConfigError

MAX_DEPTH = 100  # nesting no real template approaches; deeper input is refused, not recursed into
MAX_NODES = 250_000  # YAML aliases expanded (the guard cfn-lint applies to whole templates)
_JSON_FALLBACK = (
    "found character '\\t' that cannot start any token",
    "found unknown escape character",
)


def line_of(node: Any) -> int | None:
    """1-based line of a decoded (or composed) node, when it carries a mark."""
    mark = getattr(node, "start_mark", None)
    line = getattr(mark, "line", None)
    return line + 1 if isinstance(line, int) else None


def keep_marks(original: Any, value: Any) -> Any:
    """`value` as the decoder's node class with the original's marks, so lines survive a value
    rebuilt from it (a substituted variable, an expanded loop)."""
    start, end = getattr(original, "start_mark", None), getattr(original, "end_mark", None)
    if start is None:
        return value
    from cfnlint.decode.node import dict_node, list_node, str_node

    if isinstance(value, dict):
        return dict_node(value, start, end)
    if isinstance(value, list):
        return list_node(value, start, end)
    if isinstance(value, str):
        return str_node(value, start, end)
    return value


class FileMark(msgspec.Struct, frozen=True):
    """The mark of a node read from another file than the one named on the command line (a
    Serverless `${file(...)}`): its line and column, as cfn-lint's marks, and that file's name."""

    line: int
    column: int
    file: str


def file_of(node: Any) -> str | None:
    """The file a node was read from, when it is not the template's own (see FileMark)."""
    found = getattr(getattr(node, "start_mark", None), "file", None)
    return found if isinstance(found, str) else None


class Entry(msgspec.Struct):
    """A top-level section, a resource or a property: its key's line and its value, constructed on
    first use."""

    key: str
    line: int | None
    _node: Any
    _template: DecodedTemplate
    _value: Any = None  # built on first use
    _built: bool = False

    def value(self) -> Any:
        if not self._built:
            self._value = self._template.backend.construct(self._node)
            self._built = True
        return self._value

    def plain_at(self, *path: str) -> Any:
        """The value along `path` without line marks where that is cheaper (JSON), None when
        absent, NOT_PLAIN when only the marked value can be had."""
        return self._template.backend.plain_at(self._node, path)

    def members(self, key: str) -> dict[str, Entry] | None:
        """The entries of the mapping under `key` (a resource's Properties), none constructed."""
        node = self._template.backend.child(self._node, key)
        if node is None:
            return None
        return {
            k: Entry(k, line, v, self._template)
            for k, line, v in self._template.pairs(node, (self.key, key))
        }

    def line_of(self, key: str) -> int | None:
        """The line of `key` inside this entry's mapping."""
        for k, line, _ in self._template.backend.items(self._node):
            if k == key:
                return line
        return None

    def scalar(self, *path: str) -> str | None:
        """A string found along `path` without constructing the rest (a resource's Type)."""
        return self._template.backend.scalar(self._node, path)


NOT_PLAIN: Any = object()


class _Backend:
    """How one kind of decoded document is walked: composed YAML nodes, constructed values, or
    spans of JSON text."""

    def items(self, node: Any) -> Iterator[tuple[Any, int | None, Any]]:
        raise NotImplementedError

    def is_mapping(self, node: Any) -> bool:
        raise NotImplementedError

    def construct(self, node: Any) -> Any:
        raise NotImplementedError

    def text(self, node: Any) -> str | None:
        raise NotImplementedError

    def child(self, node: Any, key: str) -> Any:
        return next((v for k, _, v in self.items(node) if k == key), None)

    def scalar(self, node: Any, path: tuple[str, ...]) -> str | None:
        for part in path:
            node = self.child(node, part)
            if node is None:
                return None
        return self.text(node)

    def plain_at(self, node: Any, path: tuple[str, ...]) -> Any:  # noqa: ARG002
        return NOT_PLAIN


class _Constructed(_Backend):
    """Values already constructed (cfn-lint's JSON decoder, a Serverless file's resources)."""

    def items(self, node: Any) -> Iterator[tuple[Any, int | None, Any]]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield key, line_of(key) or line_of(value), value

    def is_mapping(self, node: Any) -> bool:
        return isinstance(node, dict)

    def construct(self, node: Any) -> Any:
        return node

    def text(self, node: Any) -> str | None:
        return str(node) if isinstance(node, str) else None

    def child(self, node: Any, key: str) -> Any:
        return node.get(key) if isinstance(node, dict) else None


class _Composed(_Backend):
    """libyaml's composed nodes; each one read is constructed with cfn-lint's constructor."""

    def __init__(self, loader: Any, source: str) -> None:
        self.loader = loader
        self.source = source

    def items(self, node: Any) -> Iterator[tuple[Any, int | None, Any]]:
        if self.is_mapping(node):
            for key_node, value in node.value:
                merge = getattr(key_node, "tag", "") == "tag:yaml.org,2002:merge"
                yield "<<" if merge else getattr(key_node, "value", None), line_of(key_node), value

    def is_mapping(self, node: Any) -> bool:
        return type(node).__name__ == "MappingNode"

    def construct(self, node: Any) -> Any:
        _check_shape(node, self.source)
        try:
            return self.loader.construct_object(node, deep=True)
        except RecursionError:  # pragma: no cover - _check_shape bounds the depth first
            raise ConfigError("nested too deeply", file=self.source, line=line_of(node)) from None
        except Exception as exc:  # cfn-lint's parse errors, yaml constructor errors
            raise _decode_error(exc, self.source) from None

    def text(self, node: Any) -> str | None:
        value = getattr(node, "value", None)
        tag = str(getattr(node, "tag", ""))
        # A plain scalar's text, whatever YAML 1.1 would resolve it to (a condition named No).
        plain = type(node).__name__ == "ScalarNode" and not tag.startswith("!")
        return value if plain and isinstance(value, str) else None


class _Span(msgspec.Struct, frozen=True):
    start: int  # of the value in the JSON text
    end: int
    value: Any  # as the json module parsed it (no lines), for cheap lookups


class _JsonSpans(_Backend):
    """A JSON template: the json module (in C) finds each value's span; only the spans the
    importer reads are composed and constructed by cfn-lint's loader, so lines stay exact."""

    def __init__(self, text: str, source: str) -> None:
        self.json_text = text
        self.source = source
        self.newlines = [m.start() for m in _NEWLINE.finditer(text)]
        self.decoder = json.JSONDecoder()
        self._members: dict[int, list[tuple[Any, int | None, Any]]] = {}

    def line(self, position: int) -> int:
        return bisect.bisect_left(self.newlines, position) + 1

    def items(self, node: Any) -> Iterator[tuple[Any, int | None, Any]]:
        if not self.is_mapping(node):
            return iter(())
        if node.start not in self._members:
            self._members[node.start] = list(self._scan(node))
        return iter(self._members[node.start])

    def child(self, node: Any, key: str) -> Any:
        if not self.is_mapping(node) or key not in node.value:
            return None
        return super().child(node, key)

    def _scan(self, node: _Span) -> Iterator[tuple[Any, int | None, Any]]:
        text, position = self.json_text, _skip(self.json_text, node.start + 1)
        if text[position] == "}":
            return
        while True:
            key, after = scanstring(text, position + 1)
            line = self.line(position)
            position = _skip(text, _skip(text, after) + 1)  # past ':'
            value, end = self.decoder.raw_decode(text, position)
            yield key, line, _Span(position, end, value)
            position = _skip(text, end)
            if text[position] == "}":
                return
            position = _skip(text, position + 1)

    def is_mapping(self, node: Any) -> bool:
        return isinstance(node, _Span) and isinstance(node.value, dict)

    def construct(self, node: Any) -> Any:
        from cfnlint.decode import cfn_yaml
        from yaml import YAMLError

        # Tabs are only whitespace between JSON tokens (a JSON string cannot hold a raw tab).
        piece = self.json_text[node.start : node.end].replace("\t", " ")
        loader = cfn_yaml.CfnFullLoader(piece, self.source)
        loader.add_multi_constructor("!", cfn_yaml.multi_constructor)
        try:
            composed = loader.get_single_node()
        except YAMLError:
            return node.value  # JSON YAML cannot read (escapes): the value, lines from its key
        try:
            value = _Composed(loader, self.source).construct(composed)
        finally:
            loader.dispose()
        _shift_lines(value, self.line(node.start) - 1)
        return value

    def text(self, node: Any) -> str | None:
        return node.value if isinstance(node, _Span) and isinstance(node.value, str) else None

    def scalar(self, node: Any, path: tuple[str, ...]) -> str | None:
        value = self.plain_at(node, path)  # the parsed value: no member spans needed
        return value if isinstance(value, str) else None

    def plain_at(self, node: Any, path: tuple[str, ...]) -> Any:
        value = node.value
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        return value


class DecodedTemplate:
    """A decoded template: `sections` (top-level keys) and `resources`, each an `Entry`."""

    def __init__(self, source: str, backend: _Backend | None, root: Any) -> None:
        self.source = source
        self.backend = backend or _Constructed()
        self.sections: dict[str, Entry] = {}
        self.resources: dict[str, Entry] = {}
        if not self.backend.is_mapping(root):
            raise ConfigError(
                "a template is a mapping (Resources, Parameters, ...)",
                file=source, line=line_of(root),
            )  # fmt: skip
        for key, line, node in self.pairs(root, ()):
            self.sections[key] = Entry(key, line, node, self)
        resources = self.sections.get("Resources")
        if resources is not None:
            if not self.backend.is_mapping(resources._node):
                raise ConfigError(
                    "Resources must be a mapping of logical ids to resources",
                    file=source, line=resources.line, native_path="Resources",
                )  # fmt: skip
            for key, line, value in self.pairs(resources._node, ("Resources",)):
                self.resources[key] = Entry(key, line, value, self)

    def section(self, name: str) -> Any:
        entry = self.sections.get(name)
        return entry.value() if entry is not None else None

    def pairs(self, node: Any, path: tuple[str, ...]) -> Iterator[tuple[str, int | None, Any]]:
        """The members of a mapping the importer walks itself; duplicate keys are refused."""
        where = ".".join(path) or None
        if not self.backend.is_mapping(node):
            raise ConfigError("expected a mapping", file=self.source, native_path=where)
        seen: dict[str, int | None] = {}
        for key, line, value in self.backend.items(node):
            if key == "<<" or not isinstance(key, str):
                raise ConfigError(
                    "merge keys and non-string keys are not supported here",
                    file=self.source, line=line, native_path=where,
                )  # fmt: skip
            if key in seen:
                # cfn-lint and CloudFormation refuse duplicate keys (the last one would win silently).
                raise ConfigError(
                    f"duplicate key {key!r} (first at line {seen[key]})",
                    file=self.source, line=line, native_path=".".join((*path, key)),
                )  # fmt: skip
            seen[key] = line
            yield key, line, value


def _shift_lines(value: Any, lines: int) -> None:
    """Move the marks of a piece decoded alone to the lines it has in the whole file."""
    if not lines:
        return
    from cfnlint.decode.mark import Mark

    stack = [value]
    while stack:
        item = stack.pop()
        for name in ("start_mark", "end_mark"):
            mark: Any = getattr(item, name, None)
            if isinstance(getattr(mark, "line", None), int):
                setattr(item, name, Mark(mark.line + lines, mark.column))
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


_NEWLINE = re.compile("\n")
_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _skip(text: str, position: int) -> int:
    found = _WHITESPACE.match(text, position)
    return found.end() if found is not None else position


def decode(text: str, source: str) -> DecodedTemplate:
    """Compose `text` with cfn-lint's loader; constructed lazily (see the module docstring)."""
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            pass  # not plain JSON: the YAML reader reports where
        else:
            start = len(text) - len(text.lstrip())
            return DecodedTemplate(source, _JsonSpans(text, source), _Span(start, len(text), data))
    from cfnlint.decode import cfn_yaml
    from yaml import YAMLError
    from yaml.scanner import ScannerError

    loader = cfn_yaml.CfnFullLoader(text, source)
    loader.add_multi_constructor("!", cfn_yaml.multi_constructor)
    try:
        root = loader.get_single_node()
    except ScannerError as exc:
        # As cfn-lint does: JSON that YAML cannot scan (tabs, escapes) is read as JSON.
        if text.lstrip().startswith("{") and str(exc.problem).startswith(_JSON_FALLBACK):
            return _decode_json(text, source)
        raise _decode_error(exc, source) from None
    except YAMLError as exc:
        raise _decode_error(exc, source) from None
    if root is None:
        raise ConfigError("the file is empty", file=source)
    if "&" in text:
        _check_shape(
            root, source
        )  # YAML aliases: bound what they expand to before anything reads them
    return DecodedTemplate(source, _Composed(loader, source), root)


def decode_value(text: str, source: str, *, as_json: bool) -> tuple[Any, int]:
    """A whole file constructed, whatever its root (a mapping, a list, a scalar; None when empty),
    each node marked as read from `source` (FileMark); and how many nodes it holds. JSON with
    cfn-lint's JSON decoder, else YAML with its loader and short-form tags."""
    if as_json:
        from cfnlint.decode import cfn_json

        try:
            root = cfn_json.loads(text)
        except RecursionError:
            raise ConfigError("nested too deeply", file=source) from None
        except Exception as exc:  # cfn-lint's JSON errors
            raise _decode_error(exc, source) from None
    else:
        from cfnlint.decode import cfn_yaml
        from yaml import YAMLError

        loader = cfn_yaml.CfnFullLoader(text, source)
        loader.add_multi_constructor("!", cfn_yaml.multi_constructor)
        try:
            node = loader.get_single_node()
        except YAMLError as exc:
            raise _decode_error(exc, source) from None
        if node is None:
            return None, 0
        root = _Composed(loader, source).construct(node)
    return root, _mark_file(root, source)


def _mark_file(value: Any, source: str) -> int:
    """Replace the marks under `value` with FileMarks naming `source`; the number of nodes (a
    node an alias shares is counted each time it appears, as it is resolved each time)."""
    count = 0
    stack = [value]
    while stack:
        item = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ConfigError(f"the file expands to more than {MAX_NODES} nodes", file=source)
        for name in ("start_mark", "end_mark"):
            mark: Any = getattr(item, name, None)
            if isinstance(getattr(mark, "line", None), int) and not isinstance(mark, FileMark):
                setattr(item, name, FileMark(mark.line, mark.column, source))
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _decode_json(text: str, source: str) -> DecodedTemplate:
    from cfnlint.decode import cfn_json

    try:
        data = cfn_json.loads(text)
    except RecursionError:
        raise ConfigError("nested too deeply", file=source) from None
    except Exception as exc:
        raise _decode_error(exc, source) from None
    return DecodedTemplate(source, None, data)


def _decode_error(exc: Exception, source: str) -> ConfigError:
    matches = getattr(exc, "matches", None)
    if matches:
        first = matches[0]
        return ConfigError(
            f"not a valid template: {first.message}",
            file=source,
            line=first.linenumber,
            code="syntax",
        )
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
    line = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
    return ConfigError(f"not a valid template: {problem}", file=source, line=line, code="syntax")


def _check_shape(root: Any, source: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH and alias expansion beyond MAX_NODES, iteratively
    (shared alias nodes are measured once: size and height are memoised per node)."""
    measured: dict[int, tuple[int, int]] = {}  # id -> (expanded size, height)
    visiting: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in measured:
            continue
        children = _children(node)
        if not done:
            if id(node) in visiting:
                raise ConfigError("a YAML alias refers to itself", file=source, line=line_of(node))
            visiting.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in measured)
            continue
        visiting.discard(id(node))
        parts = [measured.get(id(c)) for c in children]
        if any(p is None for p in parts):
            raise ConfigError("a YAML alias refers to itself", file=source, line=line_of(node))
        size = 1 + sum(p[0] for p in parts if p is not None)
        height = 1 + max((p[1] for p in parts if p is not None), default=0)
        if height > MAX_DEPTH:
            raise ConfigError(
                f"nested more than {MAX_DEPTH} levels deep", file=source, line=line_of(node)
            )
        if size > MAX_NODES:
            raise ConfigError(
                f"the template expands to more than {MAX_NODES} nodes (YAML aliases)",
                file=source, line=line_of(node),
            )  # fmt: skip
        measured[id(node)] = (size, height)


def _children(node: Any) -> list[Any]:
    value = getattr(node, "value", None)
    if isinstance(value, list):
        if value and isinstance(value[0], tuple):
            return [part for pair in value for part in pair]
        return value
    return []
