"""The DAG rule's fast path: proving in bulk that the graph of a usual task is clean.

A usual task is one where every subtask is a JSON object with a distinct integer id and
``upstreams`` and ``downstreams`` arrays of integers. Clean means: every entry names another
subtask, every edge is recorded on both ends, and there is no cycle.

Why a separate path: on a large task the cost is memory traffic, not arithmetic. The parsed
subtasks are spread over a heap of hundreds of megabytes, and every pass over them costs a
few percent of the time it took to parse them, whatever it does. So the proof makes as few
passes as it can, each in subtask order and at C speed — ``dict.get`` mapped over the
subtasks, types tested as a set, ``itertools.chain`` — turns every id into its subtask's
position (by its distance from the first id when the ids are dense, as OCP's database
sequences make them, else through one dict) and then works on small lists of positions only:
one pass of Kahn's algorithm along the downstreams that also checks each edge against its
target's upstreams, following chains of single edges without going through its stack.

:func:`prove_clean` answers yes or "not proven", never reports anything: when the proof fails
or does not apply (string ids, absent arrays, duplicates, …), :mod:`contracts.rules.dag` walks
the subtasks one by one and says exactly what is wrong. Every violation therefore comes from
the walk; ``tests/rules/test_dag_paths.py`` pins that the proof never hides one.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import accumulate, chain, compress, repeat
from operator import is_, ne, sub
from typing import Any, NamedTuple

from contracts.rules._ids import only

__all__ = ["Ends", "prove_clean"]

_NONE = -1  # marks, in a table of each subtask's only upstream (downstream), a subtask with none
_SEVERAL = -2  # … and one with several
_DENSE = 2  # ids spanning at most about this many times their number are looked up in a list

#: Positions of the subtasks the given ids name; ``None`` when one names none.
Locate = Callable[[list[Any]], list[int] | None]


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


class _Side(NamedTuple):
    """One field's lists by subtask position: ``entries[starts[i]:starts[i + 1]]`` are subtask ``i``'s."""

    entries: list[int]
    starts: list[int]
    only: list[int]  # the one position each list names, or a marker (none, several)
    empty: list[int]  # the subtasks whose list is empty
    several: dict[int, set[int]]  # the positions each list naming several names


def prove_clean(subtasks: list[Any]) -> Ends | None:
    """The graph's end nodes when it is proven clean, else ``None`` (not usual, or something is wrong)."""
    columns = _read(subtasks)
    locate = None if columns is None else _locator(columns.ids)
    if columns is None or locate is None:
        return None
    downs = _side(locate, columns.downs, columns.down_counts)
    ups = _side(locate, columns.ups, columns.up_counts)
    if downs is None or ups is None or not _ordered(downs, ups, list(columns.up_counts)):
        return None
    ids = columns.ids.__getitem__
    return Ends(list(map(ids, ups.empty)), list(map(ids, downs.empty)))


