"""YAML read quickly, where the reading is ruamel's YAML 1.2 reading (simulator.inputs.yaml_data).

ruamel's parser is pure Python: a 5 KB pool file takes it about 30 ms, as long as the rest of a
`simulate` run. Two readers do it faster, each only where it reads as ruamel does; whatever they
decline (None) ruamel reads, as before.

JSON (what the AWS CLI prints) is read by the standard library, already loaded: in 0.1 ms, and
without importing a YAML reader. Declined: a key that repeats (ruamel refuses it and says where),
a key whose colon is on another line or near YAML's 1,024-character limit on an implicit key
(ruamel refuses those), NaN and Infinity, nesting deeper than the caller processes, and the
characters below.

Other YAML is read from libyaml's events (PyYAML's C parser: 1-2 ms). libyaml implements YAML 1.1
and PyYAML resolves plain scalars by 1.1's rules (`yes`, `0777` and `1:20` are not text), so only
the parser's events are used: the data is built here by the YAML 1.2 core rules ruamel applies.
Declined:
- tags, directives, a second document, an anchor defined twice, an alias inside what it names,
  an anchor or alias name that ruamel would read longer (`&0:`);
- a key that is not a scalar, or that repeats;
- a plain scalar that may be a number other than a decimal integer, a timestamp, `<<` or `=`;
- a block scalar header ruamel refuses (`|#`), a document that is one block scalar, a pair in a
  flow sequence (`[a: b]`);
- anything libyaml refuses, so that ruamel's message is the one reported;
- nesting deeper than the caller processes.

Both decline characters the readers take differently: tab (ruamel refuses it after `key:`), NEL
and U+2028/2029 (line breaks to ruamel), the byte-order mark inside the text, control characters
(JSON takes a raw DEL, ruamel refuses it). tests/core/test_quickyaml.py holds the readings equal
on generated documents.
"""

from __future__ import annotations

import json
import re
from typing import Any

# The first characters of the plain scalars YAML 1.2's core schema may read as other than text:
# booleans (tTfF), null (nN~), numbers and timestamps (-+. and digits), merge (<) and value (=).
_RESOLVED_FIRST = frozenset("tTfFnN~<=-+.0123456789")
_WORDS: dict[str, bool | None] = {
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
    **dict.fromkeys(("null", "Null", "NULL", "~", ""), None),
}
_NUMBER_FIRST = frozenset("-+.0123456789")
# Every character of a 1.2 int, float or timestamp (0x1F, 0o17, 0b1, 1_000, -.Inf, .NaN, 1e3,
# 2001-12-14t21:59:43.10-05:00): a plain scalar with any other character is text.
_NUMBER_CHARACTERS = frozenset("0123456789abcdefABCDEF_.+-oxinINtTzZ: \t")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]{0,999})")  # longer: ruamel reads it, or says why not
# Outside printable ASCII, the line breaks and the space: checked one distinct character at a time
# (a class spanning the whole of Unicode costs 9 ms to compile, a third of what is saved).
_ASCII_UNSURE = re.compile(r"[^\n\r -~]")
# A block scalar's header as ruamel reads it: the indicators, then a blank or the line's end.
_BLOCK_HEADER = re.compile(r"[|>](?:[1-9][+-]?|[+-][1-9]?)?(?=[ \r\n]|\Z)")
# An escaped UTF-16 surrogate, as JSON (`\ud83d`) or YAML (`\U0000d83d`) writes it.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]|\\U0000[dD][89a-fA-F]")
_DECLINED = object()
_NO_KEY = object()  # a mapping waiting for its next key
_OPEN = object()  # an anchored container not read to its end


def read(text: str, *, max_depth: int) -> tuple[Any] | None:
    """The document's data as ruamel's safe loader reads it with its escaped UTF-16 pairs joined
    (simulator.inputs), in a 1-tuple; or None: ruamel must read it. Containers nested deeper than
    `max_depth` are declined."""
    if _unsure_characters(text):
        return None
    if text.lstrip(" \r\n")[:1] in ("{", "["):
        found = _json(text, max_depth)
        if found is not None:
            return found
    return _libyaml(text, max_depth)


