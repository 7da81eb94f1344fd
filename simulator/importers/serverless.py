"""Serverless Framework files (`serverless.yml`): `resources` is a CloudFormation template.

Variables (https://www.serverless.com/framework/docs/providers/aws/guide/variables) are resolved
before the template is read, as the framework does: `${self:path}` within the file, `${opt:name,
fallback}` from `--parameter name=VALUE` or the fallback (D2), `${sls:stage}`, `${aws:region}`,
`${aws:accountId}`; the region is `provider.region` and the stage `provider.stage` (D3, the
framework's defaults us-east-1 and dev otherwise). Sources that live outside the file (`${cf:...}`,
`${ssm:...}`, `${env:...}`, `${s3:...}`, `${file(...)}`, `${param:...}`) are Unresolved (D5).
A `${...}` whose source the framework does not know (`${AWS::Region}` in `Fn::Sub`) is left for
CloudFormation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

from simulator.errors import ConfigError, Path, format_path
from simulator.importers.cfn_decode import DecodedTemplate, line_of
from simulator.importers.intrinsics import MAX_DEPTH, concat
from simulator.importers.values import Unresolved
from simulator.model.document import Origin

_SOURCE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*)(?:(\([^)]*\))(?::|$)|:)")
_OUTSIDE = frozenset({"cf", "ssm", "env", "s3", "file", "param", "git", "sls", "strToBool"})
_KNOWN = frozenset({"self", "opt", "aws", *_OUTSIDE})
_FALLBACK_LITERAL = re.compile(
    r"""^\s*(?:'([^']*)'|"([^"]*)"|(-?\d+(?:\.\d+)?)|(true|false))\s*$"""
)
DEFAULT_STAGE = "dev"


class ServerlessStack(msgspec.Struct, frozen=True):
    template: DecodedTemplate
    region: Any  # str, Unresolved, or None (the framework's default)
    stage: Any
    included: tuple[Unresolved, ...]  # resources the file includes from elsewhere (not read, D1)
    options: frozenset[str]  # the ${opt:...} names the file uses (set with --parameter)


def serverless_template(decoded: DecodedTemplate, given: Mapping[str, str]) -> ServerlessStack:
    resolver = _Resolver(decoded, given)
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
    return ServerlessStack(out, region, resolver.stage(), tuple(included), options)


class _Resolver:
    def __init__(self, decoded: DecodedTemplate, given: Mapping[str, str]) -> None:
        self.decoded = decoded
        self.given = given
        self.region: Any = None
        self.options: set[str] = set()
        self._resolving: list[str] = []
        self._looked: dict[tuple[str, ...], Any] = {}
        self._sections: dict[str, Any] = {}

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
        node, line = entry.value(), entry.line
        for i, part in enumerate(path[1:], start=1):
            if isinstance(node, str) and "${" in node:
                node = self.text(node, path[:i], line, 0)
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
            line = line_of(node) or line
        return self.resolve(node, path, line, 0)

    # --- walking --------------------------------------------------------------------------------

    def resolve(self, value: Any, native: Path, line: int | None, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ConfigError(f"nested more than {MAX_DEPTH} levels deep", file=self.decoded.source,
                              line=line, native_path=format_path(native))  # fmt: skip
        line = line_of(value) or line
        if isinstance(value, dict):
            out = {
                k: self.resolve(v, (*native, str(k)), line_of(k) or line, depth + 1)
                for k, v in value.items()
            }
            return _keep_marks(value, out)
        if isinstance(value, list):
            return _keep_marks(
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
                    "inside a string", file=self.decoded.source, line=line, native_path=format_path(native),
                )  # fmt: skip
            parts.append(got if isinstance(got, Unresolved) else _text(got))
            position = end
        parts.append(text[position:])
        try:
            joined = concat(parts)
        except ConfigError as err:
            raise err.locate(self.decoded.source, line, native_path=format_path(native)) from None
        return _keep_marks(text, joined) if isinstance(joined, str) else joined

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
        where = Origin(self.decoded.source, line, format_path(native))
        value = self.reference(found.group(1), first[found.end() :].strip(), content, where)
        for fallback in fallbacks:
            if value is not None:
                break
            value = self.fallback(fallback, native, line, depth)
        if value is None:
            hint = (
                f" (give --parameter {first[found.end() :].strip()}=VALUE)"
                if found.group(1) == "opt"
                else ""
            )
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


def _keep_marks(original: Any, value: Any) -> Any:
    """The decoder's node class, with the original's marks, so lines survive substitution."""
    from cfnlint.decode.node import dict_node, list_node, str_node

    start, end = getattr(original, "start_mark", None), getattr(original, "end_mark", None)
    if start is None:
        return value
    if isinstance(value, dict):
        return dict_node(value, start, end)
    if isinstance(value, list):
        return list_node(value, start, end)
    if isinstance(value, str):
        return str_node(value, start, end)
    return value
