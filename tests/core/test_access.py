"""Trust and access for the chosen role: what the credentials a token gets can do.

Sources: IAM User Guide pages cited per test; cognito-semantics.md §4.3 and §5.
"""

from __future__ import annotations

import io
from typing import Any

from simulator.access import AccessRequest, Assessment
from simulator.model import IdentityPool, pool_from_dict
from simulator.simulate import simulate
from tests.core.builders import AUTH, GUEST, POOL_ID, USER_POOL, pool_doc, request, token

BUCKET = "arn:aws:s3:::data"


def trust(
    *, amr: str = "authenticated", tag_session: bool = True, aud: str = POOL_ID
) -> dict[str, Any]:
    # [RBAC]/[RTP] the standard trust statement; [AFAC] sts:TagSession when principal tags are used
    actions = ["sts:AssumeRoleWithWebIdentity", *(["sts:TagSession"] if tag_session else [])]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": actions,
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": aud},
                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
                },
            }
        ],
    }


def iam_role(arn: str, trust_policy: dict[str, Any], *statements: dict[str, Any]) -> dict[str, Any]:
    return {
        "RoleName": arn.rsplit("/", 1)[1],
        "Arn": arn,
        "Path": "/",
        "AssumeRolePolicyDocument": trust_policy,
        "RolePolicyList": [
            {
                "PolicyName": "p",
                "PolicyDocument": {"Version": "2012-10-17", "Statement": list(statements)},
            }
        ],
    }


