"""The faithful mock: every answer of every endpoint, at every stage, passes the validators strictly."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts.mock import create_app
from contracts.mock.upgrade_dag import BRANCH
from contracts.rules.envelope import check_envelope
from contracts.rules.transitions import check_transition
from tests.mock._support import Api, Reply

TARGETS = [
    pytest.param(1, "1", "SUCCESSFUL", id="one-server"),
    pytest.param(1, "1,2", "SUCCESSFUL", id="two-servers"),
    pytest.param(1, "3,1,2", "SUCCESSFUL", id="three-servers-any-order"),
    pytest.param(2, "5", "FAILED", id="failing-server"),
    pytest.param(2, "4,5", "FAILED", id="failing-next-to-healthy"),
]


@pytest.fixture
def api() -> Api:
    return Api(create_app(seed=7))


def _by_graph(task: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(task["subtasks"], key=lambda s: (s["seriesId"], s["parallelIdx"]))


def _transitions(snapshots: list[Any], task_id: int) -> list[str]:
    found = []
    for before, after in itertools.pairwise(snapshots):
        found += [v.render() for v in check_transition(before, after, requested_task_id=task_id)]
    return found


@pytest.mark.parametrize(("cluster", "ids", "outcome"), TARGETS)
def test_upgrade_answers_with_the_just_created_task(api: Api, cluster: int, ids: str, outcome: str) -> None:
    reply = api.upgrade(cluster, ids)
    assert reply.status == 200
    reply.assert_valid()
    task = reply.data
    assert task["status"] == "RUNNING" and "finishTime" not in task
    statuses = [s["status"] for s in _by_graph(task)]
    assert statuses == ["READY"] + ["PENDING"] * (len(statuses) - 1)
    assert len(task["subtasks"]) == 2 + len(BRANCH) * len(ids.split(","))
    assert task["context"]["listMap"]["obproxy_server_ids"] == ids.split(",")
    assert sorted(s["parallelIdx"] for s in task["subtasks"])[-1] == len(ids.split(",")) - 1
    assert reply.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(("cluster", "ids", "outcome"), TARGETS)
def test_every_stage_of_progression_is_valid_and_moves_forward(
    api: Api, cluster: int, ids: str, outcome: str
) -> None:
    created = api.upgrade(cluster, ids)
    polls = api.poll_to_end(created.data["id"])
    for reply in polls:
        assert reply.status == 200
        reply.assert_valid()
    snapshots = [created.data] + [reply.data for reply in polls]
    assert _transitions(snapshots, created.data["id"]) == []
    assert snapshots[-1]["status"] == outcome and "finishTime" in snapshots[-1]
    seen = {s["status"] for snapshot in snapshots for s in snapshot["subtasks"]}
    assert {"PENDING", "READY", "RUNNING", "SUCCESSFUL"} <= seen
    assert ("FAILED" in seen) == (outcome == "FAILED")


def test_branches_run_side_by_side(api: Api) -> None:
    created = api.upgrade(1, "1,2,3")
    running_together = 0
    for reply in api.poll_to_end(created.data["id"]):
        branches = {s["parallelIdx"] for s in reply.data["subtasks"] if s["status"] == "RUNNING"}
        running_together = max(running_together, len(branches - {-1}))
    assert running_together == 3


def test_a_failed_branch_lets_the_healthy_one_finish_and_holds_the_finish_node(api: Api) -> None:
    created = api.upgrade(2, "4,5")
    final = api.poll_to_end(created.data["id"])[-1].data
    by_branch: dict[int, set[str]] = {}
    for sub in final["subtasks"]:
        by_branch.setdefault(sub["parallelIdx"], set()).add(sub["status"])
    assert by_branch[0] == {"SUCCESSFUL"}  # server 4
    assert by_branch[1] == {"SUCCESSFUL", "FAILED", "PENDING"}  # server 5 fails at install
    finish = next(s for s in final["subtasks"] if not s["downstreams"])
    assert finish["status"] == "PENDING" and "finishTime" not in finish


def test_subtasks_are_listed_out_of_graph_order(api: Api) -> None:
    task = api.upgrade(1, "1,2").data
    position = {s["id"]: i for i, s in enumerate(task["subtasks"])}
    assert any(position[u] > position[s["id"]] for s in task["subtasks"] for u in s["upstreams"])


def test_finished_tasks_exist_at_start_up_and_stay_put(api: Api) -> None:
    failed, succeeded = api.app.seeded_task_ids
    for task_id, status in ((failed, "FAILED"), (succeeded, "SUCCESSFUL")):
        first, second = api.task(task_id), api.task(task_id)
        first.assert_valid()
        second.assert_valid()
        assert first.data["status"] == status
        assert first.data == second.data
    listed = api.tasks("status=FAILED&status=SUCCESSFUL")
    listed.assert_valid()
    assert [t["id"] for t in listed.data["contents"]] == [succeeded, failed]


LIST_QUERIES = [
    pytest.param("", id="defaults"),
    pytest.param("page=1&size=2", id="first-page"),
    pytest.param("page=2&size=2", id="second-page"),
    pytest.param("page=99&size=10", id="beyond-the-end"),
    pytest.param("status=RUNNING", id="running"),
    pytest.param("status=RUNNING&status=FAILED", id="repeated-status"),
    pytest.param("status=RUNNING,SUCCESSFUL", id="comma-separated-status"),
    pytest.param("type=MANUAL&name=upgrade", id="type-and-name"),
    pytest.param("type=SCHEDULED", id="no-scheduled-tasks"),
    pytest.param("hostId=12", id="by-host"),
    pytest.param("clusterId=1", id="no-ob-cluster-tasks"),
    pytest.param("sort=id,asc", id="oldest-first"),
    pytest.param("sort=finishTime,desc&size=2000", id="by-finish-time"),
    pytest.param("sort=nonsense,sideways", id="unknown-sort-falls-back"),
    pytest.param("unknown=1", id="unknown-parameter-ignored"),
]


@pytest.mark.parametrize("query", LIST_QUERIES)
def test_task_list_pages_are_valid(api: Api, query: str) -> None:
    created = api.upgrade(1, "1,2").data["id"]
    api.poll_to_end(api.upgrade(1, "3").data["id"])
    api.task(created)
    reply = api.tasks(query)
    assert reply.status == 200
    reply.assert_valid()
    page = reply.data["page"]
    assert page["totalPages"] == -(-page["totalElements"] // page["size"])
    assert len(reply.data["contents"]) <= page["size"]
    for item in reply.data["contents"]:
        assert set(item["subtasks"][0]) == {"id", "name", "description", "status", "operation"}


def test_task_list_filters_and_orders(api: Api) -> None:
    running = api.upgrade(1, "1,2").data["id"]
    assert [t["id"] for t in api.tasks("status=RUNNING").data["contents"]] == [running]
    assert [t["id"] for t in api.tasks("hostId=12").data["contents"]] == [running]
    ids = [t["id"] for t in api.tasks("sort=id,asc").data["contents"]]
    assert ids == sorted(ids) and running in ids
    assert api.tasks("clusterId=1").data["page"] == {
        "totalElements": 0,
        "totalPages": 0,
        "number": 1,
        "size": 10,
    }


class _Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2024, 4, 15, 6, 31, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_tick_mode_advances_tasks_with_time_not_polls() -> None:
    clock = _Clock()
    api = Api(create_app(tick=2.0, clock=clock))
    created = api.upgrade(1, "1,2").data
    assert api.task(created["id"]).data == {**created, "creator": {"id": 1, "name": "admin"}}
    clock.now += timedelta(seconds=5)
    listed = api.tasks("status=RUNNING")
    listed.assert_valid()
    statuses = {s["status"] for s in listed.data["contents"][0]["subtasks"]}
    assert statuses == {"SUCCESSFUL", "READY", "PENDING"}
    clock.now += timedelta(minutes=5)
    final = api.task(created["id"])
    final.assert_valid()
    assert final.data["status"] == "SUCCESSFUL"
    assert final.data["finishTime"] == "2024-04-15T14:31:32.000+08:00"  # 16 steps of 2 s, at +08:00
    assert api.upgrade(1, "1,2").status == 200  # the servers are free again


def test_finished_tasks_beyond_the_limit_are_evicted_but_seeded_ones_stay() -> None:
    api = Api(create_app(max_finished=2))
    finished = []
    for _ in range(4):
        task_id = api.upgrade(1, "3").data["id"]
        api.poll_to_end(task_id)
        finished.append(task_id)
    listed = [t["id"] for t in api.tasks("sort=id,asc").data["contents"]]
    assert listed == [*api.app.seeded_task_ids, *finished[-2:]]
    assert api.task(finished[0]).status == 404


# ----------------------------------------------------------------------------- error answers

ERRORS = [
    # credentials
    pytest.param("upgrade", {"auth": None}, 401, 30001, id="upgrade-without-credentials"),
    pytest.param("task", {"auth": ("admin", "wrong")}, 401, 30001, id="task-wrong-password"),
    pytest.param("tasks", {"auth": ("nobody", "x")}, 401, 30001, id="list-unknown-user"),
    # permission
    pytest.param("upgrade", {"auth": ("viewer", "ocp-demo-viewer")}, 403, 30014, id="viewer-cannot-upgrade"),
    # path ids
    pytest.param("upgrade", {"cluster": "abc"}, 400, 10001, id="non-numeric-cluster"),
    pytest.param("upgrade", {"cluster": "0"}, 400, 10001, id="zero-cluster"),
    pytest.param("upgrade", {"cluster": "-1"}, 400, 10001, id="negative-cluster"),
    pytest.param("upgrade", {"cluster": str(2**63)}, 400, 10001, id="cluster-beyond-int64"),
    pytest.param("upgrade", {"ids": "1,,2"}, 400, 10001, id="empty-server-item"),
    pytest.param("upgrade", {"ids": "1,"}, 400, 10001, id="trailing-comma"),
    pytest.param("upgrade", {"ids": "1.5"}, 400, 10001, id="fractional-server"),
    pytest.param("task", {"task_id": "abc"}, 400, 10001, id="non-numeric-task"),
    pytest.param("task", {"task_id": str(2**63)}, 400, 10001, id="task-beyond-int64"),
    # body
    pytest.param("upgrade", {"body": None}, 400, 10001, id="no-body"),
    pytest.param("upgrade", {"raw": b"[]"}, 400, 10001, id="array-body"),
    pytest.param("upgrade", {"raw": b"null"}, 400, 10001, id="null-body"),
    pytest.param("upgrade", {"raw": b'"obproxy"'}, 400, 10001, id="string-body"),
    pytest.param("upgrade", {"raw": b"{"}, 400, 10001, id="truncated-json"),
    pytest.param("upgrade", {"raw": b'{"shortRpmName": NaN}'}, 400, 10001, id="nan-is-not-json"),
    pytest.param("upgrade", {"raw": b"[" * 100_000}, 400, 10001, id="deeply-nested"),
    pytest.param("upgrade", {"raw": b"\xff\xfe{"}, 400, 10001, id="not-utf8"),
    pytest.param("upgrade", {"body": {"shortRpmName": ["a"]}}, 400, 10001, id="array-package"),
    pytest.param("upgrade", {"body": {"shortRpmName": {"a": 1}}}, 400, 10001, id="object-package"),
    pytest.param("upgrade", {"raw": b"{}", "content_type": "text/plain"}, 415, 10000, id="text-plain"),
    pytest.param(
        "upgrade",
        {"raw": b"shortRpmName=x", "content_type": "application/x-www-form-urlencoded"},
        415,
        10000,
        id="form-body",
    ),
    pytest.param("upgrade", {"raw": b"{}", "content_type": None}, 415, 10000, id="body-without-content-type"),
    # blank package
    pytest.param("upgrade", {"body": {}}, 400, 10001, id="package-missing"),
    pytest.param("upgrade", {"body": {"shortRpmName": None}}, 400, 10001, id="package-null"),
    pytest.param("upgrade", {"body": {"shortRpmName": ""}}, 400, 10001, id="package-empty"),
    pytest.param("upgrade", {"body": {"shortRpmName": " \t"}}, 400, 10001, id="package-blank"),
    # not found
    pytest.param("upgrade", {"cluster": 99}, 404, 10002, id="unknown-cluster"),
    pytest.param("upgrade", {"ids": "1,9"}, 404, 10002, id="unknown-server"),
    pytest.param("upgrade", {"ids": "4"}, 404, 10002, id="server-of-another-cluster"),
    pytest.param("upgrade", {"body": {"shortRpmName": "obproxy-0.0.0-0"}}, 404, 10002, id="unknown-package"),
    pytest.param("task", {"task_id": 99999}, 404, 20000, id="unknown-task"),
    # list queries
    pytest.param("tasks", {"query": "status=PENDING"}, 400, 10001, id="task-status-not-in-enum"),
    pytest.param("tasks", {"query": "status="}, 400, 10001, id="empty-status"),
    pytest.param("tasks", {"query": "type=DAILY"}, 400, 10001, id="unknown-type"),
    pytest.param("tasks", {"query": "page=0"}, 400, 10001, id="page-zero"),
    pytest.param("tasks", {"query": "page="}, 400, 10001, id="page-empty"),
    pytest.param("tasks", {"query": "size=2001"}, 400, 10001, id="size-too-large"),
    pytest.param("tasks", {"query": f"page={2**31}"}, 400, 10001, id="page-beyond-int32"),
    pytest.param("tasks", {"query": "hostId=abc"}, 400, 10001, id="non-numeric-host"),
]


def _call(api: Api, operation: str, options: dict[str, Any]) -> Reply:
    options = dict(options)
    if operation == "upgrade":
        return api.upgrade(options.pop("cluster", 1), options.pop("ids", "1"), **options)
    if operation == "task":
        return api.task(options.pop("task_id", 33149), **options)
    return api.tasks(options.pop("query", ""), **options)


@pytest.mark.parametrize(("operation", "options", "status", "code"), ERRORS)
def test_error_answers_are_valid(
    api: Api, operation: str, options: dict[str, Any], status: int, code: int
) -> None:
    reply = _call(api, operation, options)
    assert (reply.status, reply.error["code"]) == (status, code), reply.body
    reply.assert_valid()
    assert "data" not in reply.body and reply.error["message"]


def test_a_server_busy_with_a_running_task_is_a_conflict(api: Api) -> None:
    first = api.upgrade(1, "1,2").data["id"]
    reply = api.upgrade(1, "2,3")
    assert reply.status == 409 and str(first) in reply.error["message"]
    reply.assert_valid()
    api.poll_to_end(first)
    assert api.upgrade(1, "2,3").status == 200


def test_rate_limited_answer_is_the_documented_body() -> None:
    api = Api(create_app(rate_limit=2, rate_window=60))
    first, second, third = (api.tasks() for _ in range(3))
    assert [first.status, second.status, third.status] == [200, 200, 429]
    assert first.headers["RateLimit-Limit"] == "2" and first.headers["RateLimit-Remaining"] == "1"
    assert second.headers["RateLimit-Remaining"] == "0"
    assert third.headers["Retry-After"] == third.headers["RateLimit-Reset"]
    assert 0 < int(third.headers["RateLimit-Reset"]) <= 60
    third.assert_valid()
    body = dict(third.body)
    assert body.pop("timestamp") and body.pop("server")
    assert body == {
        "duration": 0,
        "error": {"code": 0, "message": "Too many requests, please try again later."},
        "status": 429,
        "successful": False,
        "traceId": "",
    }
    other_user = api.tasks(auth=("viewer", "ocp-demo-viewer"))
    assert other_user.status == 200


def test_an_unexpected_error_is_an_ocp_500(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("engine exploded")

    monkeypatch.setitem(
        __import__("contracts.mock.handlers", fromlist=["HANDLERS"]).HANDLERS, "tasks", broken
    )
    plain = api.tasks()
    assert plain.status == 500 and "stackTrace" not in plain.error
    plain.assert_valid()
    traced = api.request(
        "GET", "/api/v2/tasks/instances", operation="tasks", headers={"X-ReturnStackTrace": "true"}
    )
    assert "RuntimeError: engine exploded" in traced.error["stackTrace"]  # one line of List<String>
    traced.assert_valid()


# ----------------------------------------------------------------------------- outside the contract

UNDOCUMENTED = [
    pytest.param("PUT", "/api/v2/tasks/instances", 405, "GET", id="put-on-list"),
    pytest.param("DELETE", "/api/v2/tasks/instances/33149", 405, "GET", id="delete-task"),
    pytest.param("HEAD", "/api/v2/tasks/instances", 405, "GET", id="head-is-not-served"),
    pytest.param("OPTIONS", "/api/v2/tasks/instances", 405, "GET", id="options-is-not-served"),
    pytest.param("GET", "/api/v2/obproxy/clusters/1/obproxies/1/upgrade", 405, "POST", id="get-on-upgrade"),
    pytest.param("TRACE", "/api/v2/obproxy/clusters/x/obproxies/y/upgrade", 405, "POST", id="trace-any-ids"),
    pytest.param("GET", "/api/v2/nothing", 404, None, id="unknown-api-path"),
    pytest.param("GET", "/", 404, None, id="root"),
]


@pytest.mark.parametrize(("method", "path", "status", "allow"), UNDOCUMENTED)
def test_other_methods_and_paths_explain_themselves(
    api: Api, method: str, path: str, status: int, allow: str | None
) -> None:
    reply = api.request(method, path, operation="task")
    assert reply.status == status
    assert reply.headers.get("Allow") == allow
    if method != "HEAD":
        assert [v for v in check_envelope(reply.body, status) if v.is_error] == []
    if status == 404:
        assert "GET /api/v2/tasks/instances/{taskInstanceId}" in reply.error["debugMessage"]


@pytest.mark.parametrize(
    ("path", "hint"),
    [
        (
            "/obproxy/clusters/1/obproxies/2/upgrade",
            "did you mean /api/v2/obproxy/clusters/1/obproxies/2/upgrade?",
        ),
        ("/api/v2/tasks/instances/", "remove the trailing slash"),
    ],
)
def test_a_near_miss_gets_a_hint(api: Api, path: str, hint: str) -> None:
    reply = api.request("POST" if "upgrade" in path else "GET", path, operation="task")
    assert reply.status == 404 and hint in reply.error["debugMessage"]


def test_non_api_paths_need_no_credentials_but_api_paths_do(api: Api) -> None:
    assert api.request("GET", "/favicon.ico", operation="task", auth=None).status == 404
    assert api.request("GET", "/api/v2/nothing", operation="task", auth=None).status == 401


def test_list_items_have_the_shape_ocp_documents() -> None:
    """OCP's ``BasicTaskInstance``: no ``type`` or ``operation``; subtasks without edges."""
    api = Api(create_app())
    reply = api.tasks()
    assert reply.status == 200
    for item in reply.data["contents"]:
        assert set(item) <= {
            "id",
            "name",
            "cluster",
            "tenant",
            "creator",
            "status",
            "startTime",
            "finishTime",
            "subtasks",
        }
        assert {"id", "name", "creator", "status", "subtasks"} <= set(item)
        for subtask in item["subtasks"]:
            assert set(subtask) == {"id", "name", "description", "status", "operation"}
    assert reply.violations(strict=True) == []


