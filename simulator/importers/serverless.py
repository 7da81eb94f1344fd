"""Serverless Framework files (`serverless.yml`): `resources` is a CloudFormation template.

Variables (https://www.serverless.com/framework/docs/providers/aws/guide/variables) are resolved
before the template is read, as the framework does: `${self:path}` within the file, `${opt:name,
fallback}` from `--parameter name=VALUE` or the fallback (D2), `${sls:stage}`, `${aws:region}`,
`${aws:accountId}`; the region is `provider.region` and the stage `provider.stage` (D3, the
framework's defaults us-east-1 and dev otherwise). `${file(path):address}` reads a YAML or JSON file
as the framework does (its path relative to the service's folder, short-form tags in YAML, a missing
file null so that a fallback applies, the variables in it resolved against serverless.yml), but
only under the folder of serverless.yml: a file outside it, or one run (JavaScript) or read as text,
is Unresolved. Sources that live outside the files (`${cf:...}`, `${ssm:...}`, `${env:...}`,
`${s3:...}`, `${param:...}`) are Unresolved (D5). A `${...}` whose source the framework does not
know (`${AWS::Region}` in `Fn::Sub`) is left for CloudFormation.
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path as FsPath
from typing import Any

import msgspec

from simulator import inputs
from simulator.errors import ConfigError, Path, RolesimError, format_path
from simulator.importers.cfn_decode import (
    MAX_NODES,
    DecodedTemplate,
    decode_value,
    keep_marks,
    line_of,
)
from simulator.importers.intrinsics import MAX_DEPTH, concat
from simulator.importers.values import Unresolved
from simulator.model.document import Origin

_SOURCE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*)(?:(\([^)]*\))(?::|$)|:)")
_OUTSIDE = frozenset({"cf", "ssm", "env", "s3", "param", "git", "sls", "strToBool"})
_KNOWN = frozenset({"self", "opt", "aws", "file", *_OUTSIDE})
# How the framework reads a ${file(...)} by its extension, case and all (lib/configuration/
# variables/sources/file.js): YAML with CloudFormation's tags, JSON, JavaScript it runs, anything
# else (.YML too) as text.
_YAML, _JSON = frozenset({".yml", ".yaml"}), frozenset({".json"})
_RUN = frozenset({".js", ".cjs", ".mjs", ".ts"})
INCLUDED = inputs.InputKind(
    "files that ${file(...)} reads",
    1 * inputs.MiB,
    "a template fragment or a settings file is far smaller",
)
MAX_FILES = 100
_FALLBACK_LITERAL = re.compile(
    r"""^\s*(?:'([^']*)'|"([^"]*)"|(-?\d+(?:\.\d+)?)|(true|false))\s*$"""
)
DEFAULT_STAGE = "dev"


class ServerlessStack(msgspec.Struct, frozen=True):
    template: DecodedTemplate
    region: Any  # str, Unresolved, or None (the framework's default)
    stage: Any
    included: tuple[Unresolved, ...]  # resources the file includes from elsewhere, not read
    options: frozenset[str]  # the ${opt:...} names the file uses (set with --parameter)
    read: tuple[str, ...] = ()  # the files ${file(...)} read, as messages name them
    paths: tuple[str, ...] = ()  # the same, resolved


def serverless_template(
    decoded: DecodedTemplate, given: Mapping[str, str], folder: FsPath | None = None
) -> ServerlessStack:
    """`folder`: the service's folder, where ${file(...)} reads (None: no file is read)."""
    resolver = _Resolver(decoded, given, _Files(folder, decoded.source))
    provider = resolver.section_value("provider")
    region = resolver.lookup(("provider", "region")) if isinstance(provider, dict) else None
    region = given.get("AWS::Region") or given.get("region") or region
    resolver.region = region
    resources = resolver.section_value("resources")
    template: dict[Any, Any] = {}
    fragments = resources if isinstance(resources, list) else [resources] if resources else []
    for i, fragment in enumerate(fragments):
        if isinstance(fragment, Unresolved):
            template.setdefault("_included", []).append(fragment)
            continue
        if not isinstance(fragment, dict):
            raise ConfigError(
                "resources must be a CloudFormation template fragment (Resources, Outputs, ...)",
                file=decoded.source, line=line_of(fragment) or decoded.sections["resources"].line,
                native_path=format_path(("resources", i) if isinstance(resources, list) else ("resources",)),
            )  # fmt: skip
        for key, value in fragment.items():
            if isinstance(value, dict) and isinstance(template.get(key), dict):
                template[key].update(value)
            else:
                template[key] = value
    included = template.pop("_included", [])
    out = DecodedTemplate(decoded.source, None, template)
    options = frozenset({*resolver.options, "stage", "region"})
    files = resolver.files
    return ServerlessStack(
        out,
        region,
        resolver.stage(),
        tuple(included),
        options,
        tuple(files.read),
        tuple(files.paths),
    )


