"""The workflow's parts on their own: the follower's log read, the servers' versions, the drills'
refusals — each path with a scripted target, so every outcome in words is one the code can say."""

from __future__ import annotations

from typing import Any

import requests

from contracts.run.config import UpgradeTarget
from contracts.run.judging.results import DrillReport, Results, TaskReport
from contracts.run.phases.drills import Driller
from contracts.run.phases.exchange import Reply
from contracts.run.phases.follow import Follower, log_excerpt, why_line
from contracts.run.phases.server_versions import UNCHANGED, ServerState, change, running, servers_of
from contracts.run.wire.politeness import Deadline

TARGET = UpgradeTarget(1, (1, 2), "obproxy-ce-4.2.3.0-1")


def _reply(operation: str, status: int, body: Any) -> Reply:
    response = requests.Response()
    response.status_code = status
    return Reply(operation, response, body)


class Scripted:
    """What the follower and the drills need of :class:`Exchanges`: answers by operation, in turn."""

    def __init__(self, answers: dict[str, list[Reply | None]], documented: set[str] | None = None) -> None:
        self.answers = answers
        self.documented = documented
        self.results = Results()
        self.deadline = Deadline(None)
        self.sent: list[tuple[str, str]] = []
        self.finished = 0

    def documents(self, operation: str) -> bool:
        return self.documented is None or operation in self.documented

    def send(self, operation: str, method: str, path: str, **_: Any) -> Reply | None:
        self.sent.append((operation, path))
        queue = self.answers.get(operation, [])
        return queue.pop(0) if len(queue) > 1 else (queue[0] if queue else None)

    def finish(self) -> None:
        self.finished += 1


def _follower(exchanges: Scripted) -> Follower:
    return Follower(exchanges, poll_interval=0.0, max_polls=5)  # type: ignore[arg-type]


def test_the_log_read_says_why_it_has_no_line() -> None:
    report = TaskReport(7, "t", polls=["FAILED"])
    _follower(Scripted({})).read_log(report)
    assert report.log == "no FAILED subtask named"
    report.failed_subtask_id = 9
    _follower(Scripted({}, documented=set())).read_log(report)
    assert report.log == "the spec documents no log read"
    _follower(Scripted({})).read_log(report)
    assert report.log == "not read"
    _follower(Scripted({"subtask-log": [_reply("subtask-log", 404, {})]})).read_log(report)
    assert report.log == "not read: HTTP 404"
    long = {"data": {"log": "start\n\n" + "x" * 400 + "\n  \n"}}
    _follower(Scripted({"subtask-log": [_reply("subtask-log", 200, long)]})).read_log(report)
    assert report.log is not None and report.log.endswith("…") and len(report.log) == 160
    assert log_excerpt(_reply("subtask-log", 200, {"data": {"log": " "}})) == "empty"


def test_an_asked_task_that_cannot_be_read_is_named() -> None:
    unknown = Scripted({"task": [_reply("task", 404, {"error": {"message": "no such task"}})]})
    report = _follower(unknown).follow(5, title="task 5", until_done=True, asked=True)
    assert report.polls == [] and "task 5 is unknown to the target (404)" in unknown.results.unusable[0]
    broken = Scripted({"task": [_reply("task", 503, {})]})
    _follower(broken).follow(5, title="task 5", until_done=True, asked=True)
    assert broken.results.incomplete == ["task 5 (task 5) could not be read: 503"]


def test_the_servers_versions_say_what_changed() -> None:
    old = {1: ServerState(1, "4.2.1.0", "RUNNING"), 2: ServerState(2, "4.2.1.0", "RUNNING")}
    new = {1: ServerState(1, "4.2.3.0", "RUNNING"), 2: ServerState(2, "4.2.3.0", "RUNNING")}
    mixed = {1: ServerState(1, "4.2.3.0", "RUNNING"), 2: ServerState(2, "4.2.1.0", "RUNNING")}
    assert change(old, new, (1, 2)) == "4.2.3.0" and running(new, (1, 2)) == "4.2.3.0"
    assert change(old, old, (1, 2)) == UNCHANGED
    assert (
        change(old, mixed, (1, 2)) == "server 1 4.2.3.0, server 2 4.2.1.0" and running(mixed, (1, 2)) is None
    )
    assert change(None, new, (1, 2)) is None and change(old, {1: ServerState(1, None, None)}, (1,)) is None
    read = _reply("cluster", 200, {"data": {"obproxies": [{"id": 1, "version": 4}, {"id": "x"}, "y"]}})
    assert servers_of(read) == {1: ServerState(1, None, None)}
    assert servers_of(_reply("cluster", 404, {})) is None and servers_of(None) is None


