"""Serverless `${file(...)}`: files the service's serverless.yml reads, as the framework reads them.

Source: https://www.serverless.com/framework/docs/providers/aws/guide/variables ("Reference
Properties In Other Files": a path relative to the service, `:address` into the file, YAML or JSON,
fallbacks with `,`) and the framework's file source (lib/configuration/variables/sources/file.js:
the path resolved against the service's folder, a missing file null, YAML read with CloudFormation's
tags, .js run). rolesim reads YAML and JSON only, and only under the folder of serverless.yml.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import ConfigError
from simulator.importers.source import Imported, ImportOptions, import_source
from simulator.importers.values import Unresolved
from simulator.model import pool_from_document
from tests.conftest import run_cli
from tests.importers.templates import decide

SERVICE = """\
service: photos
provider:
  name: aws
  region: eu-west-1
  stage: ${opt:stage, 'dev'}
custom:
  settings: ${file(./config/${sls:stage}.json)}
resources:
  - ${file(./resources/cognito.yml)}
  - ${file(./resources/roles.yml)}
"""
COGNITO = """\
Resources:
  UserPool: {Type: AWS::Cognito::UserPool}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties: {UserPoolId: !Ref UserPool}
  IdentityPool:
    Type: AWS::Cognito::IdentityPool
    Properties:
      IdentityPoolName: ${self:service}-${sls:stage}
      AllowUnauthenticatedIdentities: false
      AllowClassicFlow: false
      CognitoIdentityProviders:
        - ProviderName: !GetAtt UserPool.ProviderName
          ClientId: !Ref Client
  Attach:
    Type: AWS::Cognito::IdentityPoolRoleAttachment
    Properties:
      IdentityPoolId: !Ref IdentityPool
      Roles:
        authenticated: !GetAtt UserRole.Arn
      RoleMappings:
        users:
          IdentityProvider: !Sub cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}:${Client}
          Type: Rules
          AmbiguousRoleResolution: AuthenticatedRole
          RulesConfiguration:
            Rules:
              - Claim: cognito:groups
                MatchType: Contains
                Value: ${self:custom.settings.adminGroup}
                RoleARN: !GetAtt AdminRole.Arn
"""
TRUST = """\
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Federated: cognito-identity.amazonaws.com}
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals: {"cognito-identity.amazonaws.com:aud": !Ref IdentityPool}
              ForAnyValue:StringLike: {"cognito-identity.amazonaws.com:amr": authenticated}
