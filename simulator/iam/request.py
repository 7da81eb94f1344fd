"""The request an access decision is made for: action, resource and request context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from simulator.iam.patterns import ContextValue

ContextInput = Mapping[str, str | Sequence[str]]


def normalise_context(context: ContextInput) -> dict[str, ContextValue]:
    """Lower-case keys (key names are case-insensitive); a list of values becomes a tuple (multivalued).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html ("Key names are
    case-insensitive"). When two keys differ only in case, the later one wins.
    """
    out: dict[str, ContextValue] = {}
    for key, value in context.items():
        if not isinstance(key, str):
            raise TypeError(f"context key {key!r} is not a string")
        if isinstance(value, str):
            out[key.lower()] = value
        elif isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
            out[key.lower()] = tuple(value)
        else:
            raise TypeError(f"context value for {key!r} must be a string or a list of strings")
    return out


@dataclass(frozen=True, slots=True)
class Request:
    """One API request as IAM sees it. A key absent from `context` is absent from the request."""

    action: str
    resource: str
    context: ContextInput = field(default_factory=dict)
    # Derived once so that evaluating the same request against many policies allocates nothing.
    action_key: str = field(init=False, repr=False, compare=False)
    normalised: Mapping[str, ContextValue] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "action_key", self.action.lower())
        object.__setattr__(self, "normalised", normalise_context(self.context))
