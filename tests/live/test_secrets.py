"""Issue 5: credentials, tokens and passwords never appear in any output of any command.

Every command runs against the test bed, verbosely, with all log records captured; then every
secret the run involved (the password, each ID and OpenID token, each AccessKeyId, SecretKey and
SessionToken the test bed issued) is looked for in stdout, stderr, logs and written files.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import boto3
import pytest
from moto.cognitoidp.models import cognitoidp_backends
from moto.sts.models import sts_backends

from simulator.live.redact import WIRE_LOGGERS
from simulator.live.session import AwsClients, AwsSettings
from tests.conftest import run_cli
from tests.testbed.outcomes import LoginKey, Outcome
from tests.testbed.scenarios import PASSWORD, build
from tests.testbed.server import Testbed


def test_no_command_shows_a_secret(
    bed: Testbed, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    s = build(bed, allow_guests=True, allow_classic_flow=True, tag_map={"user": "sub"})
    dave, bob = s.login("dave"), s.login("bob")
    bed.ledger.record(
        s.pool_id, dave, Outcome.issued(s.roles["auth"], {"user": dave.subject or ""})
    )
    bed.ledger.record(s.pool_id, LoginKey.guest(), Outcome.issued(s.roles["guest"]))
    bed.ledger.record(
        s.pool_id, dave, Outcome.issued(s.roles["viewer"]), flow="basic",
        requested_role_arn=s.roles["viewer"],
    )  # fmt: skip
    config = s.write_config(tmp_path)
    token_file = s.write_token(tmp_path, "dave")
    report = tmp_path / "report.json"
    live = ["--config", config, "--endpoint-url", bed.endpoint_url]
    runs: list[tuple[list[object], str]] = [
        (["-vv", "verify", *live, "--id-token", token_file], ""),
        (["-vv", "verify", *live, "--id-token", token_file, "--format", "json", "-o", report], ""),
        (["-vv", "verify", *live, "--username", "dave", "--password-stdin"], PASSWORD + "\n"),
        (["-vv", "verify", *live, "--id-token", "-", "--flow", "basic",
          "--role-arn", s.roles["viewer"]], token_file.read_text()),
        (["-vv", "verify", *live, "--unauthenticated", "--format", "json"], ""),
        # bob has no recorded answer: the run fails with an AWS error, which must stay clean too.
        (["-vv", "verify", *live, "--id-token", s.write_token(tmp_path, "bob")], ""),
        # A wrong password: the message must not echo it.
        (["-vv", "verify", *live, "--username", "dave", "--password-stdin"], "Wr0ng-" + PASSWORD),
        (["-vv", "pull", "--identity-pool-id", s.pool_id, "--endpoint-url", bed.endpoint_url,
          "--with-iam"], ""),
    ]  # fmt: skip
    # Only what the commands log counts; the set-up above logged its own calls.
    caplog.clear()
    shown: list[str] = []
    codes = []
    for args, stdin in runs:
        result = run_cli([str(a) for a in args], stdin=stdin)
        codes.append(result.code)
        shown += [result.stdout, result.stderr]
    shown += [caplog.text, report.read_text()]
    assert codes == [0, 0, 0, 0, 0, 3, 2, 0], shown

    user_pool = cognitoidp_backends[bed.account_id][bed.region].user_pools[s.user_pool.id]
    secrets = {
        PASSWORD,
        "Wr0ng-" + PASSWORD,
        *user_pool.id_tokens,
        *user_pool.access_tokens,
        *bed.extension.issued_secrets,
    }
    # Enough secrets to make the check meaningful: 3 credential sets, OpenID tokens, ID tokens.
    assert len(bed.extension.issued_secrets) >= 12
    assert len(user_pool.id_tokens) >= 3
    assert bob.subject
    everything = "\n".join(shown)
    leaked = [secret[:12] + "…" for secret in secrets if secret in everything]
    assert leaked == []
    # The fingerprint is what a user sees instead of the token.
    assert "(sha256:" in everything


# -- the caller's own credentials ----------------------------------------------------------------

# Credentials of the shape AWS issues: a temporary key id, a 40-character secret, a session token.
CALLER = {
    "aws_access_key_id": "ASIAQWERTYUIOPASDFGH",
    "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY",
    "aws_session_token": "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6caller+token/"
    "example0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ==",
}


class _EveryRecord(logging.Handler):
    """A handler of the user's own, on the wire loggers themselves: it sees every record."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def every_record(caplog: pytest.LogCaptureFixture) -> Iterator[_EveryRecord]:
    caplog.set_level(logging.DEBUG)
    handler = _EveryRecord()
    loggers = [logging.getLogger(name) for name in ("", *WIRE_LOGGERS)]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def _leaks(secrets: set[str], shown: list[str]) -> list[str]:
    """Each secret found in full, as written or URL-encoded (query strings, form bodies)."""
    everything = "\n".join(shown)
    forms = {form for secret in secrets for form in (secret, quote(secret, safe=""))}
    return sorted(form[:12] + "…" for form in forms if form in everything)


