"""Properties of the evaluation engine over generated policies and requests."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.iam import NamedPolicy, Request, evaluate, parse_policy, patterns, wildcard
from simulator.iam.patterns import Glob, compile_glob
from simulator.iam.request import OpenContext

ACTIONS = ["s3:GetObject", "s3:PutObject", "sqs:SendMessage", "dynamodb:GetItem"]
ACTION_PATTERNS = [*ACTIONS, "s3:*", "s3:Get*", "*", "sqs:Send?essage", "S3:getobject"]
RESOURCES = ["arn:aws:s3:::b/red/k", "arn:aws:s3:::b/blue/k", "arn:aws:sqs:us-east-1:1:q", "*"]
RESOURCE_PATTERNS = [
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/${aws:PrincipalTag/team}/*",
    "arn:aws:sqs:*:*:q",
    "arn:aws:s3:::b/red/k",
]
KEYS = ["aws:PrincipalTag/team", "aws:TagKeys", "aws:SourceIp", "s3:prefix"]
CONDITIONS: list[dict[str, Any]] = [
    {"StringEquals": {"aws:PrincipalTag/team": "red"}},
    {"StringNotEquals": {"aws:PrincipalTag/team": ["red", "${aws:PrincipalTag/other}"]}},
    {"StringLike": {"s3:prefix": "${aws:PrincipalTag/team}/*"}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
    {"ForAnyValue:StringLike": {"aws:TagKeys": "a*"}},
    {"StringEqualsIfExists": {"aws:PrincipalTag/team": "blue"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"Null": {"aws:PrincipalTag/team": "false"}},
]


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Effect": effect or draw(st.sampled_from(["Allow", "Deny"])),
        draw(st.sampled_from(["Action", "NotAction"])): draw(
            st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3)
        ),
        draw(st.sampled_from(["Resource", "Resource", "NotResource"])): draw(
            st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2)
        ),
    }
    conditions = draw(st.lists(st.sampled_from(CONDITIONS), max_size=2))
    if conditions:
        merged: dict[str, dict[str, Any]] = {}
        for condition in conditions:
            for operator, block in condition.items():
                merged.setdefault(operator, {}).update(block)
        out["Condition"] = merged
    return out


def named(name: str, items: list[dict[str, Any]]) -> NamedPolicy:
    return NamedPolicy(name, parse_policy({"Version": "2012-10-17", "Statement": items}))


policies = st.lists(statements(), min_size=0, max_size=4)
contexts = st.fixed_dictionaries(
    {},
    optional={
        "aws:PrincipalTag/team": st.sampled_from(["red", "blue"]),
        "aws:PrincipalTag/other": st.sampled_from(["red", "x"]),
        "aws:TagKeys": st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
        "aws:SourceIp": st.sampled_from(["10.1.2.3", "192.168.0.1"]),
        "s3:prefix": st.sampled_from(["red/x", "blue/y"]),
    },
)
requests = st.builds(Request, st.sampled_from(ACTIONS), st.sampled_from(RESOURCES), contexts)


@given(policies, requests, statements(effect="Deny"))
def test_adding_a_matching_deny_never_yields_allowed(
    items: list[dict[str, Any]], request: Request, deny: dict[str, Any]
) -> None:
    extra = named("deny", [deny])
    matching = evaluate(request, identity_policies=[extra]).decision == "explicit_deny"
    result = evaluate(request, identity_policies=[named("p", items), extra])
    if matching:
        assert result.decision == "explicit_deny"


@given(policies, requests, statements(effect="Allow"))
def test_adding_an_allow_never_takes_access_away(
    items: list[dict[str, Any]], request: Request, allow: dict[str, Any]
) -> None:
    before = evaluate(request, identity_policies=[named("p", items)])
    after = evaluate(request, identity_policies=[named("p", [*items, allow])])
    if before.allowed:
        assert after.allowed


@given(policies, policies, policies, requests)
def test_boundary_and_session_policies_only_remove_access(
    items: list[dict[str, Any]],
    boundary: list[dict[str, Any]],
    session: list[dict[str, Any]],
    request: Request,
) -> None:
    identity = [named("p", items)]
    alone = evaluate(request, identity_policies=identity)
    limited = evaluate(
        request,
        identity_policies=identity,
        permissions_boundary=named("b", boundary),
        session_policies=[named("s", session)],
    )
    if limited.allowed:
        assert alone.allowed


@given(policies, requests)
def test_same_request_twice_gives_the_same_answer(
    items: list[dict[str, Any]], request: Request
) -> None:
    identity = [named("p", items)]
    assert (
        evaluate(request, identity_policies=identity).to_json()
        == evaluate(request, identity_policies=identity).to_json()
    )


@given(policies, requests, st.data())
def test_condition_key_names_are_case_insensitive(
    items: list[dict[str, Any]], request: Request, data: st.DataObject
) -> None:
    def recase(key: str) -> str:
        flips = data.draw(st.lists(st.booleans(), min_size=len(key), max_size=len(key)))
        return "".join(c.swapcase() if flip else c for c, flip in zip(key, flips, strict=True))

    recased = Request(
        request.action, request.resource, {recase(k): v for k, v in request.context.items()}
    )
    identity = [named("p", items)]
    assert (
        evaluate(recased, identity_policies=identity).decision
        == evaluate(request, identity_policies=identity).decision
    )


@given(st.text(alphabet="abAB/-:", min_size=1, max_size=12))
def test_resource_arns_are_case_sensitive(resource_id: str) -> None:
    arn = f"arn:aws:s3:::{resource_id}"
    identity = [named("p", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": arn}])]
    assert evaluate(Request("s3:GetObject", arn), identity_policies=identity).allowed
    swapped = arn[: len("arn:aws:s3:::")] + resource_id.swapcase()
    if swapped != arn:
        assert not evaluate(Request("s3:GetObject", swapped), identity_policies=identity).allowed


# --- wildcard matching against simple reference matchers ------------------------------------------

GLOB_ALPHABET = "ab:/*?"
TEXT_ALPHABET = "ab:/"


def reference_glob(pattern: str, text: str) -> bool:
    """fnmatch-style translation: '*' any run, '?' any one character, everything else literal."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.DOTALL) is not None


