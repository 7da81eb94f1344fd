"""Each intrinsic function, evaluated offline as CloudFormation documents it.

Source: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
(a page per function, cited by its name below) and the rules in the design notes on importing
(D3 pseudo parameters and conditions, D5 values no offline reading can know, D7 the forms of
GetAtt and Sub).
"""

from __future__ import annotations

from typing import Any

import pytest

from simulator.errors import ConfigError
from simulator.importers.values import Placeholder, Unresolved
from tests.importers.templates import imported, pool_resources, template, value_of

PARAMS = {"Parameters": {"Stage": {"Type": "String", "Default": "dev"},
                         "Zones": {"Type": "CommaDelimitedList", "Default": "a, b,c"}}}  # fmt: skip


def params(**extra: Any) -> dict[str, Any]:
    return {"Parameters": {**PARAMS["Parameters"], **extra}}


# --- Ref (intrinsic-function-reference-ref.html) ----------------------------------------------


def test_ref_to_a_parameter_is_its_default() -> None:
    assert value_of({"Ref": "Stage"}, sections=PARAMS) == "dev"


def test_ref_to_a_parameter_given_on_the_command_line_wins_over_the_default() -> None:
    assert value_of({"Ref": "Stage"}, sections=PARAMS, Stage="prod") == "prod"


def test_ref_to_a_comma_delimited_list_is_a_list_of_trimmed_strings() -> None:
    assert value_of({"Ref": "Zones"}, sections=PARAMS) == ["a", "b", "c"]


def test_ref_to_pseudo_parameters_uses_the_documented_defaults() -> None:
    # D3: AWS::AccountId 123456789012, AWS::Region us-east-1, AWS::Partition aws, AWS::URLSuffix.
    got = [
        value_of({"Ref": p})
        for p in ("AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::URLSuffix")
    ]
    assert got == ["123456789012", "us-east-1", "aws", "amazonaws.com"]
    assert isinstance(got[0], Placeholder)  # a default is marked as one


def test_partition_and_url_suffix_follow_a_china_region() -> None:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
    assert value_of({"Ref": "AWS::Partition"}, **{"AWS::Region": "cn-north-1"}) == "aws-cn"
    assert (
        value_of({"Ref": "AWS::URLSuffix"}, **{"AWS::Region": "cn-north-1"}) == "amazonaws.com.cn"
    )


def test_stack_name_has_no_default_and_stays_unresolved() -> None:
    got = value_of({"Ref": "AWS::StackName"})
    assert isinstance(got, Unresolved)
    assert "--parameter AWS::StackName" in got.construct


def test_ref_to_a_resource_is_its_placeholder_physical_id() -> None:
    # D4: a user pool's Ref is its id, <region>_<LogicalId> before deployment.
    got = _with_user_pool({"Ref": "UserPool"})
    assert got == "us-east-1_UserPool"
    assert isinstance(got, Placeholder)
    assert (got.of, got.attribute) == ("UserPool", "Ref")


def test_ref_to_nothing_is_refused_as_cloudformation_refuses_it() -> None:
    with pytest.raises(ConfigError, match="no parameter or resource 'Nope'") as err:
        value_of({"Ref": "Nope"})
    assert err.value.native_path == "Resources.Probe.Properties.Value.Ref"
    assert err.value.line is not None


def test_ref_no_value_removes_the_property_and_the_list_element() -> None:
    assert value_of({"Ref": "AWS::NoValue"}) is None
    assert value_of(["a", {"Ref": "AWS::NoValue"}, "b"]) == ["a", "b"]
    assert value_of({"k": {"Ref": "AWS::NoValue"}, "j": 1}) == {"j": 1}


# --- Fn::GetAtt (intrinsic-function-reference-getatt.html) -------------------------------------


def _with_user_pool(node: Any) -> Any:
    return value_of(node, resources={"UserPool": {"Type": "AWS::Cognito::UserPool"}})


def test_get_att_list_form_and_dotted_form_agree() -> None:
    listed = _with_user_pool({"Fn::GetAtt": ["UserPool", "ProviderName"]})
    dotted = _with_user_pool({"Fn::GetAtt": "UserPool.ProviderName"})
    assert listed == dotted == "cognito-idp.us-east-1.amazonaws.com/us-east-1_UserPool"


def test_get_att_of_an_unknown_attribute_is_unresolved_naming_it() -> None:
    got = _with_user_pool({"Fn::GetAtt": ["UserPool", "Nonsense"]})
    assert isinstance(got, Unresolved)
    assert "Fn::GetAtt UserPool.Nonsense" in got.construct


# --- Fn::Sub (intrinsic-function-reference-sub.html) -------------------------------------------


def test_sub_string_form_replaces_parameters_and_pseudo_parameters() -> None:
    assert (
        value_of({"Fn::Sub": "app-${Stage}-${AWS::Region}"}, sections=PARAMS) == "app-dev-us-east-1"
    )


