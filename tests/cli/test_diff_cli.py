"""`rolesim diff` in-process: exit statuses, accept files, corpus replay, formats."""

from __future__ import annotations

import json
from pathlib import Path

from tests.analysis.pools import PROVIDER, pool_dict, role, rule
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _pools(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(pool_dict([rule("custom:dept", "Equals", "eng", "Eng")]), indent=1))
    new.write_text(
        json.dumps(pool_dict([rule("custom:dept", "StartsWith", "eng", "Eng")]), indent=1)
    )
    return old, new


def test_same_file_is_equivalent() -> None:
    pool = ROOT / "rules" / "pool.yaml"
    result = run_cli(["diff", pool, pool, "-f", "json"])
    assert result.code == 0
    assert result.json()["equivalent"] is True
    assert result.json()["complete"] is True


def test_change_exits_1_and_names_a_witness(tmp_path: Path) -> None:
    old, new = _pools(tmp_path)
    result = run_cli(["diff", old, new, "-f", "json"])
    assert result.code == 1
    data = result.json()
    assert data["equivalent"] is False
    change = next(c for c in data["changes"] if c["classification"] == "more_privileged")
    assert change["new"]["role_arn"] == role("Eng")
    assert change["claims"]["custom:dept"].startswith("eng")
    assert change["claims"]["custom:dept"] != "eng"
    assert change["line"] is not None
    text = run_cli(["diff", old, new]).stdout
    assert "| id | provider |" in text


def test_accept_file_turns_the_gate_green(tmp_path: Path) -> None:
    old, new = _pools(tmp_path)
    ids = [c["id"] for c in run_cli(["diff", old, new, "-f", "json"]).json()["changes"]]
    accept = tmp_path / "accept.yaml"
    accept.write_text("accept:\n" + "".join(
        f"  - id: {i}\n    justification: engineering sub-teams get the role (PR 12)\n" for i in ids))  # fmt: skip
    result = run_cli(["diff", old, new, "--accept", accept, "-f", "json"])
    assert result.code == 0
    assert result.json()["unaccepted"] == 0
    accept.write_text("accept:\n  - id: D00000000\n")
    assert run_cli(["diff", old, new, "--accept", accept]).code == 2


def test_claims_corpus_is_replayed_on_both(tmp_path: Path) -> None:
    old, new = _pools(tmp_path)
    corpus = tmp_path / "claims.jsonl"
    corpus.write_text(json.dumps({"iss": f"https://{PROVIDER}", "aud": "1example23456789",
                                  "sub": "u", "custom:dept": "engineering"}) + "\n")  # fmt: skip
    data = run_cli(["diff", old, new, "--claims-file", corpus, "-f", "json"]).json()
    assert data["corpus_lines"] == 1
    assert any(1 in c["corpus_lines"] for c in data["changes"])
    ids = [c["id"] for c in data["changes"]]
    assert len(set(ids)) == len(ids)  # a stable id names one row


def test_jobs_replay_a_corpus_to_the_same_report(tmp_path: Path) -> None:
    old, new = _pools(tmp_path)
    corpus = tmp_path / "claims.jsonl"
    depts = ["engineering", "eng", "sales", "engineering-x"]
    lines = [json.dumps({"iss": f"https://{PROVIDER}", "aud": "1example23456789",
                         "sub": f"u{i}", "custom:dept": depts[i % 4]}) for i in range(2500)]  # fmt: skip
    lines[1200] = "not json"
    corpus.write_text("\n".join(lines) + "\n")
    args = ["diff", old, new, "--claims-file", corpus, "-f", "json"]
    one, two = run_cli(args), run_cli([*args, "--jobs", "2"])
    assert two.stdout == one.stdout
    assert two.stderr == one.stderr
    assert two.code == one.code == 2
    assert two.json()["corpus_lines"] == 2500


def test_sarif_output_for_a_change(tmp_path: Path) -> None:
    old, new = _pools(tmp_path)
    log = json.loads(run_cli(["diff", old, new, "-f", "sarif"]).stdout)
    assert log["runs"][0]["results"][0]["ruleId"].startswith("diff/")
