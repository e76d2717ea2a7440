"""A fixed walk over every endpoint that records which rules and checks a mock breaks.

The walk: two upgrades followed to their end (one healthy, one next to a failing server), with
every answer validated and every pair of consecutive snapshots compared; the seeded tasks read
twice; a task list; and the HTTP-level probes a body validator cannot judge (no body, no
credentials, a non-numeric id, fetching the created task). A faithful mock yields nothing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from contracts.mock import MockOCP
from contracts.rules.transitions import check_transition
from tests.mock._support import Api, Reply

#: Enough polls to see a task finish (16 steps) and then be read a few more times.
POLLS = 24


class Findings:
    """Rule or check id → where it was seen."""

    def __init__(self) -> None:
        self.seen: dict[str, list[str]] = defaultdict(list)

    def add(self, rule: str, where: str) -> None:
        self.seen[rule].append(where)

    @property
    def ids(self) -> set[str]:
        return set(self.seen)

    def judge(self, reply: Reply, where: str) -> None:
        for violation in reply.violations(strict=False):
            if violation.is_error:
                self.add(violation.rule, where)
        if reply.status >= 500:
            self.add("http.server-error", where)

    def compare(self, before: Any, after: Any, task_id: int, where: str) -> None:
        for violation in check_transition(before, after, requested_task_id=task_id):
            if violation.is_error:
                self.add(violation.rule, where)


def _follow(api: Api, findings: Findings, cluster: int, ids: str) -> None:
    created = api.upgrade(cluster, ids)
    findings.judge(created, f"POST {cluster}/{ids}")
    if created.status != 200 or not isinstance(created.data, dict):
        return
    task_id, before = created.data["id"], created.data
    for poll in range(1, POLLS + 1):
        reply = api.task(task_id)
        where = f"GET {task_id} poll {poll}"
        findings.judge(reply, where)
        if reply.status == 404:
            findings.add("http.task-not-found-after-create", where)
        if reply.status != 200 or not isinstance(reply.data, dict):
            return
        findings.compare(before, reply.data, task_id, where)
        before = reply.data


def _read_only(api: Api, findings: Findings) -> None:
    for task_id in api.app.seeded_task_ids:
        first, second = api.task(task_id), api.task(task_id)
        findings.judge(first, f"GET seeded {task_id}")
        findings.judge(second, f"GET seeded {task_id} again")
        if first.status == second.status == 200:
            findings.compare(first.data, second.data, task_id, f"GET seeded {task_id} twice")
    findings.judge(api.tasks("size=50"), "GET list")


def _negative(api: Api, findings: Findings) -> None:
    for label, reply in (
        ("no body", api.upgrade(1, "3", body=None)),
        ("blank package", api.upgrade(1, "3", {"shortRpmName": " "})),
        ("id beyond int64", api.upgrade(2**63, "3")),
    ):
        findings.judge(reply, f"POST {label}")
        if reply.status < 300:
            findings.add("http.negative-data-accepted", f"POST {label}")
    unknown = api.upgrade(999, "3")
    findings.judge(unknown, "POST unknown cluster")
    if unknown.status < 300:
        findings.add("http.unknown-id-accepted", "POST unknown cluster")
    findings.judge(api.upgrade("abc", "3"), "POST non-numeric id")
    findings.judge(api.task("abc"), "GET non-numeric id")


def _credentials(api: Api, findings: Findings) -> None:
    for label, auth in (("no credentials", None), ("wrong password", ("admin", "wrong"))):
        reply = api.tasks(auth=auth)
        findings.judge(reply, f"GET list, {label}")
        if reply.status != 401:
            findings.add("http.auth-ignored", f"GET list, {label}")


def explore(app: MockOCP) -> Findings:
    """Walk ``app`` and return what it broke."""
    api = Api(app)
    findings = Findings()
    _credentials(api, findings)
    _read_only(api, findings)
    _follow(api, findings, 1, "1,2")
    _follow(api, findings, 2, "4,5")
    _negative(api, findings)
    return findings
