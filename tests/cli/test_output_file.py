"""`--output FILE` (issue: fail closed, item 9): it never truncates an input before it is read. An
output naming one of the command's inputs is refused; otherwise the result is written beside the
target and renamed into place at the end, so a failed run leaves the old file as it was."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli

POOL = "rules/pool.yaml"


@pytest.fixture
def work(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("rules/pool.yaml", "examples/claims/corpus.jsonl", "examples/claims/admin.json"):
        shutil.copy(root / name, tmp_path / Path(name).name)
    (tmp_path / "cases.yaml").write_text(
        "pool: pool.yaml\ncases:\n  - {name: guest, unauthenticated: true, expect: {role: PoolGuest}}\n"
    )
    (tmp_path / "policy.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("args", "victim"),
    [
        (["simulate", "-c", "pool.yaml", "--claims-file", "corpus.jsonl", "-f", "json"],
         "corpus.jsonl"),
        (["simulate", "-c", "pool.yaml", "--claims", "admin.json"], "pool.yaml"),
        (["simulate", "-c", "pool.yaml", "--claims", "admin.json"], "admin.json"),
        (["diff", "pool.yaml", "pool.yaml"], "pool.yaml"),
        (["lint", "pool.yaml"], "pool.yaml"),
        (["test", "cases.yaml"], "cases.yaml"),
        (["policy", "eval", "--policy", "policy.json", "--action", "s3:GetObject", "--resource", "*"],
         "policy.json"),
    ],
)  # fmt: skip
def test_an_output_naming_an_input_is_refused_and_the_input_kept(
    work: Path, args: list[str], victim: str
) -> None:
    before = (work / victim).read_bytes()
    r = run_cli([*args, "-o", victim])
    assert r.code == 2
    assert f"--output {victim} is also an input of this command" in r.stderr
    assert (work / victim).read_bytes() == before


def test_another_name_for_an_input_is_recognised(work: Path) -> None:
    os.symlink("corpus.jsonl", work / "link.jsonl")
    before = (work / "corpus.jsonl").read_bytes()
    r = run_cli(["simulate", "-c", "pool.yaml", "--claims-file", "corpus.jsonl", "-f", "json",
                 "-o", "link.jsonl"])  # fmt: skip
    assert r.code == 2
    assert (work / "corpus.jsonl").read_bytes() == before


def test_a_file_read_indirectly_is_read_whole_before_it_is_replaced(work: Path) -> None:
    # The cases file names pool.yaml; the report may replace it, but only after it was read.
    r = run_cli(["test", "cases.yaml", "-f", "json", "-o", "pool.yaml"])
    assert r.code == 0, r.stderr
    assert json.loads((work / "pool.yaml").read_text())["passed"] == 1


def test_a_failed_run_leaves_the_old_output_untouched(work: Path) -> None:
    (work / "report.json").write_text("old report\n")
    (work / "bad.json").write_text("{not json")
    r = run_cli(["simulate", "-c", "pool.yaml", "--claims", "bad.json", "-o", "report.json"])
    assert r.code == 2
    assert (work / "report.json").read_text() == "old report\n"
    assert [p.name for p in work.iterdir() if p.name.startswith(".report")] == []


def test_output_goes_through_a_symlink_and_keeps_permissions(work: Path) -> None:
    (work / "real.txt").write_text("")
    os.chmod(work / "real.txt", 0o640)
    os.symlink("real.txt", work / "out.txt")
    r = run_cli(["simulate", "-c", "pool.yaml", "--unauthenticated", "-f", "json", "-o", "out.txt"])
    assert r.code == 0, r.stderr
    assert (work / "out.txt").is_symlink()
    assert json.loads((work / "real.txt").read_text())["decided_by"]["kind"] == "unauthenticated"
    assert (work / "real.txt").stat().st_mode & 0o777 == 0o640


def test_a_device_is_written_in_place(work: Path) -> None:
    r = run_cli(["simulate", "-c", "pool.yaml", "--unauthenticated", "-o", os.devnull])
    assert r.code == 0, r.stderr
    assert Path(os.devnull).is_char_device()
