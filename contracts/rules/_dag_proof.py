"""The DAG rule's fast path: proving in bulk that the graph of a usual task is clean.

A usual task is one where every subtask is a JSON object with a distinct integer id and
``upstreams`` and ``downstreams`` arrays of integers. Clean means: every entry names another
subtask, every edge is recorded on both ends, and there is no cycle.

Why a separate path: on a large task the cost is memory traffic, not arithmetic. The parsed
subtasks are spread over a heap of hundreds of megabytes, and every pass over them costs a
few percent of the time it took to parse them, whatever it does. So the proof makes as few
passes as it can, each in subtask order and at C speed — ``dict.get`` mapped over the
subtasks, ``list.__len__`` and ``int.__sub__`` mapped over their fields (which both reads and
type-checks them: these unbound methods refuse any other type), ``itertools.chain`` — turns
every id into its subtask's position (by its distance from the first id when the ids are
dense, as OCP's database sequences make them, else through one dict) and then works on small
lists of positions only: one pass of Kahn's algorithm along the downstreams that also checks
each edge against its target's upstreams.

:func:`prove_clean` answers yes or "not proven", never reports anything: when the proof fails
or does not apply (string ids, absent arrays, duplicates, …), :mod:`contracts.rules.dag` walks
the subtasks one by one and says exactly what is wrong, so the two paths cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import accumulate, chain, compress, repeat
from operator import eq, gt, is_, not_
from typing import Any, NamedTuple

__all__ = ["Ends", "prove_clean"]

_NO_UPSTREAM = -1  # marks, in the single-upstream table, a subtask with none
_SEVERAL = -2  # … and one with several (then its upstreams are in a set)
_DENSE = 2  # ids spanning at most about this many times their number are looked up in a list

#: Positions of the subtasks the given ids name, ``None`` where an id names none.
Locate = Callable[[list[Any]], list[Any] | None]


class Ends(NamedTuple):
    """The subtasks without upstreams (start candidates) and without downstreams (finish candidates)."""

    starts: list[int]
    finishes: list[int]


class _Columns(NamedTuple):
    """The graph's fields of every subtask, in subtask order, as parsed."""

    ids: list[int]
    ups: list[list[int]]
    downs: list[list[int]]
    up_counts: list[int]
    down_counts: list[int]


class _Graph(NamedTuple):
    """The graph by subtask position: ``targets[offsets[i]:offsets[i + 1]]`` follow subtask ``i``."""

    targets: list[int]
    offsets: list[int]
    single_upstream: list[int]  # the position of a subtask's only upstream, or a marker
    several_upstreams: dict[int, set[int]]  # positions of the upstreams, for the others


def prove_clean(subtasks: list[Any]) -> Ends | None:
    """The graph's end nodes when it is proven clean, else ``None`` (not usual, or something is wrong)."""
    columns = _read(subtasks)
    locate = None if columns is None else _locator(columns.ids)
    graph = None if columns is None or locate is None else _graph(columns, locate)
    if columns is None or graph is None or not _ordered(graph, list(columns.up_counts)):
        return None
    return Ends(
        list(compress(columns.ids, map(not_, columns.up_counts))),
        list(compress(columns.ids, map(not_, columns.down_counts))),
    )


def _read(subtasks: list[Any]) -> _Columns | None:
    """The subtasks' ids and lists, when every subtask is an object and both fields arrays; else ``None``.

    ``dict.get`` and ``list.__len__`` raise ``TypeError`` on anything else: reading is testing.
    """
    if not subtasks:
        return None
    try:
        ids: list[Any] = list(map(dict.get, subtasks, repeat("id")))
        ups: list[Any] = list(map(dict.get, subtasks, repeat("upstreams")))
        downs: list[Any] = list(map(dict.get, subtasks, repeat("downstreams")))
        return _Columns(ids, ups, downs, list(map(list.__len__, ups)), list(map(list.__len__, downs)))
    except TypeError:
        return None


def _distances(values: list[Any], first: int) -> list[int] | None:
    """``value - first`` for each value, when every one is an integer (and no boolean); else ``None``."""
    if any(map(is_, values, repeat(True))) or any(map(is_, values, repeat(False))):
        return None
    try:
        return list(map(int.__sub__, values, repeat(first)))
    except TypeError:  # a value that is not an integer
        return None


