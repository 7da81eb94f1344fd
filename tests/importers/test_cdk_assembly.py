"""A CDK cloud assembly (`cdk.out`) as a pool source: the stack that defines the identity pool.

Source: @aws-cdk/cloud-assembly-schema (manifest.json: artifacts of type aws:cloudformation:stack
with properties.templateFile and properties.parameters, an environment aws://ACCOUNT/REGION with
unknown-account / unknown-region, nested assemblies of type cdk:cloud-assembly with
properties.directoryName).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import ConfigError
from simulator.importers.source import ImportOptions, import_source
from tests.conftest import ROOT, run_cli

TEMPLATE = (ROOT / "examples/iac/cdk/PhotoStack.template.json").read_text()
OTHER = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})


def stack(
    template: str, environment: str = "aws://unknown-account/unknown-region", **properties: Any
) -> dict[str, Any]:
    return {
        "type": "aws:cloudformation:stack",
        "environment": environment,
        "properties": {"templateFile": template, **properties},
    }


def assembly(folder: Path, artifacts: dict[str, Any], files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": artifacts}))
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def data(path: Path, **parameters: str) -> dict[str, Any]:
    return import_source(path, ImportOptions(parameters)).checked().data  # type: ignore[no-any-return]


def test_the_stack_with_the_pool_is_read_in_its_environment(tmp_path: Path) -> None:
    cdk_out = assembly(
        tmp_path / "cdk.out",
        {
            "Queues": stack("Queues.template.json"),
            "PhotoStack": stack("PhotoStack.template.json", "aws://111122223333/eu-west-1"),
            "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
        },
        {"Queues.template.json": OTHER, "PhotoStack.template.json": TEMPLATE},
    )
    read = data(cdk_out)
    assert read["AccountId"] == "111122223333"
    assert read["IdentityPoolId"].startswith("eu-west-1:")
    assert data(cdk_out, **{"AWS::Region": "ap-south-1"})["IdentityPoolId"].startswith(
        "ap-south-1:"
    )
    notes = import_source(cdk_out).notes
    assert any("stack PhotoStack of the cloud assembly" in n for n in notes)


def test_an_environment_left_open_takes_the_defaults(tmp_path: Path) -> None:
    cdk_out = assembly(
        tmp_path,
        {"PhotoStack": stack("PhotoStack.template.json")},
        {"PhotoStack.template.json": TEMPLATE},
    )
    read = data(cdk_out)
    assert read["AccountId"] == "123456789012"
    assert read["IdentityPoolId"].startswith("us-east-1:")


def test_a_stage_is_a_nested_assembly(tmp_path: Path) -> None:
    assembly(
        tmp_path / "assembly-Prod",
        {"Prod-PhotoStack": stack("ProdPhotoStack.template.json", "aws://444455556666/us-west-2")},
        {"ProdPhotoStack.template.json": TEMPLATE},
    )
    cdk_out = assembly(
        tmp_path,
        {
            "assembly-Prod": {
                "type": "cdk:cloud-assembly",
                "properties": {"directoryName": "assembly-Prod"},
            }
        },
        {},
    )
    assert data(cdk_out)["AccountId"] == "444455556666"


def test_two_stacks_with_pools_name_both_and_the_way_out(tmp_path: Path) -> None:
    cdk_out = assembly(
        tmp_path,
        {"A": stack("A.template.json"), "B": stack("B.template.json")},
        {"A.template.json": TEMPLATE, "B.template.json": TEMPLATE},
    )
    result = run_cli(["simulate", "-c", cdk_out, "--unauthenticated"])
    assert result.code == 2
    assert "2 stacks define an identity pool: A (" in result.stderr
    assert "--config " in result.stderr


def test_no_stack_with_a_pool_is_an_error_listing_the_stacks(tmp_path: Path) -> None:
    cdk_out = assembly(
        tmp_path, {"Queues": stack("Queues.template.json")}, {"Queues.template.json": OTHER}
    )
    with pytest.raises(
        ConfigError,
        match=r"no stack of the cloud assembly defines an identity pool .*stacks: Queues",
    ):
        data(cdk_out)


def test_a_template_outside_the_assembly_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "secret.json").write_text(TEMPLATE)
    cdk_out = assembly(tmp_path / "cdk.out", {"S": stack("../secret.json")}, {})
    with pytest.raises(ConfigError, match="outside the cloud assembly's folder"):
        data(cdk_out)


def test_stack_parameters_are_values_given_to_the_template(tmp_path: Path) -> None:
    template = json.loads(TEMPLATE)
    template["Parameters"] = {"PoolName": {"Type": "String"}}
    pool = next(
        r for r in template["Resources"].values() if r["Type"] == "AWS::Cognito::IdentityPool"
    )
    pool["Properties"]["IdentityPoolName"] = {"Ref": "PoolName"}
    cdk_out = assembly(
        tmp_path,
        {"S": stack("S.template.json", parameters={"PoolName": "from-manifest"})},
        {"S.template.json": json.dumps(template)},
    )
    assert data(cdk_out)["IdentityPoolName"] == "from-manifest"
    assert data(cdk_out, PoolName="given")["IdentityPoolName"] == "given"


def test_diff_compares_two_assemblies(tmp_path: Path) -> None:
    old = assembly(tmp_path / "old", {"S": stack("S.template.json")}, {"S.template.json": TEMPLATE})
    changed = TEMPLATE.replace(
        '"AmbiguousRoleResolution": "AuthenticatedRole"', '"AmbiguousRoleResolution": "Deny"'
    )
    assert changed != TEMPLATE
    new = assembly(tmp_path / "new", {"S": stack("S.template.json")}, {"S.template.json": changed})
    assert run_cli(["diff", old, old]).code == 0
    assert run_cli(["diff", old, new]).code == 1


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 3), st.integers(0, 3), st.booleans())
def test_the_pool_stack_is_found_wherever_it_sits(before: int, after: int, staged: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        others = {f"Other{i}": stack(f"Other{i}.template.json") for i in range(before + after)}
        files = {f"Other{i}.template.json": OTHER for i in range(before + after)}
        names = list(others)
        pool_stack = {"Pool": stack("Pool.template.json", "aws://777788889999/eu-central-1")}
        if staged:
            assembly(root / "assembly-Stage", pool_stack, {"Pool.template.json": TEMPLATE})
            pool_stack = {
                "assembly-Stage": {
                    "type": "cdk:cloud-assembly",
                    "properties": {"directoryName": "assembly-Stage"},
                }
            }
        else:
            files["Pool.template.json"] = TEMPLATE
        artifacts = {
            **{n: others[n] for n in names[:before]},
            **pool_stack,
            **{n: others[n] for n in names[before:]},
        }
        cdk_out = assembly(root, artifacts, files)
        direct = data(
            root / ("assembly-Stage" if staged else ".") / "Pool.template.json",
            **{"AWS::AccountId": "777788889999", "AWS::Region": "eu-central-1"},
        )
        assert json.dumps(data(cdk_out), sort_keys=True, default=str) == json.dumps(
            direct, sort_keys=True, default=str
        )


_NAMES = st.sampled_from(["T.template.json", "../x.json", ".", "sub", "", "missing.json", 3, None])
_ARTIFACTS = st.fixed_dictionaries({
    "type": st.sampled_from(["aws:cloudformation:stack", "cdk:cloud-assembly", "cdk:tree", 1]),
    "properties": st.one_of(st.none(), st.fixed_dictionaries({
        "templateFile": _NAMES, "directoryName": _NAMES,
        "parameters": st.one_of(st.none(), st.dictionaries(st.text(max_size=3), st.one_of(st.text(max_size=3), st.integers()), max_size=2)),
    })),
    "environment": st.one_of(st.none(), st.sampled_from(["aws://1/2", "aws:///", "x"])),
})  # fmt: skip
_MANIFESTS = st.one_of(
    st.fixed_dictionaries(
        {"artifacts": st.dictionaries(st.text(max_size=4), _ARTIFACTS, max_size=3)}
    ),
    st.just([]),
    st.just({"artifacts": 1}),
)


@settings(max_examples=100, deadline=None)
@given(_MANIFESTS, _MANIFESTS)
def test_any_manifest_imports_or_fails_with_a_config_error_naming_a_file(
    manifest: Any, nested: Any
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cdk.out"
        assembly(root / "sub", {}, {"T.template.json": TEMPLATE})
        (root / "sub" / "manifest.json").write_text(json.dumps(nested))
        (root / "manifest.json").write_text(json.dumps(manifest))
        (root / "T.template.json").write_text(TEMPLATE)
        try:
            import_source(root).checked()
        except ConfigError as err:
            assert err.file
