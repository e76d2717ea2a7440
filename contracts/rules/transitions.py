"""Transition rules: what may change between two snapshots of one task fetched by polling.

The graph of a task is fixed when OCP creates it; only statuses, operations, times and run
counts move. A terminal status (FAILED, SUCCESSFUL) is left only through a user action, which
shows in the snapshots as an operation: the task's (RETRY, ROLLBACK) or a subtask's (RETRY,
SKIP, ROLLBACK, ROLLBACK_SKIP).

Rules (pointers relative to the AFTER snapshot):

* ``transition.wrong-task`` — the snapshot's id is not the requested one (``/id``); when no id
  is requested, the BEFORE snapshot's id is expected. Nothing else is compared then.
* ``transition.task-left-terminal`` — a SUCCESSFUL or FAILED task changed status (``/status``)
  although the AFTER task's operation is neither RETRY nor ROLLBACK and no subtask's operation
  changed to one that re-opens it (RETRY, SKIP, ROLLBACK, ROLLBACK_SKIP: retrying or skipping
  a failed subtask resumes a FAILED task, and OCP may leave the task's operation as it was).
  When the caller knows every control call made between the two polls (``accepted_calls``, the
  calls OCP answered 2xx), the operations are not taken on trust: a finished task may change
  status only when a call that re-opens a task (task retry or rollback, subtask retry or skip)
  was accepted in between. OCP's engine never moves a task out of FAILED by itself — only
  RUNNING tasks are scheduled (OCP Express ``RunningTaskWorker``); the calls set it RUNNING
  (``TaskInstanceManagerImpl``, ``SubtaskInstanceManagerImpl``).
* ``transition.terminal-subtask-changed`` — a FAILED or SUCCESSFUL subtask changed status
  (at its ``status``) without a re-opening operation. A FAILED subtask may re-open whenever its
  operation is RETRY, SKIP, ROLLBACK or ROLLBACK_SKIP (a failed retry can be retried again
  under the same operation); a SUCCESSFUL one only when its operation *changed* to one of
  them — so SUCCESSFUL → RUNNING under an unchanged operation is a regression and is caught —
  or when it is ROLLBACK or ROLLBACK_SKIP: OCP's ``TaskInstanceManagerImpl.rollbackTask``
  marks the subtasks first and the engine undoes them on later rounds, so a poll may see the
  operation already ROLLBACK and the status change only on the next one. With
  ``accepted_calls`` known, a FAILED subtask re-opens under RETRY or SKIP only when a call
  covering it came in between (a task retry or rollback, or a subtask call naming it), or as the
  engine's own retry: operation RETRY with a larger ``runTime`` (OCP Express
  ``FailedSubtaskWorker`` re-runs a subtask with retries left, without any call).
* ``transition.subtasks-changed`` — subtask ids appeared (at the new subtask's ``id``) or
  vanished (at ``/subtasks``, one violation naming them).
* ``transition.edges-changed`` — a subtask's ``upstreams`` or ``downstreams`` differ as sets
  (at that field). Snapshots without edges (task-list items) are not compared.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from contracts._pointer import escape_token, join
from contracts.ocp import (
    CONTROL_CALLS,
    FAILED,
    RETRY,
    ROLLBACK,
    ROLLBACK_SKIP,
    SKIP,
    TASK_PATH,
    TERMINAL_SUBTASK,
    TERMINAL_TASK,
    UNDOING,
)
from contracts.rules._ids import (
    Located,
    format_ids,
    id_difference,
    id_key,
    id_set,
    index_by_id,
    subtask_objects,
    text,
)
from contracts.violations import Violation, describe

__all__ = ["AcceptedCall", "check_transition"]

_TASK_REOPENING = frozenset({RETRY, ROLLBACK})
_SUBTASK_REOPENING = frozenset({RETRY, SKIP, ROLLBACK, ROLLBACK_SKIP})
_UNDOING = UNDOING
_SPEC_TASK = "#/components/schemas/TaskInstance"
_SPEC_TASK_DETAIL = "#/paths/" + escape_token(TASK_PATH) + "/get"
_SPEC_SUBTASKS = "#/components/schemas/TaskInstance/properties/subtasks"

Nodes = dict[int, Located]

#: The control calls that re-open a FAILED task or subtask (every call allowed from FAILED).
_REOPENING_CALLS = frozenset(call.route for call in CONTROL_CALLS if FAILED in call.allowed_from)
#: Of those, the ones that act on the whole task (and so cover each of its subtasks).
_TASK_WIDE_CALLS = frozenset(call.route for call in CONTROL_CALLS if call.acts_on == "task")


@dataclass(frozen=True, slots=True)
class AcceptedCall:
    """A control call OCP accepted (answered 2xx) between two polls of a task: its short route
    name (``task-retry``, ``task-rollback``, ``subtask-retry``, ``subtask-skip``,
    ``subtask-cancel``) and, for a subtask call, the subtask it named."""

    route: str
    subtask_id: int | None = None

    @property
    def reopens(self) -> bool:
        """Whether the call may move a FAILED task or subtask out of FAILED."""
        return self.route in _REOPENING_CALLS

    def covers(self, subtask_id: int) -> bool:
        """Whether the call may re-open subtask ``subtask_id`` (a task-wide call covers them all)."""
        return self.reopens and (self.route in _TASK_WIDE_CALLS or self.subtask_id in (None, subtask_id))


def check_transition(
    before: object,
    after: object,
    *,
    requested_task_id: object = None,
    accepted_calls: Collection[AcceptedCall] | None = None,
) -> Iterator[Violation]:
    """Yield what changed between ``before`` and ``after`` that a task may not change.

    ``accepted_calls``: the control calls OCP accepted between the two polls, when the caller
    knows every call made (``()`` for none); ``None`` (unknown) judges re-openings by the
    operations the snapshots show, as before.
    """
    if not isinstance(after, Mapping):
        return
    expected = requested_task_id if requested_task_id is not None else _get(before, "id")
    wrong = list(_wrong_task(after, expected))
    yield from wrong
    if wrong or not isinstance(before, Mapping):
        return
    old, new = index_by_id(subtask_objects(before)), index_by_id(subtask_objects(after))
    yield from _task_status(before, after, old, new, accepted_calls)
    if isinstance(before.get("subtasks"), list) and isinstance(after.get("subtasks"), list):
        yield from _membership(old, new)
    for key, located in new.items():
        if key in old:
            yield from _subtask_status(old[key][1], located, key, accepted_calls)
            yield from _subtask_edges(old[key][1], located, key)


def _get(item: object, field: str) -> object:
    return item.get(field) if isinstance(item, Mapping) else None


def _wrong_task(after: Mapping[str, Any], expected: object) -> Iterator[Violation]:
    want, got = id_key(expected), id_key(after.get("id"))
    if want is None or got is None or want == got:
        return
    yield Violation(
        rule="transition.wrong-task",
        pointer=join("id"),
        message=f"polling task {want} returned task {got}",
        expected=str(want),
        actual=str(got),
        spec=_SPEC_TASK_DETAIL,
    )


def _subtask_reopened(old: Nodes, new: Nodes) -> bool:
    """Whether some subtask's operation changed to one that resumes its task (retry, skip, …)."""
    return any(
        text(subtask, "operation") in _SUBTASK_REOPENING
        and text(subtask, "operation") != text(old[key][1], "operation")
        for key, (_, subtask) in new.items()
        if key in old
    )


