"""Serverless Framework, SAM and CDK-synthesized templates: what each adds to CloudFormation."""

from __future__ import annotations

import pytest

from simulator.errors import ConfigError
from simulator.importers.source import import_source
from simulator.importers.values import Unresolved
from tests.conftest import ROOT
from tests.importers.templates import (
    arn,
    decide,
    imported,
    pool_data,
    pool_of,
    pool_resources,
    template,
)

SERVERLESS = """
service: photos
provider:
  name: aws
  region: eu-west-1
  stage: ${opt:stage, 'dev'}
custom:
  poolName: ${self:service}-${sls:stage}
  group: admins
  names:
    dev: photos-dev-admin
resources:
  Resources:
    UserPool: {Type: AWS::Cognito::UserPool}
    Client:
      Type: AWS::Cognito::UserPoolClient
      Properties: {UserPoolId: !Ref UserPool}
    IdentityPool:
      Type: AWS::Cognito::IdentityPool
      Properties:
        IdentityPoolName: ${self:custom.poolName}
        AllowUnauthenticatedIdentities: false
        AllowClassicFlow: false
        CognitoIdentityProviders:
          - ProviderName: !Sub cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}
            ClientId: !Ref Client
    AdminRole:
      Type: AWS::IAM::Role
      Properties:
        RoleName: ${self:custom.names.${sls:stage}, 'photos-other-admin'}
    Attach:
      Type: AWS::Cognito::IdentityPoolRoleAttachment
      Properties:
        IdentityPoolId: !Ref IdentityPool
        Roles:
          authenticated: ${cf:shared-${sls:stage}.AuthRoleArn}
        RoleMappings:
          users:
            IdentityProvider: !Sub cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}:${Client}
            Type: Rules
            AmbiguousRoleResolution: AuthenticatedRole
            RulesConfiguration:
              Rules:
                - {Claim: "cognito:groups", MatchType: Contains, Value: "${self:custom.group}", RoleARN: !GetAtt AdminRole.Arn}
"""
SLS_TOKEN = {
    "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_UserPool",
    "aud": "Client",
    "sub": "s",
}


def test_serverless_resources_are_the_template_with_region_and_stage_from_provider() -> None:
    # D3: Serverless region = provider.region, stage = provider.stage (here ${opt:stage, 'dev'}).
    doc = pool_data(SERVERLESS)
    assert doc["IdentityPoolId"] == "eu-west-1:IdentityPool"
    assert doc["IdentityPoolName"] == "photos-dev"
    rule = doc["RoleMappings"]["users"]["RulesConfiguration"]["Rules"][0]
    assert rule["Value"] == "admins"
    assert rule["RoleARN"] == arn("photos-dev-admin")  # nested ${self:custom.names.${sls:stage}}


def test_serverless_opt_is_set_with_parameter_and_falls_back_otherwise() -> None:
    doc = pool_data(SERVERLESS, stage="prod")
    assert doc["IdentityPoolName"] == "photos-prod"
    assert doc["RoleMappings"]["users"]["RulesConfiguration"]["Rules"][0]["RoleARN"] == arn(
        "photos-other-admin"
    )


def test_serverless_cf_references_are_unresolved_and_lazy() -> None:
    doc = pool_data(SERVERLESS)
    assert (
        doc["Roles"]["authenticated"]
        == "<unresolved: ${cf:shared-dev.AuthRoleArn} (read when the framework deploys)>"
    )
    pool = pool_of(SERVERLESS)
    assert decide(pool, {**SLS_TOKEN, "cognito:groups": ["admins"]}).role_arn == arn(
        "photos-dev-admin"
    )
    with pytest.raises(ConfigError, match=r"\$\{cf:shared-dev.AuthRoleArn\}") as err:
        decide(pool, SLS_TOKEN)  # AuthenticatedRole: the default role, which is unknown
    assert err.value.native_path == "resources.Resources.Attach.Properties.Roles.authenticated"


def test_serverless_leaves_cloudformation_sub_variables_alone() -> None:
    assert pool_data(SERVERLESS)["CognitoIdentityProviders"][0]["ProviderName"] == (
        "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_UserPool"
    )


def test_serverless_self_references_in_a_circle_fail_cleanly() -> None:
    text = SERVERLESS.replace(
        "  group: admins", "  group: ${self:custom.other}\n  other: ${self:custom.group}"
    )
    with pytest.raises(
        ConfigError, match=r"circular variable: custom\.group -> custom\.other -> custom\.group"
    ):
        imported(text, name="serverless.yml")


def test_serverless_resources_included_from_another_file_are_named() -> None:
    text = "service: s\nprovider: {name: aws}\nresources:\n  - ${file(./cognito.yml)}\n"
    with pytest.raises(ConfigError, match=r"resources include \$\{file\(./cognito.yml\)\}"):
        imported(text, name="serverless.yml")


