"""Claims and tokens: what a login presents, and which provider and role-mapping key it names.

CONTRACT §3. A raw JWT is decoded without verification unless a JWKS is given; the result says so.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, NoReturn

import msgspec

from simulator import inputs
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
from simulator.request import PLAIN_CLAIMS, Claims, LoginRequest, TokenInfo, VerifiedBy


# The patterns below are compiled when first used: a run that reads no token needs neither.
@cache
def _jwt() -> re.Pattern[str]:
    return re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


@cache
def _token_like() -> re.Pattern[str]:
    # What a pasted token looks like, so that an argument that is one is never echoed: a JWT
    # (every JWT header begins with `{"`, base64url `eyJ`), or an opaque access token (long, no
    # dots, so that a file name with an extension is not one).
    return re.compile(r"eyJ[A-Za-z0-9_-]*\..*|[A-Za-z0-9_\-+/=~|]{40,}")


class Login(msgspec.Struct, frozen=True):
    """One login as GetCredentialsForIdentity sees it: a provider and its token's claims, or a guest."""

    authenticated: bool
    provider: (
        ProviderName | None
    )  # as the Logins map names it (user pools: with client id from aud)
    claims: Claims = msgspec.field(default_factory=dict)
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
    import hashlib  # loads OpenSSL: only for a run that shows a token

    return "sha256:" + hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def looks_like_token(text: str) -> bool:
    """Whether an argument may be a pasted token (a JWT or an opaque access token): never echo it."""
    return bool(_token_like().fullmatch(text.strip()))


# RFC 7519 §2 NumericDate; datetime shows seconds up to the end of the year 9999.
_LAST_NUMERIC_DATE = 253_402_300_799


def _expiry(claims: Mapping[str, Any], source: str) -> int | None:
    """`exp` as whole seconds, or None when absent; anything else is refused, not guessed."""
    if "exp" not in claims:
        return None
    exp = claims["exp"]
    if (
        isinstance(exp, bool)
        or not isinstance(exp, int | float)
        or not 0 <= exp <= _LAST_NUMERIC_DATE
    ):
        raise ClaimsError(
            f"'exp' must be a NumericDate: seconds since 1970-01-01 UTC up to the year 9999 "
            f"[RFC 7519 §2]; found {_shown(exp)}",
            source=source,
        )
    return int(exp)