def reference_arn_glob(pattern: str, text: str) -> bool:
    """Backtracking matcher for the Resource rule: a '*' or '?' does not cross ':' unless the '*' is the
    last character of its colon-separated segment."""
    if not pattern:
        return not text
    head = pattern[0]
    if head == "*":
        last_in_segment = len(pattern) == 1 or pattern[1] == ":"
        for cut in range(len(text) + 1):
            if not last_in_segment and ":" in text[:cut]:
                break
            if reference_arn_glob(pattern[1:], text[cut:]):
                return True
        return False
    if not text:
        return False
    if head == "?":
        return text[0] != ":" and reference_arn_glob(pattern[1:], text[1:])
    return head == text[0] and reference_arn_glob(pattern[1:], text[1:])


@given(st.text(GLOB_ALPHABET, max_size=8), st.text(TEXT_ALPHABET, max_size=10))
def test_glob_agrees_with_the_reference_matcher(pattern: str, text: str) -> None:
    compiled = compile_glob((Glob(pattern),) if pattern else ())
    assert compiled.matches(text) is reference_glob(pattern, text)


@given(st.text(GLOB_ALPHABET, max_size=8), st.text(TEXT_ALPHABET, max_size=10))
def test_resource_glob_agrees_with_the_reference_matcher(pattern: str, text: str) -> None:
    compiled = compile_glob((Glob(pattern),) if pattern else (), arn_segments=True)
    assert compiled.matches(text) is reference_arn_glob(pattern, text)


@given(st.text("sS3:gG*?e", min_size=1, max_size=8), st.sampled_from(ACTIONS))
def test_action_matching_agrees_with_a_case_folded_reference(pattern: str, action: str) -> None:
    compiled = compile_glob((Glob(pattern),), ignore_case=True)
    assert compiled.matches(action) is reference_glob(pattern.lower(), action.lower())


# --- every matching strategy against a backtracking reference ----------------------------------

tokens = st.lists(
    st.one_of(
        st.tuples(st.just(wildcard.LITERAL), st.sampled_from("ab:")),
        st.tuples(
            st.sampled_from(
                [wildcard.ONE, wildcard.ONE_IN_SEGMENT, wildcard.RUN, wildcard.RUN_IN_SEGMENT]
            ),
            st.just(""),
        ),
    ),
    max_size=8,
)


def reference_tokens(items: list[tuple[int, str]], text: str) -> bool:
    """The tokens as a Python regex: exact, and exponential only on inputs far larger than these."""
    shapes = {
        wildcard.ONE: ".",
        wildcard.ONE_IN_SEGMENT: "[^:]",
        wildcard.RUN: ".*",
        wildcard.RUN_IN_SEGMENT: "[^:]*",
    }
    regex = "".join(re.escape(c) if k == wildcard.LITERAL else shapes[k] for k, c in items)
    return re.fullmatch(regex, text, re.DOTALL) is not None


