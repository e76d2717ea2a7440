"""The task and subtask lifecycle as the reference draws it: which move the engine makes on its
own, which move each control call makes, and how each call is refused.

The control calls come from :data:`contracts.ocp.CONTROL_CALLS` (one source of truth with the
rules and the mock). The engine's own moves, and what a call does to the *other* level (a task
retry re-queues the FAILED subtasks; a subtask retry or skip sets the task RUNNING), are the
small tables below, each row naming the OCP Express class that makes the move
(``oceanbase/ocp-express``, package ``com.oceanbase.ocp.task``), as ``ocp-api.md`` §5a reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.ocp import (
    CANCEL,
    CANCELING,
    CONTROL_CALLS,
    FAILED,
    LIFECYCLE_ROUTES,
    PENDING,
    READY,
    RETRY,
    ROLLBACK,
    ROLLBACK_SKIP,
    RUNNING,
    SUBTASK_STATUSES,
    SUCCESSFUL,
    TASK_NOT_FOUND_CODE,
    TASK_PROHIBITS_ROLLBACK_CODE,
    TASK_STATE_INVALID_CODE,
    TASK_STATUSES,
    ControlCall,
)

__all__ = [
    "CALL_EFFECTS",
    "ENGINE",
    "ENGINE_MOVES",
    "LEVELS",
    "CallEffect",
    "CallRow",
    "EngineMove",
    "Move",
    "Refusal",
    "call_name",
    "call_rows",
    "moves",
    "states",
]

TASK = "task"
SUBTASK = "subtask"
LEVELS = (TASK, SUBTASK)
#: Kinds of move, as the chart tells them apart.
ENGINE = "engine"
CALL = "call"
EFFECT = "effect"


@dataclass(frozen=True, slots=True)
class EngineMove:
    """A move the task engine makes by itself, and the OCP Express code that makes it."""

    level: str
    source: str
    target: str
    label: tuple[str, str]  #: two short lines on the chart
    detail: str  #: the condition in words
    where: str  #: OCP Express class (and method)


@dataclass(frozen=True, slots=True)
class CallEffect:
    """What a control call does to the level it does not act on."""

    routes: tuple[str, ...]  #: short names in LIFECYCLE_ROUTES
    level: str
    source: str
    target: str
    operation: str | None
    detail: str
    where: str


_RUNNING_TASK = "RunningTaskWorker.updateState"
_MARK = "AbstractTaskWorker.markSubtaskState (each RunningTaskWorker round)"
_UNDO = ("rolling back: all its", f"downstreams {PENDING}")
_UNDO_DETAIL = (
    f"during a rollback, a subtask that ran is {READY} to be undone, under operation {ROLLBACK}, "
    f"once every downstream is {PENDING} again (the last ones at once)"
)

ENGINE_MOVES: tuple[EngineMove, ...] = (
    EngineMove(SUBTASK, PENDING, READY, ("all its upstreams", SUCCESSFUL),
               f"every upstream is {SUCCESSFUL} (and the task's concurrency allows)", _MARK),
    EngineMove(SUBTASK, READY, RUNNING, ("a worker", "starts it"),
               "a worker with room picks it up and runs its step", "ReadySubtaskWorker"),
    EngineMove(SUBTASK, RUNNING, SUCCESSFUL, ("its step", "is done"),
               "its step finished (a skipped subtask passes without doing anything)",
               "SubtaskAccessor.setExecuteEnd"),
    EngineMove(SUBTASK, RUNNING, FAILED, ("its step fails", "or times out"),
               "its step threw, or ran past its timeout", "ReadySubtaskWorker, SubtaskAccessor.setFailed"),
    EngineMove(SUBTASK, CANCELING, FAILED, ("the run is", "interrupted"),
               f"the running step is interrupted and the subtask fails (on the way it may show {RUNNING} "
               f"under operation {CANCEL}), so the task ends {FAILED}",
               "CancelingSubtaskWorker, ReadySubtaskWorker"),
    EngineMove(SUBTASK, FAILED, READY, ("automatic retry:", "runs left"),
               f"a subtask with retries left runs again, under operation {RETRY}; the task stays {RUNNING}",
               "FailedSubtaskWorker.handleRetry"),
    EngineMove(SUBTASK, RUNNING, PENDING, ("undone: its", "rollback step ran"),
               f"a step run under {ROLLBACK} or {ROLLBACK_SKIP} leaves the subtask {PENDING} again",
               "SubtaskAccessor.setExecuteEnd"),
    EngineMove(SUBTASK, SUCCESSFUL, READY, _UNDO, _UNDO_DETAIL,
               "TaskInstanceManagerImpl.rollbackTask, " + _MARK),
    EngineMove(SUBTASK, FAILED, READY, _UNDO, _UNDO_DETAIL,
               "TaskInstanceManagerImpl.rollbackTask, " + _MARK),
    EngineMove(TASK, RUNNING, FAILED, (f"a subtask {FAILED},", f"none {RUNNING}"),
               f"a subtask is {FAILED} with no retry left and none is {RUNNING}", _RUNNING_TASK),
    EngineMove(TASK, RUNNING, SUCCESSFUL, ("every subtask", SUCCESSFUL),
               f"every subtask is {SUCCESSFUL}", _RUNNING_TASK),
    EngineMove(TASK, RUNNING, SUCCESSFUL, ("rollback done: every", f"subtask {PENDING}"),
               f"under operation {ROLLBACK}, every subtask is {PENDING} again: the task ends {SUCCESSFUL} "
               f"and keeps operation {ROLLBACK}", _RUNNING_TASK),
)

CALL_EFFECTS: tuple[CallEffect, ...] = (
    CallEffect(("task-retry",), SUBTASK, FAILED, READY, RETRY,
               f"every {FAILED} subtask of the task is {READY} again, under operation {RETRY}",
               "TaskInstanceManagerImpl.retryTask"),
    CallEffect(("subtask-retry", "subtask-skip"), TASK, FAILED, RUNNING, None,
               f"retrying or skipping a subtask sets its task {RUNNING} again",
               "SubtaskInstanceManagerImpl.retrySubtask, skipSubtask"),
)

#: Refusals beyond "unknown id" and "any other state", per call (OCP Express and ocp-api.md §5a).
_MORE_REFUSALS: dict[str, tuple[tuple[int, int, str], ...]] = {
    "task-retry": ((400, TASK_STATE_INVALID_CODE, f"the task's operation is {ROLLBACK}"),),
    "task-rollback": ((400, TASK_PROHIBITS_ROLLBACK_CODE, "the task has prohibitRollback true"),),
    "subtask-retry": ((400, TASK_STATE_INVALID_CODE, f"the subtask's operation is {ROLLBACK}"),),
}
#: What a call's answer carries, for each ``ControlCall.answers``.
_ANSWERS = {
    "task": "200 with the task in data",
    "subtask": "200 with the subtask in data",
    "task or nothing": "200 with the task in data (the docs), or no data (OCP Express): accept both",
    "nothing": "200 with no data",
}
#: What a reader needs beyond allowed-from and moves-to (ocp-api.md §5a).
_NOTES = {
    "task-retry": f"its {FAILED} subtasks run again",
    "task-rollback": f"the subtasks that ran are undone in reverse order; it ends {SUCCESSFUL} with "
                     f"operation {ROLLBACK} and every subtask {PENDING}",
    "subtask-retry": f"the task is {RUNNING} again",
    "subtask-skip": f"under a rollback the operation is {ROLLBACK_SKIP}; the engine passes the subtask "
                    f"without running it, so it ends {SUCCESSFUL} and its downstreams run",
    "subtask-cancel": f"the engine then interrupts the step: the subtask ends {FAILED}, and so does the task",
}


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    code: int
    when: str

    def __str__(self) -> str:
        return f"{self.status} / {self.code} when {self.when}"


@dataclass(frozen=True, slots=True)
class Move:
    """One arrow of a state chart."""

    level: str
    source: str
    target: str
    kind: str  #: ENGINE, CALL or EFFECT
    label: tuple[str, ...]
    tooltip: str
    routes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CallRow:
    """One control call as the table beside the chart lists it."""

    route: str
    name: str
    method: str
    path: str
    operation_id: str
    acts_on: str
    allowed_from: tuple[str, ...]
    moves_to: str
    operation: str
    answer: str
    note: str
    refusals: tuple[Refusal, ...]


def call_name(route: str) -> str:
    """``subtask-retry`` → ``subtask retry``: a route's short name as words."""
    return route.replace("-", " ")


