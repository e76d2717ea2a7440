"""Drills of the failure path: each starts its own upgrade, brings it to FAILED, acts as an operator
would, follows the task to its end and leaves the servers on one version.

=================  =========================================================================
``rollback``       task rollback of the FAILED task, then a retry of the rolled-back task
                   (OCP refuses it: 400, 20003)
``retry``          task retry of the FAILED task
``skip``           skip of the FAILED subtask
``cancel``         cancel of a RUNNING subtask (the task then ends FAILED)
``subtask-retry``  retry of the FAILED subtask
=================  =========================================================================

A task that does not fail by itself is made to, as an operator would, by cancelling a RUNNING
subtask. Where every step is seen (no time between polls: the embedded mock) the drill waits for
the last chance (every other subtask SUCCESSFUL), so a task that fails by itself is taken as it
is; where time passes between polls (a live OCP), it cancels the first RUNNING subtask it catches,
since the last step often runs for less than one poll and would slip by. After the drill's call, a task that
ended FAILED is retried once more and, failing again, rolled back. The cluster is read before,
while the task runs (its servers UPGRADING) and after, so each drill says whether it left the
servers upgraded or at their old version: where a skipped step left one server behind, it
upgrades them once more. Every exchange goes through :class:`~contracts.run.phases.exchange.Exchanges`, so the
lifecycle rules judge each call and its effect. A drill whose call could not be made or was
refused is not exercised, and says why.
"""

from __future__ import annotations

from typing import Any

from contracts.ocp import FAILED, LIFECYCLE_ROUTES, RUNNING, SUCCESSFUL, UPGRADE_PATH, id_or_none
from contracts.run.config import UpgradeTarget
from contracts.run.judging.results import DrillReport, TaskReport
from contracts.run.phases.exchange import Exchanges, Reply
from contracts.run.phases.follow import Follower
from contracts.run.phases.probes import upgrade_body_of
from contracts.run.phases.server_versions import change, read_servers, running

#: The control call each drill is about.
CALL_OF = {
    "retry": "task-retry",
    "rollback": "task-rollback",
    "skip": "subtask-skip",
    "cancel": "subtask-cancel",
    "subtask-retry": "subtask-retry",
}


