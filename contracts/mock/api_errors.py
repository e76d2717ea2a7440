"""The failures the mock answers with, as values: HTTP status, OCP error code, message, target.

One class, :class:`ApiError`, is raised anywhere in request handling and turned into the error
envelope in one place (:mod:`contracts.mock.app`). The factories below hold OCP's codes
(``ocp-api.md`` §3, §5a) so handlers never spell a number: 10001 invalid parameter, 10002 not
found, 20000 task not found, 20003 task state invalid, 20004 task prohibits rollback, 30001
unauthorized, 30014 no permission, 10000 for media type, method and unexpected errors, 0 for the
rate limit.

``error.target`` is an object, as OCP's ``ApiError`` serialises its ``ApiErrorTarget``: always the
request ``parameter`` (or body field) the error is about, and for a resource its ``type`` and ``id``
(``{"type": "TASK_INSTANCE", "id": 99, "parameter": "taskInstanceId"}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contracts.ocp import TASK_NOT_FOUND_CODE, TASK_PROHIBITS_ROLLBACK_CODE, TASK_STATE_INVALID_CODE

#: ``error.target`` as OCP serialises an ``ApiErrorTarget``: an object.
Target = dict[str, Any]

#: The kinds of resource an ``error.target`` names.
TASK_INSTANCE = "TASK_INSTANCE"
SUBTASK_INSTANCE = "SUBTASK_INSTANCE"


def parameter(name: str) -> Target:
    """The target of an error about a request parameter or body field."""
    return {"parameter": name}


def resource(kind: str, ident: int | str, name: str) -> Target:
    """The target of an error about a resource, named by the parameter ``name``."""
    return {"type": kind, "id": ident, "parameter": name}


@dataclass(frozen=True, slots=True)
class SubError:
    """One rejected field of a request (``error.subErrors[]``)."""

    object: str
    field: str
    rejected_value: Any
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "object": self.object,
            "field": self.field,
            "rejectedValue": self.rejected_value,
            "message": self.message,
        }


@dataclass(eq=False)
class ApiError(Exception):
    """A request the mock refuses: becomes ``{successful: false, status, error: {...}}``.

    Not frozen: ``contextlib`` and pytest assign ``__traceback__`` on exceptions they pass on.
    """

    status: int
    code: int
    message: str
    target: Target | None = None
    debug_message: str | None = None
    sub_errors: tuple[SubError, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"HTTP {self.status} ({self.code}): {self.message}"

    def to_json(self) -> dict[str, Any]:
        """The ``error`` object; absent fields are omitted, never ``null``."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target is not None:
            error["target"] = self.target
        if self.debug_message is not None:
            error["debugMessage"] = self.debug_message
        if self.sub_errors:
            error["subErrors"] = [sub.to_json() for sub in self.sub_errors]
        return error


def invalid_parameter(name: str, value: str, reason: str) -> ApiError:
    """400: a path or query parameter that does not convert (Spring's type mismatch)."""
    return ApiError(
        400, 10001, f"Invalid parameter: {name}, value: {value}", target=parameter(name), debug_message=reason
    )


def validation_failed(field_name: str, rejected: Any, reason: str) -> ApiError:
    """400: a body field that fails bean validation (``@NotBlank``)."""
    return ApiError(
        400,
        10001,
        "Validation failed",
        target=parameter(field_name),
        sub_errors=(SubError("upgradeObproxyParam", field_name, rejected, reason),),
    )


def unreadable_body(reason: str) -> ApiError:
    """400: a body that is missing, not JSON, or not the object the operation reads."""
    return ApiError(
        400,
        10001,
        "Request body is missing or unreadable",
        target=parameter("body"),
        debug_message=reason,
    )


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(
        415,
        10000,
        f"Content type '{content_type}' not supported",
        debug_message="send the body as application/json",
    )


def not_found(kind: str, ident: int | str, name: str) -> ApiError:
    """404 (10002): ``kind`` (``obproxy cluster``) ``ident`` does not exist; ``name`` its parameter."""
    resource_type = kind.upper().replace(" ", "_")
    return ApiError(
        404, 10002, f"Resource not found: {kind}, id: {ident}", target=resource(resource_type, ident, name)
    )


def task_not_found(ident: int, *, subtask: bool = False) -> ApiError:
    """404 (20000), OCP's ``error.task.not.exists``: "The {0} task does not exist." — for an unknown
    task, and (``subtask``) for an unknown subtask, as OCP's subtask lookups raise the same code."""
    kind, name = (SUBTASK_INSTANCE, "subtaskInstanceId") if subtask else (TASK_INSTANCE, "taskInstanceId")
    return ApiError(
        404, TASK_NOT_FOUND_CODE, f"The {ident} task does not exist.", target=resource(kind, ident, name)
    )


def conflict(server_id: int, task_id: int) -> ApiError:
    return ApiError(
        409,
        20003,
        f"Task state invalid: obproxy server {server_id} is being changed by task {task_id}",
        target=resource("OBPROXY_SERVER", server_id, "obproxyIds"),
        debug_message=f"wait for task {task_id} to finish, then retry",
    )


#: The challenge of every 401, as Spring Security's HTTP Basic entry point sends it (RFC 9110 §11.6.1).
WWW_AUTHENTICATE = 'Basic realm="OCP"'


def task_state_invalid(ident: int, state: str, *, subtask: bool = False, why: str | None = None) -> ApiError:
    """400 (20003), OCP's ``error.task.state.invalid``: "This operation is not supported for the {0}
    task in the {1} state." — ``ident`` the task's (or ``subtask``'s) id, ``state`` its status or,
    where the operation is what forbids the call (a rolled-back task), its operation. OCP refuses
    with an ``IllegalArgumentException``, which its handler answers with 400."""
    kind, name = (SUBTASK_INSTANCE, "subtaskInstanceId") if subtask else (TASK_INSTANCE, "taskInstanceId")
    return ApiError(
        400,
        TASK_STATE_INVALID_CODE,
        f"This operation is not supported for the {ident} task in the {state} state.",
        target=resource(kind, ident, name),
        debug_message=why,
    )


def task_prohibits_rollback(task_id: int) -> ApiError:
    """400 (20004), OCP's ``error.task.prohibit.rollback``; the message is not documented."""
    return ApiError(
        400,
        TASK_PROHIBITS_ROLLBACK_CODE,
        f"The {task_id} task prohibits rollback.",
        target=resource(TASK_INSTANCE, task_id, "taskInstanceId"),
        debug_message="the task was created with prohibitRollback: true",
    )


def unauthorized(reason: str) -> ApiError:
    return ApiError(
        401, 30001, "Unauthorized", debug_message=reason, headers={"WWW-Authenticate": WWW_AUTHENTICATE}
    )


def forbidden(role: str) -> ApiError:
    return ApiError(
        403, 30014, "No permission to perform this operation", debug_message=f"requires role {role}"
    )


def method_not_allowed(method: str, allowed: tuple[str, ...]) -> ApiError:
    allow = ", ".join(allowed)
    return ApiError(
        405,
        10000,
        f"Request method '{method}' not supported",
        debug_message=f"allowed: {allow}",
        headers={"Allow": allow},
    )


def no_route(method: str, path: str, explanation: str) -> ApiError:
    return ApiError(404, 10002, f"No handler found for {method} {path}", debug_message=explanation)


def internal(message: str, debug: str | None = None) -> ApiError:
    return ApiError(500, 10000, message, debug_message=debug)
