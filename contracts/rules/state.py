"""State rules: which statuses and times may co-exist in one snapshot of a task.

They follow from how the OCP task engine runs the graph: a subtask is dispatched only after
all its upstreams succeeded; a task is SUCCESSFUL only when every subtask is; a task is FAILED
when a subtask failed and nothing is running any more; it stamps ``finishTime`` when it ends.

Rules (pointers relative to the task):

* ``state.upstream-not-successful`` — a READY, RUNNING, CANCELING or SUCCESSFUL subtask has
  an upstream that is not SUCCESSFUL (at that ``upstreams`` entry). The upstreams are the ones
  the subtask lists itself; an edge recorded only on the other end is ``dag.asymmetric-edge``'s;
  upstreams that name no subtask, or whose status is not a known one, are skipped;
* ``state.task-successful-unfinished-subtask`` — task SUCCESSFUL, a subtask is not (at its
  ``status``);
* ``state.task-failed-without-failed-subtask`` — task FAILED, no subtask FAILED (``/status``);
* ``state.task-failed-with-running-subtask`` — task FAILED while a subtask is RUNNING or
  CANCELING (at its ``status``);
* ``state.finish-before-start`` — ``finishTime`` earlier than ``startTime``, task or subtask
  (at that ``finishTime``);
* warnings: ``state.running-task-all-terminal`` (task RUNNING although every subtask is
  FAILED or SUCCESSFUL: the engine has not caught up yet, or never will; at ``/status``) and
  ``state.terminal-task-without-finish-time`` (at the task itself, whose member is missing).

Decisions where the documentation is silent:

* **Rollback.** A rollback walks the graph backwards: a subtask is undone after its
  downstreams, while its upstreams wait their turn, so "upstreams first" does not describe
  it. ``state.upstream-not-successful`` is therefore skipped for subtasks whose
  ``operation`` is ROLLBACK or ROLLBACK_SKIP, and for every subtask when the task's
  ``operation`` is ROLLBACK. It applies to EXECUTE, RETRY, SKIP, CANCEL and an absent
  operation: retrying or skipping a subtask, or cancelling a running one, happens only after
  its upstreams succeeded, and they stay SUCCESSFUL. During a task ROLLBACK a PENDING
  subtask never ran and has nothing to undo, so it does not count against a SUCCESSFUL task.
* **CANCELING counts as running.** A cancelled subtask ends FAILED, and the engine decides
  the task's status only once nothing runs: a FAILED task with a CANCELING subtask is as wrong
  as one with a RUNNING subtask.
* A ``startTime``/``finishTime`` that is not RFC 3339 with an offset is the schema's
  business; the comparison skips it. Times are compared as instants, whatever their offsets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from contracts._pointer import join
from contracts.rules._ids import (
    TERMINAL_SUBTASK,
    TERMINAL_TASK,
    Located,
    id_key,
    listed_ids,
    subtask_objects,
    text,
)
from contracts.violations import Severity, Violation, describe

__all__ = ["check_state"]

SUBTASK_STATUSES = frozenset({"PENDING", "READY", "RUNNING", "CANCELING", "FAILED", "SUCCESSFUL"})
_DISPATCHED = frozenset({"READY", "RUNNING", "CANCELING", "SUCCESSFUL"})
_RUNNING = frozenset({"RUNNING", "CANCELING"})
_BACKWARD = frozenset({"ROLLBACK", "ROLLBACK_SKIP"})
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_SPEC_TASK_STATUS = "#/components/schemas/TaskStatus"
_SPEC_SUBTASK_STATUS = "#/components/schemas/SubtaskStatus"
_SPEC_TASK = "#/components/schemas/TaskInstance"


def check_state(task: object) -> Iterator[Violation]:
    """Yield the status and time violations of ``task`` (a task object with ``subtasks``)."""
    if not isinstance(task, Mapping):
        return
    subtasks = subtask_objects(task)
    yield from _ordering(task, subtasks)
    yield from _task_status(task, subtasks)
    yield from _finish_before_start(task, ())
    for index, subtask in subtasks:
        if "finishTime" in subtask:
            yield from _finish_before_start(subtask, ("subtasks", index))
    yield from _unsettled_task(task)


def _ordering(task: Mapping[str, Any], subtasks: list[Located]) -> Iterator[Violation]:
    """Dispatched subtasks whose upstreams have not all succeeded (forward execution only)."""
    if text(task, "operation") == "ROLLBACK":
        return
    dispatched = list(_dispatched(subtasks))
    statuses = _statuses(subtasks) if dispatched else {}
    for index, subtask, status in dispatched:
        own = id_key(subtask.get("id"))
        for position, upstream in listed_ids(subtask, "upstreams"):
            upstream_status = statuses.get(upstream) if upstream != own else None  # a self-loop is dag's
            if upstream_status in SUBTASK_STATUSES and upstream_status != "SUCCESSFUL":
                yield Violation(
                    rule="state.upstream-not-successful",
                    pointer=join("subtasks", index, "upstreams", position),
                    message=f"subtask {describe(subtask.get('id'))} is {status} "
                    f"although its upstream {upstream} is {upstream_status}",
                    expected=f"upstream {upstream} SUCCESSFUL",
                    actual=f"{upstream_status}",
                    spec=_SPEC_SUBTASK_STATUS,
                    hint="a subtask is dispatched only after all its upstreams succeeded",
                )


def _dispatched(subtasks: list[Located]) -> Iterator[tuple[int, Mapping[str, Any], str]]:
    """READY, RUNNING, CANCELING and SUCCESSFUL subtasks with upstreams, moving forward."""
    for index, subtask in subtasks:
        status = text(subtask, "status")
        if status is None or status not in _DISPATCHED or not subtask.get("upstreams"):
            continue
        if text(subtask, "operation") not in _BACKWARD:
            yield index, subtask, status


def _statuses(subtasks: list[Located]) -> dict[int, str]:
    """The first string status seen for each usable id."""
    statuses: dict[int, str] = {}
    for _, subtask in subtasks:
        key, status = id_key(subtask.get("id")), subtask.get("status")
        if key is not None and isinstance(status, str):
            statuses.setdefault(key, status)
    return statuses


def _task_status(task: Mapping[str, Any], subtasks: list[Located]) -> Iterator[Violation]:
    status = text(task, "status")
    if status not in TERMINAL_TASK or not isinstance(task.get("subtasks"), list):
        return
    if status == "SUCCESSFUL":
        yield from _unfinished(subtasks, rolled_back=text(task, "operation") == "ROLLBACK")
    else:
        yield from _failed(subtasks)


def _unfinished(subtasks: list[Located], *, rolled_back: bool) -> Iterator[Violation]:
    for index, subtask in subtasks:
        status = text(subtask, "status")
        if status is None or status == "SUCCESSFUL" or (rolled_back and status == "PENDING"):
            continue
        yield Violation(
            rule="state.task-successful-unfinished-subtask",
            pointer=join("subtasks", index, "status"),
            message=f"the task is SUCCESSFUL but subtask {describe(subtask.get('id'))} is {status}",
            expected="SUCCESSFUL",
            actual=status,
            spec=_SPEC_TASK_STATUS,
            hint="a task succeeds only when every subtask has",
        )


def _failed(subtasks: list[Located]) -> Iterator[Violation]:
    statuses = [(index, subtask, text(subtask, "status")) for index, subtask in subtasks]
    if not any(status == "FAILED" for _, _, status in statuses):
        yield Violation(
            rule="state.task-failed-without-failed-subtask",
            pointer=join("status"),
            message="the task is FAILED but none of its subtasks is",
            expected="at least one FAILED subtask",
            actual="no FAILED subtask",
            spec=_SPEC_TASK_STATUS,
        )
    for index, subtask, status in statuses:
        if status in _RUNNING:
            yield Violation(
                rule="state.task-failed-with-running-subtask",
                pointer=join("subtasks", index, "status"),
                message=f"the task is FAILED while subtask {describe(subtask.get('id'))} is still {status}",
                expected="FAILED, SUCCESSFUL, PENDING or READY",
                actual=str(status),
                spec=_SPEC_TASK_STATUS,
                hint="the engine marks a task FAILED only once nothing runs (CANCELING still runs)",
            )


def _finish_before_start(item: Mapping[str, Any], prefix: tuple[str | int, ...]) -> Iterator[Violation]:
    start, finish = _instant(item.get("startTime")), _instant(item.get("finishTime"))
    if start is None or finish is None or finish >= start:
        return
    what = "the task" if not prefix else f"subtask {describe(item.get('id'))}"
    yield Violation(
        rule="state.finish-before-start",
        pointer=join(*prefix, "finishTime"),
        message=f"{what} finished before it started",
        expected=f"finishTime at or after startTime {item['startTime']}",
        actual=str(item["finishTime"]),
        spec=_SPEC_TASK,
    )


def _instant(value: object) -> datetime | None:
    """An RFC 3339 date-time with an offset as an aware datetime; ``None`` when it is not one."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value.upper())
    except ValueError:  # out of range (month 13, second 60, offset 24:00): the schema's business
        return None


def _unsettled_task(task: Mapping[str, Any]) -> Iterator[Violation]:
    status = text(task, "status")
    if status == "RUNNING" and _all_terminal(task.get("subtasks")):
        yield Violation(
            rule="state.running-task-all-terminal",
            pointer=join("status"),
            message="the task is RUNNING although every subtask is FAILED or SUCCESSFUL",
            expected="SUCCESSFUL or FAILED once no subtask can run",
            actual="RUNNING",
            severity=Severity.WARNING,
            spec=_SPEC_TASK_STATUS,
            hint="poll again: the engine may not have caught up yet",
        )
    if status in TERMINAL_TASK and task.get("finishTime") is None:
        yield Violation(
            rule="state.terminal-task-without-finish-time",
            pointer="",
            message=f"the task is {status} but has no finishTime",
            expected="finishTime set when the task ends",
            actual="absent",
            severity=Severity.WARNING,
            spec=_SPEC_TASK,
        )


def _all_terminal(subtasks: object) -> bool:
    if not isinstance(subtasks, list) or not subtasks:
        return False
    return all(text(subtask, "status") in TERMINAL_SUBTASK for subtask in subtasks)
