"""A probe: one concrete request to the identity pool (claims and GetCredentialsForIdentity inputs).

Every witness the analysis reports is a probe, and every outcome it reports is what the ordinary
engine (`resolve`) returns for that probe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from simulator.claims import PLAIN_CLAIMS, Login, login_for
from simulator.decision import Decision
from simulator.model.pool import IdentityPool
from simulator.resolve import ResolveOptions, resolve


@dataclass(frozen=True, slots=True)
class Probe:
    provider: str | None  # the Logins name; None: derived from iss (or a guest)
    claims: Mapping[str, Any] | None  # None: an unauthenticated (guest) identity
    custom_role_arn: str | None = None
    flow: Literal["enhanced", "basic"] = "enhanced"
    basic_role_arn: str | None = None

    @property
    def guest(self) -> bool:
        return self.claims is None

    def login(self, pool: IdentityPool) -> Login:
        if self.claims is None:
            return Login.guest()
        return login_for(self.claims, PLAIN_CLAIMS, pool, provider=self.provider)

    def decide(self, pool: IdentityPool, *, explain: bool = False) -> Decision:
        options = ResolveOptions(
            flow=self.flow,
            custom_role_arn=self.custom_role_arn,
            basic_role_arn=self.basic_role_arn,
            explain=explain,
        )
        return resolve(pool, self.login(pool), options)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "unauthenticated": self.guest,
            "provider": self.provider,
            "claims": dict(self.claims) if self.claims is not None else None,
        }
        if self.custom_role_arn is not None:
            out["custom_role_arn"] = self.custom_role_arn
        if self.flow != "enhanced":
            out["flow"] = self.flow
            out["role_arn"] = self.basic_role_arn
        return out

    def describe(self) -> str:
        """One line a reviewer can read: who asks, and how."""
        who = "guest (no login)" if self.guest else f"token from {self.provider}"
        extra = []
        if self.custom_role_arn:
            extra.append(f"CustomRoleArn {self.custom_role_arn}")
        if self.flow == "basic":
            extra.append(f"basic flow asking for {self.basic_role_arn}")
        return who + (f" ({', '.join(extra)})" if extra else "")


def outcome_summary(decision: Decision) -> str:
    """`role <arn> [tags k, l]` or `error <Code>`: the outcome without token-specific values."""
    if decision.role_arn is None:
        code = decision.error.code if decision.error else "?"
        return f"error {code} ({decision.decided_by.kind})"
    tags = sorted(decision.principal_tags)
    how: str = decision.decided_by.kind
    if decision.decided_by.rule_index is not None:
        how += f" {decision.decided_by.rule_index}"
    return f"role {decision.role_arn} ({how})" + (f" tags {', '.join(tags)}" if tags else "")


def outcome_shape(decision: Decision) -> tuple[Any, ...]:
    """What groups regions: role or error, how it was decided, which tag keys are set."""
    by = decision.decided_by
    return (
        decision.role_arn,
        decision.error.code if decision.error else None,
        by.kind,
        by.rule_index,
        tuple(sorted(decision.principal_tags)),
    )
