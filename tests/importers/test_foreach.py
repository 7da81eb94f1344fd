"""Fn::ForEach (AWS::LanguageExtensions): loops expanded as the transform expands them.

Sources: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-foreach.html
(declaration, `${Identifier}` and `&{Identifier}`, a collection that is a list or a Ref to a
CommaDelimitedList, Resources, Conditions and resource properties) and RFC 0009
(aws-cloudformation/cfn-language-discussion: OutputKey an implicit Fn::Sub of identifiers, up to
five nested loops, `Ref: !Sub` naming a resource a loop makes).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import ConfigError
from tests.conftest import run_cli
from tests.importers.templates import (
    arn,
    decide,
    get_att,
    imported,
    pool_data,
    pool_of,
    pool_resources,
    role,
    rule,
    template,
    token,
)

EXTENSIONS = "AWS::LanguageExtensions"


def team_template(collection: Any = None, **sections: Any) -> dict[str, Any]:
    """One role per team, made by a loop; a rule per team maps its group to its role."""
    teams = ["red", "blue"] if collection is None else collection
    resources = pool_resources(
        [rule("cognito:groups", "Contains", "red", get_att("TeamRolered", "Arn"))]
    )
    resources["Fn::ForEach::Teams"] = [
        "Team",
        teams,
        {"TeamRole${Team}": role(None, RoleName={"Fn::Sub": "team-${Team}"})},
    ]
    return template(resources, Transform=EXTENSIONS, **sections)


def test_a_loop_makes_one_resource_per_element() -> None:
    data = pool_data(team_template())
    assert [r["RoleName"] for r in data["IamRoles"]] == ["Auth", "team-red", "team-blue"]
    pool = pool_of(team_template())
    assert decide(pool, token(**{"cognito:groups": ["red"]})).role_arn == arn("team-red")


def test_the_collection_may_be_a_comma_delimited_list_parameter() -> None:
    parameters = {"Teams": {"Type": "CommaDelimitedList", "Default": "red,gold"}}
    data = team_template({"Ref": "Teams"}, Parameters=parameters)
    assert [r["RoleName"] for r in pool_data(data)["IamRoles"]] == ["Auth", "team-red", "team-gold"]
    given = pool_data(data, Teams="red,teal,plum")
    assert [r["RoleName"] for r in given["IamRoles"]][1:] == ["team-red", "team-teal", "team-plum"]


def test_a_collection_in_a_form_the_documents_do_not_give_is_refused() -> None:
    # "an array in this parameter, or ... a Ref to a CommaDelimitedList" (Fn::ForEach, Collection).
    mappings = {"Teams": {"all": {"names": ["red", "blue"]}}}
    data = team_template({"Fn::FindInMap": ["Teams", "all", "names"]}, Mappings=mappings)
    with pytest.raises(ConfigError, match="a list or a Ref to a CommaDelimitedList parameter"):
        imported(data)
    data = team_template({"Ref": "Team"}, Parameters={"Team": {"Type": "String", "Default": "a"}})
    with pytest.raises(ConfigError, match="a list or a Ref to a CommaDelimitedList parameter"):
        imported(data)


def test_a_collection_that_cannot_be_known_is_an_error_naming_the_loop() -> None:
    data = team_template({"Ref": "Teams"}, Parameters={"Teams": {"Type": "CommaDelimitedList"}})
    with pytest.raises(ConfigError, match="the collection of Fn::ForEach::Teams cannot be known"):
        imported(data)


def test_ampersand_drops_the_non_alphanumeric_characters_in_keys() -> None:
    data = team_template(["red", "ops-team"])
    data["Resources"]["Fn::ForEach::Teams"][2] = {
        "TeamRole&{Team}": role(None, RoleName={"Fn::Sub": "team-${Team}"})
    }
    names = [r["RoleName"] for r in pool_data(data)["IamRoles"]]
    assert names == ["Auth", "team-red", "team-ops-team"]


def test_nested_loops_and_a_ref_to_a_resource_a_loop_makes() -> None:
    resources = pool_resources(
        [rule("cognito:groups", "Contains", "a", get_att("RoleProdA", "Arn"))]
    )
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    resources["Fn::ForEach::Stages"] = [
        "Stage",
        ["Prod", "Dev"],
        {
            "Fn::ForEach::Letters": [
                "Letter",
                ["A", "B"],
                {
                    "Role${Stage}${Letter}": role(None, RoleName={"Fn::Sub": "${Stage}-${Letter}"}),
                    # RFC 0009's form: a Ref whose name is an Fn::Sub of the identifiers.
                    "Policy${Stage}${Letter}": {
                        "Type": "AWS::IAM::Policy",
                        "Properties": {
                            "PolicyName": {"Fn::Sub": "read-${Letter}"},
                            "Roles": [{"Ref": {"Fn::Sub": "Role${Stage}${Letter}"}}],
                            "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
                        },
                    },
                },
            ]
        },
    ]
    data = template(resources, Transform=EXTENSIONS)
    roles = pool_data(data)["IamRoles"]
    assert [r["RoleName"] for r in roles] == ["Auth", "Prod-A", "Prod-B", "Dev-A", "Dev-B"]
    assert [[p["PolicyName"] for p in r.get("RolePolicyList", [])] for r in roles[1:]] == [
        ["read-A"], ["read-B"], ["read-A"], ["read-B"]
    ]  # fmt: skip
    pool = pool_of(data)
    assert decide(pool, token(**{"cognito:groups": ["a"]})).role_arn == arn("Prod-A")


def test_a_loop_inside_properties_makes_members_of_that_mapping() -> None:
    resources = pool_resources()
    resources["Tags"] = {
        "Type": "AWS::Cognito::IdentityPoolPrincipalTag",
        "Properties": {
            "IdentityPoolId": {"Ref": "IdentityPool"},
            "IdentityProviderName": get_att("UserPool", "ProviderName"),
            "UseDefaults": False,
            "PrincipalTags": {
                "Fn::ForEach::Tags": [
                    "Attr",
                    ["department", "team"],
                    {"${Attr}": {"Fn::Sub": "custom:${Attr}"}},
                ]
            },
        },
    }
    data = pool_data(template(resources, Transform=EXTENSIONS))
    tags = data["PrincipalTagAttributeMaps"][0]["PrincipalTags"]
    assert tags == {"department": "custom:department", "team": "custom:team"}


def test_a_loop_in_conditions_makes_conditions_resources_use() -> None:
    data = team_template(
        Parameters={"Enabled": {"Type": "String", "Default": "red"}},
        Conditions={
            "Fn::ForEach::On": [
                "Team",
                ["red", "blue"],
                {"Is${Team}": {"Fn::Equals": [{"Ref": "Enabled"}, {"Ref": "Team"}]}},
            ]
        },
    )
    data["Resources"]["Fn::ForEach::Teams"][2]["TeamRole${Team}"]["Condition"] = {
        "Fn::Sub": "Is${Team}"
    }
    names = [r["RoleName"] for r in pool_data(data)["IamRoles"]]
    assert names == ["Auth", "team-red"]


def test_a_loop_without_the_transform_is_refused() -> None:
    data = team_template()
    del data["Transform"]
    with pytest.raises(ConfigError, match="Fn::ForEach needs Transform: AWS::LanguageExtensions"):
        imported(data)


def test_an_identifier_in_a_plain_string_is_refused_not_guessed() -> None:
    data = team_template()
    data["Resources"]["Fn::ForEach::Teams"][2]["TeamRole${Team}"]["Properties"]["RoleName"] = (
        "team-${Team}"
    )
    with pytest.raises(ConfigError, match="outside Fn::Sub: whether the transform replaces it"):
        imported(data)
    data = team_template()
    properties = data["Resources"]["Fn::ForEach::Teams"][2]["TeamRole${Team}"]["Properties"]
    properties["Tags"] = {"team-${Team}": "x"}
    with pytest.raises(ConfigError, match="below the loop's output keys: whether the transform"):
        imported(data)


def test_a_loop_that_makes_a_key_twice_is_refused() -> None:
    data = team_template(["red", "red"])
    with pytest.raises(ConfigError, match="makes 'TeamRolered', which is already there"):
        imported(data)
    data = team_template(["Auth"])
    data["Resources"]["Fn::ForEach::Teams"][2] = {"${Team}Role": role("x")}
    with pytest.raises(ConfigError, match="makes 'AuthRole', which is already there"):
        imported(data)


def test_loops_nested_more_than_five_deep_are_refused() -> None:
    inner: dict[str, Any] = {"R${I0}${I1}${I2}${I3}${I4}${I5}": role("r")}
    for depth in reversed(range(6)):
        inner = {f"Fn::ForEach::L{depth}": [f"I{depth}", ["x"], inner]}
    resources = {**pool_resources(), **inner}
    with pytest.raises(ConfigError, match="nested more than 5 deep"):
        imported(template(resources, Transform=EXTENSIONS))


def test_a_resource_a_loop_makes_points_at_the_loop_fragment() -> None:
    text = """\
