"""`rolesim verify` end to end on the moto test bed (issue 5).

Each test records what "AWS" answers for a login (the test bed's outcome table), then checks
that verify reports a match when rolesim's prediction agrees, and a mismatch when it does not.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.testbed.fixtures import bed, testbed, testbed_server
from tests.testbed.outcomes import LoginKey, Outcome
from tests.testbed.scenarios import PASSWORD, build
from tests.testbed.server import Testbed

__all__ = ["bed", "testbed", "testbed_server"]

AMBIGUOUS_DENY = "The ambiguous role mapping rules for: {} denied this request."


def verify(bed: Testbed, config: Path, *args: str, stdin: str = "") -> tuple[int, dict, str]:  # type: ignore[type-arg]
    result = run_cli(
        [
            "verify",
            "--config",
            config,
            "--endpoint-url",
            bed.endpoint_url,
            "--format",
            "json",
            *args,
        ],
        stdin=stdin,
    )
    data = result.json() if result.stdout.strip() else {}
    return result.code, data, result.stderr


def test_rule_match_reports_the_role_with_its_path(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, mapping_type="Rules")
    bed.ledger.record(s.pool_id, s.login("alice"), Outcome.issued(s.roles["admin"]))
    code, report, _ = verify(
        bed, s.write_config(tmp_path), "--id-token", s.write_token(tmp_path, "alice")
    )
    assert code == 0, report
    assert report["match"] is True
    assert report["predicted"]["decided_by"] == {"kind": "rule", "rule_index": 0}
    # The assumed-role ARN drops the path; verify restores it from the configuration.
    assert report["live"]["role_arn"] == s.roles["admin"]
    assert "/app/admins/" in report["live"]["role_arn"]
    assert report["live"]["assumed_role_arn"].endswith(
        f"assumed-role/{s.roles['admin'].rsplit('/', 1)[1]}/CognitoIdentityCredentials"
    )
    assert report["differences"] == []


def test_ambiguous_deny_matches_the_refusal(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, mapping_type="Rules", ambiguous="Deny")
    message = AMBIGUOUS_DENY.format(s.user_pool.provider_name)
    bed.ledger.record(s.pool_id, s.login("bob"), Outcome.refused("NotAuthorizedException", message))
    code, report, _ = verify(
        bed, s.write_config(tmp_path), "--id-token", s.write_token(tmp_path, "bob")
    )
    assert code == 0, report
    assert report["predicted"]["decided_by"]["kind"] == "ambiguous_deny"
    assert report["live"]["role_arn"] is None
    assert report["live"]["error"]["code"] == "NotAuthorizedException"
    assert report["live"]["error"]["operation"] == "GetCredentialsForIdentity"


def test_token_type_uses_the_preferred_role(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, mapping_type="Token", ambiguous="AuthenticatedRole")
    bed.ledger.record(s.pool_id, s.login("carol"), Outcome.issued(s.roles["editor"]))
    code, report, _ = verify(
        bed, s.write_config(tmp_path), "--id-token", s.write_token(tmp_path, "carol")
    )
    assert code == 0, report
    assert report["predicted"]["decided_by"]["kind"] == "token_preferred_role"
    assert report["live"]["role_arn"] == s.roles["editor"]


def test_guest_identity_gets_the_unauthenticated_role(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, allow_guests=True, allow_classic_flow=True)
    bed.ledger.record(s.pool_id, LoginKey.guest(), Outcome.issued(s.roles["guest"]))
    code, report, _ = verify(bed, s.write_config(tmp_path), "--unauthenticated")
    assert code == 0, report
    assert report["predicted"]["decided_by"]["kind"] == "unauthenticated"
    assert report["live"]["role_arn"] == s.roles["guest"]
    assert report["live"]["amr"] == ["unauthenticated"]
    assert report["token"] is None


def test_guest_refused_when_the_pool_disallows_guests(bed: Testbed, tmp_path: Path) -> None:
    # Nothing recorded: the test bed refuses by plain service behaviour, before any outcome.
    s = build(bed, allow_guests=False)
    code, report, _ = verify(bed, s.write_config(tmp_path), "--unauthenticated")
    assert code == 0, report
    assert report["live"]["error"]["code"] == "NotAuthorizedException"
    assert report["live"]["error"]["operation"] == "GetId"
    assert report["predicted"]["error"]["code"] == "NotAuthorizedException"


def test_principal_tags_are_observed_and_compared(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, allow_classic_flow=True, tag_map={"department": "custom:department"})
    bed.ledger.record(
        s.pool_id, s.login("dave"), Outcome.issued(s.roles["auth"], {"department": "eng"})
    )
    code, report, _ = verify(
        bed, s.write_config(tmp_path), "--id-token", s.write_token(tmp_path, "dave")
    )
    assert code == 0, report
    assert report["predicted"]["principal_tags"] == {"department": "eng"}
    assert report["live"]["principal_tags"] == {"department": "eng"}
    assert report["live"]["amr"][:2] == ["authenticated", s.user_pool.provider_name]


def test_tags_unobservable_is_said_plainly(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, mapping_type="Rules")
    bed.ledger.record(s.pool_id, s.login("alice"), Outcome.issued(s.roles["admin"]))
    code, report, _ = verify(
        bed, s.write_config(tmp_path), "--id-token", s.write_token(tmp_path, "alice")
    )
    assert code == 0
    assert report["live"]["principal_tags"] is None
    assert any("cannot be observed" in note for note in report["live"]["notes"])


def test_a_different_role_is_a_mismatch(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, mapping_type="Rules")
    # AWS (as recorded) handed alice the default role; rolesim predicts the rule's Admin role.
    bed.ledger.record(s.pool_id, s.login("alice"), Outcome.issued(s.roles["auth"]))
    code, report, stderr = verify(
        bed, s.write_config(tmp_path), "--id-token", s.write_token(tmp_path, "alice")
    )
    assert code == 1
    assert report["match"] is False
    assert report["differences"] == [
        f"role: predicted {s.roles['admin']}, AWS issued {s.roles['auth']}"
    ]
    assert "differ" in stderr


def test_a_refusal_where_credentials_were_predicted_is_a_mismatch(
    bed: Testbed, tmp_path: Path
) -> None:
    s = build(bed, mapping_type="Rules")
    bed.ledger.record(
        s.pool_id,
        s.login("alice"),
        Outcome.refused(
            "InvalidIdentityPoolConfigurationException",
            "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
        ),
    )
    code, report, _ = verify(
        bed, s.write_config(tmp_path), "--id-token", s.write_token(tmp_path, "alice")
    )
    assert code == 1
    assert "AWS refused: InvalidIdentityPoolConfigurationException" in report["differences"][0]


def test_different_session_tags_are_a_mismatch(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, allow_classic_flow=True, tag_map={"department": "custom:department"})
    bed.ledger.record(
        s.pool_id, s.login("dave"), Outcome.issued(s.roles["auth"], {"department": "sales"})
    )
    code, report, _ = verify(
        bed, s.write_config(tmp_path), "--id-token", s.write_token(tmp_path, "dave")
    )
    assert code == 1
    assert report["differences"] == [
        "session tag 'department': predicted 'eng', AWS passed 'sales'"
    ]


def test_basic_flow_assumes_the_role_the_app_asks_for(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, allow_classic_flow=True)
    bed.ledger.record(s.pool_id, s.login("bob"), Outcome.issued(s.roles["auth"]))
    bed.ledger.record(
        s.pool_id,
        s.login("bob"),
        Outcome.issued(s.roles["viewer"]),
        flow="basic",
        requested_role_arn=s.roles["viewer"],
    )
    code, report, _ = verify(
        bed,
        s.write_config(tmp_path),
        "--id-token",
        s.write_token(tmp_path, "bob"),
        "--flow",
        "basic",
        "--role-arn",
        s.roles["viewer"],
    )
    assert code == 0, report
    assert report["live"]["role_arn"] == s.roles["viewer"]
    assert report["live"]["assumed_role_arn"].endswith("/rolesim-verify")


def test_basic_flow_refused_when_classic_flow_is_off(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, allow_classic_flow=False)
    code, report, _ = verify(
        bed,
        s.write_config(tmp_path),
        "--id-token",
        s.write_token(tmp_path, "bob"),
        "--flow",
        "basic",
        "--role-arn",
        s.roles["viewer"],
    )
    assert code == 0, report
    assert report["live"]["error"]["code"] == "InvalidParameterException"
    assert report["live"]["error"]["operation"] == "GetOpenIdToken"


def test_several_tokens_make_one_report(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, mapping_type="Rules")
    bed.ledger.record(s.pool_id, s.login("alice"), Outcome.issued(s.roles["admin"]))
    bed.ledger.record(s.pool_id, s.login("carol"), Outcome.issued(s.roles["editor"]))
    code, report, _ = verify(
        bed,
        s.write_config(tmp_path),
        "--id-token",
        s.write_token(tmp_path, "alice"),
        "--id-token",
        s.write_token(tmp_path, "carol"),
    )
    # carol matches no rule: Deny predicted, but the record says Editor was issued.
    assert code == 1
    assert report["match"] is False
    assert [r["match"] for r in report["results"]] == [True, False]


def test_sign_in_with_password_from_stdin(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, mapping_type="Rules")
    bed.ledger.record(s.pool_id, s.login("alice"), Outcome.issued(s.roles["admin"]))
    code, report, _ = verify(
        bed,
        s.write_config(tmp_path),
        "--username",
        "alice",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 0, report
    assert report["login"] == "user alice"


def test_sign_in_with_password_from_the_environment(
    bed: Testbed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = build(bed, mapping_type="Rules")
    bed.ledger.record(s.pool_id, s.login("alice"), Outcome.issued(s.roles["admin"]))
    monkeypatch.setenv("ROLESIM_PASSWORD", PASSWORD)
    code, report, _ = verify(bed, s.write_config(tmp_path), "--username", "alice")
    assert code == 0, report


def test_client_without_password_auth_is_explained(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, mapping_type="Rules")
    srp_only, _ = s.user_pool.create_client("srp", password_auth=False)
    config = s.write_config(tmp_path)
    code, _, stderr = verify(
        bed, config, "--username", "alice", "--password-stdin", "--client-id", srp_only,
        stdin=PASSWORD,
    )  # fmt: skip
    assert code == 2
    assert "does not allow USER_PASSWORD_AUTH" in stderr


def test_password_is_never_a_flag() -> None:
    import typer

    from simulator.cli.app import app

    group = typer.main.get_command(app)
    with typer.Context(group) as ctx:
        verify_command = group.get_command(ctx, "verify")  # type: ignore[attr-defined]
    options = {opt for param in verify_command.params for opt in param.opts}
    assert "--password-stdin" in options
    assert not {"--password", "-p"} & options


def test_an_expired_token_is_bad_input(bed: Testbed, tmp_path: Path) -> None:
    import jwt

    s = build(bed, mapping_type="Rules")
    claims = jwt.decode(s.token("alice"), options={"verify_signature": False})
    stale = jwt.encode({**claims, "exp": 1_000_000_000}, "k" * 32, algorithm="HS256")
    token = tmp_path / "stale.jwt"
    token.write_text(stale, encoding="utf-8")
    code, _, stderr = verify(bed, s.write_config(tmp_path), "--id-token", token)
    assert code == 2
    assert "expired" in stderr


def test_an_answer_nobody_recorded_is_an_aws_error(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, mapping_type="Rules")
    code, _, stderr = verify(
        bed, s.write_config(tmp_path), "--id-token", s.write_token(tmp_path, "alice")
    )
    assert code == 3
    assert "no recorded enhanced outcome" in stderr


def test_text_report_names_the_difference(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, mapping_type="Rules")
    bed.ledger.record(s.pool_id, s.login("alice"), Outcome.issued(s.roles["auth"]))
    result = run_cli(
        [
            "verify", "--config", s.write_config(tmp_path), "--endpoint-url", bed.endpoint_url,
            "--id-token", s.write_token(tmp_path, "alice"),
        ]
    )  # fmt: skip
    assert result.code == 1
    assert "MISMATCH" in result.stdout
    assert re.search(rf"difference +role: predicted {re.escape(s.roles['admin'])}", result.stdout)


def test_verify_needs_no_aws_credentials_of_its_own(
    bed: Testbed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GetId, GetCredentialsForIdentity and GetOpenIdToken are unsigned; GetCallerIdentity is
    # signed with the credentials the pool just issued.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    s = build(bed, mapping_type="Rules")
    bed.ledger.record(s.pool_id, s.login("alice"), Outcome.issued(s.roles["admin"]))
    code, report, _ = verify(
        bed, s.write_config(tmp_path), "--id-token", s.write_token(tmp_path, "alice")
    )
    assert code == 0, report


def test_a_trust_policy_without_tag_session_is_predicted_and_matches_the_refusal(
    bed: Testbed, tmp_path: Path
) -> None:
    # [IAM-ST] without sts:TagSession the assume fails; Cognito answers
    # InvalidIdentityPoolConfigurationException [M], [OS]. The pool file carries the role's trust.
    s = build(bed, allow_classic_flow=True, tag_map={"department": "custom:department"})
    bed.ledger.record(
        s.pool_id,
        s.login("dave"),
        Outcome.refused(
            "InvalidIdentityPoolConfigurationException",
            "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
        ),
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": s.pool_id}},
            }
        ],
    }
    name = s.roles["auth"].rsplit("/", 1)[1]
    s.document["IamRoles"] = [
        {"RoleName": name, "Arn": s.roles["auth"], "Path": "/", "AssumeRolePolicyDocument": trust}
    ]
    code, report, _ = verify(
        bed, s.write_config(tmp_path), "--id-token", s.write_token(tmp_path, "dave")
    )
    assert code == 0, report
    assert report["predicted"]["error"]["code"] == "InvalidIdentityPoolConfigurationException"
    assert report["predicted"]["trust"]["failed_action"] == "sts:TagSession"