def test_a_drill_that_cannot_start_says_why() -> None:
    undocumented = Scripted({}, documented={"cluster"})
    Driller(undocumented, _follower(undocumented), upgrade_body=True).run(("retry",), TARGET)  # type: ignore[arg-type]
    refused = Scripted({"upgrade": [_reply("upgrade", 409, {})]})
    Driller(refused, _follower(refused), upgrade_body=True).run(("skip",), TARGET)  # type: ignore[arg-type]
    unread = Scripted({"upgrade": [_reply("upgrade", 200, {"data": {"id": 3}})], "task": [None]})
    Driller(unread, _follower(unread), upgrade_body=True).run(("cancel",), TARGET)  # type: ignore[arg-type]
    reports: list[DrillReport] = [
        *undocumented.results.drills,
        *refused.results.drills,
        *unread.results.drills,
    ]
    assert [r.why_not for r in reports] == [
        "the spec documents no task-retry",
        "its upgrade was not accepted",
        "task 3 could not be read",
    ]
    assert not any(r.exercised for r in reports) and refused.finished == unread.finished == 1
    assert reports[2].line() == "cancel (task 3): not run — not exercised: task 3 could not be read"


def test_a_drill_whose_upgrade_succeeds_before_it_can_act_is_not_exercised() -> None:
    done = {"status": "SUCCESSFUL", "subtasks": [{"id": 1, "status": "SUCCESSFUL"}]}
    quick = Scripted(
        {
            "upgrade": [_reply("upgrade", 200, {"data": {"id": 3}})],
            "task": [_reply("task", 200, {"data": done})],
        }
    )
    Driller(quick, _follower(quick), upgrade_body=True).run(("retry",), TARGET)  # type: ignore[arg-type]
    assert quick.results.drills[0].why_not == "the upgrade finished before a subtask could be cancelled"
    running_task = {"status": "RUNNING", "subtasks": [{"id": 1, "status": "RUNNING"}]}
    answers: dict[str, list[Reply | None]] = {
        "upgrade": [_reply("upgrade", 200, {"data": {"id": 3}})],
        "task": [_reply("task", 200, {"data": running_task})],
        "subtask-cancel": [_reply("subtask-cancel", 400, {"error": {"code": 20003}})],
    }
    stubborn = Scripted(answers)
    Driller(stubborn, _follower(stubborn), upgrade_body=True).run(("cancel",), TARGET)  # type: ignore[arg-type]
    assert stubborn.results.drills[0].why_not == "the cancel of RUNNING subtask 1 was refused (400)"


def test_the_log_line_quoted_is_the_one_that_says_why() -> None:
    """Not the engine's closing "Set state … FAILED" line, nor a stack frame: the ERROR line's
    message, with the exception right after it; else the last exception; else the last line."""
    error = (
        "2021-08-25 15:09:33.070 ERROR 57200 --- [pool-subtask-executor-thread-3] "
        "a.o.s.t.b.o.UpgradeObproxyTask : upgrade obproxy failed on host 10.0.0.1"
    )
    closing = (
        "2021-08-25 15:09:33.073  INFO 57200 --- [pool-subtask-executor-thread-3] "
        "c.a.o.c.m.t.model.SubtaskInstanceEntity  : Set state for subtask: 13000335, new state: FAILED"
    )
    exception = "java.lang.IllegalStateException: package obproxy-4.2.3 not found"
    frame = "at com.oceanbase.ocp.service.task.UpgradeObproxyTask.run(UpgradeObproxyTask.java:88)"
    assert why_line([error, closing]) == "upgrade obproxy failed on host 10.0.0.1"
    assert why_line([error, exception, frame, closing]) == (
        "upgrade obproxy failed on host 10.0.0.1 "
        "(java.lang.IllegalStateException: package obproxy-4.2.3 not found)"
    )
    assert why_line([closing, exception, frame]) == exception
    assert why_line(["started", closing]) == closing
    log = {"data": {"log": "\n".join(["banner", error, closing, ""])}}
    assert log_excerpt(_reply("subtask-log", 200, log)) == "upgrade obproxy failed on host 10.0.0.1"
