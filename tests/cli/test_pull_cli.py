"""`rolesim pull` on the moto test bed: the pulled pool file loads back to the same pool."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.model import load_pool, pool_from_dict
from simulator.model.document import read_file
from tests.conftest import run_cli
from tests.testbed.fixtures import bed, testbed, testbed_server
from tests.testbed.scenarios import build
from tests.testbed.server import Testbed

__all__ = ["bed", "testbed", "testbed_server"]


def _same_configuration(pulled: Path, expected: dict) -> None:  # type: ignore[type-arg]
    got, want = load_pool(pulled), pool_from_dict(expected)
    assert got.identity_pool_id == want.identity_pool_id
    assert got.allow_unauthenticated == want.allow_unauthenticated
    assert got.allow_classic_flow == want.allow_classic_flow
    assert got.cognito_providers == want.cognito_providers
    assert dict(got.roles) == dict(want.roles)
    assert got.role_mappings == want.role_mappings
    assert got.tag_maps == want.tag_maps


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_pull_writes_a_pool_file_that_loads_back_unchanged(
    bed: Testbed, tmp_path: Path, fmt: str
) -> None:
    s = build(bed, mapping_type="Rules", tag_map={"department": "custom:department"})
    out = tmp_path / f"pool.{fmt}"
    result = run_cli(
        ["pull", "--identity-pool-id", s.pool_id, "--endpoint-url", bed.endpoint_url,
         "--format", fmt, "--output", out]
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert result.stdout == ""
    _same_configuration(out, s.document)
    # Written and re-read, the document is the same data (no lossy YAML round trip).
    written = json.loads(out.read_text()) if fmt == "json" else read_file(out).data
    assert json.loads(json.dumps(written)) == {
        "IdentityPoolId": s.pool_id,
        "AccountId": bed.account_id,
        "IdentityPoolName": written["IdentityPoolName"],
        "AllowUnauthenticatedIdentities": False,
        "AllowClassicFlow": False,
        "CognitoIdentityProviders": s.document["CognitoIdentityProviders"],
        "IdentityPoolTags": {},
        "Roles": s.document["Roles"],
        "RoleMappings": s.document["RoleMappings"],
        "PrincipalTagAttributeMaps": s.document["PrincipalTagAttributeMaps"],
    }


def test_pull_with_iam_brings_the_referenced_roles(bed: Testbed, tmp_path: Path) -> None:
    s = build(bed, mapping_type="Rules")
    out = tmp_path / "pool.yaml"
    result = run_cli(
        ["pull", "--identity-pool-id", s.pool_id, "--endpoint-url", bed.endpoint_url,
         "--with-iam", "--output", out]
    )  # fmt: skip
    assert result.code == 0, result.stderr
    document = read_file(out).data
    roles = {role["Arn"]: role for role in document["IamRoles"]}
    assert set(roles) == {s.roles["auth"], s.roles["admin"]}
    admin = roles[s.roles["admin"]]
    assert admin["Path"] == "/app/admins/"
    assert admin["RolePolicyList"][0]["PolicyName"] == "read"
    assert admin["RolePolicyList"][0]["PolicyDocument"]["Statement"][0]["Action"] == "s3:GetObject"
    assert len(admin["AttachedManagedPolicies"]) == 1
    boundary = admin["PermissionsBoundary"]["PermissionsBoundaryArn"]
    policies = {p["Arn"]: p for p in document["Policies"]}
    assert set(policies) == {admin["AttachedManagedPolicies"][0]["PolicyArn"], boundary}
    assert (
        policies[boundary]["PolicyVersionList"][0]["Document"]["Statement"][0]["Action"] == "s3:*"
    )
    auth = roles[s.roles["auth"]]
    assert auth["Tags"] == [{"Key": "team", "Value": "core"}]
    assert auth["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Federated": "cognito-identity.amazonaws.com"
    }
    pool = load_pool(out)
    assert pool.iam is not None
    assert pool.iam.role(s.roles["admin"]) is not None
    _same_configuration(out, s.document)


def test_pull_of_an_unknown_pool_is_an_aws_error(bed: Testbed) -> None:
    result = run_cli(
        ["pull", "--identity-pool-id", "us-east-1:00000000-0000-0000-0000-000000000000",
         "--endpoint-url", bed.endpoint_url]
    )  # fmt: skip
    assert result.code == 3
    assert "ResourceNotFoundException" in result.stderr
    assert "check the identity pool id" in result.stderr


def test_pull_with_iam_brings_each_oidc_providers_client_ids(bed: Testbed, tmp_path: Path) -> None:
    # Issue 10.4 [OIDC]: an OIDC token's azp/aud is checked against the IAM provider's
    # ClientIDList; pull fetches it (iam:GetOpenIDConnectProvider) so simulate can check too.
    iam, identity = bed.client("iam"), bed.client("cognito-identity")
    arn = iam.create_open_id_connect_provider(
        Url="https://login.example.com", ClientIDList=["web"], ThumbprintList=["a" * 40]
    )["OpenIDConnectProviderArn"]
    pool_id = identity.create_identity_pool(
        IdentityPoolName="oidcpool", AllowUnauthenticatedIdentities=False,
        OpenIdConnectProviderARNs=[arn],
    )["IdentityPoolId"]  # fmt: skip
    out = tmp_path / "pool.yaml"
    result = run_cli(["pull", "--identity-pool-id", pool_id, "--endpoint-url", bed.endpoint_url,
                      "--with-iam", "--output", out])  # fmt: skip
    assert result.code == 0, result.stderr
    (provider,) = read_file(out).data["OpenIdConnectProviders"]
    assert (provider["Arn"], list(provider["ClientIDList"])) == (arn, ["web"])
    pool = load_pool(out)
    assert pool.oidc_provider(arn) is not None
