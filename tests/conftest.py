"""Shared fixtures: the CLI run in-process, and the repository's own example files."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from simulator.cli.app import run

ROOT = Path(__file__).resolve().parent.parent

# CI runs the same properties with a fixed budget and seed, so a run can be repeated exactly;
# locally `--hypothesis-profile=dev` explores more, with fresh examples each run.
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=500, deadline=None)
settings.load_profile("ci")

# The exit statuses of CONTRACT §8, 74 (the output could not be written) and of a run cut short
# (130 interrupted, 141 reader gone);
# 70 (an internal error, README "Exit codes") from an in-process run is a defect.
EXPECTED_EXIT_CODES = frozenset({0, 1, 2, 3, 74, 130, 141})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that start moto's server are marked `testbed`: `-m "not testbed"` is a fast loop."""
    for item in items:
        if {"testbed", "testbed_server", "bed"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.testbed)


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def lines(self) -> list[Any]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


def run_cli(
    args: Sequence[str], stdin: str | bytes = "", *, internal_error: bool = False
) -> CliResult:
    """Run `rolesim ARGS` in-process, as a user would, capturing its streams and exit status.

    An exception escaping the CLI fails the test by itself; an internal error (exit 70) fails it
    here, with what was printed, unless the test provokes one on purpose (`internal_error`).
    """
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        pytest.MonkeyPatch.context() as mp,
    ):
        # Bytes underneath, as a real standard input has (the readers take its bytes).
        data = stdin if isinstance(stdin, bytes) else stdin.encode("utf-8", "surrogatepass")
        mp.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
        code = run([str(a) for a in args])
    result = CliResult(code, out.getvalue(), err.getvalue())
    expected = EXPECTED_EXIT_CODES | ({70} if internal_error else set())
    assert code in expected, f"unexpected exit status {code}: {result.stderr}"
    return result


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    return run_cli


@pytest.fixture
def root() -> Path:
    return ROOT
