"""What the run has seen of each task, so consecutive snapshots can be compared.

:class:`TaskTrail` holds the last snapshot of one task and runs
:func:`contracts.rules.transitions.check_transition` against each new one. :class:`TaskHistory`
keeps the trails of the schemathesis phases **per worker thread**: two snapshots are compared
only when one thread fetched both, one after the other, so a slow answer overtaken by a newer one
on another thread can never look like a task going back in time.

Pointers are prefixed with ``/data``, as :func:`contracts.validate.validate_response` reports them.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from typing import Any

from contracts.ocp import id_or_none
from contracts.rules.transitions import AcceptedCall, check_transition
from contracts.violations import Violation

_WRONG_TASK = "transition.wrong-task"


def task_id_of(value: object) -> int | None:
    """A Long id sent as a JSON integer or a numeric string; ``None`` for anything else."""
    return id_or_none(value)


class TaskTrail:
    """The snapshots of one task, compared pairwise in the order they arrive."""

    def __init__(self) -> None:
        self.last: Mapping[str, Any] | None = None
        self.count = 0

    def observe(
        self,
        snapshot: Mapping[str, Any],
        *,
        requested: int | None = None,
        accepted_calls: Collection[AcceptedCall] | None = None,
    ) -> list[Violation]:
        """Transition violations from the previous snapshot to ``snapshot`` (which then becomes it).

        A snapshot of another task than ``requested`` is reported and not kept: the next one is
        compared with the last snapshot of the right task. ``accepted_calls``: the control calls
        accepted since the previous snapshot, when the caller made every call itself (``()`` for
        none); ``None`` leaves re-openings to the operations the snapshots show.
        """
        found = [
            v.under("/data")
            for v in check_transition(
                self.last, snapshot, requested_task_id=requested, accepted_calls=accepted_calls
            )
        ]
        if not any(v.rule == _WRONG_TASK for v in found):
            self.last, self.count = snapshot, self.count + 1
        return found


class TaskHistory:
    """Per-thread trails and created task ids for the checks of the schemathesis phases."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _state(self) -> tuple[dict[int, TaskTrail], set[int]]:
        if not hasattr(self._local, "trails"):
            self._local.trails, self._local.created = {}, set()
        return self._local.trails, self._local.created

    def created(self, task_id: int) -> None:
        """An upgrade on this thread answered with ``task_id``."""
        self._state()[1].add(task_id)

    def was_created(self, task_id: int) -> bool:
        return task_id in self._state()[1]

    def observe(
        self,
        task_id: int,
        snapshot: Mapping[str, Any],
        *,
        requested: int | None = None,
        accepted_calls: Collection[AcceptedCall] | None = None,
    ) -> list[Violation]:
        """Compare ``snapshot`` with this thread's last snapshot of ``task_id`` (``accepted_calls``
        as for :meth:`TaskTrail.observe`)."""
        trails = self._state()[0]
        return trails.setdefault(task_id, TaskTrail()).observe(
            snapshot, requested=requested, accepted_calls=accepted_calls
        )
