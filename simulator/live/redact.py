"""Secrets (credentials, tokens, passwords) never reach output: fingerprints and scrubbing."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterable, Iterator

# Shorter strings are not registered as secrets: scrubbing them would mangle ordinary text.
_MIN_SECRET_LENGTH = 6
# Loggers that can dump request bodies (tokens, Logins) at DEBUG.
_WIRE_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")


def fingerprint(secret: str) -> str:
    """A stable, non-reversible label for a token: `eyJh…(sha256:1a2b3c4d)`.

    The four leading characters of a JWT are its base64 header opening, never secret.
    """
    digest = hashlib.sha256(secret.encode("utf-8")).hexdigest()[:8]
    prefix = secret[:4] if secret.startswith("eyJ") else ""
    return f"{prefix}…(sha256:{digest})"


class Redactor:
    """Remembers every secret seen in a live run and replaces it wherever it would be shown."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= _MIN_SECRET_LENGTH:
            self._secrets.add(secret)

    def scrub(self, text: str) -> str:
        # Longest first, so a secret containing another is replaced whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, f"[redacted {fingerprint(secret)}]")
        return text

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and any(secret in text for secret in self._secrets)


class _ScrubFilter(logging.Filter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.redactor.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


@contextlib.contextmanager
def guarded_logging(redactor: Redactor) -> Iterator[None]:
    """While a live run lasts: wire loggers stay above DEBUG and every handler scrubs secrets."""
    scrub = _ScrubFilter(redactor)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(scrub)
    saved = {name: logging.getLogger(name).level for name in _WIRE_LOGGERS}
    for name in _WIRE_LOGGERS:
        wire = logging.getLogger(name)
        if wire.getEffectiveLevel() < logging.INFO:
            wire.setLevel(logging.INFO)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
        for handler in handlers:
            handler.removeFilter(scrub)
