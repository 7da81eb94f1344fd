"""Pure parts of the live path: role ARNs from assumed-role ARNs, OpenID token claims, redaction."""

from __future__ import annotations

import logging

import jwt
import pytest

from simulator.live.flows import read_openid_token, role_arn_for
from simulator.live.redact import Redactor, fingerprint, guarded_logging

ADMIN = "arn:aws:iam::111122223333:role/app/admins/Admin"


def test_the_role_path_comes_back_from_the_configuration() -> None:
    # cognito-semantics §7: the assumed-role ARN carries the role name without its path.
    assumed = "arn:aws:sts::111122223333:assumed-role/Admin/CognitoIdentityCredentials"
    assert role_arn_for(assumed, ["arn:aws:iam::111122223333:role/Auth", ADMIN]) == (ADMIN, None)


def test_a_role_in_another_account_is_not_confused() -> None:
    assumed = "arn:aws:sts::999999999999:assumed-role/Admin/CognitoIdentityCredentials"
    arn, note = role_arn_for(assumed, [ADMIN])
    assert arn == "arn:aws:iam::999999999999:role/Admin"
    assert note is not None
    assert "path is unknown" in note


def test_a_caller_that_is_not_an_assumed_role_is_said_so() -> None:
    arn, note = role_arn_for("arn:aws:iam::111122223333:user/bob", [ADMIN])
    assert arn is None
    assert note is not None


def test_tags_and_amr_from_an_openid_token() -> None:
    token = jwt.encode(
        {
            "amr": ["authenticated", "accounts.google.com"],
            "https://aws.amazon.com/tags": {"principal_tags": {"dept": ["eng"], "user": ["u1"]}},
        },
        "k" * 32,
        algorithm="HS256",
    )
    assert read_openid_token(token) == (
        {"dept": "eng", "user": "u1"},
        ("authenticated", "accounts.google.com"),
    )


def test_no_tags_claim_means_no_tags() -> None:
    token = jwt.encode({"amr": ["unauthenticated"]}, "k" * 32, algorithm="HS256")
    assert read_openid_token(token) == ({}, ("unauthenticated",))


def test_a_fingerprint_shows_no_more_than_the_jwt_header_opening() -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.payload.signature"
    shown = fingerprint(token)
    assert shown.startswith("eyJh…(sha256:")
    assert len(shown) == len("eyJh…(sha256:12345678)")
    assert fingerprint("hunter2-password").startswith("…(sha256:")


def test_scrub_replaces_every_registered_secret() -> None:
    redactor = Redactor(["AKIASECRETKEY1", "a-session-token-value"])
    text = redactor.scrub("key AKIASECRETKEY1 token a-session-token-value end")
    assert "AKIASECRETKEY1" not in text
    assert "a-session-token-value" not in text
    assert text.startswith("key [redacted …(sha256:")


def test_guarded_logging_scrubs_records_and_quiets_wire_loggers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    redactor = Redactor(["the-secret-token"])
    with guarded_logging(redactor):
        logging.getLogger("simulator.live").warning("got %s", "the-secret-token")
        logging.getLogger("botocore.endpoint").debug("body the-secret-token")
        assert logging.getLogger("botocore").getEffectiveLevel() >= logging.INFO
    assert "the-secret-token" not in caplog.text
    assert "got [redacted" in caplog.text
    assert "body" not in caplog.text
