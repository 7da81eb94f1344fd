"""Builders for CloudFormation templates in tests: a small pool, its pieces, and ways to import them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simulator.access import Assessment
from simulator.importers.cloudformation import read_resources
from simulator.importers.source import Imported, ImportOptions, Source, import_text
from simulator.model import IdentityPool, pool_from_document
from simulator.request import LoginRequest
from simulator.simulate import simulate

REGION = "us-east-1"
ACCOUNT = "123456789012"
PROVIDER = f"cognito-idp.{REGION}.amazonaws.com/{REGION}_UserPool"
ISS = f"https://{PROVIDER}"
CLIENT = "WebClient"
KEY = f"{PROVIDER}:{CLIENT}"
POOL_ID = f"{REGION}:IdentityPool"


def arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def trust(amr: str = "authenticated", tag_session: bool = True) -> dict[str, Any]:
    actions = ["sts:AssumeRoleWithWebIdentity"] + (["sts:TagSession"] if tag_session else [])
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": actions,
            "Condition": {
                "StringEquals": {"cognito-identity.amazonaws.com:aud": {"Ref": "IdentityPool"}},
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
            },
        }],
    }  # fmt: skip


def role(name: str | None = None, **properties: Any) -> dict[str, Any]:
    props: dict[str, Any] = {"AssumeRolePolicyDocument": trust(), **properties}
    if name is not None:
        props["RoleName"] = name
    return {"Type": "AWS::IAM::Role", "Properties": props}


def rule(claim: str, match: str, value: str, role_ref: Any) -> dict[str, Any]:
    return {"Claim": claim, "MatchType": match, "Value": value, "RoleARN": role_ref}


def get_att(resource: str, attribute: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [resource, attribute]}


def mapping_key() -> dict[str, Any]:
    return {"Fn::Join": [":", [get_att("UserPool", "ProviderName"), {"Ref": "WebClient"}]]}


def pool_resources(
    rules: list[dict[str, Any]] | None = None, **pool_properties: Any
) -> dict[str, Any]:
    """User pool, client, identity pool, a default role, and (with `rules`) a Rules mapping."""
    resources: dict[str, Any] = {
        "UserPool": {"Type": "AWS::Cognito::UserPool"},
        "WebClient": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {"UserPoolId": {"Ref": "UserPool"}},
        },
        "IdentityPool": {
            "Type": "AWS::Cognito::IdentityPool",
            "Properties": {
                "AllowUnauthenticatedIdentities": False,
                "AllowClassicFlow": False,
                "CognitoIdentityProviders": [
                    {
                        "ProviderName": get_att("UserPool", "ProviderName"),
                        "ClientId": {"Ref": "WebClient"},
                    }
                ],
                **pool_properties,
            },
        },
        "AuthRole": role("Auth"),
    }
    attachment: dict[str, Any] = {
        "IdentityPoolId": {"Ref": "IdentityPool"},
        "Roles": {"authenticated": get_att("AuthRole", "Arn")},
    }
    if rules is not None:
        attachment["RoleMappings"] = {
            "web": {
                "IdentityProvider": mapping_key(),
                "Type": "Rules",
                "AmbiguousRoleResolution": "Deny",
                "RulesConfiguration": {"Rules": rules},
            }
        }
    resources["RoleAttachment"] = {
        "Type": "AWS::Cognito::IdentityPoolRoleAttachment",
        "Properties": attachment,
    }
    return resources


def template(resources: dict[str, Any], **sections: Any) -> dict[str, Any]:
    return {"AWSTemplateFormatVersion": "2010-09-09", **sections, "Resources": resources}


def imported(
    data: dict[str, Any] | str, *, name: str = "template.json", **parameters: str
) -> Imported:
    text = data if isinstance(data, str) else json.dumps(data, indent=1)
    return import_text(text, name, ImportOptions(parameters))


def pool_of(data: dict[str, Any] | str, **parameters: str) -> IdentityPool:
    return pool_from_document(imported(data, **parameters).checked())


def pool_data(data: dict[str, Any] | str, **parameters: str) -> dict[str, Any]:
    return imported(data, **parameters).checked().data  # type: ignore[no-any-return]


def token(**claims: Any) -> dict[str, Any]:
    return {"iss": ISS, "aud": CLIENT, "token_use": "id", "sub": "user-1", **claims}


def value_of(
    node: Any,
    *,
    sections: dict[str, Any] | None = None,
    resources: dict[str, Any] | None = None,
    text: str | None = None,
    **parameters: str,
) -> Any:
    """What `node` evaluates to as a property of a resource (intrinsics, conditions, parameters);
    or, with `text`, what resource Probe's property Value is in that template."""
    if text is None:
        data = template(
            {
                **(resources or {}),
                "Probe": {"Type": "Custom::Probe", "Properties": {"Value": node}},
            },
            **(sections or {}),
        )
        text = json.dumps(data, indent=1)
    name = "t.json" if text.lstrip().startswith("{") else "t.yaml"
    found = read_resources(Source(Path(name), name, text), ImportOptions(parameters))
    probe = next(r for r in found.resources if r.id == "Probe")
    return probe.properties.get("Value")


def decide(pool: IdentityPool, claims: dict[str, Any] | None = None, **options: Any) -> Assessment:
    """The whole answer for a token (None: a guest), as `rolesim simulate` gives it."""
    return simulate(pool, LoginRequest(claims, **options), explain=False)
