"""Options shared by several commands, and the conventions every command follows.

- Placeholders read as words (POOL, FILE, ARN, NAME=CHOICE, KEY=VALUE), never as Python types.
- `-` is standard input on every option that reads a file; one command line reads it once.
- The pool is given the same way everywhere: `rolesim COMMAND POOL` or `--config/-c POOL`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
import typer

from simulator import inputs
from simulator.assumptions import AssumptionSet, Setting
from simulator.claims import read_jwks
from simulator.cli.invocation import quiet
from simulator.cli.output import stderr_console
from simulator.errors import ConfigError, UsageError
from simulator.importers.source import (
    Imported,
    ImportOptions,
    check_parameters,
    import_source,
    parse_parameters,
)
from simulator.model import IdentityPool, pool_from_document
from simulator.model.document import plain, read_file
from simulator.render.base import OutputFormat, Renderer, pick
from simulator.render.terminal import printable, treated_as_terminal
from simulator.request import Flow

if TYPE_CHECKING:
    from rich.console import Console

    from simulator.iam import IamData

T = TypeVar("T")


POOL_HELP = (
    'The pool: a pool file (YAML or JSON, README "The pool file"), or a CloudFormation, SAM, '
    "Serverless or CDK-synthesized template; '-' reads stdin."
)


class TextJson(StrEnum):
    """The formats of simulate, verify and policy eval."""

    TEXT = "text"
    JSON = "json"


class CasesFormat(StrEnum):
    """The formats of `rolesim test`."""

    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"


class GateFormat(StrEnum):
    """The formats of lint, check and diff."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"


def renderer_for(
    renderers: Mapping[OutputFormat, Renderer[T]], fmt: StrEnum, command: str
) -> Renderer[T]:
    """The renderer of a command's format choice (its Enum offers only what the registry has)."""
    return pick(renderers, OutputFormat(fmt.value), command)


def format_option(default: StrEnum | None, help: str) -> Any:
    return typer.Option(default, "--format", "-f", case_sensitive=False, help=help)


def output_option() -> Any:
    return typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write here instead of stdout."
    )


def assume_option(help: str = "Switch a named assumption (repeatable).") -> Any:
    return typer.Option([], "--assume", metavar="NAME=CHOICE", help=help)


def assume_from_option() -> Any:
    return typer.Option(
        None,
        "--assume-from",
        metavar="FILE",
        help="A settled.yaml written by `rolesim probe`: its observed choices apply and are "
        "reported as observed (over the pool file's Assumptions; --assume still wins).",
    )


def pool_argument() -> Any:
    return typer.Argument(None, metavar="POOL", show_default=False, help=POOL_HELP)


def config_option() -> Any:
    return typer.Option(
        None, "--config", "-c", metavar="POOL", help="The pool, given as an option (as POOL)."
    )


def chosen_pool(positional: Path | None, config: Path | None, command: str) -> Path:
    """The pool of a command that takes it either way: `rolesim COMMAND POOL` or `--config POOL`."""
    if positional is not None and config is not None:
        raise UsageError(
            f"the pool is given twice ({positional} and --config {config}); give it once, as "
            f"`rolesim {command} POOL` or with --config POOL"
        )
    pool = positional if positional is not None else config
    if pool is None:
        raise UsageError(f"give the pool: `rolesim {command} POOL` or --config POOL")
    return pool


def one_stdin(options: Iterable[tuple[str, object]]) -> None:
    """Standard input can be read once: at most one option of a command line may be `-`."""
    named = [
        name
        for name, value in options
        for item in (value if isinstance(value, list | tuple) else (value,))
        if inputs.is_stdin(item if isinstance(item, str | Path) else None)
    ]
    if len(named) > 1:
        raise UsageError(
            f"standard input can be read only once, and {' and '.join(named)} both name '-': "
            "write all but one of them to a file"
        )


def budget_option() -> Any:
    return typer.Option(
        20_000,
        "--budget",
        min=1,
        metavar="N",
        help="Probes before exact analysis falls back to sampling.",
    )


def check_flow(flow: Flow, role_arn: str | None) -> None:
    """`--flow basic` names the role the application asks for; the enhanced flow never does."""
    if flow is Flow.BASIC and role_arn is None:
        raise UsageError(
            "--flow basic needs --role-arn: in the classic flow the application picks the role"
        )
    if flow is Flow.ENHANCED and role_arn is not None:
        raise UsageError(
            "--role-arn applies to --flow basic; the enhanced flow picks the role itself"
        )


def parameter_option() -> Any:
    return typer.Option(
        [],
        "--parameter",
        metavar="NAME=VALUE",
        help="For a template: a parameter, a pseudo parameter (AWS::Region, AWS::AccountId) or "
        "a resource's deployed id in place of its placeholder (repeatable).",
    )


def jobs_option() -> Any:
    return typer.Option(
        1,
        "--jobs",
        "-j",
        min=1,
        metavar="N",
        callback=_bounded_jobs,
        help="Worker processes for a JSON-lines input (one per CPU is the fastest); the output "
        "is the same bytes, in order.",
    )


