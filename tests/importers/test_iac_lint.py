"""The lint checks for layouts infrastructure code gets wrong (RS130-RS134), and the existing
checks firing on templates at the template's lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.analysis.findings import Finding
from simulator.analysis.lint import lint_file
from tests.importers.templates import (
    get_att,
    mapping_key,
    pool_resources,
    role,
    rule,
    template,
    trust,
)


def _lint(tmp_path: Path, data: dict[str, Any]) -> list[Finding]:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data, indent=1))
    return list(lint_file(path).findings)


def _ids(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    return [f.id for f in _lint(tmp_path, data)]


def test_rs130_two_role_attachments_for_one_pool(tmp_path: Path) -> None:
    # CloudFormation: "<pool id> already exists in stack" (aws/aws-cdk#23449, #20513, #27411).
    data = template(pool_resources())
    data["Resources"]["Again"] = {"Type": "AWS::Cognito::IdentityPoolRoleAttachment",
                                  "Properties": {"IdentityPoolId": {"Ref": "IdentityPool"}, "Roles": {}}}  # fmt: skip
    finding = next(f for f in _lint(tmp_path, data) if f.id == "RS130")
    assert "RoleAttachment" in finding.message
    assert "Again" in finding.message


@pytest.mark.parametrize(
    ("provider", "ident"),
    [({"Ref": "UserPool"}, "RS131"), (get_att("UserPool", "ProviderURL"), "RS101"),
     (get_att("UserPool", "ProviderName"), "RS102")],
)  # fmt: skip
def test_bad_role_mapping_providers_fire_at_the_template_line(
    tmp_path: Path, provider: Any, ident: str
) -> None:
    # [RBAC] / S15: the service rejects these keys (aws/aws-cdk#19222, #22951).
    data = template(
        pool_resources([rule("cognito:groups", "Contains", "a", get_att("AuthRole", "Arn"))])
    )
    data["Resources"]["RoleAttachment"]["Properties"]["RoleMappings"]["web"]["IdentityProvider"] = (
        provider
    )
    finding = next(f for f in _lint(tmp_path, data) if f.id == ident)
    assert (
        finding.native_path
        == "Resources.RoleAttachment.Properties.RoleMappings.web.IdentityProvider"
    )


def test_rs132_a_provider_in_another_region(tmp_path: Path) -> None:
    data = template(pool_resources())
    data["Resources"]["IdentityPool"]["Properties"]["CognitoIdentityProviders"] = [
        {"ProviderName": "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc", "ClientId": "c"},
        {"ProviderName": "cognito-idp.eu-west-1.amazonaws.com/us-east-1_Abc", "ClientId": "c"},
    ]
    found = [f for f in _lint(tmp_path, data) if f.id == "RS132"]
    assert [f.level.label for f in found] == ["warning", "error"]
    assert "no token's issuer can ever match it" in found[1].message


def test_rs133_allow_classic_flow_left_unset(tmp_path: Path) -> None:
    data = template(pool_resources())
    del data["Resources"]["IdentityPool"]["Properties"]["AllowClassicFlow"]
    finding = next(f for f in _lint(tmp_path, data) if f.id == "RS133")
    assert finding.message == (
        "AllowClassicFlow is not set: the service treats the pool as allowing the basic flow, in "
        "which any role that trusts the pool can be assumed regardless of the role mappings"
    )
    assert finding.native_path == "Resources.IdentityPool.Properties.AllowClassicFlow"


def test_rs134_a_custom_resource_writing_the_role_mapping(tmp_path: Path) -> None:
    data = template(pool_resources())
    data["Resources"]["RoleMapFunctionInput"] = {"Type": "Custom::LambdaCallout",
                                                 "Properties": {"ServiceToken": "x", "identityPoolId": {"Ref": "IdentityPool"}}}  # fmt: skip
    finding = next(f for f in _lint(tmp_path, data) if f.id == "RS134")
    assert finding.native_path == "Resources.RoleMapFunctionInput"


def test_rs112_principal_tags_while_a_cdk_default_role_lacks_tag_session(tmp_path: Path) -> None:
    # CDK's L2 default roles trust aud + amr without sts:TagSession; mapped tags then make
    # AssumeRoleWithWebIdentity fail [IAM-ST].
    resources = pool_resources()
    resources["AuthRole"] = role("Auth", AssumeRolePolicyDocument=trust(tag_session=False))
    resources["Tags"] = {"Type": "AWS::Cognito::IdentityPoolPrincipalTag", "Properties": {
        "IdentityPoolId": {"Ref": "IdentityPool"}, "IdentityProviderName": get_att("UserPool", "ProviderName"),
        "UseDefaults": False, "PrincipalTags": {"team": "custom:team"}}}  # fmt: skip
    finding = next(f for f in _lint(tmp_path, template(resources)) if f.id == "RS112")
    assert finding.native_path == "Resources.Tags.Properties"
    resources["AuthRole"] = role("Auth")
    assert "RS112" not in _ids(tmp_path, template(resources))


def test_a_clean_template_has_no_findings_at_warning_level(tmp_path: Path) -> None:
    resources = pool_resources()
    resources["RoleAttachment"]["Properties"]["RoleMappings"] = {
        "web": {"IdentityProvider": mapping_key(), "Type": "Rules", "AmbiguousRoleResolution": "Deny",
                "RulesConfiguration": {"Rules": [rule("email_verified", "Equals", "true", get_att("AuthRole", "Arn"))]}}}  # fmt: skip
    assert [f.id for f in _lint(tmp_path, template(resources)) if f.level.label != "info"] == []
