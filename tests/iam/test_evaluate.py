"""The evaluation logic for a role session in its own account.

Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
Session policies: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
"""

from __future__ import annotations

import pytest

from simulator.assumptions import AssumptionSet, Name
from simulator.iam import AccessDecision, SessionPrincipal
from tests.iam.helpers import decide, policy, statement

ROLE = "arn:aws:iam::111122223333:role/app/PoolAuth"
SESSION = "arn:aws:sts::111122223333:assumed-role/PoolAuth/CognitoIdentityCredentials"
OBJECT = "arn:aws:s3:::bucket/key"
CALLER = SessionPrincipal(ROLE)

read = policy(statement(resource="arn:aws:s3:::bucket/*"), name="read")
nothing = policy(statement(action="sqs:SendMessage"), name="nothing")


def bucket_policy(principal: object, effect: str = "Allow") -> object:
    return policy(
        statement(effect, resource="arn:aws:s3:::bucket/*", Principal=principal),
        name="bucket",
        kind="resource",
    )


def test_default_is_implicit_deny() -> None:
    result = decide("s3:GetObject", OBJECT)
    assert result.decision == "implicit_deny"
    assert result.reason == "no identity-based policy allows s3:GetObject"
    assert result.matched == ()


def test_allow_in_an_identity_policy_allows_and_names_the_statement() -> None:
    result = decide("s3:GetObject", OBJECT, identity=[nothing, read])
    assert result.decision == "allowed"
    assert [m.to_json() for m in result.matched] == [
        {"policy": "read", "statement_index": 0, "sid": None, "effect": "Allow", "kind": "identity"}
    ]


def test_explicit_deny_in_any_policy_wins() -> None:
    deny = policy(statement("Deny", action="s3:*", Sid="NoS3"), name="deny")
    result = decide("s3:GetObject", OBJECT, identity=[read, deny])
    assert result.decision == "explicit_deny"
    assert [(m.policy, m.sid, m.effect) for m in result.matched] == [("deny", "NoS3", "Deny")]
    assert "NoS3" in result.reason
    for slot in ("permissions_boundary", "resource_policy"):
        kind = "resource" if slot == "resource_policy" else "identity"
        extra = {"Principal": "*"} if kind == "resource" else {}
        denying = policy(statement("Deny", action="s3:*", **extra), name="d", kind=kind)
        assert (
            decide(
                "s3:GetObject", OBJECT, identity=[read], principal=CALLER, **{slot: denying}
            ).decision
            == "explicit_deny"
        )
    assert (
        decide("s3:GetObject", OBJECT, identity=[read], session_policies=[deny]).decision
        == "explicit_deny"
    )
    assert decide("s3:GetObject", OBJECT, identity=[read], scps=[deny]).decision == "explicit_deny"


def test_permissions_boundary_intersects_with_identity_policies() -> None:
    # "the entity can perform only the actions that are allowed by both".
    result = decide("s3:GetObject", OBJECT, identity=[read], permissions_boundary=nothing)
    assert result.decision == "implicit_deny"
    assert result.reason == "the permissions boundary nothing does not allow s3:GetObject"
    assert (
        decide("s3:GetObject", OBJECT, identity=[nothing], permissions_boundary=read).decision
        == "implicit_deny"
    )
    both = decide("s3:GetObject", OBJECT, identity=[read], permissions_boundary=read)
    assert both.decision == "allowed"
    assert {m.kind for m in both.matched} == {"identity", "permissions_boundary"}


def test_session_policy_limits_the_role_and_cannot_grant_by_itself() -> None:
    # "the resulting session's permissions are the intersection of the IAM entity's identity-based policy
    # and the session policies".
    limited = decide("s3:GetObject", OBJECT, identity=[read], session_policies=[nothing])
    assert limited.decision == "implicit_deny"
    assert limited.reason == "no session policy allows s3:GetObject"
    assert (
        decide("s3:GetObject", OBJECT, identity=[nothing], session_policies=[read]).decision
        == "implicit_deny"
    )
    assert (
        decide("s3:GetObject", OBJECT, identity=[read], session_policies=[read]).decision
        == "allowed"
    )


def test_scp_must_allow() -> None:
    result = decide("s3:GetObject", OBJECT, identity=[read], scps=[nothing])
    assert result.decision == "implicit_deny"
    assert "SCP nothing" in result.reason
    assert decide("s3:GetObject", OBJECT, identity=[read], scps=[read]).decision == "allowed"


def test_resource_policy_naming_the_session_is_not_limited_by_implicit_denies() -> None:
    # Evaluation logic, resource-based policies: "Permissions granted directly to a session are not
    # limited by an implicit deny in an identity-based policy, a permissions boundary, or session policy."
    grant = bucket_policy({"AWS": SESSION})
    result = decide(
        "s3:GetObject", OBJECT, identity=[nothing], permissions_boundary=nothing,
        session_policies=[nothing], resource_policy=grant, principal=CALLER,
    )  # fmt: skip
    assert result.decision == "allowed"
    assert [m.kind for m in result.matched] == ["resource"]


