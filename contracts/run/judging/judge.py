"""One exchange in, violations out — the single implementation behind the schemathesis checks
(:mod:`contracts.run.judging.checks`), the workflow (:mod:`contracts.run.phases.workflow`) and pytest.

An :class:`Observed` exchange is the request as sent and the answer as received. Three judges
look at it, one per check of the reports:

* :func:`contract` — the body read as ``validate`` reads a file (``body.*`` when it cannot be),
  then :func:`contracts.validate.validate_response`: envelope, schema,
  DAG, state and request agreement (``envelope.*``, ``schema.*``, ``dag.*``, ``state.*``,
  ``agreement.*``). A request with a method the operation does not declare (schemathesis'
  coverage phase sends them) is held to the envelope only: its 405 is not a documented status.
* :func:`http` — :mod:`contracts.run.judging.http_rules` (``http.*``).
* :func:`transitions` — the task's previous snapshot against this one (``transition.*``) and a
  404 on a task an upgrade just returned (``http.task-not-found-after-create``).

With ``--ocp-version`` the first two judge against that version's documentation: ``contract``
with its spec, ``http`` with its upgrade (no body before 4.0.3, so a body-less upgrade served is
no violation there) — see :mod:`contracts.run.profile`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from contracts.rules.envelope import check_content_type, check_envelope
from contracts.rules.transitions import AcceptedCall
from contracts.run.judging.history import TaskHistory, task_id_of
from contracts.run.judging.http_rules import rejection_ignored, server_error, task_not_found_after_create
from contracts.run.wire.rejection import WireRequest, assess, credentials_of, path_segments, upgrade_path_ids
from contracts.spec import Spec, load_spec
from contracts.validate import UnfaithfulBody, parse_body, validate_response
from contracts.violations import Violation, describe, sort_violations

#: The schemathesis check names, which are also the check names of the reports.
CONTRACT, HTTP, TRANSITIONS = "ocp_contract", "ocp_http", "ocp_transitions"
CHECK_NAMES: tuple[str, ...] = (CONTRACT, HTTP, TRANSITIONS)

#: Operations whose answers carry a task that can be followed.
_TASK_OPERATIONS = ("upgrade", "task")


def applies(check: str, operation: str) -> bool:
    """Whether ``check`` says anything about ``operation`` (transitions need a single task)."""
    return check != TRANSITIONS or operation in _TASK_OPERATIONS


@dataclass(frozen=True, slots=True)
class Observed:
    """One exchange: the operation (short name), the request as sent, the answer as received."""

    operation: str
    request: WireRequest
    status: int
    headers: Mapping[str, str]
    content: bytes
    #: The body once parsed: the contract and transition judges read the same exchange.
    _parsed: list[Any] = field(default_factory=list, compare=False, repr=False)

    def body(self) -> Any:
        """The parsed body, read as ``validate`` reads a file; :class:`UnfaithfulBody` when it cannot
        be. Parsed on the first call only."""
        if not self._parsed:
            try:
                self._parsed.append(parse_body(self.content))
            except UnfaithfulBody as error:
                self._parsed.append(error)
        return self._parsed[0]

    @property
    def declared_method(self) -> bool:
        return self.request.method == load_spec().operation(self.operation).method

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300


def _unreadable(observed: Observed, error: UnfaithfulBody) -> Violation:
    if error.rule != "envelope.not-json":
        return error.violation()
    return Violation(
        rule="envelope.not-json",
        pointer="",
        message="the response body is not JSON",
        expected="an OCP envelope as JSON",
        actual=describe(observed.content[:80].decode("utf-8", "replace"))
        if observed.content
        else "an empty body",
    )


def requested_obproxy_ids(request: WireRequest) -> list[int] | None:
    """The ``obproxyIds`` an upgrade request named, when they are plain integers."""
    ids = upgrade_path_ids(request.url)
    items = [] if ids is None else ids["obproxyIds"].split(",")
    if not items or not all(item.isascii() and item.isdigit() for item in items):
        return None
    return [int(item) for item in items]


def contract(observed: Observed, *, strict: bool, spec: Spec | None = None) -> list[Violation]:
    """Everything :func:`validate_response` finds in the body (errors and warnings), against
    ``spec`` (a version's view of the contract; the loaded spec by default)."""
    if observed.request.method == "HEAD":
        return []
    body = observed.body()
    if isinstance(body, UnfaithfulBody):
        return [_unreadable(observed, body)]
    if not observed.declared_method:
        return sort_violations(
            [*check_envelope(body, observed.status), *check_content_type(_content_type(observed))]
        )
    ids = requested_obproxy_ids(observed.request) if observed.operation == "upgrade" else None
    return validate_response(
        body,
        operation=observed.operation,
        http_status=observed.status,
        request_obproxy_ids=ids,
        strict=strict,
        headers=observed.headers,
        spec=spec,
    )


def _content_type(observed: Observed) -> str | None:
    return next((v for k, v in observed.headers.items() if k.lower() == "content-type"), None)


def http(
    observed: Observed, *, known: Mapping[str, str] | None, upgrade_body: bool = True
) -> list[Violation]:
    """``http.server-error``, ``http.auth-ignored`` and ``http.negative-data-accepted``;
    ``upgrade_body=False`` for an OCP before 4.0.3 (its upgrade takes no body)."""
    credentials = credentials_of(observed.request, known)
    assessment = assess(observed.request, credentials, upgrade_body=upgrade_body)
    refused = rejection_ignored(assessment, observed.status, operation=observed.operation)
    return [*server_error(observed.status), *refused]


def _requested_task(request: WireRequest) -> int | None:
    segments = path_segments(request.url)
    return task_id_of(segments[-1]) if segments else None


def transitions(
    observed: Observed, history: TaskHistory, *, accepted_calls: Collection[AcceptedCall] | None = None
) -> list[Violation]:
    """Compare a task snapshot with the previous one this thread saw; note tasks upgrades create.

    ``accepted_calls``: the control calls accepted since the task's previous poll, when the caller
    made every call itself (the workflow); ``None`` when it cannot know (the schemathesis phases)."""
    if not observed.declared_method or not applies(TRANSITIONS, observed.operation):
        return []
    requested = _requested_task(observed.request) if observed.operation == "task" else None
    if requested is not None and history.was_created(requested):
        found = list(task_not_found_after_create(requested, observed.status))
        if found:
            return found
    body = observed.body()
    task = body.get("data") if isinstance(body, dict) and observed.is_success else None
    task_id = (
        requested if requested is not None else task_id_of(task.get("id") if isinstance(task, dict) else None)
    )
    if not isinstance(task, dict) or task_id is None:
        return []
    if observed.operation == "upgrade":
        history.created(task_id)
    return history.observe(task_id, task, requested=requested, accepted_calls=accepted_calls)
