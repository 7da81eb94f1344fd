"""What the identity pool does for one login: a role granted, or a refusal with the AWS error.

Results carry their own explanation (`trace`); renderers only format it. CONTRACT §5's fields are
written by `Assessment.to_json()` (simulator.access), which adds trust and access.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import msgspec

from simulator.assumptions import Observation
from simulator.request import Flow

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


class DecidedBy(msgspec.Struct, frozen=True):
    kind: DecidedKind
    rule_index: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.rule_index is not None:
            out["rule_index"] = self.rule_index
        return out


class ServiceError(msgspec.Struct, frozen=True):
    """The exception the real service would return (its API name) and its message."""

    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class Granted(msgspec.Struct, frozen=True):
    role_arn: str
    decided_by: DecidedBy
    principal_tags: Mapping[str, str] = msgspec.field(default_factory=dict)

    @property
    def key(self) -> tuple[Any, ...]:
        return ("role", self.role_arn, tuple(sorted(self.principal_tags.items())))


class Refused(msgspec.Struct, frozen=True):
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


class Uncertainty(msgspec.Struct, frozen=True):
    assumption: str
    detail: str
    alternative_outcome: Outcome
    observed: Observation | None = None  # AWS was seen to take the choice in force (settled.yaml)

    @property
    def basis(self) -> str:
        return "assumed" if self.observed is None else "observed"

    def to_json(self) -> dict[str, Any]:
        out = {
            "assumption": self.assumption,
            "detail": self.detail,
            "alternative_outcome": outcome_json(self.alternative_outcome),
            "basis": self.basis,
        }
        if self.observed is not None:
            out["observed"] = self.observed.to_json()
        return out


# --- the explanation: typed trace steps -------------------------------------------------------
# Each step is a sentence (`message`) plus the data a renderer or a script needs; `to_json()` keeps
# the shape {"step": <kind>, "message": ..., <fields>}. Renderers dispatch on the class.


class Step(msgspec.Struct, frozen=True, kw_only=True):
    """A remark that is neither a verdict nor a decision: `kind` says which kind of remark."""

    kind: ClassVar[str] = "note"
    message: str

    def data(self) -> dict[str, Any]:
        return {}

    def to_json(self) -> dict[str, Any]:
        return {"step": self.kind, "message": self.message, **self.data()}


class NoteStep(Step, frozen=True, kw_only=True):
    kind: ClassVar[str] = "note"


class FlowStep(Step, frozen=True, kw_only=True):
    kind: ClassVar[str] = "flow"


class DecisionStep(Step, frozen=True, kw_only=True):
    """Why the outcome is what it is, in words."""

    kind: ClassVar[str] = "decision"


class ProviderStep(Step, frozen=True, kw_only=True):
    kind: ClassVar[str] = "provider"
    provider: str | None  # None: a guest
    provider_kind: str | None

    def data(self) -> dict[str, Any]:
        if self.provider is None:
            return {}
        return {"provider": self.provider, "kind": self.provider_kind}


class MappingStep(Step, frozen=True, kw_only=True):
    kind: ClassVar[str] = "mapping"
    key: str | None = None  # None: no mapping for the provider

    def data(self) -> dict[str, Any]:
        return {"key": self.key} if self.key is not None else {}


RuleVerdict = Literal["match", "no-match", "skipped", "not-evaluated"]


class RuleStep(Step, frozen=True, kw_only=True):
    kind: ClassVar[str] = "rule"
    index: int
    claim: str
    match_type: str
    value: str
    role_arn: str
    verdict: RuleVerdict
    claim_present: bool = False
    claim_value: Any = None  # the token's value of the claim (when evaluated and present)

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "index": self.index,
            "verdict": self.verdict,
            "claim": self.claim,
            "match_type": self.match_type,
            "value": self.value,
            "role_arn": self.role_arn,
        }
        if self.verdict != "not-evaluated":
            out["claim_value"] = self.claim_value
        return out


class TokenRolesStep(Step, frozen=True, kw_only=True):
    kind: ClassVar[str] = "token-roles"
    roles: tuple[str, ...] | None = None
    preferred_role: str | None = None
    from_groups: bool = False  # derived from the user pool's groups, not read from the token

    def data(self) -> dict[str, Any]:
        if not self.from_groups:
            return {}
        return {"roles": list(self.roles or ()), "preferred_role": self.preferred_role}


class TagTraceStep(Step, frozen=True, kw_only=True):
    kind: ClassVar[str] = "tag"
    tag: str
    claim: str
    value: str | None  # None: no tag set

    def data(self) -> dict[str, Any]:
        return {"tag": self.tag, "claim": self.claim, "value": self.value}


class TagsStep(Step, frozen=True, kw_only=True):
    """About the session tags as a whole (no tag map for the provider)."""

    kind: ClassVar[str] = "tags"


TraceStep = (
    NoteStep | FlowStep | DecisionStep | ProviderStep | MappingStep | RuleStep | TokenRolesStep
    | TagTraceStep | TagsStep
)  # fmt: skip


class OutcomeView:
    """Reading an outcome's parts; for results that hold an `outcome`."""

    __slots__ = ()
    outcome: Outcome

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


class Decision(OutcomeView, msgspec.Struct, frozen=True):
    """The identity pool's own answer for one login (resolve): which role, or which error.

    What STS and IAM then make of it (trust, access) is an `Assessment` (simulator.access).
    """

    identity_pool_id: str
    flow: Flow
    authenticated: bool
    login_provider: str | None
    role_mapping_key: str | None
    outcome: Outcome
    identity_id: str | None  # as given (--identity-id); None lets evaluators pick a stand-in
    uncertain: tuple[Uncertainty, ...] = ()
    trace: tuple[TraceStep, ...] = ()
    assumptions: Mapping[str, str] = msgspec.field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what the pool did not check, or could not, for this login
    observed_assumptions: Mapping[str, Mapping[str, str]] = msgspec.field(default_factory=dict)

    def observed_json(self) -> dict[str, Any]:
        """Where each observed choice comes from, for a full result; batch lines leave it out
        (their `uncertain` entries still say `basis: observed`)."""
        if not self.observed_assumptions:
            return {}
        return {"observed_assumptions": {k: dict(v) for k, v in self.observed_assumptions.items()}}

    def to_json(self, *, trace: bool = True, outcome: Outcome | None = None) -> dict[str, Any]:
        """CONTRACT §5's fields for `outcome` (the final one, if trust changed it) or this decision's,
        plus identity_id and the assumptions switched; the trace unless `trace` is False."""
        o = outcome if outcome is not None else self.outcome
        out: dict[str, Any] = {
            "identity_pool_id": self.identity_pool_id,
            "flow": self.flow,
            "authenticated": self.authenticated,
            "login_provider": self.login_provider,
            "role_mapping_key": self.role_mapping_key,
            **outcome_json(o),
            "uncertain": [u.to_json() for u in self.uncertain],
            "identity_id": self.identity_id,
            "assumptions": dict(self.assumptions),
        }
        if trace:
            out.update(self.observed_json())
            out["trace"] = [s.to_json() for s in self.trace]
        return out