def test_the_callers_session_credentials_never_show_even_in_the_wire_log(
    bed: Testbed,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    every_record: _EveryRecord,
) -> None:
    for name, value in CALLER.items():
        monkeypatch.setenv(name.upper(), value)
    s = build(bed, allow_guests=True, allow_classic_flow=True)
    bed.ledger.record(s.pool_id, LoginKey.guest(), Outcome.issued(s.roles["guest"]))
    config = s.write_config(tmp_path)
    pull = ["pull", "--identity-pool-id", s.pool_id, "--endpoint-url", bed.endpoint_url]
    caplog.clear()
    shown: list[str] = []
    for verbosity in ("-vv", "-vvv"):
        for args in (
            [verbosity, *pull, "--with-iam"],
            [verbosity, "verify", "--config", config, "--endpoint-url", bed.endpoint_url,
             "--unauthenticated"],
        ):  # fmt: skip
            result = run_cli(args)
            assert result.code == 0, result.stderr
            shown += [result.stdout, result.stderr]
    shown += [caplog.text, *every_record.lines]

    secrets = set(CALLER.values()) | set(bed.extension.issued_secrets)
    assert _leaks(secrets, shown) == []
    # -vvv let botocore's wire log through: signed requests and response bodies were logged.
    wire = "\n".join(every_record.lines)
    assert "botocore.auth DEBUG CanonicalRequest" in wire
    assert "x-amz-security-token:[redacted" in wire
    assert "Signature=[redacted" in wire or "Signature:\n[redacted" in wire


def _assumed_role_secrets(bed: Testbed) -> set[str]:
    backend = sts_backends[bed.account_id]["global"]
    return {
        secret
        for assumed in backend.assumed_roles
        for secret in (assumed.access_key_id, assumed.secret_access_key, assumed.session_token)
    }


def test_an_assume_role_profile_shows_neither_source_keys_nor_assumed_credentials(
    bed: Testbed,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    every_record: _EveryRecord,
) -> None:
    s = build(bed, allow_guests=True)
    deployer = bed.create_role("Deployer" + s.pool_id[-6:], trust={
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    })  # fmt: skip
    # A ~/.aws/config as a user writes it: the role to assume and the profile that assumes it.
    aws_config = tmp_path / "config"
    source = "\n".join(f"{key} = {value}" for key, value in CALLER.items())
    aws_config.write_text(
        f"[profile source]\n{source}\nregion = us-east-1\n\n"
        f"[profile deploy]\nrole_arn = {deployer}\nsource_profile = source\n"
        "role_session_name = rolesim-test\n",
        encoding="utf-8",
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_config))
    # The profile's own sts:AssumeRole goes to the test bed too.
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", bed.endpoint_url)
    before = _assumed_role_secrets(bed)
    args = ["pull", "--identity-pool-id", s.pool_id, "--endpoint-url", bed.endpoint_url,
            "--profile", "deploy", "--with-iam"]  # fmt: skip
    caplog.clear()
    result = run_cli(["-vvv", *args])
    assert result.code == 0, result.stderr
    shown = [result.stdout, result.stderr, caplog.text, *every_record.lines]
    # The real console script too: its stderr is where a CI log would pick the secrets up.
    process = subprocess.run(
        [sys.executable, "-m", "simulator", "-vvv", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr[-2000:]
    shown += [process.stdout, process.stderr]

    assumed = _assumed_role_secrets(bed) - before
    assert len(assumed) == 6  # two AssumeRole calls, one per run, each with its three secrets
    assert _leaks(assumed | set(CALLER.values()), shown) == []
    wire = "\n".join([*every_record.lines, process.stderr])
    assert "OperationModel(name=AssumeRole)" in wire
    assert "<SecretAccessKey>[redacted" in wire


def test_no_client_can_be_made_outside_the_guard() -> None:
    # The guard is entered by the one place that builds clients, so no command can forget it.
    clients = AwsClients(AwsSettings(), session=boto3.Session(region_name="us-east-1"))
    with pytest.raises(RuntimeError, match="outside"):
        clients.client("sts", "us-east-1")
    with clients:
        assert clients.client("sts", "us-east-1") is not None
