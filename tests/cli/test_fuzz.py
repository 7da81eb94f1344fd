"""The whole CLI, in-process, against generated and mutated inputs (issue: fail closed).

Every command that reads files is run on the repository's own examples after Hypothesis has mutated
some of them: bytes flipped, inserted or cut; hostile snippets spliced in (deep nesting, huge
numbers, NaN, surrogate escapes, non-UTF-8 bytes, YAML aliases and tags, terminal escapes); values
inside the parsed document replaced. Whatever comes in, rolesim must exit 0, 1 or 2 and nothing
else, never let an exception out, name the file (or option) when it exits 2, never print the token,
and print no terminal control character on stderr.

CI runs FUZZ_EXAMPLES examples (about 20 s); for a longer hunt:
    ROLESIM_FUZZ_EXAMPLES=5000 python -m pytest tests/cli/test_fuzz.py --hypothesis-show-statistics
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent.parent
FUZZ_EXAMPLES = int(os.environ.get("ROLESIM_FUZZ_EXAMPLES", "60"))

CASES = """pool: pool.yaml
cases:
  - name: admin
    claims_file: claims.json
    expect: {role: PoolAdmin, principal_tags: {department: engineering, username: alice}}
  - name: guest
    unauthenticated: true
    expect: {role: PoolGuest, denied: [{action: s3:PutObject, resource: "arn:aws:s3:::example-data/x"}]}
"""
ACCEPT = """accept:
  - provider: "cognito-idp.us-east-1.amazonaws.com/*"
    old: {error: NotAuthorizedException}
    justification: reviewed
"""
IGNORE = """ignore:
  - {id: RS107, path: "*", justification: reviewed}
