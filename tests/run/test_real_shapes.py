"""A safe-mode run against a mock that answers in OCP's published shapes is green.

The mock serves task-list items as OCP does (no ``type`` or ``operation``) and rolls a FAILED task
back as OCP's engine does (SUCCESSFUL, every subtask PENDING): a healthy OCP must never be red,
not even with ``--strict``.
"""

from __future__ import annotations

from contracts.run import run_suite
from tests.run.conftest import RecordingOCP, live_config


def test_a_strict_safe_run_over_real_list_items_and_a_rolled_back_task_exits_0(
    live_ocp: RecordingOCP,
) -> None:
    rolled_back = live_ocp.mock.seeded_task_ids[0]
    assert rolled_back == 33149
    with live_ocp.mock.engine.lock:  # roll the seeded FAILED task back, as an operator would
        task = live_ocp.mock.engine.get(rolled_back)
        assert task is not None and live_ocp.mock.engine.rollback(task, task.last_at) is None  # no refusal
    result = run_suite(live_config(task_ids=(rolled_back,), strict=True))
    assert result.exit_code == 0
    listed = [r for r in live_ocp.received if r.method == "GET" and r.path == "/api/v2/tasks/instances"]
    assert listed, "the run read the task list"
    assert any(r.path == f"/api/v2/tasks/instances/{rolled_back}" for r in live_ocp.received)
    with live_ocp.mock.engine.lock:
        assert task.status == "SUCCESSFUL"
