"""The judges behind the checks and the workflow: the HTTP rules, the body contract, and the
comparison of consecutive task snapshots."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from contracts.auth import Credentials as Known
from contracts.run.judging import judge
from contracts.run.judging.history import TaskHistory, TaskTrail, task_id_of
from contracts.run.judging.http_rules import rejection_ignored, server_error, task_not_found_after_create
from contracts.run.wire.rejection import Assessment, Kind, Rejection, WireRequest
from contracts.validate import load_body
from contracts.violations import UsageError
from tests.factories import make_upgrade_dag

BASE = "http://ocp.example.test"
UPGRADE = BASE + "/api/v2/obproxy/clusters/1/obproxies/1,2/upgrade"
ENVELOPE = {
    "successful": False,
    "status": 405,
    "timestamp": "2024-04-15T14:29:55.118+08:00",
    "duration": 1,
    "traceId": "4d1c7b2f0a9e3c85",
    "server": "a83ad33525",
    "error": {"code": 10000, "message": "no"},
}


def rules(violations: list[Any]) -> list[str]:
    return [v.rule for v in violations]


@pytest.mark.parametrize(
    ("status", "expected"), [(500, ["http.server-error"]), (503, ["http.server-error"]), (404, []), (200, [])]
)
def test_server_errors(status: int, expected: list[str]) -> None:
    assert rules(list(server_error(status))) == expected


@pytest.mark.parametrize(
    ("rejection", "status", "expected"),
    [
        (Rejection.NO_CREDENTIALS, 200, ["http.auth-ignored"]),
        (Rejection.WRONG_CREDENTIALS, 204, ["http.auth-ignored"]),
        (Rejection.MISSING_BODY, 200, ["http.negative-data-accepted"]),
        (Rejection.UNSUPPORTED_MEDIA_TYPE, 200, ["http.negative-data-accepted"]),
        (Rejection.MISSING_BODY, 400, []),
        (Rejection.NO_CREDENTIALS, 401, []),
    ],
)
def test_refusals_that_were_served(rejection: Rejection, status: int, expected: list[str]) -> None:
    found = list(rejection_ignored(Assessment(Kind.UPGRADE, (rejection,)), status))
    assert rules(found) == expected
    if found and not rejection.is_auth:
        assert found[0].expected == f"HTTP {rejection.status}"


def test_a_created_task_that_vanishes() -> None:
    assert rules(list(task_not_found_after_create(33150, 404))) == ["http.task-not-found-after-create"]
    assert list(task_not_found_after_create(33150, 200)) == []


def observed(operation: str, method: str, url: str, status: int, body: Any, **headers: str) -> judge.Observed:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return judge.Observed(
        operation,
        WireRequest(method, url, {}, None),
        status,
        {"Content-Type": "application/json", **headers},
        content,
    )


def test_an_undeclared_method_is_held_to_the_envelope_only() -> None:
    assert judge.contract(observed("upgrade", "PUT", UPGRADE, 405, ENVELOPE), strict=True) == []
    broken = {**ENVELOPE, "status": 400}
    assert rules(judge.contract(observed("upgrade", "PUT", UPGRADE, 405, broken), strict=True)) == [
        "envelope.status-mismatch"
    ]


def test_a_body_that_is_not_json() -> None:
    found = judge.contract(
        observed("tasks", "GET", BASE + "/api/v2/tasks/instances", 200, b"<html>"), strict=False
    )
    assert rules(found) == ["envelope.not-json"]


SAMPLE = (Path(__file__).parent.parent / "data" / "documented-sample.json").read_bytes()
TASK = BASE + "/api/v2/tasks/instances/33149"


@pytest.mark.parametrize(
    ("content", "rule", "pointer"),
    [
        pytest.param(
            SAMPLE.replace(b'"status": 200,', b'"status": 200, "status": 500,', 1),
            "body.duplicate-key",
            "",
            id="duplicate-key",
        ),
        pytest.param(
            SAMPLE.replace(b'"id": 34964,', b'"id": 34964, "id": 34999,', 1),
            "body.duplicate-key",
            "/data/subtasks/0",
            id="duplicate-nested",
        ),
        pytest.param(b"\xef\xbb\xbf" + SAMPLE, "body.byte-order-mark", "", id="bom"),
        pytest.param(
            SAMPLE.replace(b'"duration": 17', b'"duration": NaN', 1), "body.non-finite-number", "", id="nan"
        ),
        pytest.param(
            SAMPLE.replace(b'"id": 33149', b'"id": 9223372036854775808', 1),
            "body.integer-out-of-range",
            "/data/id",
            id="beyond-int64",
        ),
        pytest.param(
            SAMPLE.replace(b"Start node", b"Start \xff node", 1), "body.invalid-utf8", "", id="bad-utf8"
        ),
        pytest.param(b"[" * 300 + b"]" * 300, "body.too-deep", "", id="too-deep"),
        pytest.param(b"", "envelope.not-json", "", id="empty"),
    ],
)
def test_a_body_validate_refuses_is_a_violation_of_the_run(content: bytes, rule: str, pointer: str) -> None:
    """``run`` reads a server's bytes as ``validate`` reads a file: what ``validate`` cannot read
    faithfully (exit 2 there) is a violation here, never a pass and never a crash."""
    assert content != SAMPLE or not content
    with pytest.raises(UsageError):
        load_body(content)
    found = judge.contract(observed("task", "GET", TASK, 200, content), strict=False)
    assert [(v.rule, v.pointer) for v in found] == [(rule, pointer)]
    assert found[0].is_error
    history = TaskHistory()
    assert judge.transitions(observed("task", "GET", TASK, 200, content), history) == []


def test_the_same_sample_read_faithfully_conforms() -> None:
    assert judge.contract(observed("task", "GET", TASK, 200, SAMPLE), strict=False) == []


def test_the_request_ids_reach_the_agreement_rule() -> None:
    task = make_upgrade_dag(servers=2)
    task["context"] = {"listMap": {"obproxy_server_ids": ["1", "9"]}}
    body = {
        **{k: v for k, v in ENVELOPE.items() if k != "error"},
        "successful": True,
        "status": 200,
        "data": task,
    }
    found = judge.contract(observed("upgrade", "POST", UPGRADE, 200, body), strict=False)
    assert "agreement.target-mismatch" in rules(found)
    assert judge.requested_obproxy_ids(WireRequest("POST", UPGRADE, {}, None)) == [1, 2]


def _task_answer(task: dict[str, Any]) -> dict[str, Any]:
    return {"successful": True, "status": 200, "data": task}


def test_transitions_compare_snapshots_and_notice_vanished_tasks() -> None:
    history = TaskHistory()
    created = {**make_upgrade_dag(servers=1), "id": 33150}
    assert judge.transitions(observed("upgrade", "POST", UPGRADE, 200, _task_answer(created)), history) == []

    other = {**make_upgrade_dag(servers=1), "id": 1}
    wrong = observed("task", "GET", BASE + "/api/v2/tasks/instances/33150", 200, _task_answer(other))
    assert rules(judge.transitions(wrong, history)) == ["transition.wrong-task"]

    gone = observed("task", "GET", BASE + "/api/v2/tasks/instances/33150", 404, {"status": 404})
    assert rules(judge.transitions(gone, history)) == ["http.task-not-found-after-create"]


def test_checks_apply_where_they_mean_something() -> None:
    assert judge.applies(judge.TRANSITIONS, "task")
    assert not judge.applies(judge.TRANSITIONS, "tasks")
    assert judge.applies(judge.HTTP, "tasks")


def test_http_judges_the_request_as_sent() -> None:
    served = judge.Observed(
        "tasks", WireRequest("GET", BASE + "/api/v2/tasks/instances", {}, None), 200, {}, b"{}"
    )
    assert rules(judge.http(served, known=Known({"u": "p"}))) == ["http.auth-ignored"]


def test_a_finished_task_that_runs_again_is_reported_with_a_data_pointer() -> None:
    trail = TaskTrail()
    finished = make_upgrade_dag(servers=1)
    finished.update(id=5, status="SUCCESSFUL", operation="EXECUTE")
    for subtask in finished["subtasks"]:
        subtask["status"] = "SUCCESSFUL"
    reopened = {**finished, "status": "RUNNING"}
    assert trail.observe(finished) == []
    assert trail.last is finished
    found = trail.observe(reopened)
    assert rules(found) == ["transition.task-left-terminal"]
    assert found[0].pointer == "/data/status"


def test_each_thread_has_its_own_history() -> None:
    history = TaskHistory()
    history.created(7)
    seen: list[bool] = []
    thread = threading.Thread(target=lambda: seen.append(history.was_created(7)))
    thread.start()
    thread.join()
    assert history.was_created(7)
    assert seen == [False]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5), ("12", 12), ("-3", -3), (True, None), ("1a", None), (None, None), ("١", None)],
)
def test_task_ids(value: object, expected: int | None) -> None:
    assert task_id_of(value) == expected


@pytest.mark.parametrize("segment", ["--5", "-", "5-", "1٢", "99999999999999999999"])
def test_a_task_path_id_that_is_no_long_is_judged_without_a_crash(segment: str) -> None:
    assert task_id_of(segment) is None
    url = f"{BASE}/api/v2/tasks/instances/{segment}"
    assert judge.transitions(observed("task", "GET", url, 404, ENVELOPE), TaskHistory()) == []


def test_an_exchange_is_parsed_once_however_many_judges_read_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The workflow hands one exchange to the contract and the transition judges: one parse serves both."""
    calls: list[bytes] = []
    real = judge.parse_body

    def counted(raw: bytes) -> object:
        calls.append(raw)
        return real(raw)

    monkeypatch.setattr(judge, "parse_body", counted)
    body = json.dumps({"successful": True, "status": 200, "data": make_upgrade_dag()}).encode()
    observed = judge.Observed(
        "task",
        WireRequest("GET", f"{BASE}/api/v2/tasks/instances/1", {}, None),
        200,
        {"content-type": "application/json"},
        body,
    )
    assert observed.body() is observed.body()
    judge.contract(observed, strict=False)
    judge.transitions(observed, TaskHistory())
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("operation", "rejection", "spec"),
    [
        (
            "task",
            Rejection.MALFORMED_ID,
            "#/paths/~1api~1v2~1tasks~1instances~1{taskInstanceId}/get/responses/400",
        ),
        (
            "upgrade",
            Rejection.UNSUPPORTED_MEDIA_TYPE,
            "#/paths/~1api~1v2~1obproxy~1clusters~1{id}~1obproxies~1{obproxyIds}~1upgrade/post/responses/415",
        ),
        ("tasks", Rejection.UNSUPPORTED_MEDIA_TYPE, "#/paths/~1api~1v2~1tasks~1instances/get/responses"),
        ("tasks", Rejection.UNSUPPORTED_METHOD, "#/paths/~1api~1v2~1tasks~1instances"),
        (None, Rejection.MISSING_BODY, "#/components/responses/BadRequest"),
    ],
)
def test_negative_data_accepted_points_at_what_the_operation_documents(
    operation: str | None, rejection: Rejection, spec: str
) -> None:
    (found,) = rejection_ignored(Assessment(Kind.UPGRADE, (rejection,)), 200, operation=operation)
    assert found.rule == "http.negative-data-accepted" and found.spec == spec
    if spec.startswith("#/paths/"):
        from contracts._pointer import split
        from contracts.spec import load_spec

        node = load_spec().document
        for token in split(spec[1:]):
            node = node[token]
        assert node, "the clause exists in the spec"
