"""Text output a pull request's author cannot steer (issue: fail closed, item 9): claim values, pool
strings and file names print literally: no terminal control sequences, no bidi reordering, no forged
lines, no rich markup or emoji codes, and JUnit reports stay well-formed XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from simulator.render.terminal import _not_xml, printable
from tests.conftest import run_cli

POOL = "rules/pool.yaml"
HOSTILE = {
    "csi": "\x1b[31mred\x1b[0m",
    "osc": "\x1b]0;pwned\x07",
    "c1 csi": "\x9b2J",
    "bidi": "admin\u202enimda",
    "isolate": "x\u2066y\u2069",
    "newline": "x\nDecision  role PoolAdmin",
    "separator": "x\u2028y",
    "zero width": "ad\u200bmin",
}
STEERING = ["\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\u2028", "\u200b"]


def steers(text: str) -> list[str]:
    return [c for c in STEERING if c in text]


@pytest.fixture(autouse=True)
def _in_repo(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)


def test_printable_escapes_what_steers_a_terminal_and_keeps_the_rest() -> None:
    assert printable("\x1b[31m\u202e\x85\n\t") == "\\x1b[31m\\u202e\\x85\\n\\t"
    assert printable("Zürich 東京 😀 a b") == "Zürich 東京 😀 a b"
    assert printable("a\nb", keep="\n") == "a\nb"


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_claim_values_in_the_trace_print_literally(tmp_path: Path, value: str) -> None:
    claims = json.loads(Path("examples/claims/unverified.json").read_text())
    claims["custom:department"] = value
    path = tmp_path / "c.json"
    path.write_text(json.dumps(claims))
    r = run_cli(["simulate", "-c", POOL, "--claims", path])
    assert r.code == 0, r.stderr
    assert steers(r.stdout) == []
    assert [line.split()[0] for line in r.stdout.splitlines()].count("Decision") == 1


def test_rich_markup_and_emoji_codes_in_a_claim_print_as_written(tmp_path: Path) -> None:
    claims = json.loads(Path("examples/claims/unverified.json").read_text())
    claims["custom:department"] = "[bold red]sales[/] :warning:"
    path = tmp_path / "c.json"
    path.write_text(json.dumps(claims))
    r = run_cli(["simulate", "-c", POOL, "--claims", path])
    assert "[bold red]sales[/] :warning:" in r.stdout


def _pool_with_value(tmp_path: Path, value: str) -> Path:
    text = Path(POOL).read_text()
    pool = tmp_path / "new.yaml"
    pool.write_text(text.replace("Value: admins", "Value: " + json.dumps(value)))
    return pool


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_diff_witnesses_and_lint_messages_print_literally(tmp_path: Path, value: str) -> None:
    if "\n" in value:
        value = value.replace("\n", "\\n")  # a rule value: the service's ClaimValue has no newline
    new = _pool_with_value(tmp_path, value)
    diff = run_cli(["diff", POOL, new])
    assert diff.code == 1, diff.stderr
    assert steers(diff.stdout) == []
    lint = run_cli(["lint", new, "--min-severity", "info"])
    assert steers(lint.stdout) == []
    for fmt in ("junit",):
        xml = run_cli(["diff", POOL, new, "-f", fmt]).stdout
        ET.fromstring(xml)  # well-formed, whatever the witness holds
        assert steers(xml) == []


def test_cases_and_policy_text_print_names_literally(tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        f"pool: {Path(POOL).resolve()}\ncases:\n"
        '  - {name: "[bold]x\\e]0;t\\a", unauthenticated: true, expect: {role: Nope}}\n'
    )
    r = run_cli(["test", cases])
    assert r.code == 1
    assert "[bold]x\\x1b]0;t" in r.stdout  # rich itself drops the BEL
    assert steers(r.stdout) == []
    policy = tmp_path / "p.json"
    policy.write_text('{"Version": "2012-10-17", "Statement": []}')
    r = run_cli(["policy", "eval", "-p", policy, "-a", "s3:[red]Get\x1b[2J", "-r", "*"])
    assert "s3:[red]Get\\x1b[2J" in r.stdout
    assert steers(r.stdout) == []


def test_error_messages_print_literally(tmp_path: Path) -> None:
    pool = tmp_path / "pool.yaml"
    pool.write_text(Path(POOL).read_text() + '"Bad\\e]0;pwned\\a\\u202e": 1\n')
    r = run_cli(["simulate", "-c", pool, "--unauthenticated"])
    assert r.code == 2
    assert "Bad\\x1b]0;pwned\\x07\\u202e" in r.stderr
    assert steers(r.stderr) == []


def test_junit_text_keeps_exactly_the_characters_xml_1_0_allows() -> None:
    # XML 1.0 §2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
    def xml_char(c: int) -> bool:
        return c in (0x9, 0xA, 0xD) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or c >= 0x10000

    refused = [c for c in range(0x110000) if _not_xml().match(chr(c))]
    assert refused == [c for c in range(0x110000) if not xml_char(c)]
