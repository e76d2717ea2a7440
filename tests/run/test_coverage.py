"""What a run exercised: the coverage grid, the scoped verdict, ``--require``; a run's profile is
computed once and each answer parsed once; every followed task ends with its outcome in words."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from contracts.cli import main
from contracts.ocp import TASK_PATH, UPGRADE_PATH
from contracts.run import run_suite
from contracts.run.config import RunConfig, parse_require
from contracts.run.judging.coverage import (
    CUT,
    KEPT_BACK,
    NOT_REACHED,
    READ_ONLY,
    Circumstances,
    coverage,
    kept_back_operations,
    operation_of,
)
from contracts.run.judging.results import TaskReport
from contracts.run.phases.follow import observe
from contracts.spec import load_spec
from contracts.violations import UsageError
from tests.run.conftest import ADMIN, ADMIN_PASSWORD, LIVE_URL, PACKAGE, serve

SMALL = ["--max-examples", "2", "--seed", "1", "--request-timeout", "5", "--poll-interval", "0.01"]


@pytest.fixture
def admin_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OCP_BASE_URL", "OCP_ACCESS_KEY", "OCP_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OCP_USERNAME", ADMIN)
    monkeypatch.setenv("OCP_PASSWORD", ADMIN_PASSWORD)


# ------------------------------------------------------------------ the grid


def _cell(grid: Any, operation: str, status: str) -> Any:
    return next(c for c in grid.cells if (c.operation_id, c.status) == (operation, status))


def test_each_answer_falls_on_its_documented_status_and_the_rest_say_why() -> None:
    spec = load_spec()
    answers = Counter(
        {("upgradeObproxies", 400): 2, ("getTaskInstance", 200): 3, ("getTaskInstance", 405): 1}
    )
    grid = coverage(spec, answers, Circumstances(read_only=True))

    assert _cell(grid, "upgradeObproxies", "400").count == 2
    assert _cell(grid, "upgradeObproxies", "200").reason == READ_ONLY
    assert _cell(grid, "getTaskInstance", "200").count == 3
    assert _cell(grid, "getTaskInstance", "404").reason == NOT_REACHED
    undocumented = _cell(grid, "getTaskInstance", "405")
    assert (undocumented.count, undocumented.documented) == (1, False)
    # refusals alone do not exercise an operation: its work (a 2xx) was never seen
    assert grid.exercised == ("getTaskInstance",)
    assert "upgradeObproxies (read-only)" in grid.summary()
    assert grid.summary().startswith(f"1 of {len(spec.operations)} operations exercised; not exercised: ")
    assert any(
        row.startswith("upgradeObproxies") and "not exercised (read-only)" in row for row in grid.rows()
    )


def test_the_reason_names_the_guard_the_deadline_or_the_probe_that_could_not_be_made() -> None:
    spec = load_spec()
    kept = coverage(spec, {}, Circumstances(kept_back=frozenset({"upgradeObproxies"})))
    assert kept.reasons["upgradeObproxies"] == KEPT_BACK
    assert coverage(spec, {}, Circumstances(cut=True)).reasons["listTaskInstances"] == CUT
    note = "unknown-cluster probe not sent: reading cluster 7 answered 404"
    noted = coverage(spec, {("upgradeObproxies", 200): 1}, Circumstances(notes={"upgradeObproxies": note}))
    assert _cell(noted, "upgradeObproxies", "404").reason == note
    assert _cell(noted, "upgradeObproxies", "200").exercised


def test_requests_are_matched_to_their_operation_by_route() -> None:
    spec = load_spec()
    base = "https://ocp.example.test/api/v2"
    assert (
        operation_of(spec, "POST", base + "/obproxy/clusters/1/obproxies/1,2/upgrade?x=1")
        == "upgradeObproxies"
    )
    assert operation_of(spec, "GET", base + "/tasks/instances/5") == "getTaskInstance"
    assert operation_of(spec, "GET", base + "/tasks/instances") == "listTaskInstances"
    assert operation_of(spec, "DELETE", base + "/tasks/instances") is None
    blocked = [("POST", base + "/obproxy/clusters/1/obproxies/1/upgrade")]
    assert kept_back_operations(spec, blocked) == frozenset({"upgradeObproxies"})


def test_require_names_operation_ids_or_all() -> None:
    assert parse_require(None) == ()
    assert parse_require("upgradeObproxies, getTaskInstance") == ("upgradeObproxies", "getTaskInstance")
    assert parse_require("getTaskInstance,all") == ("all",)
    for bad in ("", "upgrade", "upgradeObproxies,nope"):
        with pytest.raises(UsageError, match="--require: expected 'all' or operation ids"):
            parse_require(bad)


# ------------------------------------------------------------------ the verdict


def test_a_read_only_run_names_its_scope_and_require_all_makes_it_incomplete(
    admin_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in serve():
        assert main(["run", "--base-url", LIVE_URL, *SMALL, "--report-dir", str(tmp_path / "free")]) == 0
        free = capsys.readouterr().out
        required = ["--require", "all", "--report-dir", str(tmp_path / "required")]
        assert main(["run", "--base-url", LIVE_URL, *SMALL, *required]) == 3
        out = capsys.readouterr().out
    assert free.strip().splitlines()[-1].startswith("OK within its scope")
    assert "  not verified: required operation upgradeObproxies was not exercised (read-only)" in out
    assert "not exercised: upgradeObproxies (read-only)" in out.strip().splitlines()[-1]
    report = (tmp_path / "required" / "report.md").read_text()
    assert "## Coverage" in report
    assert "| upgradeObproxies | 200 | not exercised (read-only) |" in report
    properties = {
        p.get("name"): p.get("value")
        for p in ET.parse(tmp_path / "required" / "junit.xml").getroot().iter("property")
    }
    assert properties["coverage.upgradeObproxies.200"] == "not exercised (read-only)"
    assert int(properties["coverage.listTaskInstances.200"]) >= 1
    assert "operations exercised" in properties["coverage"]


def _until_ended(task_id: int) -> None:
    """Poll the mock's task until it ends (bounded by a count, not by time)."""
    url = LIVE_URL + TASK_PATH.format(taskInstanceId=task_id)
    for _ in range(10_000):
        status = requests.get(url, auth=(ADMIN, ADMIN_PASSWORD), timeout=5).json()["data"]["status"]
        if status in ("SUCCESSFUL", "FAILED"):
            return
    raise AssertionError(f"task {task_id} did not end")


