"""The operations, each checking its request in OCP's order before touching any state.

Order (Spring MVC's, as the spec describes it; credentials and permission are checked by the
app before a handler runs): path ids (400) → body (415 / 400) → blank ``shortRpmName`` (400) →
unknown cluster, server or package (404) → a server already being changed (409) → the task.
The failure path's calls (``ocp-api.md`` §5a): path ids (400) → unknown task or subtask (404,
code 20000) → a state the call does not apply to (400, code 20003; a prohibited rollback 20004)
→ the change, made by the engine. Handlers hold the engine lock while they read or change tasks,
and return plain JSON data (:data:`NO_DATA` for the calls OCP answers without ``data``).
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
from contracts.mock.inventory import Cluster, Inventory, Server, User, package_version
from contracts.mock.replies import NO_DATA
from contracts.mock.task_engine import TASK_NAME, Engine, Subtask, Task
from contracts.mock.views import cluster_detail, subtask_detail, subtask_log, task_detail, task_summary
from contracts.ocp import FAILED, MANUAL, ROLLBACK, RUNNING, SUCCESSFUL, UPGRADING


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
        task.prohibit_rollback |= world.faults.has(Quirk.ROLLBACK_IGNORES_PROHIBIT)
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
    """``GET /api/v2/obproxy/clusters/{id}``: the cluster and its servers, each with the version it
    runs and UPGRADING while a running task works on it (also the read a run uses to prove a
    cluster id absent)."""
    cluster_id = world.path_id(call, "id")
    cluster: Cluster | None = world.inventory.cluster(cluster_id)
    if cluster is None:
        raise errors.not_found("obproxy cluster", cluster_id, "id")
    engine = world.engine
    with engine.lock:
        engine.catch_up(call.now)
        detail = cluster_detail(cluster, engine, world.tz)
        _server_faults(world, cluster, detail)
        return Answer(detail)


def _server_faults(world: World, cluster: Cluster, detail: dict[str, Any]) -> None:
    """The ``servers-*`` faults: what the cluster read says of servers an upgrade touched."""
    finished = [
        t for t in world.engine.tasks() if t.cluster.id == cluster.id and t.status in (FAILED, SUCCESSFUL)
    ]
    by_id = {server.id: server for server in cluster.servers}
    for item in detail.get("obproxies", []):
        touched = [t for t in finished if any(s.id == item["id"] for s in t.servers)]
        if not touched or item["id"] not in by_id:
            continue
        last = touched[-1]
        if world.faults.has(Quirk.SERVERS_NOT_UPGRADED):
            item["version"] = by_id[item["id"]].version
        if world.faults.has(Quirk.SERVERS_CHANGED_BY_ROLLBACK) and last.operation == ROLLBACK:
            item["version"] = package_version(last.package)
        if world.faults.has(Quirk.SERVERS_STILL_UPGRADING) and item["status"] != UPGRADING:
            item["status"], item["operateStatus"] = UPGRADING, "OPERATING"


class _AbsentAccepted(Exception):
    """The ``unknown-task-accepted`` fault: a call on a task that does not exist is "accepted"."""


def _task(world: World, call: Call) -> Task:
    """The task the path names (the engine caught up to now), or 404 with code 20000."""
    return _task_by_id(world, call, world.path_id(call, "taskInstanceId"))


def _task_by_id(world: World, call: Call, task_id: int) -> Task:
    world.engine.catch_up(call.now)
    task = world.engine.get(task_id)
    if task is None and world.faults.has(Quirk.UNKNOWN_TASK_ACCEPTED):
        raise _AbsentAccepted
    if task is None:
        raise errors.task_not_found(task_id)
    return task


def _refused(world: World, ident: int, state: str, *, subtask: bool = False, why: str) -> errors.ApiError:
    """20003, or (``refusal-wrong-code``) the 404 of an unknown task."""
    if world.faults.has(Quirk.REFUSAL_WRONG_CODE):
        return errors.task_not_found(ident, subtask=subtask)
    return errors.task_state_invalid(ident, state, subtask=subtask, why=why)


def _accepting_absent(handler: Callable[[World, Call], Answer]) -> Callable[[World, Call], Answer]:
    """``handler``, answering 200 without data where ``unknown-task-accepted`` accepts a call."""

    def handle(world: World, call: Call) -> Answer:
        try:
            return handler(world, call)
        except _AbsentAccepted:
            return Answer(NO_DATA)

    handle.__doc__ = handler.__doc__
    return handle


def _subtask(world: World, call: Call) -> tuple[Task, Subtask]:
    """The task and the subtask of it the path names, or 404 with code 20000 for either."""
    task_id = world.path_id(call, "taskInstanceId")  # both ids validated before either is looked up
    subtask_id = world.path_id(call, "subtaskInstanceId")
    task = _task_by_id(world, call, task_id)
    sub = task.by_id.get(subtask_id)
    if sub is None:
        raise errors.task_not_found(subtask_id, subtask=True)
    return task, sub


def rollback_task(world: World, call: Call) -> Answer:
    """``POST /tasks/instances/{taskInstanceId}/rollback``: roll a FAILED task back (OCP's "Roll
    back a task"). A task not FAILED is refused with 20003, one that prohibits rollback with
    20004, in that order (OCP Express ``rollbackTask``). The answer is the task, as the docs show."""
    with world.engine.lock:
        task = _task(world, call)
        if task.status != FAILED:
            raise _refused(world, task.id, task.status, why="only a FAILED task can be rolled back")
        if task.prohibit_rollback and not world.faults.has(Quirk.ROLLBACK_IGNORES_PROHIBIT):
            raise errors.task_prohibits_rollback(task.id)
        if not world.faults.has(Quirk.ROLLBACK_LEFT_FAILED):
            world.engine.rollback(task, call.now)
        return Answer(task_detail(task, world.tz), poll=task.polls)


def retry_task(world: World, call: Call) -> Answer:
    """``POST /tasks/instances/{taskInstanceId}/retry``: retry a FAILED task's failed subtasks;
    a task not FAILED, or rolled back, is refused with 20003. The answer is the task."""
    with world.engine.lock:
        task = _task(world, call)
        if world.faults.has(Quirk.RETRY_ANY_STATE) and (task.status != FAILED or task.operation == ROLLBACK):
            return Answer(task_detail(task, world.tz), poll=task.polls)
        ignored = world.faults.has(Quirk.RETRY_IGNORED) and task.status == FAILED
        refusal = None if ignored else world.engine.retry(task, call.now)
        if refusal is not None:
            raise _refused(
                world, task.id, refusal, why="only a FAILED task that was not rolled back can be retried"
            )
        other = world.engine.newest_other_than(task.id) if world.faults.has(Quirk.RETRY_OTHER_TASK) else None
        shown = other if other is not None else task
        return Answer(task_detail(shown, world.tz), poll=shown.polls)


def subtask_log_of(world: World, call: Call) -> Answer:
    """``GET …/subtasks/{subtaskInstanceId}/log``: the subtask's log; a FAILED one says why."""
    with world.engine.lock:
        task, sub = _subtask(world, call)
        return Answer({"log": subtask_log(task, sub, world.tz)})


@dataclass(frozen=True)
class _SubtaskCall:
    """How the mock answers one subtask control call (``POST …/subtasks/{subtaskInstanceId}/…``):
    the engine's move, which makes it or names the state that refuses it (OCP's 20003, with
    ``why``); the state OCP allows it from; the fault that accepts it there and changes nothing,
    and the fault that accepts it from any other state; whether the answer is the subtask (else
    no data, OCP's ``NoDataResponse``)."""

    move: Callable[[Engine, Task, Subtask, datetime], str | None]
    allowed_from: str
    why: str
    ignored_by: Quirk
    any_state: Quirk | None
    answers_subtask: bool


#: The subtask control calls: a retry makes a FAILED subtask not under ROLLBACK READY under RETRY
#: (answers the subtask), a skip a FAILED one READY under SKIP, a cancel a RUNNING one CANCELING.
_SUBTASK_CALLS: dict[str, _SubtaskCall] = {
    "subtask-retry": _SubtaskCall(
        Engine.retry_subtask,
        FAILED,
        "only a FAILED subtask not under ROLLBACK can be retried",
        Quirk.SUBTASK_RETRY_IGNORED,
        None,
        answers_subtask=True,
    ),
    "subtask-skip": _SubtaskCall(
        Engine.skip,
        FAILED,
        "only a FAILED subtask can be skipped",
        Quirk.SKIP_IGNORED,
        Quirk.SKIP_ANY_STATE,
        answers_subtask=False,
    ),
    "subtask-cancel": _SubtaskCall(
        Engine.cancel,
        RUNNING,
        "only a RUNNING subtask can be cancelled",
        Quirk.CANCEL_IGNORED,
        Quirk.CANCEL_ANY_STATE,
        answers_subtask=False,
    ),
}


def _subtask_control(how: _SubtaskCall) -> Callable[[World, Call], Answer]:
    """The handler of one subtask control call, under the engine's lock."""

    def handle(world: World, call: Call) -> Answer:
        with world.engine.lock:
            task, sub = _subtask(world, call)
            fault = how.ignored_by if sub.status == how.allowed_from else how.any_state
            accepted_as_is = fault is not None and world.faults.has(fault)
            refusal = None if accepted_as_is else how.move(world.engine, task, sub, call.now)
            if refusal is not None:
                raise _refused(world, sub.node.id, refusal, subtask=True, why=how.why)
            return Answer(subtask_detail(sub, task.step, world.tz) if how.answers_subtask else NO_DATA)

    return handle


#: Each route's handler, by the short name of ``contracts.ocp`` (``ROUTES``, ``LIFECYCLE_ROUTES``).
HANDLERS: dict[str, Callable[[World, Call], Answer]] = {
    "upgrade": upgrade,
    "task": get_task,
    "tasks": list_tasks,
    "cluster": get_cluster,
    "task-retry": _accepting_absent(retry_task),
    "task-rollback": _accepting_absent(rollback_task),
    "subtask-log": _accepting_absent(subtask_log_of),
    **{route: _accepting_absent(_subtask_control(how)) for route, how in _SUBTASK_CALLS.items()},
}
