"""Requests a correct OCP must refuse, and the reads that make them safe to send.

* **Rejection probes** (:func:`probes`) — refused before OCP acts: no or unknown credentials
  (never a real user's wrong password), no body, a blank ``shortRpmName``, non-numeric ids, a
  non-JSON Content-Type. Safe mode sends them all.
* **Absent ids** (:class:`Prober`) — an upgrade of a cluster a read answered 404, an upgrade of
  servers the named cluster's read does not list, and every control call and the log read on a
  task a read answered 404: OCP must answer 404 (20000 for a task); a 2xx is
  ``http.unknown-id-accepted`` (upgrade) or, judged by the lifecycle rules,
  ``control.unknown-id-accepted``, another refusal ``control.refusal-mismatch``. The safety
  guard lets these leave only after it saw the reads itself. Never a guessed id.
* **Refused states** — with ``--allow-upgrade`` and on the run's own finished upgrade only: a
  retry of its SUCCESSFUL task, a skip of a SUCCESSFUL subtask, a cancel of a finished subtask.
  OCP answers 400 with code 20003; the lifecycle rules judge the answer against the task's last
  poll (a 2xx is the call's ``control.*-out-of-state`` rule).

A probe that could not be made is said in ``Results.unexercised``, which the coverage table
shows: never a silent pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests
from requests.auth import AuthBase

from contracts.auth import basic_auth
from contracts.ocp import (
    CLUSTER_PATH,
    LIFECYCLE_ROUTES,
    SUCCESSFUL,
    TASK_PATH,
    TASKS_PATH,
    TERMINAL_SUBTASK,
    UPGRADE_PATH,
    id_or_none,
)
from contracts.run.config import UpgradeTarget
from contracts.run.judging.http_rules import unknown_id_accepted
from contracts.run.phases.exchange import Exchanges, Reply, operation_id

#: Ids tried, in order, as ones the target does not have (offsets from a known one).
ABSENT_OFFSETS = (1_000_000, 100_000_000)
#: A user no OCP has: the wrong-credentials probe never counts against a real account.
PROBE_USER = "ocp-contract-no-such-user"
_PROBE_PACKAGE = "ocp-contract-probe-no-such-package"
#: The control calls, each with the rule a 2xx to it in a refused state breaks.
OUT_OF_STATE = {
    "task-retry": "control.retry-out-of-state",
    "task-rollback": "control.rollback-out-of-state",
    "subtask-retry": "control.subtask-retry-out-of-state",
    "subtask-skip": "control.skip-out-of-state",
    "subtask-cancel": "control.cancel-out-of-state",
}
_TASK_CALLS = ("subtask-log", *OUT_OF_STATE)


class NoAuth(AuthBase):
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
        Probe("task list without credentials", "tasks", "GET", TASKS_PATH, auth=NoAuth()),
        Probe("task list with an unknown user", "tasks", "GET", TASKS_PATH, auth=bogus),
        Probe("upgrade without credentials", "upgrade", "POST", upgrade, blank, auth=NoAuth()),
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


def upgrade_body_of(target: UpgradeTarget, with_body: bool) -> bytes | None:
    """``{"shortRpmName": …}`` for OCP 4.0.3 on, no body before."""
    return b'{"shortRpmName": "%s"}' % target.package.encode("utf-8") if with_body else None


def cluster_servers(exchange: Reply | None) -> list[dict[str, Any]]:
    """The servers a cluster read lists (``data.obproxies``)."""
    data = exchange.data if exchange is not None and exchange.status == 200 else None
    servers = data.get("obproxies") if isinstance(data, dict) else None
    return [item for item in servers if isinstance(item, dict)] if isinstance(servers, list) else []


class Prober:
    """Sends the probes through :class:`Exchanges`; says in ``results.unexercised`` what it could not."""

    def __init__(self, exchanges: Exchanges, *, upgrade_body: bool) -> None:
        self.exchanges = exchanges
        self.upgrade_body = upgrade_body

    def not_made(self, operation: str, why: str) -> None:
        self.exchanges.results.unexercised.setdefault(operation_id(operation), why)

    def rejections(self, items: Iterable[Probe]) -> None:
        for probe in items:
            self.exchanges.send(
                probe.operation,
                probe.method,
                probe.path,
                body=probe.body,
                content_type=probe.content_type,
                auth=probe.auth,
                title=probe.title,
            )

    def read_cluster(self, cluster_id: int, *, title: str) -> Reply | None:
        path = CLUSTER_PATH.format(id=cluster_id)
        return self.exchanges.send("cluster", "GET", path, title=title, params={"id": cluster_id})

    # ------------------------------------------------------------------ absent ids

    def absent_cluster(self, reference: UpgradeTarget) -> None:
        """Prove a cluster id absent by reads, then send the reference's upgrade to it."""
        named = self.read_cluster(reference.cluster_id, title=f"cluster {reference.cluster_id}")
        if named is None or named.status != 200:
            said = "kept back" if named is None else f"answered {named.status}"
            self.not_made(
                "upgrade",
                f"unknown-cluster probe not sent: reading cluster {reference.cluster_id} {said}, "
                "so no read can prove another id absent",
            )
            return
        absent = self._absent(reference.cluster_id, "cluster")
        if absent is None:
            self.not_made("upgrade", "unknown-cluster probe not sent: no cluster id was proven absent")
            return
        ids = ",".join(map(str, reference.obproxy_ids))
        self._upgrade_absent(absent, ids, reference, f"cluster {absent}")
        self.absent_servers(reference, named)

    def absent_servers(self, reference: UpgradeTarget, read: Reply) -> None:
        """Upgrade servers the named cluster's read does not list: OCP must answer 404."""
        listed = {i for i in (id_or_none(s.get("id")) for s in cluster_servers(read)) if i is not None}
        if not listed:
            self.not_made("upgrade", "unknown-server probe not sent: the cluster read lists no server ids")
            return
        absent = max(listed) + ABSENT_OFFSETS[0]
        self._upgrade_absent(reference.cluster_id, str(absent), reference, f"server {absent}")

    def _upgrade_absent(self, cluster: int, ids: str, reference: UpgradeTarget, what: str) -> None:
        self.exchanges.send(
            "upgrade",
            "POST",
            UPGRADE_PATH.format(id=cluster, obproxyIds=ids),
            body=upgrade_body_of(reference, self.upgrade_body),
            title=f"upgrade of {what}, proven absent by a read",
            expect=lambda answer: unknown_id_accepted(what, answer.status),
            params={"id": cluster, "obproxyIds": tuple(int(i) for i in ids.split(","))},
        )

    def absent_task(self, known: Iterable[int]) -> None:
        """Prove a task id absent by a read, then send the log read and every control call on it."""
        calls = [call for call in _TASK_CALLS if self.exchanges.documents(call)]
        if not calls:
            return
        base = max(known, default=1)
        absent = self._absent(base, "task")
        if absent is None:
            for call in calls:
                self.not_made(call, "unknown-task probe not sent: no task id was proven absent by a read")
            return
        for call in calls:
            method, path, _ = LIFECYCLE_ROUTES[call]
            self.exchanges.send(
                call,
                method,
                path.format(taskInstanceId=absent, subtaskInstanceId=1),
                title=f"{call} on task {absent}, proven absent by a read",
                params={"taskInstanceId": absent, "subtaskInstanceId": 1},
            )

    def _absent(self, base: int, kind: str) -> int | None:
        """The first of ``base`` + :data:`ABSENT_OFFSETS` a read answers 404 (the guard and the
        lifecycle rules see it)."""
        for offset in ABSENT_OFFSETS:
            candidate = base + offset
            if kind == "cluster":
                operation, path, params = "cluster", CLUSTER_PATH.format(id=candidate), {"id": candidate}
            else:
                operation, path = "task", TASK_PATH.format(taskInstanceId=candidate)
                params = {"taskInstanceId": candidate}
            read = self.exchanges.send(operation, "GET", path, title=f"{kind} {candidate}", params=params)
            if read is not None and read.status == 404:
                return candidate
        return None

    # ------------------------------------------------------------------ refused states

    def refused_states(self, task_id: int, task: dict[str, Any] | None) -> None:
        """On the run's own SUCCESSFUL task: retry it, skip a SUCCESSFUL subtask, cancel a finished
        one — each must be refused with 400 and code 20003."""
        if not isinstance(task, dict) or task.get("status") != SUCCESSFUL:
            return
        subtasks = [s for s in task.get("subtasks") or () if isinstance(s, dict)]
        done = next((s for s in subtasks if s.get("status") == SUCCESSFUL), None)
        finished = next((s for s in subtasks if s.get("status") in TERMINAL_SUBTASK), None)
        calls: list[tuple[str, Any, str]] = [("task-retry", None, "its SUCCESSFUL task")]
        if done is not None:
            calls.append(("subtask-skip", done.get("id"), f"SUCCESSFUL subtask {done.get('id')}"))
        if finished is not None:
            calls.append(("subtask-cancel", finished.get("id"), f"finished subtask {finished.get('id')}"))
        for call, subtask, what in calls:
            if not self.exchanges.documents(call):
                continue
            method, path, _ = LIFECYCLE_ROUTES[call]
            params = {"taskInstanceId": task_id} | ({} if subtask is None else {"subtaskInstanceId": subtask})
            self.exchanges.send(
                call,
                method,
                path.format(taskInstanceId=task_id, subtaskInstanceId=subtask),
                title=f"{call} of {what} (task {task_id}), which OCP refuses",
                params=params,
            )