Transform: AWS::LanguageExtensions
Resources:
  IdentityPool:
    Type: AWS::Cognito::IdentityPool
    Properties: {AllowUnauthenticatedIdentities: false, AllowClassicFlow: false}
  Attach:
    Type: AWS::Cognito::IdentityPoolRoleAttachment
    Properties:
      IdentityPoolId: !Ref IdentityPool
      Roles: {authenticated: !GetAtt Roleb.Arn}
  Fn::ForEach::Roles:
    - Name
    - [a, b]
    - Role${Name}:
        Type: AWS::IAM::Role
        Properties:
          RoleName: !Sub role-${Name}
"""
    document = imported(text, name="t.yaml").checked()
    assert document.data["Roles"]["authenticated"] == arn("role-b")
    role_at, name_at = document.where(("IamRoles", 0)), document.where(("IamRoles", 0, "RoleName"))
    assert role_at is not None
    assert name_at is not None
    assert (role_at.line, role_at.native_path) == (14, "Resources.Roleb.Properties")
    assert (name_at.line, name_at.native_path) == (17, "Resources.Roleb.Properties.RoleName")


# --- property: a loop is the resources written out one by one -----------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text("abcdefgh0123", min_size=1, max_size=5), min_size=0, max_size=4, unique=True)
)
def test_a_loop_imports_as_its_resources_written_out(names: list[str]) -> None:
    looped = team_template(names)
    looped["Resources"]["RoleAttachment"]["Properties"].pop("RoleMappings")
    written = copy.deepcopy(looped)
    del written["Resources"]["Fn::ForEach::Teams"]
    for name in names:
        written["Resources"][f"TeamRole{name}"] = role(None, RoleName=f"team-{name}")
    assert pool_data(looped) == pool_data(written)


def test_a_loop_that_would_expand_without_bound_is_refused_quickly() -> None:
    items = [f"v{i}" for i in range(20)]  # 20**5 copies if nothing stopped it
    inner: dict[str, Any] = {"R${I0}${I1}${I2}${I3}${I4}": {"Type": "AWS::SQS::Queue"}}
    for depth in reversed(range(5)):
        inner = {f"Fn::ForEach::L{depth}": [f"I{depth}", items, inner]}
    with pytest.raises(ConfigError, match="Fn::ForEach expands to more than"):
        imported(template({**pool_resources(), **inner}, Transform=EXTENSIONS))


def test_a_loop_error_is_a_clean_exit_2_at_the_loop_line(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    data = team_template({"Ref": "Teams"}, Parameters={"Teams": {"Type": "CommaDelimitedList"}})
    path.write_text(json.dumps(data, indent=1))
    result = run_cli(["import", path])
    assert result.code == 2
    assert re.search(r't\.json:\d+: Resources\["Fn::ForEach::Teams"\]\[1\]', result.stderr)
    assert "give --parameter Teams=VALUE" in result.stderr
    assert "Traceback" not in result.stderr
