"""When the engine cannot decide: unknown with the reason, never a silent allow or deny.

Sources:
- OPERATORS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- KEYS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
  (aws:CurrentTime, aws:EpochTime, aws:SecureTransport, aws:SourceIp, aws:RequestedRegion: present
  in every request; aws:username: IAM users only; aws:SourceArn: service principals only)
- SIMULATOR: https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html
  (MissingContextValues: keys the evaluation needed that the caller did not give)
- LOGIC: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
  (an explicit deny overrides any allow; without an allow the request is implicitly denied)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from simulator.assumptions import AssumptionSet, Name
from simulator.iam import (
    NamedPolicy,
    Request,
    SessionPrincipal,
    evaluate,
    evaluate_for_role,
    evaluate_trust,
    load_iam,
    parse_policy,
)
from simulator.iam.evaluate import AccessDecision
from tests.iam.helpers import IDENTITY, POOL, ROLE_ARN, decide, policy, statement, trust_document

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
MARKER = "<unresolved: Fn::ImportValue 'SharedBucketArn'>"
ALLOW_ALL = statement(action="*", resource="*")


def session(
    *statements: dict[str, Any],
    action: str = "s3:GetObject",
    resource: str = "arn:aws:s3:::b/k",
    context: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
    now: datetime | None = NOW,
    assumptions: AssumptionSet | None = None,
) -> AccessDecision:
    """Access for a Cognito role session whose one inline policy holds `statements`."""
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    data = load_iam(
        [
            {
                "RoleName": "PoolAuth",
                "Arn": ROLE_ARN,
                "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": document}],
            }
        ]
    )
    role = data.role(ROLE_ARN)
    assert role is not None
    return evaluate_for_role(
        Request(action, resource, context or {}),
        role=role,
        iam=data,
        identity_pool_id=POOL,
        identity_id=IDENTITY,
        amr=["authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_X"],
        principal_tags=tags or {},
        assumptions=assumptions or AssumptionSet(),
        now=now,
    )


# --- unreadable request values: named assumption unreadable-request-value --------------------------

UNREADABLE = [
    ("NumericNotEquals", "aws:PrincipalTag/clearance", "3", "abc"),
    ("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", "not-an-ip"),
    ("ArnNotLike", "aws:SourceArn", "arn:aws:s3:::trusted-*", "not-an-arn"),
    ("DateNotEquals", "aws:PrincipalTag/expiry", "2030-01-01T00:00:00Z", "someday"),
]


@pytest.mark.parametrize(("operator", "key", "policy_value", "request_value"), UNREADABLE)
def test_an_unreadable_value_does_not_switch_a_negated_deny_off(
    operator: str, key: str, policy_value: str, request_value: str
) -> None:
    # OPERATORS defines each operator on values of its type and is silent on a value of the wrong
    # type: the default reads it as equal to no policy value, so the negated Deny applies...
    guard = statement("Deny", condition={operator: {key: policy_value}})
    result = decide("s3:GetObject", "*", {key: request_value}, identity=[policy(ALLOW_ALL, guard)])
    assert result.decision == "explicit_deny"
    # ...and the alternative, under which it would not, is reported.
    (doubt,) = result.uncertain
    assert doubt.assumption == "unreadable-request-value"
    assert doubt.alternative_outcome["decision"] == "allowed"
    switched = decide(
        "s3:GetObject",
        "*",
        {key: request_value},
        identity=[policy(ALLOW_ALL, guard)],
        assumptions=AssumptionSet.of(Name.UNREADABLE_REQUEST_VALUE),
    )
    assert switched.decision == "allowed"
    assert switched.uncertain[0].alternative_outcome["decision"] == "explicit_deny"


def test_an_attacker_written_tag_cannot_lift_a_numeric_deny_in_a_role_session() -> None:
    guard = statement("Deny", condition={"NumericNotEquals": {"aws:PrincipalTag/clearance": "3"}})
    result = session(ALLOW_ALL, guard, tags={"clearance": "abc"})
    assert result.decision == "explicit_deny"
    assert [u.assumption for u in result.uncertain] == ["unreadable-request-value"]


@pytest.mark.parametrize(
    ("operator", "policy_value", "request_value"),
    [("Bool", "true", "yes"), ("BinaryEquals", "QmluYXJ5VmFsdWU=", "not base64!")],
)
def test_an_unreadable_value_never_satisfies_a_positive_operator(
    operator: str, policy_value: str, request_value: str
) -> None:
    grant = statement(condition={operator: {"k:key": policy_value}})
    assert decide(
        "s3:GetObject", "*", {"k:key": request_value}, identity=[policy(grant)]
    ).decision == ("implicit_deny")


# --- keys AWS sets on every request: time from the evaluation time, the rest missing -------------


def test_time_keys_come_from_the_evaluation_time() -> None:
    # KEYS: aws:CurrentTime and aws:EpochTime are in every request context.
    expired = statement(
        "Deny", condition={"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}
    )
    assert session(ALLOW_ALL, expired).decision == "explicit_deny"
    assert session(ALLOW_ALL, expired, now=datetime(2025, 1, 1, tzinfo=UTC)).allowed
    epoch = statement("Deny", condition={"NumericGreaterThan": {"aws:EpochTime": "1767225600"}})
    assert session(ALLOW_ALL, epoch).decision == "explicit_deny"


def test_without_an_evaluation_time_a_time_deny_makes_the_decision_unknown() -> None:
    expired = statement(
        "Deny", condition={"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}
    )
    result = session(ALLOW_ALL, expired, now=None)
    assert result.decision == "unknown"
    assert result.missing_context == ("aws:currenttime",)
    assert "cannot decide between explicit deny and allowed" in result.reason
    assert result.to_json()["missing_context_values"] == ["aws:currenttime"]


def test_a_time_given_as_context_takes_precedence() -> None:
    expired = statement(
        "Deny", condition={"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}
    )
    assert session(ALLOW_ALL, expired, context={"aws:CurrentTime": "2025-06-01T00:00:00Z"}).allowed


@pytest.mark.parametrize(
    ("operator", "key", "value"),
    [
        ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24"),
        ("Bool", "aws:SecureTransport", "false"),
        ("StringNotEquals", "aws:RequestedRegion", "eu-west-1"),
        ("StringEquals", "s3:x-amz-acl", "public-read"),
    ],
)
def test_a_deny_on_a_request_key_not_given_makes_the_decision_unknown(
    operator: str, key: str, value: str
) -> None:
    # SIMULATOR: IAM's simulator lists such keys as MissingContextValues; rolesim will not guess them.
    guard = statement("Deny", condition={operator: {key: value}})
    result = session(ALLOW_ALL, guard)
    assert result.decision == "unknown"
    assert result.missing_context == (key.lower(),)
    given = session(ALLOW_ALL, guard, context={key: "203.0.113.9" if "Ip" in key else "true"})
    assert given.decision != "unknown"


def test_an_allow_that_needs_a_missing_key_is_unknown_and_names_it() -> None:
    grant = statement(condition={"Bool": {"aws:SecureTransport": "true"}})
    result = session(grant)
    assert result.decision == "unknown"
    assert "implicit deny and allowed" in result.reason
    assert "context key aws:securetransport not given" in result.reason
    assert session(grant, context={"aws:SecureTransport": "true"}).allowed


def test_a_missing_key_does_not_matter_when_a_known_deny_decides() -> None:
    # LOGIC: an explicit deny wins whatever the open statements do.
    known = statement("Deny", action="s3:GetObject")
    open_allow = statement(condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    result = session(open_allow, known)
    assert result.decision == "explicit_deny"
    assert result.missing_context == ()


def test_a_missing_key_does_not_matter_in_a_statement_that_cannot_apply() -> None:
    other_action = statement(
        "Deny", action="s3:PutObject", condition={"Bool": {"aws:SecureTransport": "false"}}
    )
    assert session(ALLOW_ALL, other_action).allowed


def test_keys_a_role_session_never_carries_are_absent_not_missing() -> None:
    # KEYS: aws:username is for IAM users, aws:SourceArn for calls made by a service principal.
    by_user = statement(condition={"StringEquals": {"aws:username": "alice"}})
    assert session(by_user).decision == "implicit_deny"
    guard = statement("Deny", condition={"Null": {"aws:SourceArn": "false"}})
    assert session(ALLOW_ALL, guard).allowed


def test_principal_tags_are_known_so_the_abac_guard_decides() -> None:
    # The pool decided every session tag: an absent one is absent (iam-evaluation-notes.md item 1).
    guard = statement(
        "Deny", condition={"StringNotEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/x}"}}
    )
    assert session(ALLOW_ALL, guard, tags={"team": "red"}).decision == "explicit_deny"


def test_resource_tags_given_describe_the_whole_tag_set() -> None:
    guard = statement("Deny", condition={"StringEquals": {"aws:ResourceTag/secret": "true"}})
    assert session(ALLOW_ALL, guard).decision == "unknown"
    assert session(ALLOW_ALL, guard, context={"aws:ResourceTag/team": "red"}).allowed


def test_a_variable_on_a_missing_key_leaves_the_resource_open() -> None:
    grant = statement(resource="arn:aws:s3:::b/${aws:RequestedRegion}/*")
    result = session(grant, resource="arn:aws:s3:::b/us-east-1/k")
    assert result.decision == "unknown"
    assert result.missing_context == ("aws:requestedregion",)
    assert session(
        grant, resource="arn:aws:s3:::b/us-east-1/k", context={"aws:RequestedRegion": "us-east-1"}
    ).allowed


def test_policy_eval_keeps_absent_keys_absent() -> None:
    # CONTRACT §6: for policy eval a key absent from the context is absent from the request.
    guard = statement("Deny", condition={"Bool": {"aws:SecureTransport": "false"}})
    assert decide("s3:GetObject", "*", identity=[policy(ALLOW_ALL, guard)]).allowed


def trust_for(extra: dict[str, Any], now: datetime | None = NOW) -> Any:
    """Trust for a role whose standard trust statement also carries the `extra` operators."""
    trust = trust_document(extra=extra)
    role = load_iam(
        [{"RoleName": "PoolAuth", "Arn": ROLE_ARN, "AssumeRolePolicyDocument": trust}]
    ).role(ROLE_ARN)
    assert role is not None
    return evaluate_trust(
        role,
        identity_pool_id=POOL,
        amr=["authenticated", "x"],
        identity_id=IDENTITY,
        principal_tags={},
        flow="enhanced",
        now=now,
    )


def test_a_trust_policy_testing_a_key_the_request_does_not_carry_is_unknown() -> None:
    decision = trust_for({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    assert decision.outcome == "unknown"
    assert decision.error is None
    assert "aws:sourceip" in decision.reason


# --- markers an importer left for values it cannot know ---------------------------------------------


@pytest.mark.parametrize(
    "marked",
    [
        statement(resource=f"{MARKER}/*"),
        statement(action=MARKER),
        statement(condition={"StringEquals": {"aws:PrincipalTag/team": MARKER}}),
        statement(condition={"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{MARKER}"}}),
        statement(resource=["arn:aws:s3:::other/*", f"arn:aws:s3:::x-{MARKER}-y/*"]),
    ],
)
def test_an_allow_with_a_marker_that_could_grant_is_unknown(marked: dict[str, Any]) -> None:
    result = decide("s3:GetObject", "arn:aws:s3:::b/k", identity=[policy(marked)])
    assert result.decision == "unknown"
    assert result.unresolved == ("Fn::ImportValue 'SharedBucketArn'",)
    assert "cannot be resolved offline" in result.reason


def test_a_deny_with_a_marker_is_unknown_unless_a_known_deny_decides() -> None:
    marked_deny = statement("Deny", resource=f"{MARKER}/*")
    assert decide("s3:GetObject", "*", identity=[policy(ALLOW_ALL, marked_deny)]).decision == (
        "unknown"
    )
    known_deny = statement("Deny", action="s3:*")
    assert decide(
        "s3:GetObject", "*", identity=[policy(ALLOW_ALL, marked_deny, known_deny)]
    ).decision == ("explicit_deny")


def test_a_marked_allow_does_not_matter_under_a_known_deny_or_beside_a_known_allow() -> None:
    marked = statement(resource=f"{MARKER}/*")
    deny = statement("Deny")
    assert decide("s3:GetObject", "*", identity=[policy(marked, deny)]).decision == (
        "explicit_deny"
    )
    assert decide("s3:GetObject", "*", identity=[policy(marked, ALLOW_ALL)]).allowed


def test_a_known_entry_of_the_same_element_can_decide() -> None:
    # Entries of one element are OR-ed: a known match is a match; under NotAction it excludes.
    listed = statement(action=["s3:GetObject", MARKER])
    assert decide("s3:GetObject", "*", identity=[policy(listed)]).allowed
    excluded = statement("Deny", NotAction=["s3:GetObject", MARKER], action=None)
    del excluded["Action"]
    assert decide("s3:GetObject", "*", identity=[policy(ALLOW_ALL, excluded)]).allowed
    assert decide("s3:PutObject", "*", identity=[policy(ALLOW_ALL, excluded)]).decision == (
        "unknown"
    )


def test_a_marked_principal_in_a_resource_policy_is_unknown() -> None:
    bucket = NamedPolicy(
        "bucket",
        parse_policy(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": MARKER},
                        "Action": "s3:GetObject",
                        "Resource": "*",
                    }
                ],
            },
            kind="resource",
        ),
    )
    result = evaluate(
        Request("s3:GetObject", "arn:aws:s3:::b/k"),
        resource_policy=bucket,
        principal=SessionPrincipal(ROLE_ARN),
    )
    assert result.decision == "unknown"
    assert result.unresolved == ("Fn::ImportValue 'SharedBucketArn'",)


def test_a_marked_trust_policy_gives_an_unknown_trust() -> None:
    decision = trust_for({"StringEquals": {"cognito-identity.amazonaws.com:aud": MARKER}})
    assert decision.outcome == "unknown"
    assert decision.failed_action == "sts:AssumeRoleWithWebIdentity"
    assert "Fn::ImportValue 'SharedBucketArn'" in decision.reason


# --- request values longer than AWS accepts -------------------------------------------------------


def test_a_request_longer_than_aws_accepts_is_unknown_at_once() -> None:
    # IAM API SimulatePrincipalPolicy: ResourceArns are at most 2048 characters, ActionNames 128.
    grant = policy(ALLOW_ALL)
    long_resource = decide("s3:GetObject", "arn:aws:s3:::b/" + "k" * 2048, identity=[grant])
    assert long_resource.decision == "unknown"
    assert "2,048" in long_resource.reason
    assert decide("s3:" + "G" * 200, "*", identity=[grant]).decision == "unknown"
    long_value = decide("s3:GetObject", "*", {"k:key": "v" * 3000}, identity=[grant])
    assert long_value.decision == "unknown"
