"""The three operations, each checking its request in OCP's order before touching any state.

Order (Spring MVC's, as the spec describes it; credentials and permission are checked by the
app before a handler runs): path ids (400) → body (415 / 400) → blank ``shortRpmName`` (400) →
unknown cluster, server or package (404) → a server already being changed (409) → the task.
Handlers hold the engine lock while they read or change tasks, and return plain JSON data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from contracts.mock import api_errors as errors
from contracts.mock import params
from contracts.mock.faults import FaultSet, Quirk
from contracts.mock.inventory import Inventory, Server, User
from contracts.mock.task_engine import TASK_NAME, Engine, Task
from contracts.mock.views import task_detail, task_summary
from contracts.ocp import MANUAL, RUNNING


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated, routed request, as the handlers see it."""

    params: dict[str, str]
    query_get: Callable[[str], str | None]
    query_all: Callable[[str], list[str]]
    content_type: str | None
    body: bytes
    user: User
    now: datetime


@dataclass(frozen=True, slots=True)
class Answer:
    """The ``data`` of a 200 and, for task detail, which poll of the task this was."""

    data: Any
    poll: int = 0


@dataclass(frozen=True, slots=True)
class World:
    """What the handlers work on."""

    inventory: Inventory
    engine: Engine
    faults: FaultSet
    tz: timezone
    #: ``False``: the upgrade documents no body (OCP before 4.0.3), so none is required.
    upgrade_body: bool = True

    def path_id(self, call: Call, name: str) -> int:
        raw = call.params[name]
        if self.faults.has(Quirk.NON_NUMERIC_ID_500) and not raw.isdigit():
            raise errors.internal(
                "Unexpected error, please contact the administrator.",
                f'java.lang.NumberFormatException: For input string: "{raw}"',
            )
        return params.parse_id(raw, name)

    def path_ids(self, call: Call, name: str) -> tuple[int, ...]:
        raw = call.params[name]
        if self.faults.has(Quirk.NON_NUMERIC_ID_500) and not raw.replace(",", "").isdigit():
            raise errors.internal(
                "Unexpected error, please contact the administrator.",
                f'java.lang.NumberFormatException: For input string: "{raw}"',
            )
        return params.parse_id_list(raw, name)


class _UnknownCluster(Exception):
    """The ``unknown-cluster-accepted`` fault: an unknown cluster is "accepted" with no data."""


def _servers(world: World, cluster_id: int, server_ids: Sequence[int]) -> tuple[Any, tuple[Server, ...]]:
    cluster = world.inventory.cluster(cluster_id)
    if cluster is None and world.faults.has(Quirk.UNKNOWN_CLUSTER_ACCEPTED):
        raise _UnknownCluster()
    if cluster is None:
        raise errors.not_found("obproxy cluster", cluster_id, "id")
    servers: list[Server] = []
    for server_id in server_ids:
        server = cluster.server(server_id)
        if server is None:
            raise errors.not_found("obproxy server", server_id, "obproxyIds")
        servers.append(server)
    return cluster, tuple(servers)


def upgrade(world: World, call: Call) -> Answer:
    """``POST …/clusters/{id}/obproxies/{obproxyIds}/upgrade``: a new upgrade task, just created."""
    cluster_id = world.path_id(call, "id")
    server_ids = world.path_ids(call, "obproxyIds")
    lenient = world.faults.has(Quirk.ACCEPT_MISSING_BODY) or not world.upgrade_body
    package = params.read_short_rpm_name(call.content_type, call.body, allow_missing=lenient)
    package = package if package is not None else world.inventory.packages[-1]
    try:
        cluster, servers = _servers(world, cluster_id, server_ids)
    except _UnknownCluster:
        return Answer(None)
    if not world.inventory.has_package(package):
        raise errors.not_found("obproxy install package", package, "shortRpmName")
    engine = world.engine
    with engine.lock:
        engine.catch_up(call.now)
        busy = engine.busy_with(server_ids)
        if busy is not None:
            raise errors.conflict(*busy)
        task = engine.create(
            cluster=cluster, servers=servers, package=package, creator=call.user, now=call.now
        )
        return Answer(task_detail(task, world.tz, creator_object=False))


