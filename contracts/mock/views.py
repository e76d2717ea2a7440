"""Tasks as OCP serialises them: the detail (with the graph) and the list item (without edges).

Fields without a value are omitted, never sent as ``null`` (``finishTime`` while running,
``startTime`` of a subtask that has not run). ``step`` renders the task as it was at an earlier
step; the faithful mock always renders the current one.
"""

from __future__ import annotations

from datetime import timezone
from typing import Any

from contracts.mock.replies import format_timestamp
from contracts.mock.task_engine import TASK_NAME, Subtask, Task
from contracts.ocp import MANUAL, RUNNING, TERMINAL_TASK

#: The OCP node that "executes" tasks (the mock itself, on loopback).
EXECUTOR = "127.0.0.1"
_TERMINAL = TERMINAL_TASK


def _context(task: Task) -> dict[str, Any]:
    return {
        "listMap": {
            "obproxy_server_ids": [str(s.id) for s in task.servers],
            "host_ids": [str(s.host_id) for s in task.servers],
        },
        "parallel": len(task.servers) > 1,
        "parallelIdx": -1,
        "stringMap": {
            "service_type": "OB_PROXY",
            "service_name": task.cluster.name,
            "obproxy_cluster_id": str(task.cluster.id),
            "short_rpm_name": task.package,
            "prohibit_rollback": "false",
        },
    }


def _subtask(sub: Subtask, step: int, tz: timezone) -> dict[str, Any]:
    changes = sub.at_step(step)
    node = sub.node
    item: dict[str, Any] = {
        "className": node.step.class_name,
        "description": node.step.name,
        "downstreams": list(node.downstreams),
        "id": node.id,
        "name": node.step.name,
        "nodeType": "JAVA_TASK",
        "operation": changes[-1].operation,
        "parallelIdx": node.parallel_idx,
        "prohibitRollback": False,
        "runTime": 0,
        "seriesId": node.step.series_id,
        "status": changes[-1].status,
        "timeout": node.step.timeout,
        "upstreams": list(node.upstreams),
    }
    for change in changes:
        if change.status == RUNNING:
            item.update(runTime=1, executor=EXECUTOR, startTime=format_timestamp(change.at, tz))
        elif change.status in _TERMINAL:
            item["finishTime"] = format_timestamp(change.at, tz)
    return item


def _common(task: Task, step: int, tz: timezone) -> dict[str, Any]:
    status = task.status_at(step)
    item: dict[str, Any] = {
        "createTime": format_timestamp(task.created_at, tz),
        "executor": EXECUTOR,
        "id": task.id,
        "name": TASK_NAME,
        "operation": status.operation,
        "prohibitRollback": False,
        "startTime": format_timestamp(task.created_at, tz),
        "status": status.status,
        "taskDefinitionId": -1,
        "type": MANUAL,
    }
    if status.status in _TERMINAL:
        item["finishTime"] = format_timestamp(status.at, tz)
    return item


def task_detail(
    task: Task, tz: timezone, *, step: int | None = None, creator_object: bool = True
) -> dict[str, Any]:
    """The task with context and every subtask with its edges, in the task's display order.

    ``creator_object``: task detail sends ``{id, name}``; the upgrade answer sends the name only,
    as the documented sample does.
    """
    at = task.step if step is None else step
    item = _common(task, at, tz)
    item["context"] = _context(task)
    item["creator"] = (
        {"id": task.creator.id, "name": task.creator.name} if creator_object else task.creator.name
    )
    item["subtasks"] = [_subtask(sub, at, tz) for sub in task.subtasks]
    return item


#: The members of a task-list item (OCP's ``BasicTaskInstance``, as the docs' "Query tasks" page
#: lists them): no ``type``, no ``operation``, no ``createTime``, ``executor``, ``prohibitRollback``
#: or ``taskDefinitionId``. ``cluster`` and ``tenant`` name an OceanBase cluster and tenant, which an
#: OBProxy task does not concern, so the mock's items omit them as OCP omits fields without a value.
SUMMARY_FIELDS = ("id", "name", "status", "startTime", "finishTime")


def task_summary(task: Task, tz: timezone) -> dict[str, Any]:
    """The task as the paged list shows it: subtasks with id, name, description, status, operation."""
    common = _common(task, task.step, tz)
    item = {name: common[name] for name in SUMMARY_FIELDS if name in common}
    item["creator"] = {"id": task.creator.id, "name": task.creator.name}
    item["subtasks"] = [
        {
            "description": sub.node.step.name,
            "id": sub.node.id,
            "name": sub.node.step.name,
            "operation": sub.history[-1].operation,
            "status": sub.status,
        }
        for sub in task.subtasks
    ]
    return item
