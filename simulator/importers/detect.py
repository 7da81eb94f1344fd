"""Which native format a pool source is in, told from its text (or its folder) alone (IMPORT.md D1).

Every command runs these tests on every pool it reads; they live apart from the readers so that a
pool file costs no importer's import, and a template only its own reader's.
"""

from __future__ import annotations

import re
from pathlib import Path as FsPath
from typing import TYPE_CHECKING

from simulator import inputs
from simulator.errors import RolesimError
from simulator.inputs import InputKind, MiB

if TYPE_CHECKING:
    from simulator.importers.source import Source

PLANS = InputKind(
    "Terraform plans", 64 * MiB, "every resource of a configuration, twice, is held in memory"
)

_TEMPLATE_YAML = re.compile(r"^(?:AWSTemplateFormatVersion|Resources|Transform)\s*:", re.MULTILINE)
_TEMPLATE_JSON = re.compile(r'"(?:AWSTemplateFormatVersion|Resources)"\s*:')
_SERVERLESS_YAML = re.compile(r"^service\s*:", re.MULTILINE)
_SERVERLESS_PROVIDER = re.compile(r"^(?:provider|resources)\s*:", re.MULTILINE)

# A line opening one of Terraform's top-level blocks: content, not the file's name, says what it is.
_BLOCK_LINE = re.compile(
    r'^[ \t]*(?:(?:resource|data)[ \t]+"[^"\n]+"[ \t]+"[^"\n]+"'
    r'|(?:variable|module|provider|output)[ \t]+"[^"\n]+"|locals|terraform)[ \t]*\{',
    re.MULTILINE,
)


def is_cloudformation(source: Source) -> bool:
    """A CloudFormation, SAM or CDK-synthesized template (JSON or YAML), or a Serverless file."""
    text = source.text
    if text is None:
        return False
    head = text.lstrip()[:1]
    if head == "{":
        return bool(_TEMPLATE_JSON.search(text))
    if _TEMPLATE_YAML.search(text):
        return True
    return bool(_SERVERLESS_YAML.search(text) and _SERVERLESS_PROVIDER.search(text))


def is_terraform_plan(data: object) -> bool:
    """A `terraform show -json` object: `format_version` with `planned_values` (a plan) or
    `terraform_version` (a plan or a state)."""
    return (
        isinstance(data, dict)
        and "format_version" in data
        and ("planned_values" in data or "terraform_version" in data)
    )


def is_terraform_plan_text(source: Source) -> bool:
    """JSON text that is a `terraform show -json` plan or state (D1, D9)."""
    text = source.text
    if text is None or text.lstrip()[:1] != "{" or '"format_version"' not in text:
        return False
    if '"planned_values"' not in text and '"terraform_version"' not in text:
        return False
    try:
        return is_terraform_plan(inputs.parse_json(text, source.name, PLANS))
    except RolesimError:
        return False  # not JSON: the pool-file loader says where


def is_cdk_assembly(source: Source) -> bool:
    """A CDK cloud assembly: a folder (`cdk.out`) with the manifest.json `cdk synth` writes."""
    return source.text is None and (source.path / "manifest.json").is_file()


def is_terraform_module(source: Source) -> bool:
    """A folder holding `.tf` files, or a file whose text opens a Terraform block (D1); a `.tf`
    file whose text says nothing (empty, or not even HCL) is still read as one."""
    if source.text is None:
        return is_terraform_source(source.path)
    return source.path.suffix == ".tf" or bool(_BLOCK_LINE.search(source.text))


def is_terraform_source(path: str | FsPath) -> bool:
    """A `.tf` file, or a folder holding `.tf` files (D1)."""
    p = FsPath(path)
    if p.is_dir():
        return any(is_module_file(f) for f in p.iterdir())
    return p.suffix == ".tf"


def is_module_file(path: FsPath) -> bool:
    """A `.tf` file of a module folder."""
    # Terraform ignores editor and hidden files (configs/parser_config_dir.go: IsIgnoredFile).
    name = path.name
    if name.startswith(".") or name.endswith("~") or (name.startswith("#") and name.endswith("#")):
        return False
    return name.endswith(".tf") and path.is_file()
