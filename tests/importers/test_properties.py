"""Properties of the CloudFormation importer, for generated templates and tokens:

- the template and the pool file `rolesim import` writes from it decide every token alike;
- renaming logical ids or reordering resources changes no decision;
- any template either imports or fails with a ConfigError that names where, never another exception.
"""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import ConfigError
from simulator.importers.source import ImportOptions, import_text
from simulator.importers.write import pool_file_text
from simulator.model import pool_from_document
from simulator.model.document import parse_text
from tests.importers.templates import decide

CLAIMS = ("cognito:groups", "custom:team", "email_verified")
VALUES = ("admins", "dev", "true", "ops")
MATCH = ("Equals", "Contains", "StartsWith", "NotEqual")


def _trust(pool: str, tag_session: bool) -> dict[str, Any]:
    actions = ["sts:AssumeRoleWithWebIdentity", *(["sts:TagSession"] if tag_session else [])]
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": actions,
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": {"Ref": pool}}}}]}  # fmt: skip


@st.composite
def pools(draw: st.DrawFn) -> dict[str, Any]:
    """A template: user pool, client, identity pool, named roles, rules, maybe tags and guests."""
    n_roles = draw(st.integers(1, 4))
    roles = {f"Role{i}": {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": f"role-{i}", "AssumeRolePolicyDocument": _trust("IdentityPool", draw(st.booleans())),
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::Sub": f"arn:aws:s3:::b-${{AWS::AccountId}}/{i}/*"}}]}}]}}
        for i in range(n_roles)}  # fmt: skip
    rules = [
        {"Claim": draw(st.sampled_from(CLAIMS)), "MatchType": draw(st.sampled_from(MATCH)),
         "Value": draw(st.sampled_from(VALUES)),
         "RoleARN": {"Fn::GetAtt": [f"Role{draw(st.integers(0, n_roles - 1))}", "Arn"]}}
        for _ in range(draw(st.integers(0, 4)))
    ]  # fmt: skip
    guests = draw(st.booleans())
    attachment: dict[str, Any] = {"IdentityPoolId": {"Ref": "IdentityPool"},
                                  "Roles": {"authenticated": {"Fn::GetAtt": ["Role0", "Arn"]}}}  # fmt: skip
    if guests:
        attachment["Roles"]["unauthenticated"] = {"Fn::GetAtt": [f"Role{n_roles - 1}", "Arn"]}
    if rules:
        attachment["RoleMappings"] = {"web": {
            "IdentityProvider": {"Fn::Join": [":", [{"Fn::GetAtt": ["UserPool", "ProviderName"]}, {"Ref": "Client"}]]},
            "Type": "Rules", "AmbiguousRoleResolution": draw(st.sampled_from(["Deny", "AuthenticatedRole"])),
            "RulesConfiguration": {"Rules": rules}}}  # fmt: skip
    resources: dict[str, Any] = {
        "UserPool": {"Type": "AWS::Cognito::UserPool"},
        "Client": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": {"Ref": "UserPool"}}},
        "IdentityPool": {"Type": "AWS::Cognito::IdentityPool", "Properties": {
            "AllowUnauthenticatedIdentities": guests, "AllowClassicFlow": False,
            "CognitoIdentityProviders": [{"ProviderName": {"Fn::GetAtt": ["UserPool", "ProviderName"]},
                                          "ClientId": {"Ref": "Client"}}]}},
        "Attachment": {"Type": "AWS::Cognito::IdentityPoolRoleAttachment", "Properties": attachment},
        **roles,
    }  # fmt: skip
    if draw(st.booleans()):
        resources["Tags"] = {"Type": "AWS::Cognito::IdentityPoolPrincipalTag", "Properties": {
            "IdentityPoolId": {"Ref": "IdentityPool"}, "IdentityProviderName": {"Fn::GetAtt": ["UserPool", "ProviderName"]},
            "UseDefaults": draw(st.booleans()), "PrincipalTags": {"team": "custom:team"}}}  # fmt: skip
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


tokens = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "cognito:groups": st.lists(st.sampled_from(VALUES), max_size=2),
            "custom:team": st.sampled_from(VALUES),
            "email_verified": st.sampled_from(["true", "false"]),
        },
    ),
    min_size=1,
    max_size=5,
)


def _token(claims: dict[str, Any], user_pool: str, client: str) -> dict[str, Any]:
    return {"iss": f"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_{user_pool}", "aud": client,
            "token_use": "id", "sub": "s", **claims}  # fmt: skip


def _outcome(pool: Any, claims: dict[str, Any] | None, client: str = "Client") -> tuple[Any, ...]:
    d = decide(pool, claims)
    trust = getattr(d, "trust", None)
    # The default `client` tag carries the token's aud, which follows the client's logical id.
    tags = {k: "Client" if v == client else v for k, v in d.principal_tags.items()}
    return (d.role_arn, d.error.code if d.error else None, d.decided_by.kind, d.decided_by.rule_index,
            tags, trust.outcome if trust is not None else None)  # fmt: skip


def _pool(data: dict[str, Any]) -> Any:
    return pool_from_document(import_text(json.dumps(data), "t.json").checked())


@settings(max_examples=30, deadline=None)
@given(pools(), tokens)
def test_a_template_and_the_pool_file_imported_from_it_decide_alike(
    data: dict[str, Any], claims: list[dict[str, Any]]
) -> None:
    imported = import_text(json.dumps(data), "t.json")
    from_template = pool_from_document(imported.checked())
    written = pool_file_text(imported)
    from_file = pool_from_document(parse_text(written, "pool.yaml"))
    for c in [None, *claims]:
        token = None if c is None else _token(c, "UserPool", "Client")
        assert _outcome(from_template, token) == _outcome(from_file, token)


def _rename(node: Any, names: dict[str, str]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"Ref"} and node["Ref"] in names:
            return {"Ref": names[node["Ref"]]}
        if set(node) == {"Fn::GetAtt"} and node["Fn::GetAtt"][0] in names:
            return {"Fn::GetAtt": [names[node["Fn::GetAtt"][0]], node["Fn::GetAtt"][1]]}
        return {k: _rename(v, names) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename(v, names) for v in node]
    return node


@settings(max_examples=30, deadline=None)
@given(pools(), tokens, st.randoms(use_true_random=False))
def test_renaming_logical_ids_or_reordering_resources_changes_no_decision(
    data: dict[str, Any], claims: list[dict[str, Any]], rnd: random.Random
) -> None:
    names = {lid: f"{lid}X{rnd.randint(0, 999)}" for lid in data["Resources"]}
    items = [(names[k], _rename(v, names)) for k, v in data["Resources"].items()]
    rnd.shuffle(items)
    renamed = {**data, "Resources": dict(items)}
    before, after = _pool(data), _pool(renamed)
    assert _outcome(before, None) == _outcome(after, None)
    for c in claims:
        # Placeholders follow the logical ids (D4), so each template's token uses its own.
        old = _outcome(before, _token(c, "UserPool", "Client"))
        new = _outcome(after, _token(c, names["UserPool"], names["Client"]), names["Client"])
        assert old == new


# --- arbitrary templates -------------------------------------------------------------------------

TYPES = ("AWS::IAM::OIDCProvider", "AWS::DynamoDB::Table", "AWS::Cognito::IdentityPool", "AWS::Cognito::IdentityPoolRoleAttachment", "AWS::Cognito::UserPool",
         "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolGroup", "AWS::Cognito::IdentityPoolPrincipalTag",
         "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "Custom::X", "AWS::S3::Bucket")  # fmt: skip
KEYS = ("Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::If", "Fn::Select", "Fn::Split", "Fn::FindInMap",
        "Fn::ImportValue", "Fn::Equals", "Condition", "Roles", "RoleMappings", "IdentityPoolId", "RoleName",
        "AllowUnauthenticatedIdentities", "CognitoIdentityProviders", "ProviderName", "ClientId", "Type",
        "AmbiguousRoleResolution", "RulesConfiguration", "Rules", "Claim", "MatchType", "Value", "RoleARN",
        "IdentityProvider", "AssumeRolePolicyDocument", "UserPoolId", "Path", "Url", "GroupName",
        "ManagedPolicyArns", "Policies", "PolicyDocument", "PrincipalTags", "Schema", "A", "B",
        "Fn::ForEach::L", "Fn::Length", "Fn::ToJsonString")  # fmt: skip
NAMES = st.sampled_from(
    ["A", "B", "Pool", "AWS::Region", "AWS::NoValue", "Cond", "x.y", "A.Arn", "${A}", "${!x}"]
)
scalars = st.one_of(NAMES, st.text(max_size=8), st.integers(-2, 5), st.booleans(), st.none())
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=25,
)


@st.composite
def arbitrary_templates(draw: st.DrawFn) -> dict[str, Any]:
    resources = {
        name: {"Type": draw(st.sampled_from(TYPES)), "Properties": draw(st.dictionaries(st.sampled_from(KEYS), values, max_size=5)),
               **({"Condition": "Cond"} if draw(st.booleans()) else {})}
        for name in draw(st.lists(st.sampled_from(["A", "B", "Pool", "C"]), unique=True, max_size=4))
    }  # fmt: skip
    if draw(st.booleans()):  # a loop (AWS::LanguageExtensions): well formed or not
        fragment = draw(
            st.dictionaries(
                st.sampled_from(["R${X}", "&{X}", "Pool", "Fn::ForEach::M"]), values, max_size=2
            )
        )
        resources["Fn::ForEach::L"] = draw(
            st.sampled_from([["X", draw(values), fragment], draw(values)])
        )
    out: dict[str, Any] = {"Resources": resources}
    if draw(st.booleans()):
        out["Transform"] = "AWS::LanguageExtensions"
    if draw(st.booleans()):
        out["Conditions"] = {"Cond": draw(values)}
    if draw(st.booleans()):
        out["Parameters"] = {
            "A": draw(
                st.dictionaries(
                    st.sampled_from(["Type", "Default", "AllowedValues", "AllowedPattern"]), scalars
                )
            )
        }
    if draw(st.booleans()):
        out["Mappings"] = {"M": {"a": {"b": draw(values)}}}
    return out


@settings(max_examples=200, deadline=None)
@given(arbitrary_templates(), st.sampled_from([None, "Pool", "A"]))
def test_any_template_imports_or_fails_with_a_located_config_error(
    data: dict[str, Any], pool: str | None
) -> None:
    try:
        imported = import_text(json.dumps(data, indent=1), "t.json", ImportOptions(pool=pool))
        pool_from_document(imported.checked())
    except ConfigError as err:
        assert err.file == "t.json"
        assert err.native_path or err.path or err.line is not None


@settings(max_examples=100, deadline=None)
@given(pools(), st.data())
def test_damaged_template_text_imports_or_fails_with_a_config_error(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    text = json.dumps(data, indent=1)
    start = draw.draw(st.integers(0, len(text) - 1))
    end = draw.draw(st.integers(start, min(len(text), start + 40)))
    damaged = (
        text[:start]
        + draw.draw(st.sampled_from(["", "{", "]", '"', "!Ref", "\t", "\n  - "]))
        + text[end:]
    )
    try:
        pool_from_document(import_text(damaged, "t.json").checked())
    except ConfigError as err:
        assert err.file is not None
