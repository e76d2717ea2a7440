"""The state rules over hand-built snapshots: which statuses and times may co-exist.

Most rows use a three-step chain 1 → 2 → 3 (subtasks at indexes 0, 1, 2) with the statuses
given; pointers are relative to the task.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest

from contracts.rules import state
from contracts.rules.state import check_state
from contracts.violations import Severity
from tests.factories import make_subtask, make_task

FINISHED = "2021-09-03T16:40:00.000+08:00"


def _chain(*statuses: str, operations: tuple[str, ...] = (), **task: Any) -> dict[str, Any]:
    """Task over the chain 1 → 2 → 3 …, one subtask per status (operations default to EXECUTE)."""
    last = len(statuses)
    subtasks = [
        make_subtask(
            id=key,
            status=status,
            operation=operations[key - 1] if operations else "EXECUTE",
            upstreams=[key - 1] if key > 1 else [],
            downstreams=[key + 1] if key < last else [],
        )
        for key, status in enumerate(statuses, start=1)
    ]
    return make_task(subtasks=subtasks, **task)


def _pairs(task: object) -> list[tuple[str, str]]:
    return sorted((v.rule, v.pointer) for v in check_state(task))


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # coherent snapshots along an execution
        pytest.param(_chain("READY", "PENDING", "PENDING"), [], id="just-created"),
        pytest.param(_chain("SUCCESSFUL", "RUNNING", "PENDING"), [], id="running-middle"),
        pytest.param(_chain("SUCCESSFUL", "SUCCESSFUL", "READY"), [], id="last-ready"),
        pytest.param(
            _chain("SUCCESSFUL", "FAILED", "PENDING", status="FAILED", finishTime=FINISHED), [], id="failed"
        ),
        pytest.param(
            _chain("SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL", status="SUCCESSFUL", finishTime=FINISHED),
            [],
            id="successful",
        ),
        pytest.param(_chain("SUCCESSFUL", "CANCELING", "PENDING"), [], id="canceling-while-running"),
        # a subtask dispatched before its upstream succeeded
        pytest.param(
            _chain("READY", "READY", "PENDING"),
            [("state.upstream-not-successful", "/subtasks/1/upstreams/0")],
            id="ready-after-ready",
        ),
        pytest.param(
            _chain("RUNNING", "RUNNING", "PENDING"),
            [("state.upstream-not-successful", "/subtasks/1/upstreams/0")],
            id="running-after-running",
        ),
        pytest.param(
            _chain("SUCCESSFUL", "PENDING", "SUCCESSFUL"),
            [("state.upstream-not-successful", "/subtasks/2/upstreams/0")],
            id="successful-after-pending",
        ),
        pytest.param(
            _chain("FAILED", "CANCELING", "PENDING"),
            [("state.upstream-not-successful", "/subtasks/1/upstreams/0")],
            id="canceling-after-failed",
        ),
        pytest.param(_chain("PENDING", "FAILED", "PENDING"), [], id="failed-is-not-checked"),
        # direction: the forward ordering does not describe a rollback
        pytest.param(
            _chain(
                "RUNNING",
                "SUCCESSFUL",
                "SUCCESSFUL",
                operations=("ROLLBACK", "ROLLBACK", "ROLLBACK"),
                operation="ROLLBACK",
            ),
            [],
            id="task-rolling-back",
        ),
        pytest.param(
            _chain("PENDING", "RUNNING", "PENDING", operations=("EXECUTE", "ROLLBACK", "EXECUTE")),
            [],
            id="subtask-rollback",
        ),
        pytest.param(
            _chain("PENDING", "SUCCESSFUL", "PENDING", operations=("EXECUTE", "ROLLBACK_SKIP", "EXECUTE")),
            [],
            id="subtask-rollback-skip",
        ),
        pytest.param(
            _chain("PENDING", "RUNNING", "PENDING", operations=("EXECUTE", "RETRY", "EXECUTE")),
            [("state.upstream-not-successful", "/subtasks/1/upstreams/0")],
            id="subtask-retry-is-forward",
        ),
        pytest.param(
            _chain("PENDING", "SUCCESSFUL", "PENDING", operations=("EXECUTE", "SKIP", "EXECUTE")),
            [("state.upstream-not-successful", "/subtasks/1/upstreams/0")],
            id="subtask-skip-is-forward",
        ),
        pytest.param(
            _chain("PENDING", "CANCELING", "PENDING", operations=("EXECUTE", "CANCEL", "EXECUTE")),
            [("state.upstream-not-successful", "/subtasks/1/upstreams/0")],
            id="subtask-cancel-is-forward",
        ),
        # a SUCCESSFUL task needs every subtask SUCCESSFUL
        pytest.param(
            _chain("SUCCESSFUL", "SUCCESSFUL", "PENDING", status="SUCCESSFUL", finishTime=FINISHED),
            [("state.task-successful-unfinished-subtask", "/subtasks/2/status")],
            id="successful-with-pending",
        ),
        pytest.param(
            _chain("SUCCESSFUL", "FAILED", "PENDING", status="SUCCESSFUL", finishTime=FINISHED),
            [
                ("state.task-successful-unfinished-subtask", "/subtasks/1/status"),
                ("state.task-successful-unfinished-subtask", "/subtasks/2/status"),
            ],
            id="successful-with-failed",
        ),
        pytest.param(
            _chain(
                "SUCCESSFUL",
                "SUCCESSFUL",
                "PENDING",
                operations=("ROLLBACK", "ROLLBACK", "EXECUTE"),
                status="SUCCESSFUL",
                operation="ROLLBACK",
                finishTime=FINISHED,
            ),
            [],
            id="rolled-back-leaves-never-run-pending",
        ),
        # a finished rollback as OCP shows it: SUCCESSFUL, every subtask PENDING again, the ones
        # that had run under ROLLBACK; list items carry no task operation at all
        pytest.param(
            _chain(
                "PENDING",
                "PENDING",
                "PENDING",
                operations=("ROLLBACK", "EXECUTE", "EXECUTE"),
                status="SUCCESSFUL",
                operation=None,
                finishTime=FINISHED,
            ),
            [],
            id="rolled-back-recognised-from-the-subtasks",
        ),
        pytest.param(
            _chain(
                "PENDING",
                "PENDING",
                "PENDING",
                status="SUCCESSFUL",
                operation="ROLLBACK",
                finishTime=FINISHED,
            ),
            [],
            id="rolled-back-by-the-task-operation",
        ),
        pytest.param(
            _chain("PENDING", "PENDING", "PENDING", status="SUCCESSFUL", operation=None, finishTime=FINISHED),
            [
                ("state.task-successful-unfinished-subtask", "/subtasks/0/status"),
                ("state.task-successful-unfinished-subtask", "/subtasks/1/status"),
                ("state.task-successful-unfinished-subtask", "/subtasks/2/status"),
            ],
            id="successful-but-nothing-ran-and-no-rollback",
        ),
        pytest.param(
            _chain(
                "PENDING",
                "FAILED",
                "PENDING",
                operations=("ROLLBACK", "ROLLBACK", "EXECUTE"),
                status="SUCCESSFUL",
                operation=None,
                finishTime=FINISHED,
            ),
            [("state.task-successful-unfinished-subtask", "/subtasks/1/status")],
            id="rolled-back-with-a-failed-subtask",
        ),
        pytest.param(
            _chain(
                "PENDING",
                "RUNNING",
                "PENDING",
                operations=("ROLLBACK", "ROLLBACK", "EXECUTE"),
                status="SUCCESSFUL",
                operation="ROLLBACK",
                finishTime=FINISHED,
            ),
            [("state.task-successful-unfinished-subtask", "/subtasks/1/status")],
            id="rolled-back-with-a-running-subtask",
        ),
        pytest.param(
            _chain("SUCCESSFUL", "RUNNING", "PENDING", status="SUCCESSFUL", finishTime=FINISHED),
            [
                ("state.task-successful-unfinished-subtask", "/subtasks/1/status"),
                ("state.task-successful-unfinished-subtask", "/subtasks/2/status"),
            ],
            id="successful-with-running-and-no-rollback",
        ),
        # a FAILED task needs a FAILED subtask and nothing running
        pytest.param(
            _chain("SUCCESSFUL", "READY", "PENDING", status="FAILED", finishTime=FINISHED),
            [("state.task-failed-without-failed-subtask", "/status")],
            id="failed-without-failed",
        ),
        pytest.param(
            _chain("SUCCESSFUL", "RUNNING", "PENDING", status="FAILED", finishTime=FINISHED),
            [
                ("state.task-failed-with-running-subtask", "/subtasks/1/status"),
                ("state.task-failed-without-failed-subtask", "/status"),
            ],
            id="failed-while-running",
        ),
        pytest.param(
            make_task(
                status="FAILED",
                finishTime=FINISHED,
                subtasks=[
                    make_subtask(id=1, status="SUCCESSFUL", downstreams=[2, 3]),
                    make_subtask(id=2, status="FAILED", upstreams=[1], downstreams=[4]),
                    make_subtask(id=3, status="CANCELING", upstreams=[1], downstreams=[4]),
                    make_subtask(id=4, upstreams=[2, 3]),
                ],
            ),
            [],
            id="failed-while-a-parallel-subtask-is-canceling",
        ),
        pytest.param(
            make_task(
                status="FAILED",
                finishTime=FINISHED,
                subtasks=[
                    make_subtask(id=1, status="SUCCESSFUL", downstreams=[2, 3]),
                    make_subtask(id=2, status="FAILED", upstreams=[1], downstreams=[4]),
                    make_subtask(id=3, status="RUNNING", operation="CANCEL", upstreams=[1], downstreams=[4]),
                    make_subtask(id=4, upstreams=[2, 3]),
                ],
            ),
            [],
            id="failed-while-a-parallel-subtask-runs-its-cancel",
        ),
        pytest.param(
            make_task(
                status="FAILED",
                finishTime=FINISHED,
                subtasks=[
                    make_subtask(id=1, status="SUCCESSFUL", downstreams=[2, 3]),
                    make_subtask(id=2, status="FAILED", upstreams=[1], downstreams=[4]),
                    make_subtask(id=3, status="RUNNING", operation="RETRY", upstreams=[1], downstreams=[4]),
                    make_subtask(id=4, upstreams=[2, 3]),
                ],
            ),
            [("state.task-failed-with-running-subtask", "/subtasks/2/status")],
            id="failed-while-a-parallel-subtask-still-runs",
        ),
        pytest.param(
            make_task(
                status="FAILED",
                finishTime=FINISHED,
                subtasks=[
                    make_subtask(id=1, status="SUCCESSFUL", downstreams=[2, 3]),
                    make_subtask(id=2, status="FAILED", upstreams=[1], downstreams=[4]),
                    make_subtask(id=3, status="READY", upstreams=[1], downstreams=[4]),
                    make_subtask(id=4, upstreams=[2, 3]),
                ],
            ),
            [],
            id="failed-with-ready-branch",
        ),
        # warnings
        pytest.param(
            _chain("SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL"),
            [("state.running-task-all-terminal", "/status")],
            id="running-all-successful",
        ),
        pytest.param(
            _chain("SUCCESSFUL", "FAILED", status="RUNNING"),
            [],
            id="running-while-a-failed-subtask-may-be-retried",
        ),
        pytest.param(
            _chain("SUCCESSFUL", "SUCCESSFUL", status="SUCCESSFUL"),
            [("state.terminal-task-without-finish-time", "")],
            id="successful-without-finish-time",
        ),
        pytest.param(
            _chain("FAILED", "PENDING", status="FAILED"),
            [("state.terminal-task-without-finish-time", "")],
            id="failed-without-finish-time",
        ),
    ],
)
@pytest.mark.parametrize("block", [state._BLOCK, 1, 2])
def test_status_rules(task: dict[str, Any], expected: list[tuple[str, str]], block: int) -> None:
    """Also with the subtasks read in blocks of one or two, so that findings lie in later blocks."""
    with patch.object(state, "_BLOCK", block):
        assert _pairs(task) == sorted(expected)


@pytest.mark.parametrize(
    ("start", "finish", "expected"),
    [
        pytest.param("2021-09-03T16:31:58.151+08:00", "2021-09-03T16:31:58.152+08:00", [], id="after"),
        pytest.param("2021-09-03T16:31:58.151+08:00", "2021-09-03T16:31:58.151+08:00", [], id="same-instant"),
        pytest.param(
            "2021-09-03T16:31:58.151+08:00",
            "2021-09-03T16:31:58.150+08:00",
            [("state.finish-before-start", "/subtasks/0/finishTime")],
            id="before",
        ),
        # instants, not text: the later string may be the earlier instant, and the other way round
        pytest.param("2021-09-03T16:31:58+08:00", "2021-09-03T08:31:58.100Z", [], id="utc-after-by-instant"),
        pytest.param(
            "2021-09-03T08:31:58Z",
            "2021-09-03T16:31:57.999+08:00",
            [("state.finish-before-start", "/subtasks/0/finishTime")],
            id="offset-before-by-instant",
        ),
        pytest.param(
            "2021-09-03T16:31:58+08:00",
            "2021-09-03t08:31:57z",
            [("state.finish-before-start", "/subtasks/0/finishTime")],
            id="lower-case-t-and-z",
        ),
        # what the schema reports is skipped here
        pytest.param("2021-09-03T16:31:58", "2021-09-03T16:31:57", [], id="no-offset"),
        pytest.param("yesterday", "2021-09-03T16:31:57+08:00", [], id="unparsable"),
        pytest.param("2021-09-03T16:31:58+08:00", "2021-13-03T16:31:57+08:00", [], id="month-13"),
        pytest.param(1630658118151, 1630658118000, [], id="epoch-millis"),
    ],
)
def test_finish_before_start(start: object, finish: object, expected: list[tuple[str, str]]) -> None:
    task = make_task(
        subtasks=[make_subtask(id=1, status="SUCCESSFUL", startTime=start, finishTime=finish)],
        status="SUCCESSFUL",
        startTime="2021-09-03T08:00:00+08:00",
        finishTime=FINISHED,
    )
    assert _pairs(task) == expected


def test_finish_before_start_of_the_task() -> None:
    task = _chain("SUCCESSFUL", status="SUCCESSFUL", finishTime="2021-09-03T08:31:58.150Z")
    assert _pairs(task) == [("state.finish-before-start", "/finishTime")]


def test_string_ids_name_the_same_upstream() -> None:
    task = make_task(
        subtasks=[
            make_subtask(id="9007199254740993", status="PENDING", downstreams=[9007199254740994]),
            make_subtask(id=9007199254740994, status="READY", upstreams=["9007199254740993"]),
        ]
    )
    assert _pairs(task) == [("state.upstream-not-successful", "/subtasks/1/upstreams/0")]


def test_warnings_and_errors() -> None:
    task = _chain("SUCCESSFUL", "READY", status="SUCCESSFUL")
    severities = {v.rule: v.severity for v in check_state(task)}
    assert severities == {
        "state.task-successful-unfinished-subtask": Severity.ERROR,
        "state.terminal-task-without-finish-time": Severity.WARNING,
    }
    assert {v.severity for v in check_state(_chain("SUCCESSFUL", status="RUNNING"))} == {Severity.WARNING}


@pytest.mark.parametrize(
    "task",
    [
        pytest.param(None, id="null"),
        pytest.param("RUNNING", id="string"),
        pytest.param({"status": ["RUNNING"], "subtasks": {"1": {}}}, id="unhashable-status"),
        pytest.param(
            {"status": "FAILED", "subtasks": None, "finishTime": FINISHED}, id="failed-without-subtasks"
        ),
        pytest.param({"status": "RUNNING", "subtasks": []}, id="running-without-subtasks"),
        pytest.param(
            make_task(
                subtasks=[
                    None,
                    3,
                    make_subtask(id=1, status={"s": 1}, upstreams={"x": 1}),
                    make_subtask(id=2, status="READY", upstreams=[None, [1], 1]),
                ]
            ),
            id="junk-subtasks",
        ),
        pytest.param(
            make_task(subtasks=[make_subtask(id=1, status="READY", upstreams=[7])]), id="unknown-upstream"
        ),
        pytest.param(
            make_task(subtasks=[make_subtask(id=1, status="READY", upstreams=["1"])]), id="self-loop-is-dags"
        ),
        pytest.param(
            make_task(
                subtasks=[
                    make_subtask(id=1, status="DONE"),
                    make_subtask(id=2, status="READY", upstreams=[1]),
                ]
            ),
            id="upstream-status-outside-enum",
        ),
    ],
)
def test_unusable_shapes_are_skipped(task: object) -> None:
    assert _pairs(task) == []


def test_a_failed_task_flags_running_subtasks_only_not_those_without_a_status() -> None:
    """A subtask with no status is the schema rule's; the FAILED-task rule names only RUNNING ones."""
    subtasks = [{}, {"id": 2, "status": "FAILED"}, {"id": 3, "status": "RUNNING"}]
    rule = "state.task-failed-with-running-subtask"
    found = [v.pointer for v in check_state(make_task(status="FAILED", subtasks=subtasks)) if v.rule == rule]
    assert found == ["/subtasks/2/status"]