@pytest.mark.parametrize(("cluster", "servers", "read"), [(2, "5", "failing"), (1, "1", "first run")])
def test_a_read_only_run_reads_one_subtask_log_of_a_listed_task(
    admin_env: None, tmp_path: Path, cluster: int, servers: str, read: str
) -> None:
    """A GET: the log read is checked on a real task without --allow-upgrade. The failing
    subtask's log where the listed task FAILED, else that of a subtask that has run."""
    for ocp in serve():
        path = UPGRADE_PATH.format(id=cluster, obproxyIds=servers)
        created = requests.post(
            LIVE_URL + path, json={"shortRpmName": PACKAGE}, auth=(ADMIN, ADMIN_PASSWORD), timeout=5
        )
        task = created.json()["data"]
        _until_ended(task["id"])
        workflow = ["--phases", "workflow", "--report-dir", str(tmp_path)]
        assert main(["run", "--base-url", LIVE_URL, *SMALL, *workflow]) == 0
        own = f"/tasks/instances/{task['id']}/subtasks/"
        logs = [(r.method, r.path) for r in ocp.received if own in r.path and r.path.endswith("/log")]
        after = requests.get(
            LIVE_URL + TASK_PATH.format(taskInstanceId=task["id"]), auth=(ADMIN, ADMIN_PASSWORD), timeout=5
        ).json()["data"]
    assert len(logs) == 1 and logs[0][0] == "GET"
    subtask = int(logs[0][1].split("/subtasks/")[1].split("/")[0])
    statuses = {item["id"]: item["status"] for item in after["subtasks"]}
    if read == "failing":
        assert statuses[subtask] == "FAILED"
    else:
        assert statuses[subtask] == "SUCCESSFUL" and "FAILED" not in statuses.values()
    summary = json.loads((tmp_path / "summary.json").read_text())
    log_cells = [c for c in summary["coverage"]["cells"] if c["operationId"] == "getSubtaskLog"]
    assert any(c["status"] == "200" and c["count"] == 1 for c in log_cells), (read, log_cells)


def test_the_embedded_mock_exercises_every_operation_and_counts_them() -> None:
    result = run_suite(RunConfig(max_examples=2, seed=1, require=("all",)))
    assert result.exit_code == 0, result.results.incomplete or result.results.findings
    assert result.coverage is not None and result.coverage.complete
    total = len(load_spec().operations)
    assert result.coverage.summary() == f"{total} of {total} operations exercised"


