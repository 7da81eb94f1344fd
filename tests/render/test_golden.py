"""Golden text outputs at 80 and 160 columns (issue 12.3): what a reviewer reads in a terminal.

Each text format is rendered from a fixed result (fixed evaluation time, fixed inputs) at the
width under test and compared with its file under tests/render/golden/. After a deliberate change
of wording or layout, regenerate them with

    ROLESIM_UPDATE_GOLDEN=1 python -m pytest tests/render/test_golden.py

and review the diff like any other change.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from simulator.access import AccessRequest
from simulator.analysis.diff import diff_pools
from simulator.analysis.invariants import SearchSettings, check_pool, load_invariants
from simulator.analysis.lint import lint_file
from simulator.assumptions import AssumptionSet
from simulator.cases import load_cases, run_cases
from simulator.claims import read_claims
from simulator.iam import NamedPolicy, Request
from simulator.iam.policy import parse_policy
from simulator.importers.source import load_pool_source
from simulator.live.errors import ObservedError
from simulator.live.flows import Observation
from simulator.live.verify import VerifyReport, VerifyResult, compare
from simulator.model.document import read_file
from simulator.policy_eval import PolicyInputs
from simulator.render.cases import CASES_RENDERERS
from simulator.render.decision_text import SIMULATE_RENDERERS
from simulator.render.gate import CHECK_RENDERERS, DIFF_RENDERERS, LINT_RENDERERS
from simulator.render.policy_text import POLICY_RENDERERS
from simulator.render.verify_text import VERIFY_RENDERERS
from simulator.request import LoginRequest
from simulator.simulate import simulate
from tests.conftest import ROOT

GOLDEN = Path(__file__).parent / "golden"
INPUTS = Path("tests/render/golden/inputs")  # relative to the root: reports name their inputs
NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
POOL = "rules/pool.yaml"
UPDATE = os.environ.get("ROLESIM_UPDATE_GOLDEN") == "1"
ESCAPE = re.compile(r"\x1b")


def _login(claims_file: str) -> LoginRequest:
    claims, info = read_claims(claims_file)
    return LoginRequest(claims, info, source=claims_file)


def _simulate_denied() -> Any:
    pool = load_pool_source(POOL)
    return simulate(pool, _login("examples/claims/unverified.json"), now=NOW)


def _simulate_access() -> Any:
    pool = load_pool_source(POOL)
    requests = [
        AccessRequest("s3:PutObject", "arn:aws:s3:::example-data/engineering/report.csv", {}),
        AccessRequest("s3:PutObject", "arn:aws:s3:::example-data/sales/report.csv", {}),
    ]
    return simulate(
        pool, _login("examples/claims/engineer.json"), iam=pool.iam, requests=requests, now=NOW
    )


def _policy() -> Any:
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "TeamData",
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::example-data/${aws:PrincipalTag/team}/*",
                    "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                }
            ],
        },
        kind="identity",
    )
    inputs = PolicyInputs(identity=(NamedPolicy("team-data.json", policy),))
    request = Request(
        "s3:GetObject",
        "arn:aws:s3:::example-data/electrical/plan.pdf",
        {"aws:PrincipalTag/team": "electrical", "aws:SourceIp": "10.1.2.3"},
    )
    return inputs.decide(request, None, AssumptionSet())


def _cases() -> Any:
    return run_cases(load_cases(INPUTS / "failing-cases.yaml"), now=NOW)


def _lint() -> Any:
    return lint_file(POOL)


def _diff() -> Any:
    old = load_pool_source(POOL)
    new_path = INPUTS / "pool-changed.yaml"
    new_doc = read_file(new_path)
    from simulator.model import pool_from_document

    corpus = ['{"unauthenticated": true}\n', Path("examples/claims/admin.json").read_text()]
    return diff_pools(
        old,
        pool_from_document(new_doc),
        new_doc=new_doc,
        corpus=[line.replace("\n", " ").strip() + "\n" for line in corpus],
        now=NOW,
    )


def _check() -> Any:
    pool = load_pool_source(POOL)
    path = INPUTS / "broken-invariants.yaml"
    return check_pool(
        pool,
        load_invariants(path),
        settings=SearchSettings(examples=20, seed=0, now=NOW),
        invariants_source="broken-invariants.yaml",
    )


def _verify() -> Any:
    pool = load_pool_source(POOL)
    match = simulate(pool, _login("examples/claims/admin.json"), now=NOW, explain=False)
    same = Observation(
        "enhanced",
        identity_id="us-east-1:00000000-0000-0000-0000-000000000001",
        role_arn=match.role_arn,
        assumed_role_arn="arn:aws:sts::111122223333:assumed-role/PoolAdmin/CognitoIdentityCredentials",
        principal_tags=dict(match.principal_tags),
        amr=("authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"),
    )
    denied = simulate(pool, _login("examples/claims/unverified.json"), now=NOW, explain=False)
    other = Observation(
        "enhanced",
        error=ObservedError(
            "InvalidIdentityPoolConfigurationException",
            "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
            "GetCredentialsForIdentity",
        ),
        notes=("session tags cannot be observed in the enhanced flow",),
    )
    results = (
        VerifyResult("examples/claims/admin.json", None, match, same, compare(match, same)),
        VerifyResult(
            "examples/claims/unverified.json", None, denied, other, compare(denied, other)
        ),
    )
    return VerifyReport(results)


CASES: dict[str, tuple[Callable[[], Any], Any]] = {
    "simulate-denied": (_simulate_denied, SIMULATE_RENDERERS),
    "simulate-access": (_simulate_access, SIMULATE_RENDERERS),
    "policy-eval": (_policy, POLICY_RENDERERS),
    "test": (_cases, CASES_RENDERERS),
    "lint": (_lint, LINT_RENDERERS),
    "diff": (_diff, DIFF_RENDERERS),
    "check": (_check, CHECK_RENDERERS),
    "verify": (_verify, VERIFY_RENDERERS),
}


@pytest.mark.parametrize("width", [80, 160])
@pytest.mark.parametrize("name", sorted(CASES))
def test_text_output_matches_its_golden_file(
    name: str, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", str(width))
    build, renderers = CASES[name]
    from simulator.render.base import OutputFormat

    out = io.StringIO()
    renderers[OutputFormat.TEXT].render(build(), out)
    text = out.getvalue()
    golden = GOLDEN / f"{name}.{width}.txt"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden.name}: run with ROLESIM_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")
    # What a person reads at this width: no line longer (tables wrap inside their cells) and no
    # trailing padding; no escape sequence in a file; no Python repr of a dict, list or None.
    assert not ESCAPE.search(text)
    assert all(not line.endswith(" ") for line in text.splitlines())
    if not name.startswith(("lint", "diff", "check")):  # Markdown: a pull request wraps it
        assert max(len(line) for line in text.splitlines()) <= width
    assert not re.search(r"\{'|\['|got None|expected None", text)
