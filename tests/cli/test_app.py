"""The exit statuses every command shares (CONTRACT §8, README "Exit codes").

A bug is not a verdict: an unexpected exception exits 70 with a one-line request for a bug report,
never 1 (which a CI gate reads as "the gate failed"). A refused option is refused before any
output. A reader that goes away (`rolesim … | head -1`) ends the run quietly with 141; an output
that cannot be written (a full disk) is no bug either: 74, naming the output.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from packaging.requirements import Requirement

from simulator.cli.app import app
from simulator.cli.exit_codes import ExitCode
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
POOL = ROOT / "rules" / "pool.yaml"
CLAIMS = ROOT / "examples" / "claims" / "admin.json"
CASES = ROOT / "examples" / "tests" / "pool-cases.yaml"
INVARIANTS = ROOT / "rules" / "invariants.yaml"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtdXNlciJ9.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ"


def _explode(*_: object, **__: object) -> None:
    raise RuntimeError(f"unexpected state while holding {JWT}\x1b[31m")


def test_an_internal_error_has_its_own_exit_code_and_asks_for_a_bug_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("simulator.cli.lint.lint_file", _explode)
    result = run_cli(["lint", POOL], internal_error=True)
    assert result.code == ExitCode.INTERNAL_ERROR == 70
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("rolesim: internal error: RuntimeError: unexpected state")
    assert "bug" in line
    assert "--traceback" in line
    assert "Traceback" not in result.stderr
    # The exception's text is shown scrubbed and without terminal escapes.
    assert JWT not in line
    assert "\x1b" not in line


def test_traceback_option_shows_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("simulator.cli.lint.lint_file", _explode)
    result = run_cli(["--traceback", "lint", POOL], internal_error=True)
    assert result.code == ExitCode.INTERNAL_ERROR
    assert "Traceback (most recent call last)" in result.stderr
    assert "_explode" in result.stderr
    assert JWT not in result.stderr


def test_every_click_usage_error_is_exit_2() -> None:
    for args in (["simulate", "--no-such-option"], ["no-such-command"], ["lint"]):
        result = run_cli(args)
        assert result.code == ExitCode.BAD_INPUT, args
        assert result.stdout == ""


_LIVE = ["--endpoint-url", "http://127.0.0.1:9"]
# One refused option value per command, on an invocation that would otherwise print a result.
_REFUSED: dict[str, list[list[object]]] = {
    "simulate": [
        ["simulate", "-c", POOL, "--claims", CLAIMS, "--format", "bogus"],
        ["simulate", "-c", POOL, "--claims", CLAIMS, "--format", "sarif"],
        ["simulate", "-c", POOL, "--claims", CLAIMS, "--flow", "bogus"],
        ["simulate", "-c", POOL, "--claims", CLAIMS, "--assume", "bogus=x"],
    ],
    "test": [["test", CASES, "--format", "sarif"], ["test", CASES, "--assume", "nope"]],
    "lint": [
        ["lint", POOL, "--fail-on", "bogus"],
        ["lint", POOL, "--min-severity", "bogus"],
        ["lint", POOL, "--format", "bogus"],
    ],
    "check": [
        ["check", POOL, "--invariants", INVARIANTS, "--examples", "0"],
        ["check", POOL, "--invariants", INVARIANTS, "--budget", "0"],
        ["check", POOL, "--invariants", INVARIANTS, "--format", "bogus"],
    ],
    "diff": [["diff", POOL, POOL, "--budget", "0"], ["diff", POOL, POOL, "--format", "bogus"]],
    "policy eval": [
        ["policy", "eval", "--action", "s3:GetObject", "--resource", "*", "--format", "sarif"],
        ["policy", "eval", "--action", "s3:GetObject", "--resource", "*", "--assume", "x=y"],
    ],
    "verify": [
        ["verify", "-c", POOL, "--unauthenticated", "--retry-mode", "bogus", *_LIVE],
        ["verify", "-c", POOL, "--unauthenticated", "--flow", "bogus", *_LIVE],
        ["verify", "-c", POOL, "--unauthenticated", "--format", "junit", *_LIVE],
        ["verify", "-c", POOL, "--unauthenticated", "--endpoint-url", "not a url"],
        ["verify", "-c", POOL, "--unauthenticated", "--region", "not a region", *_LIVE],
    ],
    "import": [
        ["import", POOL, "--parameter", "novalue"],
        [
            "import",
            ROOT / "examples" / "iac" / "cloudformation" / "template.yaml",
            "--pool",
            "Nope",
        ],
    ],
    "graph": [
        ["graph", POOL, "--format", "png"],
        ["graph", POOL, "--config", POOL],
        ["graph", POOL, "--assume", "nope=1"],
    ],
    "pull": [
        ["pull", "--identity-pool-id", "us-east-1:1", "--format", "bogus", *_LIVE],
        ["pull", "--identity-pool-id", "us-east-1:1", "--endpoint-url", "not a url"],
        ["pull", "--identity-pool-id", "not-a-pool-id", *_LIVE],
    ],
    "probe": [
        ["probe", "--dry-run", "--format", "sarif", *_LIVE],
        ["probe", "--dry-run", "--only", "saml-role-attribute", *_LIVE],
        ["probe", "--dry-run", "--propagation-timeout", "-1", *_LIVE],
        ["probe", "--cleanup", "*", *_LIVE],
        ["probe", "--dry-run", "--endpoint-url", "not a url"],
    ],
}


@pytest.mark.parametrize(
    "args",
    [pytest.param(args, id=f"{command}:{i}") for command, runs in _REFUSED.items()
     for i, args in enumerate(runs)],
)  # fmt: skip
def test_an_invalid_option_value_is_exit_2_before_any_output(args: list[object]) -> None:
    result = run_cli([str(a) for a in args])
    assert result.code == ExitCode.BAD_INPUT, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_every_command_has_a_refused_option_case() -> None:
    names: set[str] = set()
    group = typer.main.get_command(app)
    with typer.Context(group) as ctx:
        for name in group.list_commands(ctx):  # type: ignore[attr-defined]
            command = group.get_command(ctx, name)  # type: ignore[attr-defined]
            subcommands = getattr(command, "commands", None)
            names |= {f"{name} {sub}" for sub in subcommands} if subcommands else {name}
    assert names == set(_REFUSED)


def test_a_reader_that_goes_away_ends_the_run_quietly_with_141(tmp_path: Path) -> None:
    # Far more than a pipe buffer of JSON lines, so writes fail once `head -1` has gone.
    claims = json.loads(CLAIMS.read_text())
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({**claims, "sub": f"u{i}"}) + "\n" for i in range(3000)))
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "simulate", "-c", str(POOL),
         "--claims-file", str(corpus), "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stderr is not None
    assert json.loads(process.stdout.readline())["line"] == 1
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == ExitCode.BROKEN_PIPE == 141
    assert stderr == ""


def test_hypothesis_is_a_runtime_dependency() -> None:
    # `check` searches access invariants with Hypothesis: a plain `pip install .` must bring it.
    requirements = [Requirement(r) for r in importlib.metadata.requires("rolesim") or []]
    runtime = {r.name for r in requirements if r.marker is None}
    assert "hypothesis" in runtime


def test_check_leaves_no_hypothesis_directory_in_the_working_tree(tmp_path: Path) -> None:
    invariants = tmp_path / "access.yaml"
    invariants.write_text(
        "invariants:\n  - id: no-delete\n    when: {provider: 'cognito-idp.*'}\n"
        "    expect: {denies: [{action: s3:DeleteBucket, resource: 'arn:aws:s3:::example-data'}]}\n"
    )
    work = tmp_path / "checkout"
    work.mkdir()
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("HYPOTHESIS", "XDG"))}
    process = subprocess.run(
        [sys.executable, "-m", "simulator", "check", str(POOL), "--invariants", str(invariants),
         "--examples", "5"],
        cwd=work, env={**environment, "HOME": str(tmp_path / "home")},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    assert "exact+hypothesis" in process.stdout
    assert list(work.iterdir()) == []
    assert (tmp_path / "home" / ".cache" / "rolesim" / "hypothesis").is_dir()


_FULL = Path("/dev/full")  # Linux: every write fails with ENOSPC, as on a full disk


@pytest.mark.skipif(not _FULL.exists(), reason="needs /dev/full")
@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "-c", POOL, "--claims", CLAIMS],
        ["simulate", "-c", POOL, "--claims", CLAIMS, "-f", "json"],
        ["simulate", "-c", POOL, "--claims-file", "-"],
        ["--version"],
        ["simulate", "--help"],
    ],
    ids=["text", "json", "batch", "version", "help"],
)
def test_a_full_disk_is_an_output_error_with_exit_74_not_a_bug(
    args: list[object], buffered: bool
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"  # each write reaches the device at once
    line = CLAIMS.read_text().replace("\n", "") + "\n"
    with _FULL.open("w") as full:
        process = subprocess.run(
            [sys.executable, "-m", "simulator", *map(str, args)],
            input=line * 500, stdout=full, stderr=subprocess.PIPE, text=True, env=env,
            timeout=120, check=False,
        )  # fmt: skip
    assert process.returncode == ExitCode.OUTPUT_ERROR == 74
    # One line; help, which click writes itself, cannot say which output it was.
    where = "" if "--help" in args else "stdout: "
    assert process.stderr == (
        f"rolesim: error: {where}cannot write the output: No space left on device; free some "
        "space or write it elsewhere (--output)\n"
    )


@pytest.mark.skipif(not _FULL.exists(), reason="needs /dev/full")
def test_an_output_file_that_cannot_be_written_is_named() -> None:
    result = run_cli(["simulate", "-c", POOL, "--claims", CLAIMS, "-f", "json", "-o", _FULL])
    assert result.code == ExitCode.OUTPUT_ERROR
    assert result.stderr.startswith("rolesim: error: /dev/full: cannot write the output: ")


def test_a_failed_write_leaves_the_old_output_file_and_no_partial_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import io

    class FullDisk(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def fdopen(fd: int, *_: object, **__: object) -> FullDisk:
        os.close(fd)
        return FullDisk()

    out = tmp_path / "result.json"
    out.write_text("the previous result\n")
    monkeypatch.setattr("simulator.cli.output.os.fdopen", fdopen)
    result = run_cli(["simulate", "-c", POOL, "--claims", CLAIMS, "-f", "json", "-o", out])
    assert result.code == ExitCode.OUTPUT_ERROR
    assert f"{out}: cannot write the output: No space left on device" in result.stderr
    assert out.read_text() == "the previous result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]
