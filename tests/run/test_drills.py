"""``run --drill``: against a mock posing as a live OCP, each drill starts its own upgrade, brings it
to FAILED, acts, follows it to its end and says how it left the servers; control calls reach only
tasks the run created; a target whose upgrades always fail is not verified (exit 3)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from contracts.cli import main
from contracts.mock import default_inventory
from contracts.mock.inventory import Cluster, Inventory, Server
from contracts.run import run_suite
from contracts.run.config import DRILL_NAMES, RunConfig, UpgradeTarget, parse_drills
from contracts.run.reporting.writer import write_reports
from contracts.violations import UsageError
from tests.run.conftest import ADMIN, ADMIN_PASSWORD, LIVE_URL, PACKAGE, RecordingOCP, live_config, serve

_CONTROL = re.compile(
    r"^/api/v2/tasks/instances/([0-9]+)/(?:retry|rollback|subtasks/[0-9]+/(?:retry|skip|cancel))$"
)
TARGET = UpgradeTarget(1, (1, 2), PACKAGE)


def _inventory(**failing: object) -> Inventory:
    """Cluster 1's servers 1 and 2, server 1 failing at ``install`` as ``failing`` says."""
    servers = (Server(1, 11, **failing), Server(2, 12))  # type: ignore[arg-type]
    return dataclasses.replace(default_inventory(), clusters=(Cluster(1, "obproxy-demo", servers),))


def _drill_config(**overrides: object) -> RunConfig:
    config = live_config(**{"allow_upgrade": True, "target": TARGET, "drills": DRILL_NAMES, **overrides})
    return config.with_phases("workflow", "drill")


def _created(ocp: RecordingOCP) -> set[str]:
    """The task ids the mock's upgrades answered with, in this run."""
    with ocp.mock.engine.lock:
        return {str(t.id) for t in ocp.mock.engine.tasks() if t.id not in ocp.mock.seeded_task_ids}


def test_drills_pass_against_a_faithful_ocp_whose_upgrades_fail_once(tmp_path: Path) -> None:
    for ocp in serve(_inventory(fail_at="install", fail_times=1)):
        result = run_suite(dataclasses.replace(_drill_config(), report_dir=tmp_path))
        created = _created(ocp)
        control = [
            (i, r) for i, r in enumerate(ocp.received) if r.method == "POST" and _CONTROL.match(r.path)
        ]

    assert result.exit_code == 0, (result.results.incomplete, result.results.findings)
    drills = {d.name: d for d in result.results.drills}
    assert list(drills) == list(DRILL_NAMES)
    assert all(d.exercised for d in drills.values()), [d.line() for d in drills.values()]
    assert drills["rollback"].outcome == "rolled back, servers unchanged"
    assert drills["retry"].steps[0] == "FAILED by itself" and drills["retry"].outcome.startswith(
        "upgraded to "
    )
    assert result.results.success_path
    assert all(
        d.outcome.startswith(("upgraded to ", "rolled back, servers unchanged")) for d in drills.values()
    )
    # every control call acted on a task this run's own upgrade created, and only after it did
    assert control, "the drills sent control calls"
    for index, request in control:
        match = _CONTROL.match(request.path)
        assert match is not None
        task = match[1]
        if task in created:
            assert any(r.path.endswith("/upgrade") and r.method == "POST" for r in ocp.received[:index])
        else:  # the workflow's probes: a task id a read proved absent
            assert any(
                r.method == "GET" and r.path == f"/api/v2/tasks/instances/{task}"
                for r in ocp.received[:index]
            )
            assert int(task) not in ocp.mock.seeded_task_ids
    write_reports(result)
    report = (tmp_path / "report.md").read_text()
    assert "## Drills of the failure path" in report
    assert "| rollback |" in report and "rolled back, servers unchanged" in report


def test_a_skip_that_leaves_a_server_behind_is_evened_out_by_one_more_upgrade() -> None:
    for _ in serve(_inventory(fail_at="install", fail_times=1)):
        result = run_suite(_drill_config(drills=("skip",)))
    assert result.exit_code == 0, (result.results.incomplete, result.results.findings)
    (skip,) = result.results.drills
    assert skip.steps[:3] == ["FAILED by itself", skip.steps[1], "SUCCESSFUL"] and skip.steps[1].startswith(
        "skipped"
    )
    assert any(step.startswith("upgraded again (task ") for step in skip.steps), skip.steps
    assert skip.outcome == "upgraded to 4.2.3.0-20231227111200"


