"""JSON-lines inputs: a corpus of logins (`--claims-file`) and a list of access requests (`--requests`).

The batch path streams in constant memory: one line in, one result out; a bad line becomes a result
with the problem and the run goes on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import msgspec

from simulator import inputs
from simulator.access import AccessRequest, Assessment, access_request_of
from simulator.claims import (
    claims_from_json,
    expiry_of,
    login_for,
    provider_from_claims,
    utc_text,
)
from simulator.decision import Granted, Outcome, Refused, outcome_json
from simulator.errors import ClaimsError, ConfigError
from simulator.jsontext import REFERENCE, dumps, dumps_texts
from simulator.model.pool import IdentityPool
from simulator.model.providers import ProviderName
from simulator.node import Node
from simulator.parallel import CHUNK, Written, ordered_lines
from simulator.request import NO_TOKEN, PLAIN_CLAIMS, Flow, LoginRequest
from simulator.resolve import Answer, plan_parts, pool_answer, quick_plan
from simulator.simulate import ACCESS_TOKEN_NOTE, simulate

# The standard library's encoder every output line is written as (simulator.jsontext).
JSON_LINE = REFERENCE
_WRAPPED_CLAIMS = (dict, str, type(None))
_NO_EXP: Any = object()  # claims without `exp`
_WRAPPER_KEYS = frozenset(
    {"claims", "provider", "custom_role_arn", "identity_id", "unauthenticated"}
)


def read_access_requests(path: Path) -> list[AccessRequest]:
    """`--requests FILE`: JSON lines of {"action", "resource", "context"} (CONTRACT §6 fields),
    read through simulator.inputs (bounded, strict UTF-8 and JSON)."""
    out: list[AccessRequest] = []
    source = inputs.source_name(path)
    lines = inputs.read_text(path, inputs.REQUESTS_FILE).splitlines()
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        data = inputs.parse_json(text, source, inputs.REQUEST_LINE, line=number, one_line=True)
        try:
            out.append(access_request_of(Node(data)))
        except ConfigError as err:
            raise err.locate(source, number) from None
    return out


class BatchLine(msgspec.Struct, frozen=True):
    line: int
    result: Assessment | None
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.result is None:
            return {"line": self.line, "input_error": self.problem}
        return {"line": self.line, **self.result.to_json(trace=False)}

    def to_json_line(self) -> str:
        if self.result is None:
            return dumps(self.to_json()) + "\n"
        # The line number goes first without copying the result: splice it into the object's text.
        return f'{{"line":{self.line},{dumps(self.result.to_json(trace=False))[1:]}\n'


def _line_data(text: str | bytes) -> Any:
    """One JSONL line read: bounded, strict UTF-8 and JSON (a bare JWT is text, not JSON)."""
    kind = inputs.CORPUS_LINE
    found = inputs.object_line(text, kind)
    if found is not None:
        return found
    stripped = inputs.line_text(text, "claims", kind).strip()
    if stripped[:1] not in '{"':
        return stripped
    return inputs.parse_json(stripped, "claims", kind, one_line=True)


def parse_batch_line(text: str | bytes, base: LoginRequest) -> LoginRequest:
    """One JSONL line: a claims object, a JWT as a JSON string, or {"claims": {...}, options...}.

    A line that is too long, not UTF-8 or not strict JSON is refused (ClaimsError naming the
    column); the caller names the line."""
    return _request_from(_line_data(text), base)


def _plain_claims(data: dict[str, Any]) -> bool:
    """Claims as they are: not a wrapper with options, not an initiate-auth response."""
    return not _is_wrapper(data) and "AuthenticationResult" not in data


def _request_from(data: Any, base: LoginRequest) -> LoginRequest:
    if type(data) is dict and _is_wrapper(data):
        unknown = set(data) - _WRAPPER_KEYS
        if unknown:
            raise ClaimsError(f"unknown fields {sorted(unknown)} beside 'claims'")
        for key in ("provider", "custom_role_arn", "identity_id"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise ClaimsError(f"'{key}' must be a string")
        base = msgspec.structs.replace(
            base,
            custom_role_arn=data.get("custom_role_arn", base.custom_role_arn),
            identity_id=data.get("identity_id", base.identity_id),
        )
        if data.get("unauthenticated") or data.get("claims") is None:
            return msgspec.structs.replace(base, claims=None, info=NO_TOKEN)
        claims, info = claims_from_json(data["claims"])
        return msgspec.structs.replace(
            base, claims=claims, info=info, provider=data.get("provider", base.provider)
        )
    claims, info = claims_from_json(data)
    # The common line: built directly, as `msgspec.structs.replace()` costs more on this hot path.
    b = base
    return LoginRequest(
        claims, info, b.provider, b.custom_role_arn, b.identity_id, b.flow, b.basic_role_arn
    )


def _is_wrapper(data: dict[str, Any]) -> bool:
    """`{"claims": ..., options}`, or `{"unauthenticated": true, options}` for a guest (the
    README's corpus table). A claims object that merely has a claim named `unauthenticated` also
    has claims outside the wrapper's fields, and stays claims."""
    if "claims" in data:
        return isinstance(data["claims"], _WRAPPED_CLAIMS)
    return data.get("unauthenticated") is True and _WRAPPER_KEYS.issuperset(data)


def simulate_lines(
    pool: IdentityPool,
    lines: Iterable[str | bytes],
    base: LoginRequest,
    *,
    now: datetime | None = None,
) -> Iterator[BatchLine]:
    """Stream assessments in constant memory; a bad line becomes a BatchLine with a problem.

    The reference of the batch: `BatchPlan` writes the same lines without building them."""
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            request = parse_batch_line(text, base)
            yield BatchLine(number, simulate(pool, request, now=now, explain=False))
        except ClaimsError as exc:
            yield BatchLine(number, None, exc.message)


def outcome_label(result: Assessment) -> str:
    """A decision in a batch's summary: the role's name, the error code, or unknown."""
    if result.credentials == "unknown":
        return "unknown"
    if result.role_arn is not None:
        return result.role_arn.rsplit("/", 1)[-1]
    return result.error.code if result.error is not None else "no credentials"


def _label(outcome: Outcome) -> str:
    """`outcome_label` of an assessment without IAM data (so without trust to be unknown)."""
    if type(outcome) is Granted:
        return outcome.role_arn.rsplit("/", 1)[-1]
    return outcome.error.code  # type: ignore[union-attr]


class OutputLine(NamedTuple):
    """One line of a batch's output: its JSON text (with its newline), the input problem of a
    refused line (for stderr), and its outcome for the summary."""

    line: int
    text: str
    problem: str | None = None
    label: str | None = None


class BatchPlan:
    """`simulate --claims-file`'s lines, written as `simulate_lines` writes them (tests/core/
    test_properties.py holds the two together) without building the Assessment of each.

    The common line, plain claims for a pool without IAM data and no option that changes the
    request, is decided by `pool_answer` (the indexed matcher, plain tags, the re-checks under each
    flipped assumption) and written from text fixed per provider and outcome, the tags, the
    uncertainties, the notes and the token. Every other line takes the reference path. A pure map
    over lines: a plan per process decides any share of a corpus (`--jobs`).
    """

    __slots__ = (
        "base",
        "expiries",
        "heads",
        "lean",
        "now",
        "now_seconds",
        "pool",
        "providers",
        "quick_heads",
        "rest",
    )

    def __init__(self, pool: IdentityPool, base: LoginRequest, now: datetime | None) -> None:
        self.pool, self.base, self.now = pool, base, now
        self.now_seconds = int(now.timestamp()) if now is not None else None
        self.lean = (
            pool.iam is None
            and base.provider is None
            and base.custom_role_arn is None
            and base.flow is Flow.ENHANCED
        )
        assumptions: dict[str, str] = pool.cached("assumptions-json", pool.assumptions.to_json)
        self.rest = (
            f',"identity_id":{dumps(base.identity_id)},"assumptions":{dumps(assumptions)},"notes":'
        )
        self.heads: dict[tuple[Any, ...], tuple[str, str]] = {}
        self.quick_heads: dict[int, tuple[Outcome, ProviderName | None, str, str, str]] = {}
        # Per text `iss` and `aud`: the provider and its quick plan, derived once.
        self.providers: dict[tuple[str, str], tuple[ProviderName | None, Any]] = {}
        # Per integer `exp` (or none): the token's text and the expiry note, written once.
        self.expiries: dict[Any, tuple[str, str | None]] = {}

    def line(self, number: int, text: str | bytes) -> OutputLine:
        return OutputLine(number, *self._line(number, text))

    def chunk(self, lines: list[tuple[int, str | bytes]]) -> list[Written]:
        """A share of the corpus as one piece of output text (one hand-over per chunk)."""
        texts: list[str] = []
        labels: list[str] = []
        problems: list[tuple[int, str]] = []
        for number, text in lines:
            written, problem, label = self._line(number, text)
            texts.append(written)
            if problem is not None:
                problems.append((number, problem))
            if label is not None:
                labels.append(label)
        counts = Counter(labels)  # counted at C speed, in the order of first appearance
        return [Written("".join(texts), tuple(problems), tuple(counts.items()))]

    def _line(self, number: int, text: str | bytes) -> tuple[str, str | None, str | None]:
        """`line` as a plain tuple: the text, the input problem, the outcome's label."""
        try:
            data = _line_data(text)
            if self.lean and type(data) is dict and _plain_claims(data):
                written, label = self._lean(number, data)
                return written, None, label
            assessed = simulate(
                self.pool, _request_from(data, self.base), now=self.now, explain=False
            )
        except ClaimsError as exc:
            return BatchLine(number, None, exc.message).to_json_line(), exc.message, None
        return BatchLine(number, assessed).to_json_line(), None, outcome_label(assessed)

    def _lean(self, number: int, claims: dict[str, Any]) -> tuple[str, str]:
        """The line's JSON text and its outcome's label."""
        exp = claims.get("exp", _NO_EXP)
        expiry = self.expiries.get(exp) if type(exp) is int or exp is _NO_EXP else None
        if expiry is None:
            expiry = self._expiry(claims, exp)
        token, expired = expiry
        iss, aud = claims.get("iss"), claims.get("aud")
        known = self.providers.get((iss, aud)) if type(iss) is str and type(aud) is str else None
        if known is None:
            known = self._provider(claims, iss, aud)
        provider, plan = known
        quick = plan_parts(self.pool, plan, claims) if plan is not None else None
        if quick is None:
            login = login_for(claims, PLAIN_CLAIMS, self.pool)
            answer = pool_answer(self.pool, login, self.base)
            outcome = answer.outcome
            tags = outcome.principal_tags if type(outcome) is Granted else None
            head, middle = self._head(provider, answer)
            label = _label(outcome)
            uncertain = dumps([u.to_json() for u in answer.uncertain]) if answer.uncertain else "[]"
            notes = answer.notes
        else:
            outcome, tags, key = quick
            # The quick answer's outcomes are the plan's own values: remembered by identity.
            found = self.quick_heads.get(id(outcome))
            if found is None or found[0] is not outcome or found[1] is not provider:
                head, middle = self._head(provider, Answer(outcome, (), (), key))
                found = (outcome, provider, head, middle, _label(outcome))
                if len(self.quick_heads) >= 4096:
                    self.quick_heads.clear()
                self.quick_heads[id(outcome)] = found
            _, _, head, middle, label = found
            uncertain, notes = "[]", ()
        # token_notes() of plain claims, then the decision's own notes.
        if expired is None and not notes and claims.get("token_use") != "access":
            noted = "[]"
        else:
            noted = self._notes(claims, expired, notes)
        text = (
            f'{{"line":{number},{head}{dumps_texts(tags) if tags else "{}"}{middle}{uncertain}'
            f'{self.rest}{noted},"token":{token}}}\n'
        )
        return text, label

    def _expiry(self, claims: dict[str, Any], exp: Any) -> tuple[str, str | None]:
        """The token's text and the note when `exp` is past (ClaimsError when `exp` is not a
        NumericDate); remembered for an integer or an absent `exp`."""
        expires = expiry_of(claims)
        token = (
            '{"kind":"claims","verified":false}'
            if expires is None
            else f'{{"kind":"claims","verified":false,"expires_at":{expires}}}'
        )
        expired = (
            f"token expired at {utc_text(expires)} (reported, not enforced without --jwks)"
            if expires is not None and self.now_seconds is not None and expires <= self.now_seconds
            else None
        )
        found = (token, expired)
        if type(exp) is int or exp is _NO_EXP:
            if len(self.expiries) >= 4096:
                self.expiries.clear()
            self.expiries[exp] = found
        return found

    def _provider(
        self, claims: dict[str, Any], iss: Any, aud: Any
    ) -> tuple[ProviderName | None, Any]:
        """The login's provider and its `quick_plan`; remembered for a text `iss` and `aud`."""
        provider = provider_from_claims(claims, self.pool)
        found = (provider, quick_plan(self.pool, provider) if provider is not None else None)
        if type(iss) is str and type(aud) is str:
            if len(self.providers) >= 1024:
                self.providers.clear()
            self.providers[(iss, aud)] = found
        return found

    def _head(self, provider: ProviderName | None, answer: Answer) -> tuple[str, str]:
        """The fields before the tags and between the tags and the uncertainties: fixed for a
        provider and an outcome."""
        o = answer.outcome
        by = o.decided_by
        what = o.role_arn if isinstance(o, Granted) else (o.error.code, o.error.message)
        # Plain values: hashing them is cheaper than hashing the Structs they come from.
        key = (provider.name if provider else None, answer.role_mapping_key, by.kind,
               by.rule_index, what)  # fmt: skip
        found = self.heads.get(key)
        if found is None:
            fields = {
                "identity_pool_id": self.pool.identity_pool_id,
                "flow": self.base.flow,
                "authenticated": True,
                "login_provider": provider.name if provider else None,
                "role_mapping_key": answer.role_mapping_key,
                **outcome_json(o),
            }
            text = dumps(fields)[1:-1]
            before_tags = text[: text.index(',"principal_tags":')] + ',"principal_tags":'
            error = o.error.to_json() if isinstance(o, Refused) else None
            found = (before_tags, f',"error":{dumps(error)},"uncertain":')
            if len(self.heads) >= 4096:
                self.heads.clear()
            self.heads[key] = found
        return found

    def _notes(self, claims: dict[str, Any], expired: str | None, notes: tuple[str, ...]) -> str:
        """token_notes() of plain claims, then the decision's own notes."""
        found: list[str] = [expired] if expired is not None else []
        if claims.get("token_use") == "access":
            found.append(ACCESS_TOKEN_NOTE)
        if not found and not notes:
            return "[]"
        return dumps([*found, *notes])


def simulate_json(
    pool: IdentityPool,
    lines: Iterable[str | bytes],
    base: LoginRequest,
    *,
    now: datetime | None = None,
    jobs: int = 1,
    chunk: int = CHUNK,
) -> Iterator[Written]:
    """The batch's output in order, in flat memory, in `jobs` processes: the same bytes for any
    number of them (`BatchPlan` per process; blank lines are skipped, numbers kept)."""
    return ordered_lines(_plan_chunks, (pool, base, now), lines, jobs=jobs, chunk=chunk)


def _plan_chunks(
    pool: IdentityPool, base: LoginRequest, now: datetime | None
) -> Callable[[list[tuple[int, str | bytes]]], list[Written]]:
    return BatchPlan(pool, base, now).chunk
