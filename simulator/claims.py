"""Claims and tokens: what a login presents, and which provider and role-mapping key it names.

CONTRACT §3. A raw JWT is decoded without verification unless a JWKS is given; the result says so.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt

from simulator.errors import ClaimsError
from simulator.model.pool import IdentityPool
from simulator.model.providers import (
    OIDC_ARN,
    SOCIAL_PROVIDERS,
    USER_POOL_PROVIDER,
    ProviderKind,
    ProviderName,
    issuer_host,
    parse_logins_name,
)
from simulator.request import PLAIN_CLAIMS, Claims, LoginRequest, TokenInfo

_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


@dataclass(frozen=True, slots=True)
class Login:
    """One login as GetCredentialsForIdentity sees it: a provider and its token's claims, or a guest."""

    authenticated: bool
    provider: (
        ProviderName | None
    )  # as the Logins map names it (user pools: with client id from aud)
    claims: Claims = field(default_factory=dict)
    info: TokenInfo = PLAIN_CLAIMS
    provider_source: str = ""  # why this provider: "iss", "--provider"

    @classmethod
    def guest(cls) -> Login:
        return cls(False, None, {}, TokenInfo("none"), "")

    @property
    def role_mapping_key(self) -> str | None:
        if self.provider is None:
            return None
        p = self.provider
        return f"{p.name}:{p.client_id}" if p.client_id else p.name


def fingerprint(secret: str) -> str:
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:12]


