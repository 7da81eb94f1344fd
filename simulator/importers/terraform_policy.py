"""The `aws_iam_policy_document` data source: its `statement` blocks as the policy JSON it writes.

Follows the provider's implementation (internal/service/iam/policy_document_data_source.go and
policy_model.go in hashicorp/terraform-provider-aws) and its documentation
(https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/iam_policy_document):
a set of one string is written as that string, larger sets sorted in reverse; principals of one
type are merged, and `{"*": ["*"]}` alone becomes `"*"`; condition values of one test and variable
are merged, one value written as a string; `&{...}` in resources, principals and condition values
becomes the IAM policy variable `${...}`; `source_policy_documents` come first, then the statements,
then `override_policy_documents`, a statement with the same `Sid` replacing the earlier one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from simulator.errors import ConfigError, Path
from simulator.importers.hcl_values import (
    EncodedJson,
    EvalError,
    decode_json,
    derived_string,
    encoded,
    first_unresolved,
    go_json,
)
from simulator.importers.values import Unresolved

Fail = Callable[[Path, str], ConfigError]

_VERSIONS = ("2008-10-17", "2012-10-17")
_SID = re.compile(r"^[a-zA-Z0-9]*$")


_LEAVES = ("actions", "not_actions", "resources", "not_resources")


def policy_document(values: Mapping[str, Any], address: str, fail: Fail) -> dict[str, Any]:
    """The data source's attributes (`json`, `minified_json`) from its evaluated arguments.

    The provider reads the document at apply time when an argument is unknown. An unknown action,
    resource, principal or condition value leaves the rest of the document known (a PartialJson:
    only that value is marked); an unknown anywhere else makes the whole document unknown."""
    unknown = _unknown_structure(values)
    if unknown is not None:
        missing = Unresolved(f"{address}.json (depends on {unknown.construct})", unknown.origin)
        return {"json": missing, "minified_json": missing}
    version = values.get("version", "2012-10-17")
    if version not in _VERSIONS:
        raise fail(("version",), f"version must be {' or '.join(_VERSIONS)}")
    merged: dict[str, Any] = {"Version": "", "Statement": []}
    seen_sids: set[str] = set()
    for i, text in enumerate(values.get("source_policy_documents") or []):
        if text is None:
            continue
        source = _document(text, ("source_policy_documents", i), fail)
        for statement in source.get("Statement", []):
            sid = statement.get("Sid") if isinstance(statement, dict) else None
            if sid:
                if sid in seen_sids:
                    raise fail(
                        ("source_policy_documents", i),
                        f"duplicate Sid {sid!r} in source_policy_documents",
                    )
                seen_sids.add(sid)
        _merge(merged, source)
    own: dict[str, Any] = {"Version": version, "Statement": []}
    if values.get("policy_id") is not None:
        own["Id"] = values["policy_id"]
    sids: set[str] = set()
    for i, block in enumerate(values.get("statement") or []):
        own["Statement"].append(_statement(block, version, ("statement", i), sids, fail))
    _merge(merged, own)
    for i, text in enumerate(values.get("override_policy_documents") or []):
        if text is not None:
            _merge(merged, _document(text, ("override_policy_documents", i), fail))
    document: dict[str, Any] = {"Version": merged["Version"]}
    if merged.get("Id"):
        document["Id"] = merged["Id"]
    if merged["Statement"]:
        document["Statement"] = merged["Statement"]
    if first_unresolved(document) is not None:
        partial = encoded(document, "")
        return {"json": partial, "minified_json": partial}
    return {
        "json": EncodedJson(go_json(document, indent=True), document),
        "minified_json": EncodedJson(go_json(document, indent=False), document),
    }


def _unknown_structure(values: Mapping[str, Any]) -> Unresolved | None:
    """The first unknown value that is not one element of a statement's string sets."""
    statements = values.get("statement")
    masked = dict(values)
    if isinstance(statements, list):
        masked["statement"] = [_masked(b) if isinstance(b, dict) else b for b in statements]
    return first_unresolved(masked)


def _masked(block: dict[str, Any]) -> dict[str, Any]:
    """A statement with its unknown set elements (actions, resources, identifiers, condition
    values) taken out: what is left must be known."""
    out = {k: _known_elements(v) if k in _LEAVES else v for k, v in block.items()}
    for name, inner in (("principals", "identifiers"), ("not_principals", "identifiers"),
                        ("condition", "values")):  # fmt: skip
        blocks = block.get(name)
        if isinstance(blocks, list):
            out[name] = [
                {**b, inner: _known_elements(b.get(inner))} if isinstance(b, dict) else b
                for b in blocks
            ]
    return out


