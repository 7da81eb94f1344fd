"""The `rolesim` command: registers one module per command and maps errors to exit codes."""

from __future__ import annotations

import atexit
import contextlib
import errno
import gc
import importlib
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from simulator import __version__, inputs
from simulator.cli.errors import internal_error, report
from simulator.cli.exit_codes import ExitCode
from simulator.cli.invocation import (
    FLAG,
    NO_COLOR,
    QUIET,
    TRACEBACK,
    VERBOSE,
    Invocation,
    add_global_options,
    invocation,
    running,
)
from simulator.cli.output import FULL, unwritable, writing
from simulator.errors import OutputError, RolesimError, UsageError
from simulator.render.terminal import printable

# Each command's module, imported only when that command runs (or help lists them all), so that
# a command pays only for what it uses: boto3 for the live commands, the analysis for the gate.
_COMMANDS = {
    "simulate": "simulate",
    "test": "testcases",
    "verify": "verify",
    "pull": "pull",
    "probe": "probe",
    "policy": "policy",
    "diff": "diff",
    "check": "check",
    "lint": "lint",
    "graph": "graph",
    "import": "import_pool",
}


class _LazyCommands(TyperGroup):
    """The command group, loading each command's module on first use (click's lazy subcommands)."""

    # Typed loosely: Typer 0.2x brings its own click, older releases the click package.
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: dict[str, Any] = {}

    def list_commands(self, ctx: Any) -> list[str]:  # noqa: ARG002 - click's signature
        return list(_COMMANDS)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        found = super().resolve_command(ctx, args)
        _resume_collector()  # the command is loaded: its work starts
        return found

    def get_command(self, ctx: Any, cmd_name: str) -> Any:  # noqa: ARG002 - click's signature
        if cmd_name not in _COMMANDS:
            return None
        found = self._loaded.get(cmd_name)
        if found is None:
            module = importlib.import_module(f"simulator.cli.{_COMMANDS[cmd_name]}")
            holder = typer.Typer()
            module.register(holder)
            # A holder with a callback is a group whatever it holds: the command is its member.
            holder.callback()(_no_options)
            group = typer.main.get_group(holder)
            found = self._loaded[cmd_name] = group.commands[cmd_name]
            add_global_options(found, root=False)
        return found


def _no_options() -> None:
    """Nothing: lets a holder of one command build as a group."""


