"""One entry point for every command that reads a pool: a pool file or a native IaC file, chosen by
content, not by extension (IMPORT.md D1).

Formats register in `FORMATS`: each names its test (`simulator.importers.detect`: cheap, it runs for
every file read) and the module whose `read(source, options) -> Imported` reads it, imported only
for a source of its format. A file no format claims is read as a pool file (CONTRACT §2), so its
errors stay the loader's.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import importlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path as FsPath
from typing import Protocol

import msgspec

from simulator import inputs
from simulator.errors import ConfigError, UsageError
from simulator.importers import detect
from simulator.model.document import Document, parse_text, read_text
from simulator.model.load import Overrides, pool_from_document
from simulator.model.pool import IdentityPool


class Format(msgspec.Struct, frozen=True):
    name: str
    detect: Callable[[Source], bool]
    module: str  # imported on first use


class ImportOptions(msgspec.Struct, frozen=True):
    """`--parameter NAME=VALUE` (D2) and `--pool ID` (D6) as the commands pass them."""

    parameters: Mapping[str, str] = msgspec.field(default_factory=dict)
    pool: str | None = None


class Source(msgspec.Struct, frozen=True):
    path: FsPath
    name: str  # as the user gave it, for messages
    text: str | None  # None for a directory (a Terraform module)
    # The text is the file at `path` (not standard input, not text in memory): files it names
    # (a Serverless ${file(...)}) are read beside it.
    on_disk: bool = False


class ImportProblem(msgspec.Struct, frozen=True):
    """A structural problem the importer found (D6) that lint reports as finding `check`; every
    other command refuses the file with `error`."""

    check: str
    error: ConfigError


class Imported(msgspec.Struct, frozen=True):
    document: Document
    format: str  # "pool-file", "cloudformation", "sam", "serverless", "cdk", ...
    problems: tuple[ImportProblem, ...] = ()
    notes: tuple[str, ...] = ()  # what the reader should know (defaults applied, transforms)
    parameters: frozenset[str] = frozenset()  # the names --parameter can set in this source
    # The other files the source made rolesim read (a Serverless ${file(...)}), resolved paths.
    files: tuple[str, ...] = ()

    def checked(self) -> Document:
        """The document, or the first structural problem as an error."""
        if self.problems:
            raise self.problems[0].error
        return self.document


class FormatModule(Protocol):
    def read(self, source: Source, options: ImportOptions) -> Imported: ...


FORMATS: tuple[Format, ...] = (
    # CloudFormation JSON/YAML, SAM, Serverless (`serverless.yml`), CDK synthesized templates.
    Format("cloudformation", detect.is_cloudformation, "simulator.importers.cloudformation"),
    # `terraform show -json` of a plan or a state.
    Format("terraform-plan", detect.is_terraform_plan_text, "simulator.importers.tfplan"),
    # A CDK cloud assembly (cdk.out): the one stack that defines the identity pool.
    Format("cdk-assembly", detect.is_cdk_assembly, "simulator.importers.cdk_assembly"),
    # A Terraform module: a `.tf` file (its folder is the module) or the folder.
    Format("terraform", detect.is_terraform_module, "simulator.importers.terraform"),
)


def read_source(path: FsPath | str) -> Source:
    fs = FsPath(path)
    name = inputs.source_name(path)
    if os.path.isdir(fs):  # False, not an error, for a path the OS refuses: read_text says why
        return Source(fs, name, None)
    return Source(fs, name, read_text(fs), on_disk=not inputs.is_stdin(path))


def import_source(path: FsPath | str, options: ImportOptions | None = None) -> Imported:
    """Read a pool source: whichever registered format claims it, else a pool file."""
    return import_from(read_source(path), options)


def import_text(text: str, name: str, options: ImportOptions | None = None) -> Imported:
    """The same, for text already in memory (`name` is used in messages)."""
    return import_from(Source(FsPath(name), name, text), options)


def import_from(source: Source, options: ImportOptions | None = None) -> Imported:
    options = options or ImportOptions()
    for fmt in FORMATS:
        if fmt.detect(source):
            module: FormatModule = importlib.import_module(fmt.module)
            with _without_cycle_collection():
                return module.read(source, options)
    if source.text is None:
        raise ConfigError("is a directory, and no importer reads it", file=source.name)
    return Imported(parse_text(source.text, source.name), "pool-file")


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Decoding a large template allocates hundreds of thousands of small acyclic objects, and the
    cyclic collector's passes over them cost twice the import itself (benchmarks/bench_import.py);
    reference counting still frees them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_pool_source(path: FsPath | str, options: ImportOptions | None = None) -> Document:
    return import_source(path, options).checked()


def load_pool_source(
    path: FsPath | str,
    options: ImportOptions | None = None,
    *,
    assume: Overrides = (),
) -> IdentityPool:
    """The pool a command works on, from a pool file or any registered native format."""
    imported = import_source(path, options)
    check_parameters(options, [imported])
    return pool_from_document(imported.checked(), assume=assume)


def check_parameters(options: ImportOptions | None, imported: Sequence[Imported]) -> None:
    """Every `--parameter` must name something at least one source declares (CloudFormation
    refuses unknown parameters; for `diff`, a parameter only the new template has is fine)."""
    if options is None or not options.parameters:
        return
    known = frozenset().union(*(i.parameters for i in imported))
    unknown = sorted(set(options.parameters) - known)
    if not unknown:
        return
    names = ", ".join(i.document.source for i in imported)
    if not known:
        raise UsageError(f"--parameter {unknown[0]}: {names} has no parameters (it is a pool file)")
    close = difflib.get_close_matches(unknown[0], known, n=1)
    raise UsageError(
        f"--parameter {unknown[0]}: {names} declares no parameter, pseudo parameter or resource "
        "of that name" + (f" (did you mean {close[0]}?)" if close else "")
    )


def parse_parameters(items: Sequence[str]) -> dict[str, str]:
    """`--parameter NAME=VALUE` options (repeatable); a name given twice is a usage error."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--parameter {item!r}: expected NAME=VALUE, e.g. Stage=prod")
        if name in out:
            raise UsageError(f"--parameter {name} is given twice")
        out[name] = value
    return out
