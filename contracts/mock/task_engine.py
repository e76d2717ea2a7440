"""The task engine: creates upgrade tasks and moves their subtasks along the DAG.

A task's state is a function of its *step* number. Each step, computed from the statuses before
it: RUNNING subtasks end (SUCCESSFUL, or FAILED where the inventory marks the step to fail),
READY subtasks start RUNNING; then PENDING subtasks whose upstreams all succeeded become READY.
So a subtask runs only after its upstreams succeeded, and branches advance side by side. The
task is SUCCESSFUL when every subtask is, FAILED when a subtask failed and none is READY or
RUNNING any more.

Every status change is recorded with its step and time, so :meth:`Task.view_step` can show the
task as it was at an earlier step (the ``stale-read`` fault uses that; a faithful mock never does).

Progression: per poll (``tick=None``, the default for tests: each ``GET`` of the task advances it
one step) or by time (``tick`` seconds per step, caught up lazily whenever the mock is asked).
All state lives behind one re-entrant lock; finished tasks beyond ``max_finished`` are evicted,
oldest first (the tasks present at start-up are pinned).
"""

from __future__ import annotations

import itertools
import random
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from contracts.mock.inventory import Cluster, Server, User
from contracts.mock.upgrade_dag import PlannedSubtask, build_plan, display_order
from contracts.ocp import EXECUTE, FAILED, PENDING, READY, ROLLBACK, RUNNING, SUCCESSFUL
from contracts.ocp import TERMINAL_TASK as TERMINAL

TASK_NAME = "Upgrade obproxy"


@dataclass(frozen=True, slots=True)
class Change:
    """A status entered at a step, at a time, under an operation (EXECUTE, or ROLLBACK once the
    task is rolled back)."""

    step: int
    status: str
    at: datetime
    operation: str = EXECUTE


@dataclass(slots=True)
class Subtask:
    """A plan node with its status history; ``fails`` makes its run end FAILED."""

    node: PlannedSubtask
    fails: bool
    history: list[Change]

    @property
    def status(self) -> str:
        return self.history[-1].status

    def at_step(self, step: int) -> list[Change]:
        """The changes up to and including ``step`` (never empty: the first is at step 0)."""
        return [change for change in self.history if change.step <= step]


@dataclass(slots=True)
class Task:
    """An upgrade task: who asked for what, its subtasks in display order, its history."""

    id: int
    cluster: Cluster
    servers: tuple[Server, ...]
    package: str
    creator: User
    subtasks: list[Subtask]
    history: list[Change]
    step: int = 0
    polls: int = 0
    pinned: bool = False
    by_id: dict[int, Subtask] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return self.history[-1].status

    @property
    def created_at(self) -> datetime:
        return self.history[0].at

    @property
    def last_at(self) -> datetime:
        return max(change.at for sub in self.subtasks for change in sub.history[-1:])

    def status_at(self, step: int) -> Change:
        return [change for change in self.history if change.step <= step][-1]


