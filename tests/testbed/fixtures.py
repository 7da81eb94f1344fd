"""pytest fixtures: one server per session, a clean outcome table per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.testbed.server import Testbed, running_testbed


@pytest.fixture(scope="session")
def testbed_server() -> Iterator[Testbed]:
    with running_testbed() as testbed:
        yield testbed


@pytest.fixture
def testbed(testbed_server: Testbed) -> Iterator[Testbed]:
    testbed_server.ledger.clear()
    yield testbed_server
    testbed_server.ledger.clear()


@pytest.fixture
def bed(testbed: Testbed, monkeypatch: pytest.MonkeyPatch) -> Testbed:
    """The test bed with the process environment pointed at it (dummy keys, no real profile)."""
    for name, value in testbed.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return testbed
