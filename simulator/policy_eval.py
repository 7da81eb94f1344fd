"""The library twin of `rolesim policy eval`: IAM evaluation without an identity pool (CONTRACT §6).

One request from policy files, or a JSON-lines stream of requests each naming its own policies. A
bad line becomes a result with the problem, and the stream goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator import inputs
from simulator.access import access_request_of
from simulator.assumptions import AssumptionSet
from simulator.errors import ClaimsError, ConfigError, format_path
from simulator.iam import AccessDecision, NamedPolicy, Request, SessionPrincipal, evaluate
from simulator.iam.policy import PolicyKind, parse_policy
from simulator.model.document import plain, read_file
from simulator.node import Node

# A requests line's policies beside the request itself (access.REQUEST_FIELDS).
POLICY_FIELDS = ("policies", "permissions_boundary", "session_policies", "resource_policy", "scps")


def policy_file(path: Path, kind: PolicyKind) -> NamedPolicy:
    """A policy file, JSON or YAML; errors name the file, the line and the path inside it."""
    doc = read_file(path)
    try:
        return NamedPolicy(path.name, parse_policy(plain(doc.data), kind=kind))
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


class _Parsed:
    """Policies seen in a requests file, parsed once per distinct document."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], NamedPolicy] = {}

    def policy(self, document: Any, kind: PolicyKind, where: tuple[str | int, ...]) -> NamedPolicy:
        key = (kind, json.dumps(document, sort_keys=True))
        found = self._cache.get(key)
        if found is None:
            try:
                found = NamedPolicy(format_path(where), parse_policy(document, kind=kind))
            except ConfigError as exc:
                raise LineError(f"{format_path((*where, *exc.path))}: {exc.message}") from None
            self._cache[key] = found
        return found

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
    try:
        asked = access_request_of(Node(data), extra=POLICY_FIELDS)
    except ConfigError as err:
        hint = f" ({err.hint})" if err.hint else ""
        raise LineError(f"{format_path(err.path)}: {err.message}{hint}") from None

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
    return Request(asked.action, asked.resource, dict(asked.context)), given


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
