"""One login to ask the identity pool about: the single request type of every command and analysis.

GetCredentialsForIdentity's inputs (CONTRACT §3): the claims of one token (or none, for a guest), the
Logins key when it is not derived from `iss`, `CustomRoleArn`, the identity id, and the flow, with the
role the application asks STS for in the basic (classic) flow. How the claims were read travels with
them (`info`), never the token itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

import msgspec

from simulator.record import WithExtras


class Flow(StrEnum):
    """The enhanced flow (GetCredentialsForIdentity) or the basic, classic one (GetOpenIdToken then
    sts:AssumeRoleWithWebIdentity with the role the application picks) [AF]."""

    ENHANCED = "enhanced"
    BASIC = "basic"


Claims = Mapping[str, Any]


class VerifiedBy(msgspec.Struct, frozen=True):
    """Which key of the JWKS verified a token, and for which issuer (the token's own `iss`)."""

    issuer: str | None
    key_id: str | None
    algorithm: str

    def to_json(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "key_id": self.key_id, "algorithm": self.algorithm}

    def describe(self) -> str:
        key = f"key {self.key_id}" if self.key_id else "its only key"
        return f"{key} ({self.algorithm}), issuer {self.issuer or '(none)'}"


class TokenInfo(msgspec.Struct, frozen=True):
    """How the claims were obtained; never the token itself."""

    kind: str  # "claims" | "jwt" | "initiate-auth" | "none" (a guest)
    verified: bool = False
    fingerprint: str | None = None  # sha256 prefix of a raw token, safe to print
    expires_at: int | None = None
    verified_by: VerifiedBy | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "verified": self.verified}
        if self.fingerprint:
            out["fingerprint"] = self.fingerprint
        if self.expires_at is not None:
            out["expires_at"] = self.expires_at
        if self.verified_by is not None:
            out["verified_by"] = self.verified_by.to_json()
        return out

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= int(now.timestamp())


PLAIN_CLAIMS = TokenInfo("claims")
NO_TOKEN = TokenInfo("none")  # a guest presents no token


class LoginRequest(WithExtras, msgspec.Struct, frozen=True, eq=False):
    claims: Claims | None  # None: an unauthenticated (guest) identity
    info: TokenInfo = PLAIN_CLAIMS
    provider: str | None = None  # the Logins key (--provider); None: derived from iss
    custom_role_arn: str | None = None  # GetCredentialsForIdentity's CustomRoleArn
    identity_id: str | None = None  # None lets evaluators pick a stable stand-in
    flow: Flow = Flow.ENHANCED
    basic_role_arn: str | None = None  # the role the application asks STS for (basic flow)
    # Where the claims came from, for errors: an extra, not part of the value.
    extra_fields: ClassVar[int] = 1
    source: str = "claims"

    __repr__ = msgspec.Struct.__repr__  # shown, though not compared

    @classmethod
    def guest(cls) -> LoginRequest:
        return cls(None, NO_TOKEN)

    @property
    def is_guest(self) -> bool:
        return self.claims is None

    def to_json(self) -> dict[str, Any]:
        """The request as a corpus line or witness shows it (the claims, never a token)."""
        out: dict[str, Any] = {
            "unauthenticated": self.is_guest,
            "provider": self.provider,
            "claims": dict(self.claims) if self.claims is not None else None,
        }
        if self.custom_role_arn is not None:
            out["custom_role_arn"] = self.custom_role_arn
        if self.identity_id is not None:
            out["identity_id"] = self.identity_id
        if self.flow != "enhanced":
            out["flow"] = self.flow
            out["role_arn"] = self.basic_role_arn
        return out

    def describe(self) -> str:
        """One line a reviewer can read: who asks, and how."""
        if self.is_guest:
            who = "guest (no login)"
        else:
            assert self.claims is not None
            iss = self.claims.get("iss")
            who = f"token from {self.provider or (iss if isinstance(iss, str) else 'an unnamed issuer')}"
        extra = []
        if self.custom_role_arn:
            extra.append(f"CustomRoleArn {self.custom_role_arn}")
        if self.flow == "basic":
            extra.append(f"basic flow asking for {self.basic_role_arn}")
        return who + (f" ({', '.join(extra)})" if extra else "")
