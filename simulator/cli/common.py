"""Options shared by several commands."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from simulator.assumptions import AssumptionSet
from simulator.errors import ConfigError, UsageError
from simulator.iam import IamData, load_account_authorization_details
from simulator.importers.source import (
    Imported,
    ImportOptions,
    check_parameters,
    import_source,
    parse_parameters,
)
from simulator.model import IdentityPool, pool_from_document
from simulator.model.document import plain, read_file

POOL_HELP = (
    "The pool: a pool file (YAML or JSON, CONTRACT §2), or a CloudFormation, SAM, Serverless or "
    "CDK-synthesized template."
)


def parameter_option() -> Any:
    return typer.Option(
        [],
        "--parameter",
        help="NAME=VALUE for a template: a parameter, a pseudo parameter (AWS::Region, "
        "AWS::AccountId) or a resource's deployed id in place of its placeholder (repeatable).",
    )


def jobs_option() -> Any:
    return typer.Option(
        1,
        "--jobs",
        "-j",
        min=1,
        help="Worker processes for a JSON-lines input; the output is the same bytes, in order.",
    )


def pool_id_option() -> Any:
    return typer.Option(
        None,
        "--pool",
        help="The identity pool to read when a template defines several (its logical id).",
    )


def import_options(parameters: Sequence[str], pool: str | None) -> ImportOptions:
    return ImportOptions(parse_parameters(parameters), pool)


def import_pool_source(path: Path, options: ImportOptions) -> Imported:
    """Read a pool source for a command; notes about the import go to stderr."""
    imported = import_source(path, options)
    for note in imported.notes:
        print(f"rolesim: note: {imported.document.source}: {note}", file=sys.stderr)
    return imported


def parse_assume(items: list[str]) -> list[tuple[str, str]]:
    """`--assume NAME=CHOICE` pairs, checked against the registry before any file is read."""
    pairs = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise UsageError(
                f"--assume {item!r}: expected NAME=CHOICE, e.g. array-claim-match=json-text"
            )
        pairs.append((name.strip(), value.strip()))
    try:
        AssumptionSet.parse(pairs)
    except ConfigError as exc:
        raise UsageError(
            f"--assume: {exc.message}" + (f" ({exc.hint})" if exc.hint else "")
        ) from None
    return pairs


def load_pool_option(
    path: Path,
    assume: list[tuple[str, str]],
    parameters: Sequence[str] = (),
    pool: str | None = None,
) -> IdentityPool:
    options = import_options(parameters, pool)
    imported = import_pool_source(path, options)
    check_parameters(options, [imported])
    return pool_from_document(imported.checked(), assume=assume)


def parse_context(
    items: Sequence[str], option: str = "--context"
) -> dict[str, str | tuple[str, ...]]:
    """`KEY=VALUE` pairs; a key given twice (in any case) becomes multivalued."""
    values: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(
                f"{option} {item!r}: expected KEY=VALUE, e.g. aws:PrincipalTag/team=red"
            )
        name = names.setdefault(key.lower(), key)
        values.setdefault(name, []).append(value)
    return {k: v[0] if len(v) == 1 else tuple(v) for k, v in values.items()}


def load_iam_file(path: Path) -> IamData:
    """`--iam FILE`: a whole `aws iam get-account-authorization-details` output (JSON or YAML)."""
    doc = read_file(path)
    try:
        return load_account_authorization_details(plain(doc.data))
    except ConfigError as err:
        raise doc.error(err) from None
