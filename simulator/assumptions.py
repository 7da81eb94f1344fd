"""The named assumptions: one registry for the identity pool and IAM sides (cognito-semantics.md §11).

Where AWS's documentation leaves a decision open, rolesim applies a named default and, for every
decision that consulted an assumption, re-checks it with the alternative; `uncertain` in a result
lists those whose alternative changes the outcome. A leaf module: it imports nothing of rolesim but
its error type, so every layer can name an assumption.

Engines ask through a `Consult`: one call both records that an assumption was consulted and answers
whether its alternative is in force.

A choice may carry where it comes from: an `Observation` says AWS was seen to take it (by `rolesim
probe`, in a region on a date); without one the choice is assumed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

import msgspec

from simulator.errors import ConfigError, PathPart


class Name(StrEnum):
    # Identity pool side (cognito-semantics.md §10).
    ARRAY_CLAIM_MATCH = "array-claim-match"
    CASE_SENSITIVE_MATCH = "case-sensitive-match"
    SCALAR_CLAIM_TEXT = "scalar-claim-text"
    MISSING_CLAIM_NO_MATCH = "missing-claim-no-match"
    RULE_LIMIT = "rule-limit"
    CUSTOM_ROLE_ARN_WITH_RULES = "custom-role-arn-with-rules"
    CUSTOM_ROLE_ARN_WITHOUT_MAPPING = "custom-role-arn-without-mapping"
    CUSTOM_ROLE_ARN_DENY_CODE = "custom-role-arn-deny-code"
    TOKEN_WITHOUT_ROLES = "token-without-roles"
    COGNITO_ROLES_FORMAT = "cognito-roles-format"
    ONE_LOGIN_PER_REQUEST = "one-login-per-request"
    CLASSIC_FLOW_DEFAULT = "classic-flow-default"
    SAML_ROLE_ATTRIBUTE = "saml-role-attribute"
    SAML_SEVERAL_ROLES = "saml-several-roles"
    DEFAULT_TAG_KEYS = "default-tag-keys"
    MULTI_VALUED_TAG_CLAIM = "multi-valued-tag-claim"
    TAG_VALUE_CHARSET = "tag-value-charset"
    # IAM side (iam-evaluation-notes.md).
    NOTRESOURCE_UNSET_VARIABLE = "notresource-unset-variable"
    SINGLE_VALUED_OPERATOR_ON_MULTIVALUED_KEY = "single-valued-operator-on-multivalued-key"
    SESSION_POLICIES_COMBINE = "session-policies-combine"
    RESOURCE_POLICY_WILDCARD_PRINCIPAL = "resource-policy-wildcard-principal"
    GUEST_INLINE_SESSION_POLICY = "guest-inline-session-policy"
    UNREADABLE_REQUEST_VALUE = "unreadable-request-value"


class Assumption(msgspec.Struct, frozen=True):
    name: Name
    default: str  # the label of the default choice
    alternative: str | None  # None: documented half only, nothing to switch to
    default_text: str
    alternative_text: str | None
    source: str  # the open question it answers, or the page that leaves it open
    description: str = ""  # why it is open, where the source is more than a question number


_IAM_LOGIC = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
)

_ALL = (
    Assumption(
        Name.ARRAY_CLAIM_MATCH, "some-element", "json-text",
        "a multi-valued claim matches a rule if some element matches (NotEqual: no element equals)",
        "the array is compared as one string, its compact JSON text",
        "cognito-semantics.md §10.1",
    ),
    Assumption(
        Name.CASE_SENSITIVE_MATCH, "sensitive", "insensitive",
        "rule comparisons are case-sensitive", "rule comparisons ignore case",
        "cognito-semantics.md §10.2",
    ),
    Assumption(
        Name.SCALAR_CLAIM_TEXT, "json-text", "absent",
        "numbers and booleans are compared (and tagged) as their JSON text (true, 42)",
        "non-string claims are treated as absent",
        "cognito-semantics.md §10.3",
    ),
    Assumption(
        Name.MISSING_CLAIM_NO_MATCH, "no-match", None,
        "Equals, Contains and StartsWith on a missing claim do not match", None,
        "cognito-semantics.md §10.4",
    ),
    Assumption(
        Name.RULE_LIMIT, "25", "400",
        "more than 25 rules for one provider is a configuration error",
        "up to 400 rules (the service model's limit) are accepted with a warning",
        "cognito-semantics.md §10.5",
    ),
    Assumption(
        Name.CUSTOM_ROLE_ARN_WITH_RULES, "must-match-a-matching-rule", "deny-if-unmatched",
        "with Type Rules, CustomRoleArn is used only if it is the RoleARN of a matching rule; "
        "otherwise the first matching rule decides",
        "with Type Rules, a CustomRoleArn that is not the RoleARN of a matching rule is denied",
        "cognito-semantics.md §10.6",
    ),
    Assumption(
        Name.CUSTOM_ROLE_ARN_WITHOUT_MAPPING, "ignored", "deny",
        "without a role mapping for the provider, CustomRoleArn is ignored and the default "
        "authenticated role is used",
        "without a role mapping, a CustomRoleArn other than the default authenticated role is denied",
        "cognito-semantics.md §10.6",
    ),
    Assumption(
        Name.CUSTOM_ROLE_ARN_DENY_CODE, "NotAuthorizedException", "InvalidParameterException",
        "a CustomRoleArn the token does not allow is refused with NotAuthorizedException",
        "it is refused with InvalidParameterException",
        "cognito-semantics.md §9 (code UNKNOWN), §10.6",
    ),
    Assumption(
        Name.TOKEN_WITHOUT_ROLES, "ambiguous-resolution", "default-role",
        "Type Token with neither cognito:preferred_role nor cognito:roles applies "
        "AmbiguousRoleResolution",
        "the default authenticated role is used",
        "cognito-semantics.md §10.7",
    ),
    Assumption(
        Name.COGNITO_ROLES_FORMAT, "array-or-comma-string", None,
        "cognito:roles may be an array or a comma-separated string; both are read", None,
        "cognito-semantics.md §10.8",
    ),
    Assumption(
        Name.ONE_LOGIN_PER_REQUEST, "one-login", None,
        "a simulation presents exactly one login; several need --provider to pick", None,
        "cognito-semantics.md §10.9",
    ),
    Assumption(
        Name.CLASSIC_FLOW_DEFAULT, "enabled", "disabled",
        "a pool without AllowClassicFlow allows the basic (classic) flow, as observed for pools "
        "created without the flag (aws/aws-cli#7652)",
        "the basic flow is refused when AllowClassicFlow is absent",
        "cognito-semantics.md §10.13",
        "The API leaves the default unstated; GetOpenIdToken was observed to work for a pool created "
        "without the flag. Terraform and Pulumi always send it; CloudFormation and the CLI may not.",
    ),
    Assumption(
        Name.SAML_ROLE_ATTRIBUTE, "attribute-first", "configuration-first",
        "a SAML assertion's Role attribute decides the role (CustomRoleArn picks one of its roles, a "
        "single role is used as it is), before the pool's role mappings and default role",
        "the pool's role mappings and default role decide; the Role attribute only serves as the "
        "role claims of a Token mapping",
        "cognito-semantics.md §3 [SAML] and §10.11",
        "[SAML] documents the Role attribute and CustomRoleArn and that no default roles are needed, "
        "but not how the attribute interacts with RoleMappings and default roles.",
    ),
    Assumption(
        Name.SAML_SEVERAL_ROLES, "configuration", "deny",
        "several roles in the Role attribute and no CustomRoleArn: the pool's own configuration "
        "decides (its mapping, else its default role)",
        "several roles and no CustomRoleArn are refused",
        "cognito-semantics.md §3 [SAML] and §10.11",
        "[SAML] says to populate CustomRoleArn when the assertion carries several roles, but not what "
        "happens without it.",
    ),
    Assumption(
        Name.DEFAULT_TAG_KEYS, "username-client", "username-clientID",
        "UseDefaults adds tags `username` and `client`",
        "UseDefaults adds tags `username` and `clientID`",
        "cognito-semantics.md §10.14",
    ),
    Assumption(
        Name.MULTI_VALUED_TAG_CLAIM, "no-tag", "fail",
        "a claim mapped to a principal tag whose value is an array or object sets no tag",
        "the request fails (no credentials)",
        "cognito-semantics.md §10.15",
    ),
    Assumption(
        Name.TAG_VALUE_CHARSET, "fail", "drop",
        "a tag value outside the STS character set, or longer than 256 characters, makes the "
        "request fail (no credentials)",
        "the tag is dropped",
        "cognito-semantics.md §10.15",
    ),
    Assumption(
        Name.NOTRESOURCE_UNSET_VARIABLE, "excludes-nothing", "statement-invalid",
        "a NotResource entry whose variable has no value excludes nothing",
        "a NotResource entry whose variable has no value makes the statement not apply",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"
        "#policy-vars-no-value (iam-evaluation-notes.md item 2)",
        "The page says such a Resource entry matches nothing; read literally, a NotResource entry then "
        "excludes nothing. The same page warns that an unresolved variable 'might cause the entire "
        "statement to be invalid'.",
    ),
    Assumption(
        Name.SINGLE_VALUED_OPERATOR_ON_MULTIVALUED_KEY, "any-value", "no-match",
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
    Assumption(
        Name.SESSION_POLICIES_COMBINE, "union", "intersection",
        "several session policies (inline Policy plus PolicyArns) together form the session policy: "
        "a request passes the session-policy check when any of them allows it",
        "every session policy must allow the request",
        f"{_IAM_LOGIC} (session policy step); cognito-semantics.md §9 ('no session policy allows') "
        "and §10.20",
        "The evaluation logic checks 'a session policy' as one step; the denial text observed for "
        "Cognito guests reads 'because no session policy allows the <action> action'.",
    ),
    Assumption(
        Name.RESOURCE_POLICY_WILDCARD_PRINCIPAL, "grants-session", "grants-role",
        'a same-account resource policy with Principal "*" grants the role session directly: implicit '
        "denies in identity policies, the boundary and session policies do not limit it",
        'Principal "*" is limited like a grant to the role ARN (boundary and session policies apply)',
        f"{_IAM_LOGIC} (resource-based policies and implicit denies, same account)",
        'The page covers grants naming a role ARN or a role session ARN, not Principal "*".',
    ),
    Assumption(
        Name.GUEST_INLINE_SESSION_POLICY, "june-2023-services", "none",
        "unauthenticated enhanced-flow credentials also carry an inline session policy allowing the "
        "services listed in June 2023 (cognito-semantics.md §4.3)",
        "no inline session policy: only the managed session policy limits guests",
        "https://docs.aws.amazon.com/cognito/latest/developerguide/iam-roles.html; "
        "cognito-semantics.md §4.3 and §10.20",
        "Cognito documents that it passes an inline session policy but does not publish it.",
    ),
    Assumption(
        Name.UNREADABLE_REQUEST_VALUE, "matches-no-value", "no-match",
        "a request value the operator cannot read (a principal tag 'abc' under NumericNotEquals, a "
        "non-IP under NotIpAddress, a non-ARN under ArnNotLike) equals no policy value: the positive "
        "operator is false and its negated form true",
        "such a value satisfies neither form: positive and negated operators are both false",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html",
        "The page defines each operator on values of its type and says what a missing key does, not "
        "what a present value of the wrong type does. The default keeps the documented identity "
        "NumericNotEquals = not NumericEquals, so an attacker-written tag cannot switch a Deny off.",
    ),
)  # fmt: skip

REGISTRY: Mapping[Name, Assumption] = {a.name: a for a in _ALL}
IAM_SIDE: frozenset[Name] = frozenset(
    {
        Name.NOTRESOURCE_UNSET_VARIABLE,
        Name.SINGLE_VALUED_OPERATOR_ON_MULTIVALUED_KEY,
        Name.SESSION_POLICIES_COMBINE,
        Name.RESOURCE_POLICY_WILDCARD_PRINCIPAL,
        Name.GUEST_INLINE_SESSION_POLICY,
        Name.UNREADABLE_REQUEST_VALUE,
    }
)


class Observation(msgspec.Struct, frozen=True):
    """AWS was seen to take a choice: where, when, and by which probe run (settled.yaml)."""

    region: str
    date: str  # ISO 8601 date of the run, UTC
    run_id: str | None = None

    def describe(self) -> str:
        run = f", probe run {self.run_id}" if self.run_id else ""
        return f"observed in {self.region} on {self.date}{run}"

    def to_json(self) -> dict[str, str]:
        out = {"region": self.region, "date": self.date}
        if self.run_id:
            out["run_id"] = self.run_id
        return out


class Setting(msgspec.Struct, frozen=True):
    """One choice to apply: NAME=CHOICE, observed when it comes from a probe's results."""

    name: str
    choice: str
    observed: Observation | None = None


