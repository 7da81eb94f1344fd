"""Optional checks against a real AWS account; skipped unless ROLESIM_LIVE_POOL_ID names a pool.

ROLESIM_LIVE_POOL_ID=us-east-1:…  [ROLESIM_LIVE_ID_TOKEN=path/to/id-token]  AWS_PROFILE=…
python -m pytest -m live_aws
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import run_cli

POOL_ID = os.environ.get("ROLESIM_LIVE_POOL_ID")
ID_TOKEN = os.environ.get("ROLESIM_LIVE_ID_TOKEN")

pytestmark = [
    pytest.mark.live_aws,
    pytest.mark.skipif(not POOL_ID, reason="set ROLESIM_LIVE_POOL_ID to run against real AWS"),
]


@pytest.fixture(scope="module")
def pulled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("live") / "pool.yaml"
    result = run_cli(["pull", "--identity-pool-id", str(POOL_ID), "--with-iam", "--output", out])
    assert result.code == 0, result.stderr
    return out


def test_pull_loads_back(pulled: Path) -> None:
    from simulator.model import load_pool

    assert load_pool(pulled).identity_pool_id == POOL_ID


@pytest.mark.skipif(not ID_TOKEN, reason="set ROLESIM_LIVE_ID_TOKEN to verify a sign-in")
def test_verify_matches_the_prediction(pulled: Path) -> None:
    result = run_cli(
        ["verify", "--config", pulled, "--id-token", str(ID_TOKEN), "--format", "json"]
    )
    assert result.code == 0, result.stdout + result.stderr
    assert Path(str(ID_TOKEN)).read_text().strip() not in result.stdout + result.stderr
