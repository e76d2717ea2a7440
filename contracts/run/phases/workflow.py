"""The project's own stateful step: deterministic requests whose outcome the contract fixes.

Four parts, in order, all through the gate (safety guard and politeness apply):

1. **Rejection probes** — requests a correct OCP must refuse before acting (no or unknown
   credentials — never a real user's wrong password —, no body, a blank ``shortRpmName``,
   non-numeric ids, a non-JSON Content-Type). Safe mode sends them all.
2. **Read-only task checks** — the first page of tasks, every ``--task-id`` and the listed
   tasks, each fetched more than once; a running ``--task-id`` is followed to its end.
3. **An upgrade of a cluster proven absent** (upgrades allowed): sent only after reads prove the
   named cluster present (200) and a far-away id absent (404); any 2xx is
   ``http.unknown-id-accepted``. Never a guessed id.
4. **One followed upgrade per target** (the embedded mock, or ``--allow-upgrade`` with its
   target): ``POST …/upgrade``, then ``GET`` the task until it ends (bounded by ``--max-time``)
   and twice more.

Every answer is judged by :mod:`contracts.run.judging.judge`. What could not be verified goes to
``Results.incomplete`` (exit 3), a named target or ``--task-id`` answered 404 to
``Results.unusable`` (exit 2). Before OCP 4.0.3 (no upgrade body) the upgrade is sent without
one and the body probes are left out: such an OCP must refuse none of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests
from requests.auth import AuthBase

from contracts.auth import basic_auth, curl_command
from contracts.ocp import CLUSTER_PATH, FAILED, ROLLBACK, TASK_PATH, TASKS_PATH, UPGRADE_PATH
from contracts.run.config import UpgradeTarget
from contracts.run.judging import judge
from contracts.run.judging.history import TaskHistory, task_id_of
from contracts.run.judging.http_rules import unknown_id_accepted
from contracts.run.judging.results import Finding, Results, TaskReport
from contracts.run.profile import RunProfile, run_profile
from contracts.run.wire.politeness import (
    MIN_REQUEST_WINDOW,
    PROGRESS_EVERY,
    Deadline,
    DeadlineReached,
    Say,
)
from contracts.run.wire.rejection import WireRequest
from contracts.run.wire.safety import UpgradeBlocked
from contracts.validate import UnfaithfulBody, parse_body
from contracts.violations import Violation

#: Cluster ids tried, in order, as one the target does not have (offsets from the named one).
ABSENT_CLUSTER_OFFSETS = (1_000_000, 100_000_000)
#: A user no OCP has: the wrong-credentials probe never counts against a real account.
PROBE_USER = "ocp-contract-no-such-user"
_PROBE_PACKAGE = "ocp-contract-probe-no-such-package"
#: Listed tasks fetched in detail by the read-only checks.
LISTED_TASKS = 3
#: Polls after a task finished, to see that it stays finished.
CONFIRMATIONS = 2


class _NoAuth(AuthBase):
    """Sends no ``Authorization`` at all (a request's auth overrides the session's)."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers.pop("Authorization", None)
        return r


@dataclass(frozen=True)
class Probe:
    """One request a correct OCP must refuse."""

    title: str
    operation: str
    method: str
    path: str
    body: bytes | None = None
    content_type: str | None = "application/json"
    auth: AuthBase | None = None


def probes(target: UpgradeTarget | None, *, upgrade_body: bool = True) -> tuple[Probe, ...]:
    """The rejection probes; upgrade probes name ``target``'s ids (or 1) but can never act.

    ``upgrade_body=False`` (OCP before 4.0.3): upgrade probes carry no body, and those that are
    refused only for their body are left out.
    """
    cluster = target.cluster_id if target else 1
    ids = ",".join(map(str, target.obproxy_ids)) if target else "1"
    upgrade = UPGRADE_PATH.format(id=cluster, obproxyIds=ids)
    bogus = basic_auth(PROBE_USER, "not-a-password")
    blank = b'{"shortRpmName": ""}' if upgrade_body else None
    named = b'{"shortRpmName": "%s"}' % _PROBE_PACKAGE.encode() if upgrade_body else None
    body_probes = (
        Probe("upgrade without a body", "upgrade", "POST", upgrade, b""),
        Probe("upgrade with a blank shortRpmName", "upgrade", "POST", upgrade, b'{"shortRpmName": "  "}'),
        Probe(
            "upgrade with a text/plain body",
            "upgrade",
            "POST",
            upgrade,
            b"shortRpmName=" + _PROBE_PACKAGE.encode(),
            content_type="text/plain",
        ),
    )
    return (
        Probe("task list without credentials", "tasks", "GET", TASKS_PATH, auth=_NoAuth()),
        Probe("task list with an unknown user", "tasks", "GET", TASKS_PATH, auth=bogus),
        Probe("upgrade without credentials", "upgrade", "POST", upgrade, blank, auth=_NoAuth()),
        Probe(
            "upgrade of cluster id 'abc'",
            "upgrade",
            "POST",
            UPGRADE_PATH.format(id="abc", obproxyIds=ids),
            named,
        ),
        *(body_probes if upgrade_body else ()),
        Probe("task 'abc'", "task", "GET", TASK_PATH.format(taskInstanceId="abc")),
    )


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