# ------------------------------------------------------------------ once per run


def test_a_run_computes_its_profile_once(admin_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import contracts.run.profile as profile_module

    entered: list[str] = []
    real = profile_module._profile

    def counting(name: str, path: Path) -> Any:
        entered.append(name)
        return real(name, path)

    monkeypatch.setattr(profile_module, "_profile", counting)
    for _ in serve():
        assert main(["run", "--base-url", LIVE_URL, *SMALL, "--ocp-version", "4.2"]) == 0
    assert entered == ["4.2"]


def test_each_answer_of_the_workflow_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import contracts.run.judging.judge as judge_module
    import contracts.run.phases.exchange as exchange_module

    parsed: list[bytes] = []

    def counting(real: Any) -> Any:
        def parse(content: bytes) -> Any:
            parsed.append(content)
            return real(content)

        return parse

    monkeypatch.setattr(judge_module, "parse_body", counting(judge_module.parse_body))
    monkeypatch.setattr(exchange_module, "parse_body", counting(exchange_module.parse_body))
    result = run_suite(RunConfig(max_examples=1, seed=1).with_phases("workflow"))

    assert result.results.tasks and result.results.cases["workflow"] > 20
    assert len(parsed) == len({id(content) for content in parsed}), "no answer's body parsed twice"


# ------------------------------------------------------------------ outcomes in words


def _task(status: str, subtasks: list[dict[str, Any]], operation: str = "EXECUTE") -> TaskReport:
    report = TaskReport(1, "upgrade")
    observe(report, {"id": 1, "status": status, "operation": operation, "subtasks": subtasks})
    return report


def test_a_rolled_back_task_is_never_reported_as_upgraded() -> None:
    by_operation = _task("SUCCESSFUL", [{"id": 2, "status": "PENDING", "operation": "EXECUTE"}], "ROLLBACK")
    by_subtasks = _task("SUCCESSFUL", [{"id": 2, "status": "PENDING", "operation": "ROLLBACK"}])
    all_pending = _task("SUCCESSFUL", [{"id": 2, "status": "PENDING"}, {"id": 3, "status": "PENDING"}])
    for report in (by_operation, by_subtasks, all_pending):
        report.package = "obproxy-ce-4.2.3.0-1"
        assert report.outcome() == "rolled back, servers not read"
        report.servers = "unchanged"
        assert report.outcome() == "rolled back, servers unchanged"
        report.servers = "4.2.3.0"
        assert report.outcome() == "rolled back, but servers report 4.2.3.0"


def test_an_upgrade_and_a_failure_read_as_what_happened() -> None:
    done = _task("SUCCESSFUL", [{"id": 2, "status": "SUCCESSFUL", "operation": "EXECUTE"}])
    done.package = "obproxy-ce-4.2.3.0-1"
    assert done.outcome() == "upgraded to obproxy-ce-4.2.3.0-1 (servers' versions not read)"
    done.servers = done.version = "4.2.3.0"
    assert done.outcome() == "upgraded to 4.2.3.0"
    done.servers = "unchanged"
    assert done.outcome() == "upgraded to 4.2.3.0 (they ran it before)"
    done.servers, done.version = "server 1 4.2.3.0, server 2 4.2.1.0", None
    assert done.outcome() == "ended SUCCESSFUL, but the servers report server 1 4.2.3.0, server 2 4.2.1.0"
    failed = _task("FAILED", [{"id": 2, "name": "Install obproxy package", "status": "FAILED"}])
    assert failed.failed_subtask_id == 2
    assert failed.outcome() == "failed at step 2 Install obproxy package (log: not read)"
    failed.log = "rpm: conflicts with obproxy-ce-4.2.1"
    assert (
        failed.outcome()
        == "failed at step 2 Install obproxy package (log: rpm: conflicts with obproxy-ce-4.2.1)"
    )


def test_every_followed_upgrade_reports_its_outcome() -> None:
    result = run_suite(RunConfig(max_examples=1, seed=1).with_phases("workflow"))
    outcomes = [task.outcome() for task in result.results.tasks]
    assert any(o.startswith("upgraded to ") for o in outcomes), outcomes
    assert any(o.startswith("failed at step ") and "Install obproxy package" in o for o in outcomes), outcomes