@given(tokens, st.text("ab:", max_size=10))
def test_every_strategy_agrees_with_the_reference_regex(
    items: list[tuple[int, str]], text: str
) -> None:
    expected = reference_tokens(items, text)
    assert wildcard.compile_tokens(tuple(items)).matches(text) is expected
    assert wildcard.nfa_matches(items, text) is expected
    if all(kind != wildcard.RUN_IN_SEGMENT for kind, _ in items):
        assert wildcard.greedy_matches(items, text) is expected


@given(st.lists(tokens, min_size=1, max_size=3), st.text("ab:", max_size=10))
def test_a_set_of_patterns_matches_when_one_of_them_does(
    alternatives: list[list[tuple[int, str]]], text: str
) -> None:
    compiled = [wildcard.compile_tokens(tuple(items)) for items in alternatives]
    assert wildcard.WildcardSet(compiled).matches(text) is any(
        reference_tokens(items, text) for items in alternatives
    )


cased_tokens = st.lists(
    st.one_of(
        st.tuples(st.just(wildcard.LITERAL), st.sampled_from("aAb:")),
        st.tuples(st.sampled_from([wildcard.ONE, wildcard.RUN]), st.just("")),
    ),
    max_size=5,
)


@given(
    st.lists(st.tuples(cased_tokens, st.booleans()), min_size=1, max_size=4),
    st.booleans(),
    st.text("aAb:", max_size=6),
)
def test_a_set_matches_as_its_patterns_do_whether_they_and_it_ignore_case(
    alternatives: list[tuple[list[tuple[int, str]], bool]], ignore_case: bool, text: str
) -> None:
    # Patterns without wildcards are looked up in a set: it must find what each pattern would.
    compiled = [wildcard.compile_tokens(tuple(items), folded) for items, folded in alternatives]
    seen = text.lower() if ignore_case else text
    assert wildcard.WildcardSet(compiled, ignore_case=ignore_case).matches(text) is any(
        w.matches(seen) for w in compiled
    )


def reference_arn_condition(pattern: str, text: str) -> bool:
    """ArnLike as the operators page words it: the six colon-delimited components one by one."""
    ours, theirs = pattern.split(":", 5), text.split(":", 5)
    return len(ours) == len(theirs) and all(
        reference_glob(p, t) for p, t in zip(ours, theirs, strict=True)
    )


@given(st.text("ab:*?", max_size=10), st.text("ab:", max_size=12))
def test_arn_like_agrees_with_component_wise_matching(pattern: str, text: str) -> None:
    compiled = wildcard.compile_tokens(
        patterns.arn_condition_tokens((Glob(pattern),) if pattern else ())
    )
    assert compiled.matches(text) is reference_arn_condition(pattern, text)


# --- unknown: only when something is open, and markers never decide ------------------------------

MARKER = "<unresolved: Fn::ImportValue 'Shared'>"
every_key = st.fixed_dictionaries(
    {
        "aws:PrincipalTag/team": st.sampled_from(["red", "blue"]),
        "aws:PrincipalTag/other": st.sampled_from(["red", "x"]),
        "aws:TagKeys": st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
        "aws:SourceIp": st.sampled_from(["10.1.2.3", "192.168.0.1"]),
        "s3:prefix": st.sampled_from(["red/x", "blue/y"]),
    }
)


@given(policies, requests)
def test_a_request_that_says_everything_is_never_unknown(
    items: list[dict[str, Any]], request: Request
) -> None:
    # Closed world (policy eval, CONTRACT §6): every absent key is absent.
    assert evaluate(request, identity_policies=[named("p", items)]).decision != "unknown"


@given(policies, st.sampled_from(ACTIONS), st.sampled_from(RESOURCES), every_key)
def test_an_open_request_given_every_key_it_tests_is_never_unknown(
    items: list[dict[str, Any]], action: str, resource: str, context: dict[str, Any]
) -> None:
    request = Request(action, resource, context, OpenContext())
    assert evaluate(request, identity_policies=[named("p", items)]).decision != "unknown"