def _shown(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"a number of {len(str(abs(value)))} digits"
    return _short(json.dumps(value) if isinstance(value, str | float | int | None) else repr(value))


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _segment(part: str, what: str, source: str) -> dict[str, Any]:
    """A JWT header or payload: base64url of a JSON object, read as strictly as any file."""
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except binascii.Error:
        raise ClaimsError(f"not a JWT: the {what} is not base64url", source=source) from None
    kind = inputs.CLAIMS
    data = inputs.parse_json(
        inputs.decode(raw, f"{source}: the token's {what}", kind),
        f"{source}: the token's {what}",
        kind,
    )
    if not isinstance(data, dict):
        raise ClaimsError(f"the token's {what} is not a JSON object", source=source)
    return data


def decode_jwt(
    raw: str, *, jwks: Mapping[str, Any] | None = None, source: str = "token"
) -> tuple[Claims, TokenInfo]:
    """Decode a JWT; verify signature and expiry against `jwks` when given (PyJWT)."""
    raw = raw.strip()
    if len(raw) > inputs.MAX_TOKEN_CHARS:
        raise ClaimsError(
            f"the token is {len(raw):,} characters; an identity pool takes tokens of at most "
            f"{inputs.MAX_TOKEN_CHARS:,} [service model: IdentityProviderToken, the Logins value]",
            source=source,
        )
    if not _jwt().fullmatch(raw):
        raise ClaimsError("not a JWT (expected header.payload.signature)", source=source)
    header_part, payload_part, _ = raw.split(".")
    header = _segment(header_part, "header", source)
    claims = _segment(payload_part, "payload", source)
    expires_at = _expiry(claims, source)
    verified_by = None if jwks is None else _verify(raw, header, claims, jwks, source)
    info = TokenInfo("jwt", jwks is not None, fingerprint(raw), expires_at, verified_by)
    return claims, info


# RFC 7518 §3.1 and RFC 8037 §3.1: the asymmetric signature algorithms each key type (and curve)
# verifies. Symmetric (`oct`) keys and `none` are never accepted: a JWKS is public, and an HMAC
# "verified" with public material proves nothing (algorithm confusion).
_RSA_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
_CURVE_ALGORITHMS = {
    ("EC", "P-256"): ("ES256",),
    ("EC", "P-384"): ("ES384",),
    ("EC", "P-521"): ("ES512",),
    ("EC", "secp256k1"): ("ES256K",),
    ("OKP", "Ed25519"): ("EdDSA",),
    ("OKP", "Ed448"): ("EdDSA",),
}
# RFC 7517 §6.3.2 / §6.2.2 / RFC 8037 §2: private members a verification key set must not carry.
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
_PUBLIC_MEMBERS = {"RSA": ("n", "e"), "EC": ("crv", "x", "y"), "OKP": ("crv", "x")}


def _allowed_algorithms(key: Mapping[str, Any]) -> tuple[str, ...]:
    kty = key.get("kty")
    if kty == "RSA":
        return _RSA_ALGORITHMS
    return _CURVE_ALGORITHMS.get((str(kty), str(key.get("crv"))), ())


def _verifying_key(
    jwks: Mapping[str, Any], header: Mapping[str, Any], source: str
) -> tuple[dict[str, Any], str]:
    """The JWKS key that may verify this token, and the algorithm: refused unless both are sound."""

    def refuse(message: str) -> NoReturn:
        raise ClaimsError(f"token rejected: {message}", source=source)

    alg, kid = header.get("alg"), header.get("kid")
    if "crit" in header:
        # RFC 7515 §4.1.11: extensions listed in crit must be understood; rolesim knows none.
        refuse(
            f"the header's crit names extensions rolesim does not process: {_shown(header['crit'])}"
        )
    keys = [k for k in jwks["keys"] if isinstance(k, dict)]
    if kid is not None:
        keys = [k for k in keys if k.get("kid") == kid]
        if not keys:
            refuse(f"no key with kid {_shown(kid)} in the JWKS")
    elif len(keys) != 1:
        refuse(
            f"the token names no key (kid) and the JWKS holds {len(keys)}; rolesim does not guess"
        )
    if len(keys) > 1:
        refuse(f"{len(keys)} keys in the JWKS share kid {_shown(kid)}")
    key = keys[0]
    kty = key.get("kty")
    if not isinstance(alg, str) or alg.lower() == "none":
        refuse("the header names no signature algorithm (alg); an unsigned token verifies nothing")
    if kty == "oct" or alg.startswith("HS"):
        refuse(
            f"{alg} with a {_shown(kty)} key: a symmetric key cannot verify an identity provider's "
            "token (anyone holding it can sign); only RSA, EC and OKP public keys are accepted"
        )
    allowed = _allowed_algorithms(key)
    if alg not in allowed:
        what = f"{_shown(kty)} key" + (
            f" on curve {_shown(key.get('crv'))}" if "crv" in key else ""
        )
        refuse(
            f"the header asks for {_shown(alg)}, which a {what} does not verify"
            + (f" (it verifies {', '.join(allowed)})" if allowed else "")
        )
    if "alg" in key and key["alg"] != alg:
        refuse(f"the key is for {_shown(key['alg'])}, the token's header says {alg}")
    private = [m for m in _PRIVATE_MEMBERS if m in key]
    if private:
        refuse(
            f"the JWKS key holds private members ({', '.join(private)}); verify with the public "
            "key set, and keep the private key out of the repository"
        )
    # RFC 7517 §4.2-4.3: `use` "sig" and `key_ops` "verify" are what allow verifying signatures.
    if "use" in key and key["use"] != "sig":
        refuse(f"the key's use is {_shown(key['use'])}, not sig")
    ops = key.get("key_ops")
    if "key_ops" in key and (not isinstance(ops, list) or "verify" not in ops):
        refuse(f"the key's key_ops {_shown(ops)} do not include verify")
    bad = [m for m in _PUBLIC_MEMBERS[str(kty)] if not isinstance(key.get(m), str)]
    if bad:
        refuse(f"the {kty} key's {', '.join(bad)} must be base64url strings")
    return key, alg


def _verify(
    raw: str, header: Mapping[str, Any], claims: Claims, jwks: Mapping[str, Any], source: str
) -> VerifiedBy:
    key, alg = _verifying_key(jwks, header, source)
    import jwt  # only --jwks verifies: the other commands and a batch do not load it

    try:
        jwk = jwt.PyJWK(key, algorithm=alg)
        jwt.decode(
            raw,
            key=jwk,
            algorithms=[alg],
            options={"verify_aud": False, "require": ["exp"], "enforce_minimum_key_length": True},
        )
    except jwt.PyJWTError as exc:
        raise ClaimsError(f"token rejected: {exc}", source=source) from None
    except ValueError as exc:  # key material cryptography refuses (a bad modulus or point)
        raise ClaimsError(
            f"token rejected: the JWKS key is unusable: {exc}", source=source
        ) from None
    iss = claims.get("iss")
    kid = key.get("kid")
    return VerifiedBy(
        iss if isinstance(iss, str) else None, kid if isinstance(kid, str) else None, alg
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
        data = inputs.parse_json(stripped, source, inputs.CLAIMS)
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
        return claims, msgspec.structs.replace(info, kind="initiate-auth")
    if jwks is not None:
        raise ClaimsError(
            "--jwks verifies a token; these are plain claims with no signature", source=source
        )
    return data, TokenInfo("claims", expires_at=_expiry(data, source))


def _holds_token(data: Any) -> bool:
    return isinstance(data, str) or (
        isinstance(data, dict) and isinstance(data.get("AuthenticationResult"), dict)
    )


def read_claims(
    argument: str, *, jwks: Mapping[str, Any] | None = None
) -> tuple[Claims, TokenInfo]:
    """`--claims ARG`: a file, `-` for standard input, or claims JSON written inline.

    A token is a secret: pasted inline it would sit in the process list and the shell history, so
    it is refused (without echoing it) and the message says how to pass it instead.
    """
    if inputs.is_stdin(argument):
        text = inputs.read_text(argument, inputs.CLAIMS)
        return parse_claims_text(text, jwks=jwks, source=inputs.STDIN_NAME)
    if not os.path.isfile(argument) and argument.lstrip().startswith("{"):
        source = "--claims (inline JSON)"
        if len(argument) > inputs.CLAIMS.max_bytes:
            raise inputs.CLAIMS.too_large(source)
        text = inputs.check_text(argument, source, inputs.CLAIMS)
        data = inputs.parse_json(text.strip(), source, inputs.CLAIMS)
        if _holds_token(data):
            raise ClaimsError(
                "this initiate-auth response holds tokens, which are secrets: pass it in a file "
                "or on standard input (--claims -), not on the command line",
                source=source,
            )
        return claims_from_json(data, jwks=jwks, source=source)
    return parse_claims_text(token_argument(argument, "--claims"), jwks=jwks, source=argument)


def token_argument(argument: str, option: str) -> str:
    """The text of the file a token option names; a pasted token is refused, never echoed."""
    if argument != "-" and not os.path.isfile(argument) and looks_like_token(argument):
        raise ClaimsError(
            f"the value looks like a token ({fingerprint(argument.strip())}), not a file; tokens "
            "are secrets and are not taken on the command line, where the process list and shell "
            f"history keep them: write it to a file, or pipe it with {option} -",
            source=option,
        )
    return read_token_file(argument)


def read_token_file(path: str) -> str:
    """A claims or token file's text; a missing or unreadable file is a ClaimsError naming it."""
    return inputs.read_text(path, inputs.CLAIMS)


def read_jwks(path: str) -> Mapping[str, Any]:
    """`--jwks FILE` (`-`: standard input)."""
    return parse_jwks(inputs.read_text(path, inputs.JWKS), inputs.source_name(path))


def parse_jwks(text: str, source: str) -> Mapping[str, Any]:
    data = inputs.parse_json(text, source, inputs.JWKS)
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ClaimsError("a JWKS is a JSON object with a 'keys' list", source=source)
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
        return f"{region}:{uuid5(uuid.NAMESPACE_URL, pool_id + '#guest')}"
    seed = f"{pool_id}#{login.provider.name}#{login.claims.get('sub', '')}"
    return f"{region}:{uuid5(uuid.NAMESPACE_URL, seed)}"


def uuid5(namespace: uuid.UUID, name: str) -> uuid.UUID:
    """uuid.uuid5, with CPython's own SHA-1: the standard one imports hashlib, which loads
    OpenSSL (4 ms of a command's start-up)."""
    try:
        from _sha1 import sha1  # type: ignore[import-not-found]  # CPython, unstubbed
    except ImportError:  # another interpreter
        from hashlib import sha1
    digest = sha1(namespace.bytes + name.encode("utf-8")).digest()
    return uuid.UUID(bytes=digest[:16], version=5)


def expiry_note(info: TokenInfo, now: datetime | None = None) -> str | None:
    if info.expires_at is None:
        return None
    when = utc_text(info.expires_at)
    if now is not None and info.expired(now):
        return f"token expired at {when}" + (
            "" if info.verified else " (reported, not enforced without --jwks)"
        )
    return f"token expires at {when}"


_DAY = 86_400
_DATES: dict[int, str] = {}  # day number -> its ISO date: a corpus's expiries fall on few days


def utc_text(seconds: int) -> str:
    """`datetime.fromtimestamp(seconds, UTC).isoformat()` for whole seconds from 1970 on, with
    each day's date formatted once (a batch notes the expiry of every expired token)."""
    day, rest = divmod(seconds, _DAY)
    date = _DATES.get(day)
    if date is None:
        if len(_DATES) >= 4096:
            _DATES.clear()
        date = _DATES[day] = datetime.fromtimestamp(day * _DAY, tz=UTC).date().isoformat()
    hours, rest = divmod(rest, 3600)
    return f"{date}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}+00:00"


def expiry_of(claims: Mapping[str, Any], source: str = "claims") -> int | None:
    """`exp` of plain claims, as claims_from_json reads it (the batch plan reads it directly)."""
    return _expiry(claims, source)