def _bounded_jobs(value: int) -> int:
    if value == 1:
        return value  # the default: no bound to look up
    from simulator.parallel import WORKERS_PER_CPU, cpus, max_jobs

    if value > (limit := max_jobs()):
        n = cpus()
        raise UsageError(
            f"--jobs {value}: at most {WORKERS_PER_CPU} worker processes per CPU ({limit} here, "
            f"where rolesim may use {n} CPU{'s' if n != 1 else ''}); --jobs {n}, one per CPU, is "
            "the fastest"
        )
    return value


def pool_id_option() -> Any:
    return typer.Option(
        None,
        "--pool",
        metavar="LOGICAL_ID",
        help="The identity pool to read when a template defines several (its logical id).",
    )


def import_options(parameters: Sequence[str], pool: str | None) -> ImportOptions:
    return ImportOptions(parse_parameters(parameters), pool)


def import_pool_source(path: Path, options: ImportOptions) -> Imported:
    """Read a pool source for a command; notes about the import go to stderr."""
    imported = import_source(path, options)
    if quiet():
        return imported
    for note in imported.notes:
        print(f"rolesim: note: {imported.document.source}: {note}", file=sys.stderr)
    return imported


def parse_assume(
    items: list[str], assume_from: Path | None = None
) -> list[tuple[str, str] | Setting]:
    """`--assume NAME=CHOICE` pairs, checked against the registry before any file is read, after
    the observed choices of `--assume-from FILE` (a settled.yaml, read and checked here)."""
    pairs: list[tuple[str, str] | Setting] = []
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
    if assume_from is not None:
        from simulator.model.settled import load_settled

        pairs = [*load_settled(assume_from).settings(), *pairs]
    return pairs


def load_pool_option(
    path: Path,
    assume: list[tuple[str, str] | Setting],
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


def load_jwks(value: str) -> Mapping[str, Any]:
    """`--jwks`: a file, `-` for standard input, or the issuer's https:// URL (fetched, cached)."""
    from simulator.live.jwks import fetch_jwks, is_url  # urllib3 only when a URL is given

    return fetch_jwks(value) if is_url(value) else read_jwks(value)


def load_iam_file(path: Path) -> IamData:
    """`--iam FILE`: a whole `aws iam get-account-authorization-details` output (JSON or YAML)."""
    from simulator.iam import load_account_authorization_details

    doc = read_file(path)
    try:
        return load_account_authorization_details(plain(doc.data))
    except ConfigError as err:
        raise doc.error(err) from None


# --- batches: a progress bar on a terminal, a one-line summary at the end --------------------------


class Tally(msgspec.Struct):
    """What a batch run did, for its one-line summary: lines read, results by outcome, bad lines."""

    source: str
    what: str = "decisions"
    lines: int = 0
    bad: int = 0
    outcomes: Counter[str] = msgspec.field(default_factory=Counter)
    started: float = msgspec.field(default_factory=time.monotonic)

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] += 1

    def summary(self, seconds: float | None = None) -> str:
        """`<source>: 1,000 lines in 0.4 s (2,500 lines/s): 700 PoolAuth, 300 NotAuthorized...;
        2 bad lines` (outcomes most frequent first)."""
        elapsed = time.monotonic() - self.started if seconds is None else seconds
        rate = f", {self.lines / elapsed:,.0f} lines/s" if elapsed > 0 and self.lines else ""
        shown = ", ".join(f"{n:,} {name}" for name, n in _by_count(self.outcomes))
        results = f"{self.what}: {shown}" if shown else f"no {self.what}"
        bad = f"; {self.bad:,} bad line{'s' if self.bad != 1 else ''}" if self.bad else ""
        line = "line" if self.lines == 1 else "lines"
        return f"{self.source}: {self.lines:,} {line} in {elapsed:.1f} s{rate}; {results}{bad}"


def _by_count(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def print_summary(tally: Tally) -> None:
    """The batch's summary on stderr (not with --quiet)."""
    if not quiet():
        print(f"rolesim: {printable(tally.summary())}", file=sys.stderr)


@contextlib.contextmanager
def batch_progress(
    path: Path | str, lines: Iterator[bytes], console: Console | None = None
) -> Iterator[Iterator[bytes]]:
    """The lines of a JSON-lines input, counted on a progress bar on stderr when it is a terminal
    (line count, rate and, for a file, ETA); stdout carries only the results."""
    # Whether stderr is a terminal is asked without rich: a pipe needs no console.
    if quiet() or not (console.is_terminal if console else treated_as_terminal(sys.stderr)):
        yield lines
        return
    console = console or stderr_console()
    from simulator.cli.progress import progress_bar  # rich's progress: only on a terminal

    with progress_bar(printable(Path(str(path)).name), lines, _size(path), console) as counted:
        yield counted


def _size(path: Path | str) -> int | None:
    if inputs.is_stdin(path):
        return None
    try:
        return os.stat(path).st_size or None
    except OSError:
        return None