class _DeclinedError(ValueError):
    """Raised from the JSON decoder's hooks: ruamel reads the text."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        raise _DeclinedError
    return mapping


def _constant(_name: str) -> Any:
    raise _DeclinedError


_JSON = json.JSONDecoder(object_pairs_hook=_unique, parse_constant=_constant)


JSON_STRING = r'"(?:[^"\\]|\\.)*"'  # a JSON string literal, as a pattern (inputs uses it too)
# A JSON string and, where it is a key, the blanks and colon after it.
_JSON_STRING = re.compile(JSON_STRING + r"([ \r\n]*:)?")
# YAML limits an implicit key to 1,024 characters up to its colon (ruamel refuses a longer one):
# JSON keys are taken well inside that.
_KEY_SPAN = 1000


def _json(text: str, max_depth: int) -> tuple[Any] | None:
    try:
        data = _JSON.decode(text)
    except (ValueError, RecursionError):  # a JSON error, an integer too long, a hook's refusal
        return None
    if _deeper(data, max_depth) or not _keys_within_limits(text):
        return None
    return (data,)


def _keys_within_limits(text: str) -> bool:
    """Every key's colon on its line and within YAML's 1,024 characters of its start."""
    for match in _JSON_STRING.finditer(text):
        colon = match.group(1)
        if colon is not None and (
            match.end() - match.start() > _KEY_SPAN or "\n" in colon or "\r" in colon
        ):
            return False
    return True


def _deeper(data: Any, max_depth: int) -> bool:
    """Containers nested more than `max_depth` deep."""
    level: list[Any] = [data]
    for _ in range(max_depth):
        level = [
            child
            for value in level
            if isinstance(value, dict | list)
            for child in (value.values() if isinstance(value, dict) else value)
        ]
        if not level:
            return False
    return any(isinstance(value, dict | list) for value in level)


def _libyaml(text: str, max_depth: int) -> tuple[Any] | None:
    if SURROGATE_ESCAPE.search(text):
        return None  # simulator.inputs joins escaped pairs for ruamel; libyaml reads each half
    try:
        import yaml  # PyYAML: only its C parser is used
    except ImportError:
        return None
    if not getattr(yaml, "__with_libyaml__", False):
        return None  # PyYAML's own parser is no faster than ruamel's
    loader = None
    try:
        loader = yaml.CBaseLoader(text)
        return _document(loader, yaml.events, max_depth, text)
    except Exception:  # whatever libyaml trips on, ruamel reads and reports
        return None
    finally:
        if loader is not None:
            loader.dispose()


def _unsure_characters(text: str) -> bool:
    if text.isascii():
        return _ASCII_UNSURE.search(text) is not None
    return any(_unsure(ch) for ch in set(text))


def _unsure(ch: str) -> bool:
    code = ord(ch)
    if code < 0x80:
        return not (ch in "\n\r" or 0x20 <= code <= 0x7E)
    return (
        code < 0xA0  # C1 controls and NEL
        or code in (0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF)
        or 0xD800 <= code <= 0xDFFF
    )


def _document(loader: Any, events: Any, max_depth: int, text: str) -> tuple[Any] | None:
    loader.get_event()  # the stream's start
    event = loader.get_event()
    if isinstance(event, events.StreamEndEvent):
        return (None,)  # no document: what ruamel loads is None
    if event.version is not None or event.tags:
        return None  # a %YAML or %TAG directive
    data = _Builder(events, max_depth, text).node(loader)
    if data is _DECLINED:
        return None
    loader.get_event()  # the document's end
    if not isinstance(loader.get_event(), events.StreamEndEvent):
        return None  # a second document
    return (data,)


class _Builder:
    """One node, built from its events without recursion. An alias is the anchored value itself,
    as ruamel builds it (so simulator.inputs.tree_problem counts what aliases stand for)."""

    def __init__(self, events: Any, max_depth: int, text: str) -> None:
        self.events = events
        self.max_depth = max_depth
        self.text = text
        # Each open container, its anchor and, for a mapping, the key waiting for its value.
        self.stack: list[list[Any]] = []
        self.anchors: dict[str, Any] = {}  # _OPEN while the anchored container is being read

    def node(self, loader: Any) -> Any:
        events = self.events
        while True:
            event = loader.get_event()
            kind = type(event)
            if kind is events.ScalarEvent:
                value = self._scalar(event)
            elif kind is events.MappingStartEvent or kind is events.SequenceStartEvent:
                if not self._open(event, {} if kind is events.MappingStartEvent else []):
                    return _DECLINED
                continue
            elif kind is events.MappingEndEvent or kind is events.SequenceEndEvent:
                value, anchor, _ = self.stack.pop()
                if anchor is not None:
                    self.anchors[anchor] = value
                if not self.stack:
                    return value
                continue
            else:  # an alias
                value = self.anchors.get(event.anchor, _DECLINED)
                if (
                    not self._named(event, "*")
                    or value is _OPEN
                    or (isinstance(value, dict | list) and self._expects_key())
                ):
                    return _DECLINED  # a recursive alias, or a collection as a key
            if value is _DECLINED:
                return _DECLINED
            if not self.stack:
                return value
            if not self._place(value):
                return _DECLINED

    def _scalar(self, event: Any) -> Any:
        if event.tag is not None or not self._anchor(event):
            return _DECLINED
        if event.style in ("|", ">") and not (
            self.stack and _BLOCK_HEADER.match(self.text, event.start_mark.index)
        ):
            # libyaml takes `|#`, ruamel wants a blank before the comment; a document that is one
            # block scalar has its lines at column 0, where libyaml takes `#` for a comment.
            return _DECLINED
        value = event.value if event.style else _plain(event.value)
        if event.anchor is not None:
            self.anchors[event.anchor] = value
        return value

    def _open(self, event: Any, opened: dict[Any, Any] | list[Any]) -> bool:
        if event.tag is not None or len(self.stack) >= self.max_depth or self._expects_key():
            return False  # a tag, too deep, or a collection as a key
        if not self._anchor(event):
            return False
        if isinstance(opened, dict) and event.flow_style and not self._opens_with(event, "{"):
            return False  # `[a: b]`, a pair in a flow sequence: ruamel refuses `["a":b]`
        if event.anchor is not None:
            self.anchors[event.anchor] = _OPEN
        if self.stack:
            self._place(opened)
        self.stack.append([opened, event.anchor, _NO_KEY if isinstance(opened, dict) else None])
        return True

    def _anchor(self, event: Any) -> bool:
        """No anchor, or a new one whose name ends where ruamel's does (ruamel warns of one
        defined again, and that reading is its own)."""
        return event.anchor is None or (
            event.anchor not in self.anchors and self._named(event, "&")
        )

    def _named(self, event: Any, sign: str) -> bool:
        """The anchor or alias name is followed by a blank or the line's end: ruamel's names take
        characters libyaml's end at (`&0:` is the anchor `0:` to ruamel)."""
        name = event.anchor
        after = event.start_mark.index + 1 + len(name)
        return self._at(event, sign + name) and (
            after == len(self.text) or self.text[after] in " \r\n"
        )

    def _at(self, event: Any, text: str) -> bool:
        return self.text.startswith(text, event.start_mark.index)

    def _opens_with(self, event: Any, bracket: str) -> bool:
        """The node's text, after its anchor, starts with `bracket`."""
        at = event.start_mark.index
        if event.anchor is not None:
            at += 1 + len(event.anchor)
            while self.text.startswith(" ", at):
                at += 1
        return self.text.startswith(bracket, at)

    def _expects_key(self) -> bool:
        return bool(self.stack) and self.stack[-1][2] is _NO_KEY

    def _place(self, value: Any) -> bool:
        """Put `value` in the innermost container: False where it is a key the mapping has."""
        top = self.stack[-1]
        container, key = top[0], top[2]
        if isinstance(container, list):
            container.append(value)
        elif key is _NO_KEY:
            if value in container:
                return False
            top[2] = value
        else:
            container[key] = value
            top[2] = _NO_KEY
        return True


def _plain(value: str) -> Any:
    """A plain scalar by the 1.2 core schema, or _DECLINED where ruamel must decide."""
    if value and value[0] not in _RESOLVED_FIRST:
        return value
    if value in _WORDS:
        return _WORDS[value]
    if _DECIMAL.fullmatch(value):
        return int(value)
    if value[0] in _NUMBER_FIRST:
        return _DECLINED if set(value) <= _NUMBER_CHARACTERS else value
    return _DECLINED if value in ("<<", "=") else value
