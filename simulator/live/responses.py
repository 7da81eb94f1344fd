"""What an AWS answer must look like before rolesim reads it.

An endpoint that answers `200 {}`, a string where the model says list, or an OpenID token that
is not a JWT is an AWS-side failure (exit 3), never a KeyError or TypeError. Two checks:
`check_json_body` compares every field of a JSON response's raw body with the type the service
model gives it (botocore's parser would crash on some, or silently turn a string into a list of
characters); `need` and `need_text` fetch the fields rolesim relies on, which the models
mostly leave optional.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError

from simulator.errors import AwsError

_JSON_PROTOCOLS = frozenset({"json", "rest-json"})
_NUMBER = (int, float)


class MalformedResponseError(BotoCoreError):  # type: ignore[misc]  # botocore is untyped
    """The endpoint's answer does not have the shape the service model describes."""

    fmt = "{operation} returned a malformed response: {problem}"


def malformed(operation: str, problem: str) -> AwsError:
    """The AwsError (exit 3) for an answer that lacks what the API promises."""
    return AwsError(
        f"{operation} returned a malformed response: {problem}; the endpoint does not answer "
        "as the AWS API does (check --endpoint-url)",
        code="MalformedResponse",
    )


def _type_problem(shape: Any, value: Any, path: str) -> str | None:
    """The first field whose JSON type differs from the model's, as `path: what`; else None."""
    if value is None or getattr(shape, "is_document_type", False):
        return None  # null is an absent member; documents are free-form
    kind = shape.type_name
    where = path or "the body"
    if kind == "structure":
        if not isinstance(value, dict):
            return f"{where}: expected an object, got {_json_type(value)}"
        for name, member in shape.members.items():
            key = member.serialization.get("name", name)
            if key in value:
                problem = _type_problem(member, value[key], f"{path}.{name}" if path else name)
                if problem:
                    return problem
        return None
    if kind == "list":
        if not isinstance(value, list):
            return f"{where}: expected a list, got {_json_type(value)}"
        for index, item in enumerate(value):
            problem = _type_problem(shape.member, item, f"{path}[{index}]")
            if problem:
                return problem
        return None
    if kind == "map":
        if not isinstance(value, dict):
            return f"{where}: expected an object, got {_json_type(value)}"
        for key, item in value.items():
            problem = _type_problem(shape.value, item, f"{path}[{json.dumps(key)}]")
            if problem:
                return problem
        return None
    expected: tuple[type, ...] | None = {
        "string": (str,),
        "blob": (str,),
        "boolean": (bool,),
        "integer": (int,),
        "long": (int,),
        "float": _NUMBER,
        "double": _NUMBER,
        "timestamp": (*_NUMBER, str),
    }.get(kind)
    wrong_bool = isinstance(value, bool) and kind != "boolean"
    if expected is not None and (wrong_bool or not isinstance(value, expected)):
        return f"{where}: expected a {kind}, got {_json_type(value)}"
    return None


def _json_type(value: Any) -> str:
    names = {bool: "a boolean", str: "a string", int: "a number", float: "a number"}
    names |= {list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def check_json_body(http_response: Any, model: Any, **_: Any) -> None:
    """botocore `after-call` handler: refuse a successful JSON answer of the wrong shape.

    It reads the raw body, so a value botocore's parser silently reshaped is still caught.
    """
    service = model.service_model
    # resolved_protocol (botocore 1.37+) picks among several; older releases have one.
    protocol = getattr(service, "resolved_protocol", None) or service.protocol
    if protocol not in _JSON_PROTOCOLS or http_response.status_code >= 300:
        return
    try:
        data = json.loads(http_response.content or b"{}")
    except (ValueError, RecursionError):
        raise MalformedResponseError(operation=model.name, problem="the body is not JSON") from None
    shape = model.output_shape
    problem = _type_problem(shape, data, "") if shape is not None else None
    if problem:
        raise MalformedResponseError(operation=model.name, problem=problem)


def need(response: Any, *path: str | int, operation: str) -> Any:
    """The value at `path` in a parsed response; AwsError when it is missing."""
    value = response
    for depth, key in enumerate(path):
        if isinstance(key, int):
            found = isinstance(value, list) and key < len(value)
        else:
            found = isinstance(value, dict) and value.get(key) is not None
        if not found:
            field = ".".join(str(k) for k in path[: depth + 1])
            raise malformed(operation, f"{field} is missing")
        value = value[key]
    return value


def need_text(response: Any, *path: str | int, operation: str) -> str:
    """A non-empty string at `path`; AwsError otherwise."""
    value = need(response, *path, operation=operation)
    if not isinstance(value, str) or not value:
        raise malformed(operation, f"{'.'.join(map(str, path))} is not a non-empty string")
    return value
