"""Draw a task graph as Mermaid flowchart text, for Markdown pages and issue trackers.

Nodes get a class per status (coloured like the SVG) and ``flagged``; flagged edges are
styled through ``linkStyle`` by their position in the edge list, which is how Mermaid
addresses edges.
"""

from __future__ import annotations

from contracts.docs import palette
from contracts.docs.flags import Flags
from contracts.docs.taskgraph import BOTH, TaskGraph

__all__ = ["render_mermaid"]


def _id(key: int) -> str:
    return f"n{key}" if key >= 0 else f"m{-key}"


def _label(text: str) -> str:
    """Mermaid label text: quotes and angle brackets as entity codes, inside double quotes."""
    return text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _class(status: str) -> str:
    return "status_" + "".join(ch if ch.isalnum() else "_" for ch in status)


def render_mermaid(graph: TaskGraph, flags: Flags | None = None) -> str:
    """``flowchart TB`` text for ``graph``, flagged subtasks in class ``flagged``."""
    flags = flags or Flags()
    lines = ["flowchart TB"]
    for key, node in graph.nodes.items():
        detail = "no subtask has this id" if node.missing else f"#{key} · {node.status}"
        name = f"missing {key}" if node.missing else node.name
        lines.append(f'    {_id(key)}["{_label(name)}<br/>{_label(detail)}"]:::{_class(node.status)}')
    flagged_links: list[int] = []
    for position, edge in enumerate(graph.edges):
        arrow = "-->" if edge.recorded == BOTH else f'-. "{edge.recorded}" .->'
        lines.append(f"    {_id(edge.source)} {arrow} {_id(edge.target)}")
        if (edge.source, edge.target) in flags.edges:
            flagged_links.append(position)
    for status in sorted({node.status for node in graph.nodes.values()}):
        colours = palette.MISSING_COLOURS if status == "MISSING" else palette.colours(status)
        style = f"fill:{colours.fill},stroke:{colours.stroke},color:{colours.text}"
        lines.append(f"    classDef {_class(status)} {style}")
    highlight = f"stroke:{palette.FLAG},stroke-width:3px"
    lines.append(f"    classDef flagged {highlight}")
    if flags.nodes:
        lines.append(f"    class {','.join(_id(key) for key in sorted(flags.nodes))} flagged")
    if flagged_links:
        lines.append(f"    linkStyle {','.join(map(str, flagged_links))} {highlight}")
    lines += [f"    %% {v.severity.value} [{v.rule}] {v.pointer or '/'}: {v.message}" for v in flags.task]
    return "\n".join(lines) + "\n"