SAM = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.b, Runtime: python3.12, CodeUri: src/}
  IdentityPool:
    Type: AWS::Cognito::IdentityPool
    Properties: {AllowUnauthenticatedIdentities: true, AllowClassicFlow: false}
  GuestRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: guest
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Federated: cognito-identity.amazonaws.com}, Action: sts:AssumeRoleWithWebIdentity}]
      Policies:
        - PolicyName: invoke
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: lambda:InvokeFunction, Resource: [!GetAtt Fn.Arn, !GetAtt FnRole.Arn]}
  Attach:
    Type: AWS::Cognito::IdentityPoolRoleAttachment
    Properties:
      IdentityPoolId: !Ref IdentityPool
      Roles: {unauthenticated: !GetAtt GuestRole.Arn}
"""


def test_sam_resources_are_skipped_and_generated_ones_stay_unresolved() -> None:
    result = imported(SAM, name="template.yaml")
    assert result.format == "sam"
    resources = result.checked().data["IamRoles"][0]["RolePolicyList"][0]["PolicyDocument"][
        "Statement"
    ][0]["Resource"]
    assert resources[0].startswith("<unresolved: Fn::GetAtt Fn.Arn (AWS::Serverless::Function")
    assert "generated by the SAM transform" in resources[1]
    assert decide(pool_of(SAM)).role_arn == arn("guest")


def test_a_reference_to_a_missing_resource_outside_sam_is_refused() -> None:
    with pytest.raises(ConfigError, match="no parameter or resource 'FnRole'"):
        imported(
            SAM.replace("Transform: AWS::Serverless-2016-10-31\n", ""), name="template.yaml"
        ).checked()


def test_a_macro_rolesim_does_not_apply_is_refused_not_noted() -> None:
    # A macro may rewrite any part of the template: read as written, a gate could pass on a pool
    # that is not the one deployed. The processed template is the way out.
    with pytest.raises(ConfigError, match="transform MyMacro is not applied by rolesim") as err:
        imported(
            SAM.replace("AWS::Serverless-2016-10-31", "[AWS::Serverless-2016-10-31, MyMacro]"),
            name="t.yaml",
        )
    assert "--template-stage Processed" in (err.value.hint or "")


def test_fn_transform_includes_are_unknown_where_they_merge() -> None:
    # AWS::Include (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-include.html)
    # brings a snippet from S3: in Resources, every resource it may add is unknown; beside other
    # properties, so is the mapping it merges into.
    include = {"Name": "AWS::Include", "Parameters": {"Location": "s3://bucket/more.yaml"}}
    resources = pool_resources()
    resources["Fn::Transform"] = include
    with pytest.raises(ConfigError, match="Fn::Transform in Resources brings resources"):
        imported(template(resources))
    resources = pool_resources()
    resources["AuthRole"]["Properties"]["Fn::Transform"] = include
    with pytest.raises(ConfigError, match="Fn::Transform brings properties of AuthRole"):
        pool_of(template(resources))


def test_cdk_template_findings_name_the_construct() -> None:
    result = import_source(ROOT / "examples/iac/cdk/PhotoStack.template.json")
    assert result.format == "cdk"
    origin = result.document.where(("RoleMappings", "photos", "AmbiguousRoleResolution"))
    assert origin is not None
    assert origin.construct == "PhotoStack/PhotoIdentityPool/DefaultRoleAttachment"
    assert origin.native_path == (
        "Resources.PhotoIdentityPoolDefaultRoleAttachment6BCAB114.Properties.RoleMappings.photos.AmbiguousRoleResolution"
    )


def test_cdk_bootstrap_version_parameter_is_an_ssm_value_and_unneeded() -> None:
    result = import_source(ROOT / "examples/iac/cdk/PhotoStack.template.json")
    assert "BootstrapVersion" not in str(result.document.data)
    assert not isinstance(result.document.data["IdentityPoolId"], Unresolved)


@pytest.mark.parametrize(
    "name",
    [
        "cloudformation/template.yaml",
        "cdk/PhotoStack.template.json",
        "sam/template.yaml",
        "serverless/serverless.yml",
    ],
)
def test_every_example_template_imports_and_loads(name: str) -> None:
    from simulator.importers.source import load_pool_source

    pool = load_pool_source(ROOT / "examples/iac" / name)
    assert pool.role_arns()
    assert pool.iam is not None


def test_a_parameter_without_any_value_is_noted() -> None:
    from tests.importers.templates import pool_resources, template

    data = template(pool_resources(), Parameters={"Unused": {"Type": "String"}})
    notes = imported(data).notes
    assert any("parameter Unused has no Default and was not given" in n for n in notes)