@given(
    policies.filter(bool),
    st.builds(
        Request, st.sampled_from(ACTIONS), st.sampled_from(RESOURCES), contexts, st.just(None)
    )
    | st.builds(
        Request,
        st.sampled_from(ACTIONS),
        st.sampled_from(RESOURCES),
        contexts,
        st.just(OpenContext()),
    ),
    st.data(),
)
def test_a_marker_never_turns_an_answer_into_a_different_definite_one(
    items: list[dict[str, Any]], request: Request, data: st.DataObject
) -> None:
    """A marker stands for a value no one knows; the text without it is one possible value, so an
    answer that holds whatever the value is must be the answer without it (and never an allow that
    was unknown)."""
    before = evaluate(request, identity_policies=[named("p", items)])
    index = data.draw(st.integers(0, len(items) - 1))
    marked = copy.deepcopy(items)
    target = marked[index]
    element = data.draw(
        st.sampled_from(
            [
                k
                for k in target
                if k in ("Action", "NotAction", "Resource", "NotResource", "Condition")
            ]
        )
    )
    if element == "Condition":
        block = next(iter(target["Condition"].values()))
        key = next(iter(block))
        values = block[key] if isinstance(block[key], list) else [block[key]]
        block[key] = [*values, MARKER]
    else:
        target[element] = [*target[element], MARKER]
    after = evaluate(request, identity_policies=[named("p", marked)])
    if after.decision != "unknown":
        assert after.decision == before.decision
    if before.decision == "unknown":
        assert after.decision == "unknown"


# --- the plan of a requests file holds to the reference reading, line for line -------------------

documents = st.lists(statements(), min_size=1, max_size=3).map(
    lambda items: {"Version": "2012-10-17", "Statement": items}
)
# Keys no statement reads, which must not split (or merge) decisions.
unread = st.fixed_dictionaries(
    {}, optional={"aws:SourceVpc": st.sampled_from(["v1", "v2"]), "x:long": st.just("v" * 3000)}
)


@st.composite
def request_lines(draw: st.DrawFn, shared: list[dict[str, Any]]) -> str:
    line: dict[str, Any] = {
        "action": draw(st.sampled_from(ACTIONS)),
        "resource": draw(st.sampled_from(RESOURCES)),
        "context": {**draw(contexts), **draw(unread)},
    }
    # Documents repeat across lines, at other positions, so caches are hit and names tested.
    for field in ("policies", "session_policies"):
        if draw(st.booleans()):
            line[field] = draw(st.lists(st.sampled_from(shared), max_size=3))
    if draw(st.booleans()):
        line["permissions_boundary"] = draw(st.none() | st.sampled_from(shared))
    if draw(st.booleans()):
        line["resource_policy"] = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:role/R"},
                           "Action": "s3:*", "Resource": "*"}],
        }  # fmt: skip
    text = json.dumps(line, indent=draw(st.sampled_from([None, 1])))
    if draw(st.integers(0, 12)) == 0:
        text = draw(st.sampled_from(['{"action": 1}', '{"x": 1}', text[:-1], '{"a": NaN}']))
    return text.replace("\n", " ")


@given(st.lists(documents, min_size=1, max_size=3).flatmap(
    lambda shared: st.lists(request_lines(shared), min_size=1, max_size=12)
), st.booleans())  # fmt: skip
def test_the_requests_plan_answers_every_line_as_the_reference_reading(
    lines: list[str], with_principal: bool
) -> None:
    from simulator.assumptions import AssumptionSet
    from simulator.iam import SessionPrincipal
    from simulator.jsontext import dumps
    from simulator.policy_eval import PolicyInputs, evaluate_json, evaluate_lines

    base = PolicyInputs(identity=(named("base.json", [{"Effect": "Allow", "Action": "s3:Get*",
                                                        "Resource": "*"}]),))  # fmt: skip
    principal = SessionPrincipal("arn:aws:iam::1:role/R") if with_principal else None
    assumptions = AssumptionSet()
    reference = "".join(
        dumps(r.to_json()) + "\n" for r in evaluate_lines(lines, base, principal, assumptions)
    )
    plan = (base, principal, assumptions, "requests")
    assert "".join(w.text for w in evaluate_json(lines, plan)) == reference
    # As the command reads them: bytes.
    as_bytes = [line.encode() for line in lines]
    assert "".join(w.text for w in evaluate_json(as_bytes, plan)) == reference
    # A line's output is its own: the same as when the line is alone in its file (policy names
    # come from the line's positions, not from whichever line showed a document first).
    alone = [
        {**r.to_json(), "line": n}
        for n, line in enumerate(lines, start=1)
        for r in evaluate_lines([line], base, principal, assumptions)
    ]
    assert [r.to_json() for r in evaluate_lines(lines, base, principal, assumptions)] == alone


