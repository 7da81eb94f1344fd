"""Endpoints that are not what they claim: malformed URLs, answers of the wrong shape, plain http.

A malformed --endpoint-url is bad input (exit 2); an endpoint whose answers lack what the API
promises is an AWS-side failure (exit 3). Neither is ever a traceback. The answers come from a
tiny HTTP server on 127.0.0.1 that replies to each operation with what the test scripts.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from simulator.cli.exit_codes import ExitCode
from simulator.errors import UsageError
from simulator.live.session import AwsSettings
from tests.conftest import CliResult, run_cli

ROOT = Path(__file__).resolve().parents[2]
POOL = ROOT / "rules" / "pool.yaml"
POOL_ID = "us-east-1:11111111-2222-3333-4444-555555555555"
IDENTITY = "us-east-1:99999999-8888-7777-6666-555555555555"


@dataclass
class Scripted:
    """Replies per operation (the X-Amz-Target's last part); anything unscripted gets `{}`."""

    url: str
    replies: dict[str, tuple[int, Any]] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    state = Scripted("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            operation = (self.headers.get("X-Amz-Target") or "query").rpartition(".")[2]
            state.seen.append(operation)
            status, body = state.replies.get(operation, (200, {}))
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _dummy_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    # pull signs its calls; no real profile may be read.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def _guest(url: str, *extra: str) -> CliResult:
    return run_cli(["verify", "-c", str(POOL), "--unauthenticated", "--endpoint-url", url, *extra])


def _aws_side_failure(result: CliResult, *words: str) -> None:
    assert result.code == ExitCode.AWS_ERROR, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert "malformed response" in result.stderr
    for word in words:
        assert word in result.stderr


@pytest.mark.parametrize(
    "url",
    ["not a url", "ftp://example.com", "http://", "http://exa mple.com", "http://host:99999",
     "https://host/\n", "localhost:4566"],
)  # fmt: skip
def test_a_malformed_endpoint_url_is_bad_input(url: str) -> None:
    with pytest.raises(UsageError, match="--endpoint-url"):
        AwsSettings(endpoint_url=url)
    result = _guest(url)
    assert result.code == ExitCode.BAD_INPUT
    assert "Traceback" not in result.stderr


def test_an_endpoint_answering_200_empty_is_an_aws_side_failure(scripted: Scripted) -> None:
    _aws_side_failure(_guest(scripted.url), "GetId", "IdentityId is missing")
    pull = ["pull", "--identity-pool-id", POOL_ID, "--endpoint-url", scripted.url]
    _aws_side_failure(run_cli(pull), "DescribeIdentityPool", "IdentityPoolId is missing")


def test_missing_credentials_in_an_answer_are_an_aws_side_failure(scripted: Scripted) -> None:
    scripted.replies["GetId"] = (200, {"IdentityId": IDENTITY})
    scripted.replies["GetCredentialsForIdentity"] = (
        200, {"IdentityId": IDENTITY, "Credentials": {"AccessKeyId": "ASIAEXAMPLE"}},
    )  # fmt: skip
    _aws_side_failure(_guest(scripted.url), "Credentials.SecretKey")


_GOT_ID = {"IdentityId": IDENTITY}


@pytest.mark.parametrize(
    ("get_id", "credentials", "where"),
    [
        ({"IdentityId": 5}, {}, "IdentityId: expected a string, got a number"),
        # botocore's own parser trips on this one first.
        (_GOT_ID, {"Credentials": "keys"}, "GetCredentialsForIdentity"),
        (_GOT_ID, {"Credentials": {"AccessKeyId": ["A", "B"]}}, "AccessKeyId: expected a string"),
        (_GOT_ID, {"IdentityId": IDENTITY, "Credentials": {"SessionToken": {}}}, "SessionToken"),
        (_GOT_ID, {"Credentials": {"Expiration": True}}, "Credentials.Expiration"),
        (b"<html>not json</html>", {}, "the body is not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, {}, "GetId"),  # too deep for any JSON decoder
    ],
)
def test_an_answer_of_the_wrong_shape_is_an_aws_side_failure(
    scripted: Scripted, get_id: Any, credentials: Any, where: str
) -> None:
    scripted.replies["GetId"] = (200, get_id)
    scripted.replies["GetCredentialsForIdentity"] = (200, credentials)
    _aws_side_failure(_guest(scripted.url), where)


def test_a_pull_whose_answer_names_another_pool_is_refused(scripted: Scripted) -> None:
    other = {"IdentityPoolId": "us-east-1:00000000-0000-0000-0000-000000000000",
             "IdentityPoolName": "other", "AllowUnauthenticatedIdentities": False}  # fmt: skip
    scripted.replies["DescribeIdentityPool"] = (200, other)
    pull = ["pull", "--identity-pool-id", POOL_ID, "--endpoint-url", scripted.url]
    _aws_side_failure(run_cli(pull), "not " + POOL_ID)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(payload: bytes) -> str:
    """A JWT-shaped token with this payload and no signature."""
    return _b64(b'{"alg": "none"}') + "." + _b64(payload) + "."


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        _unsigned(b"not json"),
        _unsigned(b'{"https://aws.amazon.com/tags": "x"}'),
        _unsigned(b'{"https://aws.amazon.com/tags": {"principal_tags": ["x"]}}'),
        _unsigned(b'{"https://aws.amazon.com/tags": {"principal_tags": {"k": {"v": 1}}}}'),
    ],
)
def test_an_openid_token_that_is_not_a_jwt_is_an_aws_side_failure(
    scripted: Scripted, token: str
) -> None:
    # The enhanced flow was refused, so the tags are read from GetOpenIdToken's token alone.
    scripted.replies["GetId"] = (200, {"IdentityId": IDENTITY})
    scripted.replies["GetCredentialsForIdentity"] = (
        400, {"__type": "NotAuthorizedException", "message": "Unauthenticated access is not supported"},
    )  # fmt: skip
    scripted.replies["GetOpenIdToken"] = (200, {"IdentityId": IDENTITY, "Token": token})
    _aws_side_failure(_guest(scripted.url), "GetOpenIdToken")


def test_plain_http_to_another_host_is_refused_unless_allowed(scripted: Scripted) -> None:
    # 0.0.0.0 is not the loopback interface by name, though Linux connects it to this machine.
    remote = scripted.url.replace("127.0.0.1", "0.0.0.0")
    refused = _guest(remote)
    assert refused.code == ExitCode.BAD_INPUT
    assert "in clear" in refused.stderr
    assert "--allow-insecure-http" in refused.stderr
    assert scripted.seen == []  # nothing was sent
    allowed = _guest(remote, "--allow-insecure-http")
    assert "WARNING" in allowed.stderr
    assert "in clear" in allowed.stderr
    assert scripted.seen[0] == "GetId"
    pull = ["pull", "--identity-pool-id", POOL_ID, "--endpoint-url", remote]
    assert run_cli(pull).code == ExitCode.BAD_INPUT


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:4566", "http://localhost:4566", "http://[::1]:4566", "https://x.example"],
)
def test_loopback_http_and_any_https_need_no_option(url: str) -> None:
    assert not AwsSettings(endpoint_url=url).insecure_endpoint
