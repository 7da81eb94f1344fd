"""The library twin of `rolesim policy eval`: IAM evaluation without an identity pool (CONTRACT §6).

One request from policy files, or a JSON-lines stream of requests each naming its own policies. A
bad line becomes a result with the problem, and the stream goes on.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from simulator import inputs
from simulator.access import REQUEST_FIELDS, access_request_of
from simulator.assumptions import AssumptionSet
from simulator.errors import ClaimsError, ConfigError, format_path
from simulator.iam import AccessDecision, NamedPolicy, Request, SessionPrincipal, evaluate
from simulator.iam.policy import Policy, PolicyKind, parse_policy
from simulator.jsontext import dumps, dumps_texts
from simulator.model.document import plain, read_file
from simulator.node import Node
from simulator.parallel import CHUNK, Written, numbered, ordered_map

# A requests line's policies beside the request itself (access.REQUEST_FIELDS).
POLICY_FIELDS = ("policies", "permissions_boundary", "session_policies", "resource_policy", "scps")


def policy_file(path: Path, kind: PolicyKind) -> NamedPolicy:
    """A policy file, JSON or YAML; errors name the file, the line and the path inside it."""
    doc = read_file(path)
    try:
        name = inputs.STDIN_NAME if inputs.is_stdin(path) else path.name
        return NamedPolicy(name, parse_policy(plain(doc.data), kind=kind))
    except ConfigError as exc:
        raise doc.error(exc) from None


@dataclass(frozen=True, slots=True)
class PolicyInputs:
    """The policies one evaluation takes into account, by kind."""

    identity: tuple[NamedPolicy, ...] = ()
    boundary: NamedPolicy | None = None
    session: tuple[NamedPolicy, ...] = ()
    resource: NamedPolicy | None = None
    scps: tuple[NamedPolicy, ...] = ()

    def decide(
        self, request: Request, principal: SessionPrincipal | None, assumptions: AssumptionSet
    ) -> AccessDecision:
        return evaluate(
            request,
            identity_policies=self.identity,
            permissions_boundary=self.boundary,
            session_policies=self.session,
            resource_policy=self.resource,
            scps=self.scps,
            principal=principal,
            assumptions=assumptions,
        )


@dataclass(frozen=True, slots=True)
class PolicyLine:
    """One line of a requests file: its decision, or why the line could not be read."""

    line: int
    decision: AccessDecision | None
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.decision is None:
            return {"line": self.line, "decision": None, "error": self.problem}
        return {"line": self.line, **self.decision.to_json()}


class LineError(Exception):
    """A requests line that cannot be evaluated; the message says where in the line."""


_CACHE_LIMIT = 4096  # distinct policies (and decisions) remembered: memory stays flat


class _Parsed:
    """Policies seen in a requests file, parsed once per distinct document. A policy is named by
    its position in the line that gives it (`policies[1]`), whichever line showed it first, so
    that the output of a line depends on that line alone (and `--jobs` writes the same bytes)."""

    def __init__(self, *, by_document: bool = True) -> None:
        # by_document=False: a caller that remembers documents itself (PolicyPlan, by their text)
        # has each parsed again, from statements compiled once.
        self.by_document = by_document
        self._cache: dict[tuple[str, str], Policy] = {}
        self._named: dict[tuple[str, int], NamedPolicy] = {}
        self._statements: dict[Any, Any] = {}

    def policy(self, document: Any, kind: PolicyKind, where: tuple[str | int, ...]) -> NamedPolicy:
        key = (kind, json.dumps(document, sort_keys=True) if self.by_document else "")
        found = self._cache.get(key) if self.by_document else None
        if found is None:
            try:
                found = parse_policy(document, kind=kind, compiled=self._statements)
            except ConfigError as exc:
                raise LineError(f"{format_path((*where, *exc.path))}: {exc.message}") from None
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
                self._named.clear()
            self._cache[key] = found
        name = format_path(where)
        if not self.by_document:
            return NamedPolicy(name, found)
        named = self._named.get((name, id(found)))
        if named is None:
            named = self._named[(name, id(found))] = NamedPolicy(name, found)
        return named

    def many(self, documents: Any, kind: PolicyKind, field: str) -> tuple[NamedPolicy, ...]:
        if not isinstance(documents, list):
            raise LineError(f"{field} must be a list of policy documents")
        return tuple(self.policy(d, kind, (field, i)) for i, d in enumerate(documents))

    def one(
        self, data: Mapping[str, Any], field: str, kind: PolicyKind, base: NamedPolicy | None
    ) -> NamedPolicy | None:
        """A line's single policy: given, explicitly null (none), or absent (the base's)."""
        if data.get(field) is not None:
            return self.policy(data[field], kind, (field,))
        return None if field in data else base


def request_from_line(
    line: str | bytes, parsed: _Parsed, base: PolicyInputs, source: str = "requests"
) -> tuple[Request, PolicyInputs]:
    """One requests line; bounded, strictly UTF-8 and strict JSON (simulator.inputs)."""
    kind = inputs.REQUEST_LINE
    try:
        data = inputs.parse_json(inputs.line_text(line, source, kind), source, kind, one_line=True)
    except (ConfigError, ClaimsError) as exc:
        raise LineError(exc.message) from None
    request = _quick_request(data)
    if request is None:  # the checked reading names what is wrong, with its path
        try:
            asked = access_request_of(Node(data), extra=POLICY_FIELDS)
        except ConfigError as err:
            hint = f" ({err.hint})" if err.hint else ""
            raise LineError(f"{format_path(err.path)}: {err.message}{hint}") from None
        request = Request(asked.action, asked.resource, dict(asked.context))

    def many(
        field: str, kind: PolicyKind, given: tuple[NamedPolicy, ...]
    ) -> tuple[NamedPolicy, ...]:
        return parsed.many(data[field], kind, field) if field in data else given

    given = PolicyInputs(
        identity=many("policies", "identity", base.identity),
        boundary=parsed.one(data, "permissions_boundary", "boundary", base.boundary),
        session=many("session_policies", "session", base.session),
        resource=parsed.one(data, "resource_policy", "resource", base.resource),
        scps=many("scps", "scp", base.scps),
    )
    return request, given


_LINE_FIELDS = frozenset((*REQUEST_FIELDS, *POLICY_FIELDS))
_MAX_TEXT = 10_240  # as access_request_of bounds an action or resource


def _quick_request(data: Any) -> Request | None:
    """The request of a line that `access_request_of` would read the same way, read with plain
    loops (a requests file has millions of lines); None: anything else, which the checked reading
    reads or refuses with the path of what is wrong."""
    if type(data) is not dict or not data.keys() <= _LINE_FIELDS:
        return None
    action, resource = data.get("action"), data.get("resource")
    if type(action) is not str or type(resource) is not str:
        return None
    if not 0 < len(action) <= _MAX_TEXT or not 0 < len(resource) <= _MAX_TEXT:
        return None
    if "context" not in data:
        return Request(action, resource, {})
    given = data["context"]
    if type(given) is not dict:
        return None
    context: dict[str, str | tuple[str, ...]] = {}
    for key, value in given.items():
        if type(value) is str:
            context[key] = value
        elif type(value) is list and all(type(item) is str for item in value):
            context[key] = tuple(value)
        else:
            return None
    return Request(action, resource, context)


def evaluate_lines(
    lines: Iterable[str | bytes],
    base: PolicyInputs,
    principal: SessionPrincipal | None,
    assumptions: AssumptionSet,
    *,
    source: str = "requests",
) -> Iterator[PolicyLine]:
    """Decisions for a requests stream, in order; blank lines are skipped."""
    parsed = _Parsed()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            request, given = request_from_line(line, parsed, base, source)
        except LineError as exc:
            yield PolicyLine(number, None, str(exc))
            continue
        yield PolicyLine(number, given.decide(request, principal, assumptions))


# --- the plan of a requests file: what `policy eval --requests` runs ------------------------------

# The fields of a line that hold policies, as PolicyInputs names them.
_POLICY_FIELDS = (
    ("policies", "identity"),
    ("permissions_boundary", "boundary"),
    ("session_policies", "session"),
    ("resource_policy", "resource"),
    ("scps", "scps"),
)
_MISS = object()


class _RawLine(msgspec.Struct, forbid_unknown_fields=True):
    """A line read by msgspec with the policies kept as their text, unparsed."""

    policies: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    permissions_boundary: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    session_policies: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    resource_policy: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    scps: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    # Read as the strict reader reads them (msgspec's reading, held to it by tests/core/test_jsontext.py).
    action: Any = msgspec.UNSET
    resource: Any = msgspec.UNSET
    context: Any = msgspec.UNSET


_read_raw = msgspec.json.Decoder(_RawLine).decode


class PolicyPlan:
    """`evaluate_lines` for a requests file, line for line the same (tests/iam/test_properties.py),
    with less work per line:

    - the policies of a line are looked up by the raw text of their field (`policies`,
      `permissions_boundary`, ...), parsed once per distinct text by the reference path, which
      reads a line whose text is new whole and strictly;
    - decisions are remembered by the policies' text, the action, the resource and the values of
      the context keys the policies read (a key no statement reads changes no decision), and
      written as JSON once each.

    A pure map over lines: a plan per process decides any share of a file (`--jobs`).
    """

    __slots__ = (
        "assumptions",
        "base",
        "decisions",
        "fields",
        "given",
        "keys",
        "parsed",
        "principal",
        "read",
        "source",
    )

    def __init__(
        self,
        base: PolicyInputs,
        principal: SessionPrincipal | None,
        assumptions: AssumptionSet,
        source: str = "requests",
    ) -> None:
        self.base, self.principal, self.assumptions, self.source = (
            base,
            principal,
            assumptions,
            source,
        )
        self.parsed = _Parsed(by_document=False)
        self.fields: dict[tuple[str, bytes], Any] = {}
        self.decisions: dict[tuple[Any, ...], tuple[AccessDecision, str]] = {}
        self.keys: dict[int, tuple[Policy, frozenset[str]]] = {}
        self.read: dict[tuple[Any, ...], tuple[str, ...]] = {}
        self.given: dict[tuple[bytes | None, ...], PolicyInputs] = {}

    def line(self, number: int, line: str | bytes) -> tuple[PolicyLine, str]:
        """One line's result and its JSON text (with its newline)."""
        try:
            decision, text = self._decide(line)
        except LineError as exc:
            result = PolicyLine(number, None, str(exc))
            return result, dumps(result.to_json()) + "\n"
        return PolicyLine(number, decision), f'{{"line":{number},{text[1:]}\n'

    def chunk(self, lines: list[tuple[int, str | bytes]]) -> list[Written]:
        out = [self.line(number, text) for number, text in lines]
        problems = tuple((r.line, r.problem) for r, _ in out if r.problem is not None)
        counts = Counter(r.decision.decision for r, _ in out if r.decision is not None)
        return [Written("".join(text for _, text in out), problems, tuple(counts.items()))]

    def results(self, lines: list[tuple[int, str | bytes]]) -> list[PolicyLine]:
        return [self.line(number, text)[0] for number, text in lines]

    def _decide(self, line: str | bytes) -> tuple[AccessDecision, str]:
        found = self._known(line)
        if found is None:
            request, given = request_from_line(line, self.parsed, self.base, self.source)
            key = None
        else:
            request, given, key = found
        if request.problem is not None:
            decision = given.decide(request, self.principal, self.assumptions)
            return decision, dumps_texts(decision.to_json())
        read = self._read_keys(given, key)
        context = request.normalised
        key = (key, request.action, request.resource,
               tuple((k, context[k]) for k in read if k in context))  # fmt: skip
        cached = self.decisions.get(key) if key[0] is not None else None
        if cached is None:
            decision = given.decide(request, self.principal, self.assumptions)
            cached = (decision, dumps_texts(decision.to_json()))
            if key[0] is not None:
                if len(self.decisions) >= _CACHE_LIMIT:
                    self.decisions.clear()
                self.decisions[key] = cached
        return cached

    def _known(self, line: str | bytes) -> tuple[Request, PolicyInputs, tuple[Any, ...]] | None:
        """The request and the policies of a line whose policy texts were all read before, or None
        (the reference path reads the line, and remembers its policy texts)."""
        try:
            raw = self._raw(line)
        except (ConfigError, ClaimsError, msgspec.DecodeError, RecursionError, UnicodeEncodeError):
            return None
        if raw is None:
            return None
        texts = tuple(
            None if (r := getattr(raw, field)) is msgspec.UNSET else bytes(r)
            for field, _ in _POLICY_FIELDS
        )
        given = self.given.get(texts)
        if given is None:
            given = self._given(texts)
            if given is None:
                return self._remember(line, texts)
        data = {f: v for f in ("action", "resource", "context")
                if (v := getattr(raw, f)) is not msgspec.UNSET}  # fmt: skip
        request = _quick_request(data)
        return (request, given, texts) if request is not None else None

    def _raw(self, line: str | bytes) -> _RawLine | None:
        """The line read by msgspec (bytes as they are: it checks UTF-8 as strictly), or None
        when it nests deep enough to need the reference reading's check."""
        if type(line) is bytes and len(line) <= inputs.REQUEST_LINE.max_bytes:
            if line.count(b"[") + line.count(b"{") > inputs.MAX_DEPTH:
                return None
            return _read_raw(line)
        text = inputs.line_text(line, self.source, inputs.REQUEST_LINE)
        if text.count("[") + text.count("{") > inputs.MAX_DEPTH:
            return None
        return _read_raw(text)

    def _given(self, texts: tuple[bytes | None, ...]) -> PolicyInputs | None:
        """The policies of a line from texts each read before (None: one was not)."""
        slots: dict[str, Any] = {}
        for (field, slot), t in zip(_POLICY_FIELDS, texts, strict=True):
            value = (
                self.fields.get((field, t), _MISS) if t is not None else getattr(self.base, slot)
            )
            if value is _MISS:
                return None
            slots[slot] = value
        given = PolicyInputs(**slots)
        if len(self.given) >= _CACHE_LIMIT:
            self.given.clear()
        self.given[texts] = given
        return given

    def _remember(
        self, line: str | bytes, texts: tuple[bytes | None, ...]
    ) -> tuple[Request, PolicyInputs, tuple[Any, ...]]:
        """The reference reading of a line with a policy text not seen before (LineError when it
        refuses the line); its policy texts are remembered."""
        request, given = request_from_line(line, self.parsed, self.base, self.source)
        if len(self.fields) >= _CACHE_LIMIT:
            self.fields.clear()
        for (field, slot), t in zip(_POLICY_FIELDS, texts, strict=True):
            if t is not None:
                self.fields[(field, t)] = getattr(given, slot)
        return request, given, texts

    def _read_keys(self, given: PolicyInputs, texts: tuple[Any, ...] | None) -> tuple[str, ...]:
        """The context keys the policies read, in a fixed order; a resource policy matched
        without a principal also reads the caller from the context. Remembered by the policies'
        texts (`texts`, None: not known by text)."""
        found = self.read.get(texts) if texts is not None else None
        if found is None:
            found = self._keys_of(given)
            if texts is not None:
                if len(self.read) >= _CACHE_LIMIT:
                    self.read.clear()
                self.read[texts] = found
        return found

    def _keys_of(self, given: PolicyInputs) -> tuple[str, ...]:
        keys: set[str] = set()
        policies = [*given.identity, *given.session, *given.scps]
        policies += [p for p in (given.boundary, given.resource) if p is not None]
        for named in policies:
            keys |= self._policy_keys(named.policy)
        if given.resource is not None and self.principal is None:
            keys |= {"aws:principalarn", "aws:userid"}
        return tuple(sorted(keys))

    def _policy_keys(self, policy: Policy) -> frozenset[str]:
        found = self.keys.get(id(policy))
        if found is None or found[0] is not policy:
            if len(self.keys) >= _CACHE_LIMIT:
                self.keys.clear()
            found = self.keys[id(policy)] = (
                policy,
                frozenset(k for statement in policy.statements for k in statement.context_keys()),
            )
        return found[1]


