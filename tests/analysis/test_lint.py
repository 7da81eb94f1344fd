"""The lint catalogue: one example per finding, each citing the AWS behaviour it relies on."""

from __future__ import annotations

import json
from typing import Any

import pytest

from simulator.analysis.findings import CATALOGUE, IgnoreEntry, Severity
from simulator.analysis.lint import lint_text
from tests.analysis.pools import CLIENT, KEY, PROVIDER, pool_dict, role, rule

TRUST_OK = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
        "Condition": {
            "StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:11111111-2222-3333-4444-555555555555"},
            "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
        },
    }],
}  # fmt: skip


def _lint(data: dict[str, Any], **kwargs: Any) -> list[tuple[str, str]]:
    report = lint_text(json.dumps(data), "pool.json", **kwargs)
    return [(f.id, f.path_text) for f in report.findings]


def _ids(data: dict[str, Any]) -> set[str]:
    return {i for i, _ in _lint(data)}


def _iam_role(name: str, trust: dict[str, Any], actions: list[str] | None = None) -> dict[str, Any]:
    policies = (
        []
        if actions is None
        else [
            {
                "PolicyName": "p",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
                },
            }
        ]
    )
    return {"RoleName": name, "Arn": role(name), "AssumeRolePolicyDocument": trust,
            "RolePolicyList": policies}  # fmt: skip


def test_catalogue_ids_are_stable_and_documented() -> None:
    assert list(CATALOGUE) == [f"RS{n}" for n in (*range(100, 121), *range(130, 135))]
    for check in CATALOGUE.values():
        assert check.doc.startswith("https://docs.aws.amazon.com/")
        assert check.title
        assert check.description


@pytest.mark.parametrize(
    ("key", "finding"),
    [
        # [aws/aws-cdk#22951] an https:// key is "not a valid RoleMapping ProviderName".
        (f"https://{KEY}", "RS101"),
        # [aws/aws-cdk#19222] a user pool key without :clientId is rejected.
        (PROVIDER, "RS102"),
        # [aws/aws-cdk#7670] a provider the pool is not configured for.
        ("accounts.google.com", "RS103"),
    ],
)
def test_malformed_mapping_keys_are_findings_not_crashes(key: str, finding: str) -> None:
    data = pool_dict()
    data["RoleMappings"] = {key: {"Type": "Token", "AmbiguousRoleResolution": "Deny"}}
    found = _lint(data)
    assert (finding, f'RoleMappings["{key}"]') in found


def test_more_than_25_rules() -> None:
    # [RBAC], [LIM]: 25 rules per provider, not adjustable; the rest of the file is still linted.
    rules = [rule("custom:dept", "Equals", f"d{i}", "A") for i in range(26)]
    assert "RS104" in _ids(pool_dict(rules))


def test_unreachable_shadowed_and_notequal_rules() -> None:
    # [RBAC] first match wins; NotEqual matches every token that carries another value.
    found = _lint(pool_dict([
        rule("cognito:groups", "Contains", "adm", "A"),
        rule("cognito:groups", "Contains", "admins", "B"),
        rule("aud", "Equals", "other", "C"),
        rule("custom:tenant", "NotEqual", "blocked", "C"),
    ]))  # fmt: skip
    rules = f'RoleMappings["{KEY}"].RulesConfiguration.Rules'
    assert ("RS106", f"{rules}[1]") in found
    assert ("RS105", f"{rules}[2]") in found
    assert ("RS107", f"{rules}[3]") in found


def test_ambiguous_resolution_to_default_role() -> None:
    # [RBAC] AmbiguousRoleResolution AuthenticatedRole: no matching rule -> default role.
    data = pool_dict([rule("custom:dept", "Equals", "eng", "A")])
    data["RoleMappings"][KEY]["AmbiguousRoleResolution"] = "AuthenticatedRole"
    assert ("RS108", f'RoleMappings["{KEY}"].AmbiguousRoleResolution') in _lint(data)


def test_token_mapping_on_a_provider_without_role_claims() -> None:
    # [RBAC] Token type reads cognito:roles / cognito:preferred_role from Cognito tokens only.
    data = pool_dict(None, SupportedLoginProviders={"accounts.google.com": "app"})
    data["RoleMappings"] = {
        "accounts.google.com": {"Type": "Token", "AmbiguousRoleResolution": "Deny"}
    }
    assert "RS109" in _ids(data)


def test_claim_a_provider_never_sends() -> None:
    # [RBAC] Facebook tokens offer only iss, aud and sub to rules.
    data = pool_dict(None, SupportedLoginProviders={"graph.facebook.com": "123"})
    data["RoleMappings"] = {"graph.facebook.com": {"Type": "Rules", "AmbiguousRoleResolution": "Deny",
                            "RulesConfiguration": {"Rules": [rule("email", "Equals", "a@b.c", "A")]}}}  # fmt: skip
    assert "RS110" in _ids(data)


def test_tag_map_written_backwards() -> None:
    # [CFN-PT] PrincipalTags maps tag key -> claim name.
    data = pool_dict(None, PrincipalTagAttributeMaps=[{
        "IdentityProviderName": PROVIDER, "PrincipalTags": {"custom:department": "department"}}])  # fmt: skip
    assert "RS111" in _ids(data)