def states(level: str) -> tuple[str, ...]:
    """The statuses of a task or a subtask, in the spec's order."""
    return TASK_STATUSES if level == TASK else SUBTASK_STATUSES


def _ordered(statuses: frozenset[str], level: str) -> tuple[str, ...]:
    return tuple(s for s in states(level) if s in statuses)


def refusals(call: ControlCall) -> tuple[Refusal, ...]:
    """How OCP refuses ``call``: unknown id, any other state, and the call's own extra cases."""
    allowed = " or ".join(_ordered(call.allowed_from, call.acts_on))
    return (
        Refusal(404, TASK_NOT_FOUND_CODE, f"no {call.acts_on} has the id"),
        Refusal(400, call.refusal_code, f"the {call.acts_on} is not {allowed}"),
        *(Refusal(*more) for more in _MORE_REFUSALS.get(call.route, ())),
    )


def call_rows() -> list[CallRow]:
    """Every control call of :data:`CONTROL_CALLS`, with its route, answer and refusals."""
    rows = []
    for call in CONTROL_CALLS:
        method, path, operation_id = LIFECYCLE_ROUTES[call.route]
        rows.append(CallRow(
            route=call.route, name=call_name(call.route), method=method, path=path, operation_id=operation_id,
            acts_on=call.acts_on, allowed_from=_ordered(call.allowed_from, call.acts_on),
            moves_to=call.moves_to, operation=call.operation, answer=_ANSWERS.get(call.answers, call.answers),
            note=_NOTES.get(call.route, ""), refusals=refusals(call),
        ))
    return rows


