"""One example per item of iam-evaluation-notes.md: documented behaviours other evaluators get wrong."""

from __future__ import annotations

from simulator.assumptions import AssumptionSet, Name
from tests.iam.helpers import allowed, decide, policy, statement

VARS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"
OPERATORS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
MULTI = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html"


def test_1_unset_variable_under_inverted_operator_matches_so_the_abac_guard_fires() -> None:
    # VARS#policy-vars-no-value: the page's own Deny with StringNotEquals against an unset principal tag.
    guard = policy(
        statement(resource="arn:aws:s3:::bucket/*"),
        statement(
            "Deny",
            resource="arn:aws:s3:::bucket/*",
            condition={
                "StringNotEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}
            },
        ),
    )
    no_tag = decide(
        "s3:GetObject",
        "arn:aws:s3:::bucket/k",
        {"s3:ExistingObjectTag/Team": "red"},
        identity=[guard],
    )
    assert no_tag.decision == "explicit_deny"
    same = decide(
        "s3:GetObject",
        "arn:aws:s3:::bucket/k",
        {"s3:ExistingObjectTag/Team": "red", "aws:PrincipalTag/Team": "red"},
        identity=[guard],
    )
    assert same.decision == "allowed"


def test_1_unset_variable_under_positive_operator_does_not_match() -> None:
    # VARS#policy-vars-no-value: StringEquals/StringLike against a variable with no value do not match.
    grant = statement(
        condition={"StringEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}}
    )
    assert not allowed(grant, context={"s3:ExistingObjectTag/Team": ""})
    like = statement(condition={"StringLike": {"s3:prefix": "${aws:PrincipalTag/Team}/*"}})
    assert not allowed(like, context={"s3:prefix": "/x"})


def test_2_unset_variable_makes_a_resource_entry_match_nothing() -> None:
    # VARS#policy-vars-no-value: the Resource entry with an unresolved variable matches nothing.
    grant = statement(resource="arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*")
    assert not allowed(grant, resource="arn:aws:s3:::bucket//k")
    assert allowed(
        grant, resource="arn:aws:s3:::bucket/red/k", context={"aws:PrincipalTag/team": "red"}
    )


def test_2_notresource_with_unset_variable_excludes_nothing_and_reports_the_assumption() -> None:
    # VARS#policy-vars-no-value read literally; named assumption notresource-unset-variable.
    deny_elsewhere = policy(
        statement(action="s3:*"),
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "NotResource": "arn:aws:s3:::home/${aws:PrincipalTag/team}/*",
        },
    )
    result = decide("s3:GetObject", "arn:aws:s3:::home/red/k", identity=[deny_elsewhere])
    assert result.decision == "explicit_deny"
    assert [u.assumption for u in result.uncertain] == ["notresource-unset-variable"]
    assert result.uncertain[0].alternative_outcome["decision"] == "allowed"
    switched = decide(
        "s3:GetObject",
        "arn:aws:s3:::home/red/k",
        identity=[deny_elsewhere],
        assumptions=AssumptionSet.of(Name.NOTRESOURCE_UNSET_VARIABLE),
    )
    assert switched.decision == "allowed"


def test_3_variable_can_start_a_resource_id_and_keeps_its_colons_and_slashes() -> None:
    # VARS (Resource element examples): arn:aws:sqs:us-east-2:*:${aws:username}-queue and
    # ${aws:PrincipalTag/access-project} in an SNS ARN; ':' and '/' inside ${...} belong to the variable.
    queue = statement(action="sqs:*", resource="arn:aws:sqs:us-east-2:*:${aws:username}-queue")
    assert allowed(
        queue, action="sqs:SendMessage", resource="arn:aws:sqs:us-east-2:111122223333:ana-queue",
        context={"aws:username": "ana"},
    )  # fmt: skip
    topic = statement(
        action="sns:Publish", resource="arn:aws:sns:*:*:${aws:PrincipalTag/access-project}-topic-*"
    )
    assert allowed(
        topic, action="sns:Publish", resource="arn:aws:sns:us-east-1:111122223333:apollo-topic-1",
        context={"aws:PrincipalTag/access-project": "apollo"},
    )  # fmt: skip


def test_4_wildcards_work_inside_any_arn_segment_including_before_the_first_slash() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    invoke = statement(action="execute-api:Invoke", resource="arn:aws:execute-api:*:*:*/prod/GET/*")
    assert allowed(
        invoke, action="execute-api:Invoke",
        resource="arn:aws:execute-api:us-east-1:111122223333:a1b2c3/prod/GET/pets/1",
    )  # fmt: skip
    assert not allowed(
        invoke, action="execute-api:Invoke",
        resource="arn:aws:execute-api:us-east-1:111122223333:a1b2c3/dev/GET/pets",
    )  # fmt: skip


