"""The conventions a reviewer already knows from other command-line tools (issue 12.1, 12.2, 12.7):
`-` is standard input on every option that reads a file, `--help` shows placeholders in words and
only the formats a command writes, and NO_COLOR means not a single escape sequence."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from ruamel.yaml import YAML

from simulator.cli.app import app
from simulator.cli.common import CasesFormat, GateFormat, TextJson
from simulator.cli.invocation import add_global_options
from simulator.render.cases import CASES_RENDERERS
from simulator.render.decision_text import SIMULATE_RENDERERS
from simulator.render.gate import CHECK_RENDERERS, DIFF_RENDERERS, LINT_RENDERERS
from simulator.render.policy_text import POLICY_RENDERERS
from simulator.render.probe_text import REPORT_RENDERERS
from simulator.render.verify_text import VERIFY_RENDERERS
from tests.conftest import ROOT, run_cli

POOL = "rules/pool.yaml"
POLICY_FILE = "tests/cli/data/allow-s3.json"
ADMIN = "examples/claims/admin.json"
CHANGED = "tests/render/golden/inputs/pool-changed.yaml"
POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)
REQUEST = json.dumps({"action": "s3:GetObject", "resource": "arn:aws:s3:::example-data/x"})
RESOURCE_POLICY = json.dumps(
    {"Version": "2012-10-17",
     "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}
)  # fmt: skip
POLICY_REQUEST = json.dumps({"policies": [json.loads(POLICY)], **json.loads(REQUEST)})


def _text(path: str) -> str:
    return (ROOT / path).read_text()


def _iam() -> str:
    data = YAML(typ="safe").load(_text(POOL))
    return json.dumps({"RoleDetailList": data["IamRoles"], "Policies": data.get("Policies", [])})


# A settled.yaml as `rolesim probe` writes it (the values are a test's, not an observation).
SETTLED = (
    "format: rolesim-settled/1\nassumptions:\n  case-sensitive-match:\n    observed: sensitive\n"
    "    region: eu-west-1\n    date: '2025-06-01'\n    run_id: 1a2b3c4d\n"
)
CASES = (
    "pool: rules/pool.yaml\ncases:\n  - name: admin\n    claims_file: examples/claims/admin.json\n"
    "    expect: {role: PoolAdmin}\n"
)
# Every option that reads a file, with `-` in its place and what stdin then holds. Each run must
# succeed (or fail as the command's verdict, exit 1) and show that it read stdin.
STDIN_RUNS: list[tuple[str, str, list[str], str]] = [
    ("simulate", "POOL", ["simulate", "-", "--claims", ADMIN], _text(POOL)),
    ("simulate", "--config", ["simulate", "-c", "-", "--claims", ADMIN], _text(POOL)),
    ("simulate", "--claims", ["simulate", POOL, "--claims", "-"], _text(ADMIN)),
    ("simulate", "--claims-file", ["simulate", POOL, "--claims-file", "-"],
     _text("examples/claims/corpus.jsonl")),
    ("simulate", "--jwks", ["simulate", POOL, "--claims", "examples/tokens/admin.jwt",
                            "--jwks", "-"], _text("examples/tokens/jwks.json")),
    ("simulate", "--requests", ["simulate", POOL, "--claims", ADMIN, "--requests", "-"], REQUEST),
    ("simulate", "--iam", ["simulate", POOL, "--claims", ADMIN, "--iam", "-"], _iam()),
    ("policy eval", "--policy", ["policy", "eval", "--policy", "-", "-a", "s3:GetObject",
                                 "-r", "arn:aws:s3:::b/k"], POLICY),
    ("policy eval", "--permissions-boundary",
     ["policy", "eval", "--permissions-boundary", "-", "-a", "s3:GetObject", "-r", "arn:aws:s3:::b/k"],
     POLICY),
    ("policy eval", "--session-policy",
     ["policy", "eval", "--session-policy", "-", "-a", "s3:GetObject", "-r", "arn:aws:s3:::b/k"],
     POLICY),
    ("policy eval", "--resource-policy",
     ["policy", "eval", "--resource-policy", "-", "-a", "s3:GetObject", "-r", "arn:aws:s3:::b/k"],
     RESOURCE_POLICY),
    ("policy eval", "--scp",
     ["policy", "eval", "--scp", "-", "-a", "s3:GetObject", "-r", "arn:aws:s3:::b/k"], POLICY),
    ("policy eval", "--requests", ["policy", "eval", "--requests", "-"], POLICY_REQUEST),
    ("test", "CASES", ["test", "-"], CASES),
    ("test", "--config", ["test", "examples/tests/pool-cases.yaml", "-c", "-"], _text(POOL)),
    ("lint", "POOL", ["lint", "-"], _text(POOL)),
    ("lint", "--config", ["lint", "-c", "-"], _text(POOL)),
    ("lint", "--ignore-file", ["lint", POOL, "--ignore-file", "-"],
     "ignore:\n  - {id: RS119, path: '*', justification: reviewed}\n"),
    ("check", "POOL", ["check", "-", "--invariants", "rules/invariants.yaml"], _text(POOL)),
    ("check", "--config", ["check", "-c", "-", "-i", "rules/invariants.yaml"], _text(POOL)),
    ("check", "--invariants", ["check", POOL, "--invariants", "-"], _text("rules/invariants.yaml")),
    ("diff", "OLD", ["diff", "-", CHANGED], _text(POOL)),
    ("diff", "NEW", ["diff", POOL, "-"], _text(CHANGED)),
    ("diff", "--claims-file", ["diff", POOL, CHANGED, "--claims-file", "-"],
     _text("examples/claims/corpus.jsonl")),
    ("diff", "--accept", ["diff", POOL, POOL, "--accept", "-"], "accept: []\n"),
    ("graph", "POOL", ["graph", "-"], _text(POOL)),
    ("graph", "--config", ["graph", "-c", "-"], _text(POOL)),
    ("import", "TEMPLATE", ["import", "-"], _text("examples/iac/cloudformation/template.yaml")),
    ("simulate", "--assume-from", ["simulate", POOL, "--claims", ADMIN, "--assume-from", "-"],
     SETTLED),
    ("policy eval", "--assume-from", ["policy", "eval", "--policy", POLICY_FILE, "-a", "s3:GetObject",
                                      "-r", "arn:aws:s3:::b/k", "--assume-from", "-"], SETTLED),
    ("test", "--assume-from", ["test", "examples/tests/pool-cases.yaml", "--assume-from", "-"],
     SETTLED),
    ("lint", "--assume-from", ["lint", POOL, "--assume-from", "-"], SETTLED),
    ("check", "--assume-from", ["check", POOL, "-i", "rules/invariants.yaml", "--assume-from", "-"],
     SETTLED),
    ("diff", "--assume-from", ["diff", POOL, CHANGED, "--assume-from", "-"], SETTLED),
]  # fmt: skip


def _commands(group: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    # Through click's interface: the root loads each command's module on first use.
    for name in sorted(group.list_commands(None)):
        command = group.get_command(None, name)
        if hasattr(command, "commands"):
            yield from _commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


def _root() -> Any:
    command = typer.main.get_command(app)
    add_global_options(command)
    return command


FILE_PLACEHOLDERS = {"FILE", "POOL", "CASES", "OLD", "NEW", "TEMPLATE", "FILE|URL"}
# Live commands read their file options as the others do; their runs need AWS (tests/live).
LIVE = {
    "verify": {"POOL", "--config", "--id-token", "--assume-from"},
    "pull": {"--only-read-claims"},
}


def test_every_file_option_is_in_the_stdin_table() -> None:
    """A new option that reads a file must be added above, so `-` is checked for it too."""
    covered = {(command, option) for command, option, _, _ in STDIN_RUNS}
    for path, command in _commands(_root()):
        for param in command.params:
            if param.metavar not in FILE_PLACEHOLDERS or "--output" in param.opts:
                continue
            name = next((o for o in param.opts if o.startswith("--")), param.metavar)
            if path in LIVE:
                assert name in LIVE[path], f"{path} {name}"
                continue
            assert (path, name) in covered, f"`rolesim {path} {name} -` is not checked"


@pytest.mark.parametrize(
    ("args", "stdin"), [(args, stdin) for _, _, args, stdin in STDIN_RUNS],
    ids=[f"{c}:{o}" for c, o, _, _ in STDIN_RUNS],
)  # fmt: skip
def test_dash_reads_standard_input(
    args: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    r = run_cli(args, stdin=stdin)
    assert r.code in (0, 1), r.stderr
    # A file it could not have read without stdin: the run also fails on an empty stdin.
    empty = run_cli(args, stdin="")
    assert empty.code != 0 or empty.stdout != r.stdout


def test_standard_input_is_read_once_per_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for args in (
        ["simulate", "-", "--claims", "-"],
        ["diff", "-", "-"],
        ["check", "-", "--invariants", "-"],
        ["lint", "-", "--ignore-file", "-"],
        ["verify", "-", "--id-token", "-"],
        ["policy", "eval", "--policy", "-", "--policy", "-", "-a", "s3:X", "-r", "*"],
    ):
        r = run_cli(args)
        assert r.code == 2
        assert "standard input can be read only once" in r.stderr
        assert r.stdout == ""


def test_the_pool_is_given_once_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    extra = {"check": ["-i", "rules/invariants.yaml"], "simulate": ["--unauthenticated"]}
    for command in ("simulate", "lint", "check", "verify", "graph"):
        r = run_cli([command, POOL, "--config", POOL, *extra.get(command, [])])
        assert r.code == 2
        assert "the pool is given twice" in r.stderr
        r = run_cli([command])
        assert r.code == 2


def test_a_bare_tag_map_response_is_named_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    response = {
        "IdentityPoolId": "us-east-1:11111111-2222-3333-4444-555555555555",
        "IdentityProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example",
        "UseDefaults": False,
        "PrincipalTags": {"department": "custom:department"},
    }
    r = run_cli(["simulate", "-", "--unauthenticated"], stdin=json.dumps(response))
    assert r.code == 2
    assert "get-principal-tag-attribute-map response" in r.stderr
    assert "PrincipalTagAttributeMaps" in r.stderr
    roles = {
        "IdentityPoolId": "us-east-1:11111111-2222-3333-4444-555555555555",
        "Roles": {"authenticated": "arn:aws:iam::111122223333:role/A"},
        "RoleMappings": {"x": {"Type": "Token", "AmbiguousRoleResolution": "Deny"}},
    }
    r = run_cli(["lint", "-", "-f", "json"], stdin=json.dumps(roles))
    assert "get-identity-pool-roles response" in r.json()["findings"][0]["message"]


PYTHON_TYPES = re.compile(r"<(str|int|bool|path|float|text|list\[.*?\])>|list\[|\{pool\}|CONTRACT")
FORMATS: dict[str, Any] = {
    "simulate": (TextJson, SIMULATE_RENDERERS),
    "verify": (TextJson, VERIFY_RENDERERS),
    "policy eval": (TextJson, POLICY_RENDERERS),
    "test": (CasesFormat, CASES_RENDERERS),
    "lint": (GateFormat, LINT_RENDERERS),
    "check": (GateFormat, CHECK_RENDERERS),
    "diff": (GateFormat, DIFF_RENDERERS),
    "probe": (TextJson, REPORT_RENDERERS),
}


@pytest.mark.parametrize("path", [p for p, _ in _commands(_root())])
def test_help_shows_words_and_only_the_formats_a_command_writes(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    r = run_cli([*path.split(), "--help"])
    assert r.code == 0
    assert not PYTHON_TYPES.search(r.stdout), PYTHON_TYPES.search(r.stdout)
    for option in ("--verbose", "--quiet", "--no-color"):  # accepted after the command too
        assert option in r.stdout
    if path in FORMATS:
        choices, renderers = FORMATS[path]
        assert {c.value for c in choices} == {f.value for f in renderers}
        offered = "|".join(c.value for c in choices)
        # Typer writes the choices as <a|b> in its recent releases, as [a|b] in older ones.
        assert f"<{offered}>" in r.stdout or f"[{offered}]" in r.stdout


def test_global_options_work_after_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    r = run_cli(["simulate", POOL, "--claims-file", "examples/claims/corpus.jsonl", "-q"])
    assert r.code == 0
    assert r.stderr == ""  # --quiet: no summary
    r = run_cli(["simulate", POOL, "--claims-file", "examples/claims/corpus.jsonl"])
    assert "lines in" in r.stderr
    assert "decisions:" in r.stderr
    assert run_cli(["lint", POOL, "-v", "--fail-on", "never"]).code == 0


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _on_a_terminal(args: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    out = _Terminal()
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setattr("sys.stdout", out)
    from simulator.cli.app import run

    run(args)
    return out.getvalue()


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", POOL, "--claims", ADMIN],
        ["test", "examples/tests/pool-cases.yaml"],
        ["lint", "--help"],
    ],
)
def test_no_color_means_no_escape_sequence_at_all(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NO_COLOR", raising=False)
    if args[-1] != "--help":
        assert "\x1b[" in _on_a_terminal(args, monkeypatch)  # the check can fail
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b" not in _on_a_terminal(args, monkeypatch)
    monkeypatch.delenv("NO_COLOR")
    assert "\x1b" not in _on_a_terminal([*args, "--no-color"], monkeypatch)


def test_live_commands_print_an_error_object_with_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("AWS_PROFILE", "dev")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(Path("no-such-config")))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(Path("no-such-credentials")))
    r = run_cli(["pull", "--identity-pool-id", "us-east-1:11111111-2222-3333-4444-555555555555",
                 "-f", "json"])  # fmt: skip
    assert r.code == 3
    error = r.json()["error"]
    assert error["code"] == "ProfileNotFound"
    assert error["exit"] == 3
    assert "profile dev (from AWS_PROFILE)" in error["message"]
    assert "None" not in r.stderr
    assert "profile dev" in r.stderr
    r = run_cli(["verify", "-", "--unauthenticated", "-f", "json"], stdin="IdentityPoolId: [")
    assert r.code == 2
    assert r.json()["error"]["exit"] == 2
    assert "<stdin>" in r.json()["error"]["message"]
