"""What the scrubber recognises without being told: every form in which botocore and the AWS APIs
write a credential, a token or a signature (see test_secrets.py for whole runs)."""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from simulator.live.redact import Redactor, guarded_logging, scrub_text

KEY_ID = "ASIAQWERTYUIOPASDFGH"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6+token/example=="
SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlY3JldA"

# How each appears in botocore's DEBUG log, in AWS response bodies or in a config file.
FORMS = {
    "authorization header": f"'Authorization': b'AWS4-HMAC-SHA256 Credential={KEY_ID}/20240101/"
    f"us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature={SIGNATURE}'",
    "security token header": f"{{'X-Amz-Security-Token': b'{TOKEN}', 'X-Amz-Date': b'2024'}}",
    "canonical request": f"host:sts.amazonaws.com\nx-amz-security-token:{TOKEN}\n",
    "signature line": f"Signature:\n{SIGNATURE}",
    "presigned url": f"https://b.s3.amazonaws.com/k?X-Amz-Credential={quote(KEY_ID + '/2024/x')}"
    f"&X-Amz-Security-Token={quote(TOKEN, safe='')}&X-Amz-Signature={SIGNATURE}",
    "json body": f'{{"Credentials": {{"AccessKeyId": "{KEY_ID}", "SecretKey": "{SECRET}", '
    f'"SessionToken": "{TOKEN}"}}, "IdentityId": "us-east-1:1"}}',
    "xml body": f"<Credentials><AccessKeyId>{KEY_ID}</AccessKeyId><SecretAccessKey>{SECRET}"
    f"</SecretAccessKey><SessionToken>{TOKEN}</SessionToken></Credentials>",
    "python repr": f"{{'Logins': {{'cognito-idp.us-east-1.amazonaws.com/us-east-1_X': '{JWT}'}}, "
    f"'WebIdentityToken': '{JWT}'}}",
    "auth parameters": "{'AuthParameters': {'USERNAME': 'alice', 'PASSWORD': 'Corr3ct-Horse'}}",
    "config file": f"aws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    f"aws_session_token = {TOKEN}",
}  # fmt: skip
SECRETS = (KEY_ID, SECRET, TOKEN, SIGNATURE, JWT, "Corr3ct-Horse")


@pytest.mark.parametrize("form", FORMS)
def test_credentials_nobody_registered_are_scrubbed_in_every_form(form: str) -> None:
    text = scrub_text(FORMS[form])
    for secret in SECRETS:
        assert secret not in text
        assert quote(secret, safe="") not in text
    assert "[redacted " in text


def test_ordinary_text_is_left_alone() -> None:
    text = (
        "GetId in us-east-1: identity us-east-1:99999999-8888-7777-6666-555555555555 assumed "
        "arn:aws:iam::111122223333:role/app/PoolEngineeringReadWriteAccessForAllDepartments; "
        "NotAuthorizedException: Token is not from a supported provider of this identity pool; "
        "AROAEXAMPLEID:rolesim-verify; NextToken: abc123; Credentials.AccessKeyId: expected a "
        "string; --username needs a password: pipe it with --password-stdin"
    )
    assert scrub_text(text) == text


def test_scrubbing_twice_keeps_the_fingerprints() -> None:
    once = scrub_text(FORMS["json body"])
    assert scrub_text(once) == once


_TOKEN_TEXT = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-", min_size=8,
    max_size=400,
)  # fmt: skip
_NAMES = ["AccessKeyId", "SecretKey", "SecretAccessKey", "SessionToken", "Token", "IdToken",
          "RefreshToken", "X-Amz-Security-Token", "x-amz-signature", "PASSWORD"]  # fmt: skip
_SHAPES = ['"{n}": "{v}"', "'{n}': b'{v}'", "<{n}>{v}</{n}>", "{n}={v}&x=1", "{n}:{v}\n"]


@given(_TOKEN_TEXT, st.sampled_from(_NAMES), st.sampled_from(_SHAPES), st.text(max_size=20))
def test_a_named_secret_never_survives_whatever_its_value(
    value: str, name: str, shape: str, around: str
) -> None:
    # The name stands as a word (NextToken is not Token), whatever text is around it.
    assume(value not in around + shape.format(n=name, v=""))
    assert value not in scrub_text(f"{around} {shape.format(n=name, v=value)} {around}")


@given(st.lists(_TOKEN_TEXT, min_size=1, max_size=5), st.text(max_size=50))
def test_a_registered_secret_never_survives_raw_or_url_encoded(
    secrets: list[str], around: str
) -> None:
    redactor = Redactor(secrets)
    for secret in secrets:
        for form in (secret, quote(secret, safe="")):
            assume(form not in around)
            assert form not in redactor.scrub(around + form + around)


def test_a_record_that_cannot_be_formatted_is_not_shown_raw(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with guarded_logging(Redactor([SECRET])):
        logging.getLogger("simulator.live").warning("%s %s", SECRET)  # noqa: PLE1206 - on purpose
        try:
            raise ValueError(f"bad {TOKEN}")
        except ValueError:
            logging.getLogger("simulator.live").exception("failed")
    assert SECRET not in caplog.text
    assert TOKEN not in caplog.text
    assert "cannot be formatted" in caplog.text
