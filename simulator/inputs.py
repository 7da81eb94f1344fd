"""Reading untrusted input: every file, line and text rolesim parses passes through here.

A pull request's author writes much of what rolesim reads, so every reader is bounded and every
failure becomes a ConfigError or ClaimsError (exit 2) naming the file and the position:

- size: a file, a line of a JSON-lines file and a token have a maximum, given in the refusal;
- bytes: UTF-8 only (a leading byte-order mark is skipped); the refusal names line and column;
- JSON: strict (no NaN or Infinity, numbers a double can hold, integers under Python's 4,300-digit
  conversion limit, no lone surrogate escapes), nested at most MAX_DEPTH deep;
- YAML: the same, no complex keys, and aliases may add at most ALIAS_BUDGET nodes when expanded
  (a "billion laughs" document grows exponentially when converted to plain data);
- paths: an OS refusal (a name too long, a directory, no permission) is a message.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import math
import re
import sys
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import IO, Any, NoReturn, cast

import msgspec

from simulator import jsontext, quickyaml
from simulator.errors import ClaimsError, ConfigError, PathPart, RolesimError

MiB = 1024 * 1024
# Deeper than any pool, policy, IAM or claims document (an IAM condition sits about 8 levels down),
# and far below Python's recursion limit, so no later step can overflow the stack.
MAX_DEPTH = 64
# Nodes YAML aliases may add when expanded: room for shared rule lists and policies, none for bombs.
ALIAS_BUDGET = 100_000
# [M] IdentityProviderToken (the LoginsMap value GetId and GetCredentialsForIdentity take): 1-50000.
MAX_TOKEN_CHARS = 50_000
_INT_DIGITS = 4300  # Python's default int/str conversion limit (sys.get_int_max_str_digits)


class InputKind(msgspec.Struct, frozen=True):
    """A kind of input: its largest size, why (said in the refusal) and which error it raises."""

    what: str
    max_bytes: int
    why: str
    claims: bool = False  # ClaimsError (tokens, claims, corpora) rather than ConfigError

    def error(
        self,
        source: str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        path: tuple[PathPart, ...] = (),
    ) -> RolesimError:
        """The refusal. A ClaimsError names line and column in its text; a ConfigError carries the
        line itself. Batch readers report a line's number themselves and pass only the column."""
        if self.claims:
            where = ", ".join(
                f"{name} {n}" for name, n in (("line", line), ("column", column)) if n is not None
            )
            return ClaimsError(f"{where}: {message}" if where else message, source=source)
        if column is not None:
            message = f"column {column}: {message}"
        return ConfigError(message, file=source, line=line, path=path, code="bad-input")

    def too_large(
        self, source: str, *, line: int | None = None, one_line: bool = False
    ) -> RolesimError:
        what = "the line is" if one_line else "the input is"
        limit = _size(self.max_bytes)
        return self.error(
            source,
            f"{what} larger than {limit}; rolesim reads {self.what} of up to {limit} ({self.why})",
            line=line,
        )


def _size(n: int) -> str:
    return f"{n // MiB} MiB" if n % MiB == 0 else f"{n:,} bytes"


DOCUMENT = InputKind(
    "YAML and JSON files",
    8 * MiB,
    "an identity pool at the service's limits, with its roles and policies, is far smaller",
)
CLAIMS = InputKind(
    "claims, token and initiate-auth files",
    1 * MiB,
    f"an identity pool takes tokens of at most {MAX_TOKEN_CHARS:,} characters [service model]",
    claims=True,
)
JWKS = InputKind("JWKS files", 1 * MiB, "a key set holds a few public keys", claims=True)
CORPUS_LINE = InputKind(
    "JSON-lines corpora with lines",
    1 * MiB,
    f"a line holds one token of at most {MAX_TOKEN_CHARS:,} characters [service model] or its "
    "claims",
    claims=True,
)
REQUEST_LINE = InputKind(
    "request files with lines",
    1 * MiB,
    "a line holds one request and the policies it is evaluated against",
)
REQUESTS_FILE = InputKind(
    "request files", 64 * MiB, "every request is held in memory and evaluated for the decision"
)


# --- bytes ---------------------------------------------------------------------------------------


