"""Body transforms of the named faults: each takes the outgoing JSON body and breaks one clause.

A transform is pure apart from changing ``body`` in place: it looks only at the body and the
small :class:`MockExchange` (operation, HTTP status, which poll of the task this is), so a fault
behaves the same behind every front end. The registry that names them is
:mod:`contracts.mock.faults`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from contracts.ocp import FAILED, PENDING, RUNNING, SUCCESSFUL


@dataclass(frozen=True, slots=True)
class MockExchange:
    """What a body transform may look at besides the body."""

    operation: str | None
    http_status: int
    #: GETs of this task so far, this one included (0 for the upgrade answer and lists).
    poll: int = 0


Transform = Callable[[dict[str, Any], MockExchange], None]


# --------------------------------------------------------------------------- body helpers


def _task(body: dict[str, Any], ex: MockExchange) -> dict[str, Any] | None:
    """The task in a successful upgrade or task-detail answer."""
    data = body.get("data")
    ok = ex.operation in ("upgrade", "task") and ex.http_status == 200
    return data if ok and isinstance(data, dict) and isinstance(data.get("subtasks"), list) else None


def _tasks(body: dict[str, Any], ex: MockExchange) -> Iterator[dict[str, Any]]:
    """Every task in a successful answer: the one of a detail, or each list item."""
    task = _task(body, ex)
    if task is not None:
        yield task
    data = body.get("data")
    if ex.operation == "tasks" and ex.http_status == 200 and isinstance(data, dict):
        yield from (item for item in data.get("contents", []) if isinstance(item, dict))


def _start(task: dict[str, Any]) -> dict[str, Any]:
    return next(sub for sub in task["subtasks"] if not sub["upstreams"])


def _finish(task: dict[str, Any]) -> dict[str, Any]:
    return next(sub for sub in task["subtasks"] if not sub["downstreams"])


def _unused_id(task: dict[str, Any]) -> int:
    return max(int(sub["id"]) for sub in task["subtasks"]) + 1


def on_task(change: Callable[[dict[str, Any]], None]) -> Transform:
    def transform(body: dict[str, Any], ex: MockExchange) -> None:
        task = _task(body, ex)
        if task is not None:
            change(task)

    return transform


def on_success(change: Callable[[dict[str, Any]], None]) -> Transform:
    def transform(body: dict[str, Any], ex: MockExchange) -> None:
        if ex.http_status == 200:
            change(body)

    return transform


def on_every(change: Callable[[dict[str, Any]], None]) -> Transform:
    def transform(body: dict[str, Any], ex: MockExchange) -> None:
        change(body)

    return transform


# --------------------------------------------------------------------------- graph faults


def edge_one_end(task: dict[str, Any]) -> None:
    _start(task)["downstreams"].pop(0)


def dangling_upstream(task: dict[str, Any]) -> None:
    _finish(task)["upstreams"].append(_unused_id(task))


def dangling_downstream(task: dict[str, Any]) -> None:
    _start(task)["downstreams"].append(_unused_id(task))


def cycle(task: dict[str, Any]) -> None:
    finish = _finish(task)
    tail = next(sub for sub in task["subtasks"] if sub["id"] == finish["upstreams"][0])
    finish["downstreams"].append(tail["id"])
    tail["upstreams"].append(finish["id"])


def self_loop(task: dict[str, Any]) -> None:
    finish = _finish(task)
    finish["upstreams"].append(finish["id"])
    finish["downstreams"].append(finish["id"])


def duplicate_id(task: dict[str, Any]) -> None:
    task["subtasks"].append(copy.deepcopy(_finish(task)))


# --------------------------------------------------------------------------- state faults


def failure_as_success(body: dict[str, Any], ex: MockExchange) -> None:
    for task in _tasks(body, ex):
        if task.get("status") == FAILED:
            task["status"] = SUCCESSFUL


def runs_before_upstream(body: dict[str, Any], ex: MockExchange) -> None:
    task = _task(body, ex)
    if task is None or task.get("status") != RUNNING:
        return
    status = {sub["id"]: sub["status"] for sub in task["subtasks"]}
    for sub in task["subtasks"]:
        ups = [status.get(u, PENDING) for u in sub["upstreams"]]
        if sub["status"] == PENDING and ups and PENDING not in ups and set(ups) != {SUCCESSFUL}:
            sub.update(status=RUNNING, runTime=1, startTime=body["timestamp"])
            return


def premature_failure(body: dict[str, Any], ex: MockExchange) -> None:
    task = _task(body, ex)
    if (
        task is not None
        and task.get("status") == RUNNING
        and any(sub["status"] == FAILED for sub in task["subtasks"])
    ):
        task.update(status=FAILED, finishTime=body["timestamp"])


def wrong_targets(task: dict[str, Any]) -> None:
    ids = task["context"]["listMap"]["obproxy_server_ids"]
    ids[:] = [str(int(i) + 1000) for i in ids]


# --------------------------------------------------------------------------- transition faults


def subtask_appears(body: dict[str, Any], ex: MockExchange) -> None:
    """An extra, unconnected subtask from the first poll on (finished with the task, else PENDING).

    Unconnected, so no existing edge changes and only the set of subtasks does.
    """
    task = _task(body, ex)
    if task is None or ex.operation != "task" or ex.poll < 1:
        return
    extra = {
        **copy.deepcopy(_finish(task)),
        "id": _unused_id(task),
        "name": "Notify upgrade result",
        "description": "Notify upgrade result",
        "upstreams": [],
        "downstreams": [],
    }
    if task["status"] != SUCCESSFUL:
        extra.update(status=PENDING, runTime=0)
        for key in ("startTime", "finishTime", "executor"):
            extra.pop(key, None)
    task["subtasks"].append(extra)


def task_reopens(body: dict[str, Any], ex: MockExchange) -> None:
    task = _task(body, ex)
    if task is not None and ex.operation == "task" and ex.poll % 2 == 0 and task["status"] != RUNNING:
        task["status"] = RUNNING
        task.pop("finishTime", None)
