"""A pool graph in Graphviz's DOT language (`rolesim graph POOL -f dot | dot -Tpng`)."""

from __future__ import annotations

from typing import IO

from simulator.analysis.graph import GraphNode, PoolGraph
from simulator.render.base import Renderer

_SHAPES = {
    "provider": "shape=oval",
    "mapping": "shape=hexagon",
    "rule": "shape=box",
    "role": 'shape=box, style="rounded,filled", fillcolor="#dcfce7"',
    "refusal": 'shape=box, style=filled, fillcolor="#fee2e2"',
    "guest": "shape=oval",
    "trust": "shape=note",
}
_EDGES = {
    "ambiguous": "style=dashed",
    "guest": "style=dotted",
    "trust": "arrowhead=none, style=dashed",
    "no-match": 'color="#6b7280"',
}


def dot_string(text: str) -> str:
    """A DOT quoted string (the language escapes only `"`; a backslash starts an escape, and a
    line break is written as one)."""
    text = " ".join(text.split())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _node(node: GraphNode, ident: str) -> str:
    label = node.label
    attrs = [_SHAPES[node.kind]]
    if {"unreachable", "shadowed"} & node.marks:
        label += " (" + ", ".join(sorted({"unreachable", "shadowed"} & node.marks)) + ")"
        attrs.append('style=dashed, color="#999999", fontcolor="#666666"')
    if "finding" in node.marks:
        attrs.append('penwidth=3, color="#d97706"')
    if "changed" in node.marks:
        attrs.append('penwidth=3, color="#2563eb"')
    return f"  {ident} [label={dot_string(label)}, {', '.join(attrs)}];"


def dot(graph: PoolGraph) -> str:
    ids = {n.id: f"n{i}" for i, n in enumerate(graph.nodes)}
    lines = [
        "digraph pool {",
        "  rankdir=LR;",
        f"  label={dot_string(graph.title)};",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    lines += [_node(n, ids[n.id]) for n in graph.nodes]
    for e in graph.edges:
        attrs = [
            a
            for a in (_EDGES.get(e.kind), f"label={dot_string(e.label)}" if e.label else None)
            if a
        ]
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {ids[e.source]} -> {ids[e.target]}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


class DotRenderer(Renderer[PoolGraph]):
    def render(self, result: PoolGraph, stream: IO[str]) -> None:
        stream.write(dot(result))