def test_sub_keeps_a_literal_written_with_an_exclamation_mark() -> None:
    # "${!Literal}" is written out as "${Literal}": how IAM policy variables survive Fn::Sub.
    got = value_of(
        {"Fn::Sub": "arn:aws:s3:::b/${!aws:PrincipalTag/dept}/${Stage}"}, sections=PARAMS
    )
    assert got == "arn:aws:s3:::b/${aws:PrincipalTag/dept}/dev"


def test_sub_list_form_takes_its_own_variables_first() -> None:
    got = value_of({"Fn::Sub": ["${Stage}-${Name}", {"Name": {"Fn::Join": ["", ["x", "y"]]}, "Stage": "mine"}]},
                   sections=PARAMS)  # fmt: skip
    assert got == "mine-xy"


def test_sub_resource_attribute() -> None:
    got = _with_user_pool({"Fn::Sub": "${UserPool.Arn}/x"})
    assert got == "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_UserPool/x"
    assert isinstance(got, Placeholder)
    assert got.of == "UserPool"


def test_sub_of_an_unresolved_value_is_unresolved() -> None:
    got = value_of({"Fn::Sub": ["x-${V}", {"V": {"Fn::ImportValue": "Shared"}}]})
    assert isinstance(got, Unresolved)
    assert got.construct == "Fn::ImportValue 'Shared'"


# --- Fn::Join, Fn::Select, Fn::Split -----------------------------------------------------------


def test_join() -> None:
    assert value_of({"Fn::Join": [":", ["a", {"Ref": "Stage"}, "c"]]}, sections=PARAMS) == "a:dev:c"


def test_join_of_a_list_given_by_a_parameter() -> None:
    assert value_of({"Fn::Join": ["+", {"Ref": "Zones"}]}, sections=PARAMS) == "a+b+c"


def test_select_and_split() -> None:
    assert value_of({"Fn::Select": [1, {"Fn::Split": ["/", "a/b/c"]}]}) == "b"
    assert value_of({"Fn::Select": ["2", ["a", "b", "c"]]}) == "c"


def test_select_out_of_range_is_refused() -> None:
    with pytest.raises(ConfigError, match="out of range"):
        value_of({"Fn::Select": [3, ["a"]]})


# --- Fn::If and conditions (intrinsic-function-reference-conditions.html) ----------------------


