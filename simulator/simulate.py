"""The library twin of `rolesim simulate`: one login, or a JSONL stream of them, to decisions."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator import inputs
from simulator.access import AccessRequest, assess
from simulator.claims import (
    PLAIN_CLAIMS,
    Claims,
    Login,
    TokenInfo,
    claims_from_json,
    expiry_note,
    login_for,
)
from simulator.decision import Decision
from simulator.errors import ClaimsError, ConfigError
from simulator.iam import IamData
from simulator.model.pool import IdentityPool
from simulator.resolve import ResolveOptions, resolve


@dataclass(frozen=True, slots=True)
class LoginRequest:
    """What one simulation presents: claims (or a guest), and GetCredentialsForIdentity's inputs."""

    claims: Claims | None  # None: unauthenticated
    info: TokenInfo = PLAIN_CLAIMS
    provider: str | None = None
    custom_role_arn: str | None = None
    identity_id: str | None = None
    source: str = "claims"  # where the claims came from, for error messages


def simulate_one(
    pool: IdentityPool,
    request: LoginRequest,
    options: ResolveOptions,
    *,
    now: datetime | None = None,
    iam: IamData | None = None,
    requests: Sequence[AccessRequest] = (),
) -> Decision:
    """One login's decision; with IAM data (the pool's or `iam`) also trust and `requests`' access."""
    if request.claims is None:
        login = Login.guest()
    else:
        login = login_for(
            request.claims, request.info, pool, provider=request.provider, source=request.source
        )
    if request.custom_role_arn or request.identity_id:
        options = replace(
            options,
            custom_role_arn=request.custom_role_arn or options.custom_role_arn,
            identity_id=request.identity_id or options.identity_id,
        )
    decision = resolve(pool, login, options)
    if iam is not None or pool.iam is not None:
        decision = assess(pool, decision, login, requests, iam=iam)
    notes = token_notes(request, now)
    return replace(decision, notes=notes + decision.notes) if notes else decision


def token_notes(request: LoginRequest, now: datetime | None) -> tuple[str, ...]:
    """What a reviewer should know about the token itself (verification, expiry, token type)."""
    if request.claims is None:
        return ()
    notes: list[str] = []
    info = request.info
    if info.kind != "claims" and not info.verified:
        notes.append("token decoded without verification (give --jwks to verify its signature)")
    if info.expires_at is not None and now is not None and info.expired(now):
        notes.append(expiry_note(info, now) or "")
    if request.claims.get("token_use") == "access":
        notes.append(
            "this is an access token; identity pools take the user pool's ID token [UP-IP]"
        )
    return tuple(notes)


def read_access_requests(path: Path) -> list[AccessRequest]:
    """`--requests FILE`: JSON lines of {"action", "resource", "context"} (CONTRACT §6 fields)."""
    out: list[AccessRequest] = []
    source = str(path)
    lines = inputs.read_text(path, inputs.REQUESTS_FILE).splitlines()
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        data = inputs.parse_json(text, source, inputs.REQUEST_LINE, line=number, one_line=True)
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("action"), str)
            or not isinstance(data.get("resource"), str)
        ):
            raise ConfigError(
                'expected {"action": ..., "resource": ..., "context": {...}}',
                file=str(path),
                line=number,
            )
        context = data.get("context") or {}
        if not isinstance(context, dict) or not all(
            isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
            for v in context.values()
        ):
            raise ConfigError(
                "'context' maps keys to strings or lists of strings",
                path=("context",),
                file=str(path),
                line=number,
            )
        out.append(
            AccessRequest(
                data["action"],
                data["resource"],
                {k: v if isinstance(v, str) else tuple(v) for k, v in context.items()},
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class BatchLine:
    line: int
    decision: Decision | None
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.decision is None:
            return {"line": self.line, "input_error": self.problem}
        return {"line": self.line, **self.decision.to_json(trace=False)}

    def to_json_line(self) -> str:
        if self.decision is None:
            return JSON_LINE.encode(self.to_json()) + "\n"
        # The line number goes first without copying the result: splice it into the object's text.
        return f'{{"line":{self.line},{JSON_LINE.encode(self.decision.to_json(trace=False))[1:]}\n'


_WRAPPED_CLAIMS = (dict, str, type(None))
# One encoder for every output line (json.dumps with options builds a new one per call).
JSON_LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


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
        unknown = set(data) - {
            "claims",
            "provider",
            "custom_role_arn",
            "identity_id",
            "unauthenticated",
        }
        if unknown:
            raise ClaimsError(f"unknown fields {sorted(unknown)} beside 'claims'")
        if data.get("unauthenticated") or data["claims"] is None:
            return replace(
                base,
                claims=None,
                custom_role_arn=data.get("custom_role_arn"),
                identity_id=data.get("identity_id"),
            )
        claims, info = claims_from_json(data["claims"])
        return LoginRequest(
            claims,
            info,
            data.get("provider", base.provider),
            data.get("custom_role_arn", base.custom_role_arn),
            data.get("identity_id", base.identity_id),
        )
    claims, info = claims_from_json(data)
    return LoginRequest(claims, info, base.provider, base.custom_role_arn, base.identity_id)


def simulate_lines(
    pool: IdentityPool,
    lines: Iterable[str | bytes],
    options: ResolveOptions,
    base: LoginRequest,
    *,
    now: datetime | None = None,
) -> Iterator[BatchLine]:
    """Stream decisions in constant memory; a bad line becomes a BatchLine with a problem."""
    fast = replace(options, explain=False)
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            request = parse_batch_line(text, base)
            yield BatchLine(number, simulate_one(pool, request, fast, now=now))
        except ClaimsError as exc:
            yield BatchLine(number, None, exc.message)
