"""``assert_conforms``: the contract as one assertion, for tests of code that talks to OCP.

It takes what a test has at hand — a ``requests.Response`` (its JSON body, HTTP status and
Content-Type are checked), a parsed body, or the raw bytes or text of one — runs
:func:`contracts.validate.validate_response` on it and, when any error-level violation is found,
raises :class:`~contracts.violations.ContractViolation` (an ``AssertionError``) whose message is
the validator's report: rule, pointer, expected, actual and the spec clause of each finding.
Warnings never fail the assertion; they are returned with the rest. A :class:`~pathlib.Path` is
read as a saved response file (what ``ocp-contract validate FILE`` checks).

Its frames carry pytest's ``__tracebackhide__``, so a failure points at the line of the user's
test that made the assertion, not into this module.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from contracts.validate import UnfaithfulBody, has_errors, parse_body, validate_response
from contracts.violations import ContractViolation, Violation

__all__ = ["assert_conforms"]


def _unpack(subject: Any) -> tuple[Any, int | None, Mapping[str, str] | None]:
    """(parsed body, HTTP status, headers) of a response object, raw bytes/text or a parsed body.

    Bytes are read as ``validate`` reads a file; bytes that cannot be read faithfully (a repeated
    key, a byte order mark, …) fail the assertion with their ``body.*`` violation.
    """
    __tracebackhide__ = True
    if isinstance(subject, os.PathLike):
        path = Path(subject)
        return _parsed(path.read_bytes(), str(path)), None, None
    if hasattr(subject, "status_code") and hasattr(subject, "content"):  # requests.Response and alike
        body = _parsed(bytes(subject.content), f"the {subject.status_code} response")
        return body, int(subject.status_code), dict(getattr(subject, "headers", {}) or {})
    if isinstance(subject, bytes | bytearray | str):
        raw = subject.encode("utf-8") if isinstance(subject, str) else bytes(subject)
        return _parsed(raw, "the response body"), None, None
    return subject, None, None


def _parsed(raw: bytes, source: str) -> Any:
    __tracebackhide__ = True
    try:
        return parse_body(raw)
    except UnfaithfulBody as error:
        raise ContractViolation([error.violation()], context=f"{source} cannot be read: {error}") from None


def assert_conforms(
    response_or_body: Any,
    operation: str,
    *,
    http_status: int | None = None,
    request_obproxy_ids: Sequence[int] | None = None,
    strict: bool = False,
) -> list[Violation]:
    """Assert that one response honours the contract of ``operation`` (``upgrade``, ``task``,
    ``tasks`` or an operationId); returns its violations (warnings only) when it does.

    ``http_status`` overrides the status (default: the response's, else the body's ``status``);
    ``request_obproxy_ids`` also checks that the task targets exactly the servers the request
    named; ``strict`` makes undocumented properties errors.
    """
    __tracebackhide__ = True
    body, status, headers = _unpack(response_or_body)
    violations = validate_response(
        body,
        operation=operation,
        http_status=http_status if http_status is not None else status,
        request_obproxy_ids=request_obproxy_ids,
        strict=strict,
        headers=headers,
    )
    if has_errors(violations):
        errors = sum(1 for violation in violations if violation.is_error)
        raise ContractViolation(
            violations, context=f"the {operation} response does not conform: {errors} error(s)"
        )
    return violations
