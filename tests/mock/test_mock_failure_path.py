"""The failure path against the embedded mock: every call of ``ocp-api.md`` §5a behaves as OCP's
engine does, every refusal is the documented one, and every answer conforms to the spec under its
own operation (strict: no undocumented property either).

Task retry and rollback, a subtask's log, retry, skip and cancel; the inventory's ``failTimes``; and
the OBProxy cluster read, whose servers report the version they run and UPGRADING while a task works
on them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts.mock import create_app
from contracts.mock.inventory import package_version, parse_inventory
from contracts.ocp import (
    CANCEL,
    CANCELING,
    FAILED,
    PENDING,
    READY,
    RETRY,
    ROLLBACK,
    RUNNING,
    SKIP,
    SUCCESSFUL,
    TASK_NOT_FOUND_CODE,
    TASK_PROHIBITS_ROLLBACK_CODE,
    TASK_STATE_INVALID_CODE,
    UPGRADING,
)
from tests.mock._support import PACKAGE, VIEWER, Api, Reply

OLD = "4.2.1.0"
NEW = package_version(PACKAGE)  # 1.9.1.1-1919579


def _inventory(**server: Any) -> Any:
    """Cluster 1: server 1 as given, server 2 healthy; a user who may only view tasks."""
    return parse_inventory(
        {
            "clusters": [
                {"id": 1, "servers": [{"id": 1, "version": OLD, **server}, {"id": 2, "version": OLD}]}
            ],
            "packages": [PACKAGE],
        },
        "test inventory",
    )


def _api(**server: Any) -> Api:
    return Api(create_app(_inventory(**server), seed_history=False))


def _failed_upgrade(api: Api, ids: str = "1") -> tuple[int, Reply]:
    created = api.upgrade(1, ids)
    assert created.status == 200, created.body
    polls = api.poll_to_end(created.data["id"])
    assert polls[-1].data["status"] == FAILED
    return created.data["id"], polls[-1]


def _subtask(reply: Reply, status: str) -> dict[str, Any]:
    return next(sub for sub in reply.data["subtasks"] if sub["status"] == status)


def _refused(reply: Reply, status: int, code: int) -> None:
    assert (reply.status, reply.error["code"]) == (status, code), reply.body
    reply.assert_valid()


# --------------------------------------------------------------------------- task retry


def test_a_retry_reruns_the_failed_subtasks_and_a_step_failing_once_then_passes() -> None:
    api = _api(failAt="install", failTimes=1)
    task_id, failed = _failed_upgrade(api, "1,2")
    failed_ids = {s["id"] for s in failed.data["subtasks"] if s["status"] == FAILED}
    assert len(failed_ids) == 1

    retried = api.call("task-retry", task_id)
    assert retried.status == 200, retried.body
    retried.assert_valid()
    assert (retried.data["id"], retried.data["status"], retried.data["operation"]) == (
        task_id,
        RUNNING,
        RETRY,
    )
    again = {s["id"]: s for s in retried.data["subtasks"] if s["id"] in failed_ids}
    assert {(s["status"], s["operation"]) for s in again.values()} == {(READY, RETRY)}

    polls = api.poll_to_end(task_id)
    for poll in polls:
        poll.assert_valid()
    done = polls[-1].data
    assert (done["status"], done["operation"]) == (SUCCESSFUL, RETRY)
    rerun = next(s for s in done["subtasks"] if s["id"] in failed_ids)
    assert (rerun["status"], rerun["operation"], rerun["runTime"]) == (SUCCESSFUL, RETRY, 2)
    assert api.versions() == {1: (NEW, "RUNNING"), 2: (NEW, "RUNNING")}


def test_without_fail_times_a_step_fails_every_run_so_a_retry_fails_again() -> None:
    api = _api(failAt="stop")
    task_id, _ = _failed_upgrade(api)
    assert api.call("task-retry", task_id).status == 200
    final = api.poll_to_end(task_id)[-1]
    assert (final.data["status"], final.data["operation"]) == (FAILED, RETRY)
    assert _subtask(final, FAILED)["runTime"] == 2
    assert api.versions()[1] == (OLD, "RUNNING")  # a FAILED upgrade leaves the version alone


def test_a_retry_is_refused_unless_the_task_failed_and_was_not_rolled_back() -> None:
    api = _api(failAt="install")
    running = api.upgrade(1, "2").data["id"]
    _refused(api.call("task-retry", running), 400, TASK_STATE_INVALID_CODE)
    assert "in the RUNNING state" in api.call("task-retry", running).error["message"]
    finished = api.poll_to_end(running)[-1]
    assert finished.data["status"] == SUCCESSFUL
    _refused(api.call("task-retry", running), 400, TASK_STATE_INVALID_CODE)

    task_id, _ = _failed_upgrade(api)
    assert api.call("task-rollback", task_id).status == 200
    _refused(api.call("task-retry", task_id), 400, TASK_STATE_INVALID_CODE)  # RUNNING under ROLLBACK
    assert api.poll_to_end(task_id)[-1].data["status"] == SUCCESSFUL
    refused = api.call("task-retry", task_id)
    _refused(refused, 400, TASK_STATE_INVALID_CODE)


def test_a_retry_of_a_rolled_back_task_that_failed_names_rollback() -> None:
    """A FAILED task under ROLLBACK (never produced by the mock's rollback, which always succeeds) is
    refused naming its operation: the engine's own check, exercised directly."""
    app = create_app(_inventory(failAt="install"), seed_history=False)
    api = Api(app)
    task_id, _ = _failed_upgrade(api)
    task = app.task(task_id)
    assert task is not None
    with app.engine.lock:
        assert app.engine.rollback(task, datetime.now(UTC)) is None
        task.history.append(type(task.history[-1])(task.step, FAILED, task.last_at, ROLLBACK))
    refused = api.call("task-retry", task_id)
    _refused(refused, 400, TASK_STATE_INVALID_CODE)
    assert (
        refused.error["message"]
        == f"This operation is not supported for the {task_id} task in the ROLLBACK state."
    )


# --------------------------------------------------------------------------- rollback


def test_a_rollback_ends_successful_under_rollback_with_every_subtask_pending() -> None:
    api = _api(failAt="install")
    task_id, _ = _failed_upgrade(api)
    started = api.call("task-rollback", task_id)
    assert started.status == 200
    started.assert_valid()
    assert (started.data["status"], started.data["operation"]) == (RUNNING, ROLLBACK)
    assert api.versions()[1] == (OLD, UPGRADING)
    done = api.poll_to_end(task_id)[-1]
    assert (done.data["status"], done.data["operation"]) == (SUCCESSFUL, ROLLBACK)
    assert {s["status"] for s in done.data["subtasks"]} == {PENDING}
    assert api.versions()[1] == (OLD, "RUNNING")


def test_a_rollback_is_refused_unless_failed_then_when_prohibited() -> None:
    api = _api(failAt="install", prohibitRollback=True)
    running = api.upgrade(1, "1").data["id"]
    refused = api.call("task-rollback", running)
    _refused(refused, 400, TASK_STATE_INVALID_CODE)  # the state is checked before the prohibition
    assert (
        refused.error["message"]
        == f"This operation is not supported for the {running} task in the RUNNING state."
    )
    failed = api.poll_to_end(running)[-1]
    assert failed.data["prohibitRollback"] is True
    prohibited = api.call("task-rollback", running)
    _refused(prohibited, 400, TASK_PROHIBITS_ROLLBACK_CODE)
    assert api.task(running).data["status"] == FAILED  # nothing changed
    assert api.call("task-retry", running).status == 200  # a retry is still allowed


# --------------------------------------------------------------------------- unknown ids


@pytest.mark.parametrize("short", ["task-retry", "task-rollback"])
def test_an_unknown_task_is_404_with_code_20000(short: str) -> None:
    reply = _api().call(short, 99999)
    _refused(reply, 404, TASK_NOT_FOUND_CODE)
    assert reply.error["message"] == "The 99999 task does not exist."


@pytest.mark.parametrize("short", ["subtask-log", "subtask-retry", "subtask-skip", "subtask-cancel"])
def test_an_unknown_task_or_subtask_is_404_with_code_20000(short: str) -> None:
    api = _api()
    task = api.upgrade(1, "1")
    subtask_id = task.data["subtasks"][0]["id"]
    unknown_task = api.call(short, 99999, subtask_id)
    _refused(unknown_task, 404, TASK_NOT_FOUND_CODE)
    assert unknown_task.error["message"] == "The 99999 task does not exist."
    unknown_subtask = api.call(short, task.data["id"], 99999)
    _refused(unknown_subtask, 404, TASK_NOT_FOUND_CODE)
    assert unknown_subtask.error["target"] == {
        "type": "SUBTASK_INSTANCE",
        "id": 99999,
        "parameter": "subtaskInstanceId",
    }


@pytest.mark.parametrize(
    ("short", "sub"), [("task-retry", None), ("subtask-log", "x"), ("subtask-cancel", "0")]
)
def test_an_id_that_is_no_long_is_400(short: str, sub: str | None) -> None:
    reply = _api().call(short, "abc" if sub is None else 33149, sub)
    _refused(reply, 400, 10001)


# --------------------------------------------------------------------------- subtask retry


def test_a_subtask_retry_makes_it_ready_under_retry_and_the_task_runs_again() -> None:
    api = _api(failAt="download", failTimes=1)
    task_id, failed = _failed_upgrade(api)
    sub = _subtask(failed, FAILED)
    retried = api.call("subtask-retry", task_id, sub["id"])
    assert retried.status == 200, retried.body
    retried.assert_valid()
    assert (retried.data["id"], retried.data["status"], retried.data["operation"]) == (
        sub["id"],
        READY,
        RETRY,
    )
    assert api.task(task_id).data["status"] == RUNNING
    assert api.poll_to_end(task_id)[-1].data["status"] == SUCCESSFUL


def test_a_subtask_retry_is_refused_unless_failed_and_not_under_rollback() -> None:
    api = _api(failAt="install")
    task_id, failed = _failed_upgrade(api)
    done = next(s for s in failed.data["subtasks"] if s["status"] == SUCCESSFUL)
    refused = api.call("subtask-retry", task_id, done["id"])
    _refused(refused, 400, TASK_STATE_INVALID_CODE)
    assert (
        refused.error["message"]
        == f"This operation is not supported for the {done['id']} task in the SUCCESSFUL state."
    )
    sub = _subtask(failed, FAILED)
    assert api.call("task-rollback", task_id).status == 200  # the FAILED subtask is now under ROLLBACK
    under_rollback = api.call("subtask-retry", task_id, sub["id"])
    _refused(under_rollback, 400, TASK_STATE_INVALID_CODE)
    assert "in the ROLLBACK state" in under_rollback.error["message"]


# --------------------------------------------------------------------------- skip


def test_a_skipped_subtask_is_passed_without_running_and_its_downstreams_run() -> None:
    api = _api(failAt="install")
    task_id, failed = _failed_upgrade(api, "1,2")
    sub = _subtask(failed, FAILED)
    skipped = api.call("subtask-skip", task_id, sub["id"])
    assert skipped.status == 200
    assert "data" not in skipped.body
    skipped.assert_valid()
    polls = api.poll_to_end(task_id)
    for poll in polls:
        poll.assert_valid()
    done = polls[-1].data
    assert done["status"] == SUCCESSFUL
    passed = next(s for s in done["subtasks"] if s["id"] == sub["id"])
    assert (passed["status"], passed["operation"], passed["runTime"]) == (SUCCESSFUL, SKIP, 1)
    assert {s["status"] for s in done["subtasks"]} == {SUCCESSFUL}
    # the skipped server was not really upgraded; the other one was
    assert api.versions() == {1: (OLD, "RUNNING"), 2: (NEW, "RUNNING")}


def test_a_skip_is_refused_unless_the_subtask_failed() -> None:
    api = _api()
    task = api.upgrade(1, "1")
    ready = _subtask(task, READY)
    _refused(api.call("subtask-skip", task.data["id"], ready["id"]), 400, TASK_STATE_INVALID_CODE)


# --------------------------------------------------------------------------- cancel


def test_a_cancelled_subtask_goes_canceling_then_failed_and_the_task_fails() -> None:
    api = _api()
    task_id = api.upgrade(1, "1").data["id"]
    running = _subtask(api.task(task_id), RUNNING)  # the first poll starts the start node
    cancelled = api.call("subtask-cancel", task_id, running["id"])
    assert cancelled.status == 200
    assert "data" not in cancelled.body
    cancelled.assert_valid()
    assert api.versions()[1][1] == UPGRADING
    polls = api.poll_to_end(task_id)
    for poll in polls:
        poll.assert_valid()
    first = next(s for s in polls[0].data["subtasks"] if s["id"] == running["id"])
    assert (first["status"], first["operation"]) == (FAILED, CANCEL)
    assert polls[-1].data["status"] == FAILED
    log = api.call("subtask-log", task_id, running["id"])
    assert "cancelled" in log.data["log"]


def test_the_canceling_status_is_shown_before_the_next_step() -> None:
    app = create_app(_inventory(), seed_history=False)
    api = Api(app)
    task_id = api.upgrade(1, "1").data["id"]
    running = _subtask(api.task(task_id), RUNNING)
    assert api.call("subtask-cancel", task_id, running["id"]).status == 200
    task = app.task(task_id)
    assert task is not None and task.by_id[running["id"]].status == CANCELING
    assert api.tasks().violations(strict=True) == []  # the list shows it CANCELING, conforming
    listed = next(i for i in api.tasks().data["contents"] if i["id"] == task_id)
    assert next(s for s in listed["subtasks"] if s["id"] == running["id"])["status"] == CANCELING


def test_a_cancel_is_refused_unless_the_subtask_runs() -> None:
    api = _api()
    task = api.upgrade(1, "1")
    pending = _subtask(task, PENDING)
    _refused(api.call("subtask-cancel", task.data["id"], pending["id"]), 400, TASK_STATE_INVALID_CODE)


# --------------------------------------------------------------------------- log


def test_every_subtask_has_a_log_and_a_failed_ones_says_why() -> None:
    api = _api(failAt="install")
    task_id, failed = _failed_upgrade(api)
    for sub in failed.data["subtasks"]:
        log = api.call("subtask-log", task_id, sub["id"])
        assert log.status == 200
        log.assert_valid()
        if sub["status"] == PENDING:
            assert log.data == {"log": ""}
        else:
            assert "{EXECUTE}" in log.data["log"]
    why = api.call("subtask-log", task_id, _subtask(failed, FAILED)["id"]).data["log"]
    assert "ERROR" in why and "failAt" in why and "install" in why


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    "short", ["task-retry", "task-rollback", "subtask-retry", "subtask-skip", "subtask-cancel"]
)
def test_a_control_call_needs_task_manager(short: str) -> None:
    api = _api()
    task = api.upgrade(1, "1")
    reply = api.call(short, task.data["id"], task.data["subtasks"][0]["id"], auth=VIEWER)
    _refused(reply, 403, 30014)