def _task_status(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    old: Nodes,
    new: Nodes,
    calls: Collection[AcceptedCall] | None,
) -> Iterator[Violation]:
    was, now = text(before, "status"), text(after, "status")
    if was not in TERMINAL_TASK or now is None or now == was:
        return
    if calls is not None:
        if any(call.reopens for call in calls):
            return
        yield Violation(
            rule="transition.task-left-terminal",
            pointer=join("status"),
            message=f"the task went from {was} to {now} although no retry, rollback or skip was "
            "accepted between the two polls",
            expected=f"{was} until a control call re-opens it",
            actual=f"{now} with operation {describe(after.get('operation'))}, no control call in between",
            spec=_SPEC_TASK,
            hint="a finished task changes only when a user retries, skips or rolls back",
        )
        return
    if text(after, "operation") in _TASK_REOPENING or _subtask_reopened(old, new):
        return
    yield Violation(
        rule="transition.task-left-terminal",
        pointer=join("status"),
        message=f"the task went from {was} to {now} without a retry or rollback",
        expected=f"{was}, or an operation RETRY or ROLLBACK",
        actual=f"{now} with operation {describe(after.get('operation'))}",
        spec=_SPEC_TASK,
        hint="a finished task changes only when a user retries, skips or rolls back",
    )


