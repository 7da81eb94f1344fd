"""The one pipeline every command and analysis uses: a login request to its whole assessment.

request --login_of--> Login --resolve--> Decision --assess--> Assessment (trust, access, notes).
Pure: time is an input (`now`), nothing is read or written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from simulator.access import AccessRequest, Assessment, assess
from simulator.claims import expiry_note, login_of
from simulator.decision import Decision
from simulator.iam import IamData
from simulator.importers.lazy import require_known_role
from simulator.model.pool import IdentityPool
from simulator.request import LoginRequest
from simulator.resolve import resolve


def simulate(
    pool: IdentityPool,
    request: LoginRequest,
    *,
    iam: IamData | None = None,
    requests: Sequence[AccessRequest] = (),
    now: datetime | None = None,
    explain: bool = True,
) -> Assessment:
    """One login's decision; with IAM data (the pool's or `iam`) also trust and `requests`' access."""
    login = login_of(request, pool)
    decision = resolve(pool, login, request, explain=explain)
    require_known_role(pool, decision)
    notes = token_notes(request, now) + decision.notes
    return assess(pool, decision, login, request, requests, iam=iam, notes=notes, now=now)


def decide(pool: IdentityPool, request: LoginRequest, *, explain: bool = False) -> Decision:
    """The identity pool's own decision alone, without trust and access: what the analysis explores
    the claim space with (it assesses only the witnesses it reports)."""
    return resolve(pool, login_of(request, pool), request, explain=explain)


def token_notes(request: LoginRequest, now: datetime | None) -> tuple[str, ...]:
    """What a reviewer should know about the token itself (verification, expiry, token type)."""
    claims = request.claims
    if claims is None:
        return ()
    info = request.info
    notes: list[str] = []
    if info.kind != "claims" and not info.verified:
        notes.append("token decoded without verification (give --jwks to verify its signature)")
    if info.expires_at is not None and now is not None and info.expired(now):
        notes.append(expiry_note(info, now) or "")
    if claims.get("token_use") == "access":
        notes.append(ACCESS_TOKEN_NOTE)
    return tuple(notes)


ACCESS_TOKEN_NOTE = "this is an access token; identity pools take the user pool's ID token [UP-IP]"
