"""The named assumptions (cognito-semantics.md §11): one registry, one value type.

Each assumption has a default and, where AWS's silence leaves a real alternative, an alternative. The
engine computes every decision under the active set and re-checks it with each consulted assumption
flipped; `uncertain` in a result lists those whose alternative changes the outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from simulator.errors import ConfigError, PathPart


@dataclass(frozen=True, slots=True)
class Assumption:
    name: str
    default: str  # the label of the default choice
    alternative: str | None  # None: documented half only, nothing to switch to
    default_text: str
    alternative_text: str | None
    question: (
        str  # the open question it answers (cognito-semantics.md §10, iam-evaluation-notes.md)
    )


_ALL = (
    Assumption(
        "array-claim-match",
        "some-element",
        "json-text",
        "a multi-valued claim matches a rule if some element matches (NotEqual: no element equals)",
        "the array is compared as one string, its compact JSON text",
        "cognito-semantics.md §10.1",
    ),
    Assumption(
        "case-sensitive-match",
        "sensitive",
        "insensitive",
        "rule comparisons are case-sensitive",
        "rule comparisons ignore case",
        "cognito-semantics.md §10.2",
    ),
    Assumption(
        "scalar-claim-text",
        "json-text",
        "absent",
        "numbers and booleans are compared (and tagged) as their JSON text (true, 42)",
        "non-string claims are treated as absent",
        "cognito-semantics.md §10.3",
    ),
    Assumption(
        "missing-claim-no-match",
        "no-match",
        None,
        "Equals, Contains and StartsWith on a missing claim do not match",
        None,
        "cognito-semantics.md §10.4",
    ),
    Assumption(
        "rule-limit",
        "25",
        "400",
        "more than 25 rules for one provider is a configuration error",
        "up to 400 rules (the service model's limit) are accepted with a warning",
        "cognito-semantics.md §10.5",
    ),
    Assumption(
        "custom-role-arn-with-rules",
        "must-match-a-matching-rule",
        "deny-if-unmatched",
        "with Type Rules, CustomRoleArn is used only if it is the RoleARN of a matching rule; "
        "otherwise the first matching rule decides",
        "with Type Rules, a CustomRoleArn that is not the RoleARN of a matching rule is denied",
        "cognito-semantics.md §10.6",
    ),
    Assumption(
        "custom-role-arn-without-mapping",
        "ignored",
        "deny",
        "without a role mapping for the provider, CustomRoleArn is ignored and the default "
        "authenticated role is used",
        "without a role mapping, a CustomRoleArn other than the default authenticated role is denied",
        "cognito-semantics.md §10.6",
    ),
    Assumption(
        "custom-role-arn-deny-code",
        "NotAuthorizedException",
        "InvalidParameterException",
        "a CustomRoleArn the token does not allow is refused with NotAuthorizedException",
        "it is refused with InvalidParameterException",
        "cognito-semantics.md §9 (code UNKNOWN), §10.6",
    ),
    Assumption(
        "token-without-roles",
        "ambiguous-resolution",
        "default-role",
        "Type Token with neither cognito:preferred_role nor cognito:roles applies "
        "AmbiguousRoleResolution",
        "the default authenticated role is used",
        "cognito-semantics.md §10.7",
    ),
    Assumption(
        "cognito-roles-format",
        "array-or-comma-string",
        None,
        "cognito:roles may be an array or a comma-separated string; both are read",
        None,
        "cognito-semantics.md §10.8",
    ),
    Assumption(
        "one-login-per-request",
        "one-login",
        None,
        "a simulation presents exactly one login; several need --provider to pick",
        None,
        "cognito-semantics.md §10.9",
    ),
    Assumption(
        "classic-flow-default",
        "disabled",
        "enabled",
        "a pool file without AllowClassicFlow is treated as classic flow disabled",
        "classic flow is enabled when AllowClassicFlow is absent",
        "cognito-semantics.md §10.13",
    ),
    Assumption(
        "default-tag-keys",
        "username-client",
        "username-clientID",
        "UseDefaults adds tags `username` and `client`",
        "UseDefaults adds tags `username` and `clientID`",
        "cognito-semantics.md §10.14",
    ),
    Assumption(
        "multi-valued-tag-claim",
        "no-tag",
        "fail",
        "a claim mapped to a principal tag whose value is an array or object sets no tag",
        "the request fails (no credentials)",
        "cognito-semantics.md §10.15",
    ),
    Assumption(
        "tag-value-charset",
        "fail",
        "drop",
        "a tag value outside the STS character set, or longer than 256 characters, makes the "
        "request fail (no credentials)",
        "the tag is dropped",
        "cognito-semantics.md §10.15",
    ),
)


def _iam_side() -> tuple[Assumption, ...]:
    # The IAM engine keeps its own registry (simulator.iam.assumptions); one name space for users.
    from simulator.iam.assumptions import REGISTRY as IAM

    return tuple(
        Assumption(a.name, a.default, a.alternative, a.default_text, a.alternative_text, a.citation)
        for a in IAM
    )


REGISTRY: Mapping[str, Assumption] = {a.name: a for a in (*_ALL, *_iam_side())}


@dataclass(frozen=True, slots=True)
class AssumptionSet:
    """Which assumptions are switched to their alternative; everything else is at its default."""

    alternatives: frozenset[str] = frozenset()

    def alt(self, name: str) -> bool:
        return name in self.alternatives

    def flipped(self, name: str) -> AssumptionSet:
        return AssumptionSet(self.alternatives ^ {name})

    def label(self, name: str) -> str:
        a = REGISTRY[name]
        return a.alternative if self.alt(name) and a.alternative else a.default

    def to_json(self) -> dict[str, str]:
        return {name: self.label(name) for name in sorted(self.alternatives)}

    @classmethod
    def parse(
        cls,
        items: Iterable[tuple[str, str]],
        *,
        base: AssumptionSet | None = None,
        path: tuple[PathPart, ...] = (),
    ) -> AssumptionSet:
        """Apply `NAME=VALUE` settings; VALUE is a choice's label or the words default/alternative."""
        alternatives = set(base.alternatives if base else ())
        for name, value in items:
            a = REGISTRY.get(name)
            if a is None:
                raise ConfigError(
                    f"unknown assumption {name!r}",
                    path=(*path, name),
                    hint="known: " + ", ".join(REGISTRY),
                )
            choices = {a.default: False, "default": False}
            if a.alternative is not None:
                choices |= {a.alternative: True, "alternative": True}
            if value not in choices:
                raise ConfigError(
                    f"assumption {name!r} has no choice {value!r}",
                    path=(*path, name),
                    hint="choose "
                    + " or ".join(c for c in choices if c not in ("default", "alternative")),
                )
            if choices[value]:
                alternatives.add(name)
            else:
                alternatives.discard(name)
        return cls(frozenset(alternatives))


DEFAULTS = AssumptionSet()