def test_resource_policy_naming_the_role_is_limited_by_boundary_and_session_policies() -> None:
    # "Resource-based policies that grant permissions to an IAM role ARN are limited by an implicit deny
    # in a permissions boundary or session policy."
    grant = bucket_policy({"AWS": ROLE})
    alone = decide(
        "s3:GetObject", OBJECT, identity=[nothing], resource_policy=grant, principal=CALLER
    )
    assert alone.decision == "allowed"
    bounded = decide(
        "s3:GetObject",
        OBJECT,
        identity=[nothing],
        permissions_boundary=nothing,
        resource_policy=grant,
        principal=CALLER,
    )
    assert bounded.decision == "implicit_deny"
    scoped = decide(
        "s3:GetObject",
        OBJECT,
        identity=[nothing],
        session_policies=[nothing],
        resource_policy=grant,
        principal=CALLER,
    )
    assert scoped.decision == "implicit_deny"


def test_resource_policy_naming_the_account_delegates_to_identity_policies() -> None:
    grant = bucket_policy({"AWS": "arn:aws:iam::111122223333:root"})
    assert (
        decide(
            "s3:GetObject", OBJECT, identity=[nothing], resource_policy=grant, principal=CALLER
        ).decision
        == "implicit_deny"
    )
    assert (
        decide(
            "s3:GetObject", OBJECT, identity=[read], resource_policy=grant, principal=CALLER
        ).decision
        == "allowed"
    )


def test_resource_policy_for_someone_else_does_not_apply() -> None:
    grant = bucket_policy({"AWS": "arn:aws:iam::111122223333:role/Other"})
    deny_other = bucket_policy({"AWS": "arn:aws:iam::111122223333:role/Other"}, "Deny")
    assert (
        decide("s3:GetObject", OBJECT, resource_policy=grant, principal=CALLER).decision
        == "implicit_deny"
    )
    assert (
        decide(
            "s3:GetObject", OBJECT, identity=[read], resource_policy=deny_other, principal=CALLER
        ).decision
        == "allowed"
    )


def test_caller_defaults_to_the_principal_in_the_request_context() -> None:
    grant = bucket_policy({"AWS": SESSION})
    context = {"aws:PrincipalArn": ROLE, "aws:userid": "AROAEXAMPLE:CognitoIdentityCredentials"}
    assert decide("s3:GetObject", OBJECT, context, resource_policy=grant).decision == "allowed"


def test_wildcard_principal_is_a_named_assumption_reported_when_it_decides() -> None:
    grant = bucket_policy("*")
    result = decide(
        "s3:GetObject",
        OBJECT,
        identity=[nothing],
        session_policies=[nothing],
        resource_policy=grant,
        principal=CALLER,
    )
    assert result.decision == "allowed"
    assert [u.assumption for u in result.uncertain] == ["resource-policy-wildcard-principal"]
    assert result.uncertain[0].alternative_outcome["decision"] == "implicit_deny"
    plain = decide(
        "s3:GetObject", OBJECT, identity=[nothing], resource_policy=grant, principal=CALLER
    )
    assert plain.decision == "allowed"
    assert plain.uncertain == ()  # both readings allow: nothing to report


def test_several_session_policies_combine_as_a_union_by_default() -> None:
    # Named assumption session-policies-combine (Cognito's denial text: "no session policy allows").
    result = decide("s3:GetObject", OBJECT, identity=[read], session_policies=[nothing, read])
    assert result.decision == "allowed"
    assert [u.assumption for u in result.uncertain] == ["session-policies-combine"]
    switched = decide(
        "s3:GetObject", OBJECT, identity=[read], session_policies=[nothing, read],
        assumptions=AssumptionSet.of(Name.SESSION_POLICIES_COMBINE),
    )  # fmt: skip
    assert switched.decision == "implicit_deny"
    assert switched.reason == "session policy nothing does not allow s3:GetObject"


def test_notaction_and_notresource_apply_to_everything_else() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    everything_but_iam = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert decide("s3:GetObject", OBJECT, identity=[everything_but_iam]).allowed
    assert not decide("iam:CreateUser", "*", identity=[everything_but_iam]).allowed
    outside = policy({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})
    assert decide("s3:GetObject", OBJECT, identity=[outside]).allowed
    assert not decide("s3:GetObject", "arn:aws:s3:::secret/k", identity=[outside]).allowed


def test_actions_match_case_insensitively_with_wildcards() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    grant = policy(statement(action="S3:get*"))
    assert decide("s3:GetObject", OBJECT, identity=[grant]).allowed
    assert decide("s3:getobjectacl", OBJECT, identity=[grant]).allowed
    assert not decide("s3:PutObject", OBJECT, identity=[grant]).allowed
    assert decide(
        "s3:GetObject", OBJECT, identity=[policy(statement(action="s3:?etObject"))]
    ).allowed


def test_unknown_requested_action_is_a_warning() -> None:
    result = decide("s3:GetObjekt", OBJECT, identity=[read])
    assert result.decision == "implicit_deny"
    assert any("s3:GetObjekt" in w for w in result.warnings)


def test_to_json_has_the_contract_fields() -> None:
    # CONTRACT §6: decision and matched[{policy, statement_index, sid, effect}].
    data = decide("s3:GetObject", OBJECT, identity=[read]).to_json()
    assert data["decision"] == "allowed"
    assert set(data["matched"][0]) >= {"policy", "statement_index", "sid", "effect"}
    assert {"reason", "uncertain", "warnings"} <= set(data)


def test_decisions_are_frozen_values_equal_to_constructed_ones() -> None:
    result = decide("s3:GetObject", OBJECT, identity=[read])
    expected = AccessDecision("allowed", "s3:GetObject", OBJECT, result.matched, result.reason)
    assert result == expected
    with pytest.raises(AttributeError):
        result.decision = "explicit_deny"  # type: ignore[misc]
