"""The gate on ``requests.Session.send``: every session passes it; it blocks, paces, retries after
429, records with credentials masked, and stops everything after our credentials are refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from contracts.auth import Credentials as Known
from contracts.auth import basic_auth
from contracts.run.wire.gate import CredentialsRejected, Gate, active_gate, installed
from contracts.run.wire.politeness import Deadline, DeadlineReached, Politeness
from contracts.run.wire.safety import Mode, Policy, SafetyGuard, UpgradeBlocked
from contracts.run.wire.target import Identity, Target, session_for

BASE = "https://ocp.example.test"
TASKS = BASE + "/api/v2/tasks/instances"
UPGRADE = BASE + "/api/v2/obproxy/clusters/1/obproxies/1/upgrade"
AUTH = basic_auth("u", "p-secret")


def make_gate(*, max_time: float | None = None, slept: list[float] | None = None) -> Gate:
    sleeps = slept if slept is not None else []
    politeness = Politeness(rate=None, timeout=3.0, deadline=Deadline(max_time), sleep=sleeps.append)
    return Gate(guard=SafetyGuard(Policy(Mode.SAFE, known=Known({"u": "p-secret"}))), politeness=politeness)


@pytest.fixture
def ocp() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def test_every_session_passes_the_gate_and_is_recorded_masked(ocp: responses.RequestsMock) -> None:
    ocp.add(responses.GET, TASKS, json={"status": 200})
    gate = make_gate()
    with installed(gate):
        assert active_gate() is gate
        requests.get(TASKS, auth=AUTH)
        requests.Session().get(TASKS, auth=AUTH)
    assert active_gate() is None
    assert len(gate.log) == 2
    assert gate.log.items[0].request_headers["Authorization"] == "Basic ***"


def test_a_blocked_request_never_reaches_the_server(ocp: responses.RequestsMock) -> None:
    route = ocp.add(responses.POST, UPGRADE, json={"status": 200})
    gate = make_gate()
    with installed(gate), pytest.raises(UpgradeBlocked):
        requests.post(UPGRADE, json={"shortRpmName": "obproxy-1"}, auth=AUTH)
    assert route.call_count == 0
    assert len(gate.guard.blocked) == 1


def test_429_is_waited_out_and_retried(ocp: responses.RequestsMock) -> None:
    ocp.add(responses.GET, TASKS, status=429, headers={"RateLimit-Reset": "2"}, json={"status": 429})
    ocp.add(responses.GET, TASKS, json={"status": 200})
    slept: list[float] = []
    gate = make_gate(slept=slept)
    with installed(gate):
        response = requests.get(TASKS, auth=AUTH)
    assert response.status_code == 200
    assert slept == [2.0]
    assert [e.status for e in gate.log.items] == [429, 200]


def test_429_beyond_the_deadline_is_returned(ocp: responses.RequestsMock) -> None:
    ocp.add(responses.GET, TASKS, status=429, headers={"Retry-After": "50"}, json={"status": 429})
    gate = make_gate(max_time=10.0)
    with installed(gate):
        assert requests.get(TASKS, auth=AUTH).status_code == 429


def test_the_timeout_is_forced_on_every_request() -> None:
    seen: dict[str, Any] = {}

    def send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        seen.update(kwargs)
        response = requests.Response()
        response.status_code, response._content, response.request = 200, b"{}", request
        return response

    prepared = requests.Request("GET", TASKS, auth=AUTH).prepare()
    make_gate().send(prepared, send, timeout=None)
    assert seen["timeout"] == 3.0


def test_a_401_to_our_credentials_stops_everything(ocp: responses.RequestsMock) -> None:
    ocp.add(responses.GET, TASKS, status=401, json={"status": 401})
    gate = make_gate()
    gate.watch.known = Known({"u": "p-secret"})
    with installed(gate):
        requests.get(TASKS)  # no credentials: a 401 is the right answer
        assert gate.watch.message is None
        requests.get(TASKS, auth=AUTH)
        assert gate.watch.message is not None and "refused our credentials (401)" in gate.watch.message
        with pytest.raises(CredentialsRejected):
            requests.get(TASKS, auth=AUTH)


def test_runs_do_not_nest_and_send_is_restored() -> None:
    original = requests.Session.send
    with installed(make_gate()), pytest.raises(RuntimeError, match="do not nest"), installed(make_gate()):
        pass  # pragma: no cover
    assert requests.Session.send is original


def test_the_workflow_session_keeps_no_cookies(ocp: responses.RequestsMock) -> None:
    ocp.add(responses.GET, TASKS, json={"status": 200}, headers={"Set-Cookie": "JSESSIONID=abc; Path=/"})
    session = session_for(Target(BASE, True), Identity(AUTH, Known({"u": "p-secret"}), "u", "Basic"))
    session.get(TASKS)
    second = session.get(TASKS)
    assert "Cookie" not in second.request.headers


def test_a_request_timed_out_because_the_deadline_shortened_it_was_cut_not_lost() -> None:
    def send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        raise requests.exceptions.ReadTimeout("Read timed out.")

    gate = make_gate(max_time=1.0)  # a 3 s request timeout, cut to what is left
    prepared = requests.Request("GET", TASKS, auth=AUTH).prepare()
    with pytest.raises(DeadlineReached):
        gate.send(prepared, send)
    assert gate.tripwire.error is None, "not a connection problem"
    assert gate.politeness.deadline.cut == "a request cut short"


def test_a_timeout_within_the_full_request_timeout_is_still_a_network_error() -> None:
    def send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        raise requests.exceptions.ReadTimeout("Read timed out.")

    gate = make_gate(max_time=None)
    prepared = requests.Request("GET", TASKS, auth=AUTH).prepare()
    with pytest.raises(requests.exceptions.ReadTimeout):
        gate.send(prepared, send)
