"""The driver: one response in, a sorted list of :class:`Violation` out.

Data flow: parse (``load_body``) → envelope rule → schema rule (the spec's schema for the
operation and HTTP status) → on a successful task response, the DAG, state and request-agreement
rules over ``data`` → drop schema findings that a more specific rule already reported at the same
pointer → sort (errors first, then by pointer).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson

from contracts.rules.agreement import check_agreement
from contracts.rules.dag import check_dag
from contracts.rules.envelope import check_content_type, check_envelope
from contracts.rules.schema import check_schema
from contracts.rules.state import check_state
from contracts.spec import Spec, load_spec
from contracts.violations import UsageError, Violation, sort_violations

#: Operations whose successful ``data`` is one task with its graph.
TASK_OPERATIONS = frozenset({"upgrade", "task", "upgradeObproxies", "getTaskInstance"})
#: Operations whose successful ``data`` is a page of tasks.
PAGE_OPERATIONS = frozenset({"tasks", "listTaskInstances"})


def load_body(raw: bytes, *, source: str = "input") -> Any:
    """Parse a response body; unusable input raises :class:`UsageError` with one line."""
    if not raw.strip():
        raise UsageError(f"{source} is empty; expected a JSON response body")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise UsageError(f"{source} is not valid JSON ({error}); expected a JSON response body") from None


def _http_status(body: Any, http_status: int | None) -> int:
    if http_status is not None:
        return http_status
    status = body.get("status") if isinstance(body, Mapping) else None
    if isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599:
        return status
    raise UsageError("cannot tell the HTTP status: the body has no integer 'status'; pass the HTTP status")


def _task_rules(task: Any, request_obproxy_ids: Sequence[int] | None) -> Iterator[Violation]:
    yield from check_dag(task)
    yield from check_state(task)
    if request_obproxy_ids is not None:
        yield from check_agreement(task, request_obproxy_ids)


def _semantic(body: Any, operation: str, request_obproxy_ids: Sequence[int] | None) -> Iterator[Violation]:
    data = body.get("data") if isinstance(body, Mapping) else None
    if operation in TASK_OPERATIONS and isinstance(data, Mapping):
        for violation in _task_rules(data, request_obproxy_ids):
            yield violation.under("/data")
    elif (
        operation in PAGE_OPERATIONS and isinstance(data, Mapping) and isinstance(data.get("contents"), list)
    ):
        for index, task in enumerate(data["contents"]):
            for violation in check_state(task):
                yield violation.under(f"/data/contents/{index}")


def _without_shadowed(violations: Iterable[Violation]) -> list[Violation]:
    """Drop a schema finding where a more specific rule reported the same pointer."""
    found = list(violations)
    specific = {v.pointer for v in found if not v.rule.startswith("schema.")}
    return [v for v in found if not (v.rule.startswith("schema.") and v.pointer in specific)]


def validate_response(
    body: Any,
    *,
    operation: str = "upgrade",
    http_status: int | None = None,
    request_obproxy_ids: Sequence[int] | None = None,
    strict: bool = False,
    headers: Mapping[str, str] | None = None,
    spec: Spec | None = None,
) -> list[Violation]:
    """Every violation of the contract by one response, errors first, then by pointer.

    ``body`` is the parsed JSON body. ``http_status`` defaults to the body's ``status``.
    ``request_obproxy_ids`` (the ids the request named) enables the request-agreement rule;
    ``headers`` enables the Content-Type check; ``strict`` makes undocumented properties errors.
    """
    spec = spec or load_spec()
    spec_operation = spec.operation(operation)
    status = _http_status(body, http_status)
    found: list[Violation] = [*check_envelope(body, status)]
    if headers is not None:
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
        found.extend(check_content_type(content_type))
    found.extend(check_schema(body, spec, spec_operation, status, strict=strict))
    if 200 <= status < 300:
        found.extend(_semantic(body, operation, request_obproxy_ids))
    return sort_violations(_without_shadowed(found))


def has_errors(violations: Iterable[Violation]) -> bool:
    return any(v.is_error for v in violations)