app = typer.Typer(
    cls=_LazyCommands,
    name="rolesim",
    help="Predict and explain the IAM role, session tags and access an Amazon Cognito identity "
    "pool hands out for a token.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        with writing("stdout"):
            print(f"rolesim {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    verbose: int = VERBOSE,  # noqa: ARG001 - each global option sets the Invocation itself
    quiet: bool = QUIET,  # noqa: ARG001
    no_color: bool = NO_COLOR,  # noqa: ARG001
    traceback: bool = TRACEBACK,  # noqa: ARG001
    version: bool = typer.Option(  # noqa: ARG001 - handled eagerly by its callback
        False,
        "--version",
        callback=_version,
        is_eager=True,
        metavar=FLAG,
        help="Show the version and exit.",
    ),
) -> None:
    invocation(ctx).configure_logging()


def _click_types(name: str) -> tuple[type[BaseException], ...]:
    """Typer 0.2x bundles its own click; older releases use the click package. Accept both."""
    found: list[type[BaseException]] = []
    for module in ("typer._click.exceptions", "click.exceptions"):
        if module.partition(".")[0] == "click" and "click" not in sys.modules:
            continue  # Typer does not use the click package: nothing can raise its errors
        try:
            cls = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if isinstance(cls, type) and issubclass(cls, BaseException):
            found.append(cls)
    return tuple(found)


_CLICK_ERROR = _click_types("ClickException")
_EXIT: tuple[type[BaseException], ...] = (typer.Exit, *_click_types("Exit"))
_ABORT: tuple[type[BaseException], ...] = (typer.Abort, *_click_types("Abort"))


def _broken_pipe(exc: BaseException) -> bool:
    """stdout's reader went away: click turns EPIPE into SystemExit(1) inside its handler."""
    cause = exc if isinstance(exc, OSError) else exc.__context__
    return isinstance(cause, OSError) and cause.errno == errno.EPIPE


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI in-process and return the exit status (tests call this)."""
    args = list(argv) if argv is not None else sys.argv[1:]
    with running(args) as options:
        return _run(args, options, explicit=argv is not None)


def _run(args: list[str], options: Invocation, *, explicit: bool) -> int:
    command = typer.main.get_command(app)
    add_global_options(command)
    try:
        _check_arguments(args)
        result = command.main(
            args=args if explicit else None,
            prog_name="rolesim",
            standalone_mode=False,
            obj=options,
        )
    except _CLICK_ERROR as exc:
        # Every click error is about the command line: bad usage, exit 2.
        exc.show()  # type: ignore[attr-defined]
        return ExitCode.BAD_INPUT
    except _EXIT as exc:
        return int(getattr(exc, "exit_code", 0))
    except _ABORT:
        print("rolesim: aborted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except RolesimError as exc:
        return report(exc)
    except (SystemExit, BrokenPipeError) as exc:
        if _broken_pipe(exc):
            return ExitCode.BROKEN_PIPE
        raise
    except Exception as exc:  # the one place a bug becomes a bug report
        if isinstance(exc, OSError) and exc.errno in FULL:
            # Help or a message click wrote to a full stdout: a disk full is no bug.
            return report(unwritable(None, exc))
        return internal_error(exc, show_stack=options.traceback)
    return int(result) if isinstance(result, int) else ExitCode.OK


def _check_arguments(argv: Sequence[str]) -> None:
    """Python decodes arguments that are not UTF-8 with lone surrogates, which no output can encode.
    They may name an existing file (a file name is bytes); as any other value they are refused."""
    for number, arg in enumerate(argv, start=1):
        if inputs.has_surrogates(arg) and not os.path.lexists(arg):
            after = argv[number - 2] if number > 1 and argv[number - 2].startswith("-") else None
            where = f"the value of {after}" if after else f"argument {number}"
            raise UsageError(f"{where} is not UTF-8 text: {printable(arg)}")


def _quiet_stdout() -> None:
    # The reader went away (`rolesim ... | head`): drop the rest instead of a traceback at exit.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _hypothesis_storage() -> None:
    # check's search uses Hypothesis, whose caches would land in .hypothesis/ of the user's
    # working tree (a repository checkout in CI): keep them in the user's cache instead.
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    os.environ.setdefault(
        "HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(cache, "rolesim", "hypothesis")
    )


_collector_paused = False


def _resume_collector() -> None:
    global _collector_paused  # noqa: PLW0603 - one switch for the process, set by its program
    if _collector_paused:
        _collector_paused = False
        gc.freeze()  # what start-up made lives to the end: later collections need not walk it
        gc.enable()


def main(*, collector_paused: bool = False) -> None:
    """The `rolesim` program: runs the command line and ends the process (in-process: `run`).
    `collector_paused`: the caller turned the garbage collector off for start-up, and it is to be
    turned on when the command begins (simulator.cli.program)."""
    global _collector_paused  # noqa: PLW0603 - see _resume_collector
    _collector_paused = collector_paused
    _hypothesis_storage()
    code = run()
    try:
        with writing("stdout"):
            sys.stdout.flush()
    except BrokenPipeError:
        code = ExitCode.BROKEN_PIPE
    except OutputError as exc:
        if code == ExitCode.OK:  # else the run has said what went wrong already
            code = report(exc)
    if code == ExitCode.BROKEN_PIPE:
        _quiet_stdout()
    _leave(code)


def _leave(code: int) -> NoReturn:
    """Exit without the interpreter's teardown, which frees every module one by one: 20-35 ms of a
    `simulate` run (measured side by side), and nothing of it is observable. What exit does that
    is observable still happens: the atexit handlers (logging's flush, multiprocessing's clean-up)
    and the flush of stdout and stderr. With a thread still running, the normal exit, which waits
    for it."""
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not _MAIN):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed or gone: nothing left to save
            stream.flush()
    os._exit(code)


_MAIN = threading.main_thread()
