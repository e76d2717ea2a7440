"""The effects an accepted control call must have, judged over the polls of its task after it.

Each judge takes the call (:class:`Effect`: the route, where it was, the task as last seen before
it) and the polls of the task that came after it and before its next task retry or rollback, and
returns nothing when the effect was seen, a :class:`MissingEffect` when it was not (the rule,
where in the last poll, what was expected), or a sentence when the polls cannot tell. Whether
one is a violation — only once the task has ended, unless it is ``final`` — is
:class:`~contracts.rules.lifecycle.LifecycleChecker`'s call, which also says what it could not
judge. The rules, as OCP's engine moves (OCP Express's ``TaskInstanceManagerImpl`` and
``SubtaskInstanceManagerImpl``):

* ``effect.retry-ignored`` — after a task retry the task never shows operation RETRY, or none of
  the subtasks it retried ran again;
* ``effect.rollback-incomplete`` — after a rollback the task did not end SUCCESSFUL under
  ROLLBACK with every subtask PENDING (one that failed while undoing is said, not reported);
* ``effect.skip-ignored`` — a skipped subtask was never passed;
* ``effect.cancel-ignored`` — a cancelled subtask never went CANCELING or FAILED;
* ``effect.subtask-retry-ignored`` — a retried subtask never ran again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from contracts.ocp import (
    CANCELING,
    FAILED,
    PENDING,
    RETRY,
    ROLLBACK,
    ROLLBACK_SKIP,
    RUNNING,
    SKIP,
    SUCCESSFUL,
    UNDOING,
)
from contracts.rules._ids import index_by_id, subtask_objects, text
from contracts.violations import describe

#: Statuses of a subtask that ran again after it FAILED.
_RAN = frozenset({RUNNING, CANCELING, SUCCESSFUL})


@dataclass(slots=True)
class Effect:
    """An accepted call whose effect later polls must show: the call, where, and the task before."""

    route: str
    index: int
    task_id: int
    subtask_id: int | None
    before: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class MissingEffect:
    """An effect not seen: the rule, where in the last poll (under ``/data``), and what was expected.
    ``final``: it is a violation even though the task has not ended (a contradiction, not an absence)."""

    rule: str
    path: tuple[str | int, ...]
    message: str
    expected: str
    actual: str
    final: bool = False


def _located(task: Mapping[str, Any], subtask_id: int) -> tuple[int, Mapping[str, Any]] | None:
    return index_by_id(subtask_objects(task)).get(subtask_id)


def _ran_again(before: Mapping[str, Any], now: Mapping[str, Any]) -> bool | None:
    """Whether a subtask FAILED before ran again by ``now``: it is RUNNING, CANCELING or
    SUCCESSFUL, or FAILED with another ``finishTime``; ``None`` when FAILED again without times."""
    status = text(now, "status")
    if status in _RAN:
        return True
    if status != FAILED:
        return False
    was, then = before.get("finishTime"), now.get("finishTime")
    if was is None or then is None:
        return None if text(now, "operation") == RETRY else False
    return bool(was != then)


def _retry_effect(effect: Effect, polls: list[Mapping[str, Any]]) -> MissingEffect | str | None:
    last = polls[-1]
    if not any(text(snap, "operation") == RETRY or text(snap, "status") != FAILED for snap in polls):
        return MissingEffect(
            "effect.retry-ignored", ("operation",), "the task never left FAILED under operation RETRY",
            f"{RUNNING} under operation {RETRY}", f"{describe(last.get('status'))} under "
            f"{describe(last.get('operation'))}",
        )  # fmt: skip
    retried = [
        key
        for key, (_, sub) in index_by_id(subtask_objects(effect.before)).items()
        if text(sub, "status") == FAILED
    ]
    if not retried:
        return None
    unsure = False
    for snap in polls:
        for key in retried:
            located = _located(snap, key)
            before = _located(effect.before, key)
            if located is None or before is None:
                continue
            ran = _ran_again(before[1], located[1])
            if ran:
                return None
            unsure = unsure or ran is None
    if unsure:
        return "the retried subtasks failed again without times to tell whether they ran: not judged"
    located = _located(last, retried[0])
    return MissingEffect(
        "effect.retry-ignored",
        ("subtasks", located[0], "status") if located else ("subtasks",),
        f"none of the subtasks it retried ({', '.join(map(str, retried))}) ran again",
        "the retried subtasks RUNNING or finished again",
        describe(located[1].get("status")) if located else "absent",
    )


def _rollback_effect(effect: Effect, polls: list[Mapping[str, Any]]) -> MissingEffect | str | None:
    for snap in polls:
        statuses = {text(sub, "status") for _, sub in subtask_objects(snap)}
        if (
            text(snap, "status") == SUCCESSFUL
            and text(snap, "operation") == ROLLBACK
            and statuses <= {PENDING}
        ):
            return None
    last = polls[-1]
    if (
        text(last, "status") == FAILED
        and text(last, "operation") == ROLLBACK
        and any(
            text(sub, "status") == FAILED and text(sub, "operation") in UNDOING
            for _, sub in subtask_objects(last)
        )
    ):
        return "the rollback ran and a subtask failed while being undone (the task is FAILED under ROLLBACK)"
    unfinished = [(i, sub) for i, sub in subtask_objects(last) if text(sub, "status") != PENDING]
    if text(last, "status") == SUCCESSFUL and text(last, "operation") == ROLLBACK and unfinished:
        index, sub = unfinished[0]
        return MissingEffect(
            "effect.rollback-incomplete", ("subtasks", index, "status"),
            f"the rolled-back task left subtask {describe(sub.get('id'))} {describe(sub.get('status'))}",
            PENDING, describe(sub.get("status")),
        )  # fmt: skip
    return MissingEffect(
        "effect.rollback-incomplete", ("status",),
        "the task did not end SUCCESSFUL under operation ROLLBACK with every subtask PENDING",
        f"{SUCCESSFUL} under operation {ROLLBACK}",
        f"{describe(last.get('status'))} under {describe(last.get('operation'))}",
    )  # fmt: skip


def _subtask_effect_target(effect: Effect, last: Mapping[str, Any]) -> tuple[tuple[str | int, ...], str]:
    located = _located(last, effect.subtask_id or 0)
    if located is None:
        return ("subtasks",), "absent"
    return ("subtasks", located[0], "status"), describe(located[1].get("status"))


def _subtask_retry_effect(effect: Effect, polls: list[Mapping[str, Any]]) -> MissingEffect | str | None:
    before = _located(effect.before, effect.subtask_id or 0)
    if before is None:
        return None
    unsure = False
    for snap in polls:
        located = _located(snap, effect.subtask_id or 0)
        ran = _ran_again(before[1], located[1]) if located is not None else False
        if ran:
            return None
        unsure = unsure or ran is None
    if unsure:
        return "the subtask failed again without times to tell whether it ran: not judged"
    path, actual = _subtask_effect_target(effect, polls[-1])
    return MissingEffect(
        "effect.subtask-retry-ignored", path, "the subtask never ran again", "RUNNING, then finished", actual
    )


def _skip_effect(effect: Effect, polls: list[Mapping[str, Any]]) -> MissingEffect | str | None:
    for snap in polls:
        located = _located(snap, effect.subtask_id or 0)
        if located is None:
            continue
        status, operation = text(located[1], "status"), text(located[1], "operation")
        if status == SUCCESSFUL or (status == PENDING and operation == ROLLBACK_SKIP):
            return None
    path, actual = _subtask_effect_target(effect, polls[-1])
    return MissingEffect(
        "effect.skip-ignored", path, "the skipped subtask was never passed",
        f"{SUCCESSFUL} under operation {SKIP} (or {PENDING} under {ROLLBACK_SKIP})", actual,
    )  # fmt: skip


def _cancel_effect(effect: Effect, polls: list[Mapping[str, Any]]) -> MissingEffect | str | None:
    for snap in polls:
        located = _located(snap, effect.subtask_id or 0)
        if located is not None and text(located[1], "status") in (CANCELING, FAILED):
            return None
    path, actual = _subtask_effect_target(effect, polls[-1])
    last = _located(polls[-1], effect.subtask_id or 0)
    return MissingEffect(
        "effect.cancel-ignored", path, "the cancelled subtask never went CANCELING or FAILED",
        f"{CANCELING}, then {FAILED}", actual,
        final=last is not None and text(last[1], "status") == SUCCESSFUL,
    )  # fmt: skip


#: Each control call's judge, by the short name of ``contracts.ocp.LIFECYCLE_ROUTES``.
EFFECTS: dict[str, Callable[[Effect, list[Mapping[str, Any]]], MissingEffect | str | None]] = {
    "task-retry": _retry_effect,
    "task-rollback": _rollback_effect,
    "subtask-retry": _subtask_retry_effect,
    "subtask-skip": _skip_effect,
    "subtask-cancel": _cancel_effect,
}
