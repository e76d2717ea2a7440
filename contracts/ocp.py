"""OCP's vocabulary, defined once: statuses, operations, task types, routes, ids, secret names.

Every other module names these through this one, so they cannot drift apart. The enums are the
spec's (``spec/openapi.yaml``: ``TaskStatus``, ``SubtaskStatus``, ``TaskOperation``,
``SubtaskOperation``, ``TaskType``) and the routes and operation ids its ``paths``; a test holds
them equal. Nothing here imports the spec, so the command line starts without parsing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# --- statuses (a task has no PENDING, READY or CANCELING; only FAILED and SUCCESSFUL are final)
PENDING: Final = "PENDING"
READY: Final = "READY"
RUNNING: Final = "RUNNING"
CANCELING: Final = "CANCELING"
FAILED: Final = "FAILED"
SUCCESSFUL: Final = "SUCCESSFUL"

TASK_STATUSES: Final = (RUNNING, FAILED, SUCCESSFUL)
SUBTASK_STATUSES: Final = (PENDING, READY, RUNNING, CANCELING, FAILED, SUCCESSFUL)
TERMINAL_TASK: Final = frozenset({FAILED, SUCCESSFUL})
TERMINAL_SUBTASK: Final = frozenset({FAILED, SUCCESSFUL})

# --- operations: the last one applied to a task or subtask
EXECUTE: Final = "EXECUTE"
RETRY: Final = "RETRY"
ROLLBACK: Final = "ROLLBACK"
SKIP: Final = "SKIP"
CANCEL: Final = "CANCEL"
ROLLBACK_SKIP: Final = "ROLLBACK_SKIP"

TASK_OPERATIONS: Final = (EXECUTE, RETRY, ROLLBACK, SKIP, CANCEL)
SUBTASK_OPERATIONS: Final = (*TASK_OPERATIONS, ROLLBACK_SKIP)
#: Operations that undo a subtask's work (a rollback leaves it PENDING again).
UNDOING: Final = frozenset({ROLLBACK, ROLLBACK_SKIP})

# --- task types (``SYS_ONECE`` is spelled so by OCP)
MANUAL: Final = "MANUAL"
TASK_TYPES: Final = (MANUAL, "SYS_ONECE", "SCHEDULED", "SYS_SCHEDULED")

# --- routes: the spec's paths, and its operation ids under the short names the tool uses
API_PREFIX: Final = "/api/v2"
UPGRADE_PATH: Final = API_PREFIX + "/obproxy/clusters/{id}/obproxies/{obproxyIds}/upgrade"
TASK_PATH: Final = API_PREFIX + "/tasks/instances/{taskInstanceId}"
TASKS_PATH: Final = API_PREFIX + "/tasks/instances"
#: The OBProxy cluster read: each server's version and status (and the read that proves an id absent).
CLUSTER_PATH: Final = API_PREFIX + "/obproxy/clusters/{id}"
# The failure path (ocp-api.md §5a): task retry and rollback; a subtask's log, retry, skip, cancel.
TASK_RETRY_PATH: Final = TASK_PATH + "/retry"
TASK_ROLLBACK_PATH: Final = TASK_PATH + "/rollback"
SUBTASK_PATH: Final = TASK_PATH + "/subtasks/{subtaskInstanceId}"
SUBTASK_LOG_PATH: Final = SUBTASK_PATH + "/log"
SUBTASK_RETRY_PATH: Final = SUBTASK_PATH + "/retry"
SUBTASK_SKIP_PATH: Final = SUBTASK_PATH + "/skip"
SUBTASK_CANCEL_PATH: Final = SUBTASK_PATH + "/cancel"

UPGRADE_OPERATION_ID: Final = "upgradeObproxies"
TASK_OPERATION_ID: Final = "getTaskInstance"
TASKS_OPERATION_ID: Final = "listTaskInstances"
CLUSTER_OPERATION_ID: Final = "getObproxyCluster"
TASK_RETRY_OPERATION_ID: Final = "retryTaskInstance"
TASK_ROLLBACK_OPERATION_ID: Final = "rollbackTaskInstance"
SUBTASK_LOG_OPERATION_ID: Final = "getSubtaskLog"
SUBTASK_RETRY_OPERATION_ID: Final = "retrySubtask"
SUBTASK_SKIP_OPERATION_ID: Final = "skipSubtask"
SUBTASK_CANCEL_OPERATION_ID: Final = "cancelSubtask"
#: Short name → (method, path, operationId) of each operation of the contract.
ROUTES: Final = {
    "upgrade": ("POST", UPGRADE_PATH, UPGRADE_OPERATION_ID),
    "task": ("GET", TASK_PATH, TASK_OPERATION_ID),
    "tasks": ("GET", TASKS_PATH, TASKS_OPERATION_ID),
}
#: The failure path's operations and the cluster read, under the same kind of short names; the
#: control calls (every POST here) change a live system as an upgrade does.
LIFECYCLE_ROUTES: Final = {
    "cluster": ("GET", CLUSTER_PATH, CLUSTER_OPERATION_ID),
    "task-retry": ("POST", TASK_RETRY_PATH, TASK_RETRY_OPERATION_ID),
    "task-rollback": ("POST", TASK_ROLLBACK_PATH, TASK_ROLLBACK_OPERATION_ID),
    "subtask-log": ("GET", SUBTASK_LOG_PATH, SUBTASK_LOG_OPERATION_ID),
    "subtask-retry": ("POST", SUBTASK_RETRY_PATH, SUBTASK_RETRY_OPERATION_ID),
    "subtask-skip": ("POST", SUBTASK_SKIP_PATH, SUBTASK_SKIP_OPERATION_ID),
    "subtask-cancel": ("POST", SUBTASK_CANCEL_PATH, SUBTASK_CANCEL_OPERATION_ID),
}
#: Operation ids of the calls that change a task: never sent to a live OCP without --allow-upgrade.
CONTROL_OPERATION_IDS: Final = frozenset(
    op for method, _, op in LIFECYCLE_ROUTES.values() if method == "POST"
)


@dataclass(frozen=True, slots=True)
class ControlCall:
    """One call of the failure path as OCP's engine implements it (ocp-api.md §5a): what it acts
    on, the statuses it is allowed from, the status and operation it leaves behind, what the
    answer's ``data`` is, and the error code of its refusal in any other state."""

    route: str  #: short name in LIFECYCLE_ROUTES
    acts_on: str  #: "task" or "subtask"
    allowed_from: frozenset[str]
    moves_to: str
    operation: str
    answers: str  #: "task", "subtask", "task or nothing" (docs vs OCP Express) or "nothing"
    refusal_code: int = 20003  #: TASK_STATE_INVALID_CODE