def _membership(old: Nodes, new: Nodes) -> Iterator[Violation]:
    for key in sorted(new.keys() - old.keys()):
        yield Violation(
            rule="transition.subtasks-changed",
            pointer=join("subtasks", new[key][0], "id"),
            message=f"subtask {key} appeared while the task was being polled",
            expected="the same subtask ids in every snapshot",
            actual=f"new subtask {key}",
            spec=_SPEC_SUBTASKS,
        )
    vanished = old.keys() - new.keys()
    if vanished:
        yield Violation(
            rule="transition.subtasks-changed",
            pointer=join("subtasks"),
            message=f"subtasks vanished while the task was being polled: {format_ids(vanished)}",
            expected="the same subtask ids in every snapshot",
            actual=f"missing {format_ids(vanished)}",
            spec=_SPEC_SUBTASKS,
        )


def _subtask_status(
    before: Mapping[str, Any], after: Located, key: int, calls: Collection[AcceptedCall] | None
) -> Iterator[Violation]:
    index, subtask = after
    was, now = text(before, "status"), text(subtask, "status")
    if was not in TERMINAL_SUBTASK or now is None or now == was:
        return
    old_operation, operation = text(before, "operation"), text(subtask, "operation")
    if operation in _SUBTASK_REOPENING and (
        operation != old_operation or was == FAILED or operation in _UNDOING
    ):
        if calls is None or operation in _UNDOING or was != FAILED:
            return
        if any(call.covers(key) for call in calls) or _retried_by_engine(before, subtask, operation):
            return
        yield Violation(
            rule="transition.terminal-subtask-changed",
            pointer=join("subtasks", index, "status"),
            message=f"subtask {key} went from {was} to {now} under operation {describe(operation)} "
            "although no call re-opening it was accepted between the two polls",
            expected=f"{was}, until a task retry or rollback, or a retry or skip of subtask {key}",
            actual=f"{now} (operation {describe(old_operation)} -> {describe(operation)}), no such call",
            spec="#/components/schemas/SubtaskStatus",
        )
        return
    yield Violation(
        rule="transition.terminal-subtask-changed",
        pointer=join("subtasks", index, "status"),
        message=f"subtask {key} went from {was} to {now} under operation {describe(operation)}",
        expected=f"{was}, or an operation changed to RETRY, SKIP, ROLLBACK or ROLLBACK_SKIP",
        actual=f"{now} (operation {describe(old_operation)} -> {describe(operation)})",
        spec="#/components/schemas/SubtaskStatus",
    )


def _retried_by_engine(before: Mapping[str, Any], after: Mapping[str, Any], operation: str | None) -> bool:
    """Whether a FAILED subtask re-opened as the engine's own retry: operation RETRY and one more
    run (or ``runTime`` not sent, which leaves it undecided, so it is allowed)."""
    if operation != RETRY:
        return False
    was, now = before.get("runTime"), after.get("runTime")
    if type(was) is not int or type(now) is not int:
        return True
    return now > was


def _subtask_edges(before: Mapping[str, Any], after: Located, key: int) -> Iterator[Violation]:
    index, subtask = after
    for field in ("upstreams", "downstreams"):
        was, now = id_set(before, field), id_set(subtask, field)
        if was is None or now is None or was == now:
            continue
        change = id_difference(was, now, "added", "removed")
        yield Violation(
            rule="transition.edges-changed",
            pointer=join("subtasks", index, field),
            message=f"subtask {key}'s {field} changed while the task was being polled: " + change,
            expected=format_ids(was) or "none",
            actual=format_ids(now) or "none",
            spec=_SPEC_SUBTASKS,
        )
