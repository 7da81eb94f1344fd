"""`rolesim policy eval` run in-process (CONTRACT §6 and §8)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult

Cli = Callable[..., CliResult]

OWN_PREFIX = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OwnPrefix",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*",
        }
    ],
}
DENY_TAG_KEYS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"ForAnyValue:StringEquals": {"k:keys": "bad"}},
        }
    ],
}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    own = tmp_path / "own.json"
    own.write_text(json.dumps(OWN_PREFIX))
    yaml_policy = tmp_path / "deny.yaml"
    yaml_policy.write_text(
        "Version: '2012-10-17'\nStatement:\n  - Effect: Deny\n    Action: '*'\n    Resource: '*'\n"
        "    Condition:\n      ForAnyValue:StringEquals:\n        k:keys: bad\n"
    )
    guest = tmp_path / "guest.json"
    guest.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}],
            }
        )
    )
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:*",
                        "Resource": "*",
                        "Condition": {"StringEqual": {"a": "b"}},
                    }
                ],
            }
        )
    )
    return {"own": own, "deny": yaml_policy, "guest": guest, "broken": broken}


def eval_args(*extra: Any) -> list[str]:
    return ["policy", "eval", *[str(x) for x in extra]]


def test_one_request_json(cli: Cli, files: dict[str, Path]) -> None:
    result = cli(eval_args(
        "--policy", files["own"], "--action", "s3:GetObject", "--resource", "arn:aws:s3:::bucket/red/k",
        "--context", "aws:PrincipalTag/team=red", "--format", "json",
    ))  # fmt: skip
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["decision"] == "allowed"
    assert data["matched"] == [
        {
            "policy": "own.json",
            "statement_index": 0,
            "sid": "OwnPrefix",
            "effect": "Allow",
            "kind": "identity",
        }
    ]


def test_a_deny_is_a_result_not_an_error(cli: Cli, files: dict[str, Path]) -> None:
    result = cli(eval_args(
        "--policy", files["own"], "--policy", files["deny"], "--action", "s3:GetObject",
        "--resource", "arn:aws:s3:::bucket/red/k", "--context", "aws:PrincipalTag/team=red",
        "--context", "k:keys=ok", "--context", "k:keys=bad", "-f", "json",
    ))  # fmt: skip
    assert result.code == 0
    assert result.json()["decision"] == "explicit_deny"


def test_session_policy_and_boundary_options(cli: Cli, files: dict[str, Path]) -> None:
    base = ["--policy", files["own"], "--action", "s3:GetObject", "--resource", "arn:aws:s3:::bucket/red/k",
            "--context", "aws:PrincipalTag/team=red", "-f", "json"]  # fmt: skip
    scoped = cli(eval_args(*base, "--session-policy", files["guest"])).json()
    assert scoped["decision"] == "implicit_deny"
    assert scoped["reason"] == "no session policy allows s3:GetObject"
    bounded = cli(eval_args(*base, "--permissions-boundary", files["guest"])).json()
    assert bounded["decision"] == "implicit_deny"


def test_text_output_names_decision_reason_and_statements(cli: Cli, files: dict[str, Path]) -> None:
    result = cli(eval_args(
        "--policy", files["own"], "--action", "s3:GetObject", "--resource", "arn:aws:s3:::bucket/red/k",
        "--context", "aws:PrincipalTag/team=red",
    ))  # fmt: skip
    assert result.code == 0
    assert "ALLOWED" in result.stdout
    assert "OwnPrefix" in result.stdout
    assert "reason:" in result.stdout


def test_output_file(cli: Cli, files: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    result = cli(
        eval_args(
            "--policy",
            files["own"],
            "-a",
            "s3:GetObject",
            "-r",
            "arn:aws:s3:::x/y",
            "-f",
            "json",
            "-o",
            target,
        )
    )
    assert result.code == 0
    assert result.stdout == ""
    assert json.loads(target.read_text())["decision"] == "implicit_deny"


def test_malformed_policy_exits_2_naming_file_and_path(cli: Cli, files: dict[str, Path]) -> None:
    result = cli(
        eval_args("--policy", files["broken"], "-a", "s3:GetObject", "-r", "arn:aws:s3:::x/y")
    )
    assert result.code == 2
    assert "broken.json" in result.stderr
    assert "Statement[0].Condition.StringEqual" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["-a", "s3:GetObject"],  # no resource
        ["-a", "s3:GetObject", "-r", "x", "--context", "novalue"],
        ["-a", "s3:GetObject", "-r", "x", "--assume", "no-such-assumption=x"],
        ["-a", "s3:GetObject", "-r", "x", "--requests", "r.jsonl"],
        ["-a", "s3:GetObject", "-r", "x", "--format", "sarif"],
    ],
)
def test_usage_errors_exit_2(cli: Cli, args: list[str]) -> None:
    result = cli(eval_args(*args))
    assert result.code == 2


def test_assume_switches_an_iam_assumption(cli: Cli, tmp_path: Path) -> None:
    multi = tmp_path / "multi.json"
    multi.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*", "Condition": {"StringLike": {"aws:TagKeys": "a*"}}}
    ]}))  # fmt: skip
    base = eval_args("--policy", multi, "-a", "ec2:CreateTags", "-r", "*", "--context", "aws:TagKeys=ab",
                     "--context", "aws:TagKeys=c", "-f", "json")  # fmt: skip
    default = cli(base).json()
    assert default["decision"] == "allowed"
    assert default["uncertain"][0]["assumption"] == "single-valued-operator-on-multivalued-key"
    switched = cli([*base, "--assume", "single-valued-operator-on-multivalued-key=no-match"]).json()
    assert switched["decision"] == "implicit_deny"


def test_requests_file_one_line_per_request_bad_lines_reported_and_exit_2(
    cli: Cli, tmp_path: Path
) -> None:
    lines = [
        {
            "policies": [OWN_PREFIX],
            "action": "s3:GetObject",
            "resource": "arn:aws:s3:::bucket/red/k",
            "context": {"aws:PrincipalTag/team": "red"},
        },
        "not json",
        {
            "policies": [OWN_PREFIX],
            "permissions_boundary": None,
            "session_policies": [],
            "action": "s3:GetObject",
            "resource": "arn:aws:s3:::bucket/blue/k",
            "context": {"aws:PrincipalTag/team": "red", "dynamodb:LeadingKeys": ["a", "b"]},
        },
        {"policies": [DENY_TAG_KEYS], "action": "s3:GetObject"},
        {
            "policies": [{"Statement": [{"Effect": "Nope"}]}],
            "action": "s3:GetObject",
            "resource": "x",
        },
    ]
    path = tmp_path / "requests.jsonl"
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    )
    result = cli(eval_args("--requests", path, "--format", "json"))
    assert result.code == 2
    out = result.lines()
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5]
    assert [o["decision"] for o in out] == ["allowed", None, "implicit_deny", None, None]
    assert f"{path}:2:" in result.stderr
    assert f"{path}:4: (top level): missing required field 'resource'" in result.stderr
    assert f"{path}:5:" in result.stderr
    assert "Effect must be" in result.stderr


def test_requests_file_all_good_exits_0_and_uses_command_line_policies(
    cli: Cli, files: dict[str, Path], tmp_path: Path
) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_text(json.dumps({"action": "s3:GetObject", "resource": "arn:aws:s3:::bucket/red/k",
                                "context": {"aws:PrincipalTag/team": "red"}}) + "\n")  # fmt: skip
    result = cli(eval_args("--policy", files["own"], "--requests", path, "-f", "json"))
    assert result.code == 0
    assert result.lines()[0]["decision"] == "allowed"


def test_resource_policy_with_principal_arn(
    cli: Cli, files: dict[str, Path], tmp_path: Path
) -> None:
    bucket = tmp_path / "bucket.json"
    session = "arn:aws:sts::111122223333:assumed-role/PoolAuth/CognitoIdentityCredentials"
    bucket.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": session}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}
    ]}))  # fmt: skip
    result = cli(eval_args(
        "--resource-policy", bucket, "--principal-arn", "arn:aws:iam::111122223333:role/PoolAuth",
        "--session-policy", files["guest"], "-a", "s3:GetObject", "-r", "arn:aws:s3:::bucket/k", "-f", "json",
    ))  # fmt: skip
    assert result.code == 0
    assert result.json()["decision"] == "allowed"


MARKED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "<unresolved: Fn::ImportValue 'SharedBucketArn'>/*",
        }
    ],
}


def test_an_undecidable_request_prints_unknown_and_exits_0(cli: Cli, tmp_path: Path) -> None:
    # policy eval reports; the gates (test, check, diff, lint) are what fail on unknown.
    marked = tmp_path / "marked.json"
    marked.write_text(json.dumps(MARKED))
    args = ["--policy", marked, "--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/k"]
    data = cli(eval_args(*args, "-f", "json"))
    assert data.code == 0, data.stderr
    assert data.json()["decision"] == "unknown"
    assert data.json()["unresolved"] == ["Fn::ImportValue 'SharedBucketArn'"]
    text = cli(eval_args(*args))
    assert text.code == 0
    assert "UNKNOWN" in text.stdout
    assert "Fn::ImportValue 'SharedBucketArn'" in text.stdout


def test_a_pattern_longer_than_any_policy_is_refused_with_its_path(
    cli: Cli, tmp_path: Path
) -> None:
    # IAM quotas: no policy holds more than 10,240 characters, so neither can one of its strings.
    long = tmp_path / "long.json"
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*" * 10_241}
    long.write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    result = cli(eval_args("--policy", long, "--action", "s3:GetObject", "--resource", "*"))
    assert result.code == 2
    assert "Statement[0].Resource" in result.stderr
    assert "10,240" in result.stderr
