"""JSON-lines inputs: a corpus of logins (`--claims-file`) and a list of access requests (`--requests`).

The batch path streams in constant memory: one line in, one result out; a bad line becomes a result
with the problem and the run goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator import inputs
from simulator.access import AccessRequest, Assessment, access_request_of
from simulator.claims import claims_from_json
from simulator.errors import ClaimsError, ConfigError
from simulator.model.pool import IdentityPool
from simulator.node import Node
from simulator.request import NO_TOKEN, LoginRequest
from simulator.simulate import simulate

# One encoder for every output line (json.dumps with options builds a new one per call).
JSON_LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_WRAPPED_CLAIMS = (dict, str, type(None))
_WRAPPER_KEYS = frozenset(
    {"claims", "provider", "custom_role_arn", "identity_id", "unauthenticated"}
)


def read_access_requests(path: Path) -> list[AccessRequest]:
    """`--requests FILE`: JSON lines of {"action", "resource", "context"} (CONTRACT §6 fields),
    read through simulator.inputs (bounded, strict UTF-8 and JSON)."""
    out: list[AccessRequest] = []
    source = str(path)
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


@dataclass(frozen=True, slots=True)
class BatchLine:
    line: int
    result: Assessment | None
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.result is None:
            return {"line": self.line, "input_error": self.problem}
        return {"line": self.line, **self.result.to_json(trace=False)}

    def to_json_line(self) -> str:
        if self.result is None:
            return JSON_LINE.encode(self.to_json()) + "\n"
        # The line number goes first without copying the result: splice it into the object's text.
        return f'{{"line":{self.line},{JSON_LINE.encode(self.result.to_json(trace=False))[1:]}\n'


@dataclass
class BatchSummary:
    """The population a batch run decided: lines, outcomes by role or error, bad lines."""

    lines: int = 0
    bad: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # role name or error code -> lines

    def add(self, line: BatchLine) -> None:
        self.lines += 1
        if line.result is None:
            self.bad += 1
            return
        role, error = line.result.role_arn, line.result.error
        what = role.rsplit("/", 1)[-1] if role else (error.code if error else "unknown")
        self.outcomes[what] = self.outcomes.get(what, 0) + 1

    def text(self, seconds: float) -> str:
        rate = f", {self.lines / seconds:,.0f} lines/s" if seconds > 0 and self.lines else ""
        shown = ", ".join(
            f"{what} {n:,}" for what, n in sorted(self.outcomes.items(), key=lambda kv: -kv[1])
        )
        text = f"{self.lines:,} lines in {seconds:.2f} s{rate}: {shown or 'no decisions'}"
        return text + (f"; {self.bad:,} bad line(s)" if self.bad else "")


def parse_batch_line(text: str | bytes, base: LoginRequest) -> LoginRequest:
    """One JSONL line: a claims object, a JWT as a JSON string, or {"claims": {...}, options...}.

    A line that is too long, not UTF-8 or not strict JSON is refused (ClaimsError naming the
    column); the caller names the line."""
    kind = inputs.CORPUS_LINE
    stripped = inputs.line_text(text, "claims", kind).strip()
    data: Any = (
        stripped
        if stripped[:1] not in '{"'
        else inputs.parse_json(stripped, "claims", kind, one_line=True)
    )
    if type(data) is dict and "claims" in data and isinstance(data["claims"], _WRAPPED_CLAIMS):
        unknown = set(data) - _WRAPPER_KEYS
        if unknown:
            raise ClaimsError(f"unknown fields {sorted(unknown)} beside 'claims'")
        base = replace(
            base,
            custom_role_arn=data.get("custom_role_arn", base.custom_role_arn),
            identity_id=data.get("identity_id", base.identity_id),
        )
        if data.get("unauthenticated") or data["claims"] is None:
            return replace(base, claims=None, info=NO_TOKEN)
        claims, info = claims_from_json(data["claims"])
        return replace(base, claims=claims, info=info, provider=data.get("provider", base.provider))
    claims, info = claims_from_json(data)
    # The common line: built directly, as `replace()` costs more on this hot path.
    b = base
    return LoginRequest(
        claims, info, b.provider, b.custom_role_arn, b.identity_id, b.flow, b.basic_role_arn
    )


def simulate_lines(
    pool: IdentityPool,
    lines: Iterable[str | bytes],
    base: LoginRequest,
    *,
    now: datetime | None = None,
) -> Iterator[BatchLine]:
    """Stream assessments in constant memory; a bad line becomes a BatchLine with a problem."""
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            request = parse_batch_line(text, base)
            yield BatchLine(number, simulate(pool, request, now=now, explain=False))
        except ClaimsError as exc:
            yield BatchLine(number, None, exc.message)
