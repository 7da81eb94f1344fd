"""Start-up: a command imports only what its run uses (README "Development", start-up).

`simulate` of one token on a pool file reads no infrastructure file, talks to no AWS, checks no
signature, runs no search and shows no help: the modules behind those stay unimported, and a
template loads its own reader only. Not timed (benchmarks/bench_startup.py measures the time):
each run is a fresh interpreter, and the test reads which modules it loaded.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.inputs import load_yaml
from simulator.model.document import plain

ROOT = Path(__file__).resolve().parents[2]
POOL = ROOT / "rules" / "pool.yaml"
TEMPLATE = ROOT / "examples" / "iac" / "cloudformation" / "template.yaml"
CLAIMS = ROOT / "examples" / "claims" / "admin.json"

# Runs the command in-process and prints the modules it loaded (its own output is dropped).
_LOADED = """
import contextlib, io, json, sys
from simulator.cli.app import run
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = run(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

# Never needed by a decision on a pool file written as JSON: the importers, AWS, token signatures,
# the analysis, Hypothesis, Typer's help, and rich (text output, help, progress bars).
NOT_FOR_A_POOL_FILE = (
    "simulator.importers.cloudformation",
    "simulator.importers.tfplan",
    "simulator.importers.terraform",
    "simulator.importers.hcl_syntax",
    "simulator.analysis",
    "simulator.batch",
    "boto3",
    "botocore",
    "urllib3",
    "jwt",
    "cryptography",
    "hypothesis",
    "cfnlint",
    "hcl2",
    "typer.rich_utils",
    "rich",
    "logging",  # simulator.logs: nothing here logs
    "_hashlib",  # OpenSSL: the stand-in identity id hashes with CPython's own SHA-1
)


def _loaded(*args: str | Path) -> set[str]:
    process = subprocess.run(
        [sys.executable, "-c", _LOADED, *map(str, args)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    result = json.loads(process.stdout)
    assert result["code"] == 0
    return set(result["modules"])


def _present(loaded: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded for n in names if m == n or m.startswith(n + "."))


def test_simulate_on_a_pool_file_imports_no_importer_no_aws_and_no_terminal_display() -> None:
    loaded = _loaded("simulate", "-c", POOL, "--claims", CLAIMS, "-f", "json")
    assert "simulator.simulate" in loaded  # the run did decide
    assert _present(loaded, NOT_FOR_A_POOL_FILE) == []


def test_a_pool_file_libyaml_reads_as_ruamel_does_loads_no_ruamel() -> None:
    # ruamel's pure-Python parser was a fifth of a run (simulator.quickyaml); it now loads for
    # what libyaml's reading declines, and to find the line of an error.
    loaded = _loaded("simulate", "-c", POOL, "--claims", CLAIMS, "-f", "json")
    assert "yaml" in loaded
    assert _present(loaded, ("ruamel",)) == []


def test_a_pool_file_written_as_json_loads_no_yaml_reader(tmp_path: Path) -> None:
    pool = tmp_path / "pool.json"
    pool.write_text(json.dumps(plain(load_yaml(POOL.read_text(), "pool.yaml")), indent=2))
    loaded = _loaded("simulate", "-c", pool, "--claims", CLAIMS, "-f", "json")
    assert _present(loaded, ("ruamel", "yaml")) == []


def test_text_to_a_pipe_and_a_batch_summary_load_no_rich(tmp_path: Path) -> None:
    # rich's console is most of a text command's start-up: output that is no terminal is laid out
    # by simulator.render.sheet's plain writer, and the batch summary needs no console.
    text = _loaded("simulate", "-c", POOL, "--claims", CLAIMS)
    corpus = tmp_path / "one.jsonl"
    corpus.write_text(CLAIMS.read_text().replace("\n", "") + "\n")
    batch = _loaded("simulate", "-c", POOL, "--claims-file", corpus)
    heavy = ("rich.console", "rich.table", "rich.text", "logging", "_hashlib")
    assert _present(text | batch, heavy) == []  # rich's line breaker (rich._wrap) is light
    assert {"simulator.render.sheet", "simulator.batch"} <= text | batch


# The settings wait for logging (simulator.logs); the live package applies them as it loads.
_LOGS = """
import sys
from simulator import logs
logs.configure(logs.WARNING)
assert "logging" not in sys.modules
import simulator.live, logging
logging.getLogger("simulator.live.session").warning("seen")
logging.getLogger("simulator.live.session").info("not at the default level")
"""


def test_at_the_default_level_a_warning_of_the_live_package_still_reaches_stderr() -> None:
    process = subprocess.run(
        [sys.executable, "-c", _LOGS], cwd=ROOT, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    assert process.stderr == "rolesim: WARNING: seen\n"


@pytest.mark.skipif(
    importlib.util.find_spec("typer._adapters") is not None,
    reason="this Typer release coerces every option's value through pydantic",
)
def test_simulate_does_not_load_pydantic() -> None:
    loaded = _loaded("simulate", "-c", POOL, "--claims", CLAIMS, "-f", "json")
    assert _present(loaded, ("pydantic", "pydantic_core")) == []


def test_a_template_loads_its_own_reader_only() -> None:
    loaded = _loaded("simulate", TEMPLATE, "--claims", CLAIMS, "-f", "json")
    assert "simulator.importers.cloudformation" in loaded
    others = ("simulator.importers.tfplan", "simulator.importers.terraform", "hcl2")
    assert _present(loaded, others) == []


def test_version_loads_no_pool_model_no_policy_engine_and_no_command() -> None:
    loaded = _loaded("--version")
    unused = ("simulator.model", "simulator.iam", "simulator.claims", "simulator.cli.common")
    assert _present(loaded, unused) == []


# The program's own exit (simulator.cli.app.main) skips the interpreter's teardown; what an exit
# owes the caller must still happen.
_PROGRAM = """
import atexit, sys, threading, time
from pathlib import Path
from simulator.cli.program import main
late = Path(sys.argv[1])
if sys.argv[2] == "thread":  # a thread still running when the command ends is waited for
    threading.Thread(target=lambda: (time.sleep(0.5), late.write_text("done"))).start()
else:
    atexit.register(lambda: late.write_text("done"))
sys.argv = ["rolesim", *sys.argv[3:]]
main()
"""


@pytest.mark.parametrize("waits_for", ["atexit", "thread"])
def test_the_program_runs_exit_handlers_and_waits_for_running_threads(
    tmp_path: Path, waits_for: str
) -> None:
    late, out = tmp_path / "late", tmp_path / "out.json"
    args = [
        "test",
        str(ROOT / "examples" / "tests" / "pool-cases.yaml"),
        "-f",
        "json",
        "-o",
        str(out),
    ]
    process = subprocess.run(
        [sys.executable, "-c", _PROGRAM, str(late), waits_for, *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert late.read_text() == "done"
    assert process.returncode == 0, process.stderr
    assert json.loads(out.read_text())["passed"] == 7


def _program(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *map(str, args)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False, env=_BUFFERED,
    )  # fmt: skip


# Output buffered as in a terminal-less CI job, so that a missing flush loses it.
_BUFFERED = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def test_the_program_writes_all_of_its_output_before_it_ends() -> None:
    process = _program("simulate", "-c", POOL, "--claims", CLAIMS, "-f", "json")
    assert process.returncode == 0, process.stderr
    assert json.loads(process.stdout)["role_arn"].endswith("/PoolAdmin")


def test_the_program_ends_with_the_exit_code_and_message_of_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "pool.yaml"
    bad.write_text("IdentityPoolId: [\n")
    process = _program("simulate", "-c", bad, "--claims", CLAIMS)
    assert process.returncode == 2
    assert "not valid YAML or JSON" in process.stderr


def test_the_program_starts_without_the_garbage_collector_and_runs_the_command_with_it() -> None:
    probe = """
import gc, sys
from simulator.cli import app
seen = []
real = app._LazyCommands.resolve_command
def resolve(self, ctx, args):
    seen.append(gc.isenabled())
    found = real(self, ctx, args)
    seen.append(gc.isenabled())
    return found
app._LazyCommands.resolve_command = resolve
import atexit
atexit.register(lambda: print(seen, file=sys.stderr))
sys.argv = ["rolesim", "--version"] if sys.argv[1] == "version" else ["rolesim", "lint", "-h"]
from simulator.cli.program import main
main()
"""
    for what, expected in (("help", "[False, True]"), ("version", "")):
        process = subprocess.run(
            [sys.executable, "-c", probe, what],
            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert process.returncode == 0, process.stderr
        assert process.stderr.strip() == (expected or "[]")