def _open_error(exc: OSError | ValueError) -> str:
    if isinstance(exc, ValueError):
        return "not a usable path (it contains a NUL character)"
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a file"
    if isinstance(exc, PermissionError):
        return "cannot read: permission denied"
    return f"cannot read: {exc.strerror or exc}"


# `-` names standard input on every option that reads a file (the Unix convention); the messages
# name it `<stdin>`. A file literally called `-` is `./-`.
STDIN = "-"
STDIN_NAME = "<stdin>"


def is_stdin(path: Path | str | None) -> bool:
    return path is not None and str(path) == STDIN


def within(folder: Path, relative: str) -> Path | None:
    """`relative` against `folder`, links followed, or None when that leads out of the folder: a
    path or link out of it may name any file of the machine rolesim runs on. OSError, ValueError
    or RuntimeError for a path no file can have (a NUL byte, a loop of links)."""
    root = folder.resolve()
    target = (root / relative).resolve()
    return target if root in target.parents else None


def source_name(path: Path | str) -> str:
    """How messages name an input: its path as given, or `<stdin>`."""
    return STDIN_NAME if is_stdin(path) else str(path)


def _stdin_bytes() -> IO[bytes]:
    stream = sys.stdin
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        return cast("IO[bytes]", buffer)
    # A text stream without bytes underneath (an embedding program's): its text, re-encoded. A lone
    # surrogate stays one, so the UTF-8 check still refuses it.
    return io.BytesIO(stream.read().encode("utf-8", "surrogatepass"))


@contextlib.contextmanager
def _opened(path: Path | str, kind: InputKind) -> Iterator[IO[bytes]]:
    if is_stdin(path):
        yield _stdin_bytes()  # not closed: it belongs to the process
        return
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except (OSError, ValueError) as exc:
        raise kind.error(str(path), _open_error(exc)) from None
    with handle:
        yield handle


def read_bytes(path: Path | str, kind: InputKind) -> bytes:
    with _opened(path, kind) as handle:
        try:
            data = handle.read(kind.max_bytes + 1)
        except OSError as exc:
            raise kind.error(source_name(path), _open_error(exc)) from None
    if len(data) > kind.max_bytes:
        raise kind.too_large(source_name(path))
    return data


def read_text(path: Path | str, kind: InputKind) -> str:
    """A whole file as text: bounded, strict UTF-8."""
    return decode(read_bytes(path, kind), source_name(path), kind)


def read_response(handle: IO[bytes], source: str, kind: InputKind) -> str:
    """A network response's body: read at most the kind's bound, strict UTF-8."""
    data = handle.read(kind.max_bytes + 1)
    if len(data) > kind.max_bytes:
        raise kind.too_large(source)
    return decode(data, source, kind)


def read_stream(stream: IO[str], source: str, kind: InputKind) -> str:
    """Standard input (already text), with the same bound."""
    try:
        text = stream.read(kind.max_bytes + 1)
    except UnicodeDecodeError as exc:
        raise kind.error(source, f"not UTF-8 text ({exc.reason})") from None
    if len(text) > kind.max_bytes:
        raise kind.too_large(source)
    return check_text(text, source, kind)