def test_a_viewer_reads_logs_and_the_cluster() -> None:
    api = _api()
    task = api.upgrade(1, "1")
    assert api.call("subtask-log", task.data["id"], task.data["subtasks"][0]["id"], auth=VIEWER).status == 200
    assert api.cluster(1, auth=VIEWER).status == 200


# --------------------------------------------------------------------------- the cluster read


def test_the_cluster_read_shows_upgrading_then_the_packages_version() -> None:
    api = _api()
    assert api.versions() == {1: (OLD, "RUNNING"), 2: (OLD, "RUNNING")}
    task_id = api.upgrade(1, "1").data["id"]
    assert api.versions() == {1: (OLD, UPGRADING), 2: (OLD, "RUNNING")}
    cluster = api.cluster(1).data
    assert [s["operateStatus"] for s in cluster["obproxies"]] == ["OPERATING", "NORMAL"]
    assert api.poll_to_end(task_id)[-1].data["status"] == SUCCESSFUL
    assert api.versions() == {1: (NEW, "RUNNING"), 2: (OLD, "RUNNING")}
    assert sorted((v["version"], v["count"]) for v in api.cluster(1).data["versions"]) == [(NEW, 1), (OLD, 1)]


def test_an_unknown_cluster_is_404() -> None:
    reply = _api().cluster(99)
    _refused(reply, 404, 10002)


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("obproxy-1.9.1.1-1919579", "1.9.1.1-1919579"),
        ("obproxy-ce-4.2.3.0-20231227111200", "4.2.3.0-20231227111200"),
        ("obproxy", "obproxy"),
    ],
)
def test_a_packages_version_is_its_name_without_the_product(name: str, version: str) -> None:
    assert package_version(name) == version


# --------------------------------------------------------------------------- tick mode


def test_in_tick_mode_a_retried_task_advances_from_the_retry_not_from_its_creation() -> None:
    """With time-based steps, a retry long after the task was created must not jump the task to its
    end at once: the retried subtasks are READY at the retry and advance one step per tick."""
    now = [datetime(2024, 4, 15, 6, 0, tzinfo=UTC)]
    app = create_app(
        _inventory(failAt="prepare", failTimes=1), seed_history=False, tick=1.0, clock=lambda: now[0]
    )
    api = Api(app)
    task_id = api.upgrade(1, "1").data["id"]
    now[0] += timedelta(seconds=30)
    assert api.task(task_id).data["status"] == FAILED
    now[0] += timedelta(hours=1)
    retried = api.call("task-retry", task_id)
    assert retried.data["status"] == RUNNING
    assert api.task(task_id).data["status"] == RUNNING  # no time passed since the retry
    now[0] += timedelta(seconds=1)
    assert api.task(task_id).data["status"] == RUNNING  # one step further: far from the end
    now[0] += timedelta(seconds=60)
    assert api.task(task_id).data["status"] == SUCCESSFUL
