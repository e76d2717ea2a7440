"""The verdict's precedence, decided from a run's results alone: 1 wins over everything, then 2,
then 3 (something asked for was not verified), then 0; a signal ends it with 130 or 143."""

from __future__ import annotations

import pytest

from contracts.run import RunConfig
from contracts.run.judging.results import Finding, Results, TaskReport
from contracts.run.reporting.console import plural, summary
from contracts.run.reporting.verdicts import VERDICTS
from contracts.run.runner import RunResult
from contracts.violations import Violation


def _result(results: Results) -> RunResult:
    return RunResult(RunConfig(), "mock", "safe", 1, results, (), (), 1.0)


def _violation(results: Results) -> None:
    violation = Violation(rule="schema.type", pointer="/data", message="wrong type")
    results.failed(Finding("task", "ocp_contract", "fuzzing", "t", (violation,)))


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        pytest.param([], 0, id="verified"),
        pytest.param(["incomplete"], 3, id="incomplete"),
        pytest.param(["incomplete", "network"], 2, id="error-over-incomplete"),
        pytest.param(["unusable"], 2, id="does-not-exist"),
        pytest.param(["violation", "network", "incomplete", "unusable"], 1, id="violation-wins"),
        pytest.param(["violation", "sigterm"], 143, id="sigterm"),
    ],
)
def test_the_verdict_precedence(setup: list[str], code: int) -> None:
    results = Results()
    for what in setup:
        if what == "violation":
            _violation(results)
        elif what == "network":
            results.network_error("connection failed: connection refused")
        elif what == "incomplete":
            results.not_verified("cut by --max-time (5 s): requests not sent")
        elif what == "unusable":
            results.does_not_exist("the named target does not exist")
        elif what == "sigterm":
            results.interrupted = "SIGTERM"
    result = _result(results)
    assert result.exit_code == code
    assert summary(result)[-1] == VERDICTS[code]


def test_the_summary_lists_what_was_not_verified_and_the_failed_task() -> None:
    results = Results()
    task = TaskReport(33151, "upgrade of cluster 1", asked=True, polls=["RUNNING", "RUNNING", "FAILED"])
    task.subtasks = {"1 Stop obproxy": "SUCCESSFUL", "2 Install obproxy package": "FAILED"}
    task.failed_subtask, task.message = "2 Install obproxy package", "rpm conflict"
    results.tasks.append(task)
    problem = task.problem()
    assert problem is not None
    results.not_verified(problem)
    lines = summary(_result(results))
    assert (
        "  not verified: task 33151 (upgrade of cluster 1) ended FAILED at subtask 2 Install obproxy "
        "package: rpm conflict"
    ) in lines
    assert any("polls: RUNNING ×2 → FAILED" in line for line in lines)
    assert "      outcome: failed at step 2 Install obproxy package (log: not read)" in lines
    assert "      subtask 2 Install obproxy package said: rpm conflict" in lines


def test_counts_are_plural_only_when_they_should_be() -> None:
    assert plural(1, "case") == "1 case"
    assert plural(0, "case") == "0 cases"
    assert plural(2, "failed check") == "2 failed checks"


def test_a_rolled_back_or_unfinished_task_says_so() -> None:
    rolled = TaskReport(7, "upgrade of cluster 1", polls=["RUNNING", "SUCCESSFUL"], rolled_back=True)
    assert rolled.problem() == "task 7 (upgrade of cluster 1) was rolled back"
    running = TaskReport(8, "task 8", polls=["RUNNING"], subtasks={"1 a": "SUCCESSFUL", "2 b": "RUNNING"})
    assert running.problem() == "task 8 (task 8) did not finish: last seen RUNNING, 1/2 subtasks done"
    assert TaskReport(9, "t", polls=["SUCCESSFUL"]).problem() is None
    assert running.poll_trail() == "RUNNING"
    assert TaskReport(9, "t", polls=["RUNNING", "RUNNING", "FAILED"]).poll_trail() == "RUNNING ×2 → FAILED"
