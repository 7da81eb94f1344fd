"""Reading YAML or JSON documents with line numbers, and typed access that reports paths."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path as FsPath
from typing import Any, ClassVar

import msgspec
from msgspec.structs import replace

from simulator import inputs
from simulator.errors import ConfigError, Path, PathPart, extend_path
from simulator.record import WithExtras


class Origin(msgspec.Struct, frozen=True):
    """Where a value of a pool document was written: for an imported template, the native file.

    `native_path` is the path inside that file (`Resources.Attachment.Properties.RoleMappings`), and
    `construct` what the user recognises it by (CDK's `aws:cdk:path`, a Terraform address).
    """

    file: str
    line: int | None = None
    native_path: str | None = None
    construct: str | None = None


class Document(WithExtras, msgspec.Struct, frozen=True, eq=False):
    """A parsed file: plain data and the file's name; `line_of` finds where a path was written.

    An imported infrastructure file (simulator.importers) is a Document too: `data` is the pool in
    AWS's shapes and `origins` maps paths inside it to where the user wrote each value.
    """

    data: Any
    source: str
    origins: Mapping[Path, Origin] | None = None
    # The text `data` was read from without line information (inputs.yaml_data): `line_of` reads
    # it again, with lines, when it is first asked. An extra: not part of the value.
    text: str | None = None
    extra_fields: ClassVar[int] = 1

    def with_data(self, data: Any) -> Document:
        """This document's lines and origins for other data at the same paths (a repaired copy)."""
        return replace(self, data=data)

    def origin_of(self, path: Sequence[PathPart]) -> Origin | None:
        """The origin recorded for the longest prefix of `path` (imported documents only)."""
        if not self.origins:
            return None
        key = tuple(path)
        while True:
            found = self.origins.get(key)
            if found is not None or not key:
                return found
            key = key[:-1]

    def where(self, path: Sequence[PathPart]) -> Origin | None:
        """The native origin of `path` (imported documents only): the deepest recorded origin along
        it, its native path extended by the rest of `path` (a key the template leaves out)."""
        if not self.origins:
            return None
        key = tuple(path)
        while key and key not in self.origins:
            key = key[:-1]
        found = self.origins.get(key)
        rest = tuple(path)[len(key) :]
        if found is None or not rest or found.native_path is None:
            return found
        return replace(found, native_path=extend_path(found.native_path, rest))

    def line_of(self, path: Sequence[PathPart]) -> int | None:
        """1-based line of the deepest node along `path` that the parser recorded."""
        if self.origins is not None:
            origin = self.origin_of(path)
            return origin.line if origin is not None else None
        node, line = self.data if self.text is None else _lined(self.text, self.source), None
        for part in path:
            lc = getattr(node, "lc", None)
            try:
                if isinstance(part, int) and isinstance(node, list):
                    if lc is not None:
                        line = lc.item(part)[0] + 1
                    node = node[part]
                elif isinstance(node, dict) and part in node:
                    if lc is not None:
                        line = lc.key(part)[0] + 1
                    node = node[part]
                else:
                    break
            except (KeyError, IndexError, TypeError, AttributeError):
                break
        return line

    def error(self, err: ConfigError) -> ConfigError:
        origin = self.where(err.path)
        if origin is not None:
            return err.locate(
                origin.file, origin.line, native_path=origin.native_path, construct=origin.construct
            )
        return err.locate(self.source, self.line_of(err.path))


@lru_cache(maxsize=2)  # a diff's two pools; each tree can be large
def _lined(text: str, source: str) -> Any:
    """`text` read with its line information, for the document read without it."""
    try:
        return inputs.load_yaml(text, source)
    except ConfigError:  # read once already: not expected, and then there is no line to give
        return None


def parse_text(text: str, source: str) -> Document:
    """YAML 1.2 (JSON is a subset), bounded and checked by simulator.inputs; errors name the line."""
    data, lined = inputs.yaml_data(text, source)
    doc = Document(data, source, text=None if lined else text)
    problem = inputs.tree_problem(data, aliases=True)
    if problem is not None:
        raise doc.error(ConfigError(problem[0], path=problem[1]))
    return doc


def read_file(path: FsPath | str, kind: inputs.InputKind = inputs.DOCUMENT) -> Document:
    return parse_text(inputs.read_text(path, kind), inputs.source_name(path))


def read_text(path: FsPath | str, kind: inputs.InputKind = inputs.DOCUMENT) -> str:
    return inputs.read_text(path, kind)


def plain(value: Any) -> Any:
    """Strip parser types (ruamel's CommentedMap, ScalarString...) down to JSON values."""
    return json.loads(json.dumps(value, default=str))