def test_ready_may_stand_under_a_failed_task() -> None:
    """OCP Express marks a task FAILED while a sibling branch is only READY (``RunningTaskWorker``
    counts RUNNING subtasks alone; ``ReadySubtaskWorker`` waits for an idle thread), so this
    snapshot is what a faithful OCP sends; a READY subtask whose upstream has not succeeded is
    still caught."""
    faithful = make_task(
        status="FAILED",
        finishTime=FINISHED,
        subtasks=[
            make_subtask(id=1, status="SUCCESSFUL", downstreams=[2, 3]),
            make_subtask(id=2, status="FAILED", upstreams=[1], downstreams=[4]),
            make_subtask(id=3, status="SUCCESSFUL", upstreams=[1], downstreams=[5]),
            make_subtask(id=5, status="READY", upstreams=[3], downstreams=[4]),
            make_subtask(id=4, upstreams=[2, 5]),
        ],
    )
    assert list(check_state(faithful)) == []
    faithful["subtasks"][2]["status"] = "RUNNING"  # the READY one's upstream no longer succeeded
    assert sorted((v.rule, v.pointer) for v in check_state(faithful)) == [
        ("state.task-failed-with-running-subtask", "/subtasks/2/status"),
        ("state.upstream-not-successful", "/subtasks/3/upstreams/0"),
    ]