def test_5_dates_compare_instants_whether_iso_8601_or_epoch_seconds() -> None:
    # OPERATORS#Conditions_Date: date values are ISO 8601 or epoch (UNIX) time.
    before_2030 = statement(condition={"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}})
    assert allowed(before_2030, context={"aws:CurrentTime": "1735689600"})  # epoch for 2025-01-01
    assert not allowed(before_2030, context={"aws:CurrentTime": "1924992000"})  # 2031-01-01
    epoch_in_policy = statement(condition={"DateGreaterThan": {"aws:TokenIssueTime": "1700000000"}})
    assert allowed(epoch_in_policy, context={"aws:TokenIssueTime": "2024-06-01T12:00:00+02:00"})


def test_6_condition_key_names_ignore_case_but_values_and_arns_do_not() -> None:
    # VARS ("Key names are case-insensitive"); OPERATORS (string operators are case-sensitive);
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    grant = statement(condition={"StringEquals": {"AWS:PrincipalTag/Dept": "Legal"}})
    assert allowed(grant, context={"aws:principaltag/dept": "Legal"})
    assert not allowed(grant, context={"aws:principaltag/dept": "legal"})
    ignore_case = statement(
        condition={"StringEqualsIgnoreCase": {"aws:PrincipalTag/Dept": "legal"}}
    )
    assert allowed(ignore_case, context={"aws:PrincipalTag/Dept": "LEGAL"})
    resource = statement(resource="arn:aws:s3:::Bucket/*")
    assert not allowed(resource, resource="arn:aws:s3:::bucket/key")


def test_7_single_valued_operator_on_multivalued_key_matches_any_value_and_is_reported() -> None:
    # reference_policies_condition-single-vs-multi-valued-context-keys.html leaves this open;
    # named assumption single-valued-operator-on-multivalued-key.
    tag_keys = statement(
        action="ec2:CreateTags", condition={"StringLike": {"aws:TagKeys": "access-*"}}
    )
    result = decide(
        "ec2:CreateTags",
        "*",
        {"aws:TagKeys": ["access-team", "owner"]},
        identity=[policy(tag_keys)],
    )
    assert result.decision == "allowed"
    assert [u.assumption for u in result.uncertain] == ["single-valued-operator-on-multivalued-key"]
    assert result.uncertain[0].alternative_outcome["decision"] == "implicit_deny"


def test_7_negated_single_valued_operator_on_multivalued_key_is_the_complement() -> None:
    # Default documented in simulator/assumptions.py: StringNotEquals = not StringEquals.
    only_others = statement(condition={"StringNotEquals": {"aws:TagKeys": "secret"}})
    assert allowed(only_others, context={"aws:TagKeys": ["a", "b"]})
    assert not allowed(only_others, context={"aws:TagKeys": ["a", "secret"]})


def test_8_missing_key_false_except_negated_ifexists_and_null() -> None:
    # OPERATORS: a missing key makes the condition false, a negated operator true; ...IfExists true;
    # Null tests presence.
    assert not allowed(statement(condition={"StringLike": {"aws:PrincipalTag/x": "*"}}))
    assert allowed(statement(condition={"StringNotLike": {"aws:PrincipalTag/x": "a*"}}))
    assert allowed(statement(condition={"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::a*"}}))
    assert allowed(statement(condition={"StringEqualsIfExists": {"aws:PrincipalTag/x": "a"}}))
    assert allowed(statement(condition={"NumericLessThanIfExists": {"s3:max-keys": "10"}}))
    assert allowed(statement(condition={"Null": {"aws:PrincipalTag/x": "true"}}))
    assert not allowed(statement(condition={"Null": {"aws:PrincipalTag/x": "false"}}))
    assert allowed(
        statement(condition={"Null": {"aws:PrincipalTag/x": "false"}}),
        context={"aws:PrincipalTag/x": "v"},
    )


def test_9_variables_are_literal_text_in_2008_and_versionless_documents() -> None:
    # VARS: "If you don't include the Version element ... variables are treated as literal strings".
    grant = statement(resource="arn:aws:s3:::bucket/${aws:username}/*")
    context = {"aws:username": "ana"}
    assert allowed(grant, resource="arn:aws:s3:::bucket/ana/k", context=context)
    for version in ("2008-10-17", None):
        assert not allowed(
            grant, resource="arn:aws:s3:::bucket/ana/k", context=context, version=version
        )
        assert allowed(
            grant,
            resource="arn:aws:s3:::bucket/${aws:username}/k",
            context=context,
            version=version,
        )


def test_10_values_or_keys_and_operators_and() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    both = statement(
        condition={
            "StringEquals": {
                "aws:PrincipalTag/team": ["red", "blue"],
                "aws:PrincipalTag/env": "prod",
            },
            "Bool": {"aws:SecureTransport": "true"},
        }
    )
    base = {
        "aws:PrincipalTag/team": "blue",
        "aws:PrincipalTag/env": "prod",
        "aws:SecureTransport": "true",
    }
    assert allowed(both, context=base)
    assert not allowed(both, context={**base, "aws:PrincipalTag/env": "dev"})
    assert not allowed(both, context={**base, "aws:SecureTransport": "false"})


def test_10_forallvalues_on_missing_or_empty_is_true_foranyvalue_is_false() -> None:
    # MULTI: ForAllValues returns true when the key is missing or empty; ForAnyValue false.
    all_values = statement(condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}})
    any_value = statement(condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}})
    for context in ({}, {"aws:TagKeys": []}):
        assert allowed(all_values, context=context)
        assert not allowed(any_value, context=context)
    assert allowed(all_values, context={"aws:TagKeys": ["a"]})
    assert not allowed(all_values, context={"aws:TagKeys": ["a", "c"]})
    assert allowed(any_value, context={"aws:TagKeys": ["c", "b"]})