def _call_moves(level: str) -> list[Move]:
    found = []
    for row in call_rows():
        if row.acts_on != level:
            continue
        refused = "; ".join(map(str, row.refusals))
        for source in row.allowed_from:
            tooltip = (f"{row.name} ({row.method} {row.path}): {level} {source} → {row.moves_to}, operation "
                       f"{row.operation}; answers {row.answer}; refused {refused}")
            found.append(Move(level, source, row.moves_to, CALL, (row.name, f"operation {row.operation}"),
                              tooltip, (row.route,)))
    return found


def _effect_moves(level: str) -> list[Move]:
    found = []
    for effect in CALL_EFFECTS:
        if effect.level != level:
            continue
        first, *others = (call_name(route) for route in effect.routes)
        label = (f"by {first}", *(f"or {name}" for name in others))
        if effect.operation:
            label += (f"operation {effect.operation}",)
        tooltip = f"by {' or '.join((first, *others))}: {effect.detail} (OCP Express {effect.where})"
        found.append(Move(level, effect.source, effect.target, EFFECT, label, tooltip, effect.routes))
    return found


def _engine_moves(level: str) -> list[Move]:
    return [
        Move(level, m.source, m.target, ENGINE, m.label, f"engine: {m.detail} (OCP Express {m.where})")
        for m in ENGINE_MOVES
        if m.level == level
    ]


def moves(level: str) -> list[Move]:
    """Every arrow of ``level``'s chart: the engine's, the calls' own, then the calls' effects."""
    return [*_engine_moves(level), *_call_moves(level), *_effect_moves(level)]
