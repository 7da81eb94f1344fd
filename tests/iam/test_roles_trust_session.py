"""Roles and managed policies as IAM returns them, trust for AssumeRoleWithWebIdentity, and the
context and scope-down a Cognito session carries."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest

from simulator.assumptions import AssumptionSet, Name
from simulator.errors import ConfigError
from simulator.iam import (
    Request,
    evaluate_for_role,
    evaluate_trust,
    load_account_authorization_details,
    load_iam,
    merged_principal_tags,
    session_arn,
    session_context,
)
from tests.iam.helpers import IDENTITY, POOL, ROLE_ARN, trust_document


def role(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "RoleName": "PoolAuth",
        "Arn": ROLE_ARN,
        "Path": "/",
        "RoleId": "AROAEXAMPLEID1234567",
        "AssumeRolePolicyDocument": urllib.parse.quote(json.dumps(trust_document())),
        "RolePolicyList": [
            {
                "PolicyName": "own-prefix",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:*",
                            "Resource": "arn:aws:s3:::app/${cognito-identity.amazonaws.com:sub}/*",
                        }
                    ],
                },
            }
        ],
        "AttachedManagedPolicies": [
            {"PolicyName": "Queue", "PolicyArn": "arn:aws:iam::111122223333:policy/Queue"},
        ],
        "Tags": [{"Key": "Team", "Value": "role-team"}],
        "MaxSessionDuration": 3600,
    }
    base.update(overrides)
    return base


MANAGED = {
    "PolicyName": "Queue",
    "Arn": "arn:aws:iam::111122223333:policy/Queue",
    "DefaultVersionId": "v2",
    "PolicyVersionList": [
        {
            "VersionId": "v1",
            "IsDefaultVersion": False,
            "Document": {"Version": "2012-10-17", "Statement": []},
        },
        {
            "VersionId": "v2",
            "IsDefaultVersion": True,
            "Document": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
            },
        },
    ],
}


# --- loading ------------------------------------------------------------------------------------


def test_load_iam_reads_roles_and_the_default_managed_policy_version() -> None:
    data = load_iam([role()], [MANAGED])
    loaded = data.role(ROLE_ARN)
    assert loaded is not None
    assert loaded.role_id == "AROAEXAMPLEID1234567"
    assert loaded.trust_policy is not None
    resolved = data.role_policies(loaded)
    assert [p.name for p in resolved.identity] == [
        "PoolAuth/own-prefix",
        "arn:aws:iam::111122223333:policy/Queue",
    ]
    assert resolved.warnings == ()
    assert data.role("arn:aws:iam::111122223333:role/Missing") is None


def test_managed_policy_not_supplied_is_a_warning_and_aws_guest_policies_are_shipped() -> None:
    attached = [
        {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
        {
            "PolicyName": "AmazonCognitoUnauthenticatedIdentities",
            "PolicyArn": "arn:aws:iam::aws:policy/AmazonCognitoUnauthenticatedIdentities",
        },
    ]
    data = load_iam([role(AttachedManagedPolicies=attached)], [])
    loaded = data.role(ROLE_ARN)
    assert loaded is not None
    resolved = data.role_policies(loaded)
    assert len(resolved.warnings) == 1
    assert "ReadOnlyAccess" in resolved.warnings[0]
    assert (
        resolved.identity[-1].name
        == "arn:aws:iam::aws:policy/AmazonCognitoUnauthenticatedIdentities"
    )


@pytest.mark.parametrize(
    ("roles", "policies", "path"),
    [
        ([role(RoleName=None)], [], ("IamRoles", 0, "RoleName")),
        ([role(Colour="red")], [], ("IamRoles", 0, "Colour")),
        (
            [
                role(
                    RolePolicyList=[
                        {"PolicyName": "x", "PolicyDocument": {"Statement": [{"Effect": "Maybe"}]}}
                    ]
                )
            ],
            [],
            ("IamRoles", 0, "RolePolicyList", 0, "PolicyDocument", "Statement", 0, "Effect"),
        ),
        (
            [role(AssumeRolePolicyDocument="%7Bbroken")],
            [],
            ("IamRoles", 0, "AssumeRolePolicyDocument"),
        ),
        ([], [{"Arn": "arn:aws:iam::1:policy/x"}], ("Policies", 0)),
        (
            [],
            [
                {
                    **MANAGED,
                    "PolicyVersionList": [
                        {"VersionId": "v1", "IsDefaultVersion": False, "Document": {}}
                    ],
                }
            ],
            ("Policies", 0, "PolicyVersionList"),
        ),
    ],
)
def test_load_iam_errors_carry_paths(roles: Any, policies: Any, path: tuple[Any, ...]) -> None:
    with pytest.raises(ConfigError) as caught:
        load_iam(roles, policies)
    assert caught.value.path == path


def test_whole_account_authorization_details_output() -> None:
    data = load_account_authorization_details(
        {
            "UserDetailList": [],
            "GroupDetailList": [],
            "RoleDetailList": [role()],
            "Policies": [MANAGED],
        }
    )
    assert data.role(ROLE_ARN) is not None
    assert "arn:aws:iam::111122223333:policy/Queue" in data.policies


# --- trust --------------------------------------------------------------------------------------


def trust_for(
    document: dict[str, Any],
    *,
    amr: list[str],
    tags: dict[str, str] | None = None,
    flow: str = "enhanced",
) -> Any:
    loaded = load_iam([role(AssumeRolePolicyDocument=document)]).role(ROLE_ARN)
    assert loaded is not None
    return evaluate_trust(
        loaded,
        identity_pool_id=POOL,
        amr=amr,
        identity_id=IDENTITY,
        principal_tags=tags or {},
        flow=flow,  # type: ignore[arg-type]
    )


def test_trust_allows_the_pool_and_authentication_state_it_names() -> None:
    result = trust_for(trust_document(), amr=["authenticated", "accounts.google.com"])
    assert result.allowed
    assert result.error is None
    assert [m.kind for m in result.matched] == ["trust"]


def test_trust_refusal_in_the_enhanced_flow_is_invalid_identity_pool_configuration() -> None:
    # cognito-semantics.md §5 (trust failure) and §9.
    result = trust_for(trust_document(), amr=["unauthenticated"])
    assert not result.allowed
    assert result.failed_action == "sts:AssumeRoleWithWebIdentity"
    assert result.error.code == "InvalidIdentityPoolConfigurationException"
    assert (
        result.error.message
        == "Invalid identity pool configuration. Check assigned IAM roles for this pool."
    )


def test_trust_refusal_in_the_basic_flow_is_access_denied() -> None:
    result = trust_for(trust_document(), amr=["unauthenticated"], flow="basic")
    assert result.error.code == "AccessDenied"
    assert result.error.message == "Not authorized to perform sts:AssumeRoleWithWebIdentity"


def test_principal_tags_need_sts_tag_session_in_the_trust_policy() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html: "trust policies for all
    # roles connected to the IdP passing tags must have the sts:TagSession permission".
    amr = ["authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"]
    missing = trust_for(trust_document(), amr=amr, tags={"department": "legal"})
    assert missing.failed_action == "sts:TagSession"
    assert missing.error.code == "InvalidIdentityPoolConfigurationException"
    granted = trust_for(
        trust_document("sts:AssumeRoleWithWebIdentity", "sts:TagSession"),
        amr=amr,
        tags={"department": "legal"},
    )
    assert granted.allowed


def test_trust_policy_can_test_request_tags() -> None:
    document = trust_document(
        "sts:AssumeRoleWithWebIdentity", "sts:TagSession",
        extra={"StringEquals": {"cognito-identity.amazonaws.com:aud": POOL, "aws:RequestTag/department": "legal"}},
    )  # fmt: skip
    amr = ["authenticated", "x"]
    assert trust_for(document, amr=amr, tags={"department": "legal"}).allowed
    assert not trust_for(document, amr=amr, tags={"department": "sales"}).allowed


def test_trust_of_a_role_without_its_trust_policy_is_unknown() -> None:
    loaded = load_iam([role(AssumeRolePolicyDocument=None)]).role(ROLE_ARN)
    assert loaded is not None
    result = evaluate_trust(
        loaded,
        identity_pool_id=POOL,
        amr=["authenticated"],
        identity_id=IDENTITY,
        principal_tags={},
        flow="enhanced",
    )
    assert result.outcome == "unknown"


# --- session ------------------------------------------------------------------------------------


def test_session_tags_override_role_tags_regardless_of_case() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html (cognito-semantics.md §6.3).
    assert merged_principal_tags({"Team": "role", "Env": "prod"}, {"team": "session"}) == {
        "Env": "prod",
        "team": "session",
    }


def test_session_arn_uses_the_role_name_without_its_path() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html (cognito-semantics.md §7)
    loaded = load_iam(
        [role(Arn="arn:aws:iam::111122223333:role/app/PoolAuth", Path="/app/")]
    ).roles[0]
    assert (
        session_arn(loaded)
        == "arn:aws:sts::111122223333:assumed-role/PoolAuth/CognitoIdentityCredentials"
    )


def test_session_context_carries_the_documented_keys() -> None:
    loaded = load_iam([role()]).role(ROLE_ARN)
    assert loaded is not None
    context = session_context(
        loaded,
        identity_pool_id=POOL,
        identity_id=IDENTITY,
        amr=["authenticated", "x"],
        principal_tags={"team": "s"},
    )
    assert context["aws:PrincipalArn"] == ROLE_ARN
    assert context["aws:userid"] == "AROAEXAMPLEID1234567:CognitoIdentityCredentials"
    assert context["aws:PrincipalType"] == "AssumedRole"
    assert context["aws:PrincipalAccount"] == "111122223333"
    assert context["cognito-identity.amazonaws.com:amr"] == ("authenticated", "x")
    assert context["cognito-identity.amazonaws.com:sub"] == IDENTITY
    assert context["aws:PrincipalTag/team"] == "s"
    assert "aws:PrincipalTag/Team" not in context


def access(
    action: str,
    resource: str,
    amr: list[str],
    flow: str = "enhanced",
    assumptions: AssumptionSet | None = None,
) -> Any:
    data = load_iam(
        [
            role(
                RolePolicyList=[
                    {
                        "PolicyName": "all",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                        },
                    }
                ],
                AttachedManagedPolicies=[],
            )
        ]
    )
    loaded = data.role(ROLE_ARN)
    assert loaded is not None
    return evaluate_for_role(
        Request(action, resource), role=loaded, iam=data, identity_pool_id=POOL, identity_id=IDENTITY,
        amr=amr, principal_tags={}, flow=flow, assumptions=assumptions or AssumptionSet(),  # type: ignore[arg-type]
    )  # fmt: skip


def test_enhanced_flow_guests_are_scoped_down_by_session_policies() -> None:
    # https://docs.aws.amazon.com/cognito/latest/developerguide/iam-roles.html (cognito-semantics.md §4.3)
    denied = access("iam:CreateUser", "*", ["unauthenticated"])
    assert denied.decision == "implicit_deny"
    assert denied.reason == "no session policy allows iam:CreateUser"
    assert access(
        "polly:SynthesizeSpeech", "*", ["unauthenticated"]
    ).allowed  # in the managed policy
    assert access(
        "iam:CreateUser", "*", ["authenticated", "x"]
    ).allowed  # authenticated: not scoped
    assert access(
        "iam:CreateUser", "*", ["unauthenticated"], flow="basic"
    ).allowed  # basic: not scoped


def test_guest_inline_policy_is_a_named_assumption_reported_when_it_decides() -> None:
    s3 = access("s3:GetObject", "arn:aws:s3:::b/k", ["unauthenticated"])
    assert s3.allowed
    # S3 is only in the reconstructed inline policy, so both its existence and the union reading decide.
    by_name = {u.assumption: u for u in s3.uncertain}
    assert set(by_name) == {"guest-inline-session-policy", "session-policies-combine"}
    assert all(u.alternative_outcome["decision"] == "implicit_deny" for u in s3.uncertain)
    managed_only = access(
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        ["unauthenticated"],
        assumptions=AssumptionSet.of(Name.GUEST_INLINE_SESSION_POLICY),
    )
    assert managed_only.decision == "implicit_deny"


def test_role_session_policy_variables_resolve_from_the_session() -> None:
    data = load_iam([role(AttachedManagedPolicies=[])])
    loaded = data.role(ROLE_ARN)
    assert loaded is not None
    own = evaluate_for_role(
        Request("s3:GetObject", f"arn:aws:s3:::app/{IDENTITY}/k"), role=loaded, iam=data, identity_pool_id=POOL,
        identity_id=IDENTITY, amr=["authenticated", "x"], principal_tags={},
    )  # fmt: skip
    assert own.allowed
    other = evaluate_for_role(
        Request("s3:GetObject", "arn:aws:s3:::app/us-east-1:other/k"), role=loaded, iam=data, identity_pool_id=POOL,
        identity_id=IDENTITY, amr=["authenticated", "x"], principal_tags={},
    )  # fmt: skip
    assert not other.allowed
