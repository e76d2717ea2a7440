"""DAG rules: the subtasks of a task form one directed acyclic graph.

OCP records every edge on both ends (``A.downstreams`` lists ``B`` exactly when
``B.upstreams`` lists ``A``), so the edge set is built from both, every entry without its
partner is reported, and cycles are sought over the union. The first subtask carrying each
usable id takes part; malformed ids, lists and fields are the schema's. Task-list items carry
no edge lists: then only ids are checked. Rule ids: ``dag.duplicate-id``, ``dag.self-loop``,
``dag.dangling-upstream``/``-downstream``, ``dag.asymmetric-edge``, ``dag.cycle`` (printed
from its smallest id) and the warnings ``dag.start-node``/``dag.finish-node``.

Iterative and linear (Kahn's algorithm, then a backward walk through what it could not order).
A usual task is first proven clean in bulk: a large one by :mod:`contracts.rules._dag_proof`
(NumPy), a small one by :func:`_proven_small` (sets of edges, then Kahn's algorithm), which
spares ``validate`` over thousands of saved tasks the walk's work per subtask. When the proof
fails or does not apply, the walk below reports every violation with its pointer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from itertools import chain, compress, repeat, starmap
from operator import contains, eq, not_
from typing import Any, NamedTuple, cast

from contracts._pointer import join
from contracts.rules._ids import format_ids, id_key, id_keys, only
from contracts.violations import Severity, Violation

__all__ = ["check_dag"]

_OTHER_END = {"upstreams": "downstreams", "downstreams": "upstreams"}
_SINGULAR = {"upstreams": "upstream", "downstreams": "downstream"}
_END_NODES = (("upstreams", "dag.start-node", "start"), ("downstreams", "dag.finish-node", "finish"))
_PATH_HOPS = 20  # a longer cycle prints its first hops only: one through 100,000 subtasks fits no line
_SET_ABOVE = 32  # longer id lists are searched through a set (a finish node's thousands of upstreams)
#: Tasks with fewer subtasks are walked straight away: the walk is as fast there, and the proof's
#: NumPy (a tenth of a second to import) stays out of a short-lived ``validate`` of a usual task.
_PROOF_FROM = 512
_PROOF_FIELDS = ("id", "upstreams", "downstreams")
_SPEC_GRAPH = "#/components/schemas/TaskInstance/properties/subtasks"
_SPEC_SUBTASK = "#/components/schemas/SubtaskInstance"

Edge = tuple[int, int]
IdLists = dict[int, list[int | None]]


class _Graph(NamedTuple):
    """The subtasks that take part, their lists of ids, and what the first pass noticed."""

    subtasks: list[Any]  # the task's ``subtasks`` as sent
    nodes: dict[int, int]  # subtask id -> index of the first subtask carrying it
    #: field -> subtask id -> the field's ids, aligned with the JSON list (``None`` where unusable);
    #: a subtask whose field is not a list has no entry.
    lists: dict[str, IdLists]
    duplicates: list[tuple[int, int, int]]  # (id, index of its first subtask, index of a later one)
    #: field -> subtasks whose list names themselves, an unknown id or something unusable
    unclean: dict[str, list[int]]

    def subtask(self, key: int) -> Mapping[str, Any]:
        return cast(Mapping[str, Any], self.subtasks[self.nodes[key]])


class _Ends(NamedTuple):
    """A proven graph's subtasks without upstreams (start candidates) and without downstreams."""

    starts: list[int]
    finishes: list[int]


class _Entry(NamedTuple):
    """One id in a subtask's list: ``graph.lists[field][key][position] == other``."""

    field: str
    key: int
    position: int
    other: int


def check_dag(task: object) -> Iterator[Violation]:
    """Yield the graph violations of ``task`` (a task object with ``subtasks``)."""
    subtasks = task.get("subtasks") if type(task) is dict or isinstance(task, Mapping) else None
    if not isinstance(subtasks, list):
        return
    proven: _Ends | None
    if len(subtasks) >= _PROOF_FROM:
        from contracts.rules._dag_proof import prove_clean

        found = prove_clean(subtasks)
        proven = None if found is None else _Ends(found.starts, found.finishes)
    else:
        proven = _proven_small(subtasks)
    if proven is not None:
        yield from _end_nodes({"upstreams": proven.starts, "downstreams": proven.finishes})
    else:
        yield from _one_by_one(subtasks)