def test_a_target_whose_upgrades_always_fail_is_not_verified() -> None:
    for _ in serve(_inventory(fail_at="install")):
        result = run_suite(_drill_config())
    assert result.exit_code == 3, result.results.findings
    assert not result.results.success_path
    assert any(line.startswith("the success path was not verified") for line in result.results.incomplete)
    retry = next(d for d in result.results.drills if d.name == "retry")
    assert retry.steps[:5] == ["FAILED by itself", "retried", "FAILED", "retried", "FAILED"], retry.steps
    assert "rolled back" in retry.steps, "a retry that fails again is retried once more, then rolled back"


def test_a_drill_refused_by_the_target_is_named_and_keeps_the_run_incomplete() -> None:
    for _ in serve(_inventory(prohibit_rollback=True)):
        result = run_suite(_drill_config(drills=("rollback",)))
    assert result.exit_code == 3, result.results.findings
    (drill,) = result.results.drills
    assert not drill.exercised and "task-rollback was refused (400" in (drill.why_not or "")
    assert "drill rollback was not exercised: task-rollback was refused (400" in result.results.incomplete[0]


def test_drills_need_allow_upgrade_on_a_live_ocp_and_name_known_drills(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert parse_drills(None) is None
    assert parse_drills("all") == DRILL_NAMES
    assert parse_drills("cancel, retry") == ("retry", "cancel")
    with pytest.raises(UsageError, match="--drill: expected 'all' or some of"):
        parse_drills("reboot")
    monkeypatch.setenv("OCP_USERNAME", ADMIN)
    monkeypatch.setenv("OCP_PASSWORD", ADMIN_PASSWORD)
    assert main(["run", "--base-url", LIVE_URL, "--drill", "retry"]) == 2
    assert "--drill starts upgrades and control calls: it needs --allow-upgrade" in capsys.readouterr().err


def test_a_live_run_drills_nothing_unless_asked() -> None:
    for ocp in serve():
        result = run_suite(live_config(allow_upgrade=True, target=TARGET).with_phases("workflow", "drill"))
        control = [r for r in ocp.received if r.method == "POST" and _CONTROL.match(r.path)]
    assert result.results.drills == []
    # only the refused-state probes on the run's own SUCCESSFUL task, and the absent-task probes
    assert all(json.loads(r.body or b"null") is None for r in control)


def test_the_embedded_mock_drills_everything_by_default() -> None:
    result = run_suite(RunConfig(seed=1).with_phases("drill"))
    assert result.exit_code == 0, (result.results.incomplete, result.results.findings)
    assert [d.name for d in result.results.drills] == list(DRILL_NAMES)
    assert all(d.exercised for d in result.results.drills)


def test_a_drill_that_may_miss_steps_between_polls_cancels_the_first_running_subtask() -> None:
    """With time between polls (a live OCP) the last step often runs for less than one poll, so the
    drill cancels the first RUNNING subtask it catches; where every step is seen it waits for the
    last chance, letting a task that fails by itself do so. The cancel drill always takes the first."""
    from contracts.run.phases.drills import _to_cancel

    early = {
        "subtasks": [
            {"id": 1, "status": "SUCCESSFUL"},
            {"id": 2, "status": "RUNNING"},
            {"id": 3, "status": "PENDING"},
        ]
    }
    last = {"subtasks": [{"id": 1, "status": "SUCCESSFUL"}, {"id": 3, "status": "RUNNING"}]}
    assert _to_cancel(early, "retry", sees_every_step=True) is None
    assert _to_cancel(last, "retry", sees_every_step=True) == {"id": 3, "status": "RUNNING"}
    assert _to_cancel(early, "retry", sees_every_step=False) == {"id": 2, "status": "RUNNING"}
    assert _to_cancel(early, "cancel", sees_every_step=True) == {"id": 2, "status": "RUNNING"}
