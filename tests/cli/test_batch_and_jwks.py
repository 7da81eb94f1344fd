"""Batches that feel like batches (issue 12.4) and `--jwks URL` (issue 12.5)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from simulator.cli.common import Tally, batch_progress
from simulator.live.jwks import fetch_jwks
from tests.conftest import ROOT, run_cli

POOL = "rules/pool.yaml"
JWKS = (ROOT / "examples/tokens/jwks.json").read_bytes()


def test_a_corpus_writes_json_lines_and_a_summary_without_format(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    corpus = (
        '{"unauthenticated": true}\n{"iss": 1}\nnot json\n'
        + Path("examples/claims/admin.json").read_text().replace("\n", " ")
        + "\n"
    )
    r = run_cli(["simulate", POOL, "--claims-file", "-"], stdin=corpus)
    assert r.code == 2  # bad lines
    lines = r.lines()
    # [RBAC] a guest line is a guest: the unauthenticated role, never a mapping's.
    assert lines[0]["authenticated"] is False
    assert lines[0]["role_arn"] == "arn:aws:iam::111122223333:role/PoolGuest"
    assert "input_error" in lines[2]
    assert lines[3]["role_arn"].endswith("/PoolAdmin")
    summary = r.stderr.strip().splitlines()[-1]
    assert summary.startswith("rolesim: <stdin>: 4 lines in ")
    assert "decisions: 1 PoolAdmin, 1 PoolGuest" in summary
    assert summary.endswith("2 bad lines")
    assert run_cli(["simulate", POOL, "--claims-file", "-", "-f", "text"], stdin=corpus).code == 2


def test_a_guest_line_in_a_diff_corpus_is_replayed_as_a_guest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    changed = "tests/render/golden/inputs/pool-changed.yaml"  # guests no longer allowed
    r = run_cli(["diff", POOL, changed, "--claims-file", "-", "-f", "json"],
                stdin='{"unauthenticated": true}\n')  # fmt: skip
    assert r.code == 1
    guest = [c for c in r.json()["changes"] if c["provider"] == "unauthenticated"]
    assert guest[0]["corpus_lines"] == [1]


def test_the_summary_counts_outcomes_most_frequent_first() -> None:
    tally = Tally("corpus.jsonl", lines=5, bad=1)
    for outcome in ("PoolAuth", "NotAuthorizedException", "PoolAuth", "PoolAuth"):
        tally.add(outcome)
    assert tally.summary(seconds=2.0) == (
        "corpus.jsonl: 5 lines in 2.0 s, 2 lines/s; decisions: 3 PoolAuth, "
        "1 NotAuthorizedException; 1 bad line"
    )


def test_the_progress_bar_shows_lines_rate_and_eta_on_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(b"{}\n" * 50)
    out = Console(file=__import__("io").StringIO(), force_terminal=True, width=100)
    with path.open("rb") as handle, batch_progress(path, iter(handle), console=out) as lines:
        assert sum(1 for _ in lines) == 50
    shown = out.file.getvalue()  # type: ignore[attr-defined]
    assert "50 lines" in shown
    assert "corpus.jsonl" in shown


class _Issuer(http.server.BaseHTTPRequestHandler):
    body = JWKS
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "max-age=300")
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def issuer() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Issuer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Issuer.hits, _Issuer.body = 0, JWKS
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


def test_jwks_url_is_fetched_once_and_then_read_from_the_cache(
    issuer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    args = [
        "simulate",
        POOL,
        "--claims",
        "examples/tokens/admin.jwt",
        "--jwks",
        issuer,
        "-f",
        "json",
    ]
    first = run_cli(args)
    assert first.code == 0, first.stderr
    assert first.json()["token"]["verified"] is True
    assert run_cli(args).code == 0
    assert _Issuer.hits == 1  # max-age=300: the second run read the cache
    assert list((tmp_path / "rolesim" / "jwks").glob("*.json"))
    # Past max-age the key set is fetched again.
    fetch_jwks(issuer, cache=tmp_path / "rolesim" / "jwks", now=10**10)
    assert _Issuer.hits == 2


def test_jwks_url_refuses_plain_http_elsewhere_and_oversized_answers(
    issuer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    r = run_cli(["simulate", POOL, "--claims", "examples/tokens/admin.jwt",
                 "--jwks", "http://issuer.example/.well-known/jwks.json"])  # fmt: skip
    assert r.code == 2
    assert "https only" in r.stderr
    _Issuer.body = b'{"keys": [' + b'{"kty": "RSA"},' * 100_000 + b"{}]}"
    with pytest.raises(Exception, match="larger than 1 MiB"):
        fetch_jwks(issuer, cache=tmp_path)
    _Issuer.body = json.dumps({"not": "a key set"}).encode()
    with pytest.raises(Exception, match="'keys' list"):
        fetch_jwks(issuer, cache=tmp_path)
