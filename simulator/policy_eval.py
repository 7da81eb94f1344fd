"""The library twin of `rolesim policy eval`: IAM evaluation without an identity pool (CONTRACT §6).

One request from policy files, or a JSON-lines stream of requests each naming its own policies. A
bad line becomes a result with the problem, and the stream goes on.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec

from simulator import inputs
from simulator.access import REQUEST_FIELDS, access_request_of
from simulator.assumptions import AssumptionSet
from simulator.errors import ClaimsError, ConfigError, format_path
from simulator.iam import AccessDecision, NamedPolicy, Request, SessionPrincipal, evaluate
from simulator.iam.limits import MAX_ACTION, MAX_CONTEXT_KEY, MAX_CONTEXT_VALUE, MAX_RESOURCE
from simulator.iam.policy import Policy, PolicyKind, parse_policy
from simulator.iam.request import plain_request
from simulator.jsontext import dumps, dumps_texts
from simulator.model.document import plain, read_file
from simulator.node import Node
from simulator.parallel import CHUNK, Written, ordered_lines

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


class PolicyInputs(msgspec.Struct, frozen=True):
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


class PolicyLine(msgspec.Struct, frozen=True):
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
_REMEMBER_TRIAL = 1024  # decisions looked up before a file whose requests mostly differ stops


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
_MISS: Any = object()
_MAX_TEXT = 10_240  # as access_request_of bounds an action or resource


def _quick_request(data: Any) -> Request | None:
    """The request of a line that `access_request_of` would read the same way, read with plain
    loops (a requests file has millions of lines); None: anything else, which the checked reading
    reads or refuses with the path of what is wrong."""
    if type(data) is not dict or not data.keys() <= _LINE_FIELDS:
        return None
    return _quick_fields(data.get("action"), data.get("resource"), data.get("context", _MISS))


def _quick_fields(action: Any, resource: Any, given: Any) -> Request | None:
    """`_quick_request` of a line's action, resource and context (`_MISS`: no context field)."""
    if type(action) is not str or type(resource) is not str:
        return None
    if not 0 < len(action) <= _MAX_TEXT or not 0 < len(resource) <= _MAX_TEXT:
        return None
    # Within every bound of limits.request_problem the request has no problem to look for.
    short = len(action) <= MAX_ACTION and len(resource) <= MAX_RESOURCE
    if given is _MISS:
        return plain_request(action, resource, {}, {}) if short else Request(action, resource, {})
    if type(given) is not dict:
        return None
    context: dict[str, str | tuple[str, ...]] = {}
    normalised: dict[str, str | tuple[str, ...]] = {}
    for key, given_value in given.items():
        value: str | tuple[str, ...]
        if type(given_value) is str:
            value = given_value
            short = short and len(value) <= MAX_CONTEXT_VALUE
        elif type(given_value) is list:
            for item in given_value:
                if type(item) is not str:
                    return None
                short = short and len(item) <= MAX_CONTEXT_VALUE
            value = tuple(given_value)
        else:
            return None
        short = short and len(key) <= MAX_CONTEXT_KEY
        context[key] = value
        normalised[key.lower()] = value  # as normalise_context: the later of two spellings wins
    if not short:
        return Request(action, resource, context)  # the reference says what is too long
    return plain_request(action, resource, context, normalised)


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
      written as JSON once each; in a file where over 3 in 4 of the first lookups miss, no more
      (the key costs more than the decision it would save);
    - the request of a common line is built through its slots (`plain_request`).

    A pure map over lines: a plan per process decides any share of a file (`--jobs`).
    """

    __slots__ = (
        "assumptions",
        "base",
        "decisions",
        "fields",
        "given",
        "keys",
        "lookups",
        "misses",
        "parsed",
        "principal",
        "read",
        "remember_off",
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
        self.lookups = self.misses = 0
        self.remember_off = False

    def line(self, number: int, line: str | bytes) -> tuple[PolicyLine, str]:
        """One line's result and its JSON text (with its newline)."""
        text, decision, problem = self._written(number, line)
        return PolicyLine(number, decision, problem), text

    def chunk(self, lines: list[tuple[int, str | bytes]]) -> list[Written]:
        texts: list[str] = []
        problems: list[tuple[int, str]] = []
        counts: Counter[str] = Counter()
        for number, line in lines:
            text, decision, problem = self._written(number, line)
            texts.append(text)
            if decision is not None:
                counts[decision.decision] += 1
            else:
                problems.append((number, problem))  # type: ignore[arg-type]
        return [Written("".join(texts), tuple(problems), tuple(counts.items()))]

    def _written(
        self, number: int, line: str | bytes
    ) -> tuple[str, AccessDecision | None, str | None]:
        """A line's JSON text, and its decision or the problem of the line."""
        try:
            decision, text = self._decide(line)
        except LineError as exc:
            problem = str(exc)
            return dumps(PolicyLine(number, None, problem).to_json()) + "\n", None, problem
        return f'{{"line":{number},{text[1:]}\n', decision, None

    def results(self, lines: list[tuple[int, str | bytes]]) -> list[PolicyLine]:
        return [self.line(number, text)[0] for number, text in lines]

    def _decide(self, line: str | bytes) -> tuple[AccessDecision, str]:
        found = self._known(line)
        if found is None:
            request, given = request_from_line(line, self.parsed, self.base, self.source)
            key = None
        else:
            request, given, key = found
        if key is None or request.problem is not None or self.remember_off:
            decision = given.decide(request, self.principal, self.assumptions)
            return decision, dumps_texts(decision.to_json())
        read = self._read_keys(given, key)
        context = request.normalised
        key = (key, request.action, request.resource,
               tuple((k, context[k]) for k in read if k in context))  # fmt: skip
        self.lookups += 1
        cached = self.decisions.get(key)
        if cached is None:
            self.misses += 1
            # Distinct requests (the common requests file) never repeat: count, then stop.
            if self.lookups >= _REMEMBER_TRIAL and self.misses * 4 > self.lookups * 3:
                self.remember_off = True
                self.decisions.clear()
            decision = given.decide(request, self.principal, self.assumptions)
            cached = (decision, dumps_texts(decision.to_json()))
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
        unset = msgspec.UNSET
        texts = (
            None if (r := raw.policies) is unset else bytes(r),
            None if (r := raw.permissions_boundary) is unset else bytes(r),
            None if (r := raw.session_policies) is unset else bytes(r),
            None if (r := raw.resource_policy) is unset else bytes(r),
            None if (r := raw.scps) is unset else bytes(r),
        )
        given = self.given.get(texts)
        if given is None:
            given = self._given(texts)
            if given is None:
                return self._remember(line, texts)
        action, resource, context = raw.action, raw.resource, raw.context
        request = _quick_fields(
            None if action is unset else action,
            None if resource is unset else resource,
            _MISS if context is unset else context,
        )
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
    return ordered_lines(_plan_of, (*plan, "chunk"), lines, jobs=jobs, chunk=chunk)


def evaluate_results(
    lines: Iterable[str | bytes], plan: Plan, *, jobs: int = 1
) -> Iterator[PolicyLine]:
    """A requests file's results, in order, in `jobs` processes (for the text renderer)."""
    return ordered_lines(_plan_of, (*plan, "results"), lines, jobs=jobs)


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
