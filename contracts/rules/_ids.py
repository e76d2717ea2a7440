"""Id normalisation and subtask indexing shared by the semantic rules.

OCP ids are Java Longs: JSON integers, or numeric strings for values beyond ±(2^53−1), which
a JSON number cannot carry exactly (``"9007199254740993"``). The rules compare ids through
:func:`id_key`, so ``34964`` and ``"34964"`` name the same subtask. Anything else (``null``,
``true``, ``"abc"``, ``1.5``) is unusable here: the schema rule reports its type, and the
semantic rules skip it rather than report the same problem twice.

The helpers never raise on JSON-shaped input: a task that is not an object, ``subtasks`` that
is not an array, a subtask that is not an object, ``upstreams`` that is not an array — each is
simply left out of what the rules look at.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from contracts.ocp import id_or_none

#: A subtask as the rules see it: its position in ``subtasks`` and the object itself.
Located = tuple[int, Mapping[str, Any]]


def only(values: Iterable[object], kind: type) -> bool:
    """Whether every value is exactly a ``kind`` (a ``bool`` is no ``int`` here), in one C-level pass.

    The rules use it to take their bulk path on the usual task (all subtasks objects, all ids
    integers) without a Python loop per value; an empty ``values`` qualifies.
    """
    return set(map(type, values)) <= {kind}


def id_key(value: object) -> int | None:
    """The comparable form of an id (:func:`contracts.ocp.id_or_none`, with a fast path for ints)."""
    if type(value) is int:
        return value
    return id_or_none(value)


def subtask_objects(task: object) -> list[Located]:
    """The subtasks that are objects, with their positions; ``[]`` when there is no usable list."""
    if not isinstance(task, Mapping):
        return []
    subtasks = task.get("subtasks")
    if not isinstance(subtasks, list):
        return []
    return [(index, subtask) for index, subtask in enumerate(subtasks) if isinstance(subtask, Mapping)]


def index_by_id(subtasks: list[Located]) -> dict[int, Located]:
    """The first subtask carrying each usable id (later duplicates are ``dag.duplicate-id``'s)."""
    nodes: dict[int, Located] = {}
    for index, subtask in subtasks:
        key = id_key(subtask.get("id"))
        if key is not None and key not in nodes:
            nodes[key] = (index, subtask)
    return nodes


def id_keys(values: list[Any]) -> list[int | None]:
    """:func:`id_key` of each value, position for position.

    A list holding one int — most lists of most graphs — is returned as it is (never mutated).
    """
    if len(values) == 1 and type(values[0]) is int:
        return values
    return [value if type(value) is int else id_key(value) for value in values]


def listed_ids(subtask: Mapping[str, Any], field: str) -> Iterator[tuple[int, int]]:
    """``(position, id)`` for each usable id in ``subtask[field]``; nothing if it is not a list."""
    values = subtask.get(field)
    if not isinstance(values, list):
        return
    for position, value in enumerate(values):
        key = id_key(value)
        if key is not None:
            yield position, key


def id_set(subtask: Mapping[str, Any], field: str) -> frozenset[int] | None:
    """The usable ids in ``subtask[field]`` as a set, or ``None`` when the field is not a list."""
    if not isinstance(subtask.get(field), list):
        return None
    return frozenset(key for _, key in listed_ids(subtask, field))


def text(mapping: object, field: str) -> str | None:
    """``mapping[field]`` when ``mapping`` is an object and the value a string, else ``None``."""
    if type(mapping) is not dict and not isinstance(mapping, Mapping):  # a dict, tested first: cheaper
        return None
    value = mapping.get(field)
    return value if isinstance(value, str) else None


def id_difference(before: AbstractSet[int], after: AbstractSet[int], gained: str, lost: str) -> str:
    """How ``after`` differs from ``before``: ``"gained 3, 4; lost 1"`` (either part left out when empty)."""
    parts = [f"{gained} {format_ids(after - before)}"] if after - before else []
    parts += [f"{lost} {format_ids(before - after)}"] if before - after else []
    return "; ".join(parts)


def format_ids(ids: Iterable[int], limit: int = 10) -> str:
    """Sorted ids joined by commas, cut after ``limit`` with a count of the rest."""
    ordered = sorted(ids)
    shown = ", ".join(str(key) for key in ordered[:limit])
    rest = len(ordered) - limit
    return f"{shown}, … ({rest} more)" if rest > 0 else shown