def _proven_small(subtasks: list[Any]) -> _Ends | None:
    """The end nodes of a usual task whose graph is clean, else ``None`` (then the walk decides).

    Usual: every subtask a dict with an ``int`` id, ids distinct, ``upstreams`` and
    ``downstreams`` lists of ``int`` with no entry twice. Clean: both ends record the same set of
    edges, no subtask names itself, and Kahn's algorithm orders every subtask. Each edge set
    holds ids only, so every entry of both ends names a subtask of the task. The edge sets are
    built by C-level iterators (each id repeated once per entry of its list, zipped with the
    entries), so only Kahn's algorithm runs Python code per edge.
    """
    if not subtasks:
        return None  # no graph: the walk says nothing of it
    try:  # dict.get refuses anything but a dict: reading is also testing
        read: list[list[Any]] = [list(map(dict.get, subtasks, repeat(field))) for field in _PROOF_FIELDS]
    except TypeError:
        return None
    ids, ups, downs = read
    if not (only(ups, list) and only(downs, list)):
        return None
    up_counts, down_counts = list(map(len, ups)), list(map(len, downs))
    listed_up, listed_down = list(chain.from_iterable(ups)), list(chain.from_iterable(downs))
    entries = len(listed_down)
    if len(listed_up) != entries or not only(chain(ids, listed_up, listed_down), int):
        return None
    indegree = dict(zip(ids, up_counts, strict=True))
    if len(indegree) != len(ids):
        return None  # an id carried twice
    down_edges = set(zip(chain.from_iterable(map(repeat, ids, down_counts)), listed_down, strict=True))
    if len(down_edges) != entries or any(starmap(eq, down_edges)):
        return None  # an entry listed twice, or a subtask naming itself
    if down_edges != set(zip(listed_up, chain.from_iterable(map(repeat, ids, up_counts)), strict=True)):
        return None
    return _ordered(ids, indegree, downs, up_counts, down_counts)


def _ordered(
    ids: list[int],
    indegree: dict[int, int],
    downs: list[list[int]],
    up_counts: list[int],
    down_counts: list[int],
) -> _Ends | None:
    """Kahn's algorithm over a graph whose ends agree: its end nodes when it orders every subtask.

    ``indegree`` (each subtask's count of upstreams) is used up. The order is a list walked
    while it grows (a subtask is appended once its last upstream is reached), which spares a
    ready stack's pops; a count that reaches zero is not stored back.
    """
    successors = dict(zip(ids, downs, strict=True)).__getitem__
    starts = list(compress(ids, map(not_, up_counts)))
    order = starts[:]
    append = order.append
    for key in order:
        for target in successors(key):
            left = indegree[target] - 1
            if left:
                indegree[target] = left
            else:
                append(target)
    if len(order) != len(ids):
        return None
    return _Ends(starts, list(compress(ids, map(not_, down_counts))))


def _one_by_one(subtasks: list[Any]) -> Iterator[Violation]:
    """The general path: every violation, with its pointer, from a walk over the subtasks."""
    graph = _graph(subtasks)
    yield from _duplicate_ids(graph)
    if not graph.lists["upstreams"] and not graph.lists["downstreams"]:
        return  # no subtask lists edges (a task-list item): there is no graph to check
    yield from _references(graph)
    one_ended = list(_one_ended_entries(graph))
    for entry in one_ended:
        yield _asymmetric(graph, entry)
    yield from _cycles(graph, [(entry.other, entry.key) for entry in one_ended if entry.field == "upstreams"])
    yield from _end_nodes({field: _ends(graph, field) for field in graph.lists})


def _graph(subtasks: list[Any]) -> _Graph:
    """One pass over the subtasks: first occurrences by id, later duplicates, id lists."""
    nodes: dict[int, int] = {}
    ups: IdLists = {}
    downs: IdLists = {}
    duplicates: list[tuple[int, int, int]] = []
    for index, subtask in enumerate(subtasks):
        key = id_key(subtask.get("id")) if isinstance(subtask, Mapping) else None
        if key is None:
            continue
        if key in nodes:
            duplicates.append((key, nodes[key], index))
            continue
        nodes[key] = index
        values = subtask.get("upstreams")
        if isinstance(values, list):
            ups[key] = id_keys(values)
        values = subtask.get("downstreams")
        if isinstance(values, list):
            downs[key] = id_keys(values)
    unclean = {"upstreams": _unclean(ups, nodes), "downstreams": _unclean(downs, nodes)}
    return _Graph(subtasks, nodes, {"upstreams": ups, "downstreams": downs}, duplicates, unclean)


