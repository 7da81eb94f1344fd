"""What the identity pool does for one login: a role granted, or a refusal with the AWS error.

Results carry their own explanation (`trace`); renderers only format it. `to_json()` is CONTRACT §5.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from simulator.access import AccessResult
    from simulator.claims import TokenInfo
    from simulator.iam import TrustDecision

DecidedKind = Literal[
    "rule",
    "token_preferred_role",
    "custom_role_arn",
    "ambiguous_default",
    "ambiguous_deny",
    "default_authenticated",
    "unauthenticated",
    "basic_flow",
    "error",
]


@dataclass(frozen=True, slots=True)
class DecidedBy:
    kind: DecidedKind
    rule_index: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.rule_index is not None:
            out["rule_index"] = self.rule_index
        return out


@dataclass(frozen=True, slots=True)
class ServiceError:
    """The exception the real service would return (its API name) and its message."""

    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class Granted:
    role_arn: str
    decided_by: DecidedBy
    principal_tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[Any, ...]:
        return ("role", self.role_arn, tuple(sorted(self.principal_tags.items())))


@dataclass(frozen=True, slots=True)
class Refused:
    error: ServiceError
    decided_by: DecidedBy

    @property
    def key(self) -> tuple[Any, ...]:
        return ("error", self.error.code)


Outcome = Granted | Refused


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    if isinstance(outcome, Granted):
        return {
            "role_arn": outcome.role_arn,
            "decided_by": outcome.decided_by.to_json(),
            "principal_tags": dict(outcome.principal_tags),
            "error": None,
        }
    return {
        "role_arn": None,
        "decided_by": outcome.decided_by.to_json(),
        "principal_tags": {},
        "error": outcome.error.to_json(),
    }


@dataclass(frozen=True, slots=True)
class Uncertainty:
    assumption: str
    detail: str
    alternative_outcome: Outcome

    def to_json(self) -> dict[str, Any]:
        return {
            "assumption": self.assumption,
            "detail": self.detail,
            "alternative_outcome": outcome_json(self.alternative_outcome),
        }


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One step of the explanation: `step` names the stage, `message` says it in words."""

    step: str
    message: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, "message": self.message, **self.data}


@dataclass(frozen=True, slots=True)
class Decision:
    identity_pool_id: str
    flow: Literal["enhanced", "basic"]
    authenticated: bool
    login_provider: str | None
    role_mapping_key: str | None
    outcome: Outcome
    identity_id: str | None  # as given (--identity-id); None lets evaluators pick a stand-in
    uncertain: tuple[Uncertainty, ...] = ()
    trace: tuple[TraceStep, ...] = ()
    notes: tuple[str, ...] = ()
    token: TokenInfo | None = None  # how the claims were read; never the token itself
    assumptions: Mapping[str, str] = field(default_factory=dict)
    trust: TrustDecision | None = None  # with IAM data: may STS assume the role for this login?
    access: tuple[AccessResult, ...] = ()  # with IAM data and requests: what the credentials may do

    @property
    def role_arn(self) -> str | None:
        return self.outcome.role_arn if isinstance(self.outcome, Granted) else None

    @property
    def error(self) -> ServiceError | None:
        return self.outcome.error if isinstance(self.outcome, Refused) else None

    @property
    def principal_tags(self) -> Mapping[str, str]:
        return self.outcome.principal_tags if isinstance(self.outcome, Granted) else {}

    @property
    def decided_by(self) -> DecidedBy:
        return self.outcome.decided_by

    def to_json(self, *, trace: bool = True) -> dict[str, Any]:
        """CONTRACT §5, plus identity_id, notes, assumptions, token, trust, access and trace."""
        o = self.outcome
        if isinstance(o, Granted):
            role_arn, tags, error = o.role_arn, dict(o.principal_tags), None
        else:
            role_arn, tags, error = None, {}, o.error.to_json()
        out: dict[str, Any] = {
            "identity_pool_id": self.identity_pool_id,
            "flow": self.flow,
            "authenticated": self.authenticated,
            "login_provider": self.login_provider,
            "role_mapping_key": self.role_mapping_key,
            "role_arn": role_arn,
            "decided_by": o.decided_by.to_json(),
            "principal_tags": tags,
            "error": error,
            "uncertain": [u.to_json() for u in self.uncertain],
            "identity_id": self.identity_id,
            "notes": list(self.notes),
            "assumptions": dict(self.assumptions),
        }
        if self.token is not None:
            out["token"] = self.token.to_json()
        if self.trust is not None:
            out["trust"] = self.trust.to_json()
        if self.access:
            out["access"] = [a.to_json() for a in self.access]
        if trace:
            out["trace"] = [s.to_json() for s in self.trace]
        return out
