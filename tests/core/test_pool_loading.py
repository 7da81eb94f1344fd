"""Pool files (CONTRACT §2): AWS's own shapes, the service's limits, errors with path and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.errors import ConfigError
from simulator.model import load_pool, pool_from_dict
from tests.core.builders import CLIENT, KEY, USER_POOL, pool_doc, role, rule


def load_error(doc: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        pool_from_dict(doc, "pool.yaml")
    return info.value


def write(tmp_path: Path, text: str, name: str = "pool.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_reference_pool_loads(root: Path) -> None:
    p = load_pool(root / "rules" / "pool.yaml")
    assert p.region == "us-east-1"
    assert p.role_mappings[0].key == KEY
    assert len(p.role_mappings[0].rules) == 3


def test_pasted_aws_cli_output_loads_unchanged(tmp_path: Path) -> None:
    # describe-identity-pool + get-identity-pool-roles output merged, ResponseMetadata included
    doc = {
        "IdentityPoolId": "us-east-1:11111111-2222-3333-4444-555555555555",
        "IdentityPoolName": "demo",
        "AllowUnauthenticatedIdentities": False,
        "AllowClassicFlow": False,
        "CognitoIdentityProviders": [
            {"ProviderName": USER_POOL, "ClientId": CLIENT, "ServerSideTokenCheck": False}
        ],
        "IdentityPoolTags": {"team": "a"},
        "Roles": {"authenticated": role("Auth")},
        "RoleMappings": {KEY: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}},
        "ResponseMetadata": {"RequestId": "x", "HTTPStatusCode": 200},
    }
    p = load_pool(write(tmp_path, json.dumps(doc, indent=2), "pool.json"))
    assert p.role_mappings[0].type == "Token"


def test_a_bad_match_type_names_its_path_and_line(tmp_path: Path) -> None:
    text = f"""IdentityPoolId: us-east-1:11111111-2222-3333-4444-555555555555
CognitoIdentityProviders:
  - ProviderName: {USER_POOL}
    ClientId: {CLIENT}
RoleMappings:
  {KEY}:
    Type: Rules
    AmbiguousRoleResolution: Deny
    RulesConfiguration:
      Rules:
        - Claim: custom:dept
          MatchType: Equal
          Value: sales
          RoleARN: {role("Sales")}
