"""The transition rules between two polled snapshots of one task.

Each row builds BEFORE as a two-step chain 1 → 2 and AFTER from it with a few changes;
pointers are relative to AFTER.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from contracts.rules.transitions import AcceptedCall, check_transition
from tests.factories import make_subtask, make_task

Task = dict[str, Any]
FINISHED = "2021-09-03T16:40:00.000+08:00"


def _snapshot(
    first: str = "SUCCESSFUL", second: str = "RUNNING", *, status: str = "RUNNING", **task: Any
) -> Task:
    subtasks = [
        make_subtask(id=1, status=first, downstreams=[2]),
        make_subtask(id=2, status=second, upstreams=[1]),
    ]
    return make_task(subtasks=subtasks, status=status, **task)


def _changed(before: Task, change: Callable[[Task], object]) -> Task:
    after = copy.deepcopy(before)
    change(after)
    return after


def _set(*path: str | int, value: object) -> Callable[[Task], None]:
    def change(task: Task) -> None:
        target: Any = task
        for token in path[:-1]:
            target = target[token]
        target[path[-1]] = value

    return change


def _all(*changes: Callable[[Task], None]) -> Callable[[Task], None]:
    def change(task: Task) -> None:
        for each in changes:
            each(task)

    return change


def _pairs(before: object, after: object, requested: object = None) -> list[tuple[str, str]]:
    return sorted((v.rule, v.pointer) for v in check_transition(before, after, requested_task_id=requested))


FAILED_TASK = _snapshot("SUCCESSFUL", "FAILED", status="FAILED", finishTime=FINISHED)
SUCCESSFUL_TASK = _snapshot("SUCCESSFUL", "SUCCESSFUL", status="SUCCESSFUL", finishTime=FINISHED)
RUNNING_TASK = _snapshot()


@pytest.mark.parametrize(
    ("before", "change", "expected"),
    [
        # progress a task may make
        pytest.param(RUNNING_TASK, lambda task: None, [], id="unchanged"),
        pytest.param(
            RUNNING_TASK,
            _all(_set("subtasks", 1, "status", value="SUCCESSFUL"), _set("status", value="SUCCESSFUL")),
            [],
            id="finishes",
        ),
        pytest.param(RUNNING_TASK, lambda task: task["subtasks"].reverse(), [], id="subtasks-reordered"),
        pytest.param(RUNNING_TASK, _set("subtasks", 1, "runTime", value=2), [], id="run-time-grows"),
        # a finished task re-opens only through a user action
        pytest.param(
            FAILED_TASK,
            _set("status", value="RUNNING"),
            [("transition.task-left-terminal", "/status")],
            id="failed-task-runs-again-unasked",
        ),
        pytest.param(
            FAILED_TASK,
            _all(
                _set("status", value="RUNNING"),
                _set("operation", value="RETRY"),
                _set("subtasks", 1, "status", value="RUNNING"),
                _set("subtasks", 1, "operation", value="RETRY"),
            ),
            [],
            id="task-retried",
        ),
        pytest.param(
            FAILED_TASK,
            _all(
                _set("status", value="RUNNING"),
                _set("operation", value="ROLLBACK"),
                _set("subtasks", 1, "status", value="RUNNING"),
                _set("subtasks", 1, "operation", value="ROLLBACK"),
            ),
            [],
            id="task-rolled-back",
        ),
        pytest.param(
            FAILED_TASK,
            _all(
                _set("status", value="SUCCESSFUL"),
                _set("subtasks", 1, "status", value="SUCCESSFUL"),
                _set("subtasks", 1, "operation", value="SKIP"),
            ),
            [],
            id="subtask-skipped",
        ),
        pytest.param(
            SUCCESSFUL_TASK,
            _set("status", value="FAILED"),
            [("transition.task-left-terminal", "/status")],
            id="successful-task-fails-later",
        ),
        pytest.param(
            SUCCESSFUL_TASK,
            _set("status", value="RUNNING"),
            [("transition.task-left-terminal", "/status")],
            id="successful-task-runs-again",
        ),
        # a finished subtask changes only through a user action
        pytest.param(
            SUCCESSFUL_TASK,
            _set("subtasks", 1, "status", value="RUNNING"),
            [("transition.terminal-subtask-changed", "/subtasks/1/status")],
            id="successful-subtask-regresses",
        ),
        pytest.param(
            _snapshot("SUCCESSFUL", "SUCCESSFUL", operation="RETRY"),
            _all(
                _set("subtasks", 1, "operation", value="RETRY"),
                _set("subtasks", 1, "status", value="RUNNING"),
            ),
            [],
            id="successful-subtask-operation-changed",
        ),
        pytest.param(
            _changed(_snapshot("SUCCESSFUL", "SUCCESSFUL"), _set("subtasks", 1, "operation", value="RETRY")),
            _set("subtasks", 1, "status", value="RUNNING"),
            [("transition.terminal-subtask-changed", "/subtasks/1/status")],
            id="successful-subtask-regresses-under-unchanged-retry",
        ),
        # a rollback marks the subtasks ROLLBACK first and undoes them on a later poll
        pytest.param(
            _changed(
                _snapshot("SUCCESSFUL", "SUCCESSFUL", operation="ROLLBACK"),
                _all(
                    _set("subtasks", 0, "operation", value="ROLLBACK"),
                    _set("subtasks", 1, "operation", value="ROLLBACK"),
                ),
            ),
            _all(
                _set("status", value="SUCCESSFUL"),
                _set("finishTime", value=FINISHED),
                _set("subtasks", 0, "status", value="PENDING"),
                _set("subtasks", 1, "status", value="PENDING"),
            ),
            [],
            id="rollback-undoes-subtasks-already-marked",
        ),
        pytest.param(
            _changed(
                _snapshot("SUCCESSFUL", "SUCCESSFUL"), _set("subtasks", 1, "operation", value="EXECUTE")
            ),
            _set("subtasks", 1, "status", value="PENDING"),
            [("transition.terminal-subtask-changed", "/subtasks/1/status")],
            id="successful-subtask-back-to-pending-without-a-rollback",
        ),
        pytest.param(
            _snapshot("SUCCESSFUL", "FAILED"),
            _set("subtasks", 1, "status", value="RUNNING"),
            [("transition.terminal-subtask-changed", "/subtasks/1/status")],
            id="failed-subtask-reruns-unasked",
        ),
        pytest.param(
            _changed(_snapshot("SUCCESSFUL", "FAILED"), _set("subtasks", 1, "operation", value="RETRY")),
            _set("subtasks", 1, "status", value="RUNNING"),
            [],
            id="failed-retry-retried-again",
        ),
        pytest.param(
            _snapshot("SUCCESSFUL", "FAILED"),
            _all(
                _set("subtasks", 1, "status", value="SUCCESSFUL"),
                _set("subtasks", 1, "operation", value="SKIP"),
            ),
            [],
            id="failed-subtask-skipped",
        ),
        pytest.param(
            _snapshot("SUCCESSFUL", "FAILED"),
            _set("subtasks", 1, "status", value="SUCCESSFUL"),
            [("transition.terminal-subtask-changed", "/subtasks/1/status")],
            id="failed-turns-successful",
        ),
        # the graph is fixed at creation
        pytest.param(
            RUNNING_TASK,
            lambda task: task["subtasks"].append(make_subtask(id=3)),
            [("transition.subtasks-changed", "/subtasks/2/id")],
            id="subtask-appeared",
        ),
        pytest.param(
            RUNNING_TASK,
            lambda task: task["subtasks"].pop(),
            [("transition.subtasks-changed", "/subtasks")],
            id="subtask-vanished",
        ),
        pytest.param(
            RUNNING_TASK,
            _set("subtasks", 0, "id", value=3),
            [("transition.subtasks-changed", "/subtasks"), ("transition.subtasks-changed", "/subtasks/0/id")],
            id="subtask-replaced",
        ),
        pytest.param(
            RUNNING_TASK,
            _set("subtasks", 1, "upstreams", value=[]),
            [("transition.edges-changed", "/subtasks/1/upstreams")],
            id="upstream-dropped",
        ),
        pytest.param(
            RUNNING_TASK,
            _set("subtasks", 0, "downstreams", value=[2, 5]),
            [("transition.edges-changed", "/subtasks/0/downstreams")],
            id="downstream-added",
        ),
        pytest.param(
            RUNNING_TASK, _set("subtasks", 0, "downstreams", value=["2", 2]), [], id="same-set-other-spelling"
        ),
        pytest.param(
            RUNNING_TASK, _set("subtasks", 0, "downstreams", value="2"), [], id="edges-unusable-after"
        ),
        # several at once
        pytest.param(
            SUCCESSFUL_TASK,
            _all(
                _set("status", value="RUNNING"),
                _set("subtasks", 0, "status", value="PENDING"),
                _set("subtasks", 0, "upstreams", value=[2]),
            ),
            [
                ("transition.edges-changed", "/subtasks/0/upstreams"),
                ("transition.task-left-terminal", "/status"),
                ("transition.terminal-subtask-changed", "/subtasks/0/status"),
            ],
            id="everything-wrong",
        ),
    ],
)
def test_transitions(before: Task, change: Callable[[Task], object], expected: list[tuple[str, str]]) -> None:
    assert _pairs(before, _changed(before, change)) == sorted(expected)


@pytest.mark.parametrize(
    ("requested", "after_id", "expected"),
    [
        pytest.param(None, 33149, [], id="same-as-before"),
        pytest.param(None, 33150, [("transition.wrong-task", "/id")], id="differs-from-before"),
        pytest.param(33149, "33149", [], id="requested-as-string"),
        pytest.param("33150", 33150, [], id="requested-string-matches"),
        pytest.param(33150, 33149, [("transition.wrong-task", "/id")], id="not-the-requested"),
        pytest.param(None, None, [], id="after-id-unusable"),
    ],
)
def test_wrong_task(requested: object, after_id: object, expected: list[tuple[str, str]]) -> None:
    assert _pairs(RUNNING_TASK, _snapshot(id=after_id), requested) == expected


def test_wrong_task_stops_the_comparison() -> None:
    other = _snapshot("PENDING", "PENDING", id=1, status="RUNNING")
    assert _pairs(FAILED_TASK, other) == [("transition.wrong-task", "/id")]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(None, RUNNING_TASK, id="before-null"),
        pytest.param(RUNNING_TASK, None, id="after-null"),
        pytest.param([], "x", id="neither-object"),
        pytest.param({"subtasks": "x"}, {"subtasks": [1, None, {"id": []}]}, id="junk-subtasks"),
        pytest.param({"id": 1, "status": ["FAILED"]}, {"id": 1, "status": {"s": 1}}, id="unhashable-status"),
        pytest.param({"id": 1, "subtasks": [{"id": 1}]}, {"id": 1}, id="after-without-subtasks"),
    ],
)
def test_unusable_shapes_are_skipped(before: object, after: object) -> None:
    assert _pairs(before, after) == []


# --- re-openings judged against the control calls accepted between the two polls ----------------

RETRIED = _changed(
    FAILED_TASK,
    _all(
        _set("status", value="RUNNING"),
        _set("operation", value="RETRY"),
        _set("subtasks", 1, "status", value="READY"),
        _set("subtasks", 1, "operation", value="RETRY"),
        _set("subtasks", 1, "runTime", value=2),
    ),
)
SKIPPED = _changed(
    FAILED_TASK,
    _all(
        _set("status", value="RUNNING"),
        _set("subtasks", 1, "status", value="READY"),
        _set("subtasks", 1, "operation", value="SKIP"),
    ),
)
ROLLING_BACK = _changed(
    FAILED_TASK,
    _all(
        _set("status", value="RUNNING"),
        _set("operation", value="ROLLBACK"),
        _set("subtasks", 0, "operation", value="ROLLBACK"),
        _set("subtasks", 1, "status", value="READY"),
        _set("subtasks", 1, "operation", value="ROLLBACK"),
    ),
)
SUBTASK_RETRIED = _changed(
    SKIPPED, _all(_set("operation", value="EXECUTE"), _set("subtasks", 1, "operation", value="RETRY"))
)


def _calls(*routes: str, subtask: int | None = None) -> list[AcceptedCall]:
    return [AcceptedCall(route, subtask) for route in routes]


@pytest.mark.parametrize(
    ("after", "calls", "expected"),
    [
        pytest.param(RETRIED, _calls("task-retry"), [], id="retry-accepted"),
        pytest.param(ROLLING_BACK, _calls("task-rollback"), [], id="rollback-accepted"),
        pytest.param(SKIPPED, _calls("subtask-skip", subtask=2), [], id="skip-accepted"),
        pytest.param(SUBTASK_RETRIED, _calls("subtask-retry", subtask=2), [], id="subtask-retry-accepted"),
        pytest.param(SKIPPED, _calls("subtask-skip"), [], id="skip-of-unnamed-subtask"),
        pytest.param(
            RETRIED,
            [],
            [("transition.task-left-terminal", "/status")],
            id="retried-look-without-a-call",
        ),
        pytest.param(
            RETRIED,
            _calls("subtask-cancel", subtask=2),
            [("transition.task-left-terminal", "/status")],
            id="a-cancel-reopens-nothing",
        ),
        pytest.param(
            SKIPPED,
            _calls("subtask-skip", subtask=1),
            [("transition.terminal-subtask-changed", "/subtasks/1/status")],
            id="skip-of-another-subtask",
        ),
        pytest.param(
            _changed(RETRIED, _set("subtasks", 1, "runTime", value=1)),
            _calls("subtask-skip", subtask=1),
            [("transition.terminal-subtask-changed", "/subtasks/1/status")],
            id="retry-without-a-call-and-no-new-run",
        ),
    ],
)
def test_reopenings_need_an_accepted_call(
    after: Task, calls: list[AcceptedCall], expected: list[tuple[str, str]]
) -> None:
    found = check_transition(FAILED_TASK, after, accepted_calls=calls)
    assert sorted((v.rule, v.pointer) for v in found) == sorted(expected)


@pytest.mark.parametrize("after", [RETRIED, SKIPPED, ROLLING_BACK, SUBTASK_RETRIED])
def test_without_known_calls_the_operations_decide_as_before(after: Task) -> None:
    assert list(check_transition(FAILED_TASK, after)) == []


def test_the_engine_retries_a_failed_subtask_of_a_running_task_without_a_call() -> None:
    """OCP Express's FailedSubtaskWorker: operation RETRY and one more run, no call."""
    before = _snapshot("SUCCESSFUL", "FAILED")
    after = _changed(
        before,
        _all(
            _set("subtasks", 1, "status", value="READY"),
            _set("subtasks", 1, "operation", value="RETRY"),
            _set("subtasks", 1, "runTime", value=2),
        ),
    )
    assert list(check_transition(before, after, accepted_calls=())) == []


