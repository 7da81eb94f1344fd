"""`rolesim graph` and the diagrams of lint and diff (issue 12.6): the pool as a picture.

The model is checked as a specification of what is drawn [RBAC: rules in order, the first match
wins, AmbiguousRoleResolution when none matches; guests get the unauthenticated role]; both
outputs are then read by the real tools (Graphviz's dot, Mermaid's own parser under Node), each
skipped cleanly where the tool is absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.analysis.graph import PoolGraph, pool_graph
from simulator.importers.source import load_pool_source
from simulator.model import pool_from_dict
from simulator.render.graph_dot import dot
from simulator.render.graph_mermaid import mermaid
from tests.conftest import run_cli

POOL = "rules/pool.yaml"
MERMAID_DIR = os.environ.get("ROLESIM_MERMAID_DIR")
PROVIDER = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
KEY = f"{PROVIDER}:client1"


def _pool(rules: list[dict[str, str]], **extra: object) -> dict[str, object]:
    return {
        "IdentityPoolId": "us-east-1:11111111-2222-3333-4444-555555555555",
        "AllowUnauthenticatedIdentities": False,
        "CognitoIdentityProviders": [{"ProviderName": PROVIDER, "ClientId": "client1"}],
        "Roles": {"authenticated": "arn:aws:iam::111122223333:role/Auth"},
        "RoleMappings": {
            KEY: {
                "Type": "Rules",
                "AmbiguousRoleResolution": "AuthenticatedRole",
                "RulesConfiguration": {"Rules": rules},
            }
        },
        **extra,
    }


def _rule(claim: str, value: str, role: str, match: str = "Equals") -> dict[str, str]:
    return {
        "Claim": claim,
        "MatchType": match,
        "Value": value,
        "RoleARN": f"arn:aws:iam::111122223333:role/{role}",
    }


def _edges(graph: PoolGraph) -> set[tuple[str, str, str]]:
    return {(graph.node(e.source).label, graph.node(e.target).label, e.kind) for e in graph.edges}


def test_rules_are_drawn_in_order_with_match_type_value_and_role() -> None:
    graph = pool_graph(load_pool_source(POOL))
    edges = _edges(graph)
    rule0 = "rule 0: cognito:groups Equals admins"
    rule1 = "rule 1: custom:department Equals engineering"
    assert (rule0, "PoolAdmin", "match") in edges
    assert (rule0, rule1, "no-match") in edges
    # [RBAC] no rule matches: AmbiguousRoleResolution Deny refuses.
    last = "rule 2: email_verified Equals true"
    refusal = "NotAuthorizedException: ambiguous role mapping denied"
    assert (last, refusal, "ambiguous") in edges
    # [RBAC] guests get the unauthenticated role; no mapping applies to them.
    assert ("guest (no login)", "PoolGuest", "guest") in edges
    # A provider without a mapping gets the default authenticated role.
    assert ("accounts.google.com", "PoolAuth", "default") in edges
    # The pool carries IAM data: each role's trust of this pool is drawn.
    assert ("PoolAdmin", "trusts this pool", "trust") in edges


def test_an_unreachable_rule_is_marked() -> None:
    # aud is the client id of this provider's tokens: a rule asking for another can never match.
    pool = pool_from_dict(_pool([_rule("aud", "another-client", "Never"), _rule("g", "x", "G")]))
    graph = pool_graph(pool)
    marks = {n.label: n.marks for n in graph.nodes if n.kind == "rule"}
    assert marks["rule 0: aud Equals another-client"] == {"unreachable"}
    assert marks["rule 1: g Equals x"] == frozenset()
    assert "(unreachable)" in mermaid(graph)
    assert "(unreachable)" in dot(graph)


def test_guests_of_a_pool_that_refuses_them_are_drawn_refused() -> None:
    graph = pool_graph(pool_from_dict(_pool([_rule("g", "x", "G")])))
    edges = _edges(graph)
    refused = "NotAuthorizedException: unauthenticated access is not supported"
    assert ("guest (no login)", refused, "guest") in edges
    # AuthenticatedRole: a token no rule matches gets the default role, on the ambiguity path.
    assert ("rule 0: g Equals x", "Auth", "ambiguous") in edges


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30)


@given(value=_TEXT.filter(lambda v: v.strip() and len(v) <= 128))
def test_any_rule_value_stays_inside_its_label(value: str) -> None:
    """Quotes, brackets, `#`, backslashes or newlines in a value cannot end a label early."""
    pool = pool_from_dict(_pool([_rule("g", value.strip(), "G")]))
    drawn = mermaid(pool_graph(pool))
    node_lines = [line for line in drawn.splitlines() if "rule 0:" in line]
    assert len(node_lines) == 1
    assert node_lines[0].count('"') == 2
    dotted = dot(pool_graph(pool))
    line = next(line for line in dotted.splitlines() if "rule 0:" in line)
    assert line.replace("\\\\", "").replace('\\"', "").count('"') % 2 == 0


def test_graph_command_writes_mermaid_and_dot(tmp_path: Path) -> None:
    r = run_cli(["graph", POOL])
    assert r.code == 0
    assert r.stdout.startswith("flowchart LR\n")
    r = run_cli(["graph", "-c", POOL, "-f", "dot", "-o", tmp_path / "pool.dot"])
    assert r.code == 0
    assert (tmp_path / "pool.dot").read_text().startswith("digraph pool {")
    r = run_cli(["graph", POOL, "-f", "png"])
    assert r.code == 2
    assert "'png' is not one of 'mermaid', 'dot'" in r.stderr


def test_lint_and_diff_reports_embed_a_diagram_of_what_they_are_about() -> None:
    changed = "tests/render/golden/inputs/pool-changed.yaml"
    r = run_cli(["diff", POOL, changed])
    assert "```mermaid\nflowchart LR" in r.stdout
    assert "class n" in r.stdout
    assert "changed" in r.stdout
    r = run_cli(["lint", POOL])
    assert "```mermaid" in r.stdout  # RS119 findings sit on the user pool's mapping
    assert run_cli(["lint", POOL, "-f", "json"]).json().get("graph") is None


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_dot_output_renders_with_graphviz(tmp_path: Path) -> None:
    for pool in (POOL, "examples/iac/cloudformation/template.yaml"):
        source = run_cli(["graph", pool, "-f", "dot"]).stdout
        done = subprocess.run(
            ["dot", "-Tsvg"], input=source, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        assert "<svg" in done.stdout


@pytest.mark.skipif(
    shutil.which("node") is None or not MERMAID_DIR,
    reason="Mermaid's parser is not installed (set ROLESIM_MERMAID_DIR to a folder where "
    "`npm install --prefix DIR mermaid@11 jsdom` ran)",
)
def test_mermaid_output_parses_with_mermaid(tmp_path: Path) -> None:
    texts = {
        "graph": run_cli(["graph", POOL]).stdout,
        "diff": _fenced(run_cli(["diff", POOL, "tests/render/golden/inputs/pool-changed.yaml"])),
        "lint": _fenced(run_cli(["lint", POOL])),
    }
    hostile = pool_from_dict(_pool([_rule("g", 'a"b]#c<d>`e', "G"), _rule("h", "x|y", "H")]))
    texts["hostile"] = mermaid(pool_graph(hostile))
    script = Path(__file__).with_name("mermaid_parse.mjs")
    for name, text in texts.items():
        path = tmp_path / f"{name}.mmd"
        path.write_text(text)
        done = subprocess.run(
            ["node", str(script), str(path)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{name}: {done.stderr}\n{text}"


def _fenced(result: object) -> str:
    stdout = getattr(result, "stdout", "")
    return stdout.split("```mermaid\n", 1)[1].split("```", 1)[0]
