"""The task engine: creates upgrade tasks and moves their subtasks along the DAG.

A task's state is a function of its *step* number. Each step, computed from the statuses before
it: RUNNING subtasks end (SUCCESSFUL, or FAILED where the inventory marks the step to fail),
READY subtasks start RUNNING; then PENDING subtasks whose upstreams all succeeded become READY.
So a subtask runs only after its upstreams succeeded, and branches advance side by side. The
task is SUCCESSFUL when every subtask is, FAILED when a subtask failed and none is READY, RUNNING
or CANCELING any more.

The failure path (``ocp-api.md`` §5a, as OCP Express's ``TaskInstanceManagerImpl`` and
``SubtaskInstanceManagerImpl`` implement it) changes a task between steps: a task retry (FAILED,
not under ROLLBACK) makes the task RUNNING under RETRY and its FAILED subtasks READY under RETRY; a
rollback (FAILED, rollback not prohibited) makes it RUNNING under ROLLBACK, undone on the next
step; a subtask retry (FAILED, not under ROLLBACK) makes the subtask READY under RETRY; a skip
(FAILED) makes it READY under SKIP, and the next step passes it SUCCESSFUL without running it; a
cancel (RUNNING) makes it CANCELING, and the next step ends it FAILED. Each returns the refusal —
the status or operation that forbids it — or ``None`` when it was done. A step that fails runs
only while its subtask's ``fail_times`` allow (``None``: every run).

What the servers run is kept here too: a task that ends SUCCESSFUL, not under ROLLBACK, moves the
servers it names to its package's version, but for a server whose branch had a subtask skipped.

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

from contracts.mock.inventory import Cluster, Server, User, package_version
from contracts.mock.upgrade_dag import PlannedSubtask, build_plan, display_order
from contracts.ocp import (
    CANCEL,
    CANCELING,
    EXECUTE,
    FAILED,
    PENDING,
    READY,
    RETRY,
    ROLLBACK,
    ROLLBACK_SKIP,
    RUNNING,
    SKIP,
    SUCCESSFUL,
)
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


#: Operations under which a READY subtask is passed without running.
_PASSED = frozenset({SKIP, ROLLBACK_SKIP})


@dataclass(slots=True)
class Subtask:
    """A plan node with its status history; ``fails`` makes its runs end FAILED, the first
    ``fail_times`` of them only when that is set."""

    node: PlannedSubtask
    fails: bool
    history: list[Change]
    fail_times: int | None = None

    @property
    def status(self) -> str:
        return self.history[-1].status

    @property
    def operation(self) -> str:
        return self.history[-1].operation

    @property
    def runs(self) -> int:
        """How many times the subtask has run (entered RUNNING)."""
        return sum(1 for change in self.history if change.status == RUNNING)

    def run_fails(self) -> bool:
        """Whether the run now ending fails (counted among :attr:`runs`)."""
        return self.fails and (self.fail_times is None or self.runs <= self.fail_times)

    def move(self, step: int, status: str, at: datetime, operation: str | None = None) -> None:
        """Enter ``status`` at ``step``, under ``operation`` (by default the current one)."""
        self.history.append(Change(step, status, at, operation or self.operation))

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
    prohibit_rollback: bool = False
    #: Tick mode: the step and time from which time advances the task (its creation, or the last
    #: control call that set it RUNNING again).
    resumed: tuple[int, datetime] | None = None

    @property
    def status(self) -> str:
        return self.history[-1].status

    @property
    def operation(self) -> str:
        return self.history[-1].operation

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
        self._running: dict[int, None] = {}  # ids of the RUNNING tasks, in the order they started
        self._finished: deque[int] = deque()
        self._versions: dict[int, str] = {}  # server id → version, once an upgrade changed it

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
        """A new RUNNING task (start subtask READY, the rest PENDING) holding ``servers``.

        ``fail_at`` (server id → step key) adds failing steps to the inventory's; those fail every run.
        """
        failing = {s.id: s.fail_at for s in servers if s.fail_at} | dict(fail_at or {})
        times = {s.id: s.fail_times for s in servers if s.fail_at and not (fail_at and s.id in fail_at)}
        nodes = build_plan([s.id for s in servers], lambda: next(self._subtask_ids))
        subtasks = [
            Subtask(
                node,
                failing.get(node.server_id or 0) == node.step.key,
                [Change(0, PENDING if node.upstreams else READY, now)],
                times.get(node.server_id or 0),
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
            prohibit_rollback=any(s.prohibit_rollback for s in servers),
        )
        self._tasks[task.id] = task
        self._hold(task)
        return task

    def _hold(self, task: Task) -> None:
        """``task`` runs (again): it holds its servers (those no other task holds) and is stepped."""
        for server in task.servers:
            self._busy.setdefault(server.id, task.id)
        self._running[task.id] = None
        if task.id in self._finished:
            self._finished.remove(task.id)  # at most max_finished long; not evicted while it runs
        task.resumed = (task.step, task.last_at if task.step else task.created_at)

    # ------------------------------------------------------------------ the failure path

    def _resume(self, task: Task, at: datetime, operation: str | None = None) -> int:
        """Open the next step for a control call: the task RUNNING (under ``operation``, else its
        own), holding its servers again. Returns the step number the call's changes are made at."""
        k = task.step + 1
        task.history.append(Change(k, RUNNING, at, operation or task.operation))
        task.step = k
        self._hold(task)
        task.resumed = (k, at)
        return k

    def retry(self, task: Task, at: datetime) -> str | None:
        """Retry a FAILED task (OCP's "Retry a task"): RUNNING under RETRY, every FAILED subtask
        READY under RETRY. The refusal (its status, or ROLLBACK) when it is not FAILED or was rolled back."""
        if task.status != FAILED:
            return task.status
        if task.operation == ROLLBACK:
            return ROLLBACK
        at = max(at, task.last_at)
        failed = [sub for sub in task.subtasks if sub.status == FAILED]
        k = self._resume(task, at, RETRY)
        for sub in failed:
            sub.move(k, READY, at, RETRY)
        return None

    def retry_subtask(self, task: Task, sub: Subtask, at: datetime) -> str | None:
        """Retry one FAILED subtask, not under ROLLBACK: READY under RETRY, the task RUNNING."""
        if sub.status != FAILED:
            return sub.status
        if sub.operation == ROLLBACK:
            return ROLLBACK
        at = max(at, task.last_at)
        k = self._resume(task, at) if task.status != RUNNING else task.step
        sub.move(k, READY, at, RETRY)
        return None

    def skip(self, task: Task, sub: Subtask, at: datetime) -> str | None:
        """Skip one FAILED subtask: READY under SKIP (ROLLBACK_SKIP in a rollback); the next step
        passes it SUCCESSFUL without running it, and its downstreams run."""
        if sub.status != FAILED:
            return sub.status
        at = max(at, task.last_at)
        k = self._resume(task, at) if task.status != RUNNING else task.step
        sub.move(k, READY, at, ROLLBACK_SKIP if task.operation == ROLLBACK else SKIP)
        return None

    def cancel(self, task: Task, sub: Subtask, at: datetime) -> str | None:
        """Cancel one RUNNING subtask: CANCELING under CANCEL; the next step ends it FAILED."""
        if sub.status != RUNNING:
            return sub.status
        sub.move(task.step, CANCELING, max(at, task.last_at), CANCEL)
        return None

    # ------------------------------------------------------------------ progression

    def rollback(self, task: Task, at: datetime) -> str | None:
        """Start rolling back a FAILED ``task``; the refusal (its status) when it is not FAILED.

        As OCP's ``TaskInstanceManagerImpl.rollbackTask`` does: the task turns RUNNING under
        operation ROLLBACK, and every subtask that had run (is not PENDING) takes the operation
        ROLLBACK. The next step undoes them (see :meth:`step`). A task that prohibits rollback is
        the caller's to refuse (a different error code).
        """
        if task.status != FAILED:
            return task.status
        at = max(at, task.last_at)
        ran = [sub for sub in task.subtasks if sub.status != PENDING]
        k = self._resume(task, at, ROLLBACK)
        for sub in ran:
            sub.move(k, sub.status, at, ROLLBACK)
        return None

    def _undo(self, task: Task, at: datetime) -> None:
        """One step of a rollback: the undone subtasks are PENDING again and, as OCP's
        ``RunningTaskWorker.updateState`` decides under ROLLBACK, the task is SUCCESSFUL once
        every subtask is PENDING."""
        k = task.step + 1
        for sub in task.subtasks:
            if sub.status != PENDING:
                sub.move(k, PENDING, at, ROLLBACK)
        task.step = k
        task.history.append(Change(k, SUCCESSFUL, at, ROLLBACK))
        self._release(task)

    def step(self, task: Task, at: datetime) -> None:
        """Advance ``task`` one step (no-op once it is SUCCESSFUL or FAILED)."""
        if task.status in TERMINAL:
            return
        at = max(at, task.last_at)
        if task.operation == ROLLBACK:
            self._undo(task, at)
            return
        k = task.step + 1
        before = {sub.node.id: sub.status for sub in task.subtasks}
        for sub in task.subtasks:
            was = before[sub.node.id]
            if was == RUNNING:
                sub.move(k, FAILED if sub.run_fails() else SUCCESSFUL, at)
            elif was == CANCELING:
                sub.move(k, FAILED, at)
            elif was == READY:
                sub.move(k, SUCCESSFUL if sub.operation in _PASSED else RUNNING, at)
        for sub in task.subtasks:
            if sub.status == PENDING and all(task.by_id[u].status == SUCCESSFUL for u in sub.node.upstreams):
                sub.move(k, READY, at)
        task.step = k
        self._settle(task, at)

    def _settle(self, task: Task, at: datetime) -> None:
        statuses = {sub.status for sub in task.subtasks}
        if statuses == {SUCCESSFUL}:
            outcome = SUCCESSFUL
        elif FAILED in statuses and not statuses & {READY, RUNNING, CANCELING}:
            outcome = FAILED
        else:
            return
        task.history.append(Change(task.step, outcome, at, task.operation))
        if outcome == SUCCESSFUL:
            self._upgrade_servers(task)
        self._release(task)

    def _upgrade_servers(self, task: Task) -> None:
        """A finished upgrade: its servers run the package's version, but a server whose branch had
        a subtask skipped (the upgrade did not really run there)."""
        skipped = {sub.node.server_id for sub in task.subtasks if sub.operation in _PASSED}
        for server in task.servers:
            if server.id not in skipped:
                self._versions[server.id] = package_version(task.package)

    def _release(self, task: Task) -> None:
        """``task`` ended: its servers are free, and it may be evicted once enough others ended."""
        for server in task.servers:
            if self._busy.get(server.id) == task.id:
                del self._busy[server.id]
        self._running.pop(task.id, None)
        if not task.pinned:
            self._finished.append(task.id)
            while len(self._finished) > self.max_finished:
                self._tasks.pop(self._finished.popleft(), None)

    def _catch_up_task(self, task: Task, now: datetime) -> None:
        assert self.tick is not None
        base_step, base_at = task.resumed or (0, task.created_at)
        target = base_step + int((now - base_at).total_seconds() // self.tick)
        while task.step < target and task.status not in TERMINAL:
            self.step(task, base_at + timedelta(seconds=self.tick * (task.step + 1 - base_step)))

    def catch_up(self, now: datetime) -> None:
        """Tick mode: bring every running task up to ``now`` (per-poll mode: nothing to do)."""
        if self.tick is None:
            return
        for task_id in list(self._running):
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

    def version_of(self, server: Server) -> str:
        """The version ``server`` runs: its inventory version until an upgrade of it succeeded."""
        return self._versions.get(server.id, server.version)

    def upgrading(self, server_id: int) -> bool:
        """Whether a RUNNING task (an upgrade, its retry or rollback) works on the server."""
        return any(
            any(s.id == server_id for s in self._tasks[task_id].servers)
            for task_id in self._running
            if task_id in self._tasks
        )

    def tasks(self) -> list[Task]:
        """Every task the engine still holds, by id."""
        return sorted(self._tasks.values(), key=lambda task: task.id)

    def newest_other_than(self, task_id: int) -> Task | None:
        others = [tid for tid in self._tasks if tid != task_id]
        return self._tasks[max(others)] if others else None
