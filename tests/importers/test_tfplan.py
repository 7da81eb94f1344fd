"""Terraform plan JSON (`terraform show -json`) to neutral resources: IMPORT.md D9.
Format: https://developer.hashicorp.com/terraform/internals/json-format"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from simulator.errors import ConfigError
from simulator.importers.terraform import read_terraform
from simulator.importers.tfplan import is_terraform_plan, plan_resources, read_plan
from simulator.importers.values import Placeholder, Unresolved

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "iac" / "terraform"


def plan(
    resources: list[dict[str, Any]],
    *,
    changes: Mapping[str, Any] | None = None,
    configuration: Mapping[str, Any] | None = None,
    modules: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    root: dict[str, Any] = {"resources": resources}
    if modules:
        root["child_modules"] = modules
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": root},
        "resource_changes": [
            {"address": address, "change": {"actions": ["create"], "after_unknown": unknown}}
            for address, unknown in (changes or {}).items()
        ],
        "configuration": configuration or {},
    }


def resource(address: str, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    type_, name = address.split("[", maxsplit=1)[0].split(".")[-2:]
    return {
        "address": address,
        "mode": "managed",
        "type": type_,
        "name": name,
        "values": values,
    } | extra


def imported(data: dict[str, Any], **parameters: str) -> dict[str, Any]:
    return {r.id: r for r in plan_resources(data, "plan.json", parameters).resources}


def test_plan_detection() -> None:
    assert is_terraform_plan({"format_version": "1.2", "planned_values": {}})
    assert is_terraform_plan({"format_version": "1.0", "terraform_version": "1.5.0", "values": {}})
    assert not is_terraform_plan({"AWSTemplateFormatVersion": "2010-09-09"})
    assert not is_terraform_plan(["format_version"])


def test_known_values_come_from_planned_values() -> None:
    pool = {
        "id": "us-east-1:0b5e2f3c-8a4d-4e6f-9a1b-2c3d4e5f6a7b",
        "identity_pool_name": "p",
        "allow_unauthenticated_identities": False,
        "allow_classic_flow": False,
        "cognito_identity_providers": [
            {
                "client_id": "abc",
                "provider_name": "cognito-idp.us-east-1.amazonaws.com/us-east-1_x",
                "server_side_token_check": True,
            }
        ],
        "developer_provider_name": "",
        "openid_connect_provider_arns": [],
        "supported_login_providers": {},
        "tags": None,
    }
    found = imported(plan([resource("aws_cognito_identity_pool.main", pool)]))
    p = found["aws_cognito_identity_pool.main"]
    assert p.ref == "us-east-1:0b5e2f3c-8a4d-4e6f-9a1b-2c3d4e5f6a7b"
    # The SDK's zero values ("", [], {}) are what the provider does not send: unset.
    assert p.properties == {
        "IdentityPoolName": "p",
        "AllowUnauthenticatedIdentities": False,
        "AllowClassicFlow": False,
        "CognitoIdentityProviders": [
            {
                "ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_x",
                "ClientId": "abc",
                "ServerSideTokenCheck": True,
            }
        ],
    }
    assert p.origin.file == "plan.json"
    assert p.origin.line is None
    assert p.origin.construct == "aws_cognito_identity_pool.main"
    assert p.origin_of(("CognitoIdentityProviders", 0, "ClientId")).native_path == (
        "aws_cognito_identity_pool.main.cognito_identity_providers[0].client_id"
    )


def test_unknown_configured_values_are_unresolved_naming_address_attribute_and_source() -> None:
    attachment = {
        "identity_pool_id": "us-east-1:x",
        "roles": {"authenticated": None},
        "role_mapping": [
            {
                "identity_provider": "accounts.google.com",
                "type": "Rules",
                "ambiguous_role_resolution": "Deny",
                "mapping_rule": [
                    {
                        "claim": "hd",
                        "match_type": "Equals",
                        "value": "example.com",
                        "role_arn": None,
                    }
                ],
            }
        ],
    }
    address = "aws_cognito_identity_pool_roles_attachment.main"
    unknown = {
        "id": True,
        "roles": {"authenticated": True},
        "role_mapping": [{"mapping_rule": [{"role_arn": True}]}],
    }
    configuration = {
        "root_module": {
            "resources": [
                {
                    "address": address,
                    "expressions": {
                        "identity_pool_id": {"constant_value": "us-east-1:x"},
                        "roles": {"references": ["aws_iam_role.auth.arn", "aws_iam_role.auth"]},
                        "role_mapping": [
                            {"identity_provider": {"constant_value": "accounts.google.com"}}
                        ],
                    },
                }
            ]
        }
    }
    found = imported(
        plan(
            [resource(address, attachment)], changes={address: unknown}, configuration=configuration
        )
    )
    a = found[address]
    assert a.ref is None  # the id is known only after apply, and it gets no placeholder (D9)
    role = a.properties["Roles"]["authenticated"]
    assert isinstance(role, Unresolved)
    assert role.construct == (
        f"{address}.roles.authenticated (known only after apply; from aws_iam_role.auth.arn)"
    )
    rule = a.properties["RoleMappings"]["accounts.google.com"]["RulesConfiguration"]["Rules"][0]
    assert isinstance(rule["RoleARN"], Unresolved)
    assert rule["RoleARN"].construct.startswith(
        f"{address}.role_mapping[0].mapping_rule[0].role_arn"
    )
    assert rule["Claim"] == "hd"  # known values beside an unknown one are kept


def test_an_unknown_attribute_the_configuration_does_not_set_is_absent() -> None:
    address = "aws_cognito_user_pool_client.web"
    values = {"name": "web", "user_pool_id": "us-east-1_x"}
    configuration = {
        "root_module": {
            "resources": [{"address": address, "expressions": {"name": {}, "user_pool_id": {}}}]
        }
    }
    client = imported(
        plan(
            [resource(address, values)],
            changes={address: {"id": True, "write_attributes": True}},
            configuration=configuration,
        )
    )[address]
    assert "WriteAttributes" not in client.properties  # computed by the provider, as in the .tf


def test_child_modules_and_their_configuration() -> None:
    address = 'module.auth.aws_iam_role.r["a"]'
    module = {
        "address": "module.auth",
        "resources": [
            resource(
                address,
                {
                    "name": "A",
                    "assume_role_policy": None,
                    "arn": "arn:aws:iam::444455556666:role/A",
                },
                index="a",
            )
        ],
    }
    configuration = {
        "root_module": {
            "module_calls": {
                "auth": {
                    "module": {
                        "resources": [
                            {
                                "address": "aws_iam_role.r",
                                "expressions": {
                                    "assume_role_policy": {
                                        "references": ["data.aws_iam_policy_document.t.json"]
                                    }
                                },
                            }
                        ]
                    }
                }
            }
        }
    }
    data = plan(
        [],
        modules=[module],
        changes={address: {"assume_role_policy": True}},
        configuration=configuration,
    )
    result = plan_resources(data, "plan.json")
    role = {r.id: r for r in result.resources}[address]
    trust = role.properties["AssumeRolePolicyDocument"]
    assert isinstance(trust, Unresolved)
    assert "from data.aws_iam_policy_document.t.json" in trust.construct
    assert result.aws.account == "444455556666"  # the account the plan's own ARNs name


def test_sensitive_values_are_not_read() -> None:
    address = "aws_cognito_identity_pool.p"
    values = {
        "identity_pool_name": "p",
        "supported_login_providers": {"accounts.google.com": "secret-ish"},
    }
    data = plan([resource(address, values, sensitive_values={"supported_login_providers": True})])
    value = imported(data)[address].properties["SupportedLoginProviders"]
    assert isinstance(value, Unresolved)
    assert "sensitive" in value.construct
    assert "secret-ish" not in value.construct


def test_a_state_is_read_from_values() -> None:
    state = {
        "format_version": "1.0",
        "terraform_version": "1.9.8",
        "values": {
            "root_module": {"resources": [resource("aws_iam_role.r", {"name": "R", "id": "R"})]}
        },
    }
    assert imported(state)["aws_iam_role.r"].ref == "R"


def test_data_sources_and_other_types_are_not_resources() -> None:
    data = plan(
        [
            resource("aws_s3_bucket.b", {"bucket": "b"}),
            {
                "address": "data.aws_iam_role.r",
                "mode": "data",
                "type": "aws_iam_role",
                "name": "r",
                "values": {},
            },
        ]
    )
    assert imported(data) == {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format_version": "2.0", "planned_values": {}}, "format_version '2.0' is not supported"),
        ({"format_version": "1.2", "terraform_version": "1.9"}, "no planned_values"),
        (
            {"format_version": "1.2", "planned_values": {"root_module": {"resources": {}}}},
            "expected a JSON list",
        ),
        (
            {
                "format_version": "1.2",
                "planned_values": {"root_module": {"resources": [{"type": "aws_iam_role"}]}},
            },
            "without an address",
        ),
        ({"resources": []}, "not a `terraform show -json`"),
    ],
)
def test_malformed_plans_are_errors_naming_the_file(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        plan_resources(data, "plan.json")
    assert info.value.file == "plan.json"


def test_a_plan_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{\n  "format_version": "1.2",\n  oops\n}\n')
    with pytest.raises(ConfigError, match="not valid JSON") as info:
        read_plan(path)
    assert info.value.line == 3


def test_variables_are_fixed_in_a_plan() -> None:
    ignored = plan_resources(plan([]), "plan.json", {"region": "eu-west-1"})
    assert any("-var" in note for note in ignored.notes)
    assert ignored.parameters == {"AWS::AccountId", "AWS::Region", "AWS::Partition"}
    assert plan_resources(
        plan([]), "plan.json", {"AWS::AccountId": "999999999999"}
    ).aws.account == ("999999999999")


# The example: the plan and the configuration agree ---------------------------------------------------


def test_the_example_plan() -> None:
    result = read_plan(EXAMPLE / "plan.json")
    found = {r.id: r for r in result.resources}
    assert result.aws.region == "us-east-1"  # provider "aws" region = var.region, from the plan
    attachment = found["aws_cognito_identity_pool_roles_attachment.main"].properties
    key = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Tv0493apJ:6lhlkkfbfb4q5kpp90urffae"
    assert [r["Value"] for r in attachment["RoleMappings"][key]["RulesConfiguration"]["Rules"]] == [
        "admins",
        "engineering",
        "true",
    ]
    # The principal tag is created by this plan: its id is unknown, its arguments are known.
    tag = found["aws_cognito_identity_pool_provider_principal_tag.main"]
    assert tag.ref is None
    assert tag.properties["UseDefaults"] is False


def _renaming(hcl: Any, planned: Any, renames: dict[str, str], where: str) -> list[str]:
    """Differences between an HCL value and a plan value, up to a consistent renaming of the
    configuration's D4 placeholders to the plan's real identifiers (recorded in `renames`)."""
    if isinstance(hcl, Placeholder) and isinstance(planned, str):
        seen = renames.setdefault(str(hcl), planned)
        return [] if seen == planned else [f"{where}: {hcl} is renamed to {seen} and to {planned}"]
    if isinstance(hcl, dict) and isinstance(planned, dict):
        # A key built from placeholders (a RoleMappings label) renames as a value does.
        lone = [k for k in hcl if renames.get(k, k) not in planned]
        spare = [k for k in planned if k not in {renames.get(h, h) for h in hcl}]
        if len(lone) == 1 and len(spare) == 1:
            renames.setdefault(lone[0], spare[0])
        out: list[str] = []
        for k, value in hcl.items():
            other = planned.get(renames.get(k, k))
            out += _renaming(value, other, renames, f"{where}.{k}")
        for k, value in planned.items():
            if k not in {renames.get(h, h) for h in hcl} and value is not False:
                out.append(f"{where}.{k}: only the plan has {value!r}")
        return out
    if isinstance(hcl, list) and isinstance(planned, list) and len(hcl) == len(planned):
        out = []
        for i, (a, b) in enumerate(zip(hcl, planned, strict=True)):
            out += _renaming(a, b, renames, f"{where}[{i}]")
        return out
    return [] if hcl == planned else [f"{where}: {hcl!r} != {planned!r}"]


def test_the_plan_and_the_configuration_agree_on_the_example() -> None:
    # The plan was made for the same module.
    configured = read_terraform(EXAMPLE)
    planned = read_plan(EXAMPLE / "plan.json")
    hcl = {r.id: r for r in configured.resources}
    real = {r.id: r for r in planned.resources}
    assert set(hcl) == set(real)
    renames: dict[str, str] = {}
    differences: list[str] = []
    for address, resource in hcl.items():
        other = real[address]
        assert resource.type == other.type
        for name, value in resource.properties.items():
            differences += _renaming(
                value, other.properties.get(name), renames, f"{address}.{name}"
            )
        if other.ref is not None and resource.ref is not None:
            differences += _renaming(resource.ref, other.ref, renames, f"{address} ref")
        for name, value in other.properties.items():
            if name not in resource.properties:
                differences += _plan_only(address, name, value, real)
    assert differences == []
    assert len(set(renames.values())) == len(renames)  # the renaming is one to one
    assert renames["us-east-1_main"] == "us-east-1_Tv0493apJ"


def _plan_only(address: str, name: str, value: Any, real: Mapping[str, Any]) -> list[str]:
    """A property only the plan has must say nothing the configuration does not: a false flag, or
    what the role's separate policy resources attach (the plan reads them back into the role)."""
    if value is False:
        return []
    role = real[address].properties.get("RoleName")
    if name == "ManagedPolicyArns":
        attached = {
            r.properties["PolicyArn"]
            for r in real.values()
            if r.type == "Rolesim::IAM::RolePolicyAttachment"
            and r.properties.get("RoleName") == role
        }
        return [] if set(value) == attached else [f"{address}.{name}: {value} not attached"]
    if name == "Policies":
        inline = {
            (r.properties["PolicyName"], json.dumps(r.properties["PolicyDocument"], sort_keys=True))
            for r in real.values()
            if r.type == "AWS::IAM::RolePolicy" and r.properties.get("RoleName") == role
        }
        listed = {(p["PolicyName"], json.dumps(p["PolicyDocument"], sort_keys=True)) for p in value}
        return [] if listed == inline else [f"{address}.{name}: {listed} != {inline}"]
    return [f"{address}.{name}: only the plan has {value!r}"]
