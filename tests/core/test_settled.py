"""settled.yaml (what `rolesim probe` saw AWS do) read back: choices applied and reported as observed.

An observed choice is a choice like any other for the engine; what changes is its provenance: the
`uncertain` entry says `basis: observed` with the region and date instead of "decided assuming".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.assumptions import REGISTRY, AssumptionSet, Name, Observation, Setting
from simulator.errors import ConfigError
from simulator.model.document import parse_text
from simulator.model.settled import (
    Evidence,
    Inconclusive,
    Settled,
    SettledFile,
    dump_settled,
    load_settled,
    settled_from_document,
)
from tests.conftest import run_cli
from tests.core.builders import ADMIN, AUTH, decide, pool, rule, token

SEEN = Observation("eu-west-1", "2025-06-01", "1a2b3c4d")


def _file(*settled: Settled) -> SettledFile:
    return SettledFile(settled, (), {}, "1a2b3c4d", "eu-west-1", "2025-06-01")


def _array_pool(**extra: object) -> object:
    return pool(
        rules=[rule("cognito:groups", "Equals", "admins", ADMIN)],
        ambiguous="AuthenticatedRole",
        **extra,
    )


def test_an_observed_choice_is_reported_as_observed_with_region_and_date() -> None:
    p = _array_pool(
        Assumptions={
            "array-claim-match": {
                "observed": "some-element",
                "region": "eu-west-1",
                "date": "2025-06-01",
                "run_id": "1a2b3c4d",
            }
        }
    )
    d = decide(p, token(cognito__groups=["admins"]))  # type: ignore[arg-type]
    assert d.role_arn == ADMIN
    (u,) = d.uncertain
    assert u.observed == SEEN
    assert u.detail.startswith("observed in eu-west-1 on 2025-06-01, probe run 1a2b3c4d:")
    out = u.to_json()
    assert out["basis"] == "observed"
    assert out["observed"] == {"region": "eu-west-1", "date": "2025-06-01", "run_id": "1a2b3c4d"}
    assert d.to_json()["observed_assumptions"] == {
        "array-claim-match": {
            "choice": "some-element",
            "region": "eu-west-1",
            "date": "2025-06-01",
            "run_id": "1a2b3c4d",
        }
    }


def test_an_observed_alternative_is_in_force_and_the_default_becomes_the_other_outcome() -> None:
    p = _array_pool(
        Assumptions={
            "array-claim-match": {
                "observed": "json-text",
                "region": "eu-west-1",
                "date": "2025-06-01",
            }
        }
    )
    d = decide(p, token(cognito__groups=["admins"]))  # type: ignore[arg-type]
    assert d.role_arn == AUTH  # '["admins"]' is not equal to 'admins'
    (u,) = d.uncertain
    assert u.basis == "observed"
    assert u.alternative_outcome.key[:2] == ("role", ADMIN)
    assert d.to_json()["assumptions"] == {"array-claim-match": "json-text"}


def test_without_an_observation_the_choice_is_assumed_and_the_json_says_so() -> None:
    d = decide(_array_pool(), token(cognito__groups=["admins"]))  # type: ignore[arg-type]
    (u,) = d.uncertain
    assert u.to_json()["basis"] == "assumed"
    assert "observed" not in u.to_json()
    assert "observed_assumptions" not in d.to_json()


def test_a_later_plain_choice_replaces_an_observation() -> None:
    seen = AssumptionSet.parse([Setting("array-claim-match", "json-text", SEEN)])
    assert seen.basis(Name.ARRAY_CLAIM_MATCH) == "observed"
    later = AssumptionSet.parse([("array-claim-match", "json-text")], base=seen)
    assert later.basis(Name.ARRAY_CLAIM_MATCH) == "assumed"
    assert later.alt(Name.ARRAY_CLAIM_MATCH)


def test_flipping_an_observed_assumption_drops_its_observation_only() -> None:
    seen = AssumptionSet.parse(
        [
            Setting("array-claim-match", "some-element", SEEN),
            Setting("case-sensitive-match", "sensitive", SEEN),
        ]
    )
    flipped = seen.flipped(Name.ARRAY_CLAIM_MATCH)
    assert flipped.observation(Name.ARRAY_CLAIM_MATCH) is None
    assert flipped.observation(Name.CASE_SENSITIVE_MATCH) == SEEN


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("format: other/1\n", ":1: format", "not a format rolesim reads"),
        (
            "format: rolesim-settled/1\nassumptions:\n  no-such-thing: {observed: x, region: "
            "us-east-1, date: '2025-01-01'}\n",
            ':3: assumptions["no-such-thing"]',
            "unknown assumption",
        ),
        (
            "format: rolesim-settled/1\nassumptions:\n  array-claim-match:\n    observed: "
            "sometimes\n    region: us-east-1\n    date: '2025-01-01'\n",
            ':4: assumptions["array-claim-match"].observed',
            "'sometimes' is not a choice of array-claim-match",
        ),
        (
            "format: rolesim-settled/1\nassumptions:\n  array-claim-match:\n    observed: "
            "json-text\n    region: us-east-1\n    date: 'June'\n",
            ':6: assumptions["array-claim-match"].date',
            "'June' is not a date",
        ),
        (
            "format: rolesim-settled/1\nassumptions:\n  array-claim-match:\n    observed: "
            "json-text\n    region: Mars\n    date: '2025-01-01'\n",
            ':5: assumptions["array-claim-match"].region',
            "is not a region name",
        ),
        ("format: rolesim-settled/1\nrun_id: '*'\n", ":2: run_id", "is not a probe run id"),
    ],
)
def test_a_bad_settled_file_names_the_file_line_and_path(
    tmp_path: Path, text: str, where: str, problem: str
) -> None:
    path = tmp_path / "settled.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settled(path)
    assert where in str(caught.value)
    assert problem in str(caught.value)


def test_an_unquoted_yaml_date_is_read_as_the_date_it_is() -> None:
    doc = parse_text(
        "format: rolesim-settled/1\nassumptions:\n  array-claim-match:\n    observed: json-text\n"
        "    region: us-east-1\n    date: 2025-01-02\n",
        "s.yaml",
    )
    (entry,) = settled_from_document(doc).settled
    assert entry.observation.date == "2025-01-02"


def test_newer_results_replace_older_ones_for_what_they_probed() -> None:
    old = _file(
        Settled(Name.ARRAY_CLAIM_MATCH, "json-text", SEEN),
        Settled(Name.CASE_SENSITIVE_MATCH, "sensitive", SEEN),
    )
    later = Observation("us-east-1", "2025-07-01", "0000abcd")
    newer = SettledFile(
        (Settled(Name.ARRAY_CLAIM_MATCH, "some-element", later),),
        (Inconclusive(Name.SCALAR_CLAIM_TEXT, "neither", later),),
        {},
        "0000abcd",
        "us-east-1",
        "2025-07-01",
    )
    merged = old.merged(newer)
    assert {(s.name, s.choice) for s in merged.settled} == {
        (Name.CASE_SENSITIVE_MATCH, "sensitive"),
        (Name.ARRAY_CLAIM_MATCH, "some-element"),
    }
    assert merged.run_id == "0000abcd"


_PROBED = [n for n, a in REGISTRY.items() if a.alternative is not None]
_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(str.strip)


@st.composite
def _settled_files(draw: st.DrawFn) -> SettledFile:
    names = draw(st.lists(st.sampled_from(_PROBED), unique=True, max_size=6))
    cut = draw(st.integers(0, len(names)))
    seen = Observation(
        draw(st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2"])),
        draw(st.dates()).isoformat(),
        draw(st.none() | st.text("0123456789abcdef", min_size=8, max_size=8)),
    )
    evidence = tuple(
        Evidence(draw(_TEXT), draw(_TEXT), draw(_TEXT)) for _ in range(draw(st.integers(0, 2)))
    )
    settled = tuple(
        Settled(
            n,
            draw(st.sampled_from([REGISTRY[n].default, REGISTRY[n].alternative or ""])),
            seen,
            evidence,
        )
        for n in names[:cut]
    )
    inconclusive = tuple(Inconclusive(n, draw(_TEXT), seen, evidence) for n in names[cut:])
    return SettledFile(settled, inconclusive, {}, seen.run_id, seen.region, seen.date)


@given(_settled_files())
def test_what_probe_writes_reads_back_the_same(settled: SettledFile) -> None:
    back = settled_from_document(parse_text(dump_settled(settled), "settled.yaml"))
    assert back.to_json() == settled.to_json()
    assert AssumptionSet.parse(back.settings()) == AssumptionSet.parse(settled.settings())


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | _TEXT,
        lambda c: st.lists(c, max_size=3) | st.dictionaries(_TEXT, c, max_size=3),
        max_leaves=12,
    )
)
def test_any_document_is_read_or_refused_with_a_config_error(data: object) -> None:
    doc = parse_text(json.dumps({"format": "rolesim-settled/1", "assumptions": data}), "s.yaml")
    try:
        settled_from_document(doc)
    except ConfigError as err:
        assert err.path[:1] in ((), ("assumptions",))


def test_simulate_assume_from_reports_observed_in_json_and_text(root: Path, tmp_path: Path) -> None:
    settled = tmp_path / "settled.yaml"
    settled.write_text(
        dump_settled(_file(Settled(Name.CASE_SENSITIVE_MATCH, "sensitive", SEEN))),
        encoding="utf-8",
    )
    claims = json.loads((root / "examples/claims/engineer.json").read_text(encoding="utf-8"))
    claims["custom:department"] = "Engineering"  # the rule says engineering: case decides
    claims_file = tmp_path / "claims.json"
    claims_file.write_text(json.dumps(claims), encoding="utf-8")
    args = ["simulate", "-c", root / "rules/pool.yaml", "--claims", claims_file]

    out = run_cli([*args, "-f", "json", "--assume-from", settled]).json()
    (u,) = [u for u in out["uncertain"] if u["assumption"] == "case-sensitive-match"]
    assert u["basis"] == "observed"
    assert u["observed"]["date"] == "2025-06-01"
    assert out["observed_assumptions"]["case-sensitive-match"]["choice"] == "sensitive"
    text = run_cli([*args, "--assume-from", settled]).stdout
    assert "Observed       case-sensitive-match: observed in eu-west-1 on 2025-06-01" in text
    # A batch line says the basis in `uncertain` and leaves the provenance table out.
    corpus = tmp_path / "claims.jsonl"
    corpus.write_text(json.dumps(claims) + "\n", encoding="utf-8")
    batch_args = ["simulate", "-c", root / "rules/pool.yaml", "--claims-file", corpus, "-f", "json"]
    (line,) = run_cli([*batch_args, "--assume-from", settled]).lines()
    assert "observed_assumptions" not in line
    basis = {u["assumption"]: u["basis"] for u in line["uncertain"]}
    assert basis["case-sensitive-match"] == "observed"
    # --assume wins over the settled file, and its choice is assumed again.
    again = run_cli([*args, "--assume-from", settled, "--assume", "case-sensitive-match=sensitive"])
    assert "Uncertain      case-sensitive-match: decided assuming sensitive" in again.stdout


def test_assume_from_a_bad_file_is_bad_input_before_any_output(root: Path, tmp_path: Path) -> None:
    settled = tmp_path / "settled.yaml"
    settled.write_text("format: rolesim-settled/1\nassumptions: [1]\n", encoding="utf-8")
    r = run_cli(
        [
            "simulate",
            "-c",
            root / "rules/pool.yaml",
            "--claims",
            root / "examples/claims/admin.json",
            "--assume-from",
            settled,
        ]
    )
    assert r.code == 2
    assert r.stdout == ""
    assert f"{settled}:2: assumptions: expected a mapping" in r.stderr
