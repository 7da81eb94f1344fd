"""Module calls in a Terraform configuration: whether one may change what the pool decides.

rolesim does not read the resources of child modules (a plan, `terraform show -json`, holds them:
simulator.importers.tfplan). A call is harmless to skip when nothing it does can reach the pool or
the roles it hands out; it is refused (exit 2, never a silent answer) when:
- it is given the identity pool, a user pool or client, or a role of this configuration (through
  its arguments, or a local they read): with them it can map roles, tag sessions, or attach
  policies the access answers would miss;
- its source is a local folder whose files declare a role mapping, a principal-tag map or a user
  pool group, and no identity pool of their own: they attach to one from outside;
- the call, or a local module's files, write the name of one of this configuration's roles as a
  string (`role = "admin"`, a variable's default, a data source's `name`).
A remote module that finds a role by a name written inside it is not seen; the README says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path as FsPath

import msgspec

from simulator.errors import ConfigError
from simulator.importers.hcl_blocks import RawBlock, TopLevelAttribute, split_blocks
from simulator.importers.hcl_syntax import Attr, Attribute, Block, Name, Template, Traversal

HANDED = frozenset({
    "aws_cognito_identity_pool", "aws_cognito_identity_pool_roles_attachment",
    "aws_cognito_user_pool", "aws_cognito_user_pool_client", "aws_iam_role",
})  # fmt: skip
ATTACHING = frozenset({
    "aws_cognito_identity_pool_roles_attachment", "aws_cognito_identity_pool_provider_principal_tag",
    "aws_cognito_user_group",
})  # fmt: skip
PLAN_HINT = (
    "import a plan instead (terraform plan -out plan && terraform show -json plan > plan.json): "
    "rolesim reads the resources of child modules there"
)
MAX_DEPTH = 5  # local modules calling local modules
MAX_FILES = 500
MAX_BYTES = 16 * 1024 * 1024
_QUOTED = re.compile(r'"((?:[^"\\\n]|\\.)*)"')  # each string as written (heredocs' JSON too)


def check_call(
    name: str, block: Block, locals_: Mapping[str, Attribute], source: str | None, folder: FsPath
) -> None:
    """Refuse the call `module.NAME` (its `source` as written, `folder` the caller's) when it may
    change what the pool decides."""
    handed = sorted(set(_handed(block.body, locals_)))
    if handed:
        raise _refused(
            name, block, f"is given {', '.join(handed)}: resources inside modules are not read, so "
            "what it does with them (a mapping for the pool, policies on a role) is unknown",
        )  # fmt: skip
    types = {
        b.labels[0]
        for _, _, items in _local_module(folder, source)
        for b in items
        if isinstance(b, RawBlock) and b.type == "resource" and b.labels
    }
    if types & ATTACHING and "aws_cognito_identity_pool" not in types:
        raise _refused(
            name, block, f"({source}) declares {', '.join(sorted(types & ATTACHING))} and no "
            "identity pool of its own: it attaches them to one from outside, and resources inside "
            "modules are not read",
        )  # fmt: skip


def check_named_roles(
    name: str, block: Block, text: str, source: str | None, folder: FsPath, roles: Iterable[str]
) -> None:
    """Refuse the call `module.NAME` when it, or a local module's files, write the name of a role
    of this configuration as a string: with it a module can attach policies to the role."""
    wanted = set(roles)
    texts = [(FsPath(block.pos.file), text)]
    texts += [(file, written) for file, written, _ in _local_module(folder, source)]
    for file, written in texts:
        named = sorted(wanted & set(_QUOTED.findall(written)))
        if named:
            raise _refused(
                name, block, f"names role {named[0]} ({file.name}): with its name a module can "
                "attach policies to it, and resources inside modules are not read",
            )  # fmt: skip


def _refused(name: str, block: Block, why: str) -> ConfigError:
    return ConfigError(
        f"module.{name} {why}", file=block.pos.file, line=block.pos.line,
        construct=f"module.{name}", hint=PLAN_HINT,
    )  # fmt: skip


def _handed(node: object, locals_: Mapping[str, Attribute]) -> Iterator[str]:
    """The resources of HANDED types an expression refers to, through locals too."""
    stack: list[object] = [node]
    seen: set[str] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, Traversal) and isinstance(item.root, Name) and item.steps:
            first = item.steps[0]
            root = item.root.name
            if root in HANDED and isinstance(first, Attr):
                yield f"{root}.{first.name}"
            elif root == "data" and isinstance(first, Attr) and first.name in HANDED:
                yield f"data.{first.name}"
            elif root == "local" and isinstance(first, Attr) and first.name not in seen:
                seen.add(first.name)
                attribute = locals_.get(first.name)
                if attribute is not None:
                    stack.append(attribute.expr)
        if isinstance(item, msgspec.Struct):
            stack.extend(getattr(item, field) for field in item.__struct_fields__)
        elif isinstance(item, tuple | list):
            stack.extend(item)


Scanned = tuple[FsPath, str, list[RawBlock | TopLevelAttribute]]


def _local_module(folder: FsPath, source: str | None) -> list[Scanned]:
    """The .tf files of the local module `source` names (`./`, `../`), and of the local modules
    they call: text and top-level blocks, never evaluated or printed. Nothing for a remote
    source or a folder that is not there (terraform init would fail); more than the bounds is an
    error, not a module left unscanned."""
    if source is None or not source.startswith(("./", "../")):
        return []
    out: list[Scanned] = []
    pending: list[tuple[FsPath, int]] = [(folder / source, 0)]
    visited: set[FsPath] = set()
    total = 0
    while pending:
        where, depth = pending.pop()
        try:
            resolved = where.resolve()
            files = sorted(f for f in resolved.iterdir() if f.suffix == ".tf" and f.is_file())
        except (OSError, ValueError, RuntimeError):
            continue
        if resolved in visited:
            continue
        visited.add(resolved)
        if depth > MAX_DEPTH:
            raise ConfigError(f"local modules call each other more than {MAX_DEPTH} deep",
                              file=str(resolved))  # fmt: skip
        for file in files:
            if len(out) >= MAX_FILES or total > MAX_BYTES:
                raise ConfigError("the local modules' .tf files are more than rolesim scans",
                                  file=str(resolved))  # fmt: skip
            try:
                with file.open("rb") as handle:
                    text = handle.read(MAX_BYTES + 1 - total).decode("utf-8", "replace")
            except OSError as exc:
                raise ConfigError(f"cannot read a local module's file: {exc.strerror}",
                                  file=str(file)) from None  # fmt: skip
            total += len(text)
            items = split_blocks(text, str(file))
            out.append((file, text, items))
            for item in items:
                nested = _module_source(item)
                if nested is not None and nested.startswith(("./", "../")):
                    pending.append((resolved / nested, depth + 1))
    return out


def _module_source(item: RawBlock | TopLevelAttribute) -> str | None:
    """A module block's `source`, when it is a literal string (Terraform requires one)."""
    if not isinstance(item, RawBlock) or item.type != "module":
        return None
    attribute = item.parse().body.attribute("source")
    expr = attribute.expr if attribute is not None else None
    if isinstance(expr, Template) and all(isinstance(part, str) for part in expr.parts):
        return "".join(str(part) for part in expr.parts)
    return None
