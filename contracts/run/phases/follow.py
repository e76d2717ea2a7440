"""Following one task to its end: poll, wait, say progress, note what each poll showed.

:class:`Follower` GETs a task until it is SUCCESSFUL or FAILED (bounded by the plan's polls and
the deadline), then :data:`CONFIRMATIONS` more times to see that it stays so. Each poll is judged
once by :class:`~contracts.run.phases.exchange.Exchanges`, and its parsed body — the one the
judges read — fills the :class:`~contracts.run.judging.results.TaskReport`: the task's status and
operation, each subtask's status, the failing subtask and its message. A task that ends FAILED
has its failing subtask's log read (when the spec documents the log read), so its outcome names
the step and what the log says.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from contracts.ocp import (
    CANCELING,
    FAILED,
    PENDING,
    ROLLBACK,
    RUNNING,
    SUBTASK_LOG_PATH,
    SUCCESSFUL,
    TASK_PATH,
    id_or_none,
)
from contracts.run.judging.results import Results, TaskReport
from contracts.run.phases.exchange import Exchanges, Reply
from contracts.run.wire.politeness import MIN_REQUEST_WINDOW, PROGRESS_EVERY, Say

#: Polls after a task finished, to see that it stays finished.
CONFIRMATIONS = 2
#: Characters of a subtask's log kept for the outcome line.
LOG_EXCERPT = 160
_FAILURE_KEYS = ("message", "errorMessage", "failureMessage", "log")
#: Subtask statuses of a subtask that has run, so has a log to read.
_HAS_RUN = frozenset({FAILED, SUCCESSFUL, RUNNING, CANCELING})


class Follower:
    """Follows tasks through :class:`Exchanges`, recording each into ``results.tasks``."""

    def __init__(
        self,
        exchanges: Exchanges,
        *,
        poll_interval: float,
        max_polls: int,
        sleep: Callable[[float], None] = time.sleep,
        say: Say | None = None,
    ) -> None:
        self.exchanges = exchanges
        self.poll_interval = poll_interval
        self.max_polls = max_polls
        self._sleep = sleep
        self._say = say
        #: The task being followed (what a deadline cuts), or ``None``.
        self.following: TaskReport | None = None
        #: The last poll's task (``data``), for the callers that judge across endpoints.
        self.last_task: dict[str, Any] | None = None

    @property
    def results(self) -> Results:
        return self.exchanges.results

    def follow(self, task_id: int, *, title: str, until_done: bool, asked: bool = False) -> TaskReport:
        """GET the task until it is finished (or once), then :data:`CONFIRMATIONS` more times."""
        report = TaskReport(task_id, title, asked=asked)
        if until_done:
            self.results.tasks.append(report)
            self.following = report
        started = time.monotonic()
        trail_done, confirmations, said = False, 0, 0.0
        for poll in range(self.max_polls):
            exchange = self.exchanges.send(
                "task",
                "GET",
                TASK_PATH.format(taskInstanceId=task_id),
                title=f"{title}, poll {poll + 1}",
                params={"taskInstanceId": task_id},
            )
            report.seconds = time.monotonic() - started
            if exchange is None or exchange.status != 200:
                self._unreadable(report, exchange)
                self.following = None
                return report
            observe(report, exchange.data)
            self.last_task = exchange.data if isinstance(exchange.data, dict) else None
            trail_done = trail_done or report.finished or not until_done
            due = poll == 0 or report.seconds - said >= PROGRESS_EVERY or trail_done
            if until_done and due and confirmations == 0:
                self._progress(report)
                said = report.seconds
            if trail_done:
                confirmations += 1
                if confirmations > CONFIRMATIONS:
                    break
            elif self.poll_interval:
                said = self._wait(self.poll_interval, report, started, said)
        self.following = None
        if until_done and report.status == FAILED:
            self.read_log(report)
        return report

    def poll(self, task_id: int, *, title: str) -> dict[str, Any] | None:
        """One GET of the task, after the poll interval; its ``data`` (``None`` if unreadable)."""
        deadline = self.exchanges.deadline
        if self.poll_interval:
            if not deadline.allows(self.poll_interval + MIN_REQUEST_WINDOW):
                raise deadline.reached(f"task {task_id} not followed to its end")
            self._sleep(self.poll_interval)
        path = TASK_PATH.format(taskInstanceId=task_id)
        params = {"taskInstanceId": task_id}
        exchange = self.exchanges.send("task", "GET", path, title=title, params=params)
        data = exchange.data if exchange is not None and exchange.status == 200 else None
        return data if isinstance(data, dict) else None

    def read_log(self, report: TaskReport) -> bool:
        """Read the failing subtask's log into ``report.log`` (the line that says why, or why it
        was not read); whether an answer came."""
        subtask = report.failed_subtask_id
        if subtask is None:
            report.log = "no FAILED subtask named"
            return False
        if not self.exchanges.documents("subtask-log"):
            report.log = "the spec documents no log read"
            return False
        exchange = self._send_log(report.task_id, subtask)
        if exchange is None or not exchange.ok:
            report.log = "not read" if exchange is None else f"not read: HTTP {exchange.status}"
        else:
            report.log = log_excerpt(exchange)
        return exchange is not None

    def read_a_log(self, report: TaskReport) -> bool:
        """Read one subtask log of a task read but not followed (a task a read-only run found
        listed): its failing subtask's, else that of the first subtask that has run, from the
        last poll. A GET, so a read-only run exercises the log read on a real task. Whether an
        answer came (judged like every other)."""
        if not self.exchanges.documents("subtask-log"):
            return False
        if report.failed_subtask_id is not None:
            return self.read_log(report)
        subtask = _a_subtask_that_ran(self.last_task if report.polls else None)
        return subtask is not None and self._send_log(report.task_id, subtask) is not None

    def _send_log(self, task_id: int, subtask: int) -> Reply | None:
        path = SUBTASK_LOG_PATH.format(taskInstanceId=task_id, subtaskInstanceId=subtask)
        return self.exchanges.send(
            "subtask-log",
            "GET",
            path,
            title=f"log of subtask {subtask}",
            params={"taskInstanceId": task_id, "subtaskInstanceId": subtask},
        )

    def _unreadable(self, report: TaskReport, exchange: Reply | None) -> None:
        if not report.asked:
            return
        if exchange is not None and exchange.status == 404 and not report.polls:
            self.results.does_not_exist(
                f"task {report.task_id} is unknown to the target (404){exchange.message()}; check --task-id"
            )
        elif exchange is not None:
            self.results.not_verified(
                f"task {report.task_id} ({report.title}) could not be read: {exchange.status}"
                f"{exchange.message()}"
            )

    def _progress(self, report: TaskReport) -> None:
        if self._say is not None:
            self._say(f"    task {report.task_id} {report.progress}, {report.seconds:.0f} s")

    def _wait(self, seconds: float, report: TaskReport, started: float, said: float) -> float:
        """Sleep between polls, never past the deadline, saying progress at least every 5 s."""
        deadline = self.exchanges.deadline
        if not deadline.allows(seconds + MIN_REQUEST_WINDOW):
            raise deadline.reached(f"task {report.task_id} not followed to its end")
        left = seconds
        while left > 0:
            step = min(left, PROGRESS_EVERY)
            self._sleep(step)
            left -= step
            report.seconds = time.monotonic() - started
            if left > 0 and report.seconds - said >= PROGRESS_EVERY:
                self._progress(report)
                said = report.seconds
        return said


#: A line of OCP's log as its documented sample shows it (Spring Boot's layout):
#: ``2021-08-25 15:09:33.073  INFO 57200 --- [thread] logger : message``.
_LOG_LINE = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\s+(?P<level>[A-Z]+)\b(?:.*?\s:\s(?P<message>.*))?"
)
#: A Java exception as a stack trace starts: ``java.lang.IllegalStateException: message``.
_EXCEPTION = re.compile(r"(?:Caused by: )?[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*(?:Exception|Error)\b.*")


def log_excerpt(exchange: Reply) -> str:
    """The line of a log answer (``data.log``) that says why, shortened (:func:`why_line`)."""
    data = exchange.data
    text = data.get("log") if isinstance(data, dict) else None
    if not isinstance(text, str) or not text.strip():
        return "empty"
    line = why_line([part.strip() for part in text.splitlines() if part.strip()])
    return line if len(line) <= LOG_EXCERPT else line[: LOG_EXCERPT - 1] + "…"


def why_line(lines: list[str]) -> str:
    """What a failed subtask's log says of its failure: the message of its last ERROR line (with
    the exception that follows it, if one does); else its last line naming an exception; else its
    last line. The last line alone is often the engine's "Set state … FAILED" or a stack frame."""
    for index in range(len(lines) - 1, -1, -1):
        logged = _LOG_LINE.match(lines[index])
        if logged and logged["level"] in ("ERROR", "FATAL"):
            said = logged["message"] or lines[index]
            after = lines[index + 1] if index + 1 < len(lines) else ""
            return f"{said} ({after})" if _EXCEPTION.fullmatch(after) and after not in said else said
    thrown = [line for line in lines if _EXCEPTION.fullmatch(line)]
    return thrown[-1] if thrown else lines[-1]