def test_a_rollback_undoes_subtasks_on_later_polls_without_another_call() -> None:
    after = _changed(
        ROLLING_BACK,
        _all(_set("subtasks", 1, "status", value="PENDING"), _set("subtasks", 0, "status", value="READY")),
    )
    assert list(check_transition(ROLLING_BACK, after, accepted_calls=())) == []


def test_a_successful_task_reopened_under_retry_is_judged_by_the_call() -> None:
    after = _changed(SUCCESSFUL_TASK, _all(_set("status", value="RUNNING"), _set("operation", value="RETRY")))
    assert [v.rule for v in check_transition(SUCCESSFUL_TASK, after)] == []
    found = list(check_transition(SUCCESSFUL_TASK, after, accepted_calls=()))
    assert [(v.rule, v.pointer) for v in found] == [("transition.task-left-terminal", "/status")]
    assert "no control call" in found[0].actual


def test_an_engine_retry_without_run_counts_is_given_the_benefit_of_the_doubt() -> None:
    """Without ``runTime`` the engine's own retry cannot be told from an unasked one: allowed."""
    before = _changed(_snapshot("SUCCESSFUL", "FAILED"), lambda task: task["subtasks"][1].pop("runTime"))
    after = _changed(
        before,
        _all(_set("subtasks", 1, "status", value="READY"), _set("subtasks", 1, "operation", value="RETRY")),
    )
    assert list(check_transition(before, after, accepted_calls=())) == []