class _Files:
    """The files ${file(...)} reads: only regular files under the service's folder (one outside it
    may be any file of the machine rolesim runs on), each read once, their sizes bounded."""

    def __init__(self, folder: FsPath | None, source: str) -> None:
        self.folder = folder
        self.base = os.path.dirname(source)  # messages name a file as the command line would
        self.read: list[str] = []
        self.paths: list[str] = []
        self.nodes = 0  # nodes resolved from files, each use counted (a file used twice is twice)
        self.open: list[str] = []  # the files being resolved, innermost last
        self._content: dict[FsPath, tuple[str, Any, int]] = {}

    def load(self, given: str, construct: str, where: Origin) -> Any:
        """(name, raw content) of the file, None when there is none (the framework's null, so a
        fallback applies), or Unresolved when rolesim does not read it."""
        if self.folder is None:
            return Unresolved(
                f"{construct} (the Serverless file was not read from a folder)", where
            )
        suffix = os.path.splitext(given)[1]
        if suffix in _RUN:
            return Unresolved(f"{construct} (JavaScript the framework runs when it deploys)", where)
        if suffix not in _YAML | _JSON:
            return Unresolved(f"{construct} (only .yml, .yaml and .json files are read)", where)
        try:
            target = inputs.within(self.folder, given)
        except (OSError, ValueError, RuntimeError) as exc:  # a NUL byte, a loop of links
            raise ConfigError(f"{construct} names no file rolesim can read ({exc})", file=where.file,
                              line=where.line, native_path=where.native_path) from None  # fmt: skip
        if target is None:
            return Unresolved(
                f"{construct} (outside the folder of serverless.yml: not read)", where
            )
        if target not in self._content:
            self._content[target] = self._read(target, given, where)
        name, content, nodes = self._content[target]
        if name == "":
            return None
        self.nodes += nodes
        if self.nodes > MAX_NODES:
            raise ConfigError(
                f"the files ${{file(...)}} reads expand to more than {MAX_NODES} nodes",
                file=where.file, line=where.line, native_path=where.native_path,
            )  # fmt: skip
        return name, content

    def _read(self, target: FsPath, given: str, where: Origin) -> tuple[str, Any, int]:
        name = os.path.normpath(os.path.join(self.base, given))
        if not os.path.lexists(target):
            return "", None, 0
        if not target.is_file():
            raise ConfigError(f"${{file({given})}} is not a regular file", file=where.file,
                              line=where.line, native_path=where.native_path)  # fmt: skip
        if len(self._content) >= MAX_FILES:
            raise ConfigError(f"more than {MAX_FILES} files read by ${{file(...)}}",
                              file=where.file, line=where.line)  # fmt: skip
        try:
            text = inputs.read_text(target, INCLUDED)
        except RolesimError as exc:
            raise ConfigError(f"${{file({given})}} cannot be read: {exc}", file=where.file,
                              line=where.line, native_path=where.native_path) from None  # fmt: skip
        as_json = os.path.splitext(given)[1] in _JSON
        content, nodes = decode_value(text, name, as_json=as_json)
        self.read.append(name)
        self.paths.append(str(target))
        return name, content, nodes

    @contextlib.contextmanager
    def resolving(self, name: str, where: Origin) -> Iterator[None]:
        if name in self.open:
            chain = " -> ".join([*self.open[self.open.index(name) :], name])
            raise ConfigError(f"files include each other: {chain}", file=where.file,
                              line=where.line, native_path=where.native_path)  # fmt: skip
        self.open.append(name)
        try:
            yield
        finally:
            self.open.pop()


