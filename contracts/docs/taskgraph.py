"""A task's subtasks as a drawable graph: nodes, and edges with the ends that record them.

Drawing must work on *broken* tasks too (that is when a picture helps most), so nothing here
assumes a valid DAG: an id named in ``upstreams``/``downstreams`` that no subtask carries
becomes a *missing* node, an edge recorded on one end only is kept with that end noted, and
a later subtask repeating an id is left out (``dag.duplicate-id`` reports it). Ids are
compared through :func:`contracts.rules._ids.id_key`, as the validators compare them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contracts.rules._ids import id_key, index_by_id, listed_ids, subtask_objects

__all__ = ["BOTH", "MISSING", "Edge", "Node", "TaskGraph", "has_graph", "task_graph"]

MISSING = "MISSING"
#: ``Edge.recorded`` values: which end(s) of the edge list it.
BOTH, DOWN_ONLY, UP_ONLY = "both", "downstreams only", "upstreams only"


@dataclass(frozen=True)
class Node:
    """One subtask (or an id that no subtask carries, when ``missing``)."""

    key: int
    name: str
    status: str
    #: Position in ``subtasks``; ``None`` for a missing node.
    index: int | None
    parallel_idx: int | None = None
    series_id: int | None = None

    @property
    def missing(self) -> bool:
        return self.index is None

    def sort_hint(self) -> tuple[int, int, int]:
        """Where the node goes among its layer before crossings are reduced: branch, series, id."""
        branch = self.parallel_idx if self.parallel_idx is not None else -1
        series = self.series_id if self.series_id is not None else 0
        return (branch, series, self.key)


@dataclass(frozen=True)
class Edge:
    """``source`` must succeed before ``target`` runs."""

    source: int
    target: int
    recorded: str = BOTH


@dataclass
class TaskGraph:
    """The nodes by id, and the edges in a stable order."""

    nodes: dict[int, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    name: str = ""
    status: str = ""


def has_graph(task: object) -> bool:
    """Whether ``task`` has subtasks with edges to draw (task list items carry none)."""
    return any("upstreams" in s or "downstreams" in s for _, s in subtask_objects(task))


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) else default


def _node(key: int, index: int, subtask: Mapping[str, Any]) -> Node:
    name = _text(subtask.get("name"), _text(subtask.get("description"), f"subtask {key}"))
    return Node(
        key=key,
        name=name,
        status=_text(subtask.get("status"), "?"),
        index=index,
        parallel_idx=_int(subtask.get("parallelIdx")),
        series_id=_int(subtask.get("seriesId")),
    )


def task_graph(task: object) -> TaskGraph:
    """The drawable graph of a task object (``data`` of a task response)."""
    found = index_by_id(subtask_objects(task))
    graph = TaskGraph(
        nodes={key: _node(key, index, subtask) for key, (index, subtask) in found.items()},
        name=_text(task.get("name"), "") if isinstance(task, Mapping) else "",
        status=_text(task.get("status"), "") if isinstance(task, Mapping) else "",
    )
    ends: dict[tuple[int, int], set[str]] = {}
    for key, (_, subtask) in found.items():
        for _, other in listed_ids(subtask, "downstreams"):
            ends.setdefault((key, other), set()).add("downstreams")
        for _, other in listed_ids(subtask, "upstreams"):
            ends.setdefault((other, key), set()).add("upstreams")
    for (source, target), recorded in ends.items():
        for key in (source, target):
            if key not in graph.nodes:
                graph.nodes[key] = Node(key=key, name="no such subtask", status=MISSING, index=None)
        label = BOTH if len(recorded) == 2 else (DOWN_ONLY if "downstreams" in recorded else UP_ONLY)
        graph.edges.append(Edge(source, target, label))
    graph.edges.sort(key=lambda edge: (edge.source, edge.target))
    return graph


def subtask_key(task: object, index: int) -> int | None:
    """The id of the subtask at ``index`` of ``task['subtasks']``, when it has a usable one."""
    subtasks = task.get("subtasks") if isinstance(task, Mapping) else None
    if not isinstance(subtasks, list) or not 0 <= index < len(subtasks):
        return None
    subtask = subtasks[index]
    return id_key(subtask.get("id")) if isinstance(subtask, Mapping) else None