CONDITIONS = {
    **params(),
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
        "DevAndEast": {"Fn::And": [{"Condition": "IsDev"}, {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}]},
        "ProdOrWest": {"Fn::Or": [{"Condition": "IsProd"}, {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-west-2"]}]},
    },
}  # fmt: skip


@pytest.mark.parametrize(
    ("condition", "stage", "expected"),
    [("IsProd", "prod", "yes"), ("IsProd", "dev", "no"), ("IsDev", "dev", "yes"),
     ("DevAndEast", "dev", "yes"), ("DevAndEast", "prod", "no"), ("ProdOrWest", "dev", "no"),
     ("ProdOrWest", "prod", "yes")],
)  # fmt: skip
def test_if_picks_the_branch_its_condition_decides(
    condition: str, stage: str, expected: str
) -> None:
    got = value_of({"Fn::If": [condition, "yes", "no"]}, sections=CONDITIONS, Stage=stage)
    assert got == expected


def test_if_with_no_value_removes_the_property() -> None:
    assert (
        value_of({"Fn::If": ["IsProd", "x", {"Ref": "AWS::NoValue"}]}, sections=CONDITIONS) is None
    )


def test_a_condition_on_an_unknown_value_leaves_if_unresolved() -> None:
    sections = {"Parameters": {"Env": {"Type": "String"}},
                "Conditions": {"Prod": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}}}  # fmt: skip
    got = value_of({"Fn::If": ["Prod", "a", "b"]}, sections=sections)
    assert isinstance(got, Unresolved)
    assert "Env" in got.construct


def test_conditions_that_refer_to_each_other_in_a_circle_are_refused() -> None:
    sections = {"Conditions": {"A": {"Condition": "B"}, "B": {"Fn::Not": [{"Condition": "A"}]}}}
    with pytest.raises(
        ConfigError, match="circular reference: condition A -> condition B -> condition A"
    ):
        value_of({"Fn::If": ["A", 1, 2]}, sections=sections)


def test_a_condition_function_outside_conditions_is_refused() -> None:
    with pytest.raises(ConfigError, match="condition function"):
        value_of({"Fn::Equals": ["a", "a"]})


# --- Fn::FindInMap (intrinsic-function-reference-findinmap.html) -------------------------------


MAPPINGS = {
    **params(),
    "Mappings": {"Env": {"dev": {"Domain": "dev.example.com"}, "prod": {"Domain": "example.com"}}},
}


def test_find_in_map_with_keys_from_references() -> None:
    assert (
        value_of({"Fn::FindInMap": ["Env", {"Ref": "Stage"}, "Domain"]}, sections=MAPPINGS)
        == "dev.example.com"
    )


def test_find_in_map_missing_key_is_refused_unless_a_default_is_given() -> None:
    with pytest.raises(ConfigError, match="has no key 'test'"):
        value_of({"Fn::FindInMap": ["Env", "test", "Domain"]}, sections=MAPPINGS)
    # AWS::LanguageExtensions: DefaultValue
    got = value_of(
        {"Fn::FindInMap": ["Env", "test", "Domain", {"DefaultValue": "none"}]}, sections=MAPPINGS
    )
    assert got == "none"


# --- values no offline reading can know (D5) ---------------------------------------------------


def test_import_value_is_unresolved_naming_the_export() -> None:
    got = value_of({"Fn::ImportValue": {"Fn::Sub": "shared-${Stage}-RoleArn"}}, sections=PARAMS)
    assert isinstance(got, Unresolved)
    assert got.construct == "Fn::ImportValue 'shared-dev-RoleArn'"
    assert got.origin is not None
    assert got.origin.native_path == 'Resources.Probe.Properties.Value["Fn::ImportValue"]'


@pytest.mark.parametrize(
    "text", ["{{resolve:ssm:/app/role}}", "x-{{resolve:secretsmanager:s:SecretString:k}}"]
)
def test_dynamic_references_are_unresolved(text: str) -> None:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html
    got = value_of(text)
    assert isinstance(got, Unresolved)
    assert got.construct.startswith("{{resolve:")


def test_ssm_typed_parameters_are_unresolved() -> None:
    sections = {
        "Parameters": {"V": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk/v"}}
    }
    got = value_of({"Ref": "V"}, sections=sections)
    assert isinstance(got, Unresolved)
    assert "SSM parameter '/cdk/v'" in got.construct


def test_get_azs_and_transform_are_unresolved() -> None:
    assert isinstance(value_of({"Fn::GetAZs": ""}), Unresolved)
    assert isinstance(value_of({"Fn::Transform": {"Name": "AWS::Include"}}), Unresolved)


def test_custom_resource_attributes_are_unresolved() -> None:
    callout = {"Callout": {"Type": "Custom::LambdaCallout", "Properties": {"ServiceToken": "x"}}}
    got = value_of({"Fn::GetAtt": ["Callout", "RoleArn"]}, resources=callout)
    assert isinstance(got, Unresolved)
    assert "custom resource" in got.construct


# --- the rest ----------------------------------------------------------------------------------


def test_base64_cidr_length_to_json_string() -> None:
    assert value_of({"Fn::Base64": "hi"}) == "aGk="
    # Fn::Cidr [block, count, host bits]: /24 blocks of a /16
    assert value_of({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}) == ["10.0.0.0/24", "10.0.1.0/24"]
    assert value_of({"Fn::Length": [1, 2, 3]}) == 3
    assert value_of({"Fn::ToJsonString": {"a": [1, "b"]}}) == '{"a":[1,"b"]}'


def test_an_unknown_function_is_refused() -> None:
    with pytest.raises(ConfigError, match="Fn::Frobnicate is not an intrinsic function"):
        value_of({"Fn::Frobnicate": 1})


def test_an_intrinsic_must_be_the_only_key() -> None:
    with pytest.raises(ConfigError, match="must be the only key"):
        value_of({"Ref": "Stage", "Other": 1}, sections=PARAMS)


def test_nesting_deeper_than_the_limit_fails_cleanly() -> None:
    node: Any = "x"
    for _ in range(150):
        node = {"Fn::Join": ["", [node]]}
    with pytest.raises(ConfigError, match="nested more than"):
        value_of(node)


def test_yaml_short_form_tags() -> None:
    text = """
Parameters:
  Stage: {Type: String, Default: dev}
Conditions:
  IsDev: !Equals [!Ref Stage, dev]
Resources:
  UserPool: {Type: AWS::Cognito::UserPool}
  Probe:
    Type: Custom::Probe
    Properties:
      Value:
        - !Ref Stage
        - !GetAtt UserPool.ProviderName
        - !Sub "${Stage}-${UserPool}"
        - !Join [",", [a, b]]
        - !Select [0, !Split ["/", "x/y"]]
        - !If [IsDev, dev, other]
        - !Base64 hi
        - !ImportValue Shared
"""
    got = value_of(None, text=text)
    assert got[:7] == ["dev", "cognito-idp.us-east-1.amazonaws.com/us-east-1_UserPool",
                       "dev-us-east-1_UserPool", "a,b", "x", "dev", "aGk="]  # fmt: skip
    assert isinstance(got[7], Unresolved)


def test_a_resource_whose_condition_is_false_does_not_exist() -> None:
    data = template(pool_resources(), Conditions={"Never": {"Fn::Equals": ["a", "b"]}})
    data["Resources"]["IdentityPool"]["Condition"] = "Never"
    with pytest.raises(
        ConfigError, match=r"no identity pool .*IdentityPool \(its condition Never is false\)"
    ):
        imported(data).checked()
