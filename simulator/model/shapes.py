"""The service models as the authority on every string of a pool file: length and pattern.

The pool loader checks what it interprets with its own messages (simulator.model.load); this module
then holds every string field, interpreted or not, to the limits of the shape the API gives it in
botocore's service models ([M] cognito-identity, [M-IDP] cognito-idp, and IAM's for the
`get-account-authorization-details` shapes), so that a file AWS would refuse is refused here too.
"""

from __future__ import annotations

import gzip
import importlib.util
import re
import unicodedata
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


class _Shapes:
    def __init__(self, raw: Mapping[str, msgspec.Raw]) -> None:
        self._raw = raw
        self._decoded: dict[str, Mapping[str, Any]] = {}

    def __getitem__(self, name: str) -> Mapping[str, Any]:
        found = self._decoded.get(name)
        if found is None:
            found = self._decoded[name] = msgspec.json.decode(self._raw[name])
        return found


@cache
def _shapes(service: str) -> _Shapes | Mapping[str, Any]:
    """botocore's packaged model of `service` (its newest API version), read as botocore's own
    loader reads it (data/<service>/<version>/service-2.json[.gz]) but without importing botocore,
    which costs a command more than the rest of its start-up. Another layout: botocore's loader."""
    spec = importlib.util.find_spec("botocore")
    for root in spec.submodule_search_locations or () if spec is not None else ():
        versions = sorted((FsPath(root) / "data" / service).glob("*/service-2.json*"))
        if versions:
            newest = versions[-1]
            data = newest.read_bytes()
            text = gzip.decompress(data) if newest.suffix == ".gz" else data
            return _Shapes(msgspec.json.decode(text, type=_Model).shapes)
    import botocore.loaders

    model = botocore.loaders.Loader().load_service_model(service, "service-2")
    shapes: Mapping[str, Any] = model["shapes"]
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
