"""Named assumptions on the IAM side: where the AWS documentation leaves a decision open.

The engine applies each default; when a decision consulted an assumption it re-evaluates with the
alternative, and lists the assumption in the decision's `uncertain` only if the outcome changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

NOTRESOURCE_UNSET_VARIABLE: Final = "notresource-unset-variable"
SINGLE_VALUED_OPERATOR_ON_MULTIVALUED_KEY: Final = "single-valued-operator-on-multivalued-key"
SESSION_POLICIES_COMBINE: Final = "session-policies-combine"
RESOURCE_POLICY_WILDCARD_PRINCIPAL: Final = "resource-policy-wildcard-principal"
GUEST_INLINE_SESSION_POLICY: Final = "guest-inline-session-policy"
UNREADABLE_REQUEST_VALUE: Final = "unreadable-request-value"


@dataclass(frozen=True, slots=True)
class IamAssumption:
    name: str
    default: str  # label of the default choice
    alternative: str  # label of the alternative
    default_text: str
    alternative_text: str
    citation: str
    description: str


REGISTRY: Final[tuple[IamAssumption, ...]] = (
    IamAssumption(
        NOTRESOURCE_UNSET_VARIABLE,
        "excludes-nothing",
        "statement-invalid",
        "a NotResource entry whose variable has no value excludes nothing",
        "a NotResource entry whose variable has no value makes the statement not apply",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"
        "#policy-vars-no-value (iam-evaluation-notes.md item 2)",
        "The page says such a Resource entry matches nothing; read literally, a NotResource entry then "
        "excludes nothing. The same page warns that an unresolved variable 'might cause the entire "
        "statement to be invalid'.",
    ),
    IamAssumption(
        SINGLE_VALUED_OPERATOR_ON_MULTIVALUED_KEY,
        "any-value",
        "no-match",
        "a single-valued operator on a multivalued key matches when some value matches; a negated "
        "operator is the complement of its positive form (true only when no value matches)",
        "a single-valued operator on a multivalued key never matches, positive or negated",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
        "reference_policies_condition-single-vs-multi-valued-context-keys.html "
        "(iam-evaluation-notes.md item 7)",
        "AWS says multivalued keys 'require' ForAnyValue/ForAllValues but not what happens without. "
        "The ABAC tutorial's StringLike on aws:TagKeys implies any-value. Negated operators keep the "
        "documented identity StringNotEquals = not StringEquals, which the missing-key rule also obeys.",
    ),
    IamAssumption(
        SESSION_POLICIES_COMBINE,
        "union",
        "intersection",
        "several session policies (inline Policy plus PolicyArns) together form the session policy: "
        "a request passes the session-policy check when any of them allows it",
        "every session policy must allow the request",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html "
        "(session policy step); cognito-semantics.md §9 ('no session policy allows') and §10.20",
        "The evaluation logic checks 'a session policy' as one step; the denial text observed for "
        "Cognito guests reads 'because no session policy allows the <action> action'.",
    ),
    IamAssumption(
        RESOURCE_POLICY_WILDCARD_PRINCIPAL,
        "grants-session",
        "grants-role",
        'a same-account resource policy with Principal "*" grants the role session directly: implicit '
        "denies in identity policies, the boundary and session policies do not limit it",
        'Principal "*" is limited like a grant to the role ARN (boundary and session policies apply)',
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html "
        "(resource-based policies and implicit denies, same account)",
        'The page covers grants naming a role ARN or a role session ARN, not Principal "*".',
    ),
    IamAssumption(
        GUEST_INLINE_SESSION_POLICY,
        "june-2023-services",
        "none",
        "unauthenticated enhanced-flow credentials also carry an inline session policy allowing the "
        "services listed in June 2023 (cognito-semantics.md §4.3)",
        "no inline session policy: only the managed session policy limits guests",
        "https://docs.aws.amazon.com/cognito/latest/developerguide/iam-roles.html; "
        "cognito-semantics.md §4.3 and §10.20",
        "Cognito documents that it passes an inline session policy but does not publish it.",
    ),
    IamAssumption(
        UNREADABLE_REQUEST_VALUE,
        "matches-no-value",
        "no-match",
        "a request value the operator cannot read (a principal tag 'abc' under NumericNotEquals, a "
        "non-IP under NotIpAddress, a non-ARN under ArnNotLike) equals no policy value: the positive "
        "operator is false and its negated form true",
        "such a value satisfies neither form: positive and negated operators are both false",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html",
        "The page defines each operator on values of its type and says what a missing key does, not "
        "what a present value of the wrong type does. The default keeps the documented identity "
        "NumericNotEquals = not NumericEquals, so an attacker-written tag cannot switch a Deny off.",
    ),
)

BY_NAME: Final = {assumption.name: assumption for assumption in REGISTRY}


@dataclass(frozen=True, slots=True)
class Assumptions:
    """Which assumptions are switched to their alternative (all defaults when empty)."""

    alternatives: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.alternatives) - BY_NAME.keys())
        if unknown:
            raise ValueError(f"unknown IAM assumption(s): {', '.join(unknown)}")

    @classmethod
    def with_alternatives(cls, names: Iterable[str]) -> Assumptions:
        return cls(frozenset(names))

    def uses_alternative(self, name: str) -> bool:
        return name in self.alternatives

    def flipped(self, name: str) -> Assumptions:
        return Assumptions(self.alternatives ^ {name})


DEFAULTS: Final = Assumptions()
