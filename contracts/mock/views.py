"""Tasks as OCP serialises them: the detail (with the graph) and the list item (without edges);
a subtask alone and its log; the OBProxy cluster with its servers.

Fields without a value are omitted, never sent as ``null`` (``finishTime`` while running,
``startTime`` of a subtask that has not run). ``step`` renders the task as it was at an earlier
step; the faithful mock always renders the current one.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from contracts.mock.inventory import Cluster
from contracts.mock.replies import format_timestamp
from contracts.mock.task_engine import TASK_NAME, Change, Engine, Subtask, Task
from contracts.ocp import (
    CANCEL,
    CANCELING,
    FAILED,
    MANUAL,
    PENDING,
    READY,
    RUNNING,
    SUCCESSFUL,
    TERMINAL_TASK,
    UPGRADING,
)

#: The OCP node that "executes" tasks (the mock itself, on loopback).
EXECUTOR = "127.0.0.1"
_TERMINAL = TERMINAL_TASK
_UNFINISHED = frozenset({READY, RUNNING, CANCELING})


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
            "prohibit_rollback": str(task.prohibit_rollback).lower(),
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
    runs = 0
    for change in changes:
        if change.status == RUNNING:
            runs += 1  # runTime counts the executions: a retried subtask shows 2
            item.update(runTime=runs, executor=EXECUTOR, startTime=format_timestamp(change.at, tz))
        elif change.status in _TERMINAL:
            item["finishTime"] = format_timestamp(change.at, tz)
    if changes[-1].status in _UNFINISHED:
        item.pop("finishTime", None)  # retried, skipped or being cancelled: it has not finished again
    return item


def _common(task: Task, step: int, tz: timezone) -> dict[str, Any]:
    status = task.status_at(step)
    item: dict[str, Any] = {
        "createTime": format_timestamp(task.created_at, tz),
        "executor": EXECUTOR,
        "id": task.id,
        "name": TASK_NAME,
        "operation": status.operation,
        "prohibitRollback": task.prohibit_rollback,
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


def subtask_detail(sub: Subtask, step: int, tz: timezone) -> dict[str, Any]:
    """One subtask as OCP's ``SubtaskInstance`` (the answer of a subtask retry)."""
    return _subtask(sub, step, tz)


def _log_line(at: datetime, tz: timezone, level: str, text: str) -> str:
    stamp = at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}"
    return f"{stamp} {level:>5} --- [pool-subtask-executor] {text}"


def _failure_reason(task: Task, sub: Subtask, change: Change) -> str:
    if change.operation == CANCEL:
        return "cancelled by a user (Cancel a subtask)"
    times = f"its first {sub.fail_times} run(s)" if sub.fail_times else "every run"
    return (
        f"{sub.node.step.name} failed on obproxy server {sub.node.server_id}: the mock's inventory "
        f"makes step '{sub.node.step.key}' fail {times} (failAt)"
    )


def subtask_log(task: Task, sub: Subtask, tz: timezone) -> str:
    """The subtask's log as OCP writes it: a banner per run (``{EXECUTE}``, ``{RETRY}``…), then a
    line per change; a FAILED run says why it failed. Empty for a subtask that has not run."""
    lines: list[str] = []
    name = sub.node.step.class_name.rsplit(".", 1)[-1]
    for change in sub.history[1:]:
        if change.status == RUNNING:
            stamp = format_timestamp(change.at, tz)
            lines.append(f"############{{{change.operation}}}{{{stamp}}}############")
            lines.append(
                _log_line(change.at, tz, "INFO", f"{name} : Run subtask, id={sub.node.id}, task={task.id}")
            )
        elif change.status == FAILED:
            reason = _failure_reason(task, sub, change)
            lines.append(_log_line(change.at, tz, "ERROR", f"{name} : {reason}"))
            lines.append(
                _log_line(
                    change.at, tz, "INFO", f"{name} : Set state for subtask: {sub.node.id}, new state: FAILED"
                )
            )
        elif change.status in (SUCCESSFUL, CANCELING, PENDING, READY):
            state = f"{change.status} ({change.operation})"
            lines.append(
                _log_line(
                    change.at,
                    tz,
                    "INFO",
                    f"{name} : Set state for subtask: {sub.node.id}, new state: {state}",
                )
            )
    return "\n".join(lines) + ("\n" if lines else "")


def cluster_detail(cluster: Cluster, engine: Engine, tz: timezone) -> dict[str, Any]:
    """The OBProxy cluster as "Query details about an OBProxy cluster" shows it: its servers with
    the version each runs, UPGRADING (operateStatus OPERATING) while a running task works on one."""
    servers: list[dict[str, Any]] = []
    for server in cluster.servers:
        busy = engine.upgrading(server.id)
        servers.append(
            {
                "architecture": "x86_64",
                "clusterId": cluster.id,
                "exporterPort": 2884,
                "hostId": server.host_id,
                "id": server.id,
                "idcName": "idc1",
                "ip": f"127.0.0.{server.host_id % 250 + 1}",
                "operateStatus": "OPERATING" if busy else "NORMAL",
                "sqlPort": 2883,
                "status": UPGRADING if busy else RUNNING,
                "version": engine.version_of(server),
            }
        )
    versions: dict[str, int] = {}
    for item in servers:
        versions[item["version"]] = versions.get(item["version"], 0) + 1
    return {
        "address": "127.0.0.1",
        "id": cluster.id,
        "name": cluster.name,
        "obLinks": [],
        "obproxies": servers,
        "port": 2883,
        "topo": [{"count": len(servers), "idcName": "idc1"}],
        "versions": [{"count": count, "version": version} for version, count in versions.items()],
    }