def test_a_ready_branch_picked_up_after_the_failure_may_run_under_the_failed_task() -> None:
    """``ReadySubtaskWorker`` starts a READY subtask without looking at its task's state: a branch
    that started after the task's ``finishTime`` runs under the FAILED task on a faithful OCP; one
    that started before it, or at the same instant, was running when the task was marked FAILED."""
    rule = "state.task-failed-with-running-subtask"

    def task(started: str) -> dict[str, Any]:
        return make_task(
            status="FAILED",
            finishTime="2021-09-03T16:40:00+08:00",
            subtasks=[
                make_subtask(id=1, status="SUCCESSFUL", downstreams=[2, 3]),
                make_subtask(id=2, status="FAILED", upstreams=[1]),
                make_subtask(id=3, status="RUNNING", upstreams=[1], startTime=started),
            ],
        )

    assert [v.rule for v in check_state(task("2021-09-03T16:40:00.001+08:00"))] == []
    assert [v.rule for v in check_state(task("2021-09-03T08:41:00Z"))] == []  # later, in another offset
    for before_or_with in ("2021-09-03T16:39:59+08:00", "2021-09-03T16:40:00+08:00"):
        assert [v.pointer for v in check_state(task(before_or_with)) if v.rule == rule] == [
            "/subtasks/2/status"
        ]
    no_start = task("x")
    del no_start["subtasks"][2]["startTime"]
    assert [v.pointer for v in check_state(no_start) if v.rule == rule] == ["/subtasks/2/status"]
