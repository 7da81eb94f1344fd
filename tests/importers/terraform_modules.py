"""Writing small Terraform modules for tests, and reading their neutral resources back."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulator.importers.hcl_eval import Evaluator, Namespace
from simulator.importers.hcl_syntax import Pos, parse_body
from simulator.importers.resources import Resource
from simulator.importers.terraform import TerraformImport, read_terraform


def write_module(folder: Path, files: Mapping[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def read(folder: Path, text: str = "", **parameters: str) -> TerraformImport:
    """Import `text` as main.tf (when given) of the module in `folder`."""
    if text:
        write_module(folder, {"main.tf": text})
    return read_terraform(folder / "main.tf" if text else folder, parameters)


def by_id(result: TerraformImport) -> dict[str, Resource]:
    return {r.id: r for r in result.resources}


def props(folder: Path, text: str, address: str, **parameters: str) -> Mapping[str, Any]:
    return by_id(read(folder, text, **parameters))[address].properties


class _Roots:
    """Top-level names for expression tests: `local.NAME` from a mapping, nothing else."""

    def __init__(self, locals_: Mapping[str, Any]) -> None:
        self.locals = locals_

    def root(self, name: str, pos: Pos) -> Any:
        from simulator.errors import ConfigError

        if name == "local":
            return Namespace("local", lambda n, p: self.locals[n])
        raise ConfigError(f"reference to undeclared {name!r}", file=pos.file, line=pos.line)


class _NoFiles:
    def read_module_file(self, path: str) -> Any:
        raise AssertionError("no files in expression tests")

    def render_template(self, text: str, variables: Mapping[str, Any], path: str) -> Any:
        raise AssertionError("no files in expression tests")


def evaluate(expression: str, **locals_: Any) -> Any:
    """The value of one HCL expression, with `local.NAME` bound to the keyword arguments."""
    body = parse_body(f"value = {expression}\n", "expr.tf")
    attribute = body.attribute("value")
    assert attribute is not None
    return Evaluator(_Roots(locals_), _NoFiles()).evaluate(attribute.expr)
