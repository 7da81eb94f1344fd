"""CloudFormation templates (JSON or YAML with short-form tags) decoded with cfn-lint's decoder.

cfn-lint's loader keeps line marks on every mapping, list and string and turns `!Ref`, `!GetAtt A.B`,
`!Sub` ... into their long forms. Big stacks are mostly resources no pool reads (functions, buckets),
so the document is composed once (libyaml, in C) and only the sections and resources the importer
reads are constructed into cfn-lint's marked nodes. cfn-lint is imported on first use: reading a
plain pool file never pays for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class Entry:
    """A top-level section or a resource: its key's line and its value, constructed on first use."""

    key: str
    line: int | None
    _node: Any
    _template: DecodedTemplate
    _value: Any = field(default=None, init=False)
    _built: bool = field(default=False, init=False)

    def value(self) -> Any:
        if not self._built:
            self._value = self._template.construct(self._node, self.key)
            self._built = True
        return self._value

    def members(self, key: str) -> dict[str, Entry] | None:
        """The entries of the mapping under `key` (a resource's Properties), none constructed."""
        node = _child(self._node, key)
        if node is None:
            return None
        return {
            k: Entry(k, line, v, self._template)
            for k, line, v in self._template.pairs(node, (self.key, key))
        }

    def line_of(self, key: str) -> int | None:
        """The line of `key` inside this entry's mapping."""
        if isinstance(self._node, dict):
            found = [k for k in self._node if k == key]
            return line_of(found[0]) if found else None
        for k, _ in getattr(self._node, "value", ()) if _is_mapping(self._node) else ():
            if getattr(k, "value", None) == key:
                return line_of(k)
        return None

    def scalar(self, *path: str) -> str | None:
        """A string found along `path` without constructing the rest (a resource's Type)."""
        node = self._node
        for part in path:
            node = _child(node, part)
            if node is None:
                return None
        if isinstance(node, str):
            return node
        value = getattr(node, "value", None)
        tag = str(getattr(node, "tag", ""))
        # A plain scalar's text, whatever YAML 1.1 would resolve it to (a condition named No).
        plain = type(node).__name__ == "ScalarNode" and not tag.startswith("!")
        return value if plain and isinstance(value, str) else None


def _child(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        return node.get(key)
    for k, v in getattr(node, "value", ()) if _is_mapping(node) else ():
        if getattr(k, "value", None) == key:
            return v
    return None


def _is_mapping(node: Any) -> bool:
    return type(node).__name__ == "MappingNode"


class DecodedTemplate:
    """A decoded template: `sections` (top-level keys) and `resources`, each an `Entry`."""

    def __init__(self, source: str, loader: Any, root: Any) -> None:
        self.source = source
        self._loader = loader  # None once the whole document is constructed (JSON fallback)
        self.sections: dict[str, Entry] = {}
        self.resources: dict[str, Entry] = {}
        for key, line, node in self.pairs(root, ()):
            self.sections[key] = Entry(key, line, node, self)
        resources = self.sections.get("Resources")
        if resources is not None:
            node = resources._node
            if (loader is not None and not _is_mapping(node)) or (
                loader is None and not isinstance(node, dict)
            ):
                raise ConfigError(
                    "Resources must be a mapping of logical ids to resources",
                    path=("Resources",), file=source, line=resources.line,
                )  # fmt: skip
            for key, line, value in self.pairs(node, ("Resources",)):
                self.resources[key] = Entry(key, line, value, self)

    def section(self, name: str) -> Any:
        entry = self.sections.get(name)
        return entry.value() if entry is not None else None

    def pairs(self, node: Any, path: tuple[str, ...]) -> Iterator[tuple[str, int | None, Any]]:
        if self._loader is None:
            if not isinstance(node, dict):
                raise ConfigError("expected a mapping", path=path, file=self.source)
            for key, value in node.items():
                yield str(key), line_of(key) or line_of(value), value
            return
        if not _is_mapping(node):
            raise ConfigError(
                "a template is a mapping (Resources, Parameters, ...)",
                path=path, file=self.source, line=line_of(node),
            )  # fmt: skip
        seen: dict[str, int | None] = {}
        for key_node, value in node.value:
            key = getattr(key_node, "value", None)
            line = line_of(key_node)
            if key == "<<" or not isinstance(key, str):
                raise ConfigError(
                    "merge keys and non-string keys are not supported here",
                    path=path, file=self.source, line=line,
                )  # fmt: skip
            if key in seen:
                # cfn-lint and CloudFormation refuse duplicate keys (the last one would win silently).
                raise ConfigError(
                    f"duplicate key {key!r} (first at line {seen[key]})",
                    path=(*path, key), file=self.source, line=line,
                )  # fmt: skip
            seen[key] = line
            yield key, line, value

    def construct(self, node: Any, key: str) -> Any:
        if self._loader is None:
            return node
        _check_shape(node, self.source)
        try:
            return self._loader.construct_object(node, deep=True)
        except RecursionError:  # pragma: no cover - _check_shape bounds the depth first
            raise ConfigError("nested too deeply", path=(key,), file=self.source) from None
        except Exception as exc:  # cfn-lint's parse errors, yaml constructor errors
            raise _decode_error(exc, self.source) from None


def decode(text: str, source: str) -> DecodedTemplate:
    """Compose `text` with cfn-lint's loader; constructed lazily (see the module docstring)."""
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
    return DecodedTemplate(source, loader, root)


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
            f"not a valid template: {first.message}", file=source, line=first.linenumber
        )
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
    line = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
    return ConfigError(f"not a valid template: {problem}", file=source, line=line)


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
