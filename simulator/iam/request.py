"""The request an access decision is made for: action, resource and request context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import msgspec
from msgspec.structs import force_setattr

from simulator.iam.limits import request_problem
from simulator.iam.patterns import ContextValue
from simulator.record import WithExtras

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


class OpenContext(msgspec.Struct, frozen=True):
    """Which absent keys a request is silent about: AWS would set them, the input did not.

    Like IAM's simulator, which reports such keys as `MissingContextValues`
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html), an evaluation that
    depends on one of them cannot decide. Keys in `known_absent` or under `known_prefixes` (lower case)
    are absent for a fact (a role session has no aws:username; every principal tag is known).
    """

    known_absent: frozenset[str] = frozenset()
    known_prefixes: tuple[str, ...] = ()

    def is_missing(self, key: str) -> bool:
        return key not in self.known_absent and not key.startswith(self.known_prefixes)

    def knowing(self, *prefixes: str) -> OpenContext:
        return OpenContext(self.known_absent, (*self.known_prefixes, *prefixes))


class Request(WithExtras, msgspec.Struct, frozen=True, eq=False):
    """One API request as IAM sees it.

    With `open_keys` None a key absent from `context` is absent from the request (CONTRACT §6);
    otherwise an absent key that `open_keys` calls missing makes a decision that depends on it unknown.
    """

    action: str
    resource: str
    context: ContextInput = msgspec.field(default_factory=dict)
    open_keys: OpenContext | None = None
    # Derived once so that evaluating the same request against many policies allocates nothing:
    # extras, set by __post_init__, not part of the value.
    extra_fields: ClassVar[int] = 3
    action_key: str = ""
    normalised: Mapping[str, ContextValue] = msgspec.field(default_factory=dict)
    problem: str | None = None  # longer than AWS accepts

    def __post_init__(self) -> None:
        normalised = normalise_context(self.context)
        force_setattr(self, "action_key", self.action.lower())
        force_setattr(self, "normalised", normalised)
        force_setattr(self, "problem", request_problem(self.action, self.resource, normalised))


# A requests file builds one Request per line: as a copy of a blank one with its fields set, as
# the constructor's __post_init__ costs several times the work (benchmarks/bench_policy.py).
_BLANK = Request("", "")
_REQUEST_SETTERS = tuple(
    getattr(Request, name).__set__
    for name in ("action", "resource", "context", "action_key", "normalised", "problem")
)


def plain_request(
    action: str,
    resource: str,
    context: dict[str, str | tuple[str, ...]],
    normalised: dict[str, ContextValue],
) -> Request:
    """`Request(action, resource, context)` of a request within every bound of `request_problem`
    (so without a problem), for a context of text keys and values that are text or tuples of
    text, given with `normalised`, its `normalise_context` (tests/iam/test_properties.py holds the
    two together)."""
    made: Request = _BLANK.__copy__()  # type: ignore[attr-defined]  # not in msgspec's stubs
    set_action, set_resource, set_context, set_key, set_normalised, set_problem = _REQUEST_SETTERS
    set_action(made, action)
    set_resource(made, resource)
    set_context(made, context)
    set_key(made, action.lower())
    set_normalised(made, normalised)
    set_problem(made, None)
    return made