class Driller:
    """Runs drills on one target through the run's :class:`Exchanges` and :class:`Follower`."""

    def __init__(self, exchanges: Exchanges, follower: Follower, *, upgrade_body: bool) -> None:
        self.exchanges = exchanges
        self.follower = follower
        self.upgrade_body = upgrade_body

    def run(self, drills: tuple[str, ...], target: UpgradeTarget) -> None:
        """Each drill in turn; its report goes to ``results.drills``."""
        for name in drills:
            report = DrillReport(name)
            self.exchanges.results.drills.append(report)
            if not self.exchanges.documents(CALL_OF[name]):
                report.why_not = f"the spec documents no {CALL_OF[name]}"
                continue
            self._drill(report, target)
            self.exchanges.finish()  # each drill is a sequence of its own

    # ------------------------------------------------------------------ one drill

    def _drill(self, report: DrillReport, target: UpgradeTarget) -> None:
        title = f"drill {report.name}"
        before = read_servers(self.exchanges, target.cluster_id, title=f"{title}: cluster before")
        task_id = self._upgrade(target, title)
        if task_id is None:
            report.why_not = "its upgrade was not accepted"
            return
        report.task_id = task_id
        failed = self._to_failure(report, task_id, title, target)
        if failed is None:
            return
        final = failed if report.name == "cancel" else self._act(report, failed, title)
        if final is None:
            return
        final = self._resolve(report, final, title)
        after = read_servers(self.exchanges, target.cluster_id, title=f"{title}: cluster after")
        if (
            final.status == SUCCESSFUL
            and not final.rolled_back
            and after
            and running(after, target.obproxy_ids) is None
        ):
            final, after = self._even_out(report, target, title, final, after)
        final.servers, final.package = change(before, after, target.obproxy_ids), target.package
        final.version = running(after, target.obproxy_ids)
        report.outcome = final.outcome()
        self._note_success(final)

    def _even_out(
        self, report: DrillReport, target: UpgradeTarget, title: str, final: TaskReport, after: Any
    ) -> tuple[TaskReport, Any]:
        """The servers ended on different versions (a skipped step): upgrade them once more, so the
        drill leaves them on one version."""
        task_id = self._upgrade(target, f"{title}: upgrade again")
        if task_id is None:
            report.steps.append("upgrade again refused: servers left on different versions")
            return final, after
        report.steps.append(f"upgraded again (task {task_id}) to leave the servers on one version")
        again = self.follower.follow(task_id, title=f"{title}: upgrade again", until_done=True)
        again = self._resolve(report, again, f"{title}: upgrade again")
        return again, read_servers(self.exchanges, target.cluster_id, title=f"{title}: cluster at the end")

    def _upgrade(self, target: UpgradeTarget, title: str) -> int | None:
        answer = self.exchanges.send(
            "upgrade",
            "POST",
            UPGRADE_PATH.format(id=target.cluster_id, obproxyIds=",".join(map(str, target.obproxy_ids))),
            body=upgrade_body_of(target, self.upgrade_body),
            title=f"{title}: upgrade of {target}",
            params={"id": target.cluster_id, "obproxyIds": target.obproxy_ids},
        )
        return answer.task_id() if answer is not None and answer.ok else None

    def _to_failure(
        self, report: DrillReport, task_id: int, title: str, target: UpgradeTarget
    ) -> TaskReport | None:
        """Follow the new task to FAILED; where it would not fail by itself, cancel a RUNNING
        subtask (:func:`_to_cancel` says which and when) and follow it to FAILED."""
        for poll in range(self.follower.max_polls):
            data = self.follower.poll(
                task_id, title=f"{title}: waiting for a running subtask, poll {poll + 1}"
            )
            if data is None:
                report.why_not = f"task {task_id} could not be read"
                return None
            if poll == 0 and data.get("status") == RUNNING:
                read_servers(self.exchanges, target.cluster_id, title=f"{title}: cluster during")
            if data.get("status") == FAILED:
                report.steps.append("FAILED by itself")
                break
            running = _to_cancel(data, report.name, sees_every_step=not self.follower.poll_interval)
            if data.get("status") == SUCCESSFUL or running is not None:
                break
        else:
            report.why_not = f"task {task_id} ran no subtask within {self.follower.max_polls} polls"
            return None
        if data.get("status") == SUCCESSFUL:
            report.why_not = "the upgrade finished before a subtask could be cancelled"
            return None
        if data.get("status") != FAILED:
            subtask = id_or_none(running.get("id")) if running is not None else None
            answer = self._call("subtask-cancel", task_id, subtask, title)
            if answer is None or not answer.ok:
                report.why_not = f"the cancel of RUNNING subtask {subtask} was refused{_status(answer)}"
                return None
            report.steps.append(f"cancelled RUNNING subtask {subtask}")
            if report.name == "cancel":
                report.exercised = True
        followed = self.follower.follow(task_id, title=f"{title}: to failure", until_done=True)
        if report.steps[-1:] != ["FAILED by itself"]:
            report.steps.append(followed.status)
        if followed.status != FAILED:
            report.why_not = report.why_not or f"task {task_id} ended {followed.status}, not FAILED"
            report.exercised = report.exercised and followed.finished
            return followed if report.name == "cancel" and followed.finished else None
        return followed

    def _act(self, report: DrillReport, failed: TaskReport, title: str) -> TaskReport | None:
        """The drill's own call on the FAILED task, then the task followed to its end."""
        call = CALL_OF[report.name]
        subtask = failed.failed_subtask_id if call.startswith("subtask") else None
        if call.startswith("subtask") and subtask is None:
            report.why_not = "no FAILED subtask to act on"
            return None
        answer = self._call(call, failed.task_id, subtask, title)
        if answer is None or not answer.ok:
            report.why_not = f"{call} was refused{_status(answer)}"
            return None
        report.exercised = True
        report.steps.append(_did(report.name, subtask))
        final = self.follower.follow(failed.task_id, title=f"{title}: after {call}", until_done=True)
        report.steps.append(final.status)
        if report.name == "rollback" and final.rolled_back:
            self._call(
                "task-retry", failed.task_id, None, f"{title}: retry of the rolled-back task (refused)"
            )
        return final

    def _resolve(self, report: DrillReport, final: TaskReport, title: str) -> TaskReport:
        """Leave the servers on one version: retry a FAILED task once more, then roll it back."""
        for call in ("task-retry", "task-rollback"):
            if final.status != FAILED:
                break
            answer = self._call(call, final.task_id, None, f"{title}: leave the servers on one version")
            if answer is None or not answer.ok:
                report.steps.append(f"{call} refused{_status(answer)}")
                continue
            report.steps.append(_did(call.removeprefix("task-"), None))
            final = self.follower.follow(final.task_id, title=f"{title}: after {call}", until_done=True)
            report.steps.append(final.status)
        return final

    def _note_success(self, final: TaskReport) -> None:
        if final.status == SUCCESSFUL and not final.rolled_back and final.version is not None:
            self.exchanges.results.success_path = True

    def _call(self, call: str, task_id: int, subtask: int | None, title: str) -> Reply | None:
        method, path, _ = LIFECYCLE_ROUTES[call]
        params: dict[str, int | tuple[int, ...]] = {"taskInstanceId": task_id}
        if subtask is not None:
            params["subtaskInstanceId"] = subtask
        return self.exchanges.send(
            call,
            method,
            path.format(taskInstanceId=task_id, subtaskInstanceId=subtask),
            title=f"{title}: {call} on task {task_id}"
            + (f", subtask {subtask}" if subtask is not None else ""),
            params=params,
        )


def _running(task: dict[str, Any]) -> dict[str, Any] | None:
    """The first RUNNING subtask (what the cancel drill cancels)."""
    subtasks = task.get("subtasks")
    items = subtasks if isinstance(subtasks, list) else []
    return next((s for s in items if isinstance(s, dict) and s.get("status") == RUNNING), None)


def _to_cancel(task: dict[str, Any], drill: str, *, sees_every_step: bool) -> dict[str, Any] | None:
    """The RUNNING subtask a drill cancels now, or ``None`` to poll again: the first one for the
    cancel drill and wherever steps may pass unseen between polls; else the last chance."""
    if drill == "cancel" or not sees_every_step:
        return _running(task)
    return _last_chance(task)


def _last_chance(task: dict[str, Any]) -> dict[str, Any] | None:
    """A RUNNING subtask when nothing else is left to run or fail (every other subtask SUCCESSFUL):
    the task cannot fail by itself any more, so the drill cancels this one."""
    subtasks = task.get("subtasks")
    items = [s for s in subtasks if isinstance(s, dict)] if isinstance(subtasks, list) else []
    running = [s for s in items if s.get("status") == RUNNING]
    if not running or any(s.get("status") not in (RUNNING, SUCCESSFUL) for s in items):
        return None
    return running[0]


def _did(name: str, subtask: int | None) -> str:
    verbs = {"retry": "retried", "rollback": "rolled back", "skip": "skipped", "subtask-retry": "retried"}
    return verbs.get(name, name) + (f" subtask {subtask}" if subtask is not None else "")


def _status(answer: Reply | None) -> str:
    return " (kept back by the safety guard)" if answer is None else f" ({answer.status}{answer.message()})"