def _locator(ids: list[Any]) -> Locate | None:
    """How to turn ids into positions; ``None`` when an id is not an integer or repeats.

    Dense ids index a list by their distance from the first id — a negative distance wraps
    around to the end of the list, where no other id lands — and other ids a dict.
    """
    first = ids[0]
    distances = _distances(ids, first) if type(first) is int else None
    if distances is None:
        return None
    low, high = min(distances), max(distances)
    if high - low >= _DENSE * len(ids) + 64:
        where = dict(zip(ids, range(len(ids)), strict=True))
        return None if len(where) != len(ids) else _sparse(where, first)
    table: list[int | None] = [None] * (high - low + 1)
    for position, distance in enumerate(distances):
        if table[distance] is not None:
            return None
        table[distance] = position
    return _dense(table, first, low, high)


def _dense(table: list[int | None], first: int, low: int, high: int) -> Locate:
    def locate(values: list[Any]) -> list[Any] | None:
        distances = _distances(values, first)
        if distances is None or (distances and (min(distances) < low or max(distances) > high)):
            return None
        positions = list(map(table.__getitem__, distances))
        return None if any(map(is_, positions, repeat(None))) else positions

    return locate


def _sparse(where: dict[int, int], first: int) -> Locate:
    def locate(values: list[Any]) -> list[Any] | None:
        if _distances(values, first) is None:
            return None
        positions = list(map(where.get, values))
        return None if any(map(is_, positions, repeat(None))) else positions

    return locate


def _graph(columns: _Columns, locate: Locate) -> _Graph | None:
    """Positions for every entry; ``None`` when one is no id of a subtask, or a list names one twice."""
    targets = locate(list(chain.from_iterable(columns.downs)))
    sources = locate(list(chain.from_iterable(columns.ups)))
    if targets is None or sources is None or _repeats(columns.downs, columns.down_counts):
        return None
    counts = columns.up_counts
    starts = list(accumulate(counts, initial=0))
    single = list(map([*sources, _NO_UPSTREAM].__getitem__, starts[:-1]))  # each first upstream
    several: dict[int, set[int]] = {}
    for position in compress(range(len(counts)), map(gt, counts, repeat(1))):
        several[position] = set(sources[starts[position] : starts[position + 1]])
        if len(several[position]) != counts[position]:
            return None
        single[position] = _SEVERAL
    for position in compress(range(len(counts)), map(not_, counts)):
        single[position] = _NO_UPSTREAM
    return _Graph(targets, list(accumulate(columns.down_counts, initial=0)), single, several)


def _repeats(lists: list[list[int]], counts: list[int]) -> bool:
    """Whether a list names an id twice (only lists of two or more ids can)."""
    several = compress(lists, map(gt, counts, repeat(1)))
    return any(len(set(values)) != len(values) for values in several)


def _ordered(graph: _Graph, waiting: list[int]) -> bool:
    """Kahn's algorithm along the downstreams, accepting an edge only when its target lists it back.

    A subtask with one upstream is ready as soon as that upstream is ordered; one with several
    waits for each of them (``waiting`` holds the counts). When every subtask gets ordered, each
    downstream entry has its upstream partner — and with as many entries on both sides and no
    list naming an id twice, each upstream entry its downstream partner — and there is no
    cycle (a self-loop waits for itself). One loop, no call per subtask: it runs 100,000 times.
    """
    targets, offsets, single, several = graph
    if len(targets) != sum(waiting):
        return False
    ready = list(compress(range(len(waiting)), map(eq, single, repeat(_NO_UPSTREAM))))
    push, pop, ordered = ready.append, ready.pop, 0
    while ready:
        source = pop()
        ordered += 1
        for target in targets[offsets[source] : offsets[source + 1]]:
            upstream = single[target]
            if upstream == source:
                push(target)
            elif upstream == _SEVERAL and source in several[target]:
                waiting[target] -= 1
                if not waiting[target]:
                    push(target)
            else:
                return False
    return ordered == len(waiting)