@settings(max_examples=15)
@given(st.lists(documents, min_size=1, max_size=3).flatmap(
    lambda shared: st.lists(request_lines(shared), min_size=1, max_size=30)
))  # fmt: skip
def test_two_jobs_answer_a_requests_file_with_the_same_bytes_as_one(lines: list[str]) -> None:
    from simulator.assumptions import AssumptionSet
    from simulator.policy_eval import PolicyInputs, evaluate_json

    plan = (PolicyInputs(), None, AssumptionSet(), "requests")
    one = list(evaluate_json(lines, plan))
    two = list(evaluate_json(lines, plan, jobs=2, chunk=4))
    assert "".join(w.text for w in two) == "".join(w.text for w in one)
    assert [p for w in two for p in w.problems] == [p for w in one for p in w.problems]


# --- a requests line's quick reading holds to the checked reading --------------------------------

_texts = st.sampled_from(["", "s3:GetObject", "S3:GetObject", "a" * 129, "r" * 2049, "x" * 10241])
_readable = st.sampled_from(["red", "", "v" * 2049]) | st.lists(
    st.sampled_from(["a", "B", "v" * 2049]), max_size=3
)
# Mostly values the quick reading reads, so that it answers often; sometimes one it does not.
_values: st.SearchStrategy[Any] = st.one_of(
    _readable,
    _readable,
    _readable,
    st.lists(st.sampled_from(["a", 1]), min_size=1, max_size=2)
    | st.sampled_from([1, None, True, {"a": "b"}]),
)
_keys = st.sampled_from(["aws:PrincipalTag/team", "AWS:PrincipalTag/TEAM", "s3:prefix", "k" * 257])


@settings(max_examples=300)
@given(
    st.fixed_dictionaries(
        {
            "action": _texts | st.sampled_from(ACTIONS) | st.just(1),
            "resource": _texts | st.sampled_from(RESOURCES) | st.none(),
            "context": st.dictionaries(_keys, _values, max_size=4) | st.none() | st.just([]),
        },
        optional={"policies": st.just([]), "other": st.just(1)},
    ),
    st.sets(st.sampled_from(["action", "resource", "context"]), max_size=1),
)
def test_the_quick_reading_of_a_request_line_is_the_checked_reading(
    data: dict[str, Any], dropped: set[str]
) -> None:
    """`policy eval --requests` reads a common line with plain loops and builds its Request through
    the slots: wherever it answers, the checked reading (access_request_of, then the Request
    constructor) gives the same request, derived fields and problem included."""
    from simulator.access import access_request_of
    from simulator.errors import ConfigError
    from simulator.node import Node
    from simulator.policy_eval import POLICY_FIELDS, _quick_request

    for field in dropped:
        del data[field]
    quick = _quick_request(data)
    if quick is None:
        return
    try:
        asked = access_request_of(Node(data), extra=POLICY_FIELDS)
    except ConfigError as exc:
        raise AssertionError(f"the checked reading refuses what the quick one read: {exc}") from exc
    checked = Request(asked.action, asked.resource, dict(asked.context))

    def fields(r: Request) -> tuple[Any, ...]:
        context = {k: tuple(v) if not isinstance(v, str) else v for k, v in r.context.items()}
        return (r.action, r.resource, context, r.open_keys, r.action_key, dict(r.normalised),
                r.problem)  # fmt: skip

    assert fields(quick) == fields(checked)
    assert quick == checked


def test_a_requests_plan_that_stops_remembering_decisions_writes_the_same_lines() -> None:
    """Past its trial, a plan whose lookups mostly miss stops remembering decisions: the lines it
    writes then are still the reference's (distinct requests first, then repeats of them)."""
    from simulator.assumptions import AssumptionSet
    from simulator.jsontext import dumps
    from simulator.policy_eval import _REMEMBER_TRIAL, PolicyInputs, PolicyPlan, evaluate_lines

    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}},
    ]}  # fmt: skip
    distinct = [
        json.dumps(
            {
                "policies": [policy],
                "action": "s3:GetObject",
                "resource": f"arn:aws:s3:::b/{team}/{i}",
                "context": {"aws:PrincipalTag/team": team},
            }
        )
        for i in range(_REMEMBER_TRIAL + 50)
        for team in (["red", "blue", "green"][i % 3],)
    ]
    lines = [*distinct, *distinct[:50], *distinct[-20:]]
    plan = PolicyPlan(PolicyInputs(), None, AssumptionSet())
    written = plan.chunk(list(enumerate((line.encode() for line in lines), start=1)))
    assert plan.remember_off
    reference = evaluate_lines(lines, PolicyInputs(), None, AssumptionSet())
    assert written[0].text == "".join(dumps(r.to_json()) + "\n" for r in reference)
