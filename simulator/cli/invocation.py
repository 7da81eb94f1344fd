"""What the global options say about this run, and the options themselves.

The global options (`-v`, `--quiet`, `--no-color`, `--traceback`) are accepted before the command
and after it (`rolesim lint -v POOL`), as a user of other tools expects: `add_global_options` gives
every command its own copy, and each copy updates the one `Invocation` of the run.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import msgspec
import typer

from simulator import logs
from simulator.render import terminal


class Invocation(msgspec.Struct):
    """Filled in while the command line is parsed, before any command runs (so it cannot be
    frozen)."""

    verbose: int = 0
    traceback: bool = False
    quiet: bool = False  # no progress, notes or summaries on stderr; errors still printed
    no_color: bool = False

    @property
    def wire_log(self) -> bool:
        """`-vvv`: botocore's wire log too, scrubbed of secrets."""
        return self.verbose >= 3

    def configure_logging(self) -> None:
        logs.configure(logs.ERROR if self.quiet else logs.WARNING - 10 * min(self.verbose, 2))


_CURRENT: ContextVar[Invocation] = ContextVar("rolesim_invocation", default=Invocation())  # noqa: B039 - read only


def current() -> Invocation:
    """The run's global options (a default one outside a run)."""
    return _CURRENT.get()


def invocation(ctx: typer.Context) -> Invocation:
    found = ctx.find_object(Invocation)
    return found if found is not None else current()


def quiet() -> bool:
    return current().quiet


def no_color_requested(argv: list[str]) -> bool:
    """NO_COLOR (no-color.org: set and not empty) or `--no-color` anywhere before `--`: known
    before parsing, since `--help` prints while the command line is parsed."""
    before = argv[: argv.index("--")] if "--" in argv else argv
    return bool(os.environ.get("NO_COLOR")) or "--no-color" in before


@contextmanager
def running(argv: list[str]) -> Iterator[Invocation]:
    """One run's Invocation, and its colour setting for every console (and for Typer's help, which
    `add_global_options` gives each command)."""
    options = Invocation(no_color=no_color_requested(argv))
    token = _CURRENT.set(options)
    try:
        with terminal.styles(enabled=not options.no_color):
            yield options
    finally:
        _CURRENT.reset(token)


@contextmanager
def _typer_help_plain(plain: bool) -> Iterator[None]:
    """Typer's help honours NO_COLOR only for colour and keeps bold: no styles at all, then."""
    from typer import rich_utils  # Typer's help, with rich's markdown: only when help is shown

    saved = rich_utils.COLOR_SYSTEM
    if plain:
        rich_utils.COLOR_SYSTEM = None
    try:
        yield
    finally:
        rich_utils.COLOR_SYSTEM = saved


def _help_in_run_colours(command: Any) -> None:
    """Format `command`'s help under the run's colour setting."""
    format_help = command.format_help
    if getattr(format_help, "in_run_colours", False):
        return

    def in_run_colours(ctx: Any, formatter: Any) -> None:
        with _typer_help_plain(current().no_color):
            format_help(ctx, formatter)

    in_run_colours.in_run_colours = True  # type: ignore[attr-defined]
    command.format_help = in_run_colours


# --- the options ---------------------------------------------------------------------------------

FLAG = ""  # the metavar of an option that takes no value

VERBOSE_HELP = (
    "More log output on stderr: -v info, -vv debug, -vvv also botocore's wire log (secrets "
    "scrubbed)."
)
QUIET_HELP = "For CI: no progress, notes or summaries on stderr; errors are still printed."
NO_COLOR_HELP = "No colour or emphasis in any output (as the NO_COLOR variable)."
TRACEBACK_HELP = "On an internal error, show the stack (for a bug report)."


def _verbose(ctx: typer.Context, value: int) -> None:
    if value:
        options = invocation(ctx)
        options.verbose += value
        options.configure_logging()


def _quiet(ctx: typer.Context, value: bool) -> None:
    if value:
        options = invocation(ctx)
        options.quiet = True
        options.configure_logging()


def _no_color(ctx: typer.Context, value: bool) -> None:
    if value:
        invocation(ctx).no_color = True  # the consoles know already (no_color_requested)


def _traceback(ctx: typer.Context, value: bool) -> None:
    if value:
        invocation(ctx).traceback = True


VERBOSE = typer.Option(
    0,
    "--verbose",
    "-v",
    count=True,
    metavar="",
    show_default=False,
    callback=_verbose,
    help=VERBOSE_HELP,
)
QUIET = typer.Option(False, "--quiet", "-q", metavar="", callback=_quiet, help=QUIET_HELP)
NO_COLOR = typer.Option(False, "--no-color", metavar="", callback=_no_color, help=NO_COLOR_HELP)
TRACEBACK = typer.Option(False, "--traceback", metavar="", callback=_traceback, help=TRACEBACK_HELP)


def global_options(
    verbose: int = VERBOSE,
    quiet: bool = QUIET,
    no_color: bool = NO_COLOR,
    traceback: bool = TRACEBACK,
) -> None:
    """The global options as Typer parameters, for each command's copy."""


def _option_copies() -> list[Any]:
    # Typer builds its own parameter objects (their class differs between releases): build a
    # command of the global options, and take its parameters, which set the run's Invocation
    # instead of reaching the command's function.
    holder = typer.Typer(add_completion=False)
    holder.command()(global_options)
    params = list(typer.main.get_command(holder).params)
    for param in params:
        param.expose_value = False
    return params


def add_global_options(command: Any, *, root: bool = True) -> None:
    """Give every command below `command` the global options (the root has them already), and
    help that shows placeholders only: a flag takes no value, and an argument's placeholder (POOL)
    says what it is without the Python type Typer 0.2x adds beside it."""
    subcommands = getattr(command, "commands", None)
    _help_in_run_colours(command)
    if not root and not isinstance(subcommands, dict):
        taken = {opt for param in command.params for opt in getattr(param, "opts", ())}
        command.params.extend(p for p in _option_copies() if not taken & set(p.opts))
    for param in [*command.params, _help_option(command)]:
        if param is None:
            continue
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = "" if param.metavar is None else param.metavar
        elif param.param_type_name == "argument" and param.metavar:
            if hasattr(param, "display_type_rich"):  # Typer 0.29 on
                param.display_type_rich = _no_type
            else:  # earlier releases show the click type's placeholder (`<path>`) beside it
                param.type = _without_placeholder(param.type)
    for sub in (subcommands or {}).values():
        add_global_options(sub, root=False)


def _no_type(ctx: Any) -> None:  # noqa: ARG001 - the signature Typer calls
    return None


def _without_placeholder(param_type: Any) -> Any:
    """A copy of a click type (click shares some between parameters) whose help placeholder is
    empty; the argument's own metavar is what the usage line and help show."""
    shown = copy.copy(param_type)
    shown.get_metavar = lambda *args, **kwargs: ""  # noqa: ARG005 - click's signature
    return shown


def _help_option(command: Any) -> Any:
    """`-h/--help`, which click makes on demand (and caches, in the releases that show `<bool>`)."""
    context = getattr(command, "context_class", None)
    if context is None:
        return None
    ctx = context(command, info_name=command.name, help_option_names=["-h", "--help"])
    return command.get_help_option(ctx)
