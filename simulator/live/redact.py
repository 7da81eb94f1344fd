"""Secrets (credentials, tokens, passwords) never reach output: fingerprints and scrubbing.

Two layers. A `Redactor` replaces every secret a live run has seen (tokens, passwords, issued
credentials), in full and URL-encoded. `scrub_text` recognises secrets nobody registered: the
caller's own credentials as botocore writes them (the `Authorization` header, its `Credential`
and `Signature`, `X-Amz-Security-Token`, presigned query strings), credential and token fields
of request and response bodies in JSON, XML or Python-repr form, JWTs, access key ids and long
base64 runs. While a live command runs, `guarded_logging` applies both to every log record.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

# Shorter strings are not registered as secrets: scrubbing them would mangle ordinary text.
_MIN_SECRET_LENGTH = 6
# Loggers that can dump request bodies (tokens, Logins) at DEBUG.
WIRE_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")

# Names under which AWS APIs, botocore and the SigV4 signer carry secrets: response fields
# (Credentials, GetOpenIdToken, InitiateAuth), request parameters, shared-config keys, headers
# and presigned-URL query parameters.
_SECRET_NAMES = (
    "AccessKeyId", "SecretKey", "SecretAccessKey", "SessionToken", "Token", "IdToken",
    "AccessToken", "RefreshToken", "WebIdentityToken", "SAMLAssertion", "ClientSecret",
    "PASSWORD", "NEW_PASSWORD", "SECRET_HASH",
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token",
    "X-Amz-Security-Token", "X-Amz-Signature", "X-Amz-Credential", "Credential", "Signature",
)  # fmt: skip
_NAMED = re.compile(
    # name, then what separates it from its value: `=` (query string, config file, the
    # Authorization header's `Signature=…`), `>` (XML), `: "` (JSON, a Python repr) or a bare
    # `:` (canonical request `x-amz-security-token:…`, the signer's `Signature:\n…`). Prose
    # such as `AccessKeyId: expected a string` is none of these.
    r"(?<![\w-])(?P<name>" + "|".join(map(re.escape, _SECRET_NAMES)) + r")"
    r"(?P<sep>[\"']?\s*=\s*(?-i:b)?[\"']?|[\"']?>|[\"']?:\s*(?-i:b)?[\"']|:\n?)"
    r"(?P<value>(?!\[redacted )[^\s\"'<>,&}\]]{4,})",
    re.IGNORECASE,
)
_JWT = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")
# Access key ids: long-term (AKIA), temporary (ASIA) and bearer (ABIA, ACCA) keys.
_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{12,}(?![A-Z0-9])")
# Secret keys are 40 base64 characters; session tokens, signatures and SAML assertions longer.
_LONG_RUN = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40,}={0,2}")


def fingerprint(secret: str) -> str:
    """A stable, non-reversible label for a token: `eyJh…(sha256:1a2b3c4d)`.

    The four leading characters of a JWT are its base64 header opening, never secret.
    """
    digest = hashlib.sha256(secret.encode("utf-8")).hexdigest()[:8]
    prefix = secret[:4] if secret.startswith("eyJ") else ""
    return f"{prefix}…(sha256:{digest})"


def _redacted(secret: str) -> str:
    return f"[redacted {fingerprint(secret)}]"


def _long_run(match: re.Match[str]) -> str:
    text = match.group(0)
    # Letters alone are a long name, not a key; a secret mixes letters and digits.
    mixed = any(c.isdigit() for c in text) and any(c.isalpha() for c in text)
    return _redacted(text) if mixed else text


def scrub_text(text: str) -> str:
    """Replace every credential, token or signature that looks like one, registered or not."""
    text = _NAMED.sub(
        lambda m: m.group("name") + m.group("sep") + _redacted(m.group("value")), text
    )
    text = _JWT.sub(lambda m: _redacted(m.group(0)), text)
    text = _ACCESS_KEY_ID.sub(lambda m: _redacted(m.group(0)), text)
    return _LONG_RUN.sub(_long_run, text)


class Redactor:
    """Remembers every secret seen in a live run and replaces it wherever it would be shown."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= _MIN_SECRET_LENGTH:
            # URL-encoded too: query strings and form bodies carry it that way.
            self._secrets.update({secret, quote(secret, safe="")})

    def scrub(self, text: str) -> str:
        # Longest first, so a secret containing another is replaced whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, _redacted(secret))
        return scrub_text(text)

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and any(secret in text for secret in self._secrets)


def _scrubbing_factory(
    make: Callable[..., logging.LogRecord], redactor: Redactor
) -> Callable[..., logging.LogRecord]:
    formatter = logging.Formatter()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted is shown as such
            message = f"(a {record.name} log record that cannot be formatted)"
        record.msg, record.args = redactor.scrub(message), None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text, so the traceback is scrubbed once, here.
            record.exc_text = redactor.scrub(formatter.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redactor.scrub(record.stack_info)
        return record

    return factory


@contextlib.contextmanager
def guarded_logging(redactor: Redactor, *, wire_debug: bool = False) -> Iterator[None]:
    """While a live run lasts, every log record anywhere is scrubbed as it is made, and, unless
    `wire_debug`, the wire loggers stay above DEBUG (their DEBUG output is mostly bodies)."""
    previous = logging.getLogRecordFactory()
    logging.setLogRecordFactory(_scrubbing_factory(previous, redactor))
    saved = {name: logging.getLogger(name).level for name in WIRE_LOGGERS}
    if not wire_debug:
        for name in WIRE_LOGGERS:
            wire = logging.getLogger(name)
            if wire.getEffectiveLevel() < logging.INFO:
                wire.setLevel(logging.INFO)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
        logging.setLogRecordFactory(previous)
