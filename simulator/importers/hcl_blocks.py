"""A Terraform file as its top-level blocks, each parsed only when it is needed.

A large module is mostly resources an identity pool never involves (functions, buckets, networks),
and parsing HCL is the importer's main cost. This scanner finds where each top-level block starts
and ends, and reads its header (the block type and labels), following the lexical rules of the HCL
native syntax: quoted strings with escapes and `${...}`/`%{...}` sequences, heredocs, and `#`,
`//` and `/* */` comments (https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md). A block's
body is parsed by python-hcl2 (simulator.importers.hcl_syntax) the first time it is read; a syntax
error in a block nothing reads is therefore not reported.
"""

from __future__ import annotations

import bisect
import re
from typing import ClassVar

import msgspec

from simulator.errors import ConfigError
from simulator.importers.hcl_syntax import (
    MAX_FILE_CHARS,
    MAX_NESTING,
    Block,
    Pos,
    parse_body,
    unescape,
)
from simulator.record import WithExtras

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_HEREDOC = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\r?\n")
_BODY_SPECIAL = re.compile(r'["#/{}<]')  # what can change where a block body ends
_BODY_SPECIAL_LINES = re.compile(r'["#/{}<\n]')
# What a line of a block body starts with: `name =` (an argument) or `name ... {` (a block).
_ITEM = re.compile(r'[ \t]*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*(=(?!=)|"([^"\n]*)"|\{|[A-Za-z_])')
_STRING_SPECIAL = re.compile(r'["\\\n$%]')


class RawBlock(WithExtras, msgspec.Struct, eq=False):
    """A top-level block: its header now, its body on first use."""

    type: str
    labels: tuple[str, ...]
    pos: Pos
    text: str
    # The names of the body's own arguments and nested blocks (a `dynamic` block by its label):
    # what a reference to the block can find without parsing it.
    names: frozenset[str] = frozenset()
    # The body once parsed: a cache, not part of the value.
    extra_fields: ClassVar[int] = 1
    _parsed: Block | None = None

    def parse(self) -> Block:
        if self._parsed is None:
            body = parse_body(self.text, self.pos.file, line_offset=self.pos.line - 1)
            if len(body.blocks) != 1 or body.attributes:
                raise ConfigError("not one block", file=self.pos.file, line=self.pos.line)
            self._parsed = body.blocks[0]
        return self._parsed


class TopLevelAttribute(msgspec.Struct, frozen=True):
    """`name = ...` outside any block (not a Terraform configuration)."""

    name: str
    pos: Pos


def split_blocks(text: str, file: str) -> list[RawBlock | TopLevelAttribute]:
    """The top-level items of one file, in order; ConfigError (file, line) for text whose blocks
    do not close, or whose headers are not HCL."""
    if len(text) > MAX_FILE_CHARS:
        raise ConfigError(
            f"the file has {len(text)} characters, more than rolesim reads ({MAX_FILE_CHARS})",
            file=file,
        )
    return _Scanner(text, file).items()


