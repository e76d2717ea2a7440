"""The DAG rule's fast path: proving in bulk that the graph of a usual task is clean.

A usual task is one where every subtask is a JSON object with a distinct integer id and
``upstreams`` and ``downstreams`` arrays of integers. Clean means: every entry names another
subtask, every edge is recorded on both ends, and there is no cycle.

Why a separate path: on a large task the cost is memory traffic, not arithmetic. The parsed
subtasks are spread over a heap of hundreds of megabytes, so every random visit to one costs
far more than a Python bytecode. The proof therefore reads the heap once, in order, with
C-level builtins (``dict.get`` mapped over the subtasks, ``itertools.chain``, types tested as a
set), turns every id into its subtask's position — by subtraction when the ids are dense, as
OCP's database sequences make them, else through one dict — and then works on small lists of
positions only: one pass of Kahn's algorithm along the downstreams that also checks each
edge against its target's upstreams.

:func:`prove_clean` answers yes or "not proven", never reports anything: when the proof fails
or does not apply (string ids, absent arrays, duplicates, …), :mod:`contracts.rules.dag` walks
the subtasks one by one and says exactly what is wrong, so the two paths cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import accumulate, chain, compress, repeat
from operator import eq, gt, is_, not_, sub
from typing import Any, NamedTuple

from contracts.rules._ids import only

__all__ = ["Ends", "prove_clean"]

_NO_UPSTREAM = -1  # marks, in the single-upstream table, a subtask with none
_SEVERAL = -2  # … and one with several (then its upstreams are in a set)

#: Positions of the given ids in the subtask list, ``None`` (or ``-1``) where an id is unknown.
Locate = Callable[[list[int]], list[Any]]


class Ends(NamedTuple):
    """The subtasks without upstreams (start candidates) and without downstreams (finish candidates)."""

    starts: list[int]
    finishes: list[int]


class _Graph(NamedTuple):
    """A usual task's graph by subtask position: ``targets[offsets[i]:offsets[i + 1]]`` follow ``i``."""

    targets: list[Any]
    offsets: list[int]
    single_upstream: list[Any]  # the position of a subtask's only upstream, or a marker
    several_upstreams: dict[int, set[Any]]  # positions of the upstreams, for the others


def prove_clean(subtasks: list[Any]) -> Ends | None:
    """The graph's end nodes when it is proven clean, else ``None`` (not usual, or something is wrong)."""
    read = _read(subtasks)
    if read is None:
        return None
    ids, ups, downs = read
    locate = _locator(ids)
    graph = None if locate is None else _graph(locate, ups, downs)
    if graph is None or not _ordered(graph, [*map(len, ups)]):
        return None
    return Ends(list(compress(ids, map(not_, ups))), list(compress(ids, map(not_, downs))))


def _read(subtasks: list[Any]) -> tuple[list[int], list[list[int]], list[list[int]]] | None:
    """Ids, upstreams and downstreams of a usual task, read in subtask order; else ``None``."""
    if not subtasks or not only(subtasks, dict):
        return None
    ids: list[Any] = list(map(dict.get, subtasks, repeat("id")))
    ups: list[Any] = list(map(dict.get, subtasks, repeat("upstreams")))
    downs: list[Any] = list(map(dict.get, subtasks, repeat("downstreams")))
    if not (only(ids, int) and only(ups, list) and only(downs, list)):
        return None
    return ids, ups, downs


def _locator(ids: list[int]) -> Locate | None:
    """How to turn ids into positions; ``None`` when an id repeats.

    Dense ids (spanning at most about twice their number) index a list by subtraction, others
    a dict. Either way an entry that is no id gives ``None``.
    """
    base = min(ids)
    span = max(ids) - base + 1
    if span > 2 * len(ids) + 64:
        where = dict(zip(ids, range(len(ids)), strict=True))
        return None if len(where) != len(ids) else lambda values: list(map(where.get, values))
    table: list[int | None] = [None] * span
    for position, key in enumerate(ids):
        if table[key - base] is not None:
            return None
        table[key - base] = position
    top = base + span

    def locate(values: list[int]) -> list[Any]:
        if values and (min(values) < base or max(values) >= top):
            return [None]
        return list(map(table.__getitem__, map(sub, values, repeat(base))))

    return locate


def _graph(locate: Locate, ups: list[list[int]], downs: list[list[int]]) -> _Graph | None:
    """Positions for every entry; ``None`` when one is no id of a subtask, or a list names one twice."""
    targets, sources = _entries(locate, downs), _entries(locate, ups)
    if targets is None or sources is None or _repeats(downs):
        return None
    counts = list(map(len, ups))
    starts = list(accumulate(counts, initial=0))
    single = list(map([*sources, _NO_UPSTREAM].__getitem__, starts[:-1]))  # first upstreams
    several: dict[int, set[Any]] = {}
    for position in compress(range(len(ups)), map(gt, counts, repeat(1))):
        several[position] = set(sources[starts[position] : starts[position + 1]])
        if len(several[position]) != counts[position]:
            return None
        single[position] = _SEVERAL
    for position in compress(range(len(ups)), map(not_, counts)):
        single[position] = _NO_UPSTREAM
    return _Graph(targets, list(accumulate(map(len, downs), initial=0)), single, several)


def _entries(locate: Locate, lists: list[list[int]]) -> list[Any] | None:
    """The positions every entry names, list after list; ``None`` when one is no id of a subtask."""
    flat = list(chain.from_iterable(lists))
    if not only(flat, int):
        return None
    positions = locate(flat)
    return None if any(map(is_, positions, repeat(None))) else positions


def _repeats(lists: list[list[int]]) -> bool:
    """Whether a list names an id twice (only lists of two or more ids can)."""
    several = compress(lists, map(gt, map(len, lists), repeat(1)))
    return any(len(set(values)) != len(values) for values in several)


def _ordered(graph: _Graph, waiting: list[int]) -> bool:
    """Kahn's algorithm along the downstreams, accepting an edge only when its target lists it back.

    A subtask with one upstream is ready as soon as that upstream is ordered; one with several
    waits for each of them (``waiting`` holds the counts). When every subtask gets ordered, each
    downstream entry has its upstream partner — and with as many entries on both sides and no
    list naming an id twice, each upstream entry its downstream partner — and there is no
    cycle (a self-loop waits for itself).
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
