"""What groups and summarises outcomes in the analysis.

Every witness the analysis reports is a `LoginRequest` (simulator.request), and every outcome it
reports is what the ordinary pipeline (simulator.simulate) returns for that request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from simulator.decision import DecidedBy, ServiceError


class Outcome(Protocol):
    """A Decision or an Assessment: both answer these."""

    @property
    def role_arn(self) -> str | None: ...
    @property
    def error(self) -> ServiceError | None: ...
    @property
    def decided_by(self) -> DecidedBy: ...
    @property
    def principal_tags(self) -> Mapping[str, str]: ...


def outcome_summary(decision: Outcome) -> str:
    """`role <arn> [tags k, l]` or `error <Code>`: the outcome without token-specific values."""
    if decision.role_arn is None:
        code = decision.error.code if decision.error else "?"
        return f"error {code} ({decision.decided_by.kind})"
    tags = sorted(decision.principal_tags)
    how: str = decision.decided_by.kind
    if decision.decided_by.rule_index is not None:
        how += f" {decision.decided_by.rule_index}"
    return f"role {decision.role_arn} ({how})" + (f" tags {', '.join(tags)}" if tags else "")


def outcome_shape(decision: Outcome) -> tuple[Any, ...]:
    """What groups regions: role or error, how it was decided, which tag keys are set."""
    by = decision.decided_by
    return (
        decision.role_arn,
        decision.error.code if decision.error else None,
        by.kind,
        by.rule_index,
        tuple(sorted(decision.principal_tags)),
    )