class _Resolver:
    def __init__(self, decoded: DecodedTemplate, given: Mapping[str, str], files: _Files) -> None:
        self.decoded = decoded  # serverless.yml: what ${self:...} reads, from whichever file
        self.source = decoded.source  # the file being resolved, for messages
        self.given = given
        self.files = files
        self.region: Any = None
        self.options: set[str] = set()
        self._resolving: list[str] = []
        self._looked: dict[tuple[str, ...], Any] = {}
        self._sections: dict[str, Any] = {}

    def reading(self, source: str) -> _Resolver:
        """This resolver, its messages naming `source`: the state (lookups, the variables being
        resolved, options seen) is shared, as the framework resolves one configuration."""
        other = copy.copy(self)
        other.source = source
        return other

    def section_value(self, name: str) -> Any:
        if name not in self._sections:
            entry = self.decoded.sections.get(name)
            raw = entry.value() if entry is not None else None
            self._sections[name] = self.resolve(raw, (name,), entry.line if entry else None, 0)
        return self._sections[name]

    def stage(self) -> Any:
        if "stage" in self.given:
            return self.given["stage"]
        configured = self.lookup(("provider", "stage"))
        return configured if configured is not None else DEFAULT_STAGE

    def lookup(self, path: tuple[str, ...]) -> Any:
        """The value at `path` in the file, resolving only the nodes on the way to it (once: a
        value may be referred to many times)."""
        if path not in self._looked:
            self._looked[path] = self._lookup(path)
        return self._looked[path]

    def _lookup(self, path: tuple[str, ...]) -> Any:
        entry = self.decoded.sections.get(path[0])
        if entry is None:
            return None
        main = self if self.source == self.decoded.source else self.reading(self.decoded.source)
        found = main.walk(entry.value(), path[1:], path[:1], entry.line, 0)
        if found is None:
            return None
        node, line = found
        return main.resolve(node, path, line, 0)

    def walk(
        self, node: Any, address: tuple[str, ...], native: Path, line: int | None, depth: int
    ) -> tuple[Any, int | None] | None:
        """The node at `address` under `node` and its line, resolving only the strings on the way
        to it (the framework's order); None when there is none, an Unresolved on the way."""
        for part in address:
            if isinstance(node, str) and "${" in node:
                node = self.text(node, native, line, depth)
            if isinstance(node, Unresolved):
                return node, line  # what is below an unknown value is unknown, for its reason
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
            native = (*native, part)
            line = line_of(node) or line
        return node, line

    # --- walking --------------------------------------------------------------------------------

    def resolve(self, value: Any, native: Path, line: int | None, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ConfigError(f"nested more than {MAX_DEPTH} levels deep", file=self.source,
                              line=line, native_path=format_path(native))  # fmt: skip
        line = line_of(value) or line
        if isinstance(value, dict):
            out = {
                k: self.resolve(v, (*native, str(k)), line_of(k) or line, depth + 1)
                for k, v in value.items()
            }
            return keep_marks(value, out)
        if isinstance(value, list):
            return keep_marks(
                value, [self.resolve(v, (*native, i), line, depth + 1) for i, v in enumerate(value)]
            )
        if isinstance(value, str) and "${" in value:
            return self.text(value, native, line, depth)
        return value

    def text(self, text: str, native: Path, line: int | None, depth: int) -> Any:
        parts: list[Any] = []
        position = 0
        spans = list(_variables(text))
        for start, end in spans:
            parts.append(text[position:start])
            content = text[start + 2 : end - 1]
            got = self.variable(content, native, line, depth)
            if got is _NOT_A_VARIABLE:
                got = text[start:end]
            elif len(spans) == 1 and start == 0 and end == len(text):
                return got  # the whole value: any type
            if isinstance(got, dict | list):
                raise ConfigError(
                    f"${{{content}}} is a {'list' if isinstance(got, list) else 'mapping'}, used "
                    "inside a string", file=self.source, line=line, native_path=format_path(native),
                )  # fmt: skip
            parts.append(got if isinstance(got, Unresolved) else _text(got))
            position = end
        parts.append(text[position:])
        try:
            joined = concat(parts)
        except ConfigError as err:
            raise err.locate(self.source, line, native_path=format_path(native)) from None
        return keep_marks(text, joined) if isinstance(joined, str) else joined

    def variable(self, content: str, native: Path, line: int | None, depth: int) -> Any:
        if "${" in content:
            inner = self.text(content, native, line, depth + 1)
            if isinstance(inner, Unresolved):
                return inner
            content = str(inner)
        first, *fallbacks = _split_top(content)
        found = _SOURCE.match(first)
        if found is None or found.group(1) not in _KNOWN:
            return _NOT_A_VARIABLE
        where = Origin(self.source, line, format_path(native))
        if found.group(1) == "file":
            value = self.file(found.group(2), first[found.end() :].strip(), content, where, depth)
        else:
            value = self.reference(found.group(1), first[found.end() :].strip(), content, where)
        for fallback in fallbacks:
            if value is not None:
                break
            value = self.fallback(fallback, native, line, depth)
        if value is None:
            hint = {
                "opt": f" (give --parameter {first[found.end() :].strip()}=VALUE)",
                "file": " (no such file in the folder of serverless.yml, or nothing at that address)",
            }.get(found.group(1), "")
            return Unresolved(f"${{{content}}} has no value{hint}", where)
        return value

    def reference(self, source: str, address: str, content: str, where: Origin) -> Any:
        if source in _OUTSIDE and not (source == "sls" and address == "stage"):
            return Unresolved(f"${{{content}}} (read when the framework deploys)", where)
        if source == "sls":
            return self.stage()
        if source == "opt":
            self.options.add(address)
            if address == "stage":
                return self.given.get("stage")
            if address == "region":
                return self.given.get("region") or self.given.get("AWS::Region")
            return self.given.get(address)
        if source == "aws":
            if address == "region":
                return self.region or "us-east-1"
            if address == "accountId":
                return self.given.get("AWS::AccountId") or "123456789012"
            return Unresolved(f"${{{content}}}", where)
        # self: a path within the file
        key = address.strip()
        if key in self._resolving:
            chain = " -> ".join([*self._resolving[self._resolving.index(key) :], key])
            raise ConfigError(f"circular variable: {chain}", file=where.file, line=where.line,
                              native_path=where.native_path)  # fmt: skip
        if len(self._resolving) > MAX_DEPTH // 2:
            raise ConfigError("variables refer to each other too deeply", file=where.file,
                              line=where.line, native_path=where.native_path)  # fmt: skip
        self._resolving.append(key)
        try:
            path = tuple(p for p in key.split(".") if p)
            if not path:
                return None
            if path == ("provider", "stage"):
                return self.stage()
            return self.lookup(path)
        finally:
            self._resolving.pop()

    def file(
        self, params: str | None, address: str, content: str, where: Origin, depth: int
    ) -> Any:
        """${file(path):address}: the value at `address` in the file (the whole file without one),
        its variables resolved; None when the file or the address is not there."""
        given = (params or "()")[1:-1].split(",")[0].strip().strip("'\"")
        if not given:
            raise ConfigError(f"${{{content}}} names no file", file=where.file, line=where.line,
                              native_path=where.native_path)  # fmt: skip
        loaded = self.files.load(given, f"${{{content}}}", where)
        if not isinstance(loaded, tuple):
            return loaded
        name, node = loaded
        inner = self.reading(name)
        # A file may refer to itself at another address, as the framework allows; the same
        # address again is a cycle.
        with self.files.resolving(f"{name}:{address}" if address else name, where):
            parts = tuple(p for p in address.split(".") if p)
            found = inner.walk(node, parts, (), line_of(node), depth + 1)
            if found is None:
                return None
            node, line = found
            return inner.resolve(node, parts, line, depth + 1)

    def fallback(self, text: str, native: Path, line: int | None, depth: int) -> Any:
        literal = _FALLBACK_LITERAL.match(text)
        if literal is not None:
            quoted_single, quoted_double, number, boolean = literal.groups()
            if boolean is not None:
                return boolean == "true"
            if number is not None:
                return float(number) if "." in number else int(number)
            return quoted_single if quoted_single is not None else quoted_double
        stripped = text.strip()
        if stripped.startswith("${") and stripped.endswith("}"):
            stripped = stripped[2:-1]
        got = self.variable(stripped, native, line, depth + 1)
        return (
            None
            if got is _NOT_A_VARIABLE
            or (isinstance(got, Unresolved) and "has no value" in got.construct)
            else got
        )


_NOT_A_VARIABLE: Any = object()


def _variables(text: str) -> list[tuple[int, int]]:
    """(start, end) of each top-level `${...}`, nested braces included."""
    out = []
    i = text.find("${")
    while i != -1:
        depth, j = 0, i
        while j < len(text):
            if text.startswith("${", j):
                depth += 1
                j += 2
                continue
            if text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if depth != 0:
            break
        out.append((i, j + 1))
        i = text.find("${", j + 1)
    return out


def _split_top(content: str) -> list[str]:
    """Split on commas outside quotes, parentheses and nested variables."""
    parts, current, depth, quote = [], "", 0, ""
    for ch in content:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += ch
    parts.append(current)
    return parts


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)