"""
    with pytest.raises(ConfigError) as info:
        load_pool(write(tmp_path, text))
    err = info.value
    assert err.line == 12
    assert str(err).startswith(
        f'{tmp_path / "pool.yaml"}:12: RoleMappings["{KEY}"].RulesConfiguration.Rules[0].MatchType:'
    )
    assert "Equals, Contains, StartsWith or NotEqual" in str(err)


def test_a_https_provider_key_is_rejected_with_aws_message_and_the_fix() -> None:
    # [aws/aws-cdk#22951]: the https:// form "is not a valid RoleMapping ProviderName or is not a configured provider"
    doc = pool_doc(rules=[rule("sub", "Equals", "x", role("A"))])
    doc["RoleMappings"] = {f"https://{KEY}": doc["RoleMappings"][KEY]}
    err = load_error(doc)
    assert "is not a valid RoleMapping ProviderName or is not a configured provider" in err.message
    assert err.hint is not None
    assert KEY in err.hint


def test_a_user_pool_key_without_client_id_is_rejected() -> None:
    # [aws/aws-cdk#19222]: a key without the :clientId part is rejected
    doc = pool_doc(rules=[rule("sub", "Equals", "x", role("A"))])
    doc["RoleMappings"] = {USER_POOL: doc["RoleMappings"][KEY]}
    err = load_error(doc)
    assert err.hint is not None
    assert f"{USER_POOL}:{CLIENT}" in err.hint


def test_a_key_naming_an_unconfigured_client_is_rejected() -> None:
    # [aws/aws-cdk#7670]: the same error when the pool/client pair is not a configured provider
    doc = pool_doc(rules=[rule("sub", "Equals", "x", role("A"))])
    doc["RoleMappings"] = {f"{USER_POOL}:otherclient": doc["RoleMappings"][KEY]}
    assert "not a configured provider" in load_error(doc).message


def test_ambiguous_role_resolution_is_required() -> None:
    # [M] "If you specify Token or Rules as the Type, AmbiguousRoleResolution is required."
    doc = pool_doc(rules=[rule("sub", "Equals", "x", role("A"))])
    del doc["RoleMappings"][KEY]["AmbiguousRoleResolution"]
    err = load_error(doc)
    assert err.path == ("RoleMappings", KEY)
    assert "AmbiguousRoleResolution" in err.message


def test_rules_type_requires_rules_configuration() -> None:
    # [M] RulesConfiguration is "required if Type is Rules"
    doc = pool_doc(rules=[rule("sub", "Equals", "x", role("A"))])
    del doc["RoleMappings"][KEY]["RulesConfiguration"]
    assert "RulesConfiguration" in load_error(doc).message


def test_more_than_25_rules_is_an_error_unless_the_model_limit_is_assumed() -> None:
    # [RBAC]/[LIM] 25 rules per provider; the service model allows 400 (§10.5, rule-limit)
    many = [rule("sub", "Equals", str(i), role("A")) for i in range(26)]
    err = load_error(pool_doc(rules=many))
    assert "25" in err.message
    loaded = pool_from_dict(pool_doc(rules=many, Assumptions={"rule-limit": "400"}))
    assert len(loaded.role_mappings[0].rules) == 26
    assert loaded.warnings


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("Claim", "x" * 65, "length 65 is outside 1-64"),  # [M] ClaimName 1-64
        ("Claim", "has space", "not a claim name"),  # [M] ClaimName pattern: no whitespace
        ("Value", "v" * 129, "length 129 is outside 1-128"),  # [M] ClaimValue 1-128
        ("RoleARN", "arn:aws:s3:::bucket/thing", "not an IAM role ARN"),
    ],
)
def test_rule_field_limits(field: str, value: str, problem: str) -> None:
    r = rule("sub", "Equals", "x", role("A"))
    r[field] = value
    err = load_error(pool_doc(rules=[r]))
    assert err.path[-1] == field
    assert problem in err.message


def test_at_most_ten_role_mappings() -> None:
    # [M] RoleMappingMap max 10, [LIM] not adjustable
    providers = [{"ProviderName": USER_POOL, "ClientId": f"client{i}"} for i in range(11)]
    mapping = {"Type": "Token", "AmbiguousRoleResolution": "Deny"}
    doc = pool_doc(
        CognitoIdentityProviders=providers,
        RoleMappings={f"{USER_POOL}:client{i}": mapping for i in range(11)},
    )
    assert "at most 10" in load_error(doc).message


def test_only_authenticated_and_unauthenticated_roles() -> None:
    # [M] RolesMap: "Currently only authenticated and unauthenticated roles are supported."
    err = load_error(pool_doc(roles={"admin": role("A")}))
    assert err.path == ("Roles", "admin")


def test_a_tag_map_names_the_user_pool_without_the_client_id() -> None:
    # §6.1 [TF]: principal-tag maps name the user pool as cognito-idp.<region>.amazonaws.com/<poolId>
    doc = pool_doc(
        PrincipalTagAttributeMaps=[{"IdentityProviderName": KEY, "PrincipalTags": {"a": "sub"}}]
    )
    err = load_error(doc)
    assert "without the app client id" in err.message
    assert err.hint is not None
    assert USER_POOL in err.hint


def test_tag_keys_must_be_valid_sts_tag_keys() -> None:
    # [IAM-TAG] the aws: prefix is reserved; [M-STS] tag key character set
    doc = pool_doc(tags={"aws:dept": "custom:dept"})
    assert "aws:" in load_error(doc).message


def test_unknown_top_level_keys_are_errors_with_a_suggestion() -> None:
    err = load_error(pool_doc(rolemappings={}))
    assert err.path == ("rolemappings",)
    assert err.hint == "did you mean 'RoleMappings'?"


def test_duplicate_keys_are_errors(tmp_path: Path) -> None:
    text = "IdentityPoolId: us-east-1:1111\nIdentityPoolId: us-east-1:2222\n"
    with pytest.raises(ConfigError) as info:
        load_pool(write(tmp_path, text))
    assert info.value.line == 2


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_pool(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="empty"):
        load_pool(write(tmp_path, ""))


def test_cloudformation_identity_provider_field_makes_the_key_a_label() -> None:
    # [CFN-RM] "If the IdentityProvider field isn't provided ..., the string [map key] is used"
    mapping = {"IdentityProvider": KEY, "Type": "Token", "AmbiguousRoleResolution": "Deny"}
    p = pool_from_dict(pool_doc(RoleMappings={"userpool": mapping}))
    assert p.role_mappings[0].key == "userpool"
    assert p.role_mappings[0].provider.client_id == CLIENT
