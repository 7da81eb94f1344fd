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
from simulator.importers.hcl_syntax import Attr, Attribute, Block, Name, Traversal

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
_RESOURCE = re.compile(r'^[ \t]*resource[ \t]+"([A-Za-z0-9_-]+)"', re.MULTILINE)
_MODULE_SOURCE = re.compile(
    r'\bsource[ \t]*=[ \t]*"(\.{1,2}/[^"\n]*)"'
)  # any local path: a folder or not


def check_call(
    name: str, block: Block, locals_: Mapping[str, Attribute], source: str | None, folder: FsPath
) -> None:
    """Refuse the call `module.NAME` (its `source` as written, `folder` the caller's) when it may
    change what the pool decides."""
    handed = sorted(set(_handed(block.body, locals_)))
    if handed:
        raise ConfigError(
            f"module.{name} is given {', '.join(handed)}: resources inside modules are not read, "
            "so what it does with them (a mapping for the pool, policies on a role) is unknown",
            file=block.pos.file, line=block.pos.line, construct=f"module.{name}", hint=PLAN_HINT,
        )  # fmt: skip
    files = (
        _local_files(folder / source, 0, set()) if source is not None and _is_local(source) else []
    )
    if files:
        types = {found for _, text in files for found in _RESOURCE.findall(text)}
        if types & ATTACHING and "aws_cognito_identity_pool" not in types:
            raise ConfigError(
                f"module.{name} ({source}) declares {', '.join(sorted(types & ATTACHING))} and no "
                "identity pool of its own: it attaches them to one from outside, and resources "
                "inside modules are not read",
                file=block.pos.file, line=block.pos.line, construct=f"module.{name}",
                hint=PLAN_HINT,
            )  # fmt: skip


def check_named_roles(
    name: str, block: Block, text: str, source: str | None, folder: FsPath, roles: Iterable[str]
) -> None:
    """Refuse the call `module.NAME` when it, or a local module's files, write the name of a role
    of this configuration as a string: with it a module can attach policies to the role."""
    texts = [(FsPath(block.pos.file), text)]
    if _is_local(source):
        texts += _local_files(folder / str(source), 0, set())
    for role in sorted(set(roles)):
        for file, written in texts:
            if f'"{role}"' in written:
                raise ConfigError(
                    f"module.{name} names role {role} ({file.name}): with its name a module can "
                    "attach policies to it, and resources inside modules are not read",
                    file=block.pos.file, line=block.pos.line, construct=f"module.{name}",
                    hint=PLAN_HINT,
                )  # fmt: skip


def _is_local(source: str | None) -> bool:
    return source is not None and source.startswith(("./", "../"))


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


def _local_files(folder: FsPath, depth: int, visited: set[FsPath]) -> list[tuple[FsPath, str]]:
    """The .tf files of a local module and of the local modules it calls, as text (scanned, not
    parsed: nothing of them is evaluated or printed), within MAX_FILES and MAX_BYTES."""
    try:
        resolved = folder.resolve()
        files = sorted(f for f in resolved.iterdir() if f.suffix == ".tf" and f.is_file())
    except (OSError, ValueError, RuntimeError):
        return []  # no such folder: terraform init would fail; the call stays a note
    if resolved in visited or depth > MAX_DEPTH or len(files) > MAX_FILES:
        return []
    visited.add(resolved)
    out: list[tuple[FsPath, str]] = []
    total = 0
    for file in files:
        try:
            with file.open("rb") as handle:
                data = handle.read(MAX_BYTES - total + 1)
        except OSError:
            continue
        total += len(data)
        if total > MAX_BYTES:
            break
        text = data.decode("utf-8", "replace")
        out.append((file, text))
        for nested in _MODULE_SOURCE.findall(text):
            out.extend(_local_files(resolved / nested, depth + 1, visited))
    return out
