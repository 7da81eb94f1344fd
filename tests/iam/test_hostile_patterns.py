"""Hostile policy text: patterns a pull request can contain must be matched without backtracking.

Each input here took minutes (or longer) with the former backtracking translation to Python regexes;
the assertions are on results only. `benchmarks/bench_patterns.py` measures the times side by side.
"""

from __future__ import annotations

from simulator.iam import patterns, wildcard
from simulator.iam.patterns import Fixed, Glob, Variable
from tests.iam.helpers import decide, policy, statement

RESOURCE_PAGE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
)
OPERATORS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"

# 30 runs that all match 'a': a backtracking matcher tries about C(40, 30) placements before failing.
STARS = "*a" * 30 + "*b"
TEXT = "a" * 40


def test_a_pattern_of_many_runs_fails_fast_on_an_action() -> None:
    grant = policy(statement(action=f"s3:{STARS}"))
    assert decide(f"s3:{TEXT}", "arn:aws:s3:::bucket/k", identity=[grant]).decision == (
        "implicit_deny"
    )
    assert decide(f"s3:{TEXT}b", "arn:aws:s3:::bucket/k", identity=[grant]).allowed


def test_a_pattern_of_many_runs_fails_fast_on_a_resource() -> None:
    # RESOURCE_PAGE: '*' inside a segment does not cross ':'; the NFA handles the mix of both runs.
    grant = policy(statement(resource=f"arn:aws:s3:::{STARS}"))
    assert not decide("s3:GetObject", f"arn:aws:s3:::{TEXT}", identity=[grant]).allowed
    assert decide("s3:GetObject", f"arn:aws:s3:::{TEXT}b", identity=[grant]).allowed
    segment_runs = policy(statement(resource="arn:aws:s3:::" + "*a/" * 20 + "*b"))
    path = "a/" * 40
    assert not decide("s3:GetObject", f"arn:aws:s3:::{path}", identity=[segment_runs]).allowed
    assert decide("s3:GetObject", f"arn:aws:s3:::{path}b", identity=[segment_runs]).allowed


def test_a_pattern_with_a_variable_and_many_runs_fails_fast() -> None:
    grant = policy(statement(resource="arn:aws:s3:::${aws:PrincipalTag/team}/" + STARS))
    context = {"aws:PrincipalTag/team": "red"}
    assert not decide("s3:GetObject", f"arn:aws:s3:::red/{TEXT}", context, identity=[grant]).allowed
    assert decide("s3:GetObject", f"arn:aws:s3:::red/{TEXT}b", context, identity=[grant]).allowed


def test_string_like_and_arn_like_with_many_runs_fail_fast() -> None:
    # OPERATORS: StringLike and ArnLike take '*' and '?' anywhere in the value.
    like = policy(statement(condition={"StringLike": {"s3:prefix": STARS}}))
    assert not decide("s3:GetObject", "*", {"s3:prefix": TEXT}, identity=[like]).allowed
    assert decide("s3:GetObject", "*", {"s3:prefix": TEXT + "b"}, identity=[like]).allowed
    arn = policy(statement(condition={"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{STARS}"}}))
    assert not decide(
        "s3:GetObject", "*", {"aws:SourceArn": f"arn:aws:s3:::{TEXT}"}, identity=[arn]
    ).allowed
    prefix_runs = policy(
        statement(condition={"ArnLike": {"aws:SourceArn": "arn:aws:" + "*a" * 20 + "*b:::x"}})
    )
    assert not decide(
        "s3:GetObject", "*", {"aws:SourceArn": f"arn:aws:{TEXT}:::x"}, identity=[prefix_runs]
    ).allowed


def test_each_strategy_fails_fast_on_many_runs() -> None:
    tokens = patterns.glob_tokens((Glob(STARS),), arn_segments=False)
    assert not wildcard.nfa_matches(tokens, TEXT)
    assert not wildcard.greedy_matches(tokens, TEXT)
    long_text = "a" * 2048
    assert not wildcard.compile_tokens(tokens).matches(long_text)
    assert wildcard.compile_tokens(tokens).matches(long_text + "b")


def test_a_variable_with_thousands_of_spaces_parses_in_one_pass() -> None:
    # Formerly a regex with three overlapping whitespace runs: cubic in the length of the body.
    spaced = "${" + " " * 3000 + "x}"
    assert patterns.parse_template(spaced, variables=True) == (Variable("x", None, spaced),)
    with_default = "${" + " " * 3000 + "x," + " " * 3000 + "'d'" + " " * 3000 + "}"
    (part,) = patterns.parse_template(with_default, variables=True)
    assert isinstance(part, Variable)
    assert (part.key, part.default) == ("x", "d")


def test_many_unclosed_variables_parse_in_one_pass() -> None:
    text = "${" * 5000
    assert patterns.parse_template(text, variables=True) == (Glob(text),)


def test_default_values_follow_the_variables_page() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html: a default
    # follows a comma in single quotes; `${*}`, `${?}`, `${$}` stand for the characters themselves.
    parse = patterns.parse_template
    assert parse("${aws:username, 'anon'}", variables=True) == (
        Variable("aws:username", "anon", "${aws:username, 'anon'}"),
    )
    assert parse("${a, 'it''s'}", variables=True)[0] == Variable("a", "it's", "${a, 'it''s'}")
    assert parse("${a, 'x'y'}", variables=True)[0] == Variable("a, 'x'y'", None, "${a, 'x'y'}")
    assert parse("${a, x}", variables=True)[0] == Variable("a, x", None, "${a, x}")
    assert parse("${*}${ ? }${$}", variables=True) == (Fixed("*"), Fixed("?"), Fixed("$"))


def test_diff_of_pools_whose_policies_hold_many_runs_finishes() -> None:
    # diff builds its own candidate requests from every Allow's Action and Resource patterns.
    from simulator.analysis.diff import diff_pools
    from simulator.model import pool_from_dict
    from tests.analysis.pools import pool_dict, role, rule

    def iam_role(name: str, action: str, last: str) -> dict[str, object]:
        resource = "arn:aws:s3:::" + "*a" * 30 + last
        statement = {"Effect": "Allow", "Action": action, "Resource": resource}
        document = {"Version": "2012-10-17", "Statement": [statement]}
        return {
            "RoleName": name,
            "Arn": role(name),
            "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": document}],
        }

    # Each role's candidates fail the other's patterns: the costly case for backtracking.
    roles = [iam_role("Reader", "s3:GetObject", "*b"), iam_role("Writer", f"s3:{STARS}", "*c")]
    old, new = (
        pool_from_dict(pool_dict([rule("custom:dept", "Equals", "eng", name)], IamRoles=roles))
        for name in ("Reader", "Writer")
    )
    report = diff_pools(old, new)
    assert not report.equivalent
