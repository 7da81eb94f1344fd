"""Tokens and keys (issue: fail closed, item 7): a JWKS verifies only with the asymmetric algorithm
its key's type supports and only with keys meant for verifying, the result says which key and
issuer verified, a social token's `aud` must be the provider's app id, and odd `exp` values are
refused cleanly."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.claims import decode_jwt, login_for, parse_claims_text, uuid5
from simulator.errors import ClaimsError
from simulator.model import pool_from_dict
from simulator.request import LoginRequest
from simulator.resolve import resolve
from tests.core.builders import AUTH, POOL_ID

ISS = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
EC384_KEY = ec.generate_private_key(ec.SECP384R1())
ED_KEY = ed25519.Ed25519PrivateKey.generate()


def claims(**extra: Any) -> dict[str, Any]:
    return {"iss": ISS, "aud": "c", "sub": "s", "exp": int(time.time()) + 600, **extra}


def public_jwk(key: Any, **members: Any) -> dict[str, Any]:
    algorithm: Any = {
        rsa.RSAPrivateKey: jwt.algorithms.RSAAlgorithm,
        ec.EllipticCurvePrivateKey: jwt.algorithms.ECAlgorithm,
        ed25519.Ed25519PrivateKey: jwt.algorithms.OKPAlgorithm,
    }[next(t for t in (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)
           if isinstance(key, t))]  # fmt: skip
    return {**json.loads(algorithm.to_jwk(key.public_key())), "kid": "k1", **members}


def jwks(*keys: dict[str, Any]) -> dict[str, Any]:
    return {"keys": list(keys)}


def token(key: Any, alg: str, body: dict[str, Any] | None = None, **headers: Any) -> str:
    return jwt.encode(body or claims(), key, algorithm=alg, headers={"kid": "k1", **headers})


@pytest.mark.parametrize(
    ("key", "alg"),
    [(RSA_KEY, "RS256"), (RSA_KEY, "PS384"), (EC_KEY, "ES256"), (ED_KEY, "EdDSA")],
)
def test_each_key_type_verifies_its_own_algorithms_and_says_which_key_did(
    key: Any, alg: str
) -> None:
    got, info = decode_jwt(token(key, alg), jwks=jwks(public_jwk(key, use="sig")))
    assert got["sub"] == "s"
    assert info.verified
    assert info.verified_by is not None
    assert info.verified_by.to_json() == {"issuer": ISS, "key_id": "k1", "algorithm": alg}
    assert info.to_json()["verified_by"]["key_id"] == "k1"


def _hmac_with_the_public_key() -> str:
    # The classic algorithm confusion: HS256 keyed with the RSA public key, which anyone has.
    pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": "k1", "typ": "JWT"}
    signing = b".".join(
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=")
        for part in (header, claims())
    )
    import hashlib
    import hmac

    sig = base64.urlsafe_b64encode(hmac.new(pem, signing, hashlib.sha256).digest()).rstrip(b"=")
    return (signing + b"." + sig).decode()


def _unsigned() -> str:
    segments = [
        base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=").decode()
        for p in ({"alg": "none", "kid": "k1"}, claims())
    ]
    return ".".join(segments) + "."


SECRET = base64.urlsafe_b64encode(b"s" * 32).rstrip(b"=").decode()

REFUSALS: list[tuple[str, Callable[[], tuple[str, dict[str, Any]]], str]] = [
    ("algorithm confusion", lambda: (_hmac_with_the_public_key(), jwks(public_jwk(RSA_KEY))),
     "a symmetric key cannot verify"),
    ("oct key", lambda: (token(b"s" * 32, "HS256"), jwks({"kty": "oct", "k": SECRET, "kid": "k1"})),
     "a symmetric key cannot verify"),
    ("alg none", lambda: (_unsigned(), jwks(public_jwk(RSA_KEY))), "an unsigned token"),
    ("RSA key, EC alg", lambda: (token(EC_KEY, "ES256"), jwks(public_jwk(RSA_KEY))),
     'which a "RSA" key does not verify'),
    ("EC curve mismatch", lambda: (token(EC384_KEY, "ES384"), jwks(public_jwk(EC_KEY))),
     'on curve "P-256" does not verify (it verifies ES256)'),
    ("use enc", lambda: (token(RSA_KEY, "RS256"), jwks(public_jwk(RSA_KEY, use="enc"))),
     'the key\'s use is "enc", not sig'),
    ("key_ops", lambda: (token(RSA_KEY, "RS256"), jwks(public_jwk(RSA_KEY, key_ops=["encrypt"]))),
     "do not include verify"),
    ("key alg", lambda: (token(RSA_KEY, "RS512"), jwks(public_jwk(RSA_KEY, alg="RS256"))),
     'the key is for "RS256"'),
    ("no kid, several keys", lambda: (jwt.encode(claims(), RSA_KEY, algorithm="RS256"),
     jwks(public_jwk(RSA_KEY), public_jwk(EC_KEY, kid="k2"))), "rolesim does not guess"),
    ("unknown kid", lambda: (token(RSA_KEY, "RS256", kid="k9"), jwks(public_jwk(RSA_KEY))),
     'no key with kid "k9"'),
    ("private key in the JWKS", lambda: (token(RSA_KEY, "RS256"), jwks(
        {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(RSA_KEY)), "kid": "k1"})),
     "holds private members"),
    ("crit", lambda: (token(RSA_KEY, "RS256", crit=["x-unknown"], **{"x-unknown": 1}),
     jwks(public_jwk(RSA_KEY))), "token rejected"),
    ("bad key material", lambda: (token(RSA_KEY, "RS256"), jwks({**public_jwk(RSA_KEY), "n": 7})),
     "must be base64url strings"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "make", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_keys_and_algorithms_that_prove_nothing_are_refused(
    name: str, make: Callable[[], tuple[str, dict[str, Any]]], message: str
) -> None:
    raw, key_set = make()
    with pytest.raises(ClaimsError) as info:
        decode_jwt(raw, jwks=key_set, source="t.jwt")
    assert message in info.value.message
    assert raw not in str(info.value)


def test_one_key_and_no_kid_is_that_key() -> None:
    raw = jwt.encode(claims(), RSA_KEY, algorithm="RS256")
    _, info = decode_jwt(raw, jwks=jwks(public_jwk(RSA_KEY)))
    assert info.verified_by is not None
    assert info.verified_by.describe() == f"key k1 (RS256), issuer {ISS}"


def _raw_token(payload_text: str) -> str:
    enc = [
        base64.urlsafe_b64encode(t.encode()).rstrip(b"=").decode()
        for t in ('{"alg":"RS256","kid":"k1"}', payload_text)
    ]
    return f"{enc[0]}.{enc[1]}.c2ln"


@pytest.mark.parametrize("exp", ["1e999", "NaN", "100000000000000000000", '"soon"', "true", "-1"])
def test_odd_exp_values_are_refused_cleanly(exp: str) -> None:
    text = f'{{"iss": "{ISS}", "aud": "c", "exp": {exp}}}'
    with pytest.raises(ClaimsError):
        parse_claims_text(text, source="claims.json")
    with pytest.raises(ClaimsError):
        decode_jwt(_raw_token(text), source="t.jwt")
    with pytest.raises(ClaimsError):
        decode_jwt(_raw_token(text), jwks=jwks(public_jwk(RSA_KEY)), source="t.jwt")


def test_the_last_representable_exp_is_read() -> None:
    _, info = parse_claims_text(f'{{"iss": "{ISS}", "exp": 253402300799}}')
    assert info.expires_at == 253402300799


# --- social providers: [AF-2023] GetId checks that the token "matches the provider app id" -------

GOOGLE_APP = "123-abc.apps.googleusercontent.com"


def _google_decision(aud: Any) -> str | None:
    pool = pool_from_dict(
        {
            "IdentityPoolId": POOL_ID,
            "SupportedLoginProviders": {"accounts.google.com": GOOGLE_APP},
            "Roles": {"authenticated": AUTH},
        }
    )
    body: dict[str, Any] = {"iss": "https://accounts.google.com", "sub": "1"}
    if aud is not None:
        body["aud"] = aud
    info = parse_claims_text(json.dumps(body))[1]
    d = resolve(pool, login_for(body, info, pool), LoginRequest(body, info))
    return d.error.code if d.error else d.role_arn


@pytest.mark.parametrize(
    ("aud", "outcome"),
    [
        (GOOGLE_APP, AUTH),
        ("another-app", "NotAuthorizedException"),
        ([GOOGLE_APP], "NotAuthorizedException"),
        ([GOOGLE_APP, "another-app"], "NotAuthorizedException"),
        (None, "NotAuthorizedException"),
    ],
)
def test_a_social_token_must_name_the_app_id_as_its_audience(aud: Any, outcome: str) -> None:
    # One app id per social provider [M IdentityProviderId]; tokens for several audiences belong to
    # an OIDC provider, whose client-ID list the pool checks instead (the identity pools' Google page).
    assert _google_decision(aud) == outcome


@settings(max_examples=200)
@given(st.uuids(), st.text(st.characters(blacklist_categories=["Cs"])))
def test_the_stand_in_identity_id_is_the_standard_uuid5(namespace: uuid.UUID, name: str) -> None:
    # The stand-in id hashes with CPython's own SHA-1 (no OpenSSL at start-up); same value.
    assert uuid5(namespace, name) == uuid.uuid5(namespace, name)
