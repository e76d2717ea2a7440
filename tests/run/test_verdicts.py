"""The verdict of ``ocp-contract run`` can be trusted: it never says OK about what it did not verify.

Exit 0 all verified, 1 violations (they win over everything), 2 usage/configuration/connection
(a named target or task that does not exist, an API prefix in the base URL), 3 incomplete (cut by
``--max-time``, a task not finished, an upgrade that ended FAILED). Each test asserts the exit code
and the line that explains it, against the mock posing as a live OCP.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

from contracts.cli import build_parser, main
from contracts.run import run_suite
from contracts.run.reporting.console import summary
from tests.run.conftest import ADMIN, ADMIN_PASSWORD, LIVE_URL, PACKAGE, RecordingOCP, live_config, serve

SMALL = ["--max-examples", "2", "--seed", "1", "--request-timeout", "5", "--poll-interval", "0.01"]
LIVE = ["--base-url", LIVE_URL, *SMALL]


@pytest.fixture(autouse=True)
def admin_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OCP_BASE_URL", "OCP_ACCESS_KEY", "OCP_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OCP_USERNAME", ADMIN)
    monkeypatch.setenv("OCP_PASSWORD", ADMIN_PASSWORD)


def _upgrade(cluster: int, ids: str, package: str = PACKAGE) -> list[str]:
    return ["--allow-upgrade", "--cluster-id", str(cluster), "--obproxy-ids", ids, "--package", package]


def _verdict(out: str) -> str:
    lines = out.strip().splitlines()
    assert "Traceback" not in out
    return lines[-1]


def _err_line(captured: pytest.CaptureResult[str]) -> str:
    assert "Traceback" not in captured.out + captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


# ------------------------------------------------------------------ exit 2: it does not exist


@pytest.mark.parametrize(
    ("cluster", "ids", "package", "what"),
    [
        pytest.param(1, "2,3", "obproxy-no-such-package", "obproxy install package", id="unknown-package"),
        pytest.param(99, "2,3", PACKAGE, "obproxy cluster", id="unknown-cluster"),
    ],
)
def test_a_named_target_that_does_not_exist_exits_2(
    capsys: pytest.CaptureFixture[str], cluster: int, ids: str, package: str, what: str
) -> None:
    for ocp in serve():
        assert main(["run", *LIVE, *_upgrade(cluster, ids, package)]) == 2
        assert ocp.created_tasks == 0
    captured = capsys.readouterr()
    line = _err_line(captured)
    assert "the named target does not exist" in line and "refused with 404" in line
    assert what in line
    assert _verdict(captured.out) == "ERROR: the run could not complete (exit 2)"


def test_an_unknown_task_id_exits_2_before_the_suite_starts(capsys: pytest.CaptureFixture[str]) -> None:
    for ocp in serve():
        assert main(["run", *LIVE, "--task-id", "33150", "--task-id", "999999"]) == 2
        # the preflight, then one read per task id: nothing of the suite was sent
        assert [r.path for r in ocp.received][1:] == [
            "/api/v2/tasks/instances/33150",
            "/api/v2/tasks/instances/999999",
        ]
    line = _err_line(capsys.readouterr())
    assert "task 999999 is unknown to the target (404)" in line


def test_a_base_url_with_the_api_prefix_is_one_usage_line_and_sends_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for ocp in serve():
        assert main(["run", "--base-url", LIVE_URL + "/api/v2", *SMALL]) == 2
        assert ocp.received == []
    line = _err_line(capsys.readouterr())
    assert "drop the API prefix" in line and repr(LIVE_URL) in line


# ------------------------------------------------------------------ exit 3: not verified


def test_an_upgrade_task_that_ends_failed_is_incomplete_and_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in serve():
        assert main(["run", *LIVE, *_upgrade(2, "4,5"), "--report-dir", str(tmp_path)]) == 3
    out = capsys.readouterr().out
    assert _verdict(out).startswith("INCOMPLETE")
    reason = next(line for line in out.splitlines() if line.startswith("  not verified:"))
    assert "ended FAILED at subtask" in reason and "Install obproxy package" in reason
    report = (tmp_path / "report.md").read_text()
    assert "**Verdict: incomplete" in report and "(exit 3)" in report
    assert "## Upgrade workflow" in report and "| FAILED |" in report
    assert "| RUNNING ×" in report and "→ FAILED ×" in report, "every poll's status"
    assert 'name="verified"' in (tmp_path / "junit.xml").read_text()


def test_a_successful_named_upgrade_is_verified_and_reported(capsys: pytest.CaptureFixture[str]) -> None:
    for ocp in serve():
        assert main(["run", *LIVE, *_upgrade(1, "1,2")]) == 0
        assert ocp.created_tasks == 1
    out = capsys.readouterr().out
    assert _verdict(out).startswith("OK within its scope: every answer conforms; ")
    assert "outcome: upgraded to" in out
    assert any("SUCCESSFUL, 14/14 subtasks done" in line for line in out.splitlines())


def test_max_time_cutting_the_upgrade_workflow_is_incomplete_with_progress(
    capsys: pytest.CaptureFixture[str],
) -> None:
    build_parser()
    for ocp in serve(tick=3600.0):  # the task never moves on: only the cap ends the run
        started = time.monotonic()
        code = main(["run", *LIVE, *_upgrade(1, "1,2"), "--max-time", "8", "--poll-interval", "2"])
        elapsed = time.monotonic() - started
        received = list(ocp.received)
    assert code == 3
    upgrade = max(i for i, r in enumerate(received) if r.path.endswith("/clusters/1/obproxies/1,2/upgrade"))
    ours = [r for r in received[upgrade:] if "X-Schemathesis-Testcaseid" not in r.headers]
    task_polls = [r for r in ours if r.method == "GET" and "/tasks/instances/" in r.path]
    assert 1 <= len(task_polls) <= 8 // 2 + 1, "one poll every 2 s until the cap, none after it"
    assert elapsed < 120, "far below a task that never ends"
    out = capsys.readouterr().out
    assert any("not followed to its end" in line for line in out.splitlines() if "not verified" in line)
    polls = [line for line in out.splitlines() if line.strip().startswith("task ") and "RUNNING" in line]
    assert len(polls) >= 2, "a progress line at least every 5 s while polling"


def test_quiet_keeps_progress_back_but_not_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    for _ in serve():
        assert main(["run", *LIVE, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "cases/s" in out and _verdict(out).startswith("OK")
    assert "examples ·" not in out and "  workflow " not in out


# ------------------------------------------------------------------ exit 1 wins, --max-time is a cap


def _slow(ocp: RecordingOCP, seconds: float) -> None:
    handle = ocp.mock.handle

    def slow(request: Request) -> Response:
        time.sleep(seconds)
        return handle(request)

    ocp.mock.handle = slow  # type: ignore[method-assign]


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
def test_a_broken_target_cut_by_max_time_exits_1_within_the_cap(capsys: pytest.CaptureFixture[str]) -> None:
    build_parser()  # the command's modules are loaded: the clock measures the run
    for ocp in serve(faults=("edge-one-end",)):
        _slow(ocp, 0.05)
        started = time.monotonic()
        code = main(["run", "--base-url", LIVE_URL, "--max-examples", "1000", "--max-time", "6"])
        elapsed = time.monotonic() - started
        sent = len(ocp.received)
    assert code == 1
    assert sent <= 6 / 0.05 + 20, "no request starts after the cap: at most one per 50 ms answer"
    assert elapsed < 120, "far below the minutes 1000 examples at 50 ms take"
    out = capsys.readouterr().out
    assert _verdict(out).startswith("FAILED: contract violations; ")
    assert "dag.asymmetric-edge" in out


def test_max_time_is_not_a_budget_to_fill(capsys: pytest.CaptureFixture[str]) -> None:
    for ocp in serve():
        started = time.monotonic()
        assert main(["run", *LIVE, "--max-time", "240"]) == 0
        elapsed = time.monotonic() - started
        sent = len(ocp.received)
    assert elapsed < 120, "the run ends when its examples are done"
    assert sent < 1500


# ------------------------------------------------------------------ usage up front


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["--ocp-version", "9.9"], "--ocp-version: unknown OCP version '9.9'", id="version"),
        pytest.param(["--poll-interval", "0"], "--poll-interval: expected a number > 0", id="poll"),
    ],
)
def test_usage_errors_come_before_any_request(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    for ocp in serve():
        assert main(["run", *LIVE, *argv]) == 2
        assert ocp.received == []
    assert expected in _err_line(capsys.readouterr())


def test_a_report_dir_that_cannot_be_written_is_refused_before_any_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for ocp in serve():
        assert main(["run", *LIVE, "--report-dir", str(blocker / "reports")]) == 2
        assert ocp.received == []
    assert "--report-dir:" in _err_line(capsys.readouterr())


def test_target_flags_without_allow_upgrade_are_said_to_be_unused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for ocp in serve():
        assert main(["run", *LIVE, "--cluster-id", "1", "--obproxy-ids", "1,2", "--package", PACKAGE]) == 0
        assert ocp.created_tasks == 0
    line = _err_line(capsys.readouterr())
    assert line.startswith("ocp-contract run: warning:") and "unused without --allow-upgrade" in line


def test_target_flags_are_said_to_be_unused_with_the_embedded_mock(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", *SMALL, "--cluster-id", "1", "--obproxy-ids", "1,2", "--package", PACKAGE]) == 0
    line = _err_line(capsys.readouterr())
    assert line.startswith("ocp-contract run: warning:") and "unused with the embedded mock" in line


# ------------------------------------------------------------------ skip reasons


def test_skipped_phases_say_why_in_the_summary_and_junit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "junit.xml"
    for _ in serve():
        assert main(["run", *LIVE, "--junit-xml", str(junit)]) == 0
    out = capsys.readouterr().out
    assert "stateful  skipped: a live OCP: its chains start with an upgrade" in out
    assert "  skipped: stateful: a live OCP" in out
    assert 'message="stateful skipped: a live OCP: its chains start with an upgrade' in junit.read_text()
    assert " 1 cases" not in out


# ------------------------------------------------------------------ unknown ids, proven absent


def test_an_unknown_cluster_accepted_with_data_null_is_a_violation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for ocp in serve(faults=("unknown-cluster-accepted",)):
        assert main(["run", *LIVE, *_upgrade(1, "1,2")]) == 1
        paths = [(r.method, r.path) for r in ocp.received]
    out = capsys.readouterr().out
    assert "http.unknown-id-accepted" in out
    probe = next(i for i, (m, p) in enumerate(paths) if m == "POST" and "/clusters/1000001/" in p)
    assert ("GET", "/api/v2/obproxy/clusters/1000001") in paths[:probe], "proven absent by a read first"
    assert ("GET", "/api/v2/obproxy/clusters/1") in paths[:probe]


def test_rate_limited_until_the_deadline_is_incomplete() -> None:
    for ocp in serve(rate_limit=3, rate_window=600.0):  # the 4th request of a user waits 10 minutes
        started = time.monotonic()
        result = run_suite(live_config(max_time=5.0).with_phases("workflow"))
        elapsed = time.monotonic() - started
        arrived = len(ocp.received)
    assert result.exit_code == 3, result.results.findings
    assert arrived <= 10, "the 429s are waited out, not hammered"
    assert elapsed < 120, "far below the 600 s the target asks to wait"
    reason = "  not verified: rate limited (429) until the deadline"
    assert any(line.startswith(reason) for line in summary(result)), summary(result)
