"""Control calls (task retry and rollback, subtask retry, skip and cancel) at the transport level.

Each request goes through the gate on ``requests.Session.send`` to a ``responses`` server: what
the guard lets through reaches the route, what it blocks never does. Without ``--allow-upgrade``
no control call leaves but on a task a read answered 404; with it, only on tasks the run's own
upgrade created — never on another task, a ``--task-id`` included.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import responses

from contracts.auth import Credentials as Known
from contracts.auth import basic_auth
from contracts.run.config import UpgradeTarget
from contracts.run.wire.gate import Gate, installed
from contracts.run.wire.politeness import Deadline, Politeness
from contracts.run.wire.rejection import Kind, WireRequest, assess, credentials_of
from contracts.run.wire.safety import Mode, Policy, SafetyGuard, UpgradeBlocked

BASE = "https://ocp.example.test"
AUTH = basic_auth("u", "p")
KNOWN = Known({"u": "p"})
TARGET = UpgradeTarget(7, (3, 4), "obproxy-ce-4.2.3.0-1")
CONTROL = {
    "task-retry": "/api/v2/tasks/instances/{t}/retry",
    "task-rollback": "/api/v2/tasks/instances/{t}/rollback",
    "subtask-retry": "/api/v2/tasks/instances/{t}/subtasks/9/retry",
    "subtask-skip": "/api/v2/tasks/instances/{t}/subtasks/9/skip",
    "subtask-cancel": "/api/v2/tasks/instances/{t}/subtasks/9/cancel",
}
UPGRADE = BASE + "/api/v2/obproxy/clusters/7/obproxies/3,4/upgrade"


def _gate(policy: Policy) -> Gate:
    politeness = Politeness(rate=None, timeout=3.0, deadline=Deadline(None), sleep=lambda _: None)
    return Gate(guard=SafetyGuard(policy), politeness=politeness)


@pytest.fixture
def ocp() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def _routes(ocp: responses.RequestsMock, task: int) -> dict[str, responses.BaseResponse]:
    return {
        name: ocp.add(responses.POST, BASE + path.format(t=task), json={"status": 200, "data": None})
        for name, path in CONTROL.items()
    }


def _send_all(task: int) -> dict[str, bool]:
    """Each control call on ``task``: whether it left (else the guard raised)."""
    left = {}
    for name, path in CONTROL.items():
        try:
            requests.post(BASE + path.format(t=task), auth=AUTH)
            left[name] = True
        except UpgradeBlocked:
            left[name] = False
    return left


def test_every_control_call_is_of_its_own_kind() -> None:
    for name, path in CONTROL.items():
        request = requests.Request("POST", BASE + path.format(t=5), auth=AUTH).prepare()
        wire = WireRequest.from_prepared(request)
        assessment = assess(wire, credentials_of(wire, KNOWN))
        assert assessment.kind is Kind.CONTROL, name
        assert assessment.control is not None and assessment.control.route == name
        assert assessment.control.task_id == "5"
    log = WireRequest("GET", BASE + "/api/v2/tasks/instances/5/subtasks/9/log", {}, None)
    assert assess(log, credentials_of(log, KNOWN)).kind is Kind.READ_ONLY


@pytest.mark.parametrize("mode", [Mode.SAFE, Mode.PERMIT_TARGET])
def test_no_control_call_leaves_on_a_task_the_run_did_not_create(
    ocp: responses.RequestsMock, mode: Mode
) -> None:
    routes = _routes(ocp, 5)
    gate = _gate(Policy(mode, TARGET if mode is Mode.PERMIT_TARGET else None, KNOWN))
    with installed(gate):
        assert _send_all(5) == dict.fromkeys(CONTROL, False)
    assert all(route.call_count == 0 for route in routes.values())
    assert len(gate.guard.blocked) == len(CONTROL)
    assert all("retry, roll back, skip or cancel" in b.reason for b in gate.guard.blocked)


def test_a_control_call_leaves_on_a_task_a_read_proved_absent_and_only_then(
    ocp: responses.RequestsMock,
) -> None:
    for task, status in ((1000005, 404), (6, 200), (8, 500)):
        ocp.add(
            responses.GET, f"{BASE}/api/v2/tasks/instances/{task}", status=status, json={"status": status}
        )
    absent, present, failing = _routes(ocp, 1000005), _routes(ocp, 6), _routes(ocp, 8)
    gate = _gate(Policy(Mode.SAFE, known=KNOWN))
    with installed(gate):
        assert _send_all(1000005) == dict.fromkeys(CONTROL, False), "not before the read"
        for task in (1000005, 6, 8):
            requests.get(f"{BASE}/api/v2/tasks/instances/{task}", auth=AUTH)
        assert _send_all(1000005) == dict.fromkeys(CONTROL, True)
        assert _send_all(6) == dict.fromkeys(CONTROL, False), "a task that exists"
        assert _send_all(8) == dict.fromkeys(CONTROL, False), "a 500 proves nothing"
        with pytest.raises(UpgradeBlocked):  # another spelling of the id is not what was read
            requests.post(f"{BASE}/api/v2/tasks/instances/01000005/retry", auth=AUTH)
    assert all(route.call_count == 1 for route in absent.values())
    assert all(route.call_count == 0 for route in (*present.values(), *failing.values()))


def test_with_allow_upgrade_control_calls_leave_only_on_the_task_its_upgrade_created(
    ocp: responses.RequestsMock,
) -> None:
    ocp.add(responses.POST, UPGRADE, json={"status": 200, "data": {"id": 77, "status": "RUNNING"}})
    own, other = _routes(ocp, 77), _routes(ocp, 78)
    gate = _gate(Policy(Mode.PERMIT_TARGET, TARGET, KNOWN))
    with installed(gate):
        assert _send_all(77) == dict.fromkeys(CONTROL, False), "not before the upgrade answered"
        requests.post(UPGRADE, json={"shortRpmName": TARGET.package}, auth=AUTH)
        assert _send_all(77) == dict.fromkeys(CONTROL, True)
        assert _send_all(78) == dict.fromkeys(CONTROL, False), "a --task-id or any other task"
    assert gate.guard.own_tasks == frozenset({"77"})
    assert all(route.call_count == 1 for route in own.values())
    assert all(route.call_count == 0 for route in other.values())


def test_safe_mode_learns_no_task_of_its_own(ocp: responses.RequestsMock) -> None:
    """A faulty OCP that serves a rejection probe with a task gives the run no task to control."""
    url = BASE + "/api/v2/obproxy/clusters/7/obproxies/3,4/upgrade"
    ocp.add(responses.POST, url, json={"status": 200, "data": {"id": 77}})
    routes = _routes(ocp, 77)
    gate = _gate(Policy(Mode.SAFE, known=KNOWN))
    with installed(gate):
        requests.post(url, data=b"", headers={"Content-Type": "application/json"}, auth=AUTH)
        assert _send_all(77) == dict.fromkeys(CONTROL, False)
    assert gate.guard.own_tasks == frozenset()
    assert all(route.call_count == 0 for route in routes.values())


def test_certain_refusals_leave_and_overrides_do_not_hide_a_control_call(
    ocp: responses.RequestsMock,
) -> None:
    no_auth = ocp.add(responses.POST, BASE + "/api/v2/tasks/instances/5/retry", json={"status": 401})
    malformed = ocp.add(responses.POST, BASE + "/api/v2/tasks/instances/abc/rollback", json={"status": 400})
    overridden = ocp.add(responses.GET, BASE + "/api/v2/tasks/instances/5/subtasks/9/skip", json={})
    gate = _gate(Policy(Mode.SAFE, known=KNOWN))
    with installed(gate):
        requests.post(BASE + "/api/v2/tasks/instances/5/retry")  # no credentials: 401 is certain
        requests.post(BASE + "/api/v2/tasks/instances/abc/rollback", auth=AUTH)  # not a Long: 400
        with pytest.raises(UpgradeBlocked):
            requests.get(
                BASE + "/api/v2/tasks/instances/5/subtasks/9/skip",
                headers={"X-HTTP-Method-Override": "POST"},
                auth=AUTH,
            )
    assert (no_auth.call_count, malformed.call_count, overridden.call_count) == (1, 1, 0)


def test_a_read_only_run_probes_absent_servers_and_clusters_of_its_reference(
    ocp: responses.RequestsMock,
) -> None:
    cluster = {"status": 200, "data": {"id": 7, "obproxies": [{"id": 3}, {"id": 4}]}}
    ocp.add(responses.GET, BASE + "/api/v2/obproxy/clusters/7", json=cluster)
    ocp.add(responses.GET, BASE + "/api/v2/obproxy/clusters/1000007", status=404, json={"status": 404})
    body = {"shortRpmName": TARGET.package}
    absent_servers = ocp.add(
        responses.POST, BASE + "/api/v2/obproxy/clusters/7/obproxies/1000004/upgrade", status=404, json={}
    )
    mixed = ocp.add(responses.POST, BASE + "/api/v2/obproxy/clusters/7/obproxies/3,1000004/upgrade", json={})
    absent_cluster = ocp.add(
        responses.POST, BASE + "/api/v2/obproxy/clusters/1000007/obproxies/3,4/upgrade", status=404, json={}
    )
    gate = _gate(Policy(Mode.SAFE, known=KNOWN, probe_target=TARGET))
    with installed(gate):
        with pytest.raises(UpgradeBlocked):
            requests.post(BASE + "/api/v2/obproxy/clusters/7/obproxies/1000004/upgrade", json=body, auth=AUTH)
        requests.get(BASE + "/api/v2/obproxy/clusters/7", auth=AUTH)
        requests.get(BASE + "/api/v2/obproxy/clusters/1000007", auth=AUTH)
        requests.post(BASE + "/api/v2/obproxy/clusters/7/obproxies/1000004/upgrade", json=body, auth=AUTH)
        requests.post(BASE + "/api/v2/obproxy/clusters/1000007/obproxies/3,4/upgrade", json=body, auth=AUTH)
        with pytest.raises(UpgradeBlocked):  # one of them is listed: it could be upgraded
            requests.post(
                BASE + "/api/v2/obproxy/clusters/7/obproxies/3,1000004/upgrade", json=body, auth=AUTH
            )
        with pytest.raises(UpgradeBlocked):  # the named servers themselves: never in safe mode
            requests.post(UPGRADE, json=body, auth=AUTH)
    assert (absent_servers.call_count, absent_cluster.call_count, mixed.call_count) == (1, 1, 0)