"""
POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}}]}
)  # fmt: skip
REQUESTS = "\n".join(
    json.dumps(r)
    for r in (
        {"action": "s3:GetObject", "resource": "arn:aws:s3:::b/red/k",
         "context": {"aws:PrincipalTag/team": "red"}},
        {"policies": [json.loads(POLICY)], "action": "s3:PutObject", "resource": "arn:aws:s3:::b/x"},
    )
)  # fmt: skip
SIM_REQUESTS = '{"action": "s3:GetObject", "resource": "arn:aws:s3:::example-data/public/a"}\n'


def _seed(path: str) -> bytes:
    return (ROOT / path).read_bytes()


SEEDS: dict[str, bytes] = {
    "pool.yaml": _seed("rules/pool.yaml"),
    "new.yaml": _seed("rules/pool.yaml").replace(b"Value: admins", b"Value: admin"),
    "claims.json": _seed("examples/claims/admin.json"),
    "corpus.jsonl": _seed("examples/claims/corpus.jsonl"),
    "token.jwt": _seed("examples/tokens/admin.jwt"),
    "jwks.json": _seed("examples/tokens/jwks.json"),
    "auth.json": _seed("examples/tokens/initiate-auth-response.json"),
    "invariants.yaml": _seed("examples/invariants/invariants.yaml"),
    "cases.yaml": CASES.encode(),
    "accept.yaml": ACCEPT.encode(),
    "ignore.yaml": IGNORE.encode(),
    "policy.json": POLICY.encode(),
    "requests.jsonl": REQUESTS.encode(),
    "simreq.jsonl": SIM_REQUESTS.encode(),
}
TOKEN = SEEDS["token.jwt"].decode().strip()

# Commands and the files each reads; FILE names are replaced by paths in the example's folder.
COMMANDS: list[list[str]] = [
    ["simulate", "-c", "pool.yaml", "--claims", "claims.json", "-f", "json"],
    ["simulate", "-c", "pool.yaml", "--claims", "claims.json"],
    ["simulate", "-c", "pool.yaml", "--claims", "token.jwt", "--jwks", "jwks.json"],
    ["simulate", "-c", "pool.yaml", "--claims", "auth.json", "-f", "json"],
    ["simulate", "-c", "pool.yaml", "--claims-file", "corpus.jsonl", "-f", "json"],
    ["simulate", "-c", "pool.yaml", "--claims", "claims.json", "--action", "s3:GetObject",
     "--resource", "arn:aws:s3:::example-data/engineering/a", "--requests", "simreq.jsonl"],
    ["simulate", "-c", "pool.yaml", "--claims", "-", "-f", "json"],
    ["diff", "pool.yaml", "new.yaml", "--claims-file", "corpus.jsonl", "--accept", "accept.yaml",
     "--budget", "300"],
    ["lint", "pool.yaml", "--ignore-file", "ignore.yaml", "--format", "sarif"],
    ["lint", "pool.yaml"],
    ["check", "pool.yaml", "--invariants", "invariants.yaml", "--examples", "3", "--budget", "300"],
    ["test", "cases.yaml", "-f", "junit"],
    ["test", "cases.yaml"],
    ["policy", "eval", "--policy", "policy.json", "--requests", "requests.jsonl", "-f", "json"],
    ["policy", "eval", "--policy", "policy.json", "--action", "s3:GetObject", "--resource",
     "arn:aws:s3:::b/red/k", "--context", "aws:PrincipalTag/team=red"],
]  # fmt: skip

SNIPPETS = [
    b"[" * 3000, b"{" * 200, b"1" * 5000, b"NaN", b"-Infinity", b"1e999", b"\\ud800", b"\\udc00x",
    b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"&a [*a, *a]", b"*nowhere",
    b"!!python/object:os.system", b"!Ref X", b"? [a, b]\n: c", b"<<: *a", b"2024-13-45",
    b"0x" + b"f" * 5000, b"\x1b]0;pwned\x07", b"\x1b[2J", b"\xc2\x9b", b"\xe2\x80\xae",
    b"[bold red]x[/]", b'"', b"'", b"\n", b":\n  - ", b"- ", b"\t", b"# ", b"%YAML 1.1\n---\n",
    b"---\n", b"...\n", b'"aud": ["a", "b"]', b'"exp": 1e300', b"eyJ", b"." * 3, b"\\",
]  # fmt: skip

HOSTILE_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(),
    st.integers(min_value=10**19, max_value=10**40),
    st.text(max_size=40), st.text(alphabet="\x1b\x07\x9b\u202e\n[]:*&!%{}", max_size=10),
    st.just("x" * 300), st.just("arn:aws:iam::111122223333:role/" + "a/" * 60 + "b"),
    st.just(["admins"] * 3), st.just({"Ref": "X"}), st.just([[[[[]]]]]), st.just({}), st.just([]),
)  # fmt: skip


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


def _replace(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    data[head] = _replace(data[head], rest, value)
    return data


def _load(name: str, raw: bytes) -> Any:
    text = raw.decode()
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if name.endswith(".json"):
        return json.loads(text)
    if name.endswith(".yaml"):
        return YAML(typ="safe", pure=True).load(text)
    return None


def _dump(name: str, data: Any) -> bytes:
    if name.endswith(".jsonl") and isinstance(data, list):
        return "\n".join(json.dumps(d) for d in data).encode()
    return json.dumps(data).encode()  # JSON is YAML too


@st.composite
def mutated(draw: st.DrawFn, name: str) -> bytes:
    raw = SEEDS[name]
    kind = draw(st.sampled_from(["same", "same", "bytes", "splice", "value", "cut"]))
    if kind == "same":
        return raw
    if kind == "cut":
        return raw[: draw(st.integers(0, len(raw)))]
    if kind == "splice":
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.sampled_from(SNIPPETS)) + raw[at:]
    if kind == "bytes":
        out = bytearray(raw)
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(out) - 1))
            out[at] = draw(st.integers(0, 255))
        return bytes(out)
    data = _load(name, raw)
    if data is None:  # a token: mutate a segment's character
        at = draw(st.integers(0, len(raw) - 1))
        return raw[:at] + draw(st.sampled_from([b"A", b".", b"=", b"\xff"])) + raw[at + 1 :]
    path = draw(st.sampled_from(_paths(data)))
    return _dump(name, _replace(data, path, draw(HOSTILE_VALUES)))


STEERING = ("\x1b", "\x07", "\x9b", "\u202e")


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    # `check` searches access invariants with Hypothesis itself: a nested search, on purpose.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        *[HealthCheck.nested_given] * hasattr(HealthCheck, "nested_given"),
    ],
)
@given(st.data())
def test_no_input_makes_the_cli_crash_hang_or_leak(data: st.DataObject) -> None:
    args = data.draw(st.sampled_from(COMMANDS), label="command")
    reads = [a for a in args if a in SEEDS]
    files = {
        name: data.draw(mutated(name), label=name) for name in {*reads, "pool.yaml", "claims.json"}
    }
    extra: list[str] = []
    if args[0] == "simulate" and data.draw(st.booleans(), label="options"):
        option = data.draw(st.sampled_from(["--provider", "--identity-id", "--custom-role-arn"]))
        value = st.text(max_size=30) | st.sampled_from(["x\udcff", "\x1b]0;t\x07", "[b]", ""])
        extra = [option, data.draw(value, label=option)]
    stdin = files["claims.json"].decode("utf-8", "surrogateescape") if "-" in args else ""
    with tempfile.TemporaryDirectory() as folder, _chdir(folder):
        for name, body in files.items():
            Path(name).write_bytes(body)
        # run_cli re-raises an escaping exception as it is, for Hypothesis to shrink.
        result = run_cli([*args, *extra], stdin)
    assert result.code in (0, 1, 2), (result.code, result.stderr)
    if result.code == 2:
        named = [*files, "<stdin>", *extra[:1], "--claims"]  # a file read directly or not
        assert any(n in result.stderr for n in named), result.stderr
    assert TOKEN not in result.stdout + result.stderr
    assert not [c for c in STEERING if c in result.stderr], result.stderr


@contextlib.contextmanager
def _chdir(folder: str) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)
