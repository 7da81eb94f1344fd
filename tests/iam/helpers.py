"""Small builders so each test shows only the policy text that matters to it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from simulator.iam import AccessDecision, NamedPolicy, Request, evaluate, parse_policy
from simulator.iam.policy import PolicyKind


def statement(
    effect: str = "Allow",
    action: str | list[str] = "s3:GetObject",
    resource: str | list[str] | None = "*",
    condition: Mapping[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": effect, "Action": action}
    if resource is not None:
        out["Resource"] = resource
    if condition is not None:
        out["Condition"] = condition
    out.update(extra)
    return out


def policy(
    *statements: Mapping[str, Any],
    name: str = "p",
    version: str | None = "2012-10-17",
    kind: PolicyKind = "identity",
) -> NamedPolicy:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document["Version"] = version
    return NamedPolicy(name, parse_policy(document, kind=kind))


def decide(
    action: str,
    resource: str,
    context: Mapping[str, str | Sequence[str]] | None = None,
    *,
    identity: Sequence[NamedPolicy] = (),
    **kwargs: Any,
) -> AccessDecision:
    return evaluate(
        Request(action, resource, dict(context or {})), identity_policies=identity, **kwargs
    )


def allowed(*statements: Mapping[str, Any], action: str = "s3:GetObject",
            resource: str = "arn:aws:s3:::bucket/key", context: Mapping[str, Any] | None = None,
            version: str | None = "2012-10-17") -> bool:  # fmt: skip
    """Does a one-policy identity allow the request?"""
    return decide(
        action, resource, context, identity=[policy(*statements, version=version)]
    ).allowed


POOL = "us-east-1:11111111-2222-3333-4444-555555555555"
IDENTITY = "us-east-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
ROLE_ARN = "arn:aws:iam::111122223333:role/PoolAuth"


def trust_document(
    *actions: str, amr: str = "authenticated", extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    # The standard trust statement (cognito-semantics.md §5, role-trust-and-permissions.html).
    condition: dict[str, Any] = {
        "StringEquals": {"cognito-identity.amazonaws.com:aud": POOL},
        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
    }
    condition.update(extra or {})
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": list(actions or ["sts:AssumeRoleWithWebIdentity"]),
                "Condition": condition,
            }
        ],
    }