def decode(
    data: bytes, source: str, kind: InputKind, *, line: int | None = None, one_line: bool = False
) -> str:
    """Strict UTF-8 (a leading byte-order mark is skipped); the refusal names line and column.
    With `one_line`, the data is line `line` of the source (None: the caller names it)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        hint = "; this looks like UTF-16: save it as UTF-8" if utf16 else ""
        prefix = data[: exc.start]
        column = exc.start - (prefix.rfind(b"\n") + 1) + 1
        raise kind.error(
            source,
            f"not UTF-8 text: byte 0x{bad} cannot start or continue a character{hint}",
            line=line if one_line else prefix.count(b"\n") + 1,
            column=column,
        ) from None


def has_surrogates(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def check_text(
    text: str, source: str, kind: InputKind, *, line: int | None = None, one_line: bool = False
) -> str:
    """Text that did not come from bytes (stdin, arguments): no lone surrogates, a BOM skipped."""
    text = text.removeprefix("\ufeff")
    found = None if text.isascii() else _SURROGATE.search(text)
    if found is not None:
        at, column = _position(text, found.start())
        raise kind.error(source, _SURROGATE_MESSAGE, line=line if one_line else at, column=column)
    return text


@contextlib.contextmanager
def open_lines(path: Path | str, kind: InputKind) -> Iterator[Iterator[bytes]]:
    """A JSON-lines file, line by line in constant memory. A line longer than the bound comes out
    cut at `kind.max_bytes + 1` bytes (and the rest skipped), so that `line_text` refuses it alone."""
    with _opened(path, kind) as handle:
        yield _lines(handle, kind.max_bytes)


def _lines(handle: IO[bytes], limit: int) -> Iterator[bytes]:
    while True:
        chunk = handle.readline(limit + 1)
        if not chunk:
            return
        if len(chunk) > limit and not chunk.endswith(b"\n"):
            while True:  # skip the rest of an over-long line
                rest = handle.readline(MiB)
                if not rest or rest.endswith(b"\n"):
                    break
        yield chunk


def line_text(raw: bytes | str, source: str, kind: InputKind, *, line: int | None = None) -> str:
    """One line of a JSON-lines file as text, or the refusal of that line alone. Batch readers of
    claims name the line themselves and leave `line` out."""
    if len(raw) > kind.max_bytes:
        raise kind.too_large(source, line=line, one_line=True)
    if isinstance(raw, str):
        return check_text(raw, source, kind, line=line, one_line=True)
    return decode(raw, source, kind, line=line, one_line=True)


# --- JSON ----------------------------------------------------------------------------------------


class _RefusedError(ValueError):
    """Raised inside the JSON decoder's hooks; turned into the kind's error with a position."""

    def __init__(self, message: str, pattern: re.Pattern[str]) -> None:
        super().__init__(message)
        self.message = message
        self.pattern = pattern


_STRING = quickyaml.JSON_STRING
_NAMED_CONSTANT = r"NaN|-?Infinity"
_BIG_NUMBER = r"-?\d+(?:\.\d+)?[eE][+-]?\d+"
_LONG_DIGITS = rf"\d{{{_INT_DIGITS + 1},}}"
_BRACKET = r"[\[\]{}]"


@cache
def _past_strings(token: str) -> re.Pattern[str]:
    """A JSON string, or `token` as group 1: searching past strings finds the token's position.
    Only a refused text is searched, so each pattern is compiled when first needed."""
    return re.compile(f"{_STRING}|({token})")


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = quickyaml.SURROGATE_ESCAPE
_SURROGATE_MESSAGE = "a lone UTF-16 surrogate (\\ud800-\\udfff) is not a character of any text"


def _constant(name: str) -> NoReturn:
    raise _RefusedError(f"{name} is not a JSON number", _past_strings(_NAMED_CONSTANT))


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _RefusedError(
            f"the number {text} is too large for a double", _past_strings(_BIG_NUMBER)
        )
    return value


_DECODER = json.JSONDecoder(parse_constant=_constant, parse_float=_finite)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _find(pattern: re.Pattern[str], text: str, accept: Callable[[str], bool] = bool) -> int | None:
    for match in pattern.finditer(text):
        if match.group(1) is not None and accept(match.group(1)):
            return match.start(1)
    return None


def _too_deep_at(text: str) -> int | None:
    depth = 0
    for match in _past_strings(_BRACKET).finditer(text):
        token = match.group(1)
        if token is None:
            continue
        depth += 1 if token in "[{" else -1
        if depth > MAX_DEPTH:
            return match.start(1)
    return None


def parse_json(
    text: str, source: str, kind: InputKind, *, line: int | None = None, one_line: bool = False
) -> Any:
    """Strict JSON within the bounds above. With `one_line`, the text is line `line` of the source
    (a JSON-lines file; None: the caller names the line) and positions are columns of it.

    Read by msgspec (simulator.jsontext); what it refuses is read again by the standard library's
    decoder, which accepts or refuses it with the message and position."""
    if type(text) is not str:
        text = str(text)  # msgspec reads exact str only (an importer's text carries its origin)
    try:
        data = jsontext.decode(text)
    except (jsontext.DecodeError, RecursionError, UnicodeEncodeError):
        data = strict_json(text, source, kind, line=line, one_line=one_line)
    # Only text with that many brackets can nest too deep, only an escape can make a surrogate:
    # the batch path pays two counts and a search per line.
    if text.count("[") + text.count("{") > MAX_DEPTH or (
        "\\u" in text and _SURROGATE_ESCAPE.search(text)
    ):
        problem = tree_problem(data, aliases=False)
        if problem is not None:
            found = _SURROGATE_ESCAPE.search(text) if problem[0] == _SURROGATE_MESSAGE else None
            offset = found.start() if found else _too_deep_at(text)
            raise _located(kind, source, text, problem[0], offset, line, one_line)
    return data


def strict_json(
    text: str, source: str, kind: InputKind, *, line: int | None = None, one_line: bool = False
) -> Any:
    """The standard library's strict reading (the reference of parse_json), without the checks of
    nesting and surrogates that parse_json adds."""
    try:
        return _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:
        message, offset = _json_problem(exc, text)
        raise _located(kind, source, text, message, offset, line, one_line) from None


def object_line(raw: bytes | str, kind: InputKind) -> Any:
    """A JSON-lines line holding one object, read straight from its bytes by msgspec when nothing
    in it needs the strict reader: within the bound, `{` first, no `\\u` escape, too few
    brackets to nest too deep, and UTF-8 and JSON msgspec accepts (it refuses what the strict
    reader refuses). None: read it with line_text and parse_json, which say what is wrong."""
    if (
        type(raw) is not bytes
        or len(raw) > kind.max_bytes
        or raw.lstrip()[:1] != b"{"
        or b"\\u" in raw
        or raw.count(b"[") + raw.count(b"{") > MAX_DEPTH
    ):
        return None
    try:
        return jsontext.decode(raw)
    except (jsontext.DecodeError, RecursionError):
        return None


def _json_problem(exc: ValueError | RecursionError, text: str) -> tuple[str, int | None]:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg}", exc.pos
    if isinstance(exc, _RefusedError):
        accept = _is_infinite if exc.pattern is _past_strings(_BIG_NUMBER) else bool
        return exc.message, _find(exc.pattern, text, accept)
    if isinstance(exc, RecursionError):
        return f"nested more than {MAX_DEPTH} levels deep", _too_deep_at(text)
    # The only other ValueError: an integer past the conversion limit.
    at = _find(_past_strings(_LONG_DIGITS), text)
    return f"a number with more than {_INT_DIGITS:,} digits", at


def _located(
    kind: InputKind,
    source: str,
    text: str,
    message: str,
    offset: int | None,
    line: int | None,
    one_line: bool,
) -> RolesimError:
    at, column = _position(text, offset) if offset is not None else (None, None)
    return kind.error(source, message, line=line if one_line else at, column=column)


def _is_infinite(number: str) -> bool:
    return math.isinf(float(number))


def tree_problem(data: Any, *, aliases: bool) -> tuple[str, tuple[PathPart, ...]] | None:
    """What makes parsed data unsafe to process, and where: nesting, expansion, keys, surrogates.

    Walks iteratively; with `aliases`, a node reached again (a YAML alias) counts its children
    again, so a bomb is refused after ALIAS_BUDGET extra nodes rather than expanded.
    """
    seen: set[int] = set()
    expanded = 0
    stack: list[tuple[Any, int, tuple[PathPart, ...]]] = [(data, 0, ())]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return _SURROGATE_MESSAGE, path
            continue
        if isinstance(value, dict):
            children: list[tuple[PathPart, Any]] = []
            for key, child in value.items():
                if isinstance(key, str):
                    if _SURROGATE.search(key):
                        return _SURROGATE_MESSAGE, path
                elif not isinstance(key, int | float | bool) and key is not None:
                    return "a mapping key must be a plain value, not a list or mapping", path
                children.append((key if isinstance(key, str | int) else str(key), child))
        elif isinstance(value, list | tuple):
            children = list(enumerate(value))
        else:
            continue
        if depth >= MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep", path
        if aliases:
            if id(value) in seen:
                expanded += len(children)
                if expanded > ALIAS_BUDGET:
                    return (
                        f"YAML aliases expand to more than {ALIAS_BUDGET:,} further values "
                        "(an alias bomb?); write the repeated parts out or share less",
                        path,
                    )
            else:
                seen.add(id(value))
        stack.extend((child, depth + 1, (*path, key)) for key, child in children)
    return None


# --- YAML ----------------------------------------------------------------------------------------


# A character beyond U+FFFF escaped as a UTF-16 pair (`\ud83d\ude00`, what json.dumps writes):
# JSON means the one character, but YAML's reader would decode each half alone.
@cache
def _escaped_pair() -> re.Pattern[str]:  # compiled for the first text that may hold one
    return re.compile(r"(\\+)u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")


def _join_escaped_pairs(text: str) -> str:
    def joined(m: re.Match[str]) -> str:
        slashes = m.group(1)
        if len(slashes) % 2 == 0:
            return m.group(0)  # an escaped backslash, then plain text
        high, low = int(m.group(2), 16), int(m.group(3), 16)
        code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        return slashes[:-1] + f"\\U{code:08x}"

    # Only JSON text: there every backslash is inside a double-quoted string, where YAML's
    # escapes are JSON's. YAML in flow style also starts with a bracket, and its plain and
    # single-quoted scalars keep their backslashes as text.
    if text.lstrip()[:1] not in ("{", "[") or "\\u" not in text.lower():
        return text
    try:
        _JSON_SYNTAX.decode(text)
    except (ValueError, RecursionError):
        return text
    return _escaped_pair().sub(joined, text)


# JSON's syntax, with what ruamel takes and strict JSON does not (controls inside strings, NaN).
_JSON_SYNTAX = json.JSONDecoder(strict=False)


def yaml_data(text: str, source: str) -> tuple[Any, bool]:
    """YAML 1.2 data as `load_yaml` reads it, and whether it carries its line information.

    Lines are needed only when something is reported, and ruamel's round-trip loader spends a
    third of its time on comments, which no reader here uses. So the data is read without them:
    first by the quick readings (simulator.quickyaml: the standard library's JSON reader and
    libyaml's parser, 15-300 times faster), where they read as ruamel does; then by ruamel's safe
    loader (the same parser, resolver and duplicate-key check as the round-trip loader), for a
    document without tags or merge keys, which the two loaders' constructors build differently.
    Anything else, and anything the safe loader trips on, `load_yaml` reads, and its refusal is the
    one reported. The caller gets lines from `load_yaml` when it needs them
    (simulator.model.document).
    """
    read = quickyaml.read(text, max_depth=MAX_DEPTH)  # where it reads as ruamel does
    if read is not None:
        return read[0], False  # no tags, no merge keys: the two loaders' reading
    if "!" not in text and "<<" not in text:
        from ruamel.yaml import YAML  # imported by the runs that read YAML only

        yaml = YAML(typ="safe", pure=True)  # pure: libyaml, where installed, reads YAML 1.1
        yaml.allow_duplicate_keys = False
        with contextlib.suppress(Exception):  # whatever it is, load_yaml decides and says it
            return yaml.load(io.StringIO(_join_escaped_pairs(text))), False
    return load_yaml(text, source), True


def load_yaml(text: str, source: str) -> Any:
    """YAML 1.2 (JSON is a subset) with line information kept (ruamel's round-trip loader).

    Duplicate keys are an error, as they are in AWS's JSON parser. The containers ruamel returns
    share nodes where the text has aliases and carry line numbers: check them with
    `tree_problem(data, aliases=True)` before converting them (simulator.model.document does).
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(io.StringIO(_join_escaped_pairs(text)))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "cannot parse"
        raise ConfigError(
            f"not valid YAML or JSON: {problem}", file=source, line=at, code="syntax"
        ) from None
    except YAMLError as exc:
        raise ConfigError(f"not valid YAML or JSON: {exc}", file=source, code="syntax") from None
    except RecursionError:
        offset = _too_deep_at(text)
        raise ConfigError(
            f"nested more than {MAX_DEPTH} levels deep",
            file=source,
            line=_position(text, offset)[0] if offset is not None else None,
            code="too-deep",
        ) from None
    except ValueError as exc:
        # Values ruamel cannot build: integers past the conversion limit, impossible dates.
        digits = _digit_run().search(text)
        if digits is not None:
            raise ConfigError(
                f"a number with more than {_INT_DIGITS:,} digits",
                file=source,
                line=_position(text, digits.start())[0],
                hint="quote it if it is text",
            ) from None
        raise ConfigError(
            f"not valid YAML or JSON: a value cannot be read ({exc})",
            file=source,
            hint="quote it if it is text",
        ) from None


@cache
def _digit_run() -> re.Pattern[str]:  # compiled for the first text ruamel cannot build
    return re.compile(_LONG_DIGITS)