def _read(subtasks: list[Any]) -> _Columns | None:
    """The subtasks' ids and lists, when every subtask is an object and both fields arrays; else ``None``.

    Reading is testing: ``dict.get`` refuses anything but a dict and ``list.__len__`` anything
    but a list, so each field costs one pass over the subtasks.
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


def _locator(ids: list[Any]) -> Locate | None:
    """How to turn ids into positions; ``None`` when an id is not an integer (or is a boolean) or repeats.

    Dense ids index a list by their distance from the smallest id, other ids a dict.
    """
    if not only(ids, int):
        return None
    lowest, highest = min(ids), max(ids)
    if highest - lowest >= _DENSE * len(ids) + 64:
        where = dict(zip(ids, range(len(ids)), strict=True))
        return None if len(where) != len(ids) else _sparse(where)
    table = _table(list(map(sub, ids, repeat(lowest))), highest - lowest + 1)
    return None if table is None else _dense(table, lowest)


def _table(distances: list[int], size: int) -> list[int | None] | None:
    """Each distance's position in a list of ``size`` slots, filled at C speed; ``None`` on a repeat.

    A repeated distance overwrites its slot, leaving one more slot empty than the ids allow.
    """
    table: list[int | None] = [None] * size
    list(map(table.__setitem__, distances, range(len(distances))))
    return table if table.count(None) == size - len(distances) else None


def _dense(table: list[int | None], lowest: int) -> Locate:
    """Locate by distance from ``lowest``: a value below it is refused before it could wrap around the
    table, one beyond the table's end raises ``IndexError``, one in a gap finds ``None``.
    """

    def locate(values: list[Any]) -> list[int] | None:
        if not only(values, int) or (values and min(values) < lowest):
            return None
        try:
            return _known(list(map(table.__getitem__, map(sub, values, repeat(lowest)))))
        except IndexError:
            return None

    return locate


def _sparse(where: dict[int, int]) -> Locate:
    def locate(values: list[Any]) -> list[int] | None:
        return _known(list(map(where.get, values))) if only(values, int) else None

    return locate


def _known(positions: list[int | None]) -> list[int] | None:
    return None if any(map(is_, positions, repeat(None))) else positions  # type: ignore[return-value]


def _side(locate: Locate, lists: list[list[int]], counts: list[int]) -> _Side | None:
    """Positions for every entry of one field; ``None`` when one is no id of a subtask or a list repeats one.

    Lists naming exactly one subtask — all but the ends and the forks — are found in bulk.
    """
    entries = locate(list(chain.from_iterable(lists)))
    if entries is None:
        return None
    starts = list(accumulate(counts, initial=0))
    only = list(map([*entries, _NONE].__getitem__, starts[:-1]))
    empty: list[int] = []
    several: dict[int, set[int]] = {}
    for position in compress(range(len(counts)), map(ne, counts, repeat(1))):
        if not counts[position]:
            only[position] = _NONE
            empty.append(position)
            continue
        several[position] = set(entries[starts[position] : starts[position + 1]])
        if len(several[position]) != counts[position]:
            return None
        only[position] = _SEVERAL
    return _Side(entries, starts, only, empty, several)


def _ordered(downs: _Side, ups: _Side, waiting: list[int]) -> bool:
    """Kahn's algorithm along the downstreams, accepting an edge only when its target lists it back.

    A subtask with one upstream is ready as soon as that upstream is ordered; one with several
    waits for each of them (``waiting`` holds the counts). When every subtask gets ordered, each
    downstream entry has its upstream partner — and with as many entries on both sides and no
    list naming an id twice, each upstream entry its downstream partner — and there is no
    cycle (a self-loop waits for itself).

    It runs once per subtask, so it is one loop with few calls: a subtask with a single
    downstream that it makes ready hands over to it directly, following the chain.
    """
    if len(downs.entries) != len(ups.entries):
        return False
    only_downstream, only_upstream, several = downs.only, ups.only, ups.several
    ready = list(ups.empty)
    ordered = 0
    while ready:
        source = ready.pop()
        while True:
            ordered += 1
            target = only_downstream[source]
            if target == _SEVERAL:
                if not _release(downs, ups, source, waiting, ready):
                    return False
                break
            if target == _NONE:
                break
            upstream = only_upstream[target]
            if upstream != source:
                if upstream != _SEVERAL or source not in several[target]:
                    return False
                waiting[target] -= 1
                if waiting[target]:
                    break
            source = target
    return ordered == len(waiting)


def _release(downs: _Side, ups: _Side, source: int, waiting: list[int], ready: list[int]) -> bool:
    """Kahn's step for a subtask with several downstreams: the ones it makes ready go on ``ready``."""
    for target in downs.several[source]:
        upstream = ups.only[target]
        if upstream != source:
            if upstream != _SEVERAL or source not in ups.several[target]:
                return False
            waiting[target] -= 1
            if waiting[target]:
                continue
        ready.append(target)
    return True