def test_a_rolled_back_task_shows_as_ocp_shows_it() -> None:
    """OCP's rollback: RUNNING under ROLLBACK, then SUCCESSFUL with every subtask PENDING again and
    those that had run under ROLLBACK — in detail and in the list, conforming, polls coherent."""
    app = create_app()
    api = Api(app)
    failed = api.task(33149)
    assert failed.data["status"] == "FAILED"
    started = api.request("POST", "/api/v2/tasks/instances/33149/rollback", operation="task")
    assert started.status == 200, started.body
    assert (started.data["status"], started.data["operation"]) == ("RUNNING", "ROLLBACK")
    ran = {s["id"] for s in failed.data["subtasks"] if s["status"] != "PENDING"}
    assert ran and {s["id"] for s in started.data["subtasks"] if s["operation"] == "ROLLBACK"} == ran
    done = api.task(33149)
    assert done.data["status"] == "SUCCESSFUL"
    assert {s["status"] for s in done.data["subtasks"]} == {"PENDING"}
    assert {s["id"] for s in done.data["subtasks"] if s["operation"] == "ROLLBACK"} == ran
    for reply in (started, done):
        assert reply.violations(strict=True) == []
    assert list(check_transition(failed.data, started.data)) == []
    assert list(check_transition(started.data, done.data)) == []
    listed = api.tasks()
    item = next(i for i in listed.data["contents"] if i["id"] == 33149)
    assert item["status"] == "SUCCESSFUL" and "operation" not in item
    assert listed.violations(strict=True) == []


def test_only_a_failed_task_can_be_rolled_back() -> None:
    api = Api(create_app())
    refused = api.request("POST", "/api/v2/tasks/instances/33150/rollback", operation="task")
    assert (refused.status, refused.error["code"]) == (400, 20003)
    refused.assert_valid()
    missing = api.request("POST", "/api/v2/tasks/instances/99999/rollback", operation="task")
    assert (missing.status, missing.error["code"]) == (404, 20000)
