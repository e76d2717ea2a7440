"""Compare two observed shapes: what appeared, disappeared or changed, and what breaks.

"Breaking" is judged for a client written against OLD:

* breaking — an operation or property no longer sent, a header no longer sent, a type a
  field did not have before, an enum value never seen before, a status code never seen
  before (each of these can hit a code path the client does not have);
* not breaking — anything added that the client may ignore (a property, a header, an
  operation), a status or enum value no longer seen, a field that lost one of its types.

Only what the targets did differently is reported, never what the two runs happened to
exercise. Each shape records how it was collected (seed, phases, examples, OCP version, task
ids, upgrade): when both record the same collection, the same requests were sent, and every
difference is the targets'. Otherwise the shapes are *not comparable* for presence — an
operation, status, property, header or enum value seen by one run only may just not have been
asked for by the other — so only the types of what both runs saw are compared, and
:func:`comparability` says why.

Removals and additions are reported at their top-most path only: a removed object does not
also list each of its properties. Every step is a set operation or one sorted pass, so the
comparison is linear (plus sorting) in the size of the two shapes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

from contracts.shapes.model import Shape, StatusShape

__all__ = ["Comparability", "Difference", "comparability", "compare"]

#: kinds that say something was seen by one run only: the targets' doing only when both runs
#: were collected alike
_PRESENCE = frozenset(
    {
        "operation-removed",
        "operation-added",
        "status-added",
        "status-unseen",
        "property-removed",
        "property-added",
        "enum-value-added",
        "enum-value-unseen",
        "header-removed",
        "header-added",
    }
)


@dataclass(frozen=True)
class Comparability:
    """Whether two shapes were collected alike; ``reasons`` says how they were not."""

    comparable: bool
    reasons: tuple[str, ...] = ()


def comparability(old: Shape, new: Shape) -> Comparability:
    """Whether ``old`` and ``new`` were collected with the same requests in mind."""
    reasons = [
        f"{name} does not record how it was collected"
        for name, shape in (("OLD", old), ("NEW", new))
        if not shape.collection
    ]
    if not reasons:
        for key in sorted(old.collection.keys() | new.collection.keys()):
            before, after = old.collection.get(key, "(unrecorded)"), new.collection.get(key, "(unrecorded)")
            if before != after:
                reasons.append(f"{key} {before} in OLD, {after} in NEW")
    return Comparability(not reasons, tuple(reasons))


@dataclass(frozen=True, order=True)
class Difference:
    """One difference between OLD and NEW. ``path`` is a collapsed JSON pointer or header name."""

    operation: str
    status: int
    kind: str
    path: str
    breaking: bool
    message: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _top_most(paths: Iterable[str]) -> list[str]:
    """The paths not below another path of the same set (sorted: a parent precedes its children)."""
    kept: list[str] = []
    chosen: set[str] = set()
    for path in sorted(paths):
        parts = path.split("/")
        if not any("/".join(parts[:end]) in chosen for end in range(1, len(parts))):
            kept.append(path)
            chosen.add(path)
    return kept


def _describe(path: str) -> str:
    return path or "(the body)"


def _types(types: set[str]) -> str:
    return "|".join(sorted(types))


def _values(values: Iterable[object]) -> str:
    return ", ".join(json.dumps(value) for value in sorted(values, key=json.dumps))


def _properties(op: str, status: int, old: StatusShape, new: StatusShape) -> Iterator[Difference]:
    removed = old.properties.keys() - new.properties.keys()
    added = new.properties.keys() - old.properties.keys()
    for path in _top_most(removed):
        message = f"{_describe(path)}: no longer sent (was {_types(old.properties[path])})"
        yield Difference(op, status, "property-removed", path, True, message)
    for path in _top_most(added):
        message = f"{_describe(path)}: new property ({_types(new.properties[path])})"
        yield Difference(op, status, "property-added", path, False, message)
    for path in sorted(old.properties.keys() & new.properties.keys()):
        before, after = old.properties[path], new.properties[path]
        if before == after:
            continue
        widened = bool(after - before)
        kind = "type-changed" if widened else "type-narrowed"
        message = f"{_describe(path)}: type {_types(before)} → {_types(after)}"
        yield Difference(op, status, kind, path, widened, message)


def _enums(op: str, status: int, old: StatusShape, new: StatusShape) -> Iterator[Difference]:
    for path in sorted(old.enums.keys() & new.enums.keys()):
        before, after = old.enums[path], new.enums[path]
        fresh = [value for value in after if value not in before]
        gone = [value for value in before if value not in after]
        if fresh:
            message = f"{_describe(path)}: new enum value {_values(fresh)} (OLD sent {_values(before)})"
            yield Difference(op, status, "enum-value-added", path, True, message)
        if gone:
            message = f"{_describe(path)}: enum value {_values(gone)} not seen in NEW"
            yield Difference(op, status, "enum-value-unseen", path, False, message)


def _headers(op: str, status: int, old: StatusShape, new: StatusShape) -> Iterator[Difference]:
    for name in sorted(old.headers - new.headers):
        yield Difference(op, status, "header-removed", name, True, f"header {name}: no longer sent")
    for name in sorted(new.headers - old.headers):
        yield Difference(op, status, "header-added", name, False, f"header {name}: new")


def _statuses(op: str, old: dict[int, StatusShape], new: dict[int, StatusShape]) -> Iterator[Difference]:
    for status in sorted(new.keys() - old.keys()):
        message = f"new status code {status} (OLD answered {', '.join(map(str, sorted(old))) or 'nothing'})"
        yield Difference(op, status, "status-added", "", True, message)
    for status in sorted(old.keys() - new.keys()):
        yield Difference(op, status, "status-unseen", "", False, f"status {status} not seen in NEW")
    for status in sorted(old.keys() & new.keys()):
        yield from _properties(op, status, old[status], new[status])
        yield from _enums(op, status, old[status], new[status])
        yield from _headers(op, status, old[status], new[status])


def compare(old: Shape, new: Shape) -> list[Difference]:
    """Every difference from ``old`` to ``new`` the targets are answerable for (see the module
    docstring): by operation, status, then breaking ones first."""
    found = _all_differences(old, new)
    if not comparability(old, new).comparable:
        found = [difference for difference in found if difference.kind not in _PRESENCE]
    return found


def _all_differences(old: Shape, new: Shape) -> list[Difference]:
    found: list[Difference] = []
    for op in sorted(old.operations.keys() - new.operations.keys()):
        found.append(Difference(op, 0, "operation-removed", "", True, f"operation {op}: not observed in NEW"))
    for op in sorted(new.operations.keys() - old.operations.keys()):
        found.append(Difference(op, 0, "operation-added", "", False, f"operation {op}: observed only in NEW"))
    for op in sorted(old.operations.keys() & new.operations.keys()):
        found.extend(_statuses(op, old.operations[op], new.operations[op]))
    return sorted(found, key=lambda d: (d.operation, d.status, not d.breaking, d.path, d.kind))
