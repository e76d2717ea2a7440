"""Rules about the HTTP exchange itself, which a body validator cannot see. Pure: they yield
:class:`~contracts.violations.Violation` values and know nothing of schemathesis.

* ``http.server-error`` — any 5xx: OCP documents 500 as "unexpected", and nothing the suite
  sends should crash a correct server.
* ``http.auth-ignored`` — a request without the run's credentials (none, or wrong ones) was
  answered 2xx: OCP authenticates every ``/api`` request first (401).
* ``http.negative-data-accepted`` — a request a correct OCP must refuse (a non-Long path id, a
  missing, unreadable or non-object body, a blank ``shortRpmName``, a non-JSON Content-Type, an
  undeclared method) was answered 2xx. Which requests those are is decided in one place,
  :mod:`contracts.run.wire.rejection`, shared with the safety guard.
* ``http.task-not-found-after-create`` — an upgrade answered with task N, then
  ``GET /tasks/instances/N`` answered 404.
* ``http.unknown-id-accepted`` — an upgrade naming a cluster id that a read proved absent in this
  run (``GET …/obproxy/clusters/{id}`` answered 404) was answered 2xx (``data: null`` included):
  OCP refuses an unknown cluster with 404 before it does anything.

Pointers are ``""``: these rules are about the whole exchange, not a place in the body. The
``spec`` clause of ``http.negative-data-accepted`` is the response the request's operation
documents for the expected status (``#/paths/…/get/responses/400``), or the operation's responses
when it documents none for it, or the path item for an undeclared method.
"""

from __future__ import annotations

from collections.abc import Iterator

from contracts._pointer import escape_token
from contracts.ocp import LIFECYCLE_ROUTES, ROUTES
from contracts.run.wire.rejection import Assessment, Rejection
from contracts.spec import load_spec
from contracts.violations import Violation

_RESPONSES = "#/components/responses/"


def server_error(status: int) -> Iterator[Violation]:
    """``http.server-error`` for a 5xx answer."""
    if status >= 500:
        yield Violation(
            rule="http.server-error",
            pointer="",
            message=f"the server failed with HTTP {status}",
            expected="a 2xx answer, or a 4xx naming what is wrong with the request",
            actual=f"HTTP {status}",
            spec=_RESPONSES + "InternalServerError",
            hint="OCP answers a request it cannot convert or validate with 400, never 500",
        )


def documented_response(operation: str | None, rejection: Rejection) -> str:
    """The spec clause a refusal of ``rejection`` by ``operation`` (a short name) answers with."""
    fallback = _RESPONSES + ("UnsupportedMediaType" if rejection.status == 415 else "BadRequest")
    route = ROUTES.get(operation or "") or LIFECYCLE_ROUTES.get(operation or "")
    if route is None:
        return fallback
    method, path, _ = route
    path_item = f"#/paths/{escape_token(path)}"
    if rejection is Rejection.UNSUPPORTED_METHOD:
        return path_item
    operation_item = load_spec().document.get("paths", {}).get(path, {}).get(method.lower())
    if not isinstance(operation_item, dict):
        return fallback
    responses = f"{path_item}/{method.lower()}/responses"
    return (
        f"{responses}/{rejection.status}"
        if str(rejection.status) in operation_item.get("responses", {})
        else responses
    )


def rejection_ignored(
    assessment: Assessment, status: int, *, operation: str | None = None
) -> Iterator[Violation]:
    """``http.auth-ignored`` / ``http.negative-data-accepted`` when a must-reject request got 2xx;
    ``operation`` (a short name) points the latter at what that operation documents."""
    rejection = assessment.rejection
    if rejection is None or not 200 <= status < 300:
        return
    if rejection.is_auth:
        yield Violation(
            rule="http.auth-ignored",
            pointer="",
            message=f"a request with {rejection.description} was served",
            expected="HTTP 401: every /api request is authenticated first",
            actual=f"HTTP {status}",
            spec=_RESPONSES + "Unauthorized",
        )
        return
    yield Violation(
        rule="http.negative-data-accepted",
        pointer="",
        message=f"a request with {rejection.description} was accepted",
        expected=f"HTTP {rejection.status}",
        actual=f"HTTP {status}",
        spec=documented_response(operation, rejection),
        hint="OCP validates credentials, path ids and the body before it starts a task",
    )


def unknown_id_accepted(what: str, status: int) -> Iterator[Violation]:
    """``http.unknown-id-accepted`` when an upgrade of ``what`` (proven absent) got 2xx."""
    if 200 <= status < 300:
        yield Violation(
            rule="http.unknown-id-accepted",
            pointer="",
            message=f"an upgrade of {what}, which a read proved absent, was accepted",
            expected="HTTP 404: an unknown cluster or server is refused before anything is done",
            actual=f"HTTP {status}",
            spec=_RESPONSES + "NotFound",
            hint="a 200 with data: null is not a refusal; a release gate would read it as success",
        )


def task_not_found_after_create(task_id: int, status: int) -> Iterator[Violation]:
    """``http.task-not-found-after-create`` for a 404 on a task the run just created."""
    if status == 404:
        yield Violation(
            rule="http.task-not-found-after-create",
            pointer="",
            message=f"task {task_id}, returned by an upgrade, cannot be fetched",
            expected=f"HTTP 200 with task {task_id}",
            actual="HTTP 404",
            spec="#/paths/~1api~1v2~1obproxy~1clusters~1{id}~1obproxies~1{obproxyIds}~1upgrade/post/responses/200/links",
            hint="the upgrade's link GetTaskInstance promises the task can be followed",
        )
