"""`rolesim pull --users` on the test bed: a real population, one claims line per user [IDTOK].

The test bed's own ID tokens (moto's, with the groups' role claims and the standard attributes the
user pool writes) are the reference: each pulled line must hold the claims of the ID token that
user gets at sign-in, session claims aside.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import jwt
import pytest
from moto.cognitoidp.models import CognitoIdpBackend

from simulator.live.users import hash_sub, id_token_value
from tests.conftest import CliResult, run_cli
from tests.testbed.scenarios import PASSWORD, Scenario, build
from tests.testbed.server import Testbed

SESSION_CLAIMS = {"exp", "iat", "auth_time", "jti", "origin_jti", "event_id"}


def _pull(bed: Testbed, *args: object) -> CliResult:
    return run_cli(["pull", "--users", "--endpoint-url", bed.endpoint_url, *args])


def _by_username(result: CliResult) -> dict[str, dict[str, Any]]:
    return {line["cognito:username"]: line for line in result.lines()}


@pytest.fixture
def scenario(bed: Testbed) -> Scenario:
    s = build(bed, mapping_type="Rules", tag_map={"department": "custom:department"})
    s.user_pool.create_user(
        "erin", PASSWORD,
        attributes={"email": "erin@example.invalid", "email_verified": "true", "name": "Erin"},
        groups=("viewers",),
    )  # fmt: skip
    return s


def test_each_line_holds_the_claims_of_that_users_id_token(
    bed: Testbed, scenario: Scenario
) -> None:
    result = _pull(bed, "--user-pool-id", scenario.user_pool.id)
    assert result.code == 0, result.stderr
    pulled = _by_username(result)
    assert set(pulled) == {"alice", "bob", "carol", "dave", "erin"}
    for username, line in pulled.items():
        token = jwt.decode(scenario.token(username), options={"verify_signature": False})
        expected = {k: v for k, v in token.items() if k not in SESSION_CLAIMS}
        # The order in which a token lists groups and roles is the user pool's: compare as sets.
        for listed in ("cognito:groups", "cognito:roles"):
            assert sorted(line.pop(listed, [])) == sorted(expected.pop(listed, [])), username
        assert line == expected, username
    assert pulled["erin"]["email_verified"] is True
    assert "wrote 5 users" in result.stderr


def test_roles_come_from_group_precedence(bed: Testbed, scenario: Scenario) -> None:
    pulled = _by_username(_pull(bed, "--user-pool-id", scenario.user_pool.id))
    # [RBAC]/[GROUPS]: editors (precedence 1) win over viewers (5).
    assert pulled["carol"]["cognito:preferred_role"] == scenario.roles["editor"]
    assert sorted(pulled["carol"]["cognito:roles"]) == sorted(
        [scenario.roles["editor"], scenario.roles["viewer"]]
    )
    assert pulled["alice"]["cognito:roles"] == [scenario.roles["admin"]]
    assert "cognito:roles" not in pulled["bob"]
    assert "cognito:groups" not in pulled["bob"]


def test_only_read_claims_drops_what_the_pool_does_not_read_and_hashes_sub(
    bed: Testbed, scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = scenario.write_config(tmp_path)
    monkeypatch.setenv("ROLESIM_SUB_KEY", "team-secret")
    output = tmp_path / "users.jsonl"
    result = _pull(
        bed, "--user-pool-id", scenario.user_pool.id, "--only-read-claims", pool, "-o", output
    )
    assert result.code == 0, result.stderr
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    # The pool's rule reads cognito:groups and its tag map custom:department.
    for line in lines:
        assert set(line) <= {
            "iss",
            "aud",
            "token_use",
            "sub",
            "cognito:groups",
            "custom:department",
        }
    text = output.read_text()
    assert "erin@example.invalid" not in text
    assert "Erin" not in text
    assert scenario.user_pool.subject("dave") not in text
    subs = [line["sub"] for line in lines]
    assert len(set(subs)) == len(lines)
    assert hash_sub(scenario.user_pool.subject("dave"), b"team-secret") in subs
    assert "dropped: cognito:roles" in result.stderr.replace(
        "dropped: cognito:preferred_role, ", "dropped: "
    )
    # The same key gives the same lines; a line replays through the pool as the user would.
    again = _pull(bed, "--user-pool-id", scenario.user_pool.id, "--only-read-claims", pool)
    assert again.lines() == lines
    replay = run_cli(["simulate", "-c", pool, "--claims-file", output, "-f", "json"])
    assert replay.code == 0, replay.stderr
    roles = {r["role_arn"] for r in replay.lines()}
    assert scenario.roles["admin"] in roles


def test_without_a_key_the_hash_differs_per_run(
    bed: Testbed, scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ROLESIM_SUB_KEY", raising=False)
    pool = scenario.write_config(tmp_path)
    args = ["--user-pool-id", scenario.user_pool.id, "--only-read-claims", pool]
    first, second = ({line["sub"] for line in _pull(bed, *args).lines()} for _ in range(2))
    assert len(first) == 5
    assert first.isdisjoint(second)


def test_many_users_are_paginated_and_throttling_is_retried(
    bed: Testbed, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_pool = bed.create_user_pool("crowd", ("team",))
    user_pool.create_client()
    idp = bed.client("cognito-idp")
    for i in range(130):
        idp.admin_create_user(
            UserPoolId=user_pool.id, Username=f"user{i:03d}", MessageAction="SUPPRESS"
        )
    throttled = {"left": 2}
    original = CognitoIdpBackend.list_users

    def list_users(self: Any, *args: Any, **kwargs: Any) -> Any:
        if throttled["left"]:
            throttled["left"] -= 1
            from moto.core.exceptions import JsonRESTError

            raise JsonRESTError("TooManyRequestsException", "Rate exceeded")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(CognitoIdpBackend, "list_users", list_users)
    result = _pull(bed, "--user-pool-id", user_pool.id)
    assert result.code == 0, result.stderr
    assert len({line["cognito:username"] for line in result.lines()}) == 130
    assert throttled["left"] == 0


def test_users_who_cannot_sign_in_are_skipped_and_counted(bed: Testbed, scenario: Scenario) -> None:
    bed.client("cognito-idp").admin_disable_user(UserPoolId=scenario.user_pool.id, Username="bob")
    result = _pull(bed, "--user-pool-id", scenario.user_pool.id)
    assert "bob" not in _by_username(result)
    assert "1 disabled" in result.stderr


def test_the_client_is_the_identity_pools_when_the_user_pool_has_several(
    bed: Testbed, scenario: Scenario
) -> None:
    other, _ = scenario.user_pool.create_client("other")
    refused = _pull(bed, "--user-pool-id", scenario.user_pool.id)
    assert refused.code == 2
    assert "has 2 app clients" in refused.stderr
    assert refused.stdout == ""
    chosen = _pull(
        bed, "--user-pool-id", scenario.user_pool.id, "--identity-pool-id", scenario.pool_id
    )
    assert {line["aud"] for line in chosen.lines()} == {scenario.client_id}
    given = _pull(bed, "--user-pool-id", scenario.user_pool.id, "--client-id", other)
    assert {line["aud"] for line in given.lines()} == {other}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--users"], "--users needs --user-pool-id"),
        (["--users", "--user-pool-id", "not a pool"], "is not a user pool id"),
        (["--users", "--user-pool-id", "us-east-1_Example", "--with-iam"], "--with-iam"),
        (
            ["--users", "--user-pool-id", "us-east-1_Example", "--region", "eu-west-1"],
            "lives in us-east-1",
        ),
        (["--user-pool-id", "us-east-1_Example"], "give --identity-pool-id"),
        (
            ["--identity-pool-id", "us-east-1:1", "--client-id", "x"],
            "--client-id goes with --users",
        ),
    ],
)
def test_bad_options_are_usage_errors_before_any_output(args: list[str], message: str) -> None:
    result = run_cli(["pull", *args, "--endpoint-url", "http://127.0.0.1:9"])
    assert result.code == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_a_pool_file_that_does_not_take_this_user_pool_is_refused(
    bed: Testbed, scenario: Scenario, tmp_path: Path
) -> None:
    pool = tmp_path / "pool.json"
    document = {k: v for k, v in scenario.document.items() if k != "PrincipalTagAttributeMaps"}
    pool.write_text(json.dumps({**document, "CognitoIdentityProviders": [], "RoleMappings": {}}))
    result = _pull(bed, "--user-pool-id", scenario.user_pool.id, "--only-read-claims", pool)
    assert result.code == 2
    assert "does not accept tokens of" in result.stderr


def test_no_personal_value_or_secret_shows_on_stderr_or_the_log(
    bed: Testbed, scenario: Scenario, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pool = scenario.write_config(tmp_path)
    result = run_cli(["-vv", "pull", "--users", "--endpoint-url", bed.endpoint_url,
                      "--user-pool-id", scenario.user_pool.id, "--only-read-claims", pool])  # fmt: skip
    assert result.code == 0, result.stderr
    shown = "\n".join([result.stdout, result.stderr, caplog.text])
    assert "rolesim: INFO: " in result.stderr  # the log was on (botocore logs at INFO and up here)
    assert "erin@example.invalid" not in shown
    assert PASSWORD not in shown
    assert "testing" not in result.stderr  # the caller's (dummy) keys


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("email_verified", "true", True),
        ("phone_number_verified", "false", False),
        ("custom:level", "3", "3"),
        (
            "identities",
            '[{"providerName":"Google","primary":"true"}]',
            [{"providerName": "Google", "primary": "true"}],
        ),
        ("identities", "not json", "not json"),
    ],
)
def test_attributes_are_written_as_the_id_token_writes_them(
    name: str, value: str, expected: Any
) -> None:
    # [IDTOK]: custom attributes are strings; email_verified is a boolean; identities an array.
    assert id_token_value(name, value) == expected
