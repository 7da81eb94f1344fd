"""Terraform configuration to neutral resources: the derivation rules of IMPORT.md (D1-D5, D8) and
the AWS provider's resources (https://registry.terraform.io/providers/hashicorp/aws/latest/docs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.errors import ConfigError
from simulator.importers.detect import is_terraform_source
from simulator.importers.terraform import looks_like_terraform, read_terraform
from simulator.importers.values import Placeholder, Unresolved
from tests.importers.terraform_modules import by_id, props, read, write_module

POOL = """
resource "aws_cognito_user_pool" "main" { name = "users" }
resource "aws_cognito_user_pool_client" "web" {
  name         = "web"
  user_pool_id = aws_cognito_user_pool.main.id
}
resource "aws_cognito_identity_pool" "main" {
  identity_pool_name = "pool"
  cognito_identity_providers {
    client_id     = aws_cognito_user_pool_client.web.id
    provider_name = aws_cognito_user_pool.main.endpoint
  }
}
"""

# D1: the module is the folder ---------------------------------------------------------------------


def test_every_tf_file_in_the_folder_is_read_as_terraform_does(tmp_path: Path) -> None:
    write_module(
        tmp_path,
        {
            "main.tf": 'resource "aws_cognito_identity_pool" "p" { identity_pool_name = local.n }',
            "locals.tf": 'locals { n = "from-another-file" }',
            ".hidden.tf": "this is not read",
            "backup.tf~": "nor this",
            "notes.txt": "nor this",
        },
    )
    result = read_terraform(tmp_path / "main.tf")
    assert by_id(result)["aws_cognito_identity_pool.p"].properties["IdentityPoolName"] == (
        "from-another-file"
    )
    assert read_terraform(tmp_path).resources == result.resources


def test_json_configuration_and_override_files_are_refused_not_ignored(tmp_path: Path) -> None:
    write_module(tmp_path, {"main.tf": "", "extra.tf.json": "{}"})
    with pytest.raises(ConfigError, match="JSON configuration is not supported") as info:
        read_terraform(tmp_path)
    assert info.value.file == str(tmp_path / "extra.tf.json")
    other = write_module(tmp_path / "o", {"main.tf": "", "pool_override.tf": ""})
    with pytest.raises(ConfigError, match="override files"):
        read_terraform(other)


def test_content_detection() -> None:
    assert looks_like_terraform('variable "x" {}\nresource "a" "b" {}\n')
    assert not looks_like_terraform("IdentityPoolId: us-east-1:x\n")
    assert not looks_like_terraform('{"AWSTemplateFormatVersion": "2010-09-09"}')
    assert is_terraform_source("main.tf")


# D2: --parameter and defaults ---------------------------------------------------------------------


VARIABLES = """
variable "name" { default = "dflt" }
variable "allow" {
  type    = bool
  default = false
}
variable "providers" {
  type    = map(string)
  default = {}
}
resource "aws_cognito_identity_pool" "p" {
  identity_pool_name               = var.name
  allow_unauthenticated_identities = var.allow
  supported_login_providers        = var.providers
}
"""


def test_variables_take_their_default(tmp_path: Path) -> None:
    p = props(tmp_path, VARIABLES, "aws_cognito_identity_pool.p")
    assert (p["IdentityPoolName"], p["AllowUnauthenticatedIdentities"]) == ("dflt", False)


def test_parameters_set_variables_like_var_with_hcl_for_collection_types(tmp_path: Path) -> None:
    p = props(
        tmp_path,
        VARIABLES,
        "aws_cognito_identity_pool.p",
        name="given",
        allow="true",
        providers='{"accounts.google.com" = "abc"}',
    )
    assert p["IdentityPoolName"] == "given"
    assert p["AllowUnauthenticatedIdentities"] is True
    assert p["SupportedLoginProviders"] == {"accounts.google.com": "abc"}


def test_a_parameter_that_does_not_fit_the_type_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="type") as info:
        read(tmp_path, VARIABLES, allow="perhaps")
    assert info.value.file == "--parameter allow"


def test_the_names_a_parameter_can_set_are_the_variables_and_pseudo_parameters(
    tmp_path: Path,
) -> None:
    # A name nothing declares is refused by the caller, which may read two sources (diff); a
    # resource's address can give its deployed id.
    assert read(tmp_path, VARIABLES, nmae="x").parameters == {
        "name", "allow", "providers", "AWS::AccountId", "AWS::Region", "AWS::Partition",
        "aws_cognito_identity_pool.p",
    }  # fmt: skip


def test_a_variable_without_value_stays_unknown_until_needed(tmp_path: Path) -> None:
    text = """
    variable "pool_name" {}
    resource "aws_cognito_identity_pool" "p" { identity_pool_name = var.pool_name }
    """
    value = props(tmp_path, text, "aws_cognito_identity_pool.p")["IdentityPoolName"]
    assert isinstance(value, Unresolved)
    assert "--parameter pool_name=" in value.construct


def test_a_variable_validation_is_applied_to_given_values(tmp_path: Path) -> None:
    text = """
    variable "mode" {
      default = "Deny"
      validation {
        condition     = contains(["Deny", "AuthenticatedRole"], var.mode)
        error_message = "mode must be Deny or AuthenticatedRole."
      }
    }
    resource "aws_cognito_identity_pool" "p" { identity_pool_name = var.mode }
    """
    assert props(tmp_path, text, "aws_cognito_identity_pool.p")["IdentityPoolName"] == "Deny"
    with pytest.raises(ConfigError, match="mode must be Deny or AuthenticatedRole"):
        read(tmp_path, text, mode="Allow")


def test_object_types_fill_optional_attributes(tmp_path: Path) -> None:
    text = """
    variable "cfg" {
      type    = object({ name = string, guests = optional(bool, true) })
      default = { name = "n" }
    }
    resource "aws_cognito_identity_pool" "p" {
      identity_pool_name               = var.cfg.name
      allow_unauthenticated_identities = var.cfg.guests
    }
    """
    assert props(tmp_path, text, "aws_cognito_identity_pool.p")["AllowUnauthenticatedIdentities"]


# D3: region, account, partition, count = 0 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "region"),
    [
        ('provider "aws" { region = "eu-west-1" }', "eu-west-1"),
        (
            'variable "r" { default = "ap-south-1" }\nprovider "aws" { region = var.r }',
            "ap-south-1",
        ),
        ('locals { r = "ca-central-1" }\nprovider "aws" { region = local.r }', "ca-central-1"),
        ("", "us-east-1"),
    ],
)
def test_the_default_provider_region(tmp_path: Path, provider: str, region: str) -> None:
    result = read(tmp_path, provider + "\n" + POOL)
    assert result.aws.region == region
    assert by_id(result)["aws_cognito_identity_pool.main"].ref == f"{region}:main"


def test_an_unknown_provider_region_falls_back_and_says_so(tmp_path: Path) -> None:
    result = read(tmp_path, 'variable "r" {}\nprovider "aws" { region = var.r }\n' + POOL)
    assert result.aws.region == "us-east-1"
    assert any("--parameter AWS::Region" in note for note in result.notes)


def test_account_and_region_parameters(tmp_path: Path) -> None:
    text = """
    data "aws_caller_identity" "me" {}
    data "aws_region" "here" {}
    data "aws_partition" "p" {}
    resource "aws_iam_role" "r" {
      name               = "${data.aws_caller_identity.me.account_id}-${data.aws_region.here.name}-${data.aws_partition.p.partition}"
      assume_role_policy = "{}"
    }
    """
    assert props(tmp_path, text, "aws_iam_role.r")["RoleName"] == "123456789012-us-east-1-aws"
    given = props(
        tmp_path,
        "",
        "aws_iam_role.r",
        **{"AWS::AccountId": "111122223333", "AWS::Region": "cn-north-1"},
    )
    assert given["RoleName"] == "111122223333-cn-north-1-aws-cn"


def test_an_aliased_provider_sets_its_resources_region(tmp_path: Path) -> None:
    text = """
    provider "aws" { region = "us-east-1" }
    provider "aws" {
      alias  = "eu"
      region = "eu-central-1"
    }
    resource "aws_cognito_user_pool" "eu" {
      provider = aws.eu
      name     = "x"
    }
    """
    assert by_id(read(tmp_path, text))["aws_cognito_user_pool.eu"].ref == "eu-central-1_eu"


def test_count_zero_removes_the_resource_and_count_one_drops_the_index(tmp_path: Path) -> None:
    text = """
    variable "enabled" { default = true }
    resource "aws_cognito_user_pool" "main" {
      count = var.enabled ? 1 : 0
      name  = "x"
    }
    resource "aws_cognito_user_pool" "many" {
      count = 2
      name  = "p${count.index}"
    }
    """
    found = by_id(read(tmp_path, text))
    # D4: the [0] of a count = 1 instance is dropped from the placeholder name.
    assert found["aws_cognito_user_pool.main[0]"].ref == "us-east-1_main"
    assert found["aws_cognito_user_pool.many[1]"].ref == "us-east-1_many[1]"
    assert found["aws_cognito_user_pool.many[1]"].properties["UserPoolName"] == "p1"
    disabled = read(tmp_path, "", enabled="false")
    assert "aws_cognito_user_pool.main[0]" not in by_id(disabled)
    assert disabled.skipped == (
        ("aws_cognito_user_pool.main", "AWS::Cognito::UserPool", "count = 0"),
    )


def test_a_count_that_cannot_be_known_is_an_error_naming_what_it_needs(tmp_path: Path) -> None:
    text = 'variable "n" {}\nresource "aws_cognito_user_pool" "p" {\n  count = var.n\n}\n'
    with pytest.raises(ConfigError, match=r"cannot be known offline.*var\.n") as info:
        read(tmp_path, text)
    assert info.value.line == 3
    assert str(info.value).startswith(f"{tmp_path / 'main.tf'}:3: aws_cognito_user_pool.p.count:")


def test_a_huge_count_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="more than rolesim evaluates"):
        read(tmp_path, 'resource "aws_cognito_user_pool" "p" { count = 100000000 }')


# D4: deploy-time identifiers -----------------------------------------------------------------------


def test_user_pool_client_and_identity_pool_placeholders(tmp_path: Path) -> None:
    found = by_id(read(tmp_path, POOL))
    pool = found["aws_cognito_identity_pool.main"]
    provider = pool.properties["CognitoIdentityProviders"][0]
    assert provider == {
        "ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_main",
        "ClientId": "web",
        "ServerSideTokenCheck": False,
    }
    assert isinstance(provider["ProviderName"], Placeholder)
    assert provider["ProviderName"].of == "aws_cognito_user_pool.main"
    assert isinstance(provider["ClientId"], Placeholder)
    assert pool.ref == "us-east-1:main"
    user_pool = found["aws_cognito_user_pool.main"]
    assert user_pool.ref == "us-east-1_main"
    assert user_pool.attributes == {
        "Arn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_main",
        "ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_main",
        "ProviderURL": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_main",
        "UserPoolId": "us-east-1_main",
    }


def test_role_arns_from_the_name_or_a_placeholder_from_the_resource_name(tmp_path: Path) -> None:
    text = """
    resource "aws_iam_role" "named" {
      name               = "App"
      path               = "/team/"
      assume_role_policy = "{}"
    }
    resource "aws_iam_role" "unnamed" { assume_role_policy = "{}" }
    resource "aws_iam_role" "prefixed" {
      name_prefix        = "app-"
      assume_role_policy = "{}"
    }
    resource "aws_cognito_identity_pool_roles_attachment" "a" {
      identity_pool_id = "us-east-1:x"
      roles = {
        authenticated   = aws_iam_role.named.arn
        unauthenticated = aws_iam_role.unnamed.arn
      }
    }
    """
    result = read(tmp_path, text)
    roles = by_id(result)["aws_cognito_identity_pool_roles_attachment.a"].properties["Roles"]
    assert roles["authenticated"] == "arn:aws:iam::123456789012:role/team/App"
    assert not isinstance(roles["authenticated"], Placeholder)
    assert roles["unauthenticated"] == "arn:aws:iam::123456789012:role/unnamed"
    assert isinstance(roles["unauthenticated"], Placeholder)
    assert by_id(result)["aws_iam_role.unnamed"].ref == "unnamed"
    assert by_id(result)["aws_iam_role.prefixed"].ref == "app-prefixed"


def test_oidc_and_saml_provider_arns(tmp_path: Path) -> None:
    text = """
    resource "aws_iam_openid_connect_provider" "gh" {
      url            = "https://token.actions.githubusercontent.com"
      client_id_list = ["sts.amazonaws.com"]
    }
    resource "aws_iam_saml_provider" "corp" {
      name                   = "Corp"
      saml_metadata_document = "<xml/>"
    }
    resource "aws_cognito_identity_pool" "p" {
      identity_pool_name           = "p"
      openid_connect_provider_arns = [aws_iam_openid_connect_provider.gh.arn]
      saml_provider_arns           = [aws_iam_saml_provider.corp.arn]
    }
    """
    p = props(tmp_path, text, "aws_cognito_identity_pool.p")
    assert p["OpenIdConnectProviderARNs"] == [
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    ]
    assert p["SamlProviderARNs"] == ["arn:aws:iam::123456789012:saml-provider/Corp"]


def test_for_each_keys_cannot_come_from_deploy_time_values(tmp_path: Path) -> None:
    text = (
        POOL
        + """
    resource "aws_cognito_user_group" "g" {
      for_each     = toset([aws_cognito_user_pool.main.id])
      name         = "g"
      user_pool_id = each.key
    }
    """
    )
    with pytest.raises(ConfigError, match="known only after apply"):
        read(tmp_path, text)


# D5: what cannot be known offline ------------------------------------------------------------------


def test_other_data_sources_and_module_outputs_are_unknown_naming_the_construct(
    tmp_path: Path,
) -> None:
    text = """
    data "aws_ssm_parameter" "pool" { name = "/auth/pool" }
    module "roles" { source = "./roles" }
    resource "aws_cognito_identity_pool_roles_attachment" "a" {
      identity_pool_id = data.aws_ssm_parameter.pool.value
      roles            = { authenticated = module.roles.auth_arn }
    }
    """
    result = read(tmp_path, text)
    p = by_id(result)["aws_cognito_identity_pool_roles_attachment.a"].properties
    assert isinstance(p["IdentityPoolId"], Unresolved)
    assert p["IdentityPoolId"].construct.startswith("data.aws_ssm_parameter.pool.value")
    assert p["IdentityPoolId"].origin is not None
    assert p["IdentityPoolId"].origin.line == 5
    assert p["Roles"]["authenticated"].construct.startswith("module.roles.auth_arn")
    assert any("module.roles" in unread for unread in result.unread)


def test_a_data_source_argument_is_known(tmp_path: Path) -> None:
    text = """
    data "aws_iam_role" "existing" { name = "Existing" }
    resource "aws_iam_role_policy" "p" {
      role   = data.aws_iam_role.existing.name
      policy = "{}"
    }
    """
    assert props(tmp_path, text, "aws_iam_role_policy.p")["RoleName"] == "Existing"


def test_files_are_read_only_inside_the_module(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("do not read")
    module = tmp_path / "mod"
    write_module(
        module,
        {
            "policy.json": '{"Version": "2012-10-17", "Statement": []}',
            "trust.tpl": '{"Version": "2012-10-17", "Id": "${pool}"}',
            "main.tf": """
            resource "aws_iam_role" "r" {
              assume_role_policy = templatefile("${path.module}/trust.tpl", { pool = "us-east-1:p" })
              inline_policy {
                name   = "p"
                policy = file("${path.module}/policy.json")
              }
              description = file("../secret.txt")
            }
            """,
        },
    )
    p = by_id(read_terraform(module))["aws_iam_role.r"].properties
    assert p["AssumeRolePolicyDocument"] == {"Version": "2012-10-17", "Id": "us-east-1:p"}
    assert p["Policies"][0]["PolicyDocument"] == {"Version": "2012-10-17", "Statement": []}
    assert isinstance(p["Description"], Unresolved)
    assert "outside the module" in p["Description"].construct


# D8: provider schema defaults, sets, lists, dynamic blocks -------------------------------------------


def test_identity_pool_schema_defaults(tmp_path: Path) -> None:
    p = props(tmp_path, POOL, "aws_cognito_identity_pool.main")
    assert p["AllowUnauthenticatedIdentities"] is False
    assert p["AllowClassicFlow"] is False  # the provider always sends the flag
    assert p["CognitoIdentityProviders"][0]["ServerSideTokenCheck"] is False


def test_principal_tag_use_defaults_is_true_unless_set(tmp_path: Path) -> None:
    text = """
    resource "aws_cognito_identity_pool_provider_principal_tag" "t" {
      identity_pool_id       = "us-east-1:x"
      identity_provider_name = "cognito-idp.us-east-1.amazonaws.com/us-east-1_x"
      principal_tags         = { dept = "custom:dept" }
    }
    """
    p = props(tmp_path, text, "aws_cognito_identity_pool_provider_principal_tag.t")
    assert p == {
        "IdentityPoolId": "us-east-1:x",
        "IdentityProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_x",
        "PrincipalTags": {"dept": "custom:dept"},
        "UseDefaults": True,
    }


ATTACHMENT = """
locals {
  rules = {
    b = { claim = "dept", value = "b" }
    a = { claim = "dept", value = "a" }
  }
}
resource "aws_cognito_identity_pool_roles_attachment" "a" {
  identity_pool_id = "us-east-1:x"
  roles            = { authenticated = "arn:aws:iam::123456789012:role/Auth" }
  role_mapping {
    identity_provider         = "cognito-idp.us-east-1.amazonaws.com/us-east-1_x:client"
    type                      = "Rules"
    ambiguous_role_resolution = "Deny"
    mapping_rule {
      claim      = "cognito:groups"
      match_type = "Contains"
      value      = "admins"
      role_arn   = "arn:aws:iam::123456789012:role/Admin"
    }
    dynamic "mapping_rule" {
      for_each = local.rules
      iterator = r
      content {
        claim      = r.value.claim
        match_type = "Equals"
        value      = r.value.value
        role_arn   = "arn:aws:iam::123456789012:role/${upper(r.key)}"
      }
    }
  }
  role_mapping {
    identity_provider = "accounts.google.com"
    type              = "Token"
    ambiguous_role_resolution = "AuthenticatedRole"
  }
}
"""


def test_role_mappings_are_keyed_by_identity_provider_with_rules_in_order(tmp_path: Path) -> None:
    result = read(tmp_path, ATTACHMENT)
    attachment = by_id(result)["aws_cognito_identity_pool_roles_attachment.a"]
    mappings = attachment.properties["RoleMappings"]
    key = "cognito-idp.us-east-1.amazonaws.com/us-east-1_x:client"
    assert set(mappings) == {key, "accounts.google.com"}
    assert mappings[key]["IdentityProvider"] == key
    rules = mappings[key]["RulesConfiguration"]["Rules"]
    # mapping_rule is a list: order kept; the dynamic blocks expand the map in key order.
    assert [r["Value"] for r in rules] == ["admins", "a", "b"]
    assert rules[1] == {
        "Claim": "dept",
        "MatchType": "Equals",
        "Value": "a",
        "RoleARN": "arn:aws:iam::123456789012:role/A",
    }
    assert mappings["accounts.google.com"] == {
        "IdentityProvider": "accounts.google.com",
        "Type": "Token",
        "AmbiguousRoleResolution": "AuthenticatedRole",
    }


def test_every_property_points_at_the_line_that_wrote_it(tmp_path: Path) -> None:
    attachment = by_id(read(tmp_path, ATTACHMENT))["aws_cognito_identity_pool_roles_attachment.a"]
    key = "cognito-idp.us-east-1.amazonaws.com/us-east-1_x:client"
    rules = ("RoleMappings", key, "RulesConfiguration", "Rules")
    assert attachment.origin.line == 8
    assert attachment.origin.construct == "aws_cognito_identity_pool_roles_attachment.a"
    assert attachment.origin.file == str(tmp_path / "main.tf")
    assert attachment.origin_of(("Roles",)).line == 10
    assert attachment.origin_of((*rules, 0, "Value")).line == 18
    # A value a local passes along points at the line that wrote it; what the dynamic block
    # writes itself, at the content block's line.
    assert attachment.origin_of((*rules, 2)).line == 4  # the element the dynamic block expands
    assert attachment.origin_of((*rules, 2, "Value")).line == 4
    assert attachment.origin_of((*rules, 1, "Value")).line == 5
    assert attachment.origin_of((*rules, 2, "MatchType")).line == 26
    assert attachment.origin_of((*rules, 2, "RoleARN")).line == 28
    origin = attachment.origin_of(("RoleMappings", key, "Type"))
    assert origin.line == 13
    assert origin.native_path == (
        "aws_cognito_identity_pool_roles_attachment.a.role_mapping[0].type"
    )


def test_two_role_mappings_for_one_provider_are_an_error(tmp_path: Path) -> None:
    text = """
    resource "aws_cognito_identity_pool_roles_attachment" "a" {
      identity_pool_id = "us-east-1:x"
      role_mapping {
        identity_provider = "accounts.google.com"
        type              = "Token"
      }
      role_mapping {
        identity_provider = "accounts.google.com"
        type              = "Rules"
      }
    }
    """
    with pytest.raises(ConfigError, match="second role_mapping") as info:
        read(tmp_path, text)
    assert info.value.line == 9


def test_for_each_over_a_map_and_a_set(tmp_path: Path) -> None:
    text = """
    resource "aws_cognito_user_group" "g" {
      for_each     = { admins = 0, dev = 10 }
      name         = each.key
      precedence   = each.value
      user_pool_id = "us-east-1_x"
    }
    resource "aws_cognito_user_group" "s" {
      for_each     = toset(["b", "a"])
      name         = each.value
      user_pool_id = "us-east-1_x"
    }
    """
    found = by_id(read(tmp_path, text))
    assert found['aws_cognito_user_group.g["dev"]'].properties["Precedence"] == 10
    assert found['aws_cognito_user_group.s["a"]'].properties["GroupName"] == "a"
    assert list(found)[2:] == ['aws_cognito_user_group.s["a"]', 'aws_cognito_user_group.s["b"]']


def test_for_each_over_a_list_is_refused_as_terraform_does(tmp_path: Path) -> None:
    text = 'resource "aws_cognito_user_group" "g" {\n  for_each = ["a"]\n}\n'
    with pytest.raises(ConfigError, match="toset") as info:
        read(tmp_path, text)
    assert info.value.line == 2


def test_a_null_argument_is_unset_and_an_unknown_dynamic_is_unknown(tmp_path: Path) -> None:
    text = """
    data "aws_ssm_parameter" "rules" { name = "x" }
    resource "aws_cognito_user_group" "g" {
      name         = "g"
      user_pool_id = "us-east-1_x"
      role_arn     = null
    }
    resource "aws_iam_role" "r" {
      assume_role_policy = "{}"
      dynamic "inline_policy" {
        for_each = jsondecode(data.aws_ssm_parameter.rules.value)
        content {
          name   = inline_policy.key
          policy = inline_policy.value
        }
      }
    }
    """
    found = by_id(read(tmp_path, text))
    assert "RoleArn" not in found["aws_cognito_user_group.g"].properties
    assert isinstance(found["aws_iam_role.r"].properties["Policies"], Unresolved)


# IAM: roles, policies, attachments ---------------------------------------------------------------------


def test_iam_role_with_inline_managed_boundary_and_tags(tmp_path: Path) -> None:
    text = """
    resource "aws_iam_policy" "p" {
      name   = "guard"
      path   = "/ops/"
      policy = jsonencode({ Version = "2012-10-17", Statement = [] })
    }
    resource "aws_iam_role" "r" {
      name                 = "App"
      assume_role_policy   = jsonencode({ Version = "2012-10-17", Statement = [] })
      managed_policy_arns  = [aws_iam_policy.p.arn]
      permissions_boundary = "arn:aws:iam::aws:policy/PowerUserAccess"
      max_session_duration = "3600"
      tags                 = { team = "id", env = "prod" }
      inline_policy {
        name   = "inline"
        policy = <<-EOT
          {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        EOT
      }
      inline_policy {}
    }
    resource "aws_iam_role_policy_attachment" "a" {
      role       = aws_iam_role.r.name
      policy_arn = aws_iam_policy.p.arn
    }
    """
    found = by_id(read(tmp_path, text))
    role = found["aws_iam_role.r"].properties
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::123456789012:policy/ops/guard"]
    assert role["MaxSessionDuration"] == 3600  # converted as the provider schema types it
    assert role["Tags"] == [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "id"}]
    assert role["Policies"] == [
        {
            "PolicyName": "inline",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            },
        }
    ]
    assert found["aws_iam_policy.p"].ref == "arn:aws:iam::123456789012:policy/ops/guard"
    assert found["aws_iam_role_policy_attachment.a"].type == "Rolesim::IAM::RolePolicyAttachment"
    assert found["aws_iam_role_policy_attachment.a"].properties == {
        "RoleName": "App",
        "PolicyArn": "arn:aws:iam::123456789012:policy/ops/guard",
    }


def test_placeholders_survive_inside_jsonencoded_policies(tmp_path: Path) -> None:
    text = (
        POOL
        + """
    resource "aws_iam_role" "r" {
      assume_role_policy = jsonencode({
        Statement = [{ Condition = { StringEquals = { "cognito-identity.amazonaws.com:aud" = aws_cognito_identity_pool.main.id } } }]
      })
    }
    """
    )
    document = props(tmp_path, text, "aws_iam_role.r")["AssumeRolePolicyDocument"]
    aud = document["Statement"][0]["Condition"]["StringEquals"][
        "cognito-identity.amazonaws.com:aud"
    ]
    assert isinstance(aud, Placeholder)
    assert aud == "us-east-1:main"


def test_a_policy_that_is_not_json_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = 'resource "aws_iam_role" "r" {\n  name = "x"\n  assume_role_policy = "{not json"\n}\n'
    with pytest.raises(ConfigError, match="not valid JSON") as info:
        read(tmp_path, text)
    assert info.value.line == 3


# Structure errors: Terraform's own -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("locals { a = local.b\n b = local.a }", "reference cycle: local.a -> local.b -> local.a"),
        ('resource "aws_iam_role" "r" { name = aws_iam_role.r.arn }', "reference cycle"),
        ('resource "aws_iam_role" "r" { name = local.nope }', "undeclared local value local.nope"),
        ('resource "aws_iam_role" "r" { name = aws_s3_bucket.b.id }', "undeclared 'aws_s3_bucket'"),
        ('resource "aws_iam_role" "r" { name = count.index }', "inside a resource that sets count"),
        ('resource "aws_iam_role" "r" {}\nresource "aws_iam_role" "r" {}', "declared twice"),
        ("locals { a = 1 }\nlocals { a = 2 }", "defined twice"),
        ("a = 1", "outside a block"),
        ('resource "aws_iam_role" {}', "needs 2 labels"),
    ],
)
def test_configurations_terraform_refuses_are_errors(
    tmp_path: Path, text: str, message: str
) -> None:
    text += (
        '\nresource "aws_cognito_identity_pool" "p" { identity_pool_name = local.a }'
        if "locals" in text
        else ""
    )
    with pytest.raises(ConfigError, match=message) as info:
        read(tmp_path, text)
    assert info.value.file is not None
    assert info.value.file.endswith("main.tf")
    assert info.value.line is not None


def test_the_example_module_imports(root: Path) -> None:
    result = read_terraform(root / "examples" / "iac" / "terraform" / "main.tf")
    found = by_id(result)
    assert len([r for r in result.resources if r.type == "AWS::Cognito::IdentityPool"]) == 1
    attachment = found["aws_cognito_identity_pool_roles_attachment.main"].properties
    key = "cognito-idp.us-east-1.amazonaws.com/us-east-1_main:web"
    assert [
        r["RoleARN"] for r in attachment["RoleMappings"][key]["RulesConfiguration"]["Rules"]
    ] == [
        "arn:aws:iam::123456789012:role/PoolAdmin",
        "arn:aws:iam::123456789012:role/PoolEngineering",
        "arn:aws:iam::123456789012:role/PoolAuth",
    ]
    assert found['aws_cognito_user_group.group["admins"]'].properties["RoleArn"] == (
        "arn:aws:iam::123456789012:role/PoolAdmin"
    )
    assert "RoleArn" not in found['aws_cognito_user_group.group["dev"]'].properties


def test_a_value_given_for_a_sensitive_variable_is_not_read(tmp_path: Path) -> None:
    text = """
    variable "client_id" {
      sensitive = true
      default   = "from-the-repository"
    }
    resource "aws_cognito_identity_pool" "p" {
      identity_pool_name        = "p"
      supported_login_providers = { "accounts.google.com" = var.client_id }
    }
    """
    default = props(tmp_path, text, "aws_cognito_identity_pool.p")["SupportedLoginProviders"]
    assert default == {"accounts.google.com": "from-the-repository"}
    given = props(tmp_path, "", "aws_cognito_identity_pool.p", client_id="s3cr3t")
    value = given["SupportedLoginProviders"]["accounts.google.com"]
    assert isinstance(value, Unresolved)
    assert "s3cr3t" not in value.construct
    assert "sensitive" in value.construct


@pytest.mark.parametrize(
    "text",
    [
        # a chain of references longer than the reader follows
        "locals {\n"
        + "".join(f"  l{i} = local.l{i + 1}\n" for i in range(400))
        + '  l400 = "x"\n}\nresource "aws_iam_role" "r" { name = local.l0 }\n',
        # references whose expressions nest too
        "locals {\n"
        + "".join(f"  l{i} = [[[[[[[[[[local.l{i + 1}]]]]]]]]]]\n" for i in range(60))
        + '  l60 = "x"\n}\nresource "aws_iam_role" "r" { name = jsonencode(local.l0) }\n',
        # blocks inside blocks
        'resource "aws_iam_role" "r" {\n' + "a {\n" * 3000 + "}\n" * 3000 + "}\n",
    ],
)
def test_deep_references_and_blocks_fail_cleanly(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError, match="nested") as info:
        read(tmp_path, text)
    assert info.value.file == str(tmp_path / "main.tf")
    assert info.value.line is not None


def test_values_passed_along_point_at_the_line_that_wrote_them(tmp_path: Path) -> None:
    write_module(
        tmp_path,
        {
            "variables.tf": 'variable "app" {\n  default = "shop"\n}\n',
            "main.tf": """\
            data "aws_iam_policy_document" "trust" {
              statement {
                actions = ["sts:AssumeRoleWithWebIdentity"]
                principals {
                  type        = "Federated"
                  identifiers = ["cognito-identity.amazonaws.com"]
                }
              }
            }
            resource "aws_iam_role" "r" {
              name               = var.app
              assume_role_policy = data.aws_iam_policy_document.trust.json
            }
            """,
        },
    )
    role = by_id(read_terraform(tmp_path))["aws_iam_role.r"]
    name = role.origin_of(("RoleName",))
    assert (name.file, name.line) == (str(tmp_path / "variables.tf"), 2)  # the default
    action = role.origin_of(("AssumeRolePolicyDocument", "Statement", 0, "Action"))
    assert (action.file, action.line) == (str(tmp_path / "main.tf"), 3)  # the statement's actions
    assert action.native_path == "aws_iam_role.r.assume_role_policy.Statement[0].Action"


def test_a_deployed_id_given_by_address_replaces_the_placeholder(tmp_path: Path) -> None:
    # As CloudFormation's --parameter LogicalId=<physical id>: the real ids of a deployed pool.
    result = read(
        tmp_path,
        POOL,
        **{
            "aws_cognito_user_pool.main": "eu-west-1_AbC123",
            "aws_cognito_user_pool_client.web": "6lhlkkfbfb4q5kpp90urffae",
        },
    )
    assert "aws_cognito_user_pool.main" in result.parameters
    provider = by_id(result)["aws_cognito_identity_pool.main"].properties[
        "CognitoIdentityProviders"
    ][0]
    assert provider["ProviderName"] == "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
    assert not isinstance(provider["ProviderName"], Placeholder)
    assert provider["ClientId"] == "6lhlkkfbfb4q5kpp90urffae"
    assert isinstance(by_id(result)["aws_cognito_identity_pool.main"].ref, Placeholder)


def test_blocks_are_found_past_braces_in_strings_heredocs_and_comments(tmp_path: Path) -> None:
    text = """
    # a comment with a } brace
    resource "aws_iam_role" "r" {
      name        = "r}"
      description = "${jsonencode({ a = "}" })}"
      /* } */
      assume_role_policy = <<-EOT
        {"Statement": [], "Version": "2012-10-17", "Id": "} {"}
      EOT
    }
    resource "aws_cognito_identity_pool" "p" { identity_pool_name = "p" } // }
    """
    found = by_id(read(tmp_path, text))
    assert found["aws_iam_role.r"].properties["Description"] == '{"a":"}"}'
    assert found["aws_cognito_identity_pool.p"].origin.line == 11


def test_only_the_blocks_a_pool_reads_are_parsed(tmp_path: Path) -> None:
    # A module is parsed block by block as it is read: a broken block nothing reads is not an
    # error (terraform itself would refuse the file); one that is read is, at its line.
    text = """
    resource "aws_lambda_function" "f" {
      handler = = "x"
    }
    resource "aws_cognito_identity_pool" "p" { identity_pool_name = "p" }
    """
    assert "aws_cognito_identity_pool.p" in by_id(read(tmp_path, text))
    broken = """
    resource "aws_cognito_identity_pool" "p" {
      identity_pool_name = = "p"
    }
    """
    with pytest.raises(ConfigError, match="not valid HCL") as info:
        read(tmp_path, broken)
    assert info.value.line == 3
    with pytest.raises(ConfigError, match="never closed") as unclosed:
        read(tmp_path, 'resource "aws_iam_role" "r" {\n  name = "x"\n')
    assert unclosed.value.line == 1


def test_the_arns_of_named_buckets_and_tables(tmp_path: Path) -> None:
    # What identity-pool roles' policies name most: S3 prefixes and DynamoDB tables.
    text = """
    resource "aws_s3_bucket" "named" { bucket = "photos" }
    resource "aws_s3_bucket" "prefixed" { bucket_prefix = "photos-" }
    resource "aws_dynamodb_table" "t" {
      name     = "profiles"
      hash_key = "pk"
    }
    resource "aws_lambda_function" "f" { function_name = "f" }
    resource "aws_iam_role" "r" {
      name               = "r"
      assume_role_policy = "{}"
      managed_policy_arns = [
        aws_s3_bucket.named.arn,
        aws_s3_bucket.prefixed.arn,
        aws_dynamodb_table.t.arn,
        aws_lambda_function.f.arn,
      ]
    }
    """
    named, prefixed, table, function = props(tmp_path, text, "aws_iam_role.r")["ManagedPolicyArns"]
    assert named == "arn:aws:s3:::photos"
    assert table == "arn:aws:dynamodb:us-east-1:123456789012:table/profiles"
    assert isinstance(prefixed, Unresolved)
    assert isinstance(function, Unresolved)
    assert function.construct == "aws_lambda_function.f.arn (known only after apply)"


def test_a_tf_file_linking_outside_the_module_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("secret = 1\n")
    module = write_module(tmp_path / "m", {"main.tf": ""})
    (module / "linked.tf").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(ConfigError, match="links outside the module") as info:
        read_terraform(module)
    assert "secret" not in str(info.value)
