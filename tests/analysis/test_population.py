"""`diff --claims-file`: how many users of a real population each change moves, and which.

The counts are over corpus lines: a line is moved by a change when the two pools decide it
differently, and falls in exactly one change (the row its outcomes belong to).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.analysis.diff import diff_pools
from simulator.analysis.population import Moved, PopulationSummary, movement
from simulator.model import pool_from_dict
from simulator.request import LoginRequest
from simulator.simulate import decide
from tests.analysis.pools import CLIENT, PROVIDER, pool_dict, rule
from tests.conftest import run_cli

ISS = f"https://{PROVIDER}"


def _pools() -> tuple[Any, Any, dict[str, Any], dict[str, Any]]:
    old_doc = pool_dict([rule("custom:dept", "Equals", "engineering", "Eng")])
    old_doc["RoleMappings"][f"{PROVIDER}:{CLIENT}"]["AmbiguousRoleResolution"] = "AuthenticatedRole"
    new_doc = pool_dict(
        [
            rule("custom:dept", "Equals", "eng", "Eng"),
            rule("custom:dept", "Equals", "sales", "Auth"),
        ]
    )
    return (
        pool_from_dict(old_doc, "old.yaml"),
        pool_from_dict(new_doc, "new.yaml"),
        old_doc,
        new_doc,
    )


def _user(i: int, dept: str) -> str:
    return json.dumps({"iss": ISS, "aud": CLIENT, "token_use": "id", "sub": f"user-{i:04d}",
                       "custom:dept": dept})  # fmt: skip


def _corpus() -> list[str]:
    # 300 engineering (Eng before, refused now), 500 sales (Auth both), 200 eng (Auth -> Eng).
    depts = ["engineering"] * 300 + ["sales"] * 500 + ["eng"] * 200
    return [_user(i, d) for i, d in enumerate(depts)]


def test_each_change_counts_the_users_it_moves_with_examples_by_sub() -> None:
    old, new, _, _ = _pools()
    report = diff_pools(old, new, corpus=_corpus())
    moved = {c.population.movement: c.population for c in report.changes if c.corpus_lines}
    assert moved["refused"].users == 300
    assert moved["refused"].old == "Eng"
    assert moved["refused"].new == "NotAuthorizedException"
    assert moved["refused"].examples == ("user-0000", "user-0001", "user-0002")
    assert moved["moved"].users == 200
    assert (moved["moved"].old, moved["moved"].new) == ("Auth", "Eng")
    assert moved["moved"].examples[0] == "user-0800"
    population = report.population
    assert population is not None
    assert population.to_json() == {
        "users": 1000, "changed": 500, "unchanged": 500, "moved": 200, "refused": 300,
        "granted": 0, "tags": 0, "error": 0,
        "summary": "this change refuses 300 of 1,000 users (Eng before, NotAuthorizedException "
        "now), and sends 200 from Auth to Eng",
    }  # fmt: skip


def test_the_json_keeps_the_contract_and_adds_population() -> None:
    old, new, _, _ = _pools()
    out = diff_pools(old, new, corpus=_corpus()).to_json()
    assert {"equivalent", "changes", "complete"} <= set(out)
    assert out["population"]["users"] == 1000
    for change in out["changes"]:
        assert {"claims", "provider", "old", "new", "corpus_lines"} <= set(change)
        assert change["population"]["users"] == len(change["corpus_lines"])
    without = diff_pools(old, new).to_json()
    assert without["population"] is None
    assert all(c["population"]["users"] == 0 for c in without["changes"])


def test_the_markdown_report_leads_with_the_population(tmp_path: Path) -> None:
    _, _, old_doc, new_doc = _pools()
    old_file, new_file, corpus = tmp_path / "old.json", tmp_path / "new.json", tmp_path / "u.jsonl"
    old_file.write_text(json.dumps(old_doc))
    new_file.write_text(json.dumps(new_doc))
    corpus.write_text("\n".join(_corpus()) + "\n")
    text = run_cli(["diff", old_file, new_file, "--claims-file", corpus])
    assert text.code == 1
    assert "**Population**: this change refuses 300 of 1,000 users" in text.stdout
    assert "| accepted | users |" in text.stdout
    assert (
        "300 user(s) of the claims corpus move this way (e.g. user-0000, user-0001" in text.stdout
    )
    js = run_cli(["diff", old_file, new_file, "--claims-file", corpus, "-f", "json"]).json()
    assert js["population"]["refused"] == 300
    sarif = run_cli(["diff", old_file, new_file, "--claims-file", corpus, "-f", "sarif"]).json()
    messages = [r["message"]["text"] for r in sarif["runs"][0]["results"]]
    assert any("(300 of 1,000 users of the corpus)" in m for m in messages)


def test_a_bad_corpus_line_is_refused_alone_and_not_counted(tmp_path: Path) -> None:
    _, _, old_doc, new_doc = _pools()
    old_file, new_file, corpus = tmp_path / "old.json", tmp_path / "new.json", tmp_path / "u.jsonl"
    old_file.write_text(json.dumps(old_doc))
    new_file.write_text(json.dumps(new_doc))
    corpus.write_bytes(_user(1, "eng").encode() + b"\n\xff\xfe\n")
    result = run_cli(["diff", old_file, new_file, "--claims-file", corpus, "-f", "json"])
    assert result.code == 2
    population = result.json()["population"]
    assert population["users"] == 1
    assert population["moved"] == 1


def test_movements_name_what_happens_to_the_user() -> None:
    old, new, _, _ = _pools()

    def d(pool: Any, dept: str) -> Any:
        return decide(pool, LoginRequest({"iss": ISS, "aud": CLIENT, "custom:dept": dept}))

    assert movement(d(old, "engineering"), d(new, "engineering")) == "refused"
    assert movement(d(new, "engineering"), d(old, "engineering")) == "granted"
    assert movement(d(old, "eng"), d(new, "eng")) == "moved"
    assert movement(d(old, "sales"), d(new, "sales")) == "tags"  # same role


def test_the_sentence_joins_every_change_largest_first() -> None:
    summary = PopulationSummary(
        50_000,
        (
            Moved("refused", 3, "PoolEngineering", "NotAuthorizedException"),
            Moved("moved", 1204, "PoolEngineering", "PoolAuth"),
        ),
    )
    assert summary.sentence() == (
        "this change sends 1,204 of 50,000 users from PoolEngineering to PoolAuth, and refuses 3 "
        "(PoolEngineering before, NotAuthorizedException now)"
    )
    assert PopulationSummary(50_000, ()).sentence() == "this change moves none of the 50,000 users"
    many = PopulationSummary(100, tuple(Moved("moved", 10 - i, f"R{i}", "Auth") for i in range(8)))
    assert many.sentence().endswith("sends 6 from R4 to Auth, and 3 more change(s) move 12")


DEPTS = st.sampled_from(["engineering", "eng", "sales", "Eng", "hr"])


@settings(max_examples=40)
@given(st.lists(DEPTS, min_size=1, max_size=80))
def test_every_line_decided_differently_is_counted_once(depts: list[str]) -> None:
    old, new, _, _ = _pools()
    corpus = [_user(i, d) for i, d in enumerate(depts)]
    report = diff_pools(old, new, corpus=corpus)
    differ = Counter()
    for line in corpus:
        request = LoginRequest(json.loads(line))
        a, b = decide(old, request), decide(new, request)
        if a.outcome.key != b.outcome.key:
            differ[movement(a, b)] += 1
    population = report.population
    assert population is not None
    assert population.users == len(corpus)
    counts = population.counts()
    assert {k: v for k, v in counts.items() if v} == dict(differ)
    lines = [n for c in report.changes for n in c.corpus_lines]
    assert len(lines) == len(set(lines)) == sum(differ.values())


def test_simulate_prints_a_population_summary_on_stderr_only(root: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "u.jsonl"
    admin = json.loads((root / "examples/claims/admin.json").read_text())
    corpus.write_text("\n".join([json.dumps(admin)] * 3 + ["not json"]) + "\n")
    result = run_cli(["simulate", "-c", root / "rules/pool.yaml", "--claims-file", corpus,
                      "-f", "json"])  # fmt: skip
    assert result.code == 2
    assert len(result.lines()[:3]) == 3  # stdout: JSON lines only
    summary = result.stderr.splitlines()[-1]
    assert summary.startswith(f"rolesim: {corpus}: 4 lines in ")
    assert "decisions: 3 PoolAdmin" in summary
    assert summary.endswith("; 1 bad line")