def _unclean(table: IdLists, nodes: dict[int, int]) -> list[int]:
    """Subtasks whose list names themselves, an unknown id or something unusable (``None``).

    Tested in bulk first: every entry a known id, and no list holding its own subtask's id.
    """
    entries = set(chain.from_iterable(table.values()))
    if nodes.keys() >= entries and not any(map(contains, table.values(), table)):
        return []
    known = nodes.__contains__
    return [key for key, ids in table.items() if key in ids or not all(map(known, ids))]


def _duplicate_ids(graph: _Graph) -> Iterator[Violation]:
    for key, seen, index in graph.duplicates:
        yield Violation(
            rule="dag.duplicate-id",
            pointer=join("subtasks", index, "id"),
            message=f"subtask id {key} is already used by the subtask at index {seen}",
            expected="ids unique within the task",
            actual=f"{key} at indexes {seen} and {index}",
            spec=_SPEC_GRAPH,
        )


def _references(graph: _Graph) -> Iterator[Violation]:
    """Entries that name the subtask itself, or no subtask at all."""
    for field, keys in graph.unclean.items():
        for key in keys:
            for position, other in enumerate(graph.lists[field][key]):
                if other == key:
                    yield Violation(
                        rule="dag.self-loop",
                        pointer=join("subtasks", graph.nodes[key], field, position),
                        message=f"subtask {key} lists itself among its own {field}",
                        expected=f"{field} naming other subtasks",
                        actual=str(other),
                        spec=_SPEC_GRAPH,
                    )
                elif other is not None and other not in graph.nodes:
                    yield _dangling(graph, field, key, position, other)


def _dangling(graph: _Graph, field: str, key: int, position: int, other: int) -> Violation:
    return Violation(
        rule=f"dag.dangling-{_SINGULAR[field]}",
        pointer=join("subtasks", graph.nodes[key], field, position),
        message=f"subtask {key} lists {other} among its {field}, but no subtask has id {other}",
        expected="the id of a subtask of this task",
        actual=str(other),
        spec=_SPEC_SUBTASK,
    )


def _one_ended_entries(graph: _Graph) -> Iterator[_Entry]:
    """The entries the other end does not list back.

    An other end whose field is not a list says nothing (the schema reports it); an absent
    field means no edges, so an entry pointing at it has no partner.
    """
    for field, table in graph.lists.items():
        back = _OTHER_END[field]
        theirs = graph.lists[back]
        as_sets: dict[int, set[int | None]] = {}
        for key, ids in table.items():
            for position, other in enumerate(ids):
                if other is None or other == key or other not in graph.nodes:
                    continue
                listed: Collection[int | None] | None = theirs.get(other)
                if listed is None:
                    if graph.subtask(other).get(back) is None:
                        yield _Entry(field, key, position, other)
                    continue
                if len(listed) > _SET_ABOVE:
                    listed = as_sets.get(other) or as_sets.setdefault(other, set(listed))
                if key not in listed:
                    yield _Entry(field, key, position, other)


def _asymmetric(graph: _Graph, entry: _Entry) -> Violation:
    field, key, position, other = entry
    back = _OTHER_END[field]
    return Violation(
        rule="dag.asymmetric-edge",
        pointer=join("subtasks", graph.nodes[key], field, position),
        message=f"subtask {key} lists {other} among its {field}, "
        f"but subtask {other} does not list {key} among its {back}",
        expected=f"subtask {other}'s {back} contain {key}",
        actual=f"{key} missing from subtask {other}'s {back}",
        spec=_SPEC_GRAPH,
        hint="every edge is recorded on both ends: in the source's downstreams and the target's upstreams",
    )


def _cycles(graph: _Graph, upstream_only: list[Edge]) -> Iterator[Violation]:
    successors = _successors(graph, upstream_only)
    remaining = _unordered(graph, successors)
    if not remaining:
        return
    for cycle in _find_cycles(remaining, successors):
        path = _cycle_path(cycle)
        size = f" of {len(cycle):,} subtasks" if len(cycle) > _PATH_HOPS else ""
        yield Violation(
            rule="dag.cycle",
            pointer=join("subtasks", graph.nodes[cycle[0]]),
            message=f"the subtasks form a cycle{size}: {path}",
            expected="an acyclic graph",
            actual=path,
            spec=_SPEC_GRAPH,
            edges=tuple(zip(cycle, (*cycle[1:], cycle[0]), strict=True)),
        )


