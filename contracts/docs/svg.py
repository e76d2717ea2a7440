"""Draw a task graph as SVG: nodes coloured by status, flagged subtasks and edges in magenta.

Geometry is computed here (from :mod:`contracts.docs.layout`); markup lives in the
``dag.svg.j2`` template. ``standalone`` adds the XML prolog, a legend and the list of
task-level findings, for ``ocp-contract graph``; the reference page embeds the bare picture.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from contracts.docs import palette
from contracts.docs.flags import Flags
from contracts.docs.layout import Geometry, Layout, layered
from contracts.docs.taskgraph import BOTH, Edge, Node, TaskGraph
from contracts.docs.templating import environment

__all__ = ["DrawnEdge", "DrawnNode", "render_svg"]

_NAME_CHARS = 28
_LEGEND_ROW = 22.0
_FINDINGS_SHOWN = 12
_FINDING_CHARS = 110


@dataclass(frozen=True)
class DrawnNode:
    key: int
    x: float
    y: float
    width: float
    height: float
    label: str
    detail: str
    tooltip: str
    colours: palette.Colours
    flag: str  # "", "error" or "warning"
    missing: bool


@dataclass(frozen=True)
class DrawnEdge:
    path: str
    tooltip: str
    flagged: bool
    dashed: bool


@dataclass(frozen=True)
class LegendItem:
    x: float
    y: float
    label: str
    colours: palette.Colours


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _node(node: Node, layout: Layout, flags: Flags) -> DrawnNode:
    x, y = layout.positions[node.key]
    g = layout.geometry
    rules = sorted(flags.nodes.get(node.key, ()))
    flag = ("error" if node.key in flags.errors else "warning") if rules else ""
    parallel = node.parallel_idx is not None and node.parallel_idx >= 0
    branch = f" · branch {node.parallel_idx}" if parallel else ""
    detail = "no subtask has this id" if node.missing else f"#{node.key} · {node.status}{branch}"
    tooltip = f"{node.name} (id {node.key}, {node.status})"
    if rules:
        tooltip += f" — flagged: {', '.join(rules)}"
    return DrawnNode(
        key=node.key,
        x=x,
        y=y,
        width=g.node_width,
        height=g.node_height,
        label=_short(f"missing {node.key}" if node.missing else node.name, _NAME_CHARS),
        detail=detail,
        tooltip=tooltip,
        colours=palette.MISSING_COLOURS if node.missing else palette.colours(node.status),
        flag=flag,
        missing=node.missing,
    )


def _edge_path(edge: Edge, layout: Layout) -> str:
    g = layout.geometry
    sx, sy = layout.positions[edge.source]
    tx, ty = layout.positions[edge.target]
    if edge.source == edge.target:
        right, middle = sx + g.node_width, sy + g.node_height / 2
        return (
            f"M{right:.1f},{middle - 10:.1f} C{right + 40:.1f},{middle - 30:.1f} "
            f"{right + 40:.1f},{middle + 30:.1f} {right:.1f},{middle + 10:.1f}"
        )
    if (edge.source, edge.target) in layout.back_edges:
        return _back_edge_path(sx, sy, tx, ty, layout)
    # down through the waypoints of a long edge: a curve between layers, straight past each waypoint
    points = [(sx + g.node_width / 2, sy + g.node_height)]
    for wx, wy in layout.bends.get((edge.source, edge.target), []):
        points += [(wx + g.node_width / 2, wy), (wx + g.node_width / 2, wy + g.node_height)]
    points.append((tx + g.node_width / 2, ty))
    path = [f"M{points[0][0]:.1f},{points[0][1]:.1f}"]
    for index in range(1, len(points)):
        (x1, y1), (x2, y2) = points[index - 1], points[index]
        if index % 2 == 0:
            path.append(f"L{x2:.1f},{y2:.1f}")
        else:
            bend = (y2 - y1) / 2
            path.append(f"C{x1:.1f},{y1 + bend:.1f} {x2:.1f},{y2 - bend:.1f} {x2:.1f},{y2:.1f}")
    return " ".join(path)


def _back_edge_path(sx: float, sy: float, tx: float, ty: float, layout: Layout) -> str:
    """An edge drawn upwards, around every box rather than through one: down out of the source
    into the gap below its layer, right past the rightmost box (into the band the layout keeps
    for back edges), up to the gap above the target's layer, left, and down into the target.
    Horizontal runs lie in the gaps between layers and the vertical run right of all boxes, so no
    box — the start node included — is crossed, whichever layers the edge spans."""
    g = layout.geometry
    clear = min(g.layer_gap, g.margin) / 2
    right = max((x for x, _ in layout.positions.values()), default=max(sx, tx)) + g.node_width + 28
    x1, y1 = sx + g.node_width / 2, sy + g.node_height
    x2, y2 = tx + g.node_width / 2, ty
    below, above = y1 + clear, y2 - clear
    r = min(8.0, clear)
    return (
        f"M{x1:.1f},{y1:.1f} L{x1:.1f},{below - r:.1f} Q{x1:.1f},{below:.1f} {x1 + r:.1f},{below:.1f} "
        f"L{right - r:.1f},{below:.1f} Q{right:.1f},{below:.1f} {right:.1f},{below - r:.1f} "
        f"L{right:.1f},{above + r:.1f} Q{right:.1f},{above:.1f} {right - r:.1f},{above:.1f} "
        f"L{x2 + r:.1f},{above:.1f} Q{x2:.1f},{above:.1f} {x2:.1f},{above + r:.1f} L{x2:.1f},{y2:.1f}"
    )


def _edge(edge: Edge, layout: Layout, flags: Flags) -> DrawnEdge:
    rules = sorted(flags.edges.get((edge.source, edge.target), ()))
    tooltip = f"{edge.source} → {edge.target}"
    if edge.recorded != BOTH:
        tooltip += f" (recorded in {edge.recorded})"
    if rules:
        tooltip += f" — flagged: {', '.join(rules)}"
    return DrawnEdge(_edge_path(edge, layout), tooltip, bool(rules), edge.recorded != BOTH)


def _legend(statuses: Iterable[str], top: float, width: float) -> list[LegendItem]:
    items: list[LegendItem] = []
    x, y = 16.0, top
    for status in statuses:
        if x + 130 > width:
            x, y = 16.0, y + _LEGEND_ROW
        items.append(LegendItem(x, y, status, palette.colours(status)))
        x += 130
    return items


def _uid(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", text) or "dag"


def render_svg(
    graph: TaskGraph,
    flags: Flags | None = None,
    *,
    uid: str = "dag",
    standalone: bool = False,
    statuses: Iterable[str] = (),
    title: str = "",
) -> str:
    """The SVG markup of ``graph``; ``statuses`` are listed in the legend (standalone only)."""
    flags = flags or Flags()
    keys = list(graph.nodes)
    layout = layered(
        keys,
        [(e.source, e.target) for e in graph.edges],
        hint=lambda key: graph.nodes[key].sort_hint(),
        geometry=Geometry(),
    )
    width, height = layout.width, layout.height
    legend: list[LegendItem] = []
    findings: list[str] = []
    if standalone:
        width = max(width, 660.0)
        legend = _legend([*statuses, "flagged"], height + 8, width)
        height = (legend[-1].y if legend else height) + _LEGEND_ROW + 4
        findings = [
            _short(f"{v.severity.value} [{v.rule}] {v.pointer or '/'}: {v.message}", _FINDING_CHARS)
            for v in flags.task[:_FINDINGS_SHOWN]
        ]
        if len(flags.task) > _FINDINGS_SHOWN:
            findings.append(f"… and {len(flags.task) - _FINDINGS_SHOWN} more")
        height += 18 * len(findings)
    nodes = [_node(graph.nodes[key], layout, flags) for key in keys]
    edges = [_edge(edge, layout, flags) for edge in graph.edges]
    label = title or f"Task graph of {graph.name or 'a task'}: {len(nodes)} subtasks, {len(edges)} edges"
    template = environment().get_template("dag.svg.j2")
    return template.render(
        uid=_uid(uid),
        width=width,
        height=height,
        nodes=nodes,
        edges=edges,
        legend=legend,
        findings=findings,
        findings_top=height - 18 * len(findings),
        standalone=standalone,
        label=label,
        flag_colour=palette.FLAG,
        warning_colour=palette.FLAG_WARNING,
    )
