"""Module calls that may change what the pool decides are refused, not skipped.

rolesim does not read the resources of child modules (IMPORT.md D5: their outputs are unknown). A
call handed the pool or a role could map roles or attach policies the answers would miss, so it
is exit 2 with the way out (a plan, which holds child modules' resources: D9); a call that can
reach neither stays a note.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import ConfigError
from tests.conftest import run_cli
from tests.importers.terraform_modules import read, write_module

ROOT = """
resource "aws_cognito_identity_pool" "main" { identity_pool_name = "pool" }
resource "aws_iam_role" "admin" {
  name               = "admin"
  assume_role_policy = "{}"
}
resource "aws_s3_bucket" "data" { bucket = "data" }
"""


def refused(folder: Path, text: str) -> str:
    with pytest.raises(ConfigError) as err:
        read(folder, ROOT + text)
    assert "terraform show -json" in (err.value.hint or "")
    return str(err.value)


def test_a_module_given_a_role_may_attach_policies_to_it(tmp_path: Path) -> None:
    message = refused(
        tmp_path,
        'module "attach" {\n  source = "terraform-aws-modules/iam/aws"\n  role = aws_iam_role.admin.name\n}\n',
    )
    assert "module.attach is given aws_iam_role.admin" in message


def test_a_role_handed_over_through_a_local_counts_too(tmp_path: Path) -> None:
    text = 'locals { r = { arn = aws_iam_role.admin.arn } }\nmodule "m" {\n  source = "x/y/aws"\n  roles = [local.r]\n}\n'
    assert "module.m is given aws_iam_role.admin" in refused(tmp_path, text)


def test_a_module_given_the_identity_pool_may_map_its_roles(tmp_path: Path) -> None:
    text = 'module "mappings" {\n  source = "./mappings"\n  pool_id = aws_cognito_identity_pool.main.id\n}\n'
    assert "given aws_cognito_identity_pool.main" in refused(tmp_path, text)


def test_a_local_module_attaching_to_a_pool_from_outside_is_refused(tmp_path: Path) -> None:
    write_module(tmp_path / "modules" / "auth", {"main.tf": """
        variable "pool" { default = "us-east-1:x" }
        resource "aws_cognito_identity_pool_roles_attachment" "a" {
          identity_pool_id = var.pool
          roles = { authenticated = "arn:aws:iam::123456789012:role/other" }
        }
        """})  # fmt: skip
    message = refused(tmp_path / "root", 'module "auth" { source = "../modules/auth" }\n')
    assert "declares aws_cognito_identity_pool_roles_attachment and no identity pool" in message


def test_a_local_module_calling_one_that_attaches_is_refused(tmp_path: Path) -> None:
    write_module(
        tmp_path / "inner",
        {"main.tf": 'resource "aws_cognito_identity_pool_provider_principal_tag" "t" {}\n'},
    )
    write_module(tmp_path / "outer", {"main.tf": 'module "inner" { source = "../inner" }\n'})
    assert "aws_cognito_identity_pool_provider_principal_tag" in refused(
        tmp_path / "root", 'module "o" { source = "../outer" }\n'
    )


def test_a_module_naming_a_role_by_its_name_is_refused(tmp_path: Path) -> None:
    # A literal name reaches the role as surely as a reference: in the call, or inside a local module.
    message = refused(tmp_path / "a", 'module "m" {\n  source = "x/y/aws"\n  role = "admin"\n}\n')
    assert "module.m names role admin" in message
    write_module(tmp_path / "mod", {"main.tf": 'data "aws_iam_role" "r" { name = "admin" }\n'})
    assert "names role admin (main.tf)" in refused(
        tmp_path / "b", 'module "m" { source = "../mod" }\n'
    )


def test_a_generated_role_name_is_not_a_name_a_module_can_write(tmp_path: Path) -> None:
    # A role without `name` gets one the provider generates; its placeholder (the resource name)
    # written as a string elsewhere is a coincidence, not a reference.
    text = 'resource "aws_iam_role" "main" { assume_role_policy = "{}" }\n'
    text += 'module "m" {\n  source = "x/y/aws"\n  branch = "main"\n}\n'
    assert any("module.m" in u for u in read(tmp_path, ROOT + text).unread)


@pytest.mark.parametrize(
    "module",
    [
        # a function's own role, its own pool with its mapping, a remote module handed a bucket
        'resource "aws_iam_role" "fn" {}\nresource "aws_iam_role_policy" "p" {}',
        'resource "aws_cognito_identity_pool" "p" {}\nresource "aws_cognito_identity_pool_roles_attachment" "a" {}',
    ],
)
def test_a_module_that_can_reach_neither_the_pool_nor_its_roles_stays_a_note(
    tmp_path: Path, module: str
) -> None:
    write_module(tmp_path / "mod", {"main.tf": module + "\n"})
    text = 'module "m" { source = "../mod" }\nmodule "r" {\n  source = "x/y/aws"\n  bucket = aws_s3_bucket.data.id\n}\n'
    result = read(tmp_path / "root", ROOT + text)
    assert any("module.m" in u for u in result.unread)
    assert any("module.r" in u for u in result.unread)


def test_the_refusal_is_a_clean_exit_2_at_the_module_block(tmp_path: Path) -> None:
    write_module(
        tmp_path,
        {
            "main.tf": ROOT
            + 'module "attach" {\n  source = "a/b/aws"\n  role = aws_iam_role.admin.name\n}\n'
        },
    )
    result = run_cli(["simulate", "-c", tmp_path, "--unauthenticated"])
    assert result.code == 2
    assert "main.tf:8" in result.stderr
    assert "Traceback" not in result.stderr


_REFS = {
    "aws_iam_role.admin.arn": True,
    "aws_cognito_identity_pool.main.id": True,
    "aws_s3_bucket.data.arn": False,
    "local.role": True,
    "local.plain": False,
    '"literal"': False,
    "var.v": False,
}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(sorted(_REFS)), max_size=4))
def test_a_call_is_refused_exactly_when_it_is_handed_the_pool_or_a_role(refs: list[str]) -> None:
    import tempfile

    arguments = "".join(f"  a{i} = {ref}\n" for i, ref in enumerate(refs))
    text = (
        'variable "v" { default = "x" }\n'
        'locals {\n  role = [aws_iam_role.admin.name]\n  plain = "p"\n}\n'
        f'module "m" {{\n  source = "x/y/aws"\n{arguments}}}\n'
    )
    with tempfile.TemporaryDirectory() as tmp:
        expected = any(_REFS[r] for r in refs)
        if expected:
            with pytest.raises(ConfigError, match=r"module\.m is given"):
                read(Path(tmp), ROOT + text)
        else:
            read(Path(tmp), ROOT + text)
