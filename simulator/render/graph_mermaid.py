"""A pool graph as a Mermaid flowchart (GitHub renders it in pull requests and step summaries)."""

from __future__ import annotations

import re
from typing import IO

from simulator.analysis.graph import GraphEdge, GraphNode, PoolGraph
from simulator.render.base import Renderer

_SHAPES = {
    "provider": ('(["', '"])'),
    "mapping": ('{{"', '"}}'),
    "rule": ('["', '"]'),
    "role": ('[["', '"]]'),
    "refusal": ('["', '"]'),
    "guest": ('(["', '"])'),
    "trust": ('>"', '"]'),
}
_ARROWS = {"ambiguous": "-.->", "guest": "-.->", "trust": "---"}
_CLASSES = {
    "unreachable": "fill:#eeeeee,stroke:#999999,stroke-dasharray:4 3,color:#666666",
    "shadowed": "fill:#eeeeee,stroke:#999999,stroke-dasharray:4 3,color:#666666",
    "finding": "stroke:#d97706,stroke-width:3px",
    "changed": "stroke:#2563eb,stroke-width:3px",
    "refusal": "fill:#fee2e2,stroke:#b91c1c",
    "role": "fill:#dcfce7,stroke:#15803d",
}
# Inside a quoted Mermaid label only `"` and the entity marker `#` are special; `<` and `>` would
# be read as HTML by the renderer. Each becomes an entity code, so any text draws as written.
_ENTITY = re.compile(r'["#<>`]')


def mermaid_text(text: str) -> str:
    return _ENTITY.sub(lambda m: f"#{ord(m.group())};", " ".join(text.split()))


def _label(node: GraphNode) -> str:
    extra = [m for m in ("unreachable", "shadowed") if m in node.marks]
    return node.label + (f" ({', '.join(extra)})" if extra else "")


def mermaid(graph: PoolGraph, *, direction: str = "LR") -> str:
    ids = {n.id: f"n{i}" for i, n in enumerate(graph.nodes)}
    lines = [f"flowchart {direction}"]
    for node in graph.nodes:
        start, end = _SHAPES[node.kind]
        lines.append(f"  {ids[node.id]}{start}{mermaid_text(_label(node))}{end}")
    for edge in graph.edges:
        lines.append(f"  {ids[edge.source]} {_arrow(edge)} {ids[edge.target]}")
    used = {m for n in graph.nodes for m in (*n.marks, n.kind) if m in _CLASSES}
    for name in sorted(used):
        lines.append(f"  classDef {name} {_CLASSES[name]}")
    for node in graph.nodes:
        # Marks last, so they show over the kind's colours.
        for name in (node.kind, *sorted(node.marks)):
            if name in _CLASSES:
                lines.append(f"  class {ids[node.id]} {name}")
    return "\n".join(lines) + "\n"


def _arrow(edge: GraphEdge) -> str:
    arrow = _ARROWS.get(edge.kind, "-->")
    return f'{arrow}|"{mermaid_text(edge.label)}"|' if edge.label else arrow


class MermaidRenderer(Renderer[PoolGraph]):
    def render(self, result: PoolGraph, stream: IO[str]) -> None:
        stream.write(mermaid(result))
