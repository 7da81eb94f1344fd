"""Policy documents: parsing (dict, JSON text or URL-encoded JSON) and compiled statements.

Element grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
Version: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from typing import Any, Final, Literal

import msgspec

from simulator import inputs
from simulator.assumptions import Name
from simulator.errors import ConfigError, PathPart
from simulator.iam import catalogue, limits, patterns
from simulator.iam.conditions import Clause, Trace, Unknown
from simulator.iam.patterns import Context
from simulator.iam.request import Request
from simulator.iam.wildcard import WildcardSet
from simulator.node import Node
from simulator.unresolved import constructs_in

Effect = Literal["Allow", "Deny"]
# Where a policy is used decides which elements it must or must not have.
PolicyKind = Literal["identity", "boundary", "session", "resource", "scp", "trust"]

VERSION_2012: Final = "2012-10-17"
VERSION_2008: Final = "2008-10-17"
_TOP_KEYS: Final = ("Version", "Id", "Statement")
_STATEMENT_KEYS: Final = (
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
    "Condition",
)  # fmt: skip
_PRINCIPAL_TYPES: Final = ("AWS", "Federated", "Service", "CanonicalUser")
_ACTION: Final = re.compile(r"^[A-Za-z0-9*?_-]+:[A-Za-z0-9*?_-]+$")
_ACTION_CACHE_LIMIT: Final = 8192


class PrincipalSpec(msgspec.Struct, frozen=True):
    """A Principal or NotPrincipal element: "*" or lists of identifiers by type."""

    wildcard: bool = False
    aws: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()  # constructs of entries an importer could not resolve


class Statement(msgspec.Struct, frozen=True, eq=False):
    index: int
    sid: str | None
    effect: Effect
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None  # None: the statement has neither Resource nor NotResource
    not_resource: bool
    principal: PrincipalSpec | None
    not_principal: bool
    clauses: tuple[Clause, ...]
    _action_matcher: WildcardSet
    _action_cache: dict[str, bool | None]
    _resource_any: bool
    _resource_free: bool  # every resource matches: no check needed
    _resource_matcher: WildcardSet | None
    _resource_templates: tuple[patterns.TemplateMatcher, ...]
    # Constructs of Action/NotAction and Resource/NotResource entries that are importer markers.
    _action_unresolved: tuple[str, ...] = ()
    _resource_unresolved: tuple[str, ...] = ()

    def action_matches(self, action_key: str) -> bool | None:
        """Whether the Action (or NotAction) element lets the statement apply; None when only an
        unresolved entry could decide."""
        if action_key in self._action_cache:
            return self._action_cache[action_key]
        listed: bool | None = self._action_matcher.matches(action_key)
        if not listed and self._action_unresolved:
            listed = None
        hit = listed if listed is None else listed is not self.not_action
        if len(self._action_cache) >= _ACTION_CACHE_LIMIT:
            self._action_cache.clear()
        self._action_cache[action_key] = hit
        return hit

    def resource_matches(self, resource: str, context: Context, trace: Trace) -> bool | None:
        if self.resources is None:
            return True
        hit = self._resource_any or (
            self._resource_matcher is not None and self._resource_matcher.matches(resource)
        )
        unset = False
        maybe = bool(self._resource_unresolved)
        if not hit:
            for template in self._resource_templates:
                pattern = template.pattern(context)
                if pattern is None:
                    if trace.open_keys is not None and any(
                        trace.missing(key, context) for key in template.unset_keys(context)
                    ):
                        maybe = True  # the value is one the request is silent about
                    else:
                        unset = True  # a variable with no value: matches nothing (notes item 2)
                elif pattern.matches(resource):
                    hit = True
                    break
        if not self.not_resource:
            return True if hit else (None if maybe else False)
        if hit:
            return False
        if maybe:
            return None
        if unset:
            # Named assumption notresource-unset-variable: by default the entry excludes nothing.
            if trace.notresource_invalid:
                return False
            trace.note(
                Name.NOTRESOURCE_UNSET_VARIABLE,
                f"statement {self.index} applies because a NotResource entry has a variable with no value",
            )
        return True

    def context_keys(self) -> frozenset[str]:
        """Every context key (lower-case) the statement reads: its condition keys and the policy
        variables of its conditions and resources. Nothing else in the request's context can
        change whether it matches."""
        keys = {k for clause in self.clauses for k in (clause.key, *clause.variable_keys)}
        keys.update(
            part.key
            for template in self._resource_templates
            for part in template.parts
            if isinstance(part, patterns.Variable)
        )
        return frozenset(keys)

    def matches(self, request: Request, trace: Trace) -> bool | None:
        """Action, resource and conditions (not the principal) match the request: True, False, or
        None when the outcome depends on a key the request is silent about or on an unresolved value."""
        cache = self._action_cache
        key = request.action_key
        hit = cache[key] if key in cache else self.action_matches(key)
        if hit is False:
            return False
        context = request.normalised
        if not self._resource_free:
            on_resource = self.resource_matches(request.resource, context, trace)
            if on_resource is False:
                return False
            if on_resource is None:
                hit = None
        for clause in self.clauses:
            result = clause.test(context, trace)
            if result is False:
                return False
            if result is None:
                hit = None
        return hit

    def why_unknown(self, request: Request, trace: Trace) -> Unknown:
        """What matches() lacked when it answered None."""
        context = request.normalised
        missing: list[str] = []
        unresolved: list[str] = []
        if self.action_matches(request.action_key) is None:
            unresolved.extend(self._action_unresolved)
        if (
            not self._resource_free
            and self.resource_matches(request.resource, context, trace) is None
        ):
            unresolved.extend(self._resource_unresolved)
            for template in self._resource_templates:
                missing.extend(k for k in template.unset_keys(context) if trace.missing(k, context))
        for clause in self.clauses:
            if clause.test(context, trace) is None:
                why = clause.why_unknown(context, trace)
                missing.extend(why.missing)
                unresolved.extend(why.unresolved)
        return Unknown(tuple(dict.fromkeys(missing)), tuple(dict.fromkeys(unresolved)))


class Policy(msgspec.Struct, frozen=True, eq=False):
    version: str | None
    id: str | None
    statements: tuple[Statement, ...]
    warnings: tuple[str, ...]
    document: Mapping[str, Any]

    @property
    def variables(self) -> bool:
        """Policy variables are substituted only in 2012-10-17 documents (notes item 9)."""
        return self.version == VERSION_2012


class NamedPolicy(msgspec.Struct, frozen=True, eq=False):
    """A policy with the name a decision shows for it (file name, policy name or ARN)."""

    name: str
    policy: Policy
    # Trace records of this policy's statements, built once per (slot, statement) by the evaluator.
    matched_cache: dict[tuple[str, int], Any] = msgspec.field(default_factory=dict)


# --- parsing ------------------------------------------------------------------------------------


def load_document(document: Any) -> Mapping[str, Any]:
    """A policy document from a mapping, JSON text, or URL-encoded JSON text (as IAM returns it)."""
    if isinstance(document, Mapping):
        return document
    if isinstance(document, (str, bytes)):
        text = document.decode("utf-8") if isinstance(document, bytes) else document
        stripped = text.strip()
        if stripped.startswith(("%7B", "%7b")):
            stripped = urllib.parse.unquote(stripped)
        try:
            loaded = inputs.parse_json(stripped, "", inputs.DOCUMENT)
        except ConfigError as exc:
            raise ConfigError(f"policy document text: {exc.message}") from None
        if not isinstance(loaded, Mapping):
            raise ConfigError("policy document must be a JSON object")
        return loaded
    raise ConfigError(
        f"policy document must be an object or a JSON string, not {_type_name(document)}"
    )


def parse_policy(
    document: Any,
    *,
    kind: PolicyKind = "identity",
    check_actions: bool = True,
    compiled: dict[Any, Statement] | None = None,
) -> Policy:
    """Parse and compile a policy. Errors carry the path inside the document.

    `compiled` remembers compiled statements by their JSON text (and place), for a caller that
    parses many documents sharing statements (a requests file, where each line has its own)."""
    doc = load_document(document)
    root = Node(doc)
    root.check_keys(_TOP_KEYS, what="policy element")
    version = doc.get("Version")
    if version is not None and version not in (VERSION_2012, VERSION_2008):
        raise ConfigError(
            f"unsupported policy Version {version!r} (expected {VERSION_2012} or {VERSION_2008})",
            path=("Version",),
        )
    given_id = root.get("Id")
    policy_id = given_id.string() if given_id is not None else None
    if "Statement" not in doc:
        raise ConfigError("policy has no Statement element", path=("Statement",))
    raw_statements = doc["Statement"]
    if isinstance(raw_statements, Mapping):
        items: list[tuple[tuple[PathPart, ...], Any]] = [(("Statement",), raw_statements)]
    elif isinstance(raw_statements, list):
        items = [(("Statement", i), item) for i, item in enumerate(raw_statements)]
    else:
        raise ConfigError("Statement must be an object or a list of objects", path=("Statement",))
    variables = version == VERSION_2012
    warnings: list[str] = []
    statements = tuple(
        _statement(index, raw, path, kind, variables, compiled)
        for index, (path, raw) in enumerate(items)
    )
    if check_actions:
        for statement in statements:
            for action in statement.actions:
                if constructs_in(action):
                    continue
                warning = catalogue.unknown_action_warning(action)
                if warning and warning not in warnings:
                    warnings.append(warning)
    return Policy(version, policy_id, statements, tuple(warnings), doc)


def _statement(
    index: int,
    raw: Any,
    path: tuple[PathPart, ...],
    kind: PolicyKind,
    variables: bool,
    compiled: dict[Any, Statement] | None,
) -> Statement:
    if compiled is None:
        return _parse_statement(index, raw, path, kind=kind, variables=variables)
    try:
        key = (kind, variables, index, _statement_text(raw))
    except (TypeError, ValueError, OverflowError):  # not plain JSON data: compiled alone
        return _parse_statement(index, raw, path, kind=kind, variables=variables)
    found = compiled.get(key)
    if found is None:
        found = _parse_statement(index, raw, path, kind=kind, variables=variables)
        if len(compiled) >= _COMPILED_LIMIT:
            compiled.clear()
        compiled[key] = found
    return found


_statement_text = msgspec.json.Encoder().encode
_COMPILED_LIMIT = 4096


def _parse_statement(
    index: int,
    raw: Any,
    path: tuple[PathPart, ...],
    *,
    kind: PolicyKind,
    variables: bool,
) -> Statement:
    node = Node(raw, path)
    node.check_keys(_STATEMENT_KEYS, what="statement element")
    given_sid = node.get("Sid")
    sid = given_sid.string() if given_sid is not None else None
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise ConfigError(
            f"Effect must be 'Allow' or 'Deny', not {effect!r}"
            if "Effect" in raw
            else "missing Effect",
            path=(*path, "Effect"),
        )
    action_key = _exactly_one(raw, "Action", "NotAction", path, required=True)
    assert action_key is not None
    actions = _strings(raw[action_key], (*path, action_key))
    action_unresolved = _unresolved(actions)
    for i, action in enumerate(actions):
        if action != "*" and not _ACTION.match(action) and not constructs_in(action):
            where = (
                (*path, action_key, i) if isinstance(raw[action_key], list) else (*path, action_key)
            )
            raise ConfigError(f"malformed action {action!r} (expected service:action)", path=where)
    resource_key = _exactly_one(raw, "Resource", "NotResource", path, required=kind != "trust")
    resources = _strings(raw[resource_key], (*path, resource_key)) if resource_key else None
    principal_key = _exactly_one(
        raw, "Principal", "NotPrincipal", path, required=kind in ("resource", "trust")
    )
    if principal_key and kind not in ("resource", "trust"):
        raise ConfigError(
            f"{principal_key} is not allowed in {kind} policies", path=(*path, principal_key)
        )
    principal = _principal(raw[principal_key], (*path, principal_key)) if principal_key else None
    clauses = _conditions(raw.get("Condition"), (*path, "Condition"), variables=variables)

    action_matcher = patterns.compile_globs(
        [(patterns.Glob(action.lower()),) for action in actions if not constructs_in(action)],
        ignore_case=True,
    )
    resource_any = False
    static: list[tuple[patterns.Part, ...]] = []
    templates: list[patterns.TemplateMatcher] = []
    for resource in resources or ():
        if constructs_in(resource):
            continue  # unknown offline: matches() answers None unless another entry decides
        parts = patterns.parse_template(resource, variables=variables)
        if resource == "*":
            resource_any = True
        elif patterns.has_variables(parts):
            templates.append(patterns.TemplateMatcher(parts, arn_segments=True, ignore_case=False))
        else:
            static.append(parts)
    return Statement(
        index=index,
        sid=sid,
        effect=effect,
        actions=actions,
        not_action=action_key == "NotAction",
        resources=resources,
        not_resource=resource_key == "NotResource",
        principal=principal,
        not_principal=principal_key == "NotPrincipal",
        clauses=clauses,
        _action_matcher=action_matcher,
        _action_cache={},
        _resource_any=resource_any,
        _resource_free=resources is None or (resource_any and resource_key == "Resource"),
        _resource_matcher=patterns.compile_globs(static, arn_segments=True) if static else None,
        _resource_templates=tuple(templates),
        _action_unresolved=action_unresolved,
        _resource_unresolved=_unresolved(resources or ()),
    )


def _exactly_one(
    raw: Mapping[str, Any], plain: str, negated: str, path: tuple[PathPart, ...], *, required: bool
) -> str | None:
    if plain in raw and negated in raw:
        raise ConfigError(
            f"a statement cannot have both {plain} and {negated}", path=(*path, negated)
        )
    if plain in raw:
        return plain
    if negated in raw:
        return negated
    if required:
        raise ConfigError(f"statement has neither {plain} nor {negated}", path=path)
    return None


def _unresolved(texts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for text in texts for c in constructs_in(text)))


def _bounded(text: str, path: tuple[PathPart, ...]) -> str:
    if len(text) > limits.MAX_POLICY_STRING:
        raise ConfigError(
            f"a string of {len(text):,} characters is longer than any policy AWS accepts",
            path=path,
            hint=limits.POLICY_STRING_HINT,
        )
    return text


def _strings(value: Any, path: tuple[PathPart, ...]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (_bounded(value, path),)
    if isinstance(value, list) and value:
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise ConfigError(f"expected a string, not {_type_name(item)}", path=(*path, i))
            _bounded(item, (*path, i))
        return tuple(value)
    if isinstance(value, list):
        raise ConfigError("must not be an empty list", path=path)
    raise ConfigError(f"expected a string or a list of strings, not {_type_name(value)}", path=path)


def _principal(value: Any, path: tuple[PathPart, ...]) -> PrincipalSpec:
    if value == "*":
        return PrincipalSpec(wildcard=True)
    if not isinstance(value, Mapping) or not value:
        raise ConfigError('Principal must be "*" or an object such as {"AWS": ...}', path=path)
    Node(value, path).check_keys(_PRINCIPAL_TYPES, what="principal type")
    found = {key: _strings(ids, (*path, key)) for key, ids in value.items()}
    unresolved = _unresolved(tuple(i for ids in found.values() for i in ids))

    def known(kind: str) -> tuple[str, ...]:
        return tuple(i for i in found.get(kind, ()) if not constructs_in(i))

    aws = known("AWS")
    return PrincipalSpec(
        wildcard="*" in aws,
        aws=aws,
        federated=known("Federated"),
        service=known("Service"),
        canonical_user=known("CanonicalUser"),
        unresolved=unresolved,
    )


def _condition_value(value: Any, path: tuple[PathPart, ...]) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return _bounded(value, path)
    raise ConfigError(
        f"condition value must be a string, number or boolean, not {_type_name(value)}", path=path
    )


def _conditions(raw: Any, path: tuple[PathPart, ...], *, variables: bool) -> tuple[Clause, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise ConfigError("Condition must be an object of operator -> {key: value}", path=path)
    clauses: list[Clause] = []
    for operator, block in raw.items():
        op_path = (*path, operator)
        if not isinstance(block, Mapping) or not block:
            raise ConfigError("expected an object of condition key -> value(s)", path=op_path)
        for key, values in block.items():
            key_path = (*op_path, key)
            if isinstance(key, str) and len(key) > limits.MAX_CONTEXT_KEY:
                raise ConfigError(
                    f"a condition key of {len(key):,} characters; key names have at most "
                    f"{limits.MAX_CONTEXT_KEY}",
                    path=key_path,
                )
            if isinstance(values, list):
                if not values:
                    raise ConfigError("condition values must not be an empty list", path=key_path)
                texts = tuple(_condition_value(v, (*key_path, i)) for i, v in enumerate(values))
            else:
                texts = (_condition_value(values, key_path),)
            clauses.append(Clause(operator, key, texts, variables=variables, path=key_path))
    return tuple(clauses)


def _type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        int: "a number",
        float: "a number",
        bool: "a boolean",
    }.get(type(value), type(value).__name__)
