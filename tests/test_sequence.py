"""``validate --sequence`` and ``contracts.check_sequence``: a saved sequence judged across polls.

The HARs here are written by the run's own HAR writer, so the reader is proven against the
format ``run --report-dir`` produces, not against a copy of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

import contracts
from contracts.cli import main
from contracts.mock import FAULTS
from contracts.ocp import LIFECYCLE_ROUTES
from contracts.run.reporting.har import render
from contracts.run.reporting.redaction import Redactor
from contracts.run.wire.gate import RecordedExchange
from contracts.sequence import Exchange, check_sequence, exchanges_from_har, route_of, task_polls
from contracts.spec import SHORT_NAMES, load_spec
from contracts.violations import UsageError
from tests.rules.test_lifecycle import (
    FAILED_TASK,
    RETRIED_ANSWER,
    RETRIED_DONE,
    RETRIED_RUNNING,
    SUCCESSFUL_TASK,
    TASK,
)

BASE = "http://127.0.0.1:8080"
TASK_URL = f"{BASE}/api/v2/tasks/instances/{TASK}"


def envelope(data: object = None, status: int = 200, code: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "duration": 5,
        "server": "ocp-node-1",
        "status": status,
        "successful": 200 <= status < 300,
        "timestamp": "2021-09-03T16:31:58.151+08:00",
        "traceId": "0123456789abcdef",
    }
    if data is not None:
        body["data"] = data
    if code is not None:
        body["error"] = {"code": code, "message": "This operation is not supported"}
    return body


def recorded(
    method: str, url: str, status: int, body: object, request_body: bytes | None = None
) -> RecordedExchange:
    return RecordedExchange(
        started=0.0,
        elapsed=0.01,
        method=method,
        url=url,
        request_headers={"Content-Type": "application/json"},
        request_body=request_body,
        status=status,
        response_headers={"Content-Type": "application/json"},
        response_body=json.dumps(body).encode(),
    )


def poll(task: object) -> RecordedExchange:
    return recorded("GET", TASK_URL, 200, envelope(task))


def retry(status: int = 200, data: object = None, code: int | None = None) -> RecordedExchange:
    return recorded("POST", TASK_URL + "/retry", status, envelope(data, status, code))


def har(tmp_path: Path, *exchanges: RecordedExchange) -> Path:
    path = tmp_path / "exchanges.har"
    path.write_bytes(render(exchanges, Redactor([])))
    return path


def _rules(output: str) -> list[str]:
    return [v["rule"] for v in json.loads(output)["violations"]]


def test_a_har_with_a_retry_that_re_opens_conforms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = har(
        tmp_path, poll(FAILED_TASK), retry(data=RETRIED_ANSWER), poll(RETRIED_RUNNING), poll(RETRIED_DONE)
    )
    assert main(["validate", "--sequence", str(path)]) == 0
    out = capsys.readouterr().out
    assert "a sequence of 4 exchange(s) conforms: 0 error(s)" in out


def test_a_har_where_a_failed_task_runs_again_unasked_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The task shows operation RETRY, but no retry was sent: the record holds every call."""
    path = har(tmp_path, poll(FAILED_TASK), poll(RETRIED_RUNNING))
    assert main(["validate", "--sequence", str(path), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(v["rule"], v["exchange"], v["pointer"]) for v in report["violations"]] == [
        ("transition.task-left-terminal", 2, "/data/status")
    ]
    assert report["conforms"] is False


def test_a_har_with_a_retry_of_a_successful_task_accepted_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = har(tmp_path, poll(SUCCESSFUL_TASK), retry(data=SUCCESSFUL_TASK))
    assert main(["validate", "--sequence", str(path)]) == 1
    out = capsys.readouterr().out
    assert "exchange 2 (POST /api/v2/tasks/instances/33149/retry → 200):" in out
    assert "[control.retry-out-of-state]" in out
    assert "does not conform: 1 error(s)" in out


def test_each_exchange_is_also_judged_as_one_body(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = poll(FAILED_TASK | {"status": "DONE"})
    path = har(tmp_path, poll(FAILED_TASK), broken)
    assert main(["validate", "--sequence", str(path), "--format", "json"]) == 1
    assert "schema.enum" in _rules(capsys.readouterr().out)


def test_task_bodies_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without the calls, a re-opening is judged by the operation the bodies show."""
    files = []
    for index, task in enumerate([FAILED_TASK, RETRIED_RUNNING, RETRIED_DONE]):
        files.append(tmp_path / f"{index}.json")
        files[-1].write_text(json.dumps(envelope(task)))
    assert main(["validate", "--sequence", "--operation", "task", *map(str, files)]) == 0
    assert "3 task bodies: a sequence of 3 exchange(s) conforms" in capsys.readouterr().out
    files[1].write_text(json.dumps(envelope(RETRIED_RUNNING | {"operation": "EXECUTE"})))
    files[1].write_text(json.dumps(envelope(FAILED_TASK | {"status": "RUNNING"})))
    assert main(["validate", "--sequence", "--operation", "task", *map(str, files), "--format", "json"]) == 1
    assert "transition.task-left-terminal" in _rules(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("content", "arguments", "message"),
    [
        (b"{}", [], "--sequence reads one HAR file"),
        (b'{"log": {}}', [], "has no log.entries"),
        (b'{"log": {"entries": [{"request": {}}]}}', [], "entry 1 lacks"),
        (b'{"log": {"entries": [{"request": {"method": "GET"}, "response": {}}]}}', [], "lacks a method"),
        (b"not json", ["--operation", "task"], "is not valid JSON"),
        (b'{"data": {"id": 1}}', ["--operation", "task"], "no integer 'status'"),
    ],
)
def test_unreadable_sequences_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, arguments: list[str], message: str
) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(content)
    assert main(["validate", "--sequence", str(path), *arguments]) == 2
    assert message in capsys.readouterr().err


def test_standard_input_is_read_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--sequence", "-", "-", "--operation", "task"]) == 2
    assert "only once" in capsys.readouterr().err


def test_what_is_not_judged_is_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lost = RecordedExchange(0.0, 0.0, "GET", TASK_URL, {}, None, None, note="connection refused")
    other = recorded("GET", f"{BASE}/api/v2/obproxy/clusters", 200, envelope({"contents": []}))
    path = har(tmp_path, poll(FAILED_TASK), lost, other, retry(data=RETRIED_ANSWER))
    assert main(["validate", "--sequence", str(path)]) == 0
    out = capsys.readouterr().out
    assert "not judged: 1 exchange(s) not an operation of the contract" in out
    assert "not judged: 1 exchange(s) sent without an answer" in out
    assert "not polled after it" in out


# --- the Python API --------------------------------------------------------------------------------


def test_check_sequence_is_public_and_takes_exchanges() -> None:
    result = contracts.check_sequence(
        [
            contracts.Exchange(
                "GET",
                f"/ocp/api/v2/tasks/instances/{TASK}",
                200,
                json.dumps(envelope(SUCCESSFUL_TASK)).encode(),
            ),
            contracts.Exchange(  # accepted, answering the task as a retry does
                "POST",
                f"/ocp/api/v2/tasks/instances/{TASK}/retry",
                200,
                json.dumps(envelope(SUCCESSFUL_TASK)).encode(),
            ),
        ]
    )
    assert not result.conforms
    assert [(index, v.rule) for index, v in result.violations] == [(1, "control.retry-out-of-state")]
    assert result.exchanges[1] == f"POST /ocp/api/v2/tasks/instances/{TASK}/retry → 200"


def _response(method: str, url: str, status: int, body: object) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    response.request = requests.Request(method, url, json={} if method == "POST" else None).prepare()
    return response


def test_check_sequence_takes_requests_responses() -> None:
    result = check_sequence(
        [
            _response("GET", TASK_URL, 200, envelope(FAILED_TASK)),
            _response("POST", TASK_URL + "/retry", 200, envelope(RETRIED_ANSWER)),
            _response("GET", TASK_URL, 200, envelope(RETRIED_DONE)),
        ]
    )
    assert result.conforms and result.violations == ()


def test_check_sequence_refuses_what_is_no_exchange() -> None:
    with pytest.raises(TypeError, match="expected an Exchange"):
        check_sequence([{"status": 200}])


def test_an_unfaithful_body_is_its_violation_and_a_cut_one_is_said() -> None:
    result = check_sequence(
        [
            Exchange("GET", TASK_URL, 200, b'{"status": 200, "status": 200}'),
            Exchange("GET", TASK_URL, 200, b'{"data": "' + b"x" * 70_000),
        ]
    )
    assert [(index, v.rule) for index, v in result.violations] == [(0, "body.duplicate-key")]
    assert any("cut in the record" in note for note in result.not_judged)


def test_task_polls_name_the_task_from_its_body() -> None:
    exchanges = task_polls([json.dumps(envelope(FAILED_TASK)).encode(), b"garbage"], http_status=200)
    assert [exchange.url for exchange in exchanges] == [
        f"/api/v2/tasks/instances/{TASK}",
        "/api/v2/tasks/instances/unknown",
    ]
    with pytest.raises(UsageError, match="no integer 'status'"):
        task_polls([b"garbage"])


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [
        ("GET", f"{BASE}/api/v2/tasks/instances/5", ("task", {"taskInstanceId": "5"})),
        ("get", "/prefix/api/v2/tasks/instances/5/", ("task", {"taskInstanceId": "5"})),
        (
            "POST",
            "/api/v2/tasks/instances/5/subtasks/7/skip",
            ("subtask-skip", {"taskInstanceId": "5", "subtaskInstanceId": "7"}),
        ),
        (
            "POST",
            "/api/v2/obproxy/clusters/3/obproxies/1%2C2/upgrade",
            ("upgrade", {"id": "3", "obproxyIds": "1,2"}),
        ),
        ("GET", "/api/v2/obproxy/clusters/3", ("cluster", {"id": "3"})),
        ("DELETE", "/api/v2/tasks/instances/5", None),
        ("GET", "/api/v1/tasks/instances/5", None),
        ("GET", "/api/v2/tasks/instances/5/extra/path", None),
    ],
)
def test_routes_are_found_from_method_and_path(method: str, url: str, expected: object) -> None:
    assert route_of(method, url) == expected


def test_upgrade_ids_reach_the_agreement_rule() -> None:
    url = f"{BASE}/api/v2/obproxy/clusters/3/obproxies/1,2/upgrade"
    created = FAILED_TASK | {"status": "RUNNING"}  # its context names server 2 only
    result = check_sequence([Exchange("POST", url, 200, json.dumps(envelope(created)).encode(), b"{}")])
    assert "agreement.target-mismatch" in {v.rule for _, v in result.violations}


# --- assert_conforms and the failure path's operations ----------------------------------------------


@pytest.mark.parametrize("short", sorted(LIFECYCLE_ROUTES))
def test_every_short_name_resolves_to_its_operation(short: str) -> None:
    """Conformance takes the failure path's short names as it takes the old ones; where the spec
    does not describe an operation yet, the error names the operation (and the test says so)."""
    spec = load_spec()
    operation_id = SHORT_NAMES[short]
    if operation_id not in spec.operations:
        with pytest.raises(contracts.SpecError, match=f"unknown operation '{short}'"):
            contracts.assert_conforms(envelope(), short)
        pytest.skip(f"the spec does not describe {operation_id} ({short}) yet")
    assert spec.operation(short).operation_id == operation_id


# --- a whole run's record ------------------------------------------------------------------------------


def _run_record(**options: Any) -> bytes:
    from contracts.run import RunConfig, run_suite

    result = run_suite(RunConfig(seed=7, max_examples=3, **options))
    return render(result.exchanges, Redactor([]))


@pytest.mark.slow
def test_the_record_of_a_run_against_the_faithful_mock_conforms() -> None:
    result = check_sequence(exchanges_from_har(_run_record()))
    assert result.violations == ()
    assert len(result.exchanges) > 50


@pytest.mark.slow
@pytest.mark.parametrize(
    "fault", sorted(name for name, fault in FAULTS.items() if fault.expected.startswith("transition."))
)
def test_the_record_of_a_run_shows_each_fault_between_polls(fault: str) -> None:
    found = check_sequence(exchanges_from_har(_run_record(mock_faults=(fault,))))
    assert FAULTS[fault].expected in {violation.rule for _, violation in found.violations}


def test_a_finding_of_the_whole_sequence_names_its_exchange_among_those_outside_the_contract() -> None:
    """Exchanges outside the contract are not fed to the lifecycle checker, so its own count of
    observations is not the exchange's place in the sequence."""
    cluster_url = f"{BASE}/api/v2/obproxy/clusters/7"

    def cluster(status: str) -> Exchange:
        data = {"id": 7, "obproxies": [{"id": 1, "version": "1.9.0.0", "status": status}]}
        return Exchange("GET", cluster_url, 200, json.dumps(envelope(data)).encode())

    created = {**SUCCESSFUL_TASK, "status": "RUNNING"}
    result = check_sequence(
        [
            Exchange("GET", f"{BASE}/api/v2/monitor/top", 200, b"{}"),  # not an operation of the contract
            cluster("RUNNING"),
            Exchange(
                "POST",
                f"{cluster_url}/obproxies/1/upgrade",
                200,
                json.dumps(envelope(created)).encode(),
                b'{"shortRpmName": "obproxy-1.9.0.0-1"}',
            ),
            Exchange("GET", TASK_URL, 200, json.dumps(envelope(SUCCESSFUL_TASK)).encode()),
            cluster("UPGRADING"),
        ]
    )
    found = [(index, v.rule) for index, v in result.violations if v.rule.startswith("servers.")]
    assert found == [(4, "servers.still-upgrading")]
