"""`rolesim simulate` as a user runs it: files in, text or JSON out, documented exit codes."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from simulator.parallel import max_jobs
from tests.conftest import run_cli

POOL = "rules/pool.yaml"
ADMIN = "arn:aws:iam::111122223333:role/PoolAdmin"
CONTRACT_FIELDS = {
    "identity_pool_id", "flow", "authenticated", "login_provider", "role_mapping_key", "role_arn",
    "decided_by", "principal_tags", "error", "uncertain",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _in_repo(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)


def test_json_output_carries_the_contract_fields() -> None:
    r = run_cli(
        ["simulate", "--config", POOL, "--claims", "examples/claims/admin.json", "--format", "json"]
    )
    assert r.code == 0, r.stderr
    out = r.json()
    assert set(out) >= CONTRACT_FIELDS
    assert out["role_arn"] == ADMIN
    assert out["decided_by"] == {"kind": "rule", "rule_index": 0}
    assert out["principal_tags"] == {"department": "engineering", "username": "alice"}
    assert (
        out["role_mapping_key"]
        == "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example:1example23456789"
    )


def test_text_output_explains_every_rule_and_the_decision() -> None:
    r = run_cli(["simulate", "--config", POOL, "--claims", "examples/claims/unverified.json"])
    assert r.code == 0  # a Deny outcome is a result, not an error (CONTRACT §8)
    assert "no match" in r.stdout
    assert "NotAuthorizedException" in r.stdout
    assert "The ambiguous role mapping rules for" in r.stdout


def test_a_guest_needs_no_claims() -> None:
    r = run_cli(["simulate", "--config", POOL, "--unauthenticated", "-f", "json"])
    assert r.json()["decided_by"] == {"kind": "unauthenticated"}


def test_claims_from_standard_input() -> None:
    claims = Path("examples/claims/engineer.json").read_text()
    r = run_cli(["simulate", "--config", POOL, "--claims", "-", "-f", "json"], stdin=claims)
    assert r.json()["role_arn"].endswith("PoolEngineering")


def _rsa_token(claims: dict[str, object], tmp_path: Path) -> tuple[str, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raw = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}))
    return raw, jwks


def test_a_raw_jwt_is_decoded_without_verification_and_says_so(tmp_path: Path) -> None:
    claims = json.loads(Path("examples/claims/admin.json").read_text())
    raw, _ = _rsa_token(claims, tmp_path)
    (tmp_path / "token.jwt").write_text(raw + "\n")
    r = run_cli(["simulate", "--config", POOL, "--claims", tmp_path / "token.jwt", "-f", "json"])
    out = r.json()
    assert out["role_arn"] == ADMIN
    assert out["token"]["kind"] == "jwt"
    assert out["token"]["verified"] is False
    assert any("without verification" in n for n in out["notes"])
    assert raw not in r.stdout  # the token itself is never printed


def test_jwks_verification_accepts_a_good_signature_and_rejects_a_tampered_one(
    tmp_path: Path,
) -> None:
    claims = {
        **json.loads(Path("examples/claims/admin.json").read_text()),
        "exp": int(time.time()) + 600,
        "iat": int(time.time()),
    }
    raw, jwks = _rsa_token(claims, tmp_path)
    (tmp_path / "t.jwt").write_text(raw)
    ok = run_cli(
        ["simulate", "--config", POOL, "--claims", tmp_path / "t.jwt", "--jwks", jwks, "-f", "json"]
    )
    assert ok.json()["token"]["verified"] is True
    header, payload, sig = raw.split(".")
    (tmp_path / "bad.jwt").write_text(f"{header}.{payload}.{sig[:-4]}AAAA")
    bad = run_cli(["simulate", "--config", POOL, "--claims", tmp_path / "bad.jwt", "--jwks", jwks])
    assert bad.code == 2
    assert "token rejected" in bad.stderr


def test_an_initiate_auth_response_is_read_for_its_id_token(tmp_path: Path) -> None:
    claims = json.loads(Path("examples/claims/admin.json").read_text())
    raw, _ = _rsa_token(claims, tmp_path)
    (tmp_path / "auth.json").write_text(
        json.dumps({"AuthenticationResult": {"IdToken": raw, "AccessToken": "x"}})
    )
    r = run_cli(["simulate", "--config", POOL, "--claims", tmp_path / "auth.json", "-f", "json"])
    assert r.json()["token"]["kind"] == "initiate-auth"


def test_batch_streams_one_line_per_input_and_reports_bad_lines(tmp_path: Path) -> None:
    admin = Path("examples/claims/admin.json").read_text().replace("\n", "")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(f'{admin}\nnot json\n{{"claims": null}}\n')
    r = run_cli(["simulate", "--config", POOL, "--claims-file", corpus, "--format", "json"])
    lines = r.lines()
    assert [line["line"] for line in lines] == [1, 2, 3]
    assert lines[0]["role_arn"] == ADMIN
    assert "input_error" in lines[1]
    assert lines[2]["decided_by"]["kind"] == "unauthenticated"
    assert f"{corpus}:2:" in r.stderr
    assert r.code == 2


def test_jobs_write_the_same_lines_in_the_same_order(tmp_path: Path) -> None:
    claims = json.loads(Path("examples/claims/admin.json").read_text())
    corpus = tmp_path / "corpus.jsonl"
    lines = [json.dumps({**claims, "sub": f"user-{i}"}) for i in range(3000)]
    lines[1500] = "not json"
    corpus.write_text("\n".join(lines) + "\n")
    args = ["simulate", "--config", POOL, "--claims-file", corpus, "--format", "json"]
    one, two = run_cli(args), run_cli([*args, "--jobs", "2"])
    assert two.stdout == one.stdout
    assert [line["line"] for line in two.lines()] == list(range(1, 3001))
    timing = re.compile(r" in [0-9.]+ s(, [0-9,]+ lines/s)?")
    assert timing.sub("", two.stderr) == timing.sub("", one.stderr)  # the same summary
    assert "3,000 lines" in two.stderr
    assert f"{corpus}:1501:" in two.stderr
    assert two.code == one.code == 2


def test_assume_switches_a_named_assumption(tmp_path: Path) -> None:
    claims = tmp_path / "c.json"
    claims.write_text(
        json.dumps(
            {
                **json.loads(Path("examples/claims/unverified.json").read_text()),
                "custom:department": "Engineering",
            }
        )
    )
    default = run_cli(["simulate", "-c", POOL, "--claims", claims, "-f", "json"]).json()
    assert default["error"]["code"] == "NotAuthorizedException"
    assert [u["assumption"] for u in default["uncertain"]] == ["case-sensitive-match"]
    switched = run_cli(
        [
            "simulate",
            "-c",
            POOL,
            "--claims",
            claims,
            "-f",
            "json",
            "--assume",
            "case-sensitive-match=insensitive",
        ]
    ).json()
    assert switched["role_arn"].endswith("PoolEngineering")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--claims", "examples/claims/admin.json", "--unauthenticated"], "exactly one of"),
        (["--claims", "missing.json"], "missing.json: file not found"),
        (["--claims", "examples/claims/admin.json", "--flow", "basic"], "--role-arn"),
        (["--claims", "examples/claims/admin.json", "--assume", "nope=1"], "unknown assumption"),
        (
            ["--claims", "examples/claims/admin.json", "--format", "sarif"],
            "'sarif' is not one of 'text', 'json'",
        ),
        (["--claims", "rules/invariants.yaml"], "rules/invariants.yaml: not a JWT"),
    ],
)
def test_bad_usage_exits_2_with_a_clear_message(args: list[str], message: str) -> None:
    r = run_cli(["simulate", "--config", POOL, *args])
    assert r.code == 2
    assert message in r.stderr


def test_a_broken_pool_file_names_file_path_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "pool.yaml"
    text = Path(POOL).read_text()
    bad.write_text(text.replace("MatchType: Equals", "MatchType: Has", 1))
    line = text.splitlines().index("          MatchType: Equals") + 1
    r = run_cli(["simulate", "--config", bad, "--claims", "examples/claims/admin.json"])
    assert r.code == 2
    assert f"{bad}:{line}:" in r.stderr
    assert "Rules[0].MatchType" in r.stderr


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    r = run_cli(["simulate", "-c", POOL, "--unauthenticated", "-f", "json", "-o", out])
    assert r.code == 0
    assert r.stdout == ""
    assert json.loads(out.read_text())["authenticated"] is False


def test_an_unknown_option_is_a_usage_error_without_traceback() -> None:
    r = run_cli(["simulate", "--bogus"])
    assert r.code == 2
    assert "No such option" in r.stderr


def test_action_adds_trust_and_access_to_the_result() -> None:
    r = run_cli([
        "simulate", "-c", POOL, "--claims", "examples/claims/engineer.json", "-f", "json",
        "--action", "s3:PutObject", "--resource", "arn:aws:s3:::example-data/engineering/r.csv",
    ])  # fmt: skip
    out = r.json()
    assert out["trust"]["outcome"] == "allowed"
    assert out["access"][0]["decision"] == "allowed"
    assert out["access"][0]["matched"][0]["sid"] == "EngineeringReadWrite"


def test_requests_file_and_resource_tags(tmp_path: Path) -> None:
    reqs = tmp_path / "r.jsonl"
    reqs.write_text(
        '{"action": "s3:DeleteBucket", "resource": "arn:aws:s3:::example-data"}\n'
        '{"action": "s3:GetObject", "resource": "arn:aws:s3:::example-data/x", "context": {"aws:SourceIp": "10.0.0.1"}}\n'
    )
    r = run_cli(
        [
            "simulate",
            "-c",
            POOL,
            "--claims",
            "examples/claims/admin.json",
            "-f",
            "json",
            "--requests",
            reqs,
        ]
    )
    assert [a["decision"] for a in r.json()["access"]] == ["explicit_deny", "allowed"]


def test_action_without_iam_data_is_a_usage_error(tmp_path: Path) -> None:
    bare = tmp_path / "pool.yaml"
    bare.write_text(Path(POOL).read_text().split("# The roles the pool hands out")[0])
    r = run_cli(
        [
            "simulate",
            "-c",
            bare,
            "--claims",
            "examples/claims/admin.json",
            "--action",
            "s3:GetObject",
            "--resource",
            "*",
        ]
    )
    assert r.code == 2
    assert "IAM data" in r.stderr


def test_claims_that_are_not_an_object_or_lack_iss_say_what_to_do(tmp_path: Path) -> None:
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    r = run_cli(["simulate", "-c", POOL, "--claims", listed])
    assert (r.code, r.stderr.strip()) == (
        2,
        f"rolesim: error: {listed}: expected a JSON object of claims",
    )
    no_iss = tmp_path / "no-iss.json"
    no_iss.write_text('{"sub": "x"}')
    r = run_cli(["simulate", "-c", POOL, "--claims", no_iss])
    assert r.code == 2
    assert f"{no_iss}: the claims have no 'iss'" in r.stderr
    assert "--provider" in r.stderr


def test_the_bundled_tokens_and_corpus_run_as_the_examples_readme_says() -> None:
    verified = run_cli(
        [
            "simulate",
            "-c",
            POOL,
            "--claims",
            "examples/tokens/admin.jwt",
            "--jwks",
            "examples/tokens/jwks.json",
            "-f",
            "json",
        ]
    ).json()
    assert (verified["role_arn"], verified["token"]["verified"]) == (ADMIN, True)
    auth = run_cli(
        [
            "simulate",
            "-c",
            POOL,
            "--claims",
            "examples/tokens/initiate-auth-response.json",
            "-f",
            "json",
        ]
    ).json()
    assert auth["role_arn"].endswith("PoolEngineering")
    batch = run_cli(
        ["simulate", "-c", POOL, "--claims-file", "examples/claims/corpus.jsonl", "-f", "json"]
    )
    assert batch.code == 0
    kinds = [line["decided_by"]["kind"] for line in batch.lines()]
    assert kinds == [
        "rule",
        "rule",
        "ambiguous_deny",
        "error",
        "default_authenticated",
        "unauthenticated",
        "custom_role_arn",
    ]


@pytest.mark.parametrize(
    "command", [["simulate", POOL, "--claims-file"], ["policy", "eval", "--requests"]]
)
def test_a_number_of_workers_that_would_exhaust_the_machine_is_a_usage_error(
    command: list[str], tmp_path: Path
) -> None:
    # Each worker is a whole process: a huge --jobs would fork until memory runs out.
    corpus = tmp_path / "lines.jsonl"
    corpus.write_text("{}\n")
    too_many = max_jobs() + 1
    r = run_cli([*command, corpus, "--jobs", str(too_many)])
    assert r.code == 2
    assert f"--jobs {too_many}" in r.stderr
    assert "per CPU" in r.stderr
    assert r.stdout == ""
