"""`rolesim import SOURCE`: the pool a template describes, written as a pool file (YAML)."""

from __future__ import annotations

from pathlib import Path

import typer

from simulator.cli.common import (
    import_options,
    import_pool_source,
    parameter_option,
    pool_id_option,
)
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.importers.source import check_parameters
from simulator.importers.write import pool_file_text
from simulator.model import pool_from_document


def import_command(
    source: Path = typer.Argument(
        ..., help="A CloudFormation, SAM, Serverless or CDK-synthesized template (or a pool file)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the pool file here instead of stdout."
    ),
    parameter: list[str] = parameter_option(),
    pool_id: str | None = pool_id_option(),
) -> int:
    """Write the pool a template describes as a pool file, every derived value marked."""
    options = import_options(parameter, pool_id)
    imported = import_pool_source(source, options)
    check_parameters(options, [imported])
    pool_from_document(
        imported.checked()
    )  # refuse what no command could load, at the template line
    text = pool_file_text(imported)
    with open_output(output) as stream:
        stream.write(text)
    return ExitCode.OK


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
