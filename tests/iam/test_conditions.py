"""Condition operators, one documented behaviour per example.

Source for all: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.iam.helpers import allowed, statement


def when(operator: str, key: str, value: Any, context: dict[str, Any]) -> bool:
    return allowed(statement(condition={operator: {key: value}}), context=context)


@pytest.mark.parametrize(
    ("operator", "policy_value", "request_value", "expected"),
    [
        ("StringEquals", "a", "a", True),
        ("StringEquals", "a", "A", False),
        ("StringEquals", "a*", "abc", False),  # no wildcards in StringEquals
        ("StringNotEquals", "a", "b", True),
        ("StringEqualsIgnoreCase", "Legal", "LEGAL", True),
        ("StringNotEqualsIgnoreCase", "Legal", "LEGAL", False),
        ("StringLike", "home/*/docs?", "home/ana/x/docs1", True),
        ("StringLike", "a?c", "abbc", False),
        ("StringNotLike", "a*", "ba", True),
        ("NumericEquals", "10", "10.0", True),
        ("NumericNotEquals", "10", "11", True),
        ("NumericLessThan", "10", "9.5", True),
        ("NumericLessThanEquals", "10", "10", True),
        ("NumericGreaterThan", "10", "10", False),
        ("NumericGreaterThanEquals", "10", "10", True),
        ("NumericLessThan", "10", "not a number", False),
        # unreadable-request-value (default): the value equals no policy value, so only the
        # negated form matches (test_unreadable_values.py covers the alternative)
        ("NumericNotEquals", "10", "not a number", True),
        ("DateEquals", "2024-01-01T00:00:00Z", "1704067200", True),
        ("DateNotEquals", "2024-01-01", "2024-01-01T00:00:00+00:00", False),
        ("DateLessThanEquals", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00", True),
        ("DateGreaterThanEquals", "1704067200", "2024-01-01T00:00:01Z", True),
        ("Bool", "true", "TRUE", True),
        ("Bool", "false", "true", False),
        ("BinaryEquals", "QmluYXJ5VmFsdWU=", "QmluYXJ5VmFsdWU=", True),
        ("BinaryEquals", "QmluYXJ5VmFsdWU=", "T3RoZXI=", False),
        ("IpAddress", "203.0.113.0/24", "203.0.113.7", True),
        ("IpAddress", "203.0.113.0/24", "203.0.114.7", False),
        ("IpAddress", "2001:db8::/32", "2001:db8:1::7", True),
        ("IpAddress", "203.0.113.0/24", "2001:db8::1", False),
        ("NotIpAddress", "203.0.113.0/24", "198.51.100.1", True),
        (
            "ArnEquals",
            "arn:aws:sns:*:111122223333:topic",
            "arn:aws:sns:us-east-1:111122223333:topic",
            True,
        ),
        ("ArnLike", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c", True),
        ("ArnLike", "arn:aws:*:us-east-1:*:*", "arn:aws:sns:us-west-2:1:t", False),
        ("ArnLike", "arn:aws:iam::*:role/A*", "arn:aws:iam::1:role/a", False),  # case-sensitive
        ("ArnNotLike", "arn:aws:s3:::a*", "arn:aws:s3:::b", True),
        ("ArnLike", "arn:aws:s3:::*", "not-an-arn", False),
        ("ArnNotEquals", "arn:aws:s3:::a", "not-an-arn", True),
    ],
)
def test_operator_compares_one_value(
    operator: str, policy_value: str, request_value: str, expected: bool
) -> None:
    assert when(operator, "k:key", policy_value, {"k:key": request_value}) is expected


def test_arn_wildcard_stays_inside_its_component() -> None:
    # ArnLike: "Each of the six colon-delimited components of the ARN is checked separately".
    assert not when(
        "ArnLike",
        "aws:SourceArn",
        "arn:aws:sns:*:topic",
        {"aws:SourceArn": "arn:aws:sns:us-east-1:1:topic"},
    )


def test_ifexists_with_the_key_present_compares_normally() -> None:
    assert not when("StringEqualsIfExists", "k:key", "a", {"k:key": "b"})
    assert when("StringEqualsIfExists", "k:key", "a", {"k:key": "a"})


def test_foranyvalue_with_negated_operator_needs_one_value_outside_the_set() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
    assert when(
        "ForAnyValue:StringNotEquals", "aws:TagKeys", ["a", "b"], {"aws:TagKeys": ["a", "z"]}
    )
    assert not when(
        "ForAnyValue:StringNotEquals", "aws:TagKeys", ["a", "b"], {"aws:TagKeys": ["a", "b"]}
    )


def test_forallvalues_with_negated_operator_needs_every_value_outside_the_set() -> None:
    assert when("ForAllValues:StringNotLike", "aws:TagKeys", "secret*", {"aws:TagKeys": ["a", "b"]})
    assert not when(
        "ForAllValues:StringNotLike", "aws:TagKeys", "secret*", {"aws:TagKeys": ["a", "secret1"]}
    )


def test_foranyvalue_ifexists_on_a_missing_key_is_true() -> None:
    assert when("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", "a", {})


def test_variables_are_not_substituted_for_non_string_operators() -> None:
    # Variables page: policy variables only with string and ARN operators.
    from simulator.errors import ConfigError

    with pytest.raises(ConfigError, match="not a valid number"):
        when("NumericEquals", "k:n", "${aws:PrincipalTag/n}", {"k:n": "1"})


def test_variable_default_value_is_used_when_the_key_is_missing() -> None:
    # Variables page, "Specifying default values": ${aws:userid, 'anonymous'}.
    grant = statement(
        condition={"StringEquals": {"s3:prefix": "${aws:PrincipalTag/team, 'nobody'}/"}}
    )
    assert allowed(grant, context={"s3:prefix": "nobody/"})
    assert allowed(grant, context={"s3:prefix": "red/", "aws:PrincipalTag/team": "red"})


def test_special_variables_stand_for_literal_characters() -> None:
    # Variables page, "Special characters": ${*}, ${?}, ${$}.
    literal_star = statement(condition={"StringLike": {"s3:prefix": "a${*}b${?}${$}"}})
    assert allowed(literal_star, context={"s3:prefix": "a*b?$"})
    assert not allowed(literal_star, context={"s3:prefix": "axxb?$"})


def test_substituted_values_are_literal_even_with_wildcard_characters() -> None:
    grant = statement(condition={"StringLike": {"s3:prefix": "${aws:PrincipalTag/team}/*"}})
    assert not allowed(grant, context={"s3:prefix": "red/x", "aws:PrincipalTag/team": "*"})
    assert allowed(grant, context={"s3:prefix": "*/x", "aws:PrincipalTag/team": "*"})


def test_multivalued_key_as_a_variable_has_no_value() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    # "you can't use multivalued context keys as policy variables".
    grant = statement(resource="arn:aws:s3:::b/${cognito-identity.amazonaws.com:amr}/*")
    context = {"cognito-identity.amazonaws.com:amr": ["authenticated", "accounts.google.com"]}
    assert not allowed(grant, resource="arn:aws:s3:::b/authenticated/k", context=context)
