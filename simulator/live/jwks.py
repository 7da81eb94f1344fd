"""`--jwks https://…`: the issuer's key set, fetched with a timeout and a size bound, and cached.

A JWKS holds public keys only, so the cache holds no secret; what matters is where the keys come
from: only https, or plain http to this machine (a test issuer), since a key set fetched in clear
could be swapped for one that verifies forged tokens.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import urlsplit

import urllib3

from simulator import inputs
from simulator.claims import parse_jwks
from simulator.errors import AwsError, RolesimError, UsageError
from simulator.live.session import is_loopback

TIMEOUT = urllib3.Timeout(connect=5.0, read=10.0)
DEFAULT_MAX_AGE = 600.0  # seconds, when the issuer sends no Cache-Control max-age
MAX_AGE_CAP = 86_400.0  # a day, whatever the issuer says: keys rotate
_MAX_AGE = re.compile(r"max-age=(\d+)")


def is_url(value: str) -> bool:
    return value.lower().startswith(("https://", "http://"))


def check_jwks_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() == "https" and parts.hostname:
        return
    if parts.scheme.lower() == "http" and parts.hostname and is_loopback(parts.hostname):
        return
    raise UsageError(
        f"--jwks {url}: a key set is fetched over https only (plain http only from this "
        "machine): keys fetched in clear could be replaced with keys that verify forged tokens"
    )


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/rolesim/jwks` (default `~/.cache/rolesim/jwks`)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rolesim" / "jwks"


def fetch_jwks(
    url: str, *, cache: Path | None = None, now: float | None = None
) -> Mapping[str, Any]:
    """The key set at `url`: from the cache while it is fresh, else fetched (and cached)."""
    check_jwks_url(url)
    folder = cache if cache is not None else cache_dir()
    entry = folder / (hashlib.sha256(url.encode()).hexdigest() + ".json")
    moment = time.time() if now is None else now
    cached = _cached(entry, url, moment)
    if cached is not None:
        return parse_jwks(cached, url)
    text, max_age = _download(url)
    keys = parse_jwks(text, url)  # only a key set that parses is kept
    _store(entry, {"url": url, "expires": moment + max_age, "jwks": text})
    return keys


def _download(url: str) -> tuple[str, float]:
    http = urllib3.PoolManager(timeout=TIMEOUT, retries=urllib3.Retry(2, redirect=0))
    try:
        response = http.request("GET", url, preload_content=False, redirect=False)
    except urllib3.exceptions.HTTPError as exc:
        raise AwsError(f"--jwks {url}: cannot fetch the key set: {_reason(exc)}") from None
    try:
        if response.status != 200:
            raise AwsError(f"--jwks {url}: the issuer answered HTTP {response.status}")
        try:
            text = inputs.read_response(cast("IO[bytes]", response), url, inputs.JWKS)
        except urllib3.exceptions.HTTPError as exc:
            raise AwsError(f"--jwks {url}: cannot fetch the key set: {_reason(exc)}") from None
    finally:
        response.release_conn()
    return text, _max_age(response.headers.get("Cache-Control", ""))


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc.__class__.__name__)


def _max_age(header: str) -> float:
    found = _MAX_AGE.search(header.lower())
    if "no-store" in header.lower() or "no-cache" in header.lower():
        return 0.0
    return min(float(found.group(1)), MAX_AGE_CAP) if found else DEFAULT_MAX_AGE


def _cached(entry: Path, url: str, now: float) -> str | None:
    try:
        data = json.loads(inputs.read_text(entry, inputs.JWKS))
    except (OSError, ValueError, RolesimError):
        return None  # absent or damaged: fetch again
    if not isinstance(data, dict) or data.get("url") != url:
        return None
    expires, text = data.get("expires"), data.get("jwks")
    if not isinstance(expires, int | float) or not isinstance(text, str) or expires <= now:
        return None
    return text


def _store(entry: Path, data: dict[str, Any]) -> None:
    """Written beside itself and renamed, so a reader never sees half an entry; a cache that
    cannot be written is only slower."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".jwks.", dir=entry.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(temp, entry)
    except OSError:
        return