def _cycle_path(cycle: list[int]) -> str:
    """``1 -> 2 -> 1``, hop by hop; a long cycle shows its first hops and how many it leaves out."""
    if len(cycle) <= _PATH_HOPS:
        return " -> ".join(str(key) for key in (*cycle, cycle[0]))
    shown = " -> ".join(str(key) for key in cycle[: _PATH_HOPS // 2])
    return f"{shown} -> … ({len(cycle) - _PATH_HOPS // 2 - 1:,} more) … -> {cycle[-1]} -> {cycle[0]}"


def _successors(graph: _Graph, upstream_only: list[Edge]) -> dict[int, list[int]]:
    """The union of both ends' evidence: every downstream entry, plus the edges only upstreams record.

    Clean lists (naming only other known subtasks) are used as they are; the rest are filtered.
    """
    downs, nodes = graph.lists["downstreams"], graph.nodes
    successors = cast(dict[int, list[int]], dict(downs))
    for key in graph.unclean["downstreams"]:
        successors[key] = [other for other in downs[key] if other in nodes and other != key]
    for source, target in upstream_only:
        successors[source] = [*successors.get(source, ()), target]
    return successors


def _unordered(graph: _Graph, successors: dict[int, list[int]]) -> set[int]:
    """The subtasks Kahn's algorithm cannot order: those on a cycle and those after one."""
    indegree = Counter(chain.from_iterable(successors.values()))
    ready = list(graph.nodes.keys() - indegree.keys())
    follow, push, pop = successors.get, ready.append, ready.pop
    while ready:
        for target in follow(pop(), ()):
            left = indegree[target] - 1
            indegree[target] = left
            if not left:
                push(target)
    return {key for key, degree in indegree.items() if degree > 0} if any(indegree.values()) else set()


def _find_cycles(remaining: set[int], successors: dict[int, list[int]]) -> Iterator[list[int]]:
    """Node-disjoint cycles among ``remaining``, each in edge order from its smallest id.

    Every subtask Kahn left has a predecessor it also left, so walking backwards (to the
    smallest such predecessor, for stable output) must come back to a subtask of the same
    walk; meeting a subtask of an earlier walk means no new cycle on this one.
    """
    predecessors: dict[int, list[int]] = {}
    for source in remaining:
        for target in successors.get(source, ()):
            if target in remaining:
                predecessors.setdefault(target, []).append(source)
    walked: set[int] = set()
    for start in sorted(remaining):
        walk: dict[int, int] = {}  # subtask -> step of this walk it was reached at
        key = start
        while key not in walked:
            walked.add(key)
            walk[key] = len(walk)
            key = min(predecessors[key])
        if key in walk:
            forward = list(walk)[walk[key] :][::-1]
            smallest = forward.index(min(forward))
            yield forward[smallest:] + forward[:smallest]


def _end_nodes(ends: dict[str, list[int]]) -> Iterator[Violation]:
    """Warn unless exactly one subtask lacks upstreams (start) and one lacks downstreams (finish).

    ``ends`` maps each field to the subtasks without it.
    """
    for field, rule, role in _END_NODES:
        found_ends = ends[field]
        if len(found_ends) == 1:
            continue
        found = f"{len(found_ends)} ({format_ids(found_ends)})" if found_ends else "none"
        yield Violation(
            rule=rule,
            pointer=join("subtasks"),
            message=f"expected exactly one {role} node (a subtask without {field}), found {found}",
            expected=f"one subtask without {field}",
            actual=f"{len(found_ends)} subtasks without {field}"
            + (f": {format_ids(found_ends)}" if found_ends else ""),
            severity=Severity.WARNING,
            spec=_SPEC_GRAPH,
        )


def _ends(graph: _Graph, field: str) -> list[int]:
    """Subtasks without ``field``: omitted (null), or a list naming no id."""
    table = graph.lists[field]
    if graph.unclean[field]:
        ends = [key for key, ids in table.items() if ids.count(None) == len(ids)]
    else:  # every entry is an id: only an empty list names none
        ends = list(compress(table, map(not_, table.values())))
    return ends + [key for key in graph.nodes.keys() - table.keys() if graph.subtask(key).get(field) is None]
