"""What a run exercised: every operation of the spec × every response status it documents.

A cell is one operation (by operationId) and one documented status key (``200``, ``404``,
``4XX``, ``default``); it counts the judged answers that fell on it — exact status first, then
its class, then ``default``, as :meth:`contracts.spec.Operation.schema_name_for` picks the schema.
A status the spec does not document gets a cell of its own, marked so. A cell no answer fell on
carries the reason, most telling first: the run was read-only (a 2xx of a call that changes a
live system), the safety guard kept the operation's requests back, ``--max-time`` cut the run, a
probe could not be made (the workflow says why), or the run did not reach it.

An operation is *exercised* when it did its work at least once: an answer fell on one of its 2xx
cells. Refusals alone (the probes a read-only run sends) do not make it so. The verdict counts
the exercised operations ("N of M operations exercised") and names the others with their
reason; ``--require`` turns an operation not exercised into exit 3.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from contracts.run.wire.rejection import path_segments
from contracts.spec import Operation, Spec

READ_ONLY = "read-only"
KEPT_BACK = "kept back by the safety guard"
CUT = "cut by --max-time"
NOT_REACHED = "not reached"
#: Operations that change a live system: their 2xx is never seen by a read-only run.
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class CoverageCell:
    """One operation and one status key: how many answers fell on it, or why none did."""

    operation_id: str
    status: str
    count: int
    reason: str | None = None
    documented: bool = True

    @property
    def exercised(self) -> bool:
        return self.count > 0


@dataclass(frozen=True)
class Coverage:
    """The grid of a run, the operations in the spec's order."""

    operations: tuple[str, ...]
    cells: tuple[CoverageCell, ...]
    #: Why each operation would not be exercised (read for those that were not).
    reasons: Mapping[str, str]

    @property
    def exercised(self) -> tuple[str, ...]:
        """The operations an answer of a 2xx cell shows at work."""
        hit = {cell.operation_id for cell in self.cells if cell.exercised and cell.status.startswith("2")}
        return tuple(op for op in self.operations if op in hit)

    @property
    def not_exercised(self) -> tuple[str, ...]:
        return tuple(op for op in self.operations if op not in self.exercised)

    @property
    def complete(self) -> bool:
        return not self.not_exercised

    def summary(self) -> str:
        """``7 of 10 operations exercised; not exercised: upgradeObproxies (read-only), …``."""
        line = f"{len(self.exercised)} of {len(self.operations)} operations exercised"
        missing = [f"{op} ({self.reasons.get(op, NOT_REACHED)})" for op in self.not_exercised]
        return line + (f"; not exercised: {', '.join(missing)}" if missing else "")

    def to_dict(self) -> dict[str, object]:
        """The grid as data (``summary.json``): the operations exercised and not, with reasons,
        and every cell with its count or the reason it has none."""
        return {
            "operations": len(self.operations),
            "exercised": list(self.exercised),
            "notExercised": {op: self.reasons.get(op, NOT_REACHED) for op in self.not_exercised},
            "cells": [
                {
                    "operationId": cell.operation_id,
                    "status": cell.status,
                    "count": cell.count,
                    "reason": cell.reason,
                    "documented": cell.documented,
                }
                for cell in self.cells
            ],
        }

    def rows(self) -> list[str]:
        """One line per cell: ``upgradeObproxies 200  3`` or ``… not exercised (read-only)``."""
        width = max((len(cell.operation_id) for cell in self.cells), default=0)
        lines = []
        for cell in self.cells:
            status = cell.status if cell.documented else f"{cell.status} (undocumented)"
            said = f"{cell.count}" if cell.exercised else f"not exercised ({cell.reason})"
            lines.append(f"{cell.operation_id:<{width}}  {status:<7} {said}")
        return lines


def status_key(operation: Operation, status: int) -> str | None:
    """The spec's key an answer's status falls on (``404``, ``4XX``, ``default``), or ``None``."""
    return next(
        (key for key in (str(status), f"{status // 100}XX", "default") if key in operation.response_schemas),
        None,
    )


def operation_of(spec: Spec, method: str, url: str) -> str | None:
    """The operationId a request belongs to, matched on the path's tail as the guard matches it."""
    segments = path_segments(url)
    for operation in spec.operations.values():
        template = [part for part in operation.path.split("/") if part]
        if operation.method != method.upper() or len(segments) < len(template):
            continue
        tail = segments[-len(template) :]
        if all(t.startswith("{") or t.lower() == s.lower() for t, s in zip(template, tail, strict=True)):
            return operation.operation_id
    return None


@dataclass(frozen=True)
class Circumstances:
    """What the run knows about why something was not exercised."""

    read_only: bool = False
    kept_back: frozenset[str] = frozenset()
    cut: bool = False
    #: The workflow's own reasons (a probe that could not be made), by operationId.
    notes: Mapping[str, str] | None = None


def coverage(spec: Spec, exchanged: Mapping[tuple[str, int], int], why: Circumstances) -> Coverage:
    """The grid of ``spec``'s operations from the judged answers ``exchanged`` (operationId,
    HTTP status → count)."""
    by_cell: Counter[tuple[str, str]] = Counter()
    undocumented: Counter[tuple[str, str]] = Counter()
    for (operation_id, status), count in exchanged.items():
        operation = spec.operations.get(operation_id)
        if operation is None:
            continue
        key = status_key(operation, status)
        (by_cell if key is not None else undocumented)[(operation_id, key or str(status))] += count
    exercised = {op for op, _ in by_cell} | {op for op, _ in undocumented}
    reasons = {
        op.operation_id: _reason(op, "2XX", why, exercised=op.operation_id in exercised)
        for op in spec.operations.values()
    }
    cells: list[CoverageCell] = []
    for operation in spec.operations.values():
        op = operation.operation_id
        for key in _ordered(operation.response_schemas):
            count = by_cell[(op, key)]
            reason = None if count else _reason(operation, key, why, exercised=op in exercised)
            cells.append(CoverageCell(op, key, count, reason))
        cells += [
            CoverageCell(op, status, count, documented=False)
            for (other, status), count in sorted(undocumented.items())
            if other == op
        ]
    return Coverage(tuple(spec.operations), tuple(cells), reasons)


def _reason(operation: Operation, key: str | None, why: Circumstances, *, exercised: bool) -> str:
    """Why a cell (``key``) or a whole operation (``key=None``) saw no answer."""
    changes = operation.method in CHANGING_METHODS
    success = key is None or key.startswith("2")
    if why.read_only and changes and success:
        return READ_ONLY
    if not exercised and operation.operation_id in why.kept_back:
        return KEPT_BACK
    if why.cut:
        return CUT
    note = (why.notes or {}).get(operation.operation_id)
    if note is not None and (key is None or not key.startswith("2")):
        return note  # a probe the workflow could not make, which would have answered here
    return NOT_REACHED


def kept_back_operations(spec: Spec, requests: Iterable[tuple[str, str]]) -> frozenset[str]:
    """The operationIds of requests (method, URL) the guard kept back."""
    found = (operation_of(spec, method, url) for method, url in requests)
    return frozenset(op for op in found if op is not None)


def _ordered(keys: Iterable[str]) -> list[str]:
    """Status keys in numeric order, classes (``4XX``) after their statuses, ``default`` last."""
    return sorted(keys, key=lambda k: (k == "default", k.replace("XX", "99")))