ABAC_READ = {
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Resource": f"{BUCKET}/${{aws:PrincipalTag/department}}/*",
}


def abac_pool(**trust_args: Any) -> IdentityPool:
    guest_statements = [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/public/*"},
        {"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"},
    ]
    return pool_from_dict(
        pool_doc(
            tags={"department": "custom:dept"},
            IamRoles=[
                iam_role(AUTH, trust(**trust_args), ABAC_READ),
                iam_role(GUEST, trust(amr="unauthenticated", tag_session=False), *guest_statements),
            ],
        )
    )


def check(
    pool: IdentityPool, claims: dict[str, Any] | None, *requests: tuple[str, str], **options: Any
) -> Assessment:
    asked = [AccessRequest(a, r) for a, r in requests]
    return simulate(pool, request(claims, **options), requests=asked)


def test_a_principal_tag_from_a_claim_scopes_the_resource() -> None:
    # [AFAC] policy example: ${aws:PrincipalTag/...} in Resource; the tag's value is the claim's
    d = check(
        abac_pool(),
        token(custom__dept="sales"),
        ("s3:GetObject", f"{BUCKET}/sales/q3.csv"),
        ("s3:GetObject", f"{BUCKET}/hr/pay.csv"),
    )
    assert d.trust is not None
    assert d.trust.outcome == "allowed"
    assert [a.verdict for a in d.access] == ["allowed", "implicit_deny"]


def test_a_claim_that_sets_no_tag_leaves_the_variable_without_value_and_the_resource_unmatched() -> (
    None
):
    # IAM User Guide, reference_policies_variables#policy-vars-no-value: a Resource entry with a
    # variable that has no value matches nothing (iam-evaluation-notes.md item 2)
    d = check(abac_pool(), token(), ("s3:GetObject", f"{BUCKET}//q3.csv"))
    assert [a.verdict for a in d.access] == ["implicit_deny"]


def test_tags_without_sts_tag_session_in_the_trust_policy_mean_no_credentials() -> None:
    # [IAM-ST] "For roles without this permission in the trust policy, the AssumeRole operation
    # fails"; Cognito reports STS failures as InvalidIdentityPoolConfigurationException [M], [OS]
    d = check(
        abac_pool(tag_session=False),
        token(custom__dept="sales"),
        ("s3:GetObject", f"{BUCKET}/sales/q3.csv"),
    )
    assert d.role_arn is None
    assert d.error is not None
    assert d.error.code == "InvalidIdentityPoolConfigurationException"
    assert d.trust is not None
    assert d.trust.failed_action == "sts:TagSession"
    assert [a.verdict for a in d.access] == ["no_credentials"]


def test_without_tags_sts_tag_session_is_not_needed() -> None:
    d = check(abac_pool(tag_session=False), token())
    assert d.role_arn == AUTH


def test_a_trust_policy_for_another_pool_refuses_the_role() -> None:
    # [RTP] the aud condition names the identity pool
    d = check(
        abac_pool(aud="us-east-1:99999999-0000-0000-0000-000000000000"), token(custom__dept="sales")
    )
    assert d.error is not None
    assert d.error.code == "InvalidIdentityPoolConfigurationException"


def test_basic_flow_trust_failure_is_sts_access_denied() -> None:
    # [RTP] basic flow: "AccessDenied -- Not authorized to perform sts:AssumeRoleWithWebIdentity"
    pool = abac_pool(aud="us-east-1:99999999-0000-0000-0000-000000000000")
    from msgspec.structs import replace

    pool = replace(pool, allow_classic_flow=True)
    d = check(pool, token(custom__dept="sales"), flow="basic", basic_role_arn=AUTH)
    assert d.error is not None
    assert d.error.code == "AccessDenied"


def test_guest_credentials_are_scoped_down_by_the_session_policies() -> None:
    # [IAMR] enhanced-flow guests: "you must grant access in both the IAM policies for your role and
    # the session policies"; S3 is in the inline policy's service list, IAM is not
    d = check(
        abac_pool(), None, ("s3:GetObject", f"{BUCKET}/public/logo.png"), ("iam:ListRoles", "*")
    )
    assert d.role_arn == GUEST
    assert [a.verdict for a in d.access] == ["allowed", "implicit_deny"]
    assert "session polic" in d.access[1].to_json()["reason"]


def test_a_refused_login_has_no_credentials_to_make_requests_with() -> None:
    d = check(abac_pool(), token(aud="otherclient"), ("s3:GetObject", f"{BUCKET}/x/y"))
    assert [a.verdict for a in d.access] == ["no_credentials"]
    assert d.trust is None


def test_a_role_missing_from_the_iam_data_is_unknown_not_denied() -> None:
    # Fail closed: with IAM data given, a role it does not describe cannot be evaluated; the pool
    # still issues credentials for it, so this is never "no credentials".
    pool = pool_from_dict(pool_doc(IamRoles=[]))
    d = check(pool, token(), ("s3:GetObject", f"{BUCKET}/x"))
    assert d.role_arn == AUTH
    assert d.trust is not None
    assert d.trust.outcome == "unknown"
    assert "not described" in d.trust.reason
    assert d.credentials == "unknown"
    assert d.access[0].verdict == "unknown"
    assert d.access[0].missing == (f"IamRoles entry for {AUTH}",)
    assert d.unknowns


def test_trust_sees_the_provider_in_amr() -> None:
    # [IAM-CK] amr holds "authenticated" and the login provider's name
    d = check(abac_pool(amr=USER_POOL), token(custom__dept="x"))
    assert d.role_arn == AUTH


def test_a_guest_summary_covers_the_uncertainty_of_trust_and_access() -> None:
    # Issue 10.5: the guest's decision rests on nothing undocumented, but its access does
    # (guest-inline-session-policy, cognito-semantics.md §10.20): the summary must not say none.
    from simulator.render.decision_text import DecisionText

    d = check(abac_pool(), None, ("s3:GetObject", f"{BUCKET}/public/x"))
    assert d.decision.uncertain == ()
    assert d.rests_on
    out = io.StringIO()
    DecisionText().render(d, out)
    assert "no undocumented behaviour" not in out.getvalue()
    assert d.rests_on[0] in out.getvalue()


def test_a_trust_refusal_names_the_failing_condition_and_the_sessions_values() -> None:
    # Issue 10.6: the reviewer sees which condition failed and what the session carried [RTP].
    d = check(abac_pool(amr="unauthenticated"), token(custom__dept="x"))
    assert d.trust is not None
    assert d.trust.outcome == "denied"
    reason = d.trust.reason
    assert "cognito-identity.amazonaws.com:amr" in reason
    assert '["unauthenticated"]' in reason  # what the policy asks
    assert '"authenticated"' in reason  # what the session carries
    assert f'cognito-identity.amazonaws.com:aud = "{POOL_ID}"' in reason
