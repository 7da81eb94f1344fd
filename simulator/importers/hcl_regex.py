"""Terraform's regular-expression functions: `regex`, `regexall` and `replace` with `/pattern/`.

Terraform compiles patterns with Go's regexp package, whose syntax is RE2's; they run here on RE2
itself (google-re2), which is also linear in the input, so no pattern can make an import hang.
Results follow go-cty's stdlib (function/stdlib/regexp.go) and Terraform's replace
(internal/lang/funcs/string.go): no capture groups gives the matched text, unnamed groups a list,
named groups an object, a group that took no part in the match null; named and unnamed groups
together are an error, as is `regex` finding no match. Successive matches are Go's: an empty match
right after the previous match is skipped. A replacement's `$1`, `${1}`, `$name` and `${name}` are
expanded as Go's Regexp.Expand does (an unknown group is empty, `$$` is `$`, a malformed `$` is
itself). https://developer.hashicorp.com/terraform/language/functions/regex
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterator
from typing import Any

from simulator.importers.hcl_values import MAX_ELEMENTS, EvalError, check_string


def regex(pattern: str, text: str) -> Any:
    compiled = _compiled(pattern)
    match = compiled.search(text)
    if match is None:
        raise EvalError("regex(): the pattern did not match any part of the given string")
    return _result(compiled, match)


def regexall(pattern: str, text: str) -> list[Any]:
    compiled = _compiled(pattern)
    return [_result(compiled, match) for match in _matches(compiled, text)]


def replace(text: str, pattern: str, replacement: str) -> str:
    """`replace(text, "/pattern/", replacement)`: every match replaced, `$n` expanded."""
    compiled = _compiled(pattern)
    out: list[str] = []
    last = 0
    for match in _matches(compiled, text, replace_mode=True):
        out.append(text[last : match.start()])
        if match.end() > last or match.start() == 0:
            out.append(_expand(compiled, match, replacement))
        last = match.end()
    out.append(text[last:])
    return check_string("".join(out))


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> Any:
    import re2  # google-re2: imported only by a module that calls these functions

    options = re2.Options()
    options.log_errors = False  # RE2 otherwise writes each refusal to stderr itself
    try:
        compiled = re2.compile(pattern, options=options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise EvalError(f"invalid regexp pattern: {reason}") from None
    named = set(compiled.groupindex.values())
    if named and len(named) != compiled.groups:
        raise EvalError("invalid regexp pattern: cannot mix both named and unnamed capture groups")
    return compiled


def _result(compiled: Any, match: Any) -> Any:
    if compiled.groups == 0:
        return match.group(0)
    if compiled.groupindex:
        return {name: match.group(i) for name, i in compiled.groupindex.items()}
    return [match.group(i) for i in range(1, compiled.groups + 1)]


def _matches(compiled: Any, text: str, *, replace_mode: bool = False) -> Iterator[Any]:
    """Go's successive matches (regexp.allMatches; replaceAll reports the abutting empty matches,
    for `replace` to skip)."""
    position, previous_end, found = 0, -1, 0
    while position <= len(text):
        match = compiled.search(text, position)
        if match is None:
            return
        start, end = match.span()
        if end == position:  # empty at the search position: always move on one character
            accept = replace_mode or start != previous_end
            position += 1
        else:
            accept = True
            position = end
        previous_end = end
        if accept:
            found += 1
            if found > MAX_ELEMENTS:
                raise EvalError(f"more than {MAX_ELEMENTS} matches")
            yield match


def _expand(compiled: Any, match: Any, template: str) -> str:
    """Go's Regexp.Expand of `template` for one match."""
    out: list[str] = []
    rest = template
    while True:
        before, dollar, after = rest.partition("$")
        out.append(before)
        if not dollar:
            return "".join(out)
        if after.startswith("$"):
            out.append("$")
            rest = after[1:]
            continue
        name, rest_after = _group_name(after)
        if name is None:
            out.append("$")  # malformed: the $ is text
            rest = after
            continue
        rest = rest_after
        index = _group_number(name)
        if index is None:
            index = compiled.groupindex.get(name)
        if index is not None and index <= compiled.groups:
            out.append(match.group(index) or "")


def _group_name(text: str) -> tuple[str | None, str]:
    brace = text.startswith("{")
    body = text[1:] if brace else text
    length = 0
    for ch in body:
        category = unicodedata.category(ch)
        if not (category.startswith("L") or category == "Nd" or ch == "_"):
            break
        length += 1
    if length == 0:
        return None, text
    name = body[:length]
    if brace:
        if body[length : length + 1] != "}":
            return None, text
        return name, body[length + 1 :]
    return name, body[length:]


def _group_number(name: str) -> int | None:
    if not name.isascii() or not name.isdigit() or (name.startswith("0") and len(name) > 1):
        return None
    return int(name) if len(name) <= 9 else None
