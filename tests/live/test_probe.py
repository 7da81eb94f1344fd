"""`rolesim probe` on the test bed: each experiment reads back what "AWS" was recorded to do.

The test bed's answers for the probe's throwaway pools come from a recorded behaviour table (one
choice per open question; tests/testbed/behaviour.py), never from rolesim's engine, so a probe that
misreads an answer, or an experiment whose set-up does not tell the choices apart, fails here.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from moto.cognitoidentity.models import cognitoidentity_backends
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool, cognitoidp_backends
from moto.iam.exceptions import DeleteConflictException, LimitExceededException
from moto.iam.models import IAMBackend, iam_backends

from simulator.live.probe import EXPERIMENTS, run_probe, select_experiments
from simulator.live.session import AwsClients, AwsSettings
from simulator.model.settled import load_settled
from tests.conftest import CliResult, run_cli
from tests.testbed.cognito_identity import IdentityPoolExtension, ServiceError
from tests.testbed.server import Testbed

# What the test bed's AWS does on each open question, unless a test says otherwise.
AWS = {
    "array-claim-match": "some-element",
    "case-sensitive-match": "sensitive",
    "scalar-claim-text": "json-text",
    "custom-role-arn-with-rules": "must-match-a-matching-rule",
    "custom-role-arn-without-mapping": "ignored",
    "custom-role-arn-deny-code": "NotAuthorizedException",
    "token-without-roles": "ambiguous-resolution",
    "classic-flow-default": "enabled",
    "rule-limit": "25",
    "default-tag-keys": "username-client",
    "multi-valued-tag-claim": "no-tag",
    "tag-value-charset": "fail",
}
# The other choice of each, as AWS might equally have shown it.
OTHER = {
    "array-claim-match": "json-text",
    "case-sensitive-match": "insensitive",
    "scalar-claim-text": "absent",
    "custom-role-arn-with-rules": "deny-if-unmatched",
    "custom-role-arn-without-mapping": "deny",
    "custom-role-arn-deny-code": "InvalidParameterException",
    "token-without-roles": "default-role",
    "classic-flow-default": "disabled",
    "rule-limit": "400",
    "default-tag-keys": "username-clientID",
    "multi-valued-tag-claim": "fail",
    "tag-value-charset": "drop",
}
# A third behaviour the test bed can show, which is neither choice.
NEITHER = {
    "array-claim-match": "comma-text",
    "scalar-claim-text": "python-text",
    "custom-role-arn-with-rules": "grant-any",
    "custom-role-arn-without-mapping": "grant-any",
    "custom-role-arn-deny-code": "ResourceConflictException",
    "multi-valued-tag-claim": "join",
    "tag-value-charset": "keep",
}
CASES = [(name, choice) for table in (AWS, OTHER) for name, choice in table.items()]


def _probe(bed: Testbed, tmp_path: Path, *args: object, stdin: str = "") -> CliResult:
    return run_cli(
        ["probe", "--endpoint-url", bed.endpoint_url, "-o", tmp_path / "settled.yaml",
         "--propagation-timeout", "0", *args],
        stdin=stdin,
    )  # fmt: skip


def _left(bed: Testbed) -> dict[str, list[str]]:
    """Every resource named as the probe's still in the test bed's account."""
    idp = cognitoidp_backends[bed.account_id][bed.region]
    identity = cognitoidentity_backends[bed.account_id][bed.region]
    iam = iam_backends[bed.account_id]["global"]
    return {
        "user pools": [
            p.name for p in idp.user_pools.values() if p.name.startswith("rolesim-probe-")
        ],
        "identity pools": [
            p.identity_pool_name
            for p in identity.identity_pools.values()
            if p.identity_pool_name.startswith("rolesim-probe-")
        ],
        "roles": [r.name for r in iam.roles.values() if r.path == "/rolesim-probe/"],
    }


NOTHING_LEFT = {"user pools": [], "identity pools": [], "roles": []}


@pytest.mark.parametrize(("name", "choice"), CASES)
def test_each_probe_settles_the_choice_aws_takes(
    bed: Testbed, tmp_path: Path, name: str, choice: str
) -> None:
    bed.ledger.behave(**{k.replace("-", "_"): v for k, v in {**AWS, name: choice}.items()})
    result = _probe(bed, tmp_path, "--yes", "--only", name, "--format", "json")
    assert result.code == 0, result.stderr
    settled = load_settled(tmp_path / "settled.yaml")
    assert [(str(s.name), s.choice) for s in settled.settled] == [(name, choice)]
    (entry,) = settled.settled
    assert entry.observation.region == bed.region
    assert entry.evidence, "the settled file says what was called and what AWS answered"
    assert result.json()["results"][0]["observed"] == choice
    assert _left(bed) == NOTHING_LEFT


@pytest.mark.parametrize(("name", "behaviour"), NEITHER.items())
def test_an_answer_that_fits_neither_choice_settles_nothing(
    bed: Testbed, tmp_path: Path, name: str, behaviour: str
) -> None:
    bed.ledger.behave(**{k.replace("-", "_"): v for k, v in {**AWS, name: behaviour}.items()})
    result = _probe(bed, tmp_path, "--yes", "--only", name)
    assert result.code == 0, result.stderr
    settled = load_settled(tmp_path / "settled.yaml")
    assert settled.settled == ()
    (inconclusive,) = settled.inconclusive
    assert str(inconclusive.name) == name
    assert "(inconclusive)" in result.stdout


def test_every_resource_is_named_and_tagged_and_roles_have_no_permissions(
    bed: Testbed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[tuple[str, str, Any]] = []
    _record(
        monkeypatch,
        IAMBackend,
        "create_role",
        made,
        "role",
        lambda a, k: (k.get("role_name") or a[0], k.get("tags") or a[5]),
    )
    _record(
        monkeypatch,
        CognitoIdpBackend,
        "create_user_pool",
        made,
        "user pool",
        lambda a, k: (a[0], a[1].get("UserPoolTags")),
    )
    for forbidden in ("put_role_policy", "attach_role_policy", "put_role_permissions_boundary"):
        monkeypatch.setattr(IAMBackend, forbidden, _forbidden(forbidden))
    bed.ledger.behave(**{k.replace("-", "_"): v for k, v in AWS.items()})
    result = _probe(bed, tmp_path, "--yes")
    assert result.code == 0, result.stderr
    run_id = load_settled(tmp_path / "settled.yaml").run_id
    assert run_id
    assert re.fullmatch(r"[0-9a-f]{8}", run_id)
    roles = [(name, tags) for kind, name, tags in made if kind == "role"]
    assert len(roles) >= len(EXPERIMENTS) * 2
    for name, tags in roles:
        assert name.startswith(f"rolesim-probe-{run_id}-")
        assert {"Key": "rolesim-probe", "Value": run_id} in tags
    assert [(n, t) for k, n, t in made if k == "user pool"] == [
        (f"rolesim-probe-{run_id}", {"rolesim-probe": run_id})
    ]
    assert len(load_settled(tmp_path / "settled.yaml").settled) == len(EXPERIMENTS)
    assert _left(bed) == NOTHING_LEFT


def _record(
    monkeypatch: pytest.MonkeyPatch,
    cls: type,
    method: str,
    into: list[tuple[str, str, Any]],
    kind: str,
    what: Callable[[tuple[Any, ...], dict[str, Any]], tuple[str, Any]],
) -> None:
    original = getattr(cls, method)

    def recording(self: Any, *args: Any, **kwargs: Any) -> Any:
        into.append((kind, *what(args, kwargs)))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, method, recording)


def _forbidden(name: str) -> Callable[..., Any]:
    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError(f"the probe must never call {name}: its roles have no permissions")

    return refuse


def _failing_after(
    original: Callable[..., Any], calls: int, error: Exception
) -> Callable[..., Any]:
    count = {"n": 0}

    def fail(self: Any, *args: Any, **kwargs: Any) -> Any:
        count["n"] += 1
        if count["n"] > calls:
            raise error
        return original(self, *args, **kwargs)

    return fail


def test_a_failure_in_the_middle_of_a_probe_deletes_everything_it_created(
    bed: Testbed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bed.ledger.behave(**{k.replace("-", "_"): v for k, v in AWS.items()})
    # "AWS" refuses the fifth role: by then a user pool, identity pools and roles exist.
    error = LimitExceededException("Cannot exceed quota for RolesPerAccount: 1000")
    monkeypatch.setattr(IAMBackend, "create_role", _failing_after(IAMBackend.create_role, 4, error))
    result = _probe(bed, tmp_path, "--yes")
    assert result.code == 3
    assert "RolesPerAccount" in result.stderr
    assert "everything it created was deleted" in result.stderr
    assert _left(bed) == NOTHING_LEFT
    assert not (tmp_path / "settled.yaml").exists()


def test_cleanup_finds_by_name_and_tag_what_a_run_left_and_deletes_it_only_with_yes(
    bed: Testbed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bed.ledger.behave(**{k.replace("-", "_"): v for k, v in AWS.items()})
    with monkeypatch.context() as patched:
        error = DeleteConflictException("Cannot delete entity, must detach all policies first.")
        patched.setattr(IAMBackend, "delete_role", _failing_after(IAMBackend.delete_role, 0, error))
        result = _probe(bed, tmp_path, "--yes", "--only", "case-sensitive-match")
    assert result.code == 3, result.stderr
    run_id = load_settled(tmp_path / "settled.yaml").run_id
    # The run id is said before anything is created, and again with what is left.
    assert result.stderr.startswith(f"rolesim: probe: run {run_id} in us-east-1")
    assert result.stderr.count(f"rolesim probe --cleanup {run_id} --yes") == 2
    left = _left(bed)
    assert len(left["roles"]) == 3
    assert left["identity pools"] == []
    # A role of the same name but without the run's tag is someone else's: never deleted.
    decoy = f"rolesim-probe-{run_id}-decoy"
    bed.client("iam").create_role(
        RoleName=decoy, Path="/rolesim-probe/", AssumeRolePolicyDocument="{}"
    )

    listed = _probe(bed, tmp_path, "--cleanup", run_id)
    assert listed.code == 0, listed.stderr
    assert "3 resource(s)" in listed.stdout
    assert "pass --yes" in listed.stdout
    assert len(_left(bed)["roles"]) == 4

    deleted = _probe(bed, tmp_path, "--cleanup", run_id, "--yes", "--format", "json")
    assert deleted.code == 0, deleted.stderr
    assert len(deleted.json()["deleted"]) == 3
    assert _left(bed)["roles"] == [decoy]
    again = _probe(bed, tmp_path, "--cleanup", run_id, "--yes")
    assert "nothing of this run is left" in again.stdout
    bed.client("iam").delete_role(RoleName=decoy)


@pytest.mark.parametrize("run_id", ["*", "", "1a2b3c4", "1A2B3C4D", "1a2b3c4d-"])
def test_cleanup_takes_only_a_run_id(bed: Testbed, tmp_path: Path, run_id: str) -> None:
    result = _probe(bed, tmp_path, "--cleanup", run_id, "--yes")
    assert result.code == 2
    assert "8 hex digits" in result.stderr


def test_a_dry_run_creates_nothing_and_lists_every_resource_call_and_permission(
    bed: Testbed, tmp_path: Path
) -> None:
    before = _left(bed)
    result = _probe(bed, tmp_path, "--dry-run", "--format", "json")
    assert result.code == 0, result.stderr
    assert _left(bed) == before
    assert not (tmp_path / "settled.yaml").exists()
    plan = result.json()
    calls = [c["call"] for c in plan["calls"]]
    assert calls[0] == "cognito-idp:CreateUserPool"
    assert calls[-1] == "cognito-idp:DeleteUserPool"
    assert calls.count("iam:CreateRole") == calls.count("iam:DeleteRole")
    assert calls.count("iam:CreateRole") == sum(r["kind"] == "IAM role" for r in plan["resources"])
    allowed = {a for s in plan["policy"]["Statement"] for a in s["Action"]}
    assert {c["permission"] for c in plan["calls"] if c["permission"]} <= allowed
    assert {"iam:PassRole", "iam:TagRole", "iam:ListRoles"} <= allowed
    assert not any(a.startswith(("iam:Put", "iam:Attach")) for a in allowed)
    assert set(plan["not_probed"]) >= {"saml-role-attribute", "saml-several-roles"}
    text = _probe(bed, tmp_path, "--dry-run").stdout
    assert "nothing is created" in text
    assert '"Version": "2012-10-17"' in text


def test_a_dry_run_calls_no_aws_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    # Nothing listens on port 9: a call would fail.
    result = run_cli(["probe", "--dry-run", "--endpoint-url", "http://127.0.0.1:9",
                      "--only", "rule-limit"])  # fmt: skip
    assert result.code == 0, result.stderr
    assert "arn:aws:cognito-identity:REGION:ACCOUNT:identitypool/*" in result.stdout


def test_without_yes_nothing_is_created(bed: Testbed, tmp_path: Path) -> None:
    result = _probe(bed, tmp_path)
    assert result.code == 2
    assert result.stdout == ""
    assert "--dry-run, then pass --yes" in result.stderr
    assert _left(bed) == NOTHING_LEFT


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("saml-role-attribute", "needs a SAML identity provider"),
        ("session-policies-combine", "no permissions at all"),
        ("missing-claim-no-match", "no alternative"),
        ("no-such-assumption", "not a named assumption"),
    ],
)
def test_only_refuses_what_cannot_be_probed_and_says_why(
    bed: Testbed, tmp_path: Path, name: str, why: str
) -> None:
    result = _probe(bed, tmp_path, "--dry-run", "--only", name)
    assert result.code == 2
    assert why in result.stderr


def test_a_second_run_keeps_what_it_did_not_probe(bed: Testbed, tmp_path: Path) -> None:
    bed.ledger.behave(**{k.replace("-", "_"): v for k, v in AWS.items()})
    assert _probe(bed, tmp_path, "--yes", "--only", "rule-limit").code == 0
    bed.ledger.behave(case_sensitive_match="insensitive")
    assert _probe(bed, tmp_path, "--yes", "--only", "case-sensitive-match").code == 0
    settled = load_settled(tmp_path / "settled.yaml")
    assert {(str(s.name), s.choice) for s in settled.settled} == {
        ("rule-limit", "25"),
        ("case-sensitive-match", "insensitive"),
    }


def test_settled_results_turn_uncertain_into_observed(
    bed: Testbed, tmp_path: Path, root: Path
) -> None:
    bed.ledger.behave(**{k.replace("-", "_"): v for k, v in AWS.items()})
    assert _probe(bed, tmp_path, "--yes", "--only", "case-sensitive-match").code == 0
    claims = json.loads((root / "examples/claims/engineer.json").read_text(encoding="utf-8"))
    claims["custom:department"] = "Engineering"
    claims_file = tmp_path / "claims.json"
    claims_file.write_text(json.dumps(claims), encoding="utf-8")
    out = run_cli(["simulate", "-c", root / "rules/pool.yaml", "--claims", claims_file,
                   "--assume-from", tmp_path / "settled.yaml", "-f", "json"]).json()  # fmt: skip
    (u,) = [u for u in out["uncertain"] if u["assumption"] == "case-sensitive-match"]
    assert u["basis"] == "observed"
    assert u["observed"]["region"] == bed.region


# -- propagation: a brand-new role is given time --------------------------------------------------


@pytest.fixture
def refused_at_first(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """GetCredentialsForIdentity answers as STS does before a new role has propagated, twice."""
    state = {"refusals": 2}
    original = IdentityPoolExtension.credentials

    def credentials(self: IdentityPoolExtension, *args: Any) -> dict[str, Any]:
        if state["refusals"] > 0:
            state["refusals"] -= 1
            raise ServiceError(
                "InvalidIdentityPoolConfigurationException",
                "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
            )
        return original(self, *args)

    monkeypatch.setattr(IdentityPoolExtension, "credentials", credentials)
    return state


def _library_run(bed: Testbed, propagation: float, slept: list[float]) -> Any:
    import datetime as dt

    settings = AwsSettings(region=bed.region, endpoint_url=bed.endpoint_url)
    with AwsClients(settings) as clients:
        return run_probe(
            clients, select_experiments(["case-sensitive-match"]), today=dt.date(2025, 6, 1),
            propagation=propagation, sleep=slept.append,
        )  # fmt: skip


def test_a_new_role_is_given_time_to_propagate(
    bed: Testbed, refused_at_first: dict[str, int]
) -> None:
    bed.ledger.behave(**{k.replace("-", "_"): v for k, v in AWS.items()})
    slept: list[float] = []
    report = _library_run(bed, 60.0, slept)
    assert [r.verdict.choice for r in report.results] == ["sensitive"]
    assert slept == [2.0, 4.0]
    assert refused_at_first["refusals"] == 0


def test_a_role_that_never_becomes_usable_settles_nothing(
    bed: Testbed, refused_at_first: dict[str, int]
) -> None:
    bed.ledger.behave(**{k.replace("-", "_"): v for k, v in AWS.items()})
    report = _library_run(bed, 0.0, [])
    (result,) = report.results
    assert result.verdict.choice is None
    assert "could not be assumed" in result.verdict.reason


# -- secrets -------------------------------------------------------------------------------------


def test_no_password_token_or_credential_shows_in_any_output_at_vvv(
    bed: Testbed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secrets: list[str] = []
    original_password = CognitoIdpBackend.admin_set_user_password

    def set_password(
        self: Any, pool_id: str, username: str, password: str, permanent: bool
    ) -> None:
        secrets.append(password)
        original_password(self, pool_id, username, password, permanent)

    monkeypatch.setattr(CognitoIdpBackend, "admin_set_user_password", set_password)
    for method in ("create_id_token", "create_access_token", "create_refresh_token"):
        monkeypatch.setattr(
            CognitoIdpUserPool, method, _keeping(getattr(CognitoIdpUserPool, method), secrets)
        )
    caplog.set_level(logging.DEBUG)
    bed.ledger.behave(**{k.replace("-", "_"): v for k, v in AWS.items()})
    start = len(bed.extension.issued_secrets)
    result = run_cli(["-vvv", "probe", "--yes", "--endpoint-url", bed.endpoint_url,
                      "-o", tmp_path / "settled.yaml", "--propagation-timeout", "0"])  # fmt: skip
    assert result.code == 0, result.stderr
    secrets += bed.extension.issued_secrets[start:]
    assert len(set(secrets)) > 30  # one password, tokens and credentials for every login
    shown = "\n".join(
        [result.stdout, result.stderr, caplog.text, (tmp_path / "settled.yaml").read_text()]
    )
    assert "probe: cognito-idp:AdminSetUserPassword" in shown  # the log was on
    assert [s[:10] + "…" for s in set(secrets) if s in shown] == []


def _keeping(original: Callable[..., Any], into: list[str]) -> Callable[..., Any]:
    def made(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        into.extend(v for v in result if isinstance(v, str) and len(v) > 8)
        return result

    return made
