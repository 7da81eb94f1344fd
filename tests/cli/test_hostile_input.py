"""Bounded input (issue: fail closed, item 3) as a user meets it: whatever a pull request puts in a
pool, claims, corpus, request, key, cases, invariants, accept or ignore file, rolesim exits 2 with a
message naming the file (and the line), and in a batch refuses a bad line alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CliResult, run_cli

POOL = "rules/pool.yaml"
ADMIN_CLAIMS = "examples/claims/admin.json"


@pytest.fixture(autouse=True)
def _in_repo(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)


def refused(result: CliResult, *names: str) -> None:
    assert result.code == 2, (result.code, result.stderr)
    assert "Traceback" not in result.stderr
    for name in names:
        assert name in result.stderr, result.stderr


def admin(**extra: object) -> dict[str, object]:
    return {**json.loads(Path(ADMIN_CLAIMS).read_text()), **extra}


# --- one file, refused whole ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"iss": "x", "a": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested more than 64"),
        ('{"iss": "x", "n": ' + "1" * 5000 + "}", "more than 4,300 digits"),
        ('{"iss": "x", "sub": "\\ud800"}', "lone UTF-16 surrogate"),
        ('{"iss": "x", "exp": NaN}', "NaN is not a JSON number"),
    ],
)
def test_claims_files_that_crashed_are_refused(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "claims.json"
    path.write_text(body)
    refused(run_cli(["simulate", "-c", POOL, "--claims", path, "-f", "json"]), str(path), message)


def test_a_token_longer_than_the_service_takes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.jwt"
    path.write_text("eyJhbGciOiJSUzI1NiJ9." + "A" * 60_000 + ".sig")
    refused(
        run_cli(["simulate", "-c", POOL, "--claims", path]),
        str(path),
        "an identity pool takes tokens of at most 50,000 [service model",
    )


def test_a_huge_claims_file_is_refused_by_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.jwt"
    path.write_bytes(b"eyJ" + b"A" * (70 * 1024 * 1024))  # a 70 MB "token"
    refused(run_cli(["simulate", "-c", POOL, "--claims", path]), str(path), "larger than 1 MiB")


def test_yaml_an_alias_bomb_in_a_pool_file_is_refused(tmp_path: Path) -> None:
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    pool = tmp_path / "pool.yaml"
    pool.write_text(Path(POOL).read_text() + "Bomb:\n  - " + "\n    ".join(levels) + "\n")
    refused(run_cli(["lint", pool]), str(pool), "aliases expand")
    refused(run_cli(["simulate", "-c", pool, "--unauthenticated"]), str(pool), "aliases expand")


def test_deep_yaml_and_huge_numbers_in_a_pool_file_are_refused(tmp_path: Path) -> None:
    pool = tmp_path / "pool.yaml"
    pool.write_text(Path(POOL).read_text() + "Extra: " + "[" * 5000 + "]" * 5000 + "\n")
    refused(run_cli(["simulate", "-c", pool, "--unauthenticated"]), f"{pool}:", "nested")
    pool.write_text(Path(POOL).read_text().replace('"111122223333"', "1" * 5000))
    refused(run_cli(["simulate", "-c", pool, "--unauthenticated"]), str(pool), "4,300 digits")


@pytest.mark.parametrize(
    ("args", "which"),
    [
        (["simulate", "-c", POOL, "--claims", ADMIN_CLAIMS, "--jwks", "{bad}"], "{bad}"),
        (["simulate", "-c", POOL, "--claims", ADMIN_CLAIMS, "--action", "s3:GetObject",
          "--resource", "arn:aws:s3:::b/k", "--requests", "{bad}"], "{bad}"),
        (["diff", POOL, POOL, "--accept", "{bad}"], "{bad}"),
        (["lint", POOL, "--ignore-file", "{bad}"], "{bad}"),
        (["check", POOL, "--invariants", "{bad}"], "{bad}"),
        (["test", "{bad}"], "{bad}"),
        (["policy", "eval", "--policy", "{bad}", "--action", "s3:GetObject", "--resource", "*"],
         "{bad}"),
        (["simulate", "-c", "{bad}", "--unauthenticated"], "{bad}"),
    ],
)  # fmt: skip
def test_non_utf8_bytes_in_any_input_file_name_the_file(
    tmp_path: Path, args: list[str], which: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"keys": [], "x": "caf\xe9"}\n')
    args = [str(bad) if a == which else a for a in args]
    refused(run_cli(args), str(bad), "not UTF-8")


def test_a_path_the_os_refuses_is_a_message(tmp_path: Path) -> None:
    long = "x" * 5000
    refused(run_cli(["simulate", "-c", long, "--unauthenticated"]), "File name too long")
    refused(run_cli(["simulate", "-c", POOL, "--claims", long + ".json"]), "File name too long")
    cases = tmp_path / "cases.yaml"
    cases.write_text(f"pool: {long}\ncases: []\n")
    refused(run_cli(["test", cases]), str(cases), "no pool file")


# --- every string against the service model ------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("IdentityPoolName: example", "IdentityPoolName: " + "n" * 129),
         "IdentityPoolName: length 129 is outside 1-128 characters [service model cognito-identity"),
        (("IdentityPoolName: example", "IdentityPoolName: 'bad!name'"),
         "does not match the service's pattern"),
        (("IdentityPoolName: example", "IdentityPoolName: x\nDeveloperProviderName: 'a b'"),
         "DeveloperProviderName: 'a b' does not match"),
        (("IdentityPoolName: example", "IdentityPoolName: x\nIdentityPoolTags: {" + "k" * 129 + ": v}"),
         "key: length 129 is outside 1-128"),
    ],
)  # fmt: skip
def test_strings_beyond_the_service_model_are_refused(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    pool = tmp_path / "pool.yaml"
    text = Path(POOL).read_text()
    assert edit[0] in text
    pool.write_text(text.replace(edit[0], edit[1]))
    refused(run_cli(["simulate", "-c", pool, "--unauthenticated"]), f"{pool}:", message)


def test_user_pool_and_iam_strings_are_held_to_their_services_too(tmp_path: Path) -> None:
    pool = tmp_path / "pool.yaml"
    base = Path(POOL).read_text()
    assert "GroupName: admins" in base
    pool.write_text(base.replace("GroupName: admins", "GroupName: " + "g" * 129))
    r = run_cli(["simulate", "-c", pool, "--unauthenticated"])
    refused(r, "UserPools[0].Groups[0].GroupName", "cognito-idp GroupNameType")
    pool.write_text(base.replace("RoleName: PoolGuest", "RoleName: " + "r" * 65))
    refused(run_cli(["simulate", "-c", pool, "--unauthenticated"]), "RoleName", "iam roleNameType")


# --- a batch refuses a bad line alone ------------------------------------------------------------

BAD_LINES = [
    b'{"iss": "x", "a": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"iss": "caf\xe9"}',
    b'{"iss": "x", "sub": "\\udc00"}',
    b'{"iss": "x", "n": ' + b"9" * 5000 + b"}",
    b'{"iss": "x", "exp": 1e999}',
    b'"eyJ' + b"A" * (2 * 1024 * 1024) + b'"',
]


def _corpus(tmp_path: Path) -> Path:
    good = json.dumps(admin()).encode()
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(b"\n".join([good, *BAD_LINES, good]) + b"\n")
    return corpus


def test_simulate_batch_refuses_each_bad_line_and_goes_on(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    r = run_cli(["simulate", "-c", POOL, "--claims-file", corpus, "-f", "json"])
    refused(r, *(f"{corpus}:{n}:" for n in range(2, 8)))
    lines = r.lines()
    assert [line["line"] for line in lines] == list(range(1, 9))
    assert lines[0]["role_arn"] == lines[-1]["role_arn"] is not None
    assert all("input_error" in line for line in lines[1:-1])


def test_diff_replays_a_corpus_refusing_bad_lines_alone(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    new = tmp_path / "new.yaml"
    new.write_text(Path(POOL).read_text().replace("Value: admins", "Value: nobody"))
    r = run_cli(["diff", POOL, new, "--claims-file", corpus, "-f", "json"])
    refused(r, *(f"{corpus}:{n}:" for n in range(2, 8)))
    report = r.json()
    assert report["corpus_lines"] == 8
    assert [e["line"] for e in report["input_errors"]] == list(range(2, 8))
    assert any(1 in c["corpus_lines"] for c in report["changes"])


def test_policy_eval_requests_refuse_a_bad_line_alone(tmp_path: Path) -> None:
    requests = tmp_path / "requests.jsonl"
    good = b'{"policies": [{"Version": "2012-10-17", "Statement": []}], "action": "s3:GetObject", "resource": "*"}'
    requests.write_bytes(good + b'\n{"action": "caf\xe9"}\n' + good + b"\n")
    r = run_cli(["policy", "eval", "--requests", requests, "-f", "json"])
    refused(r, f"{requests}:2:", "not UTF-8")
    assert [line["line"] for line in r.lines()] == [1, 2, 3]


def test_an_argument_that_is_not_utf8_is_refused_unless_it_names_a_file(tmp_path: Path) -> None:
    # Python turns such bytes into lone surrogates, which no output can encode.
    args = ["simulate", "-c", POOL, "--claims", ADMIN_CLAIMS, "-f", "json"]
    refused(
        run_cli([*args, "--provider", "x\udcff"]),
        "the value of --provider is not UTF-8 text: x\\udcff",
    )
    named = tmp_path / "caf\udce9.json"  # the file name b"caf\xe9.json"
    named.write_text(Path(ADMIN_CLAIMS).read_text())
    r = run_cli(["simulate", "-c", POOL, "--claims", named, "-f", "json"])
    assert r.code == 0, r.stderr