def test_trust_policy_findings() -> None:
    # [IAM-ST] tags need sts:TagSession; [RTP] aud and amr conditions.
    no_tag = json.loads(json.dumps(TRUST_OK))
    no_tag["Statement"][0]["Action"] = "sts:AssumeRoleWithWebIdentity"
    loose = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
             "Principal": {"Federated": "cognito-identity.amazonaws.com"},
             "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]}]}  # fmt: skip
    data = pool_dict(
        None,
        PrincipalTagAttributeMaps=[
            {"IdentityProviderName": PROVIDER, "PrincipalTags": {"dept": "custom:dept"}}
        ],
        IamRoles=[_iam_role("Auth", no_tag), _iam_role("Guest", loose)],
        Roles={"authenticated": role("Auth"), "unauthenticated": role("Other")},
    )
    data["IamRoles"].append(_iam_role("Other", loose))
    data["Roles"] = {"authenticated": role("Loose"), "unauthenticated": role("Guest")}
    data["IamRoles"].append(_iam_role("Loose", loose))
    ids = _ids(data)
    assert "RS113" in ids
    # Guests reach a role other than theirs only through the basic flow [AF]: with it off, the
    # loose amr condition is no path; with it on (and no mappings), RS114 names the path.
    assert "RS114" not in ids
    data["AllowClassicFlow"] = True
    report = lint_text(json.dumps(data), "pool.json")
    reached = [f.message for f in report.findings if f.id == "RS114"]
    assert reached
    assert all("basic flow" in m for m in reached)
    data["AllowClassicFlow"] = False
    data["Roles"] = {"authenticated": role("Auth"), "unauthenticated": role("Guest")}
    assert "RS112" in _ids(data)


def test_classic_flow_with_trusting_roles_and_broad_guest_role() -> None:
    # [AF] the basic flow lets clients assume any role that trusts the pool; [IAMR] guest roles.
    guest_trust = json.loads(json.dumps(TRUST_OK))
    guest_trust["Statement"][0]["Condition"]["ForAnyValue:StringLike"][
        "cognito-identity.amazonaws.com:amr"] = "unauthenticated"  # fmt: skip
    data = pool_dict(None, AllowClassicFlow=True,
                     IamRoles=[_iam_role("Auth", TRUST_OK), _iam_role("Guest", guest_trust, ["s3:*"])])  # fmt: skip
    ids = _ids(data)
    assert {"RS115", "RS116"} <= ids


def test_user_writable_attribute_feeds_a_rule() -> None:
    # [RBAC] "only map claims that the end user cannot modify".
    data = pool_dict([rule("custom:dept", "Equals", "eng", "A")], UserPools=[{
        "ProviderName": PROVIDER,
        "Clients": [{"ClientId": CLIENT, "WriteAttributes": ["custom:dept", "email"]}],
        "SchemaAttributes": [{"Name": "custom:dept", "Mutable": True}],
    }])  # fmt: skip
    assert ("RS117", f'RoleMappings["{KEY}"].RulesConfiguration.Rules[0].Claim') in _lint(data)


def test_malformed_file_is_one_finding_with_a_line() -> None:
    report = lint_text("IdentityPoolId: us-east-1:1\nBogus: 1\n", "pool.yaml")
    (finding,) = report.findings
    assert finding.id == "RS100"
    assert finding.line == 2


def test_min_severity_and_justified_ignores() -> None:
    data = pool_dict([rule("custom:tenant", "NotEqual", "blocked", "C")])
    text = json.dumps(data)
    assert {f.id for f in lint_text(text, min_severity=Severity.ERROR).findings} == set()
    ignore = IgnoreEntry("RS107", "RoleMappings*", "tenants are closed; reviewed")
    report = lint_text(text, ignores=[ignore])
    assert "RS107" not in {f.id for f in report.findings}
    assert [f.suppressed for f in report.suppressed if f.id == "RS107"] == [
        "tenants are closed; reviewed"
    ]


def test_sampled_analysis_and_assumption_dependence_are_reported() -> None:
    # cognito:groups is an array [IDTOK]; whether Equals tests elements or the JSON text is a
    # named assumption (array-claim-match), so some tokens' outcome depends on it.
    text = json.dumps(pool_dict([rule("cognito:groups", "Equals", "admins", "A")]))
    assert "RS119" in {f.id for f in lint_text(text).findings}
    assert "RS118" in {f.id for f in lint_text(text, budget=1).findings}


def test_loader_errors_become_findings_by_their_code_not_their_wording() -> None:
    # Lint maps a ConfigError's stable code to a finding id; the message may be reworded freely.
    from simulator.analysis.lint import _classify
    from simulator.errors import ConfigError
    from simulator.model.document import Document

    data = {"RoleMappings": {"k": {}}}
    err = ConfigError("reworded entirely", path=("RoleMappings", "k"), code="mapping-key-scheme")
    finding, retry = _classify(err, Document(data, "p.yaml"), data, [])
    assert (finding.id, retry) == ("RS101", True)
    assert "k" not in data["RoleMappings"]


def test_a_finding_with_an_id_outside_the_catalogue_is_refused() -> None:
    import pytest

    from simulator.analysis.findings import Finding

    with pytest.raises(ValueError, match="not in the catalogue"):
        Finding("RS999", (), "x")


def test_a_contains_rule_on_groups_names_the_known_groups_it_also_matches() -> None:
    # Issue 10.7 [RBAC]: Contains is a substring test; the known groups (UserPools) it also
    # matches are named, and Equals is suggested.
    data = pool_dict(
        [rule("cognito:groups", "Contains", "field-admins", "Admin")],
        UserPools=[{"ProviderName": PROVIDER, "Groups": [
            {"GroupName": "field-admins"}, {"GroupName": "field-admins-readonly"}]}],
    )  # fmt: skip
    report = lint_text(json.dumps(data), "pool.json")
    (finding,) = [f for f in report.findings if f.id == "RS120"]
    assert "field-admins-readonly" in finding.message
    assert "use Equals" in finding.message
    exact = pool_dict([rule("cognito:groups", "Equals", "field-admins", "Admin")])
    assert "RS120" not in _ids(exact)