class Workflow:
    """Runs a :class:`Plan` against one base URL with one session, recording into :class:`Results`."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        results: Results,
        *,
        strict: bool,
        known: Any,
        deadline: Deadline,
        profile: RunProfile | None = None,
        sleep: Callable[[float], None] = time.sleep,
        say: Say | None = None,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.results = results
        self.strict = strict
        self.known = known
        self.deadline = deadline
        self.profile = profile if profile is not None else run_profile()
        self.history = TaskHistory()
        self._sleep = sleep
        self._say = say
        self._following: TaskReport | None = None
        self._tried: set[UpgradeTarget] = set()

    # ------------------------------------------------------------------ the plan

    def run(self, plan: Plan) -> None:
        """Probes, read-only checks, then the upgrades; stops quietly at the deadline."""
        try:
            for probe in plan.probes:
                self._send(
                    probe.operation,
                    probe.method,
                    probe.path,
                    body=probe.body,
                    content_type=probe.content_type,
                    auth=probe.auth,
                    title=probe.title,
                )
            self._read_only(plan)
            if plan.upgrades:
                self._absent_cluster(plan.upgrades[0], plan)
            for target in plan.upgrades:
                self._upgrade(target, plan)
        except DeadlineReached:
            self.results.notes.append("workflow stopped at --max-time")
            self._cut(plan)

    def _cut(self, plan: Plan) -> None:
        """Say what the deadline left unverified: the task being followed, the upgrades not sent."""
        task = self._following
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

    def _read_only(self, plan: Plan) -> None:
        listed = self._send("tasks", "GET", TASKS_PATH + "?page=1&size=10", title="task list, first page")
        for task_id in dict.fromkeys([*plan.task_ids, *_listed_ids(listed)[:LISTED_TASKS]]):
            follow = task_id in plan.task_ids
            report = self._follow(task_id, plan, title=f"task {task_id}", until_done=follow)
            if follow:
                self._asked_task(report)

    def _asked_task(self, report: TaskReport) -> None:
        """A ``--task-id``: unknown (404) is exit 2; not read or not finished is incomplete."""
        if not report.polls:
            return  # _follow said why
        if not report.finished:
            self.results.not_verified(
                f"task {report.task_id} did not finish: last seen {report.progress} after "
                f"{report.seconds:.0f} s; its end state was not checked"
            )

    def _absent_cluster(self, target: UpgradeTarget, plan: Plan) -> None:
        """Prove a cluster id absent by reads, then send the named upgrade to it: it must be refused."""
        named = self._read(CLUSTER_PATH.format(id=target.cluster_id))
        if named != 200:
            self.results.notes.append(
                f"unknown-cluster probe not sent: reading cluster {target.cluster_id} answered "
                f"{named}, so no read can prove another id absent"
            )
            return
        absent = next(
            (
                target.cluster_id + offset
                for offset in ABSENT_CLUSTER_OFFSETS
                if self._read(CLUSTER_PATH.format(id=target.cluster_id + offset)) == 404
            ),
            None,
        )
        if absent is None:
            self.results.notes.append("unknown-cluster probe not sent: no cluster id was proven absent")
            return
        ids = ",".join(map(str, target.obproxy_ids))
        body = b'{"shortRpmName": "%s"}' % target.package.encode("utf-8") if plan.upgrade_body else None
        self._send(
            "upgrade",
            "POST",
            UPGRADE_PATH.format(id=absent, obproxyIds=ids),
            body=body,
            title=f"upgrade of cluster {absent}, proven absent by a read",
            absent=f"cluster {absent}",
        )

    def _read(self, path: str) -> int | None:
        """The status of a read outside the contract (not judged, not counted as a case)."""
        if not self.deadline.allows(MIN_REQUEST_WINDOW):
            raise self.deadline.reached("the workflow's requests")
        try:
            return self.session.get(self.base_url + path).status_code
        except UpgradeBlocked:  # pragma: no cover - a read is never kept back
            return None

    def _upgrade(self, target: UpgradeTarget, plan: Plan) -> None:
        ids = ",".join(map(str, target.obproxy_ids))
        body = b'{"shortRpmName": "%s"}' % target.package.encode("utf-8") if plan.upgrade_body else None
        self._tried.add(target)
        response = self._send(
            "upgrade",
            "POST",
            UPGRADE_PATH.format(id=target.cluster_id, obproxyIds=ids),
            body=body,
            title=f"upgrade of {target}",
        )
        task_id = _task_id(response) if response is not None and response.status_code == 200 else None
        if task_id is None:
            if plan.upgrades_asked:
                self._upgrade_refused(target, response)
            return
        report = self._follow(
            task_id, plan, title=f"upgrade of {target}", until_done=True, asked=plan.upgrades_asked
        )
        problem = report.problem()
        if plan.upgrades_asked and problem is not None and report.polls:
            self.results.not_verified(f"{problem}; the upgrade was not verified")

    def _upgrade_refused(self, target: UpgradeTarget, response: requests.Response | None) -> None:
        """The named upgrade did not start a task: 404 says the target does not exist (exit 2)."""
        if response is None:
            self.results.not_verified(f"upgrade of {target}: kept back by the safety guard, not sent")
            return
        said = _message(response)
        if response.status_code == 404:
            self.results.does_not_exist(
                f"the named target does not exist: the upgrade of {target} was refused with 404"
                f"{said}; check --cluster-id, --obproxy-ids and --package"
            )
            return
        self.results.not_verified(
            f"upgrade of {target} was refused with {response.status_code}{said}: nothing was upgraded "
            "or followed"
        )

    def _follow(
        self, task_id: int, plan: Plan, *, title: str, until_done: bool, asked: bool = False
    ) -> TaskReport:
        """GET the task until it is finished (or once), then :data:`CONFIRMATIONS` more times."""
        report = TaskReport(task_id, title, asked=asked or task_id in plan.task_ids)
        if until_done:
            self.results.tasks.append(report)
            self._following = report
        started = time.monotonic()
        trail_done, confirmations, said = False, 0, 0.0
        for poll in range(plan.max_polls):
            response = self._send(
                "task", "GET", TASK_PATH.format(taskInstanceId=task_id), title=f"{title}, poll {poll + 1}"
            )
            report.seconds = time.monotonic() - started
            if response is None or response.status_code != 200:
                self._unreadable(report, response)
                self._following = None
                return report
            _observe(report, response)
            trail_done = trail_done or report.finished or not until_done
            due = poll == 0 or report.seconds - said >= PROGRESS_EVERY or trail_done
            if until_done and due and confirmations == 0:
                self._progress(report)
                said = report.seconds
            if trail_done:
                confirmations += 1
                if confirmations > CONFIRMATIONS:
                    break
            elif plan.poll_interval:
                said = self._wait(plan.poll_interval, report, started, said)
        self._following = None
        return report

    def _unreadable(self, report: TaskReport, response: requests.Response | None) -> None:
        if not report.asked:
            return
        if response is not None and response.status_code == 404 and not report.polls:
            self.results.does_not_exist(
                f"task {report.task_id} is unknown to the target (404){_message(response)}; check --task-id"
            )
        elif response is not None:
            self.results.not_verified(
                f"task {report.task_id} ({report.title}) could not be read: {response.status_code}"
                f"{_message(response)}"
            )

    def _progress(self, report: TaskReport) -> None:
        if self._say is not None:
            self._say(f"    task {report.task_id} {report.progress}, {report.seconds:.0f} s")

    def _wait(self, seconds: float, report: TaskReport, started: float, said: float) -> float:
        """Sleep between polls, never past the deadline, saying progress at least every 5 s."""
        if not self.deadline.allows(seconds + MIN_REQUEST_WINDOW):
            raise self.deadline.reached(f"task {report.task_id} not followed to its end")
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

    # ------------------------------------------------------------------ one exchange

    def _send(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        title: str,
        body: bytes | None = None,
        content_type: str | None = "application/json",
        auth: AuthBase | None = None,
        absent: str | None = None,
    ) -> requests.Response | None:
        """Send and judge one request; ``absent`` names what it upgrades that a read proved absent."""
        if not self.deadline.allows(MIN_REQUEST_WINDOW):
            raise self.deadline.reached("the workflow's requests")
        headers = {"Content-Type": content_type} if body is not None and content_type else {}
        started = time.perf_counter()
        try:
            response = self.session.request(
                method, self.base_url + path, data=body, headers=headers, auth=auth
            )
        except UpgradeBlocked:
            return None  # the guard recorded it; it is reported as kept back, not as a result
        self.results.count_case("workflow")
        self._judge(operation, response, title, time.perf_counter() - started, absent=absent)
        return response

    def _judge(
        self,
        operation: str,
        response: requests.Response,
        title: str,
        elapsed: float,
        *,
        absent: str | None = None,
    ) -> None:
        observed = judge.Observed(
            operation,
            WireRequest.from_prepared(response.request),
            response.status_code,
            dict(response.headers),
            response.content,
        )
        verdicts = {
            judge.CONTRACT: judge.contract(observed, strict=self.strict, spec=self.profile.spec),
            judge.HTTP: judge.http(observed, known=self.known, upgrade_body=self.profile.upgrade_body),
            judge.TRANSITIONS: judge.transitions(observed, self.history),
        }
        if absent is not None:
            verdicts[judge.HTTP] += list(unknown_id_accepted(absent, response.status_code))
        curl = _curl(response.request)
        for check, found in verdicts.items():
            if not judge.applies(check, operation):
                continue
            self._record(operation, check, title, found, curl, elapsed)

    def _record(
        self, operation: str, check: str, title: str, found: list[Violation], curl: str, elapsed: float
    ) -> None:
        errors = tuple(v for v in found if v.is_error)
        self.results.warnings.update((operation, v.rule) for v in found if not v.is_error)
        if errors:
            self.results.failed(Finding(operation, check, "workflow", title, errors, curl), elapsed=elapsed)
        else:
            self.results.passed(operation, check, elapsed=elapsed)


def _curl(request: requests.PreparedRequest) -> str:
    body = request.body if isinstance(request.body, bytes | str) else None
    return curl_command(request.method or "GET", request.url or "", dict(request.headers), body)


def _json(response: requests.Response | None) -> Any:
    """The body read as the judges read it (``None`` when it cannot be: they report why)."""
    if response is None:
        return None
    try:
        return parse_body(response.content)
    except UnfaithfulBody:
        return None


def _task_id(response: requests.Response) -> int | None:
    body = _json(response)
    data = body.get("data") if isinstance(body, dict) else None
    return task_id_of(data.get("id")) if isinstance(data, dict) else None


def _listed_ids(response: requests.Response | None) -> list[int]:
    body = _json(response)
    data = body.get("data") if isinstance(body, dict) else None
    contents = data.get("contents") if isinstance(data, dict) else None
    items: Iterator[Any] = iter(contents) if isinstance(contents, list) else iter(())
    return [
        i for i in (task_id_of(item.get("id")) for item in items if isinstance(item, dict)) if i is not None
    ]


def _message(response: requests.Response) -> str:
    """`` ("Resource not found: …")`` — OCP's error message, if the body carries one."""
    body = _json(response)
    error = body.get("error") if isinstance(body, dict) else None
    text = error.get("message") if isinstance(error, dict) else None
    return f" ({str(text)[:200]!r})" if text else ""


_FAILURE_KEYS = ("message", "errorMessage", "failureMessage", "log")


def _observe(report: TaskReport, response: requests.Response) -> None:
    """Note one poll: the task's status, each subtask's status, the failing one and its message."""
    body = _json(response)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        report.polls.append("unreadable")
        return
    report.polls.append(str(data.get("status", "unknown")))
    subtasks = data.get("subtasks")
    items: list[Any] = subtasks if isinstance(subtasks, list) else []
    report.subtasks = {}
    report.rolled_back = False
    for item in items:
        if not isinstance(item, dict):
            continue
        name = f"{item.get('id')} {item.get('name', '')}".strip()
        report.subtasks[name] = str(item.get("status", "unknown"))
        report.rolled_back = report.rolled_back or item.get("operation") == ROLLBACK
        if item.get("status") == FAILED and report.failed_subtask is None:
            report.failed_subtask = name
            said = next((item[k] for k in _FAILURE_KEYS if isinstance(item.get(k), str) and item[k]), None)
            description = str(item.get("description") or "")
            report.message = said or (description if description != item.get("name") else None)
