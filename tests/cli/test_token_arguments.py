"""Tokens on the command line (issue: fail closed, item 1): a token pasted where a file is expected is
refused without being echoed (its fingerprint is shown); decoded claims written inline are accepted,
as `--help` and the README say; and a verified token says which key and issuer verified it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.claims import fingerprint
from tests.conftest import run_cli

POOL = "rules/pool.yaml"
TOKEN_FILE = "examples/tokens/admin.jwt"
ADMIN = "arn:aws:iam::111122223333:role/PoolAdmin"


@pytest.fixture(autouse=True)
def _in_repo(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)


def _token() -> str:
    return Path(TOKEN_FILE).read_text().strip()


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "-c", POOL, "--claims", "{token}"],
        ["simulate", "-c", POOL, "--claims", "{token}\n"],
        ["verify", "-c", POOL, "--id-token", "{token}"],
        ["simulate", "-c", POOL, "--claims", "EAAGm0PX4ZCpsBAKZBxZBZAzqQzPqvN1oF3wMZAZCh5Yq1Ac2"],
    ],
)
def test_a_pasted_token_is_refused_and_never_echoed(args: list[str]) -> None:
    token = _token()
    r = run_cli([a.replace("{token}", token) for a in args])
    assert r.code == 2
    pasted = args[-1].replace("{token}", token).strip()
    assert pasted not in r.stderr
    assert pasted not in r.stdout
    assert pasted[:20] not in r.stderr
    assert fingerprint(pasted) in r.stderr
    assert "not taken on the command line" in r.stderr


def test_the_same_token_from_a_file_or_stdin_is_read() -> None:
    from_file = run_cli(["simulate", "-c", POOL, "--claims", TOKEN_FILE, "-f", "json"])
    from_stdin = run_cli(["simulate", "-c", POOL, "--claims", "-", "-f", "json"], stdin=_token())
    assert from_file.json()["role_arn"] == from_stdin.json()["role_arn"] == ADMIN


def test_claims_json_written_inline_is_accepted_as_help_says() -> None:
    claims = json.loads(Path("examples/claims/admin.json").read_text())
    r = run_cli(["simulate", "-c", POOL, "--claims", json.dumps(claims), "-f", "json"])
    assert r.code == 0, r.stderr
    assert r.json()["role_arn"] == ADMIN
    assert r.json()["token"]["kind"] == "claims"
    assert "inline" in run_cli(["simulate", "--help"]).stdout


def test_an_inline_initiate_auth_response_holds_tokens_and_is_refused_unechoed() -> None:
    response = json.dumps({"AuthenticationResult": {"IdToken": _token()}})
    r = run_cli(["simulate", "-c", POOL, "--claims", response])
    assert r.code == 2
    assert _token()[:20] not in r.stderr
    assert "holds tokens, which are secrets" in r.stderr


def test_a_missing_file_with_a_file_name_is_named() -> None:
    r = run_cli(["simulate", "-c", POOL, "--claims", "claims/no-such-file.json"])
    assert r.code == 2
    assert "claims/no-such-file.json: file not found" in r.stderr


def test_a_verified_token_says_which_key_and_issuer_verified_it() -> None:
    args = ["simulate", "-c", POOL, "--claims", TOKEN_FILE, "--jwks", "examples/tokens/jwks.json"]
    out = run_cli([*args, "-f", "json"]).json()["token"]
    assert out["verified"] is True
    kid = json.loads(Path("examples/tokens/jwks.json").read_text())["keys"][0]["kid"]
    issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
    assert out["verified_by"] == {"issuer": issuer, "key_id": kid, "algorithm": "RS256"}
    text = run_cli(args).stdout
    assert f"verified against the JWKS: key {kid} (RS256), issuer {issuer}" in text
