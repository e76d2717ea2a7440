"""OCP's vocabulary, defined once: statuses, operations, task types, routes, ids, secret names.

Every other module names these through this one, so they cannot drift apart. The enums are the
spec's (``spec/openapi.yaml``: ``TaskStatus``, ``SubtaskStatus``, ``TaskOperation``,
``SubtaskOperation``, ``TaskType``) and the routes and operation ids its ``paths``; a test holds
them equal. Nothing here imports the spec, so the command line starts without parsing it.
"""

from __future__ import annotations

import re
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
#: Outside the contract: the cluster read the mock serves and a run uses to prove an id absent.
CLUSTER_PATH: Final = API_PREFIX + "/obproxy/clusters/{id}"

UPGRADE_OPERATION_ID: Final = "upgradeObproxies"
TASK_OPERATION_ID: Final = "getTaskInstance"
TASKS_OPERATION_ID: Final = "listTaskInstances"
#: Short name → (method, path, operationId) of each operation of the contract.
ROUTES: Final = {
    "upgrade": ("POST", UPGRADE_PATH, UPGRADE_OPERATION_ID),
    "task": ("GET", TASK_PATH, TASK_OPERATION_ID),
    "tasks": ("GET", TASKS_PATH, TASKS_OPERATION_ID),
}

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