class _Scanner:
    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self.newlines = [i for i, c in enumerate(text) if c == "\n"]

    def line(self, at: int) -> int:
        return bisect.bisect_right(self.newlines, at - 1) + 1

    def fail(self, message: str, at: int) -> ConfigError:
        return ConfigError(f"not valid HCL: {message}", file=self.file, line=self.line(at))

    def items(self) -> list[RawBlock | TopLevelAttribute]:
        out: list[RawBlock | TopLevelAttribute] = []
        i, n = self.skip_space(0), len(self.text)
        while i < n:
            start = i
            name = _NAME.match(self.text, i)
            if name is None:
                raise self.fail(f"unexpected {self.text[i]!r}", i)
            i = self.skip_space(name.end(), newlines=False)
            if self.text.startswith("=", i):
                out.append(TopLevelAttribute(name.group(), Pos(self.file, self.line(start))))
                i = self.skip_line(i)
            else:
                labels: list[str] = []
                while i < n and self.text[i] != "{":
                    i, label = self.label(i)
                    labels.append(label)
                    i = self.skip_space(i, newlines=False)
                if i >= n:
                    raise self.fail(f"block {name.group()!r} has no body", start)
                names: set[str] = set()
                end = self.close(i + 1, "}", 0, names)
                pos = Pos(self.file, self.line(start))
                text = self.text[start:end]
                out.append(RawBlock(name.group(), tuple(labels), pos, text, frozenset(names)))
                i = end
            i = self.skip_space(i)
        return out

    def label(self, i: int) -> tuple[int, str]:
        if self.text.startswith('"', i):
            end = self.string_end(i + 1, 0)
            return end, _unquote(self.text[i + 1 : end - 1])
        name = _NAME.match(self.text, i)
        if name is None:
            raise self.fail("a block label must be a name or a quoted string", i)
        return name.end(), name.group()

    def skip_space(self, i: int, *, newlines: bool = True) -> int:
        """Past whitespace and comments (and newlines, unless `newlines` is false)."""
        text, n = self.text, len(self.text)
        while i < n:
            c = text[i]
            if c in " \t\r" or (newlines and c == "\n"):
                i += 1
            elif c == "#" or text.startswith("//", i):
                end = text.find("\n", i)
                i = n if end < 0 else (end + 1 if newlines else end)
            elif text.startswith("/*", i):
                end = text.find("*/", i + 2)
                if end < 0:
                    raise self.fail("a /* comment is never closed", i)
                i = end + 2
            else:
                break
        return i

    def skip_line(self, i: int) -> int:
        """Past the rest of a line that is not a block (an attribute at the top, a comment)."""
        n = len(self.text)
        depth = 0
        while i < n:
            c = self.text[i]
            if c == "\n" and depth == 0:
                return i + 1
            if c in "{[(":
                depth += 1
            elif c in "}])":
                depth -= 1
            elif c == '"':
                i = self.string_end(i + 1, 0)
                continue
            i += 1
        return n

    def close(self, i: int, closer: str, depth: int, names: set[str] | None = None) -> int:
        """The index past the `closer` that ends what starts at `i` (a block body, `${...}`),
        collecting in `names` the names of the body's own items."""
        if depth > MAX_NESTING:
            raise self.fail(f"nested more than {MAX_NESTING} levels deep", i)
        text = self.text
        braces, start = 0, i - 1
        special = _BODY_SPECIAL if names is None else _BODY_SPECIAL_LINES
        at_item = names is not None  # where an argument or a block of the body may start
        while True:
            if at_item and braces == 0 and names is not None:
                self.item_name(i, names)
            found = special.search(text, i)
            if found is None:
                raise self.fail(
                    f"'{closer}' is missing: the block or expression opened here is never closed",
                    start,
                )
            i, c = found.start(), text[found.start()]
            at_item = c in "\n/"
            if c == '"':
                i = self.string_end(i + 1, depth + 1)
            elif c in "#/":
                i = self.comment_end(i)
            elif c == "<":
                heredoc = _HEREDOC.match(text, i)
                i = self.heredoc_end(heredoc.end(), heredoc.group(1), i) if heredoc else i + 1
            elif c == "}" and braces == 0:
                return i + 1
            else:  # a brace, or a newline
                braces += {"{": 1, "}": -1}.get(c, 0)
                i += 1

    def comment_end(self, i: int) -> int:
        """Past a comment starting at `i` (to the end of its line, or its `*/`); past a lone `/`."""
        text = self.text
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise self.fail("a /* comment is never closed", i)
            return end + 2
        if text[i] == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            return len(text) if end < 0 else end
        return i + 1

    def item_name(self, i: int, names: set[str]) -> None:
        item = _ITEM.match(self.text, i)
        if item is not None:
            # `dynamic "x" {` makes blocks named x
            names.add(
                item.group(3) if item.group(1) == "dynamic" and item.group(3) else item.group(1)
            )

    def string_end(self, i: int, depth: int) -> int:
        """The index past the quote that ends the quoted template starting at `i`."""
        text = self.text
        start = i
        while True:
            found = _STRING_SPECIAL.search(text, i)
            if found is None or text[found.start()] == "\n":
                raise self.fail("a quoted string is never closed", start)
            i = found.start()
            c = text[i]
            if c == "\\":
                i += 2
            elif c == '"':
                return i + 1
            elif text.startswith(("$${", "%%{"), i):
                i += 3
            elif text.startswith(("${", "%{"), i):
                i = self.close(i + 2, "}", depth + 1)
            else:
                i += 1

    def heredoc_end(self, i: int, marker: str, start: int) -> int:
        """The index past the line that closes a heredoc whose body starts at `i`."""
        closing = re.compile(rf"^[ \t]*{re.escape(marker)}[ \t]*\r?$", re.MULTILINE)
        found = closing.search(self.text, i)
        if found is None:
            raise self.fail(f"the heredoc <<{marker} is never closed", start)
        return found.end()


def _unquote(text: str) -> str:
    return unescape(text)