#: Which call moves which state. A task retry is refused for a task whose operation is ROLLBACK, a
#: rollback when the task has ``prohibitRollback`` (code 20004) but not for a FAILED rollback, which
#: may be rolled back again; a subtask retry is refused for a subtask under ROLLBACK, while a skip
#: there passes it as ROLLBACK_SKIP (OCP Express ``TaskInstanceManagerImpl``,
#: ``SubtaskInstanceManagerImpl``); the moved subtasks run again under the engine.
CONTROL_CALLS: Final = (
    ControlCall("task-retry", "task", frozenset({FAILED}), RUNNING, RETRY, "task"),
    ControlCall("task-rollback", "task", frozenset({FAILED}), RUNNING, ROLLBACK, "task or nothing"),
    ControlCall("subtask-retry", "subtask", frozenset({FAILED}), READY, RETRY, "subtask"),
    ControlCall("subtask-skip", "subtask", frozenset({FAILED}), READY, SKIP, "nothing"),
    ControlCall("subtask-cancel", "subtask", frozenset({RUNNING}), CANCELING, CANCEL, "nothing"),
)

# --- error codes of the task API (ocp-api.md §3, §5a)
TASK_NOT_FOUND_CODE: Final = 20000  # 404 "The {0} task does not exist."
#: 400 "This operation is not supported for the {0} task in the {1} state."
TASK_STATE_INVALID_CODE: Final = 20003
TASK_PROHIBITS_ROLLBACK_CODE: Final = 20004  # 400

# --- OBProxy server status while an upgrade task works on it
UPGRADING: Final = "UPGRADING"

# --- ids: OCP ids are Java Longs, sent as JSON integers or numeric strings
LONG_MIN: Final = -(2**63)
LONG_MAX: Final = 2**63 - 1
_LONG_TEXT = re.compile(r"-?[0-9]{1,19}")


def parse_id(value: object) -> int:
    """A Long id from a JSON integer or a numeric string; :class:`ValueError` for anything else.

    Total: ``"--5"``, ``"١٢"``, ``True``, ``1.5``, ``None`` and values beyond a Long raise
    ``ValueError`` (never another exception), which the caller turns into a violation or a skip.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not an OCP id: a {type(value).__name__}")
    if isinstance(value, str) and not _LONG_TEXT.fullmatch(value):
        raise ValueError("not an OCP id: a string that is no decimal Long")
    number = int(value)
    if not LONG_MIN <= number <= LONG_MAX:
        raise ValueError("not an OCP id: beyond the range of a Long")
    return number


def id_or_none(value: object) -> int | None:
    """:func:`parse_id`, with ``None`` for a value that is no id."""
    try:
        return parse_id(value)
    except ValueError:
        return None


# --- secrets: names of headers and query parameters whose values are never shown
#: Anywhere in a name (``privatekey``, ``X-Auth-Token``), these make it secret: masking one name
#: too many costs nothing, missing one leaks.
_SECRET_STEMS: Final = (
    "auth", "token", "secret", "password", "passwd", "key", "session", "cookie", "credential", "signature",
)  # fmt: skip
#: Too short to look for inside words; secret as whole words (``X-Pwd``, ``sig``).
_SECRET_WORDS: Final = frozenset({"pwd", "sig"})
_WORD_BREAK = re.compile(r"[^a-z0-9]+")


def is_secret_name(name: str) -> bool:
    """Whether a header or parameter named ``name`` carries a secret: ``X-Auth-Token``,
    ``X-Api-Key``, ``Cookie``, ``secretKey``, ``accessKey``, ``db_password``, ``sig``."""
    lowered = name.lower()
    return any(stem in lowered for stem in _SECRET_STEMS) or not _SECRET_WORDS.isdisjoint(
        _WORD_BREAK.split(lowered)
    )
