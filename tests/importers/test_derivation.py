"""The derivation rules for templates (D1-D7, D10 of the design notes on importing), each with an
example, and the AWS behaviour it rests on cited beside it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from simulator.errors import ConfigError
from simulator.importers.source import import_text
from tests.importers.templates import (
    ACCOUNT,
    CLIENT,
    ISS,
    KEY,
    POOL_ID,
    PROVIDER,
    arn,
    decide,
    get_att,
    imported,
    mapping_key,
    pool_data,
    pool_of,
    pool_resources,
    role,
    rule,
    template,
    token,
    trust,
)

ADMIN_RULE = rule("cognito:groups", "Contains", "admins", get_att("AdminRole", "Arn"))


def _admin_pool(**extra: Any) -> dict[str, Any]:
    resources = pool_resources([dict(ADMIN_RULE)])
    resources["AdminRole"] = role("Admin")
    resources.update(extra)
    return template(resources)


# --- D1: the input is chosen by content ----------------------------------------------------------


def test_d1_yaml_json_and_pool_files_are_told_apart_by_content_not_extension() -> None:
    data = _admin_pool()
    as_json = import_text(json.dumps(data), "pool.yaml")  # a .yaml name holding JSON
    assert as_json.format == "cloudformation"
    pool_file = import_text(
        "IdentityPoolId: us-east-1:11111111-2222-3333-4444-555555555555\n", "x.template.json"
    )
    assert pool_file.format == "pool-file"


def test_d1_a_pool_file_keeps_the_loaders_errors() -> None:
    with pytest.raises(ConfigError, match="unknown field 'Nonsense'"):
        pool_of("IdentityPoolId: us-east-1:1\nNonsense: 1\n")


# --- D2: parameters from the command line, else Default; constraints ------------------------------


def test_d2_command_line_parameters_win_over_defaults() -> None:
    data = template(pool_resources(), Parameters={"Name": {"Type": "String", "Default": "a"}})
    data["Resources"]["IdentityPool"]["Properties"]["IdentityPoolName"] = {"Ref": "Name"}
    assert pool_data(data)["IdentityPoolName"] == "a"
    assert pool_data(data, Name="b")["IdentityPoolName"] == "b"


@pytest.mark.parametrize(
    ("spec", "value", "message"),
    [({"AllowedValues": ["dev", "prod"]}, "test", "is not one of AllowedValues"),
     ({"AllowedPattern": "[a-z]+"}, "Dev1", "does not match AllowedPattern"),
     ({"MaxLength": 3}, "long", "breaks MaxLength 3"),
     ({"Type": "Number", "MinValue": 2}, "1", "breaks MinValue 2")],
)  # fmt: skip
def test_d2_a_value_outside_the_parameters_constraints_is_exit_2_naming_it(
    spec: dict[str, Any], value: str, message: str
) -> None:
    # CloudFormation refuses the stack before creating anything:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
    data = template(pool_resources(), Parameters={"P": {"Type": "String", **spec}})
    with pytest.raises(ConfigError, match=message) as err:
        imported(data, P=value)
    assert err.value.native_path == "Parameters.P"
    assert "parameter P" in err.value.message


def test_d2_a_default_outside_the_constraints_is_refused_too() -> None:
    data = template(
        pool_resources(),
        Parameters={"P": {"Type": "String", "Default": "x", "AllowedValues": ["y"]}},
    )
    with pytest.raises(ConfigError, match=r"'x' \(Default\)"):
        imported(data)


def test_d2_noecho_values_are_not_repeated_in_messages() -> None:
    data = template(
        pool_resources(),
        Parameters={"Secret": {"Type": "String", "NoEcho": True, "AllowedPattern": "[0-9]+"}},
    )
    with pytest.raises(ConfigError) as err:
        imported(data, Secret="hunter2")
    assert "hunter2" not in str(err.value)


def test_d2_a_parameter_without_value_is_fine_until_a_decision_needs_it() -> None:
    # The role ARN comes from the parent stack; guests and the pool's structure do not need it.
    data = template(pool_resources(), Parameters={"AuthRoleArn": {"Type": "String"}})
    data["Resources"]["RoleAttachment"]["Properties"]["Roles"] = {
        "authenticated": {"Ref": "AuthRoleArn"}
    }
    pool = pool_of(data)
    assert decide(pool).error is not None  # a guest: refused, no role needed
    with pytest.raises(ConfigError, match="parameter AuthRoleArn has no value") as err:
        decide(pool, token())
    assert err.value.native_path == "Resources.RoleAttachment.Properties.Roles.authenticated"
    assert decide(pool_of(data, AuthRoleArn=arn("Given")), token()).role_arn == arn("Given")


def test_d2_a_parameter_the_pool_needs_structurally_is_an_error_at_import() -> None:
    data = template(pool_resources(), Parameters={"UserPoolId": {"Type": "String"}})
    data["Resources"]["IdentityPool"]["Properties"]["CognitoIdentityProviders"][0][
        "ProviderName"
    ] = {"Fn::Sub": "cognito-idp.${AWS::Region}.amazonaws.com/${UserPoolId}"}
    with pytest.raises(ConfigError, match="parameter UserPoolId has no value") as err:
        imported(data).checked()
    assert err.value.native_path is not None
    assert err.value.native_path.startswith(
        "Resources.IdentityPool.Properties.CognitoIdentityProviders[0].ProviderName"
    )


# --- D3: pseudo parameters and conditions --------------------------------------------------------


def test_d3_region_and_account_default_and_can_be_given() -> None:
    data = _admin_pool()
    assert pool_data(data)["IdentityPoolId"] == POOL_ID
    given = pool_data(data, **{"AWS::Region": "eu-west-1", "AWS::AccountId": "111122223333"})
    assert given["IdentityPoolId"] == "eu-west-1:IdentityPool"
    assert given["CognitoIdentityProviders"][0]["ProviderName"] == (
        "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_UserPool"
    )
    assert given["Roles"]["authenticated"] == "arn:aws:iam::111122223333:role/Auth"


def test_d3_a_resource_behind_a_false_condition_does_not_exist() -> None:
    data = _admin_pool()
    data["Conditions"] = {"WithAdmins": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}}
    data["Resources"]["ExtraAttachment"] = {
        "Type": "AWS::Cognito::IdentityPoolRoleAttachment", "Condition": "WithAdmins",
        "Properties": {"IdentityPoolId": {"Ref": "IdentityPool"}, "Roles": {}},
    }  # fmt: skip
    assert imported(data).problems == ()  # the second attachment does not exist here
    assert imported(data, **{"AWS::Region": "eu-west-1"}).problems[0].check == "RS130"


# --- D4: deploy-time identifiers -----------------------------------------------------------------


def test_d4_placeholders_are_built_from_logical_ids_exactly() -> None:
    data = _admin_pool()
    data["Resources"]["Oidc"] = {"Type": "AWS::IAM::OIDCProvider",
                                 "Properties": {"Url": "https://token.actions.githubusercontent.com", "ClientIdList": ["sts.amazonaws.com"]}}  # fmt: skip
    data["Resources"]["IdentityPool"]["Properties"]["OpenIdConnectProviderARNs"] = [{"Ref": "Oidc"}]
    data["Resources"]["PathRole"] = role(None, Path="/app/")
    doc = pool_data(data)
    assert doc["IdentityPoolId"] == "us-east-1:IdentityPool"
    assert doc["CognitoIdentityProviders"] == [{"ProviderName": PROVIDER, "ClientId": "WebClient"}]
    assert doc["RoleMappings"]["web"]["IdentityProvider"] == KEY
    assert doc["Roles"]["authenticated"] == arn("Auth")  # RoleName given
    assert doc["OpenIdConnectProviderARNs"] == [
        f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    ]
    path_role = next(r for r in doc["IamRoles"] if r["RoleName"] == "PathRole")
    assert (
        path_role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/app/PathRole"
    )  # no RoleName: the logical id


def test_d4_tokens_for_a_template_use_the_placeholders_as_iss_and_aud() -> None:
    pool = pool_of(_admin_pool())
    decision = decide(pool, {"iss": ISS, "aud": CLIENT, "cognito:groups": ["admins"]})
    assert decision.role_arn == arn("Admin")
    assert decision.decision.role_mapping_key == "web"


def test_d4_a_deployed_id_given_as_a_parameter_replaces_the_placeholder() -> None:
    doc = pool_data(
        _admin_pool(),
        UserPool="us-east-1_AbC123",
        WebClient="4example",
        IdentityPool="us-east-1:11111111-2222-3333-4444-555555555555",
    )
    assert doc["IdentityPoolId"] == "us-east-1:11111111-2222-3333-4444-555555555555"
    assert (
        doc["RoleMappings"]["web"]["IdentityProvider"]
        == "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123:4example"
    )


# --- D5: unresolvable values, lazily -------------------------------------------------------------


def test_d5_an_unresolved_role_arn_is_an_error_only_when_granted() -> None:
    data = _admin_pool()
    data["Resources"]["RoleAttachment"]["Properties"]["RoleMappings"]["web"]["RulesConfiguration"][
        "Rules"
    ][0]["RoleARN"] = {"Fn::ImportValue": "SharedAdminRoleArn"}
    pool = pool_of(data)
    assert decide(pool, token(**{"cognito:groups": ["staff"]})).error is not None  # Deny: no role
    with pytest.raises(ConfigError, match="Fn::ImportValue 'SharedAdminRoleArn'") as err:
        decide(pool, token(**{"cognito:groups": ["admins"]}))
    assert (
        err.value.native_path
        == "Resources.RoleAttachment.Properties.RoleMappings.web.RulesConfiguration.Rules[0].RoleARN"
    )
    assert err.value.line is not None


def test_d5_unresolved_values_in_policies_stay_as_markers() -> None:
    data = _admin_pool()
    data["Resources"]["AdminRole"]["Properties"]["Policies"] = [{"PolicyName": "p", "PolicyDocument": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": {"Fn::ImportValue": "BucketArn"}}]}}]  # fmt: skip
    doc = pool_data(data)
    admin = next(r for r in doc["IamRoles"] if r["RoleName"] == "Admin")
    statement = admin["RolePolicyList"][0]["PolicyDocument"]["Statement"][0]
    assert statement["Resource"] == "<unresolved: Fn::ImportValue 'BucketArn'>"
    pool_of(data)  # and the pool loads


@pytest.mark.parametrize(
    ("path", "value"),
    [(("RoleMappings", "web", "RulesConfiguration", "Rules", 0, "Claim"), {"Fn::ImportValue": "ClaimName"}),
     (("RoleMappings", "web", "RulesConfiguration", "Rules", 0, "MatchType"), {"Ref": "AWS::StackName"}),
     (("RoleMappings", "web", "IdentityProvider"), "{{resolve:ssm:/provider}}")],
)  # fmt: skip
def test_d5_a_structural_value_that_cannot_be_known_is_an_error_at_import(
    path: tuple[Any, ...], value: Any
) -> None:
    data = _admin_pool()
    node: Any = data["Resources"]["RoleAttachment"]["Properties"]
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    with pytest.raises(ConfigError, match="cannot be known offline") as err:
        imported(data).checked()
    assert err.value.native_path is not None
    assert "RoleAttachment" in err.value.native_path


# --- D6: structural errors -----------------------------------------------------------------------


def test_d6_zero_pools() -> None:
    with pytest.raises(ConfigError, match="no identity pool"):
        imported(template({"R": role("x")}))


def test_d6_several_pools_need_pool_naming_them() -> None:
    data = _admin_pool(
        Second={
            "Type": "AWS::Cognito::IdentityPool",
            "Properties": {"AllowUnauthenticatedIdentities": True},
        }
    )
    with pytest.raises(
        ConfigError, match=r"2 identity pools: IdentityPool \(template.json:\d+\), Second"
    ) as err:
        imported(data)
    assert err.value.hint == "choose one with --pool, e.g. --pool IdentityPool"
    from simulator.importers.source import ImportOptions

    second = import_text(json.dumps(data), "t.json", ImportOptions(pool="Second")).checked()
    assert second.data["IdentityPoolId"] == "us-east-1:Second"
    with pytest.raises(ConfigError, match="no identity pool 'Third'"):
        import_text(json.dumps(data), "t.json", ImportOptions(pool="Third"))


def test_d6_two_attachments_for_one_pool_name_both() -> None:
    # CloudFormation fails the second with "<pool id> already exists in stack" (aws/aws-cdk#23449).
    data = _admin_pool(Second={"Type": "AWS::Cognito::IdentityPoolRoleAttachment",
                               "Properties": {"IdentityPoolId": {"Ref": "IdentityPool"}, "Roles": {}}})  # fmt: skip
    result = imported(data)
    assert [p.check for p in result.problems] == ["RS130"]
    with pytest.raises(
        ConfigError,
        match=r"role attachments for identity pool IdentityPool: RoleAttachment .* and Second",
    ):
        result.checked()


@pytest.mark.parametrize(
    ("provider", "hint"),
    [({"Ref": "UserPool"}, "a bare user pool id"),
     (get_att("UserPool", "ProviderURL"), "drop the scheme"),
     (get_att("UserPool", "ProviderName"), "needs its app client id")],
)  # fmt: skip
def test_d6_a_bad_role_mapping_provider_is_the_loaders_error_at_the_template_line(
    provider: Any, hint: str
) -> None:
    # S15: "... is not a valid RoleMapping ProviderName or is not a configured provider" (aws/aws-cdk#19222, #22951)
    data = _admin_pool()
    data["Resources"]["RoleAttachment"]["Properties"]["RoleMappings"]["web"]["IdentityProvider"] = (
        provider
    )
    with pytest.raises(ConfigError, match="is not a valid RoleMapping ProviderName") as err:
        pool_of(data)
    assert hint in (err.value.hint or "")
    assert (
        err.value.native_path
        == "Resources.RoleAttachment.Properties.RoleMappings.web.IdentityProvider"
    )
    assert err.value.file == "template.json"
    assert err.value.line is not None


def test_d6_a_custom_resource_given_the_pool_id_makes_the_mapping_unknowable() -> None:
    # Amplify Gen 1 writes group role mappings with a Custom::LambdaCallout.
    data = _admin_pool(RoleMapFunctionInput={"Type": "Custom::LambdaCallout", "Properties": {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:rolemap",
        "identityPoolId": {"Ref": "IdentityPool"}}})  # fmt: skip
    result = imported(data)
    assert [p.check for p in result.problems] == ["RS134"]
    with pytest.raises(ConfigError, match="role mapping cannot be known"):
        result.checked()


@pytest.mark.parametrize("kind", ["AWS::CloudFormation::Stack", "AWS::Serverless::Application"])
def test_d6_a_nested_stack_given_the_pool_id_makes_the_mapping_unknowable(kind: str) -> None:
    # Its own template (not read) may attach a role mapping or a principal-tag map to the pool.
    properties = {"TemplateURL": "auth.json", "Parameters": {"PoolId": {"Ref": "IdentityPool"}}}
    data = _admin_pool(Auth={"Type": kind, "Properties": properties})
    result = imported(data)
    assert [p.check for p in result.problems] == ["RS134"]
    with pytest.raises(ConfigError, match=r"nested stack Auth .* is given identity pool"):
        result.checked()
    properties["Parameters"] = {"Bucket": "photos"}
    assert not imported(data).problems


def test_d6_a_custom_resource_configuring_another_stacks_pool_is_named() -> None:
    data = template({"RoleMapFunctionInput": {"Type": "Custom::LambdaCallout", "Properties": {
        "ServiceToken": "x", "identityPoolId": {"Ref": "authIdentityPoolId"}}}},
        Parameters={"authIdentityPoolId": {"Type": "String"}})  # fmt: skip
    with pytest.raises(ConfigError, match="configures a pool another stack defines"):
        imported(data)


# --- D7: CloudFormation specifics ----------------------------------------------------------------


def test_d7_mapping_keys_are_labels_when_identity_provider_is_given() -> None:
    # [CFN-RM]: "If the IdentityProvider field isn't provided ... the string is used as the identity
    # provider name"; with it, the key is a label.
    pool = pool_of(_admin_pool())
    mapping = pool.role_mappings[0]
    assert mapping.key == "web"
    assert (mapping.provider.name, mapping.provider.client_id) == (PROVIDER, CLIENT)


def test_d7_a_key_without_identity_provider_is_the_provider() -> None:
    data = _admin_pool()
    mappings = data["Resources"]["RoleAttachment"]["Properties"]["RoleMappings"]
    entry = mappings.pop("web")
    entry.pop("IdentityProvider")
    mappings[KEY] = entry
    assert pool_of(data).role_mappings[0].key == KEY


def test_d7_cdk_metadata_names_the_construct() -> None:
    data = _admin_pool()
    data["Resources"]["RoleAttachment"]["Metadata"] = {
        "aws:cdk:path": "AppStack/Pool/DefaultRoleAttachment"
    }
    data["Resources"]["RoleAttachment"]["Properties"]["RoleMappings"]["web"]["IdentityProvider"] = {
        "Ref": "UserPool"
    }
    with pytest.raises(ConfigError) as err:
        pool_of(data)
    assert err.value.construct == "AppStack/Pool/DefaultRoleAttachment"
    assert "(AppStack/Pool/DefaultRoleAttachment)" in str(err.value)


def test_d7_policies_attached_to_roles_come_along() -> None:
    data = _admin_pool(
        AdminPolicy={"Type": "AWS::IAM::Policy", "Properties": {"PolicyName": "extra", "Roles": [{"Ref": "AdminRole"}],
                     "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}},
        Managed={"Type": "AWS::IAM::ManagedPolicy", "Properties": {"Roles": [{"Ref": "AdminRole"}],
                 "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}}},
        Boundary={"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "edge",
                  "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}},
    )  # fmt: skip
    data["Resources"]["AdminRole"]["Properties"].update(
        ManagedPolicyArns=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        PermissionsBoundary={"Ref": "Boundary"},
    )
    doc = pool_data(data)
    admin = next(r for r in doc["IamRoles"] if r["RoleName"] == "Admin")
    assert [p["PolicyName"] for p in admin["RolePolicyList"]] == ["extra"]
    assert {a["PolicyArn"] for a in admin["AttachedManagedPolicies"]} == {
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        f"arn:aws:iam::{ACCOUNT}:policy/Managed",
    }
    assert (
        admin["PermissionsBoundary"]["PermissionsBoundaryArn"]
        == f"arn:aws:iam::{ACCOUNT}:policy/edge"
    )
    assert {p["Arn"] for p in doc["Policies"]} == {
        f"arn:aws:iam::{ACCOUNT}:policy/Managed",
        f"arn:aws:iam::{ACCOUNT}:policy/edge",
    }
    role_model = pool_of(data).iam.role(arn("Admin"))
    assert role_model.permissions_boundary_arn == f"arn:aws:iam::{ACCOUNT}:policy/edge"


def test_d7_roles_that_trust_the_pool_are_read_for_the_basic_flow_but_others_are_not() -> None:
    data = _admin_pool(
        Reachable=role("Reachable"),  # trusts cognito-identity: the basic flow can reach it
        LambdaRole={"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}},
    )  # fmt: skip
    names = {r["RoleName"] for r in pool_data(data)["IamRoles"]}
    assert names == {"Auth", "Admin", "Reachable"}


def test_rolesim_policy_attachments_from_other_formats_attach_by_role_name() -> None:
    # Rolesim::IAM::RolePolicyAttachment is what the Terraform importer writes for
    # aws_iam_role_policy_attachment; the assembler is the same for every format.
    from simulator.importers.assemble import Stack, assemble
    from simulator.importers.resources import Resource
    from simulator.model.document import Origin

    here = Origin("main.tf", 1)
    resources = [
        Resource("AWS::Cognito::IdentityPool", "aws_cognito_identity_pool.main",
                 {"AllowUnauthenticatedIdentities": False}, "us-east-1:main", here),
        Resource("AWS::IAM::Role", "aws_iam_role.auth", {"AssumeRolePolicyDocument": trust()}, "auth", here,
                 attributes={"Arn": arn("auth")}),
        Resource("Rolesim::IAM::RolePolicyAttachment", "aws_iam_role_policy_attachment.ro",
                 {"RoleName": "auth", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, None, here),
    ]  # fmt: skip
    doc = assemble(resources, Stack("main.tf")).checked()
    assert doc.data["IamRoles"][0]["AttachedManagedPolicies"] == [
        {"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
    ]


# --- D10: user pool groups -----------------------------------------------------------------------


def test_d10_groups_with_precedence_and_role_resolve_cognito_groups_without_roles() -> None:
    # [RBAC], [GROUPS]: a Token mapping reads cognito:roles / cognito:preferred_role; the user pool
    # issues them from the groups' roles, lowest non-negative precedence preferred.
    resources = pool_resources()
    resources["RoleAttachment"]["Properties"]["RoleMappings"] = {
        "web": {
            "IdentityProvider": mapping_key(),
            "Type": "Token",
            "AmbiguousRoleResolution": "Deny",
        }
    }
    resources.update(
        AdminRole=role("Admin"), EditorRole=role("Editor"),
        Admins={"Type": "AWS::Cognito::UserPoolGroup", "Properties": {"UserPoolId": {"Ref": "UserPool"}, "GroupName": "admins", "Precedence": 0, "RoleArn": get_att("AdminRole", "Arn")}},
        Editors={"Type": "AWS::Cognito::UserPoolGroup", "Properties": {"UserPoolId": {"Ref": "UserPool"}, "GroupName": "editors", "Precedence": 5, "RoleArn": get_att("EditorRole", "Arn")}},
    )  # fmt: skip
    data = template(resources)
    groups = pool_data(data)["UserPools"][0]["Groups"]
    assert groups == [{"GroupName": "admins", "Precedence": 0, "RoleArn": arn("Admin")},
                      {"GroupName": "editors", "Precedence": 5, "RoleArn": arn("Editor")}]  # fmt: skip
    decision = decide(pool_of(data), token(**{"cognito:groups": ["editors", "admins"]}))
    assert decision.role_arn == arn("Admin")
    assert decision.decided_by.kind == "token_preferred_role"


def test_d10_schema_attributes_carry_the_custom_prefix() -> None:
    # CloudFormation names custom attributes without "custom:"; tokens carry the prefix [ATTRS].
    resources = pool_resources()
    resources["UserPool"]["Properties"] = {
        "Schema": [{"Name": "department", "Mutable": False}, {"Name": "email", "Required": True}]
    }
    schema = pool_data(template(resources))["UserPools"][0]["SchemaAttributes"]
    assert schema == [{"Name": "custom:department", "Mutable": False}, {"Name": "email"}]


@pytest.mark.parametrize("name", [[], {"a": 1}, True])
def test_a_name_property_that_is_not_text_is_refused_at_its_path(name: Any) -> None:
    # Found by the arbitrary-template property: RoleName: [] once escaped as a TypeError.
    data = _admin_pool()
    data["Resources"]["AdminRole"]["Properties"]["RoleName"] = name
    with pytest.raises(ConfigError, match="RoleName must be a string") as err:
        imported(data).checked()
    assert err.value.native_path == "Resources.AdminRole.Properties.RoleName"