def decode_jwt(
    raw: str, *, jwks: Mapping[str, Any] | None = None, source: str = "token"
) -> tuple[Claims, TokenInfo]:
    """Decode a JWT; verify signature and expiry against `jwks` when given (PyJWT)."""
    raw = raw.strip()
    if not _JWT.fullmatch(raw):
        raise ClaimsError("not a JWT (expected header.payload.signature)", source=source)
    try:
        header = jwt.get_unverified_header(raw)
        if jwks is None:
            claims = jwt.decode(raw, options={"verify_signature": False})
        else:
            key_set = jwt.PyJWKSet.from_dict(dict(jwks))
            kid = header.get("kid")
            keys = [k for k in key_set.keys if kid is None or k.key_id == kid]
            if not keys:
                raise ClaimsError(f"no key with kid {kid!r} in the JWKS", source=source)
            claims = jwt.decode(
                raw,
                key=keys[0],
                algorithms=[str(header.get("alg", "RS256"))],
                options={"verify_aud": False, "require": ["exp"]},
            )
    except jwt.PyJWTError as exc:
        raise ClaimsError(f"token rejected: {exc}", source=source) from None
    if not isinstance(claims, dict):
        raise ClaimsError("the token's payload is not a JSON object", source=source)
    exp = claims.get("exp")
    return claims, TokenInfo(
        "jwt",
        verified=jwks is not None,
        fingerprint=fingerprint(raw),
        expires_at=int(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None,
    )


def parse_claims_text(
    text: str, *, jwks: Mapping[str, Any] | None = None, source: str = "claims"
) -> tuple[Claims, TokenInfo]:
    """Claims JSON, a raw JWT, or an initiate-auth response (AuthenticationResult.IdToken)."""
    stripped = text.strip()
    if not stripped:
        raise ClaimsError(
            "empty input; expected claims JSON, a JWT or an initiate-auth response", source=source
        )
    if stripped[0] in '{["':
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ClaimsError(
                f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", source=source
            ) from None
        return claims_from_json(data, jwks=jwks, source=source)
    return decode_jwt(stripped, jwks=jwks, source=source)


def claims_from_json(
    data: Any, *, jwks: Mapping[str, Any] | None = None, source: str = "claims"
) -> tuple[Claims, TokenInfo]:
    if isinstance(data, str):
        return decode_jwt(data, jwks=jwks, source=source)
    if not isinstance(data, dict):
        raise ClaimsError("expected a JSON object of claims", source=source)
    auth = data.get("AuthenticationResult")
    if isinstance(auth, dict):
        token = auth.get("IdToken")
        if not isinstance(token, str):
            raise ClaimsError(
                "an initiate-auth response without AuthenticationResult.IdToken "
                "(identity pools take the ID token, not the access token)",
                source=source,
            )
        claims, info = decode_jwt(
            token, jwks=jwks, source=f"{source}: AuthenticationResult.IdToken"
        )
        return claims, TokenInfo("initiate-auth", info.verified, info.fingerprint, info.expires_at)
    if jwks is not None:
        raise ClaimsError(
            "--jwks verifies a token; these are plain claims with no signature", source=source
        )
    exp = data.get("exp")
    return data, TokenInfo(
        "claims",
        expires_at=int(exp) if isinstance(exp, int) and not isinstance(exp, bool) else None,
    )


def read_claims(
    path: str, *, jwks_path: str | None = None, stdin_text: str | None = None
) -> tuple[Claims, TokenInfo]:
    """Read `--claims FILE` (or `-` for standard input)."""
    jwks = read_jwks(jwks_path) if jwks_path else None
    if path == "-":
        return parse_claims_text(stdin_text or "", jwks=jwks, source="<stdin>")
    return parse_claims_text(read_token_file(path), jwks=jwks, source=path)


def read_token_file(path: str) -> str:
    """A claims or token file's text; a missing or unreadable file is a ClaimsError naming it."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ClaimsError("file not found", source=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ClaimsError(f"cannot read: {exc}", source=path) from None


def read_jwks(path: str) -> Mapping[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ClaimsError(f"cannot read JWKS: {exc}", source=path) from None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ClaimsError("a JWKS is a JSON object with a 'keys' list", source=path)
    return data


def provider_from_claims(claims: Claims, pool: IdentityPool | None = None) -> ProviderName | None:
    """The Logins key the token's `iss` names (§8: user pools are the iss without https://)."""
    iss = claims.get("iss")
    if not isinstance(iss, str) or not iss:
        return None
    aud = claims.get("aud")
    if pool is None or not isinstance(aud, str | None):
        return _provider_for(iss, aud, pool)
    # A corpus repeats a few issuers and clients: derive each pair once per pool.
    seen: dict[tuple[str, str | None], ProviderName] = pool.cached("providers", dict)
    found = seen.get((iss, aud))
    if found is None:
        if len(seen) >= 1024:
            seen.clear()
        found = seen[(iss, aud)] = _provider_for(iss, aud, pool)
    return found


def _provider_for(iss: str, aud: Any, pool: IdentityPool | None) -> ProviderName:
    host = issuer_host(iss)
    if USER_POOL_PROVIDER.fullmatch(host):
        return ProviderName(ProviderKind.USER_POOL, host, aud if isinstance(aud, str) else None)
    if host in SOCIAL_PROVIDERS:
        return ProviderName(ProviderKind.SOCIAL, host)
    if pool is not None:
        # [OIDC]: the Logins key is the issuer host; the pool names the provider by its IAM ARN.
        for arn in pool.oidc_provider_arns:
            if OIDC_ARN.fullmatch(arn)["url"] == host:  # type: ignore[index]
                return ProviderName(ProviderKind.OIDC, arn)
    return ProviderName(ProviderKind.OIDC, host)


def login_for(
    claims: Claims,
    info: TokenInfo,
    pool: IdentityPool | None,
    *,
    provider: str | None = None,
    source: str = "claims",
) -> Login:
    """Derive the login a token presents; `provider` (--provider) overrides what `iss` says."""
    if provider is None:
        derived = provider_from_claims(claims, pool)
        if derived is None:
            raise ClaimsError(
                "the claims have no 'iss', so the login provider is unknown; "
                "name it with --provider (e.g. a SAML provider ARN)",
                source=source,
            )
        return Login(True, derived, claims, info, "iss")
    name = parse_logins_name(provider)
    if name is None:
        for arn in pool.oidc_provider_arns if pool else ():
            if OIDC_ARN.fullmatch(arn)["url"] == issuer_host(provider):  # type: ignore[index]
                name = ProviderName(ProviderKind.OIDC, arn)
        if name is None:
            name = ProviderName(ProviderKind.OIDC, issuer_host(provider))
    if name.kind is ProviderKind.USER_POOL:
        aud = claims.get("aud")
        name = ProviderName(
            ProviderKind.USER_POOL, name.name, aud if isinstance(aud, str) else None
        )
    return Login(True, name, claims, info, "--provider")


def login_of(request: LoginRequest, pool: IdentityPool | None) -> Login:
    """The login a request presents to the pool (a guest presents none)."""
    if request.claims is None:
        return Login.guest()
    return login_for(
        request.claims, request.info, pool, provider=request.provider, source=request.source
    )


def default_identity_id(pool_id: str, login: Login) -> str:
    """A stable stand-in identity id (`<region>:<uuid>`) when --identity-id is not given."""
    region = pool_id.split(":", 1)[0]
    if not login.authenticated or login.provider is None:
        return f"{region}:{uuid.uuid5(uuid.NAMESPACE_URL, pool_id + '#guest')}"
    seed = f"{pool_id}#{login.provider.name}#{login.claims.get('sub', '')}"
    return f"{region}:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}"


def expiry_note(info: TokenInfo, now: datetime | None = None) -> str | None:
    if info.expires_at is None:
        return None
    when = datetime.fromtimestamp(info.expires_at, tz=UTC).isoformat()
    if now is not None and info.expired(now):
        return f"token expired at {when}" + (
            "" if info.verified else " (reported, not enforced without --jwks)"
        )
    return f"token expires at {when}"
