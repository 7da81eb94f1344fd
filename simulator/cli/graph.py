"""`rolesim graph POOL`: a picture of the pool, providers to rules to roles to trust."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from simulator.analysis.graph import pool_graph
from simulator.cli.common import (
    assume_option,
    chosen_pool,
    config_option,
    format_option,
    load_pool_option,
    one_stdin,
    output_option,
    parameter_option,
    parse_assume,
    pool_argument,
    pool_id_option,
)
from simulator.cli.exit_codes import ExitCode
from simulator.cli.output import open_output
from simulator.render.base import Renderer
from simulator.render.graph_dot import DotRenderer
from simulator.render.graph_mermaid import MermaidRenderer


class GraphFormat(StrEnum):
    MERMAID = "mermaid"
    DOT = "dot"


GRAPH_RENDERERS: dict[GraphFormat, Renderer] = {  # type: ignore[type-arg]
    GraphFormat.MERMAID: MermaidRenderer(),
    GraphFormat.DOT: DotRenderer(),
}


def graph_command(
    pool: Path | None = pool_argument(),
    config: Path | None = config_option(),
    fmt: GraphFormat = format_option(
        GraphFormat.MERMAID, "mermaid (GitHub renders it) or dot (Graphviz: dot -Tpng)."
    ),
    output: Path | None = output_option(),
    assume: list[str] = assume_option(),
    parameter: list[str] = parameter_option(),
    pool_id: str | None = pool_id_option(),
) -> int:
    """Draw the pool: providers, mappings, rules in order (unreachable ones marked), roles, trust,
    the path of tokens no rule matches and the guest path."""
    source = chosen_pool(pool, config, "graph")
    one_stdin([("POOL", source)])
    loaded = load_pool_option(source, parse_assume(assume), parameter, pool_id)
    drawn = pool_graph(loaded)
    with open_output(output, inputs=(source,)) as stream:
        GRAPH_RENDERERS[fmt].render(drawn, stream)
    return ExitCode.OK


def register(app: typer.Typer) -> None:
    app.command("graph")(graph_command)