def _stale_step(world: World, task: Task) -> int | None:
    """With ``stale-read``: every second poll of a running task shows it three steps back."""
    if (
        world.faults.has(Quirk.STALE_READS)
        and task.polls % 2 == 0
        and task.status == RUNNING
        and task.step >= 3
    ):
        return task.step - 3
    return None


def get_task(world: World, call: Call) -> Answer:
    """``GET /tasks/instances/{taskInstanceId}``: the task with its graph (a poll advances it)."""
    task_id = world.path_id(call, "taskInstanceId")
    engine = world.engine
    with engine.lock:
        task = engine.observe(task_id, call.now)
        if task is None or (world.faults.has(Quirk.HIDE_CREATED_TASKS) and not task.pinned):
            raise errors.task_not_found(task_id)
        shown = task
        if world.faults.has(Quirk.WRONG_TASK):
            shown = engine.newest_other_than(task_id) or task
        return Answer(task_detail(shown, world.tz, step=_stale_step(world, task)), poll=task.polls)


def _matches(task: Task, query: params.ListQuery) -> bool:
    return (
        (query.name is None or query.name.lower() in TASK_NAME.lower())
        and (not query.statuses or task.status in query.statuses)
        and (query.type is None or query.type == MANUAL)
        and query.cluster_id is None
        and query.tenant_id is None
        and (query.host_id is None or any(s.host_id == query.host_id for s in task.servers))
    )


def _sort_key(prop: str) -> Callable[[Task], tuple[Any, ...]]:
    def key(task: Task) -> tuple[Any, ...]:
        if prop == "status":
            return (task.status, task.id)
        if prop == "finishTime":
            finished = task.status != RUNNING
            return (finished, task.history[-1].at if finished else task.created_at, task.id)
        if prop in ("createTime", "startTime"):
            return (task.created_at, task.id)
        return (task.id,)  # "id", and "name" (every task has the same name)

    return key


def list_tasks(world: World, call: Call) -> Answer:
    """``GET /tasks/instances``: one page of tasks, newest first by default."""
    query = params.parse_list_query(call.query_get, call.query_all)
    engine = world.engine
    with engine.lock:
        engine.catch_up(call.now)
        found = sorted(
            (t for t in engine.tasks() if _matches(t, query)),
            key=_sort_key(query.sort),
            reverse=query.descending,
        )
        start = (query.page - 1) * query.size
        contents = [task_summary(task, world.tz) for task in found[start : start + query.size]]
    page = {
        "totalElements": len(found),
        "totalPages": math.ceil(len(found) / query.size),
        "number": query.page,
        "size": query.size,
    }
    return Answer({"contents": contents, "page": page})


def get_cluster(world: World, call: Call) -> Answer:
    """``GET /api/v2/obproxy/clusters/{id}``: the cluster and its servers, or 404 — outside the
    contract, served so a run can prove a cluster id absent before it probes the upgrade with it."""
    cluster_id = world.path_id(call, "id")
    cluster = world.inventory.cluster(cluster_id)
    if cluster is None:
        raise errors.not_found("obproxy cluster", cluster_id, "id")
    servers = [{"id": server.id, "hostId": server.host_id} for server in cluster.servers]
    return Answer({"id": cluster.id, "name": cluster.name, "obproxies": servers})


def rollback_task(world: World, call: Call) -> Answer:
    """``POST /tasks/instances/{taskInstanceId}/rollback``: roll a FAILED task back (OCP's "Roll
    back a task"); any other task is refused with 20003, task state invalid, as OCP does."""
    task_id = world.path_id(call, "taskInstanceId")
    engine = world.engine
    with engine.lock:
        task = engine.get(task_id)
        if task is None:
            raise errors.task_not_found(task_id)
        if not engine.rollback(task, call.now):
            raise errors.task_state_invalid(task_id, task.status)
        return Answer(task_detail(task, world.tz), poll=task.polls)


HANDLERS: dict[str, Callable[[World, Call], Answer]] = {
    "upgrade": upgrade,
    "cluster": get_cluster,
    "task": get_task,
    "tasks": list_tasks,
    "rollback": rollback_task,
}