"""
ROLES = f"""\
Resources:
  UserRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: photos-user-${{self:custom.settings.suffix}}
{TRUST}  AdminRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: photos-admin-${{self:custom.settings.suffix}}
{TRUST}"""
SETTINGS = {
    "dev": {"adminGroup": "admins", "suffix": "dev"},
    "prod": {"adminGroup": "ops", "suffix": "prod"},
}
TOKEN = {"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_UserPool", "aud": "Client"}


def arn(name: str) -> str:
    return f"arn:aws:iam::123456789012:role/{name}"


def service(folder: Path, files: dict[str, str] | None = None) -> Path:
    """A service folder: serverless.yml and the files it includes (defaults above)."""
    written = {
        "serverless.yml": SERVICE,
        "resources/cognito.yml": COGNITO,
        "resources/roles.yml": ROLES,
        **{f"config/{stage}.json": json.dumps(s) for stage, s in SETTINGS.items()},
        **(files or {}),
    }
    for name, text in written.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder / "serverless.yml"


def read(path: Path, **parameters: str) -> Imported:
    return import_source(path, ImportOptions(parameters))


def role_for(path: Path, groups: list[str], **parameters: str) -> str | None:
    pool = pool_from_document(read(path, **parameters).checked())
    return decide(pool, {**TOKEN, "cognito:groups": groups}).role_arn


def test_resources_and_settings_come_from_the_files_serverless_yml_names(tmp_path: Path) -> None:
    path = service(tmp_path)
    assert role_for(path, ["admins"]) == arn("photos-admin-dev")
    assert role_for(path, ["readers"]) == arn("photos-user-dev")
    notes = read(path).notes
    assert any("resources/cognito.yml" in n for n in notes)
    assert any("config/dev.json" in n for n in notes)


def test_a_file_named_by_a_variable_follows_the_stage(tmp_path: Path) -> None:
    path = service(tmp_path)
    assert role_for(path, ["ops"], stage="prod") == arn("photos-admin-prod")
    assert role_for(path, ["admins"], stage="prod") == arn("photos-user-prod")


def test_values_read_from_a_file_point_at_that_file_and_its_line(tmp_path: Path) -> None:
    document = read(service(tmp_path)).checked()
    origin = document.where(("RoleMappings", "users", "RulesConfiguration", "Rules", 0, "Value"))
    assert origin is not None
    assert origin.file.endswith(os.path.join("resources", "cognito.yml"))
    assert (
        origin.line
        == COGNITO.splitlines().index("                Value: ${self:custom.settings.adminGroup}")
        + 1
    )
    assert origin.native_path == (
        "Resources.Attach.Properties.RoleMappings.users.RulesConfiguration.Rules[0].Value"
    )


def test_lint_findings_in_an_included_file_name_it(tmp_path: Path) -> None:
    path = service(
        tmp_path, {"resources/cognito.yml": COGNITO.replace("      AllowClassicFlow: false\n", "")}
    )
    result = run_cli(["lint", path, "--format", "json"])
    findings = json.loads(result.stdout)["findings"]
    classic = next(f for f in findings if f["id"] == "RS133")
    assert classic["file"].endswith(os.path.join("resources", "cognito.yml"))
    assert classic["line"] == 6  # the IdentityPool resource, which leaves the flag out


def test_an_address_into_a_file_and_a_fallback_for_a_missing_one(tmp_path: Path) -> None:
    text = SERVICE.replace(
        "  settings: ${file(./config/${sls:stage}.json)}",
        "  settings:\n    adminGroup: ${file(./config/groups.yml):admin.name}\n"
        "    suffix: ${file(./config/missing.yml):suffix, 'fallback'}",
    )
    path = service(tmp_path, {"serverless.yml": text, "config/groups.yml": "admin: {name: root}\n"})
    assert role_for(path, ["root"]) == arn("photos-admin-fallback")


def test_a_resources_file_that_is_missing_is_an_error_naming_it(tmp_path: Path) -> None:
    # Read without it, the pool could lack a mapping or a role and decide otherwise.
    path = service(tmp_path, {"serverless.yml": SERVICE.replace("roles.yml", "gone.yml")})
    with pytest.raises(
        ConfigError,
        match=r"resources include \$\{file\(./resources/gone\.yml\)\} has no value \(no such file",
    ) as err:
        read(path)
    assert err.value.line == 10
    assert err.value.native_path == "resources[1]"


def test_a_missing_value_a_decision_needs_is_an_error_naming_the_file(tmp_path: Path) -> None:
    text = SERVICE.replace("${sls:stage}.json)}", "${sls:stage}.json):adminGroup}")
    path = service(tmp_path, {"serverless.yml": text})
    with pytest.raises(ConfigError, match=r"\$\{self:custom.settings.suffix\}|has no value"):
        role_for(path, ["admins"])


def test_a_file_outside_the_service_folder_is_never_read(tmp_path: Path) -> None:
    (tmp_path / "secret.yml").write_text("adminGroup: hunter2-do-not-print\nsuffix: x\n")
    folder = tmp_path / "svc"
    folder.mkdir()
    (folder / "config").mkdir()
    (folder / "config" / "link.yml").symlink_to(tmp_path / "secret.yml")
    for reference in ("../secret.yml", "./config/link.yml", str(tmp_path / "secret.yml")):
        text = SERVICE.replace("./config/${sls:stage}.json", reference)
        path = service(folder, {"serverless.yml": text})
        with pytest.raises(ConfigError, match=r"outside the folder of serverless\.yml") as err:
            read(path)
        assert "hunter2" not in str(err.value)
        result = run_cli(
            ["simulate", "-c", path, "--claims", "-"],
            stdin=json.dumps({**TOKEN, "cognito:groups": ["admins"]}),
        )
        assert result.code == 2
        assert "outside the folder of serverless.yml" in result.stderr
        assert "hunter2" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("settings.js", "JavaScript"),
        ("settings.txt", "only .yml, .yaml and .json"),
        ("s.tfstate", "only .yml"),
        ("S.YML", "only .yml"),  # the framework reads it as text: its extension is not .yml
    ],
)
def test_files_the_framework_runs_or_reads_as_text_are_unresolved(
    tmp_path: Path, name: str, why: str
) -> None:
    text = SERVICE.replace("./config/${sls:stage}.json", f"./{name}")
    path = service(tmp_path, {"serverless.yml": text, name: "module.exports = {}"})
    with pytest.raises(ConfigError, match=why):
        role_for(path, ["admins"])


def test_files_that_include_each_other_are_refused(tmp_path: Path) -> None:
    files = {
        "serverless.yml": SERVICE.replace("./config/${sls:stage}.json", "./a.yml"),
        "a.yml": "adminGroup: ${file(./b.yml):x}\nsuffix: s\n",
        "b.yml": "x: ${file(./a.yml):adminGroup}\n",
    }
    with pytest.raises(
        ConfigError,
        match=r"files include each other: .*b\.yml:x -> .*a\.yml:adminGroup -> .*b\.yml:x",
    ):
        role_for(service(tmp_path, files), ["admins"])


def test_a_file_may_refer_to_itself_at_another_address(tmp_path: Path) -> None:
    files = {
        "serverless.yml": SERVICE.replace("./config/${sls:stage}.json", "./a.yml"),
        "a.yml": "adminGroup: ${file(./a.yml):names.admin}\nsuffix: s\nnames: {admin: root}\n",
    }
    assert role_for(service(tmp_path, files), ["root"]) == arn("photos-admin-s")


def test_an_error_inside_an_included_file_names_that_file_and_line(tmp_path: Path) -> None:
    bad = COGNITO.replace("      AllowClassicFlow: false\n", "      AllowClassicFlow: [false\n")
    path = service(tmp_path, {"resources/cognito.yml": bad})
    result = run_cli(["simulate", "-c", path, "--claims", "-"], stdin=json.dumps(TOKEN))
    assert result.code == 2
    assert os.path.join("resources", "cognito.yml") in result.stderr
    assert "Traceback" not in result.stderr


def test_a_self_reference_in_an_included_file_reads_serverless_yml(tmp_path: Path) -> None:
    data = read(service(tmp_path)).checked().data
    assert data["IdentityPoolName"] == "photos-dev"


def test_a_folder_named_like_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "config" / "dir.json").mkdir(parents=True)
    path = service(tmp_path, {"serverless.yml": SERVICE.replace("${sls:stage}.json", "dir.json")})
    with pytest.raises(ConfigError, match="not a regular file"):
        read(path)


@pytest.mark.parametrize("reference", ["${file(./loop.yml)}", '"${file(./nul\\0.yml)}"'])
def test_a_path_no_file_can_have_is_a_clean_error(tmp_path: Path, reference: str) -> None:
    (tmp_path / "loop.yml").symlink_to(tmp_path / "loop.yml")  # a link to itself
    text = SERVICE.replace("${file(./config/${sls:stage}.json)}", reference)
    with pytest.raises(ConfigError, match=r"names no file rolesim can read \("):
        read(service(tmp_path, {"serverless.yml": text}))


def test_a_file_larger_than_the_bound_is_refused(tmp_path: Path) -> None:
    big = "a: " + "x" * (1024 * 1024) + "\n"
    path = service(tmp_path, {"config/dev.json": big})
    with pytest.raises(ConfigError, match="larger than 1 MiB"):
        read(path)


def test_text_in_memory_reads_no_file(tmp_path: Path) -> None:
    from simulator.importers.source import import_text

    service(tmp_path)
    with pytest.raises(ConfigError, match="not read from a folder"):
        import_text(SERVICE, str(tmp_path / "serverless.yml"))


def test_a_serverless_file_from_standard_input_reads_no_file(tmp_path: Path) -> None:
    service(tmp_path)
    result = run_cli(["import", "-"], stdin=SERVICE)
    assert result.code == 2
    assert "not read from a folder" in result.stderr


def test_diff_says_when_both_versions_read_the_same_included_file(tmp_path: Path) -> None:
    # A base version copied beside the new one reads the new one's includes: a change there
    # would not show, and the diff says so.
    path = service(tmp_path)
    base = tmp_path / "base.yml"
    base.write_text(SERVICE)
    result = run_cli(["diff", base, path])
    assert result.code == 0
    assert "OLD and NEW both read" in result.stderr
    assert "roles.yml: the diff compares no versions of it" in result.stderr
    other = service(tmp_path / "checkout")
    assert "OLD and NEW both read" not in run_cli(["diff", other, path]).stderr


# --- property: a template split over included files is the template written inline -------------


def _resources() -> dict[str, str]:
    """Each resource of COGNITO and ROLES, as its own YAML text (two-space indent kept)."""
    out: dict[str, str] = {}
    for text in (COGNITO, ROLES):
        current = None
        for line in text.splitlines()[1:]:
            if line.startswith("  ") and not line.startswith("   "):
                current = line.strip().split(":")[0]
                out[current] = ""
            assert current is not None
            out[current] += line + "\n"
    return out


RESOURCES = _resources()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=len(RESOURCES), max_size=len(RESOURCES)))
def test_a_template_split_over_files_imports_as_written_inline(placement: list[int]) -> None:
    names = list(RESOURCES)
    with tempfile.TemporaryDirectory() as tmp:
        inline = Path(tmp) / "inline"
        inline.mkdir()
        groups: dict[int, list[str]] = {}
        for name, group in zip(names, placement, strict=True):
            groups.setdefault(group, []).append(name)
        # The framework merges the files in order: resources in the order the files give them.
        all_resources = "".join(RESOURCES[n] for members in groups.values() for n in members)
        whole = (
            SERVICE.split("resources:", maxsplit=1)[0]
            + "resources:\n  Resources:\n"
            + "".join("  " + line + "\n" for line in all_resources.splitlines())
        )
        (inline / "config").mkdir()
        (inline / "config" / "dev.json").write_text(json.dumps(SETTINGS["dev"]))
        (inline / "serverless.yml").write_text(whole)
        split = Path(tmp) / "split"
        split.mkdir()
        files = {
            f"resources/part{g}.yml": "Resources:\n" + "".join(RESOURCES[n] for n in members)
            for g, members in groups.items()
        }
        includes = "".join(f"  - ${{file(./{name})}}\n" for name in files)
        files["serverless.yml"] = (
            SERVICE.split("resources:", maxsplit=1)[0] + "resources:\n" + includes
        )
        expected = _plain(read(inline / "serverless.yml").checked().data)
        assert _plain(read(service(split, files)).checked().data) == expected


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Unresolved):
        return ("unresolved", value.construct)
    return value if isinstance(value, bool | int | float | type(None)) else str(value)


_KEYS = st.text("abcdefgh", min_size=1, max_size=4)
_LEAVES = st.one_of(
    st.text("xyz-_0123", min_size=1, max_size=6), st.integers(-99, 99), st.booleans()
)
_TREES = st.recursive(
    _LEAVES, lambda inner: st.dictionaries(_KEYS, inner, min_size=1, max_size=3), max_leaves=8
)


def _leaves(tree: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if isinstance(tree, dict):
        return [leaf for key, child in tree.items() for leaf in _leaves(child, (*path, key))]
    return [(path, tree)]


@settings(max_examples=50, deadline=None)
@given(_TREES, st.data(), st.booleans())
def test_an_address_reads_the_value_at_that_path_of_a_json_or_yaml_file(
    tree: Any, data: st.DataObject, as_yaml: bool
) -> None:
    from simulator.importers.cfn_decode import decode
    from simulator.importers.serverless import serverless_template

    path, leaf = data.draw(st.sampled_from(_leaves(tree)))
    name = "v.yml" if as_yaml else "v.json"
    address = f":{'.'.join(path)}" if path else ""
    text = f"service: s\nresources:\n  Resources:\n    R:\n      Properties:\n        Value: ${{file(./{name}){address}}}\n"
    with tempfile.TemporaryDirectory() as tmp:
        # JSON is YAML: the same text serves both readers.
        (Path(tmp) / name).write_text(json.dumps(tree))
        stack = serverless_template(decode(text, "serverless.yml"), {}, Path(tmp))
        got = stack.template.sections["Resources"].value()["R"]["Properties"]["Value"]
    assert got == leaf
    assert isinstance(got, str) if isinstance(leaf, str) else type(got) is type(leaf)