def _a_subtask_that_ran(task: dict[str, Any] | None) -> int | None:
    """The id of the first subtask of ``task`` that has run (so has a log), else ``None``."""
    subtasks = task.get("subtasks") if task is not None else None
    for item in subtasks if isinstance(subtasks, list) else ():
        if isinstance(item, dict) and item.get("status") in _HAS_RUN:
            found = id_or_none(item.get("id"))
            if found is not None:
                return found
    return None


def observe(report: TaskReport, data: Any) -> None:
    """Note one poll (``data`` of the judged body): the task's status and operation, each
    subtask's status, the failing one and its message, whether it was rolled back."""
    if not isinstance(data, dict):
        report.polls.append("unreadable")
        return
    status = str(data.get("status", "unknown"))
    report.polls.append(status)
    subtasks = data.get("subtasks")
    items = [item for item in subtasks if isinstance(item, dict)] if isinstance(subtasks, list) else []
    report.subtasks = {}
    undone = data.get("operation") == ROLLBACK
    for item in items:
        name = f"{item.get('id')} {item.get('name', '')}".strip()
        report.subtasks[name] = str(item.get("status", "unknown"))
        undone = undone or item.get("operation") == ROLLBACK
        if item.get("status") == FAILED and report.failed_subtask is None:
            report.failed_subtask, report.failed_subtask_id = name, id_or_none(item.get("id"))
            said = next((item[k] for k in _FAILURE_KEYS if isinstance(item.get(k), str) and item[k]), None)
            description = str(item.get("description") or "")
            report.message = said or (description if description != item.get("name") else None)
    # A finished rollback: SUCCESSFUL with every subtask PENDING again (OCP's engine).
    all_pending = bool(items) and all(item.get("status") == PENDING for item in items)
    report.rolled_back = undone or (status == SUCCESSFUL and all_pending)
