"""The service models as the authority on every string of a pool file: length and pattern.

The pool loader checks what it interprets with its own messages (simulator.model.load); this module
then holds every string field, interpreted or not, to the limits of the shape the API gives it in
botocore's service models ([M] cognito-identity, [M-IDP] cognito-idp, and IAM's for the
`get-account-authorization-details` shapes), so that a file AWS would refuse is refused here too.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path as FsPath
from typing import Any

import msgspec

from simulator.errors import ConfigError, Path
from simulator.model import limits
from simulator.unresolved import is_unresolved_text

# (service, shape) per top-level field of the pool file (CONTRACT §2). Fields rolesim adds around
# AWS shapes (UserPools, OpenIdConnectProviders) are described member by member.
_COGNITO, _IDP, _IAM = "cognito-identity", "cognito-idp", "iam"
Shape = tuple[str, str]
_ROOT: dict[str, Shape | dict[str, Shape]] = {
    "PrincipalTagAttributeMaps": (_COGNITO, "GetPrincipalTagAttributeMapResponse"),
    "AccountId": (_COGNITO, "AccountId"),
    "UserPools": {
        "ProviderName": (_COGNITO, "CognitoIdentityProviderName"),
        "Groups": (_IDP, "GroupType"),
        "Clients": (_IDP, "UserPoolClientType"),
        "SchemaAttributes": (_IDP, "SchemaAttributeType"),
    },
    "OpenIdConnectProviders": {
        "Arn": (_IAM, "arnType"),
        "Url": (_IAM, "OpenIDConnectProviderUrlType"),
        "ClientIDList": (_IAM, "clientIDType"),
        "ThumbprintList": (_IAM, "thumbprintType"),
    },
    "IamRoles": (_IAM, "RoleDetail"),
    "Policies": (_IAM, "ManagedPolicyDetail"),
}
_LISTS = (
    "PrincipalTagAttributeMaps",
    "UserPools",
    "OpenIdConnectProviders",
    "IamRoles",
    "Policies",
)
_ROOT_STRUCTURES = ("IdentityPool", "GetIdentityPoolRolesResponse")
_LIST_MEMBERS = ("Groups", "Clients", "SchemaAttributes", "ClientIDList", "ThumbprintList")


class _Model(msgspec.Struct):
    """A service model as read here: its shapes, each kept as text until it is looked up (a pool
    file needs a few dozen of the thousands, and building all of them costs most of the read)."""

    shapes: dict[str, msgspec.Raw]


class Snapshot(msgspec.Struct, frozen=True):
    """The shapes a pool file is held to, copied out of one service model file: the file (relative
    to botocore's data folder), its size and CRC-32, and the shapes reachable from the roots
    (`roots()`), verbatim. Used in place of the file only while the file is this one."""

    model: str
    size: int
    crc32: int
    shapes: dict[str, msgspec.Raw]


# Decompressing and decoding the three models costs a `simulate` run about 10 ms of its start-up;
# this copy of what the check reads, with each model file's CRC-32, about 2 ms.
# tests/core/test_service_shapes.py fails when it is stale for the installed botocore (and
# rewrites it with ROLESIM_UPDATE_SNAPSHOTS=1).
SNAPSHOT_FILE = FsPath(__file__).resolve().parent.parent / "data" / "service_shapes.json"


class _Shapes:
    def __init__(self, raw: Mapping[str, msgspec.Raw]) -> None:
        self._raw = raw
        self._decoded: dict[str, Mapping[str, Any]] = {}

    def __getitem__(self, name: str) -> Mapping[str, Any]:
        found = self._decoded.get(name)
        if found is None:
            found = self._decoded[name] = msgspec.json.decode(self._raw[name])
        return found


def roots() -> dict[str, frozenset[str]]:
    """Per service, the shapes the check starts from; it reads no shape not reachable from them."""
    found: dict[str, set[str]] = {_COGNITO: set(_ROOT_STRUCTURES)}
    for spec in _ROOT.values():
        for service, name in spec.values() if isinstance(spec, dict) else (spec,):
            found.setdefault(service, set()).add(name)
    return {service: frozenset(names) for service, names in found.items()}


def reachable(shapes: _Shapes | Mapping[str, Any], start: frozenset[str]) -> list[str]:
    """The names of `start` and of every shape their members, list members, keys and values name."""
    seen: set[str] = set()
    todo = sorted(start)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        named = [shape[k] for k in ("member", "key", "value") if k in shape]
        todo.extend(spec["shape"] for spec in (*named, *shape.get("members", {}).values()))
    return sorted(seen)


def _model_file(service: str) -> tuple[FsPath, str] | None:
    """botocore's packaged model of `service` (its newest API version), where botocore's own loader
    finds it (data/<service>/<version>/service-2.json[.gz]), with its name relative to data/."""
    spec = importlib.util.find_spec("botocore")
    for root in spec.submodule_search_locations or () if spec is not None else ():
        data = FsPath(root) / "data"
        versions = sorted((data / service).glob("*/service-2.json*"))
        if versions:
            return versions[-1], versions[-1].relative_to(data).as_posix()
    return None


def snapshot(service: str) -> Snapshot | None:
    """A new snapshot of `service` from the installed botocore (None: no model file found)."""
    found = _model_file(service)
    if found is None:
        return None
    path, model = found
    data = path.read_bytes()
    shapes = _decoded(path, data)
    names = reachable(shapes, roots()[service])
    return Snapshot(model, len(data), zlib.crc32(data), {n: shapes._raw[n] for n in names})


@cache
def _snapshots() -> Mapping[str, Snapshot]:
    try:
        return msgspec.json.decode(SNAPSHOT_FILE.read_bytes(), type=dict[str, Snapshot])
    except (OSError, msgspec.DecodeError):  # not shipped, or damaged: the models are read
        return {}


def _decoded(path: FsPath, data: bytes) -> _Shapes:
    text = _gunzip(data) if path.suffix == ".gz" else data
    return _Shapes(msgspec.json.decode(text, type=_Model).shapes)


def _gunzip(data: bytes) -> bytes:
    # zlib's own gzip reading: the gzip module costs an import, and a model file is one member.
    reader = zlib.decompressobj(wbits=31)
    text = reader.decompress(data)
    if not reader.eof or reader.unused_data:
        import gzip  # truncated, or several members: gzip's reading and its errors

        return gzip.decompress(data)
    return text


@cache
def _shapes(service: str) -> _Shapes | Mapping[str, Any]:
    """The shapes of botocore's packaged model of `service`, read without importing botocore,
    which costs a command more than the rest of its start-up: from the snapshot while the model
    file is the one it was taken from, else from the file. Another layout: botocore's loader."""
    found = _model_file(service)
    if found is not None:
        path, model = found
        data = path.read_bytes()
        taken = _snapshots().get(service)
        if (
            taken is not None
            and (taken.model, taken.size) == (model, len(data))
            and taken.crc32 == zlib.crc32(data)
        ):
            return _Shapes(taken.shapes)
        return _decoded(path, data)
    import botocore.loaders

    loaded = botocore.loaders.Loader().load_service_model(service, "service-2")
    shapes: Mapping[str, Any] = loaded["shapes"]
    return shapes


# Java's `\p{X}` classes, which Python's re lacks: the Unicode general categories they name.
_CLASS = re.compile(r"\[((?:\\p\{[A-Z]\}|[^\]])+)\]([+*])")
_CATEGORY = re.compile(r"\\p\{([A-Z])\}")


@cache
def compile_pattern(pattern: str) -> Callable[[str], bool]:
    """A service-model pattern as a full-match test. Java's \\w, \\s and \\d are ASCII."""
    whole = _CLASS.fullmatch(pattern)
    if whole is not None and _CATEGORY.search(whole.group(1)):
        categories = frozenset(_CATEGORY.findall(whole.group(1)))
        rest = _CATEGORY.sub("", whole.group(1))
        others = re.compile(f"[{rest}]", re.ASCII) if rest else None
        empty_ok = whole.group(2) == "*"

        def matches(text: str) -> bool:
            return (empty_ok or bool(text)) and all(
                unicodedata.category(c)[0] in categories
                or (others is not None and others.fullmatch(c) is not None)
                for c in text
            )

        return matches
    compiled = re.compile(pattern, re.ASCII)
    return lambda text: compiled.fullmatch(text) is not None


def _unresolved(value: str) -> bool:
    # An importer's marker for a value no offline reading can know (IMPORT.md D5): no shape applies.
    return is_unresolved_text(value)


def _string_problem(service: str, name: str, shape: Mapping[str, Any], value: str) -> str | None:
    low, high = shape.get("min"), shape.get("max")
    source = f"[service model {service} {name}]"
    if (low is not None and len(value) < low) or (high is not None and len(value) > high):
        bounds = f"{low or 0}-{high}" if high is not None else f"at least {low}"
        return f"length {len(value)} is outside {bounds} characters {source}"
    pattern = shape.get("pattern")
    if name == "IdentityPoolId" and limits.PLACEHOLDER_POOL_ID.fullmatch(value):
        return None  # a template's pool before deployment (IMPORT.md D4)
    if pattern and not compile_pattern(pattern)(value):
        return f"{_shown(value)} does not match the service's pattern {pattern} {source}"
    return None


def _shown(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:59] + "…")