def _known_elements(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [v for v in value if not isinstance(v, Unresolved)]
    return value


def _document(text: Any, path: Path, fail: Fail) -> dict[str, Any]:
    if isinstance(text, EncodedJson):
        value = text.value
    elif isinstance(text, str):
        try:
            value = decode_json(text)
        except EvalError:
            value = None
    else:
        value = None
    if not isinstance(value, dict):
        raise fail(path, "not a JSON policy document")
    statements = value.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    return {**value, "Statement": list(statements) if isinstance(statements, list) else []}


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    """IAMPolicyDoc.Merge: adopt the Id, upgrade the Version, replace statements by Sid."""
    if new.get("Id"):
        into["Id"] = new["Id"]
    if str(new.get("Version", "")) > str(into.get("Version", "")):
        into["Version"] = new["Version"]
    statements: list[Any] = into["Statement"]
    for statement in new.get("Statement", []):
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        if sid:
            for i, existing in enumerate(statements):
                if isinstance(existing, dict) and existing.get("Sid") == sid:
                    statements[i] = statement
                    break
            else:
                statements.append(statement)
        else:
            statements.append(statement)


def _statement(
    block: Mapping[str, Any], version: str, at: Path, sids: set[str], fail: Fail
) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    sid = block.get("sid")
    if sid:
        if not isinstance(sid, str) or not _SID.match(sid):
            raise fail((*at, "sid"), "sid must only include alphanumeric characters")
        if sid in sids:
            raise fail((*at, "sid"), f"duplicate Sid {sid!r}")
        sids.add(sid)
        statement["Sid"] = sid
    effect = block.get("effect", "Allow")
    if effect not in ("Allow", "Deny"):
        raise fail((*at, "effect"), "effect must be Allow or Deny")
    statement["Effect"] = effect
    for key, name, variables in (
        ("Action", "actions", False),
        ("NotAction", "not_actions", False),
        ("Resource", "resources", True),
        ("NotResource", "not_resources", True),
    ):
        items = _strings(block.get(name), (*at, name), fail)
        if items:
            if variables:
                items = [_policy_variables(i, version, (*at, name), fail) for i in items]
            statement[key] = _set_of_strings(items)
    for key, name in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
        principals = block.get(name) or []
        if principals:
            statement[key] = _principals(principals, version, (*at, name), fail)
    conditions = block.get("condition") or []
    if conditions:
        statement["Condition"] = _conditions(conditions, version, (*at, "condition"), fail)
    return statement


def _strings(value: Any, path: Path, fail: Fail) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise fail(path, "a set of strings is required")
    out = []
    for item in value:
        if not isinstance(item, str | Unresolved):
            raise fail(path, "a set of strings is required")
        if item not in out:
            out.append(item)
    return out


def _set_of_strings(items: list[Any]) -> Any:
    """policyDecodeConfigStrings: one element as a string, more sorted in reverse (unknown
    elements, which cannot be placed, last)."""
    if len(items) == 1:
        return items[0]
    known = sorted((i for i in items if isinstance(i, str)), reverse=True)
    return [*known, *(i for i in items if not isinstance(i, str))]


def _policy_variables(text: Any, version: str, path: Path, fail: Fail) -> Any:
    if not isinstance(text, str):
        return text  # unknown until apply
    if "&{" in text and version == "2008-10-17":
        raise fail(path, "&{ is not supported in policy version 2008-10-17")
    return derived_string(text.replace("&{", "${"), [text]) if "&{" in text else text


def _principals(blocks: Any, version: str, path: Path, fail: Fail) -> Any:
    entries: list[tuple[str, Any]] = []
    for i, block in enumerate(blocks):
        kind = block.get("type")
        if not isinstance(kind, str):
            raise fail((*path, i, "type"), "type is required")
        identifiers = [
            _policy_variables(x, version, (*path, i, "identifiers"), fail)
            for x in _strings(block.get("identifiers"), (*path, i, "identifiers"), fail)
        ]
        entries.append((kind, _set_of_strings(identifiers)))
    if len(entries) == 1 and entries[0][0] == "*" and entries[0][1] in ("*", ["*"]):
        return "*"
    raw: dict[str, Any] = {}
    for kind, identifiers in entries:
        existing = raw.get(kind)
        if isinstance(identifiers, list):
            merged = (
                [] if existing is None else ([existing] if isinstance(existing, str) else existing)
            )
            raw[kind] = [*merged, *identifiers]
        elif existing is None:
            raw[kind] = identifiers
        elif isinstance(existing, str):
            raw[kind] = [existing, identifiers]
        else:
            raw[kind] = [*existing, identifiers]
    return {k: raw[k] for k in sorted(raw)}


def _conditions(blocks: Any, version: str, path: Path, fail: Fail) -> dict[str, Any]:
    raw: dict[str, dict[str, list[str]]] = {}
    for i, block in enumerate(blocks):
        test, variable = block.get("test"), block.get("variable")
        if not isinstance(test, str) or not isinstance(variable, str):
            raise fail((*path, i), "test and variable are required")
        values = block.get("values")
        if not isinstance(values, list | tuple) or not all(
            isinstance(v, str | Unresolved) for v in values
        ):
            raise fail((*path, i, "values"), "values must be a list of strings")
        items = [_policy_variables(v, version, (*path, i, "values"), fail) for v in values]
        raw.setdefault(test, {}).setdefault(variable, []).extend(items)
    return {
        test: {
            variable: (items[0] if len(items) == 1 else items)
            for variable, items in sorted(raw[test].items())
        }
        for test in sorted(raw)
    }
