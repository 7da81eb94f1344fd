"""Issue 5: credentials, tokens and passwords never appear in any output of any command.

Every command runs against the test bed, verbosely, with all log records captured; then every
secret the run involved (the password, each ID and OpenID token, each AccessKeyId, SecretKey and
SessionToken the test bed issued) is looked for in stdout, stderr, logs and written files.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from moto.cognitoidp.models import cognitoidp_backends

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
