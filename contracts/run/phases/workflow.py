"""The project's own stateful step: deterministic requests whose outcome the contract fixes.

Four parts, in order, all through the gate (safety guard and politeness apply):

1. **Rejection probes** — requests a correct OCP must refuse before acting
   (:mod:`contracts.run.phases.probes`). Safe mode sends them all.
2. **Read-only task checks** — the first page of tasks, every ``--task-id`` and the listed
   tasks, each fetched more than once; a running ``--task-id`` is followed to its end
   (:mod:`contracts.run.phases.follow`); one subtask log of a listed task is read (its failing
   subtask's, else one that has run).
3. **Absent ids** — an upgrade of a cluster and of servers a read proved absent, and every
   control call and the log read on a task a read proved absent: each must be refused with 404.
   Never a guessed id.
4. **One followed upgrade per target** (the embedded mock, or ``--allow-upgrade`` with its
   target): the cluster read before, ``POST …/upgrade``, the task followed to its end (bounded
   by ``--max-time``), the cluster read after (:mod:`contracts.run.phases.server_versions`), then the
   calls OCP refuses on a finished task (retry, skip, cancel: 400, code 20003).

Every answer is judged once by :class:`~contracts.run.phases.exchange.Exchanges`. What could not
be verified goes to ``Results.incomplete`` (exit 3), a named target or ``--task-id`` answered
404 to ``Results.unusable`` (exit 2). Before OCP 4.0.3 (no upgrade body) the upgrade is sent
without one and the body probes are left out: such an OCP must refuse none of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from contracts.ocp import SUCCESSFUL, TASKS_PATH, UPGRADE_PATH
from contracts.run.config import UpgradeTarget
from contracts.run.judging.history import task_id_of
from contracts.run.judging.results import TaskReport
from contracts.run.phases.drills import Driller
from contracts.run.phases.exchange import Exchanges, Reply
from contracts.run.phases.follow import Follower
from contracts.run.phases.probes import Probe, Prober, upgrade_body_of
from contracts.run.phases.server_versions import change, read_servers, running
from contracts.run.wire.politeness import DeadlineReached, Say

#: Listed tasks fetched in detail by the read-only checks.
LISTED_TASKS = 3


@dataclass(frozen=True)
class Plan:
    """What the workflow does in one run."""

    probes: tuple[Probe, ...]
    task_ids: tuple[int, ...]
    upgrades: tuple[UpgradeTarget, ...]
    poll_interval: float
    max_polls: int
    #: Whether an upgrade carries ``{"shortRpmName": ...}`` (OCP 4.0.3 on) or no body at all.
    upgrade_body: bool = True
    #: The upgrades were named by the user (a live target): each must be accepted and succeed,
    #: else the run did not verify what it was asked to. The embedded mock's upgrades include one
    #: that fails on purpose, so they are not.
    upgrades_asked: bool = False
    #: The ids the absent-id probes are measured against when nothing is upgraded (a read-only
    #: run's ``--cluster-id`` & co.).
    reference: UpgradeTarget | None = None
    #: Drills run after the workflow: a FAILED upgrade is then their material, not a gap.
    drilling: bool = False


class Workflow:
    """Runs a :class:`Plan` against one base URL with one session, recording into :class:`Results`."""

    def __init__(
        self,
        exchanges: Exchanges,
        *,
        sleep: Callable[[float], None] = time.sleep,
        say: Say | None = None,
    ) -> None:
        self.results = exchanges.results
        self.exchanges = exchanges
        self._sleep = sleep
        self._say = say
        self._tried: set[UpgradeTarget] = set()
        self.follower: Follower | None = None
        self._plan: Plan | None = None

    # ------------------------------------------------------------------ the plan

    def _follower(self, plan: Plan) -> Follower:
        if self.follower is None:
            self.follower = Follower(
                self.exchanges,
                poll_interval=plan.poll_interval,
                max_polls=plan.max_polls,
                sleep=self._sleep,
                say=self._say,
            )
        return self.follower

    def run(self, plan: Plan) -> None:
        """Probes, read-only checks, absent ids, then the upgrades; stops quietly at the deadline."""
        self._follower(plan)
        prober = Prober(self.exchanges, upgrade_body=plan.upgrade_body)
        try:
            prober.rejections(plan.probes)
            listed = self._read_only(plan)
            reference = plan.upgrades[0] if plan.upgrades else plan.reference
            if reference is not None:
                prober.absent_cluster(reference)
            prober.absent_task([*listed, *plan.task_ids])
            for target in plan.upgrades:
                self._upgrade(target, plan, prober)
        except DeadlineReached:
            self.results.notes.append("workflow stopped at --max-time")
            self._cut(plan)

    def drill(self, plan: Plan, drills: tuple[str, ...], target: UpgradeTarget) -> None:
        """The failure-path drills on ``target`` (:mod:`contracts.run.phases.drills`); each one not
        exercised, and a success path never verified, leave the run incomplete (exit 3)."""
        self.exchanges.finish()  # the workflow's sequence ends where the drills' begin
        self.exchanges.phase = "drill"
        try:
            Driller(self.exchanges, self._follower(plan), upgrade_body=plan.upgrade_body).run(drills, target)
        except DeadlineReached:
            self.results.notes.append("drills stopped at --max-time")
        for report in self.results.drills:
            if not report.exercised:
                self.results.not_verified(f"drill {report.name} was not exercised: {report.why_not or 'cut'}")
        if not self.results.success_path:
            self.results.not_verified(
                "the success path was not verified: no upgrade reached SUCCESSFUL with the servers "
                "reporting the new version"
            )

    def finish(self) -> None:
        """The lifecycle rules over everything the workflow and the drills sent."""
        self.exchanges.finish()

    def _cut(self, plan: Plan) -> None:
        """Say what the deadline left unverified: the task being followed, the upgrades not sent."""
        task = self.follower.following if self.follower is not None else None
        if task is not None and (task.asked or plan.upgrades_asked) and not task.finished:
            self.results.not_verified(
                f"workflow cut by the deadline: task {task.task_id} ({task.title}) not followed to "
                f"its end, last seen {task.progress} after {task.seconds:.0f} s"
            )
        elif task is not None and task.finished and (task.asked or plan.upgrades_asked):
            self.results.not_verified(
                f"workflow cut by the deadline: task {task.task_id} not confirmed to stay {task.status}"
            )
        followed = {t.task_id for t in self.results.tasks}
        for task_id in plan.task_ids:
            if task_id not in followed:
                self.results.not_verified(f"workflow cut by the deadline: task {task_id} was not read")
        if plan.upgrades_asked:
            for target in plan.upgrades:
                if target not in self._tried:
                    self.results.not_verified(f"workflow cut by the deadline: upgrade of {target} not sent")

    def _read_only(self, plan: Plan) -> list[int]:
        """The task list's first page, each ``--task-id`` followed, a few listed tasks read; the
        listed ids."""
        assert self.follower is not None
        page = self.exchanges.send(
            "tasks", "GET", TASKS_PATH + "?page=1&size=10", title="task list, first page"
        )
        listed = _listed_ids(page)
        logged = False  # one log read of a listed task: the log read checked, little load added
        for task_id in dict.fromkeys([*plan.task_ids, *listed[:LISTED_TASKS]]):
            follow = task_id in plan.task_ids
            report = self.follower.follow(task_id, title=f"task {task_id}", until_done=follow, asked=follow)
            if follow:
                self._asked_task(report)
            elif not logged:
                logged = self.follower.read_a_log(report)
        return listed

    def _asked_task(self, report: TaskReport) -> None:
        """A ``--task-id``: unknown (404) is exit 2; not read or not finished is incomplete."""
        if not report.polls:
            return  # the follower said why
        if not report.finished:
            self.results.not_verified(
                f"task {report.task_id} did not finish: last seen {report.progress} after "
                f"{report.seconds:.0f} s; its end state was not checked"
            )

    def _upgrade(self, target: UpgradeTarget, plan: Plan, prober: Prober) -> None:
        """Read the cluster, upgrade, follow the task, read the cluster again, probe refused states."""
        assert self.follower is not None
        ids = ",".join(map(str, target.obproxy_ids))
        self._tried.add(target)
        before = read_servers(self.exchanges, target.cluster_id, title=f"cluster {target.cluster_id} before")
        answer = self.exchanges.send(
            "upgrade",
            "POST",
            UPGRADE_PATH.format(id=target.cluster_id, obproxyIds=ids),
            body=upgrade_body_of(target, plan.upgrade_body),
            title=f"upgrade of {target}",
            params={"id": target.cluster_id, "obproxyIds": target.obproxy_ids},
        )
        task_id = answer.task_id() if answer is not None and answer.status == 200 else None
        if task_id is None:
            if plan.upgrades_asked:
                self._upgrade_refused(target, answer)
            return
        report = self.follower.follow(
            task_id, title=f"upgrade of {target}", until_done=True, asked=plan.upgrades_asked
        )
        report.package = target.package
        if report.finished:
            title = f"cluster {target.cluster_id} after"
            after = read_servers(self.exchanges, target.cluster_id, title=title)
            report.servers = change(before, after, target.obproxy_ids)
            report.version = running(after, target.obproxy_ids)
        if report.status == SUCCESSFUL and not report.rolled_back:
            self.results.success_path |= report.version is not None
            prober.refused_states(task_id, self.follower.last_task)
        problem = report.problem()
        if plan.upgrades_asked and problem is not None and report.polls and not plan.drilling:
            self.results.not_verified(f"{problem}; the upgrade was not verified")

    def _upgrade_refused(self, target: UpgradeTarget, answer: Reply | None) -> None:
        """The named upgrade did not start a task: 404 says the target does not exist (exit 2)."""
        if answer is None:
            self.results.not_verified(f"upgrade of {target}: kept back by the safety guard, not sent")
            return
        said = answer.message()
        if answer.status == 404:
            self.results.does_not_exist(
                f"the named target does not exist: the upgrade of {target} was refused with 404"
                f"{said}; check --cluster-id, --obproxy-ids and --package"
            )
            return
        self.results.not_verified(
            f"upgrade of {target} was refused with {answer.status}{said}: nothing was upgraded or followed"
        )


def _listed_ids(page: Reply | None) -> list[int]:
    data = page.data if page is not None else None
    contents = data.get("contents") if isinstance(data, dict) else None
    items: Iterator[Any] = iter(contents) if isinstance(contents, list) else iter(())
    return [
        i for i in (task_id_of(item.get("id")) for item in items if isinstance(item, dict)) if i is not None
    ]