def problems(data: Any) -> Iterator[tuple[Path, str]]:
    """Every string of a pool document that breaks its service-model shape, with its path."""
    if not isinstance(data, Mapping):
        return
    for structure in _ROOT_STRUCTURES:
        yield from _walk(_COGNITO, structure, data, ())
    for field, spec in _ROOT.items():
        if field not in data:
            continue
        value = data[field]
        elements = (
            [((field, i), v) for i, v in enumerate(value)]
            if field in _LISTS and isinstance(value, list)
            else [((field,), value)]
        )
        for path, element in elements:
            if isinstance(spec, dict):
                yield from _members(spec, element, path)
            else:
                yield from _walk(*spec, element, path)


def _members(spec: Mapping[str, Shape], value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    if not isinstance(value, Mapping):
        return
    for member, (service, name) in spec.items():
        if member not in value:
            continue
        items = value[member]
        if member in _LIST_MEMBERS and isinstance(items, list):
            for i, item in enumerate(items):
                yield from _walk(service, name, item, (*path, member, i))
        else:
            yield from _walk(service, name, items, (*path, member))


def _walk(service: str, name: str, value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    shape = _shapes(service)[name]
    kind = shape["type"]
    if kind == "string":
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # as the loader reads an unquoted number (Node.string)
        if isinstance(value, str) and not _unresolved(value):
            problem = _string_problem(service, name, shape, value)
            if problem is not None:
                yield path, problem
    elif kind == "structure" and isinstance(value, Mapping):
        for member, spec in shape["members"].items():
            if member in value:
                yield from _walk(service, spec["shape"], value[member], (*path, member))
    elif kind == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(service, shape["member"]["shape"], item, (*path, i))
    elif kind == "map" and isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                problem = _string_problem(service, shape["key"]["shape"],
                                          _shapes(service)[shape["key"]["shape"]], key)  # fmt: skip
                if problem is not None:
                    yield (*path, key), f"key: {problem}"
            yield from _walk(service, shape["value"]["shape"], item, (*path, key))


def check(data: Any) -> None:
    """Raise the first problem as a ConfigError with its path (the loader adds file and line)."""
    for path, problem in problems(data):
        raise ConfigError(problem, path=path)