Plan = tuple[PolicyInputs, SessionPrincipal | None, AssumptionSet, str]


def evaluate_json(
    lines: Iterable[str | bytes], plan: Plan, *, jobs: int = 1, chunk: int = CHUNK
) -> Iterator[Written]:
    """A requests file's JSON lines, in order, in `jobs` processes (the same bytes for any)."""
    return ordered_map(_plan_of, (*plan, "chunk"), numbered(lines), jobs=jobs, chunk=chunk)


def evaluate_results(
    lines: Iterable[str | bytes], plan: Plan, *, jobs: int = 1
) -> Iterator[PolicyLine]:
    """A requests file's results, in order, in `jobs` processes (for the text renderer)."""
    return ordered_map(_plan_of, (*plan, "results"), numbered(lines), jobs=jobs)


def _plan_of(
    base: PolicyInputs,
    principal: SessionPrincipal | None,
    assumptions: AssumptionSet,
    source: str,
    method: str,
) -> Callable[[list[tuple[int, str | bytes]]], list[Any]]:
    """A worker's plan (`chunk`: JSON text, `results`: PolicyLines)."""
    work: Callable[[list[tuple[int, str | bytes]]], list[Any]] = getattr(
        PolicyPlan(base, principal, assumptions, source), method
    )
    return work
