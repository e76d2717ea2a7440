"""Keyword-only factories for tasks and subtasks shaped like OCP's samples.

``make_subtask`` and ``make_task`` fill in every field a real response carries, so a test names
only what it is about. ``make_upgrade_dag`` builds the graph of a realistic upgrade: a start
node, one chain per OBProxy server (prepare → download → stop → install → start → check, with
``parallelIdx`` 0..n−1), and a finish node. Its ids increase along every edge, so sorting the
subtasks by id gives a topological order; the subtasks themselves come shuffled, as OCP's Java
Set serialises them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

STEPS = ("prepare", "download", "stop", "install", "start", "check")
TASK_START = "2021-09-03T16:31:58.151+08:00"


def make_subtask(
    *,
    id: object = 1,
    status: object = "PENDING",
    upstreams: Iterable[object] = (),
    downstreams: Iterable[object] = (),
    operation: object = "EXECUTE",
    name: str | None = None,
    parallel_idx: int = -1,
    **extra: Any,
) -> dict[str, Any]:
    """A subtask object; ``extra`` adds or overrides fields (``startTime=...``).

    Values are typed ``object`` on purpose: tests build malformed subtasks with it too.
    """
    label = name or f"Subtask {id}"
    subtask: dict[str, Any] = {
        "className": "com.alipay.ocp.service.task.business.obproxy.UpgradeObproxyTask",
        "description": label,
        "downstreams": list(downstreams),
        "id": id,
        "name": label,
        "nodeType": "JAVA_TASK",
        "operation": operation,
        "parallelIdx": parallel_idx,
        "prohibitRollback": False,
        "runTime": 1,
        "seriesId": 0,
        "status": status,
        "timeout": 1800,
        "upstreams": list(upstreams),
    }
    subtask.update(extra)
    return subtask


def make_task(
    *,
    subtasks: Iterable[object] = (),
    status: object = "RUNNING",
    id: object = 33149,
    operation: object = "EXECUTE",
    obproxy_ids: Sequence[object] = ("2",),
    **extra: Any,
) -> dict[str, Any]:
    """A task object; ``extra`` adds or overrides fields (``finishTime=...``, ``context=...``)."""
    task: dict[str, Any] = {
        "context": {
            "listMap": {"obproxy_server_ids": list(obproxy_ids), "host_ids": ["2"]},
            "parallel": False,
            "parallelIdx": -1,
            "stringMap": {"service_type": "OB_PROXY", "prohibit_rollback": "false", "service_name": "test"},
        },
        "creator": "admin",
        "executor": "127.0.0.1",
        "id": id,
        "name": "Upgrade obproxy",
        "operation": operation,
        "startTime": TASK_START,
        "status": status,
        "subtasks": list(subtasks),
        "taskDefinitionId": -1,
        "type": "MANUAL",
    }
    task.update(extra)
    return task


def make_chain(*, ids: Sequence[object], status: str = "PENDING") -> list[dict[str, Any]]:
    """Lean subtasks (id, status, edges) linked one after another in the order of ``ids``.

    Lean because chains serve the large-graph tests, where a million full subtasks would cost
    more to build than to check.
    """
    last = len(ids) - 1
    return [
        {
            "id": key,
            "status": status,
            "upstreams": [ids[i - 1]] if i > 0 else [],
            "downstreams": [ids[i + 1]] if i < last else [],
        }
        for i, key in enumerate(ids)
    ]


def make_upgrade_dag(
    *, servers: int = 1, steps: int = 6, first_id: int = 40001, seed: int = 0
) -> dict[str, Any]:
    """A just-created upgrade task (start READY, the rest PENDING) over ``servers`` OBProxies.

    Each server's chain has ``steps`` subtasks (the names of :data:`STEPS`, then ``step-7``…).
    """
    start, finish = first_id, first_id + servers * steps + 1
    subtasks = [make_subtask(id=start, status="READY", name="Start node", downstreams=[])]
    finish_node = make_subtask(id=finish, name="Finish node", upstreams=[])
    for server in range(servers):
        chain = [start + 1 + server * steps + step for step in range(steps)]
        subtasks[0]["downstreams"].append(chain[0])
        finish_node["upstreams"].append(chain[-1])
        for step, key in enumerate(chain):
            subtasks.append(
                make_subtask(
                    id=key,
                    name=STEPS[step] if step < len(STEPS) else f"step-{step + 1}",
                    parallel_idx=server,
                    upstreams=[chain[step - 1] if step else start],
                    downstreams=[chain[step + 1] if step < steps - 1 else finish],
                )
            )
    subtasks.append(finish_node)
    random.Random(seed).shuffle(subtasks)
    return make_task(subtasks=subtasks, obproxy_ids=[str(server + 1) for server in range(servers)])


def by_id(task: dict[str, Any]) -> dict[Any, int]:
    """Subtask id → its index in ``task["subtasks"]`` (for building expected pointers)."""
    return {subtask["id"]: index for index, subtask in enumerate(task["subtasks"])}