class AssumptionSet(msgspec.Struct, frozen=True):
    """Which assumptions are switched to their alternative; everything else is at its default.

    `observed` holds the choices AWS was seen to take (default or alternative), with the observation.
    """

    alternatives: frozenset[Name] = frozenset()
    observed: tuple[tuple[Name, Observation], ...] = ()

    def alt(self, name: Name) -> bool:
        return name in self.alternatives

    def flipped(self, name: Name) -> AssumptionSet:
        # The other choice of `name` was not observed; the others keep their observations.
        return AssumptionSet(
            self.alternatives ^ {name}, tuple(o for o in self.observed if o[0] != name)
        )

    def observation(self, name: Name) -> Observation | None:
        for observed, observation in self.observed:
            if observed == name:
                return observation
        return None

    def basis(self, name: Name) -> str:
        """`observed` when a probe saw AWS take the choice in force, else `assumed`."""
        return "observed" if self.observation(name) is not None else "assumed"

    def label(self, name: Name) -> str:
        a = REGISTRY[name]
        return a.alternative if self.alt(name) and a.alternative else a.default

    def text(self, name: Name) -> str:
        """The choice in force, in words."""
        a = REGISTRY[name]
        return a.alternative_text if self.alt(name) and a.alternative_text else a.default_text

    def to_json(self) -> dict[str, str]:
        return {str(name): self.label(name) for name in sorted(self.alternatives)}

    def observed_json(self) -> dict[str, dict[str, str]]:
        """Every observed choice, default or not: {name: {choice, region, date[, run_id]}}."""
        return {
            str(name): {"choice": self.label(name), **observation.to_json()}
            for name, observation in sorted(self.observed, key=_first)
        }

    @classmethod
    def of(cls, *names: Name) -> AssumptionSet:
        return cls(frozenset(names))

    @classmethod
    def parse(
        cls,
        items: Iterable[tuple[str, str] | Setting],
        *,
        base: AssumptionSet | None = None,
        path: tuple[PathPart, ...] = (),
    ) -> AssumptionSet:
        """Apply `NAME=VALUE` settings; VALUE is a choice's label or the words default/alternative.

        A later setting replaces an earlier one, observation included: a plain NAME=VALUE is assumed.
        """
        alternatives = set(base.alternatives if base else ())
        observed = dict(base.observed if base else ())
        for item in items:
            key, value, observation = (
                (item.name, item.choice, item.observed)
                if isinstance(item, Setting)
                else (*item, None)
            )
            try:
                name = Name(key)
            except ValueError:
                raise ConfigError(
                    f"unknown assumption {key!r}",
                    path=(*path, key),
                    hint="known: " + ", ".join(REGISTRY),
                    code="unknown-assumption",
                ) from None
            a = REGISTRY[name]
            choices = {a.default: False, "default": False}
            if a.alternative is not None:
                choices |= {a.alternative: True, "alternative": True}
            if value not in choices:
                raise ConfigError(
                    f"assumption {key!r} has no choice {value!r}",
                    path=(*path, key),
                    hint="choose "
                    + " or ".join(c for c in choices if c not in ("default", "alternative")),
                    code="unknown-assumption-choice",
                )
            if choices[value]:
                alternatives.add(name)
            else:
                alternatives.discard(name)
            if observation is not None:
                observed[name] = observation
            else:
                observed.pop(name, None)
        return cls(frozenset(alternatives), tuple(sorted(observed.items(), key=_first)))


def _first(pair: tuple[Name, Observation]) -> Name:
    return pair[0]


DEFAULTS = AssumptionSet()


class Consult:
    """One decision's view of the assumptions: asking records the question and answers it.

    `consulted` is None on re-checks under a flipped assumption, where nothing needs recording.
    """

    __slots__ = ("assumptions", "consulted")

    def __init__(self, assumptions: AssumptionSet, consulted: set[Name] | None = None) -> None:
        self.assumptions = assumptions
        self.consulted = consulted

    def __call__(self, name: Name) -> bool:
        """True when `name`'s alternative is in force; records that the decision depended on it."""
        if self.consulted is not None:
            self.consulted.add(name)
        return name in self.assumptions.alternatives

    def note(self, name: Name) -> None:
        """Record that the alternative would matter here, where the caller computes both sides."""
        if self.consulted is not None:
            self.consulted.add(name)

    def alt(self, name: Name) -> bool:
        """The choice in force, without recording (for a value whose other side is noted apart)."""
        return name in self.assumptions.alternatives