class Engine:
    """All tasks, the servers they hold, and their progression. Callers hold :attr:`lock`."""

    def __init__(
        self,
        *,
        rng: random.Random,
        tick: float | None = None,
        max_finished: int = 1000,
        first_task_id: int = 33149,
        first_subtask_id: int = 50001,
    ) -> None:
        if tick is not None and tick <= 0:
            raise ValueError(f"tick must be positive seconds, got {tick}")
        if max_finished < 1:
            raise ValueError(f"max_finished must be at least 1, got {max_finished}")
        self.lock = threading.RLock()
        self.tick = tick
        self.max_finished = max_finished
        self._rng = rng
        self._task_ids = itertools.count(first_task_id)
        self._subtask_ids = itertools.count(first_subtask_id)
        self._tasks: dict[int, Task] = {}
        self._busy: dict[int, int] = {}
        self._finished: deque[int] = deque()

    # ------------------------------------------------------------------ creation

    def busy_with(self, server_ids: Iterable[int]) -> tuple[int, int] | None:
        """``(server id, task id)`` of the first server already being changed by a running task."""
        for server_id in server_ids:
            if server_id in self._busy:
                return server_id, self._busy[server_id]
        return None

    def create(
        self,
        *,
        cluster: Cluster,
        servers: Sequence[Server],
        package: str,
        creator: User,
        now: datetime,
        fail_at: Mapping[int, str] | None = None,
        pinned: bool = False,
    ) -> Task:
        """A new RUNNING task (start subtask READY, the rest PENDING) holding ``servers``."""
        failing = {s.id: s.fail_at for s in servers if s.fail_at} | dict(fail_at or {})
        nodes = build_plan([s.id for s in servers], lambda: next(self._subtask_ids))
        subtasks = [
            Subtask(
                node,
                failing.get(node.server_id or 0) == node.step.key,
                [Change(0, PENDING if node.upstreams else READY, now)],
            )
            for node in display_order(nodes, self._rng)
        ]
        task = Task(
            next(self._task_ids),
            cluster,
            tuple(servers),
            package,
            creator,
            subtasks,
            [Change(0, RUNNING, now)],
            pinned=pinned,
            by_id={s.node.id: s for s in subtasks},
        )
        self._tasks[task.id] = task
        for server in servers:
            self._busy[server.id] = task.id
        return task

    # ------------------------------------------------------------------ progression

    def rollback(self, task: Task, at: datetime) -> bool:
        """Start rolling back a FAILED ``task``; ``False`` (nothing changes) when it is not FAILED.

        As OCP's ``TaskInstanceManagerImpl.rollbackTask`` does: the task turns RUNNING under
        operation ROLLBACK, and every subtask that had run (is not PENDING) takes the operation
        ROLLBACK. The next step undoes them (see :meth:`step`).
        """
        if task.status != FAILED:
            return False
        at = max(at, task.last_at)
        k = task.step + 1
        for sub in task.subtasks:
            if sub.status != PENDING:
                sub.history.append(Change(k, sub.status, at, ROLLBACK))
        task.history.append(Change(k, RUNNING, at, ROLLBACK))
        task.step = k
        return True

    def _undo(self, task: Task, at: datetime) -> None:
        """One step of a rollback: the undone subtasks are PENDING again and, as OCP's
        ``RunningTaskWorker.updateState`` decides under ROLLBACK, the task is SUCCESSFUL once
        every subtask is PENDING."""
        k = task.step + 1
        for sub in task.subtasks:
            if sub.status != PENDING:
                sub.history.append(Change(k, PENDING, at, ROLLBACK))
        task.step = k
        task.history.append(Change(k, SUCCESSFUL, at, ROLLBACK))

    def step(self, task: Task, at: datetime) -> None:
        """Advance ``task`` one step (no-op once it is SUCCESSFUL or FAILED)."""
        if task.status in TERMINAL:
            return
        at = max(at, task.last_at)
        if task.history[-1].operation == ROLLBACK:
            self._undo(task, at)
            return
        k = task.step + 1
        before = {sub.node.id: sub.status for sub in task.subtasks}
        for sub in task.subtasks:
            if before[sub.node.id] == RUNNING:
                sub.history.append(Change(k, FAILED if sub.fails else SUCCESSFUL, at))
            elif before[sub.node.id] == READY:
                sub.history.append(Change(k, RUNNING, at))
        for sub in task.subtasks:
            if sub.status == PENDING and all(task.by_id[u].status == SUCCESSFUL for u in sub.node.upstreams):
                sub.history.append(Change(k, READY, at))
        task.step = k
        self._settle(task, at)

    def _settle(self, task: Task, at: datetime) -> None:
        statuses = {sub.status for sub in task.subtasks}
        if statuses == {SUCCESSFUL}:
            outcome = SUCCESSFUL
        elif FAILED in statuses and not statuses & {READY, RUNNING}:
            outcome = FAILED
        else:
            return
        task.history.append(Change(task.step, outcome, at))
        for server in task.servers:
            if self._busy.get(server.id) == task.id:
                del self._busy[server.id]
        if not task.pinned:
            self._finished.append(task.id)
            while len(self._finished) > self.max_finished:
                self._tasks.pop(self._finished.popleft(), None)

    def _catch_up_task(self, task: Task, now: datetime) -> None:
        assert self.tick is not None
        target = int((now - task.created_at).total_seconds() // self.tick)
        while task.step < target and task.status not in TERMINAL:
            self.step(task, task.created_at + timedelta(seconds=self.tick * (task.step + 1)))

    def catch_up(self, now: datetime) -> None:
        """Tick mode: bring every running task up to ``now`` (per-poll mode: nothing to do)."""
        if self.tick is None:
            return
        for task_id in list(self._busy.values()):
            task = self._tasks.get(task_id)
            if task is not None:
                self._catch_up_task(task, now)

    def observe(self, task_id: int, now: datetime) -> Task | None:
        """A ``GET`` of the task: counts the poll and advances it (one step, or up to ``now``)."""
        task = self._tasks.get(task_id)
        if task is None:
            return None
        task.polls += 1
        if self.tick is None:
            self.step(task, now)
        else:
            self._catch_up_task(task, now)
        return task

    def run_to_end(self, task: Task, *, every: timedelta) -> None:
        """Step ``task`` until it finishes, ``every`` apart (the finished tasks seeded at start-up)."""
        at = task.created_at
        while task.status not in TERMINAL:
            at += every
            self.step(task, at)

    # ------------------------------------------------------------------ reading

    def get(self, task_id: int) -> Task | None:
        return self._tasks.get(task_id)

    def tasks(self) -> list[Task]:
        """Every task the engine still holds, by id."""
        return sorted(self._tasks.values(), key=lambda task: task.id)

    def newest_other_than(self, task_id: int) -> Task | None:
        others = [tid for tid in self._tasks if tid != task_id]
        return self._tasks[max(others)] if others else None
