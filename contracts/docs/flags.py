"""Which subtasks and edges of a picture the validators flag.

Violations point into the payload (``/data/subtasks/3/upstreams/0``); a picture speaks of
subtask ids and edges. This module maps one to the other:

* ``…/subtasks/i`` and anything below it → the subtask at index ``i``;
* ``…/subtasks/i/upstreams/j`` → also the edge from that upstream to subtask ``i``
  (``downstreams/j`` → the edge from ``i`` to that downstream);
* a violation that names its ``edges`` (``dag.cycle``: every hop of the cycle) → those edges
  and their subtasks, read from the data, never from the printed path;
* anything else (the task's own fields, ``/subtasks`` as a whole) → a task-level finding,
  listed beside the picture.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from contracts._pointer import split
from contracts.docs.taskgraph import subtask_key
from contracts.rules._ids import id_key
from contracts.violations import Violation

__all__ = ["Flags", "flags_for"]

_EDGE_FIELDS = ("upstreams", "downstreams")


@dataclass
class Flags:
    """Rule ids per subtask id and per edge, and the findings that belong to the task as a whole."""

    nodes: dict[int, set[str]] = field(default_factory=dict)
    edges: dict[tuple[int, int], set[str]] = field(default_factory=dict)
    task: list[Violation] = field(default_factory=list)
    #: Subtask ids with at least one error (the others only have warnings).
    errors: set[int] = field(default_factory=set)

    def mark_node(self, key: int, violation: Violation) -> None:
        self.nodes.setdefault(key, set()).add(violation.rule)
        if violation.is_error:
            self.errors.add(key)

    def mark_edge(self, edge: tuple[int, int], violation: Violation) -> None:
        self.edges.setdefault(edge, set()).add(violation.rule)

    @property
    def count(self) -> int:
        return len(self.nodes) + len(self.edges) + len(self.task)


def _entry(task: object, index: int, field_name: str, position: int) -> int | None:
    subtasks = task.get("subtasks") if isinstance(task, Mapping) else None
    subtask = subtasks[index] if isinstance(subtasks, list) and 0 <= index < len(subtasks) else None
    values = subtask.get(field_name) if isinstance(subtask, Mapping) else None
    return id_key(values[position]) if isinstance(values, list) and 0 <= position < len(values) else None


def _place(flags: Flags, task: object, tokens: list[str], violation: Violation) -> bool:
    """Flag what ``tokens`` (relative to the task) name; ``False`` when it is no subtask."""
    if len(tokens) < 2 or tokens[0] != "subtasks" or not tokens[1].isdigit():
        return False
    index = int(tokens[1])
    key = subtask_key(task, index)
    if key is None:
        return False
    flags.mark_node(key, violation)
    if len(tokens) >= 4 and tokens[2] in _EDGE_FIELDS and tokens[3].isdigit():
        other = _entry(task, index, tokens[2], int(tokens[3]))
        if other is not None:
            flags.mark_node(other, violation)
            flags.mark_edge((other, key) if tokens[2] == "upstreams" else (key, other), violation)
    return True


def flags_for(task: object, violations: Iterable[Violation], *, prefix: str = "/data") -> Flags:
    """Map ``violations`` of a response (pointers under ``prefix``) onto ``task``'s picture."""
    flags = Flags()
    for violation in violations:
        if violation.edges:
            for source, target in violation.edges:
                flags.mark_node(source, violation)
                flags.mark_node(target, violation)
                flags.mark_edge((source, target), violation)
            continue
        pointer = violation.pointer
        inside = pointer == prefix or pointer.startswith(prefix + "/")
        tokens = split(pointer[len(prefix) :]) if inside else []
        if not _place(flags, task, tokens, violation):
            flags.task.append(violation)
    return flags
