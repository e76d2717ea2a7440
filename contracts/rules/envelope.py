"""Envelope rule: what every OCP response body promises besides its schema.

``status`` repeats the HTTP status; ``successful`` is true exactly for 2xx; a success carries
``data``, a failure ``error.message`` (and no ``data``); ``duration`` is not negative;
``timestamp`` is RFC 3339 with an offset; ``traceId`` is 16 hex digits (empty only in the
documented 429 body); the Content-Type is JSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, TypeGuard

from contracts.violations import Severity, Violation, describe

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?P<offset>[Zz]|[+-]\d{2}:\d{2})?$")
_TRACE_ID = re.compile(r"^[0-9a-f]{16}$")
_JSON_MEDIA = re.compile(r"^application/(?:[\w.+-]+\+)?json\s*(?:;.*)?$", re.IGNORECASE)


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_status(body: Mapping[str, Any], http_status: int) -> Iterator[Violation]:
    status = body.get("status")
    if _is_int(status) and status != http_status:
        yield Violation(
            rule="envelope.status-mismatch",
            pointer="/status",
            message="the envelope's status differs from the HTTP status",
            expected=str(http_status),
            actual=describe(status),
        )
    successful = body.get("successful")
    expected = 200 <= http_status < 300
    if isinstance(successful, bool) and successful is not expected:
        yield Violation(
            rule="envelope.successful-mismatch",
            pointer="/successful",
            message=f"successful must be {str(expected).lower()} for HTTP {http_status}",
            expected=str(expected).lower(),
            actual=describe(successful),
        )


def _check_payload(body: Mapping[str, Any], http_status: int) -> Iterator[Violation]:
    if 200 <= http_status < 300:
        if "data" not in body:
            yield Violation(
                "envelope.data-missing",
                "/data",
                "a successful response carries data",
                expected="data present",
                actual="absent",
            )
        return
    error = body.get("error")
    if not isinstance(error, Mapping):
        yield Violation(
            "envelope.error-missing",
            "/error",
            "a failed response carries an error object",
            expected="an object with a message",
            actual=describe(error) if "error" in body else "absent",
        )
    elif not isinstance(error.get("message"), str):
        yield Violation(
            "envelope.error-missing",
            "/error/message",
            "a failed response says what went wrong",
            expected="a string",
            actual=describe(error.get("message")) if "message" in error else "absent",
        )
    if "data" in body:
        yield Violation(
            "envelope.data-on-failure",
            "/data",
            "a failed response is documented without data",
            expected="absent",
            actual=describe(body["data"]),
            severity=Severity.WARNING,
        )


def _check_timestamp(body: Mapping[str, Any]) -> Iterator[Violation]:
    timestamp = body.get("timestamp")
    if not isinstance(timestamp, str):
        return
    match = _RFC3339.match(timestamp)
    valid = match is not None and _parses(timestamp)
    if valid and match is not None and match.group("offset") is None:
        yield Violation(
            "envelope.timestamp-offset",
            "/timestamp",
            "the timestamp has no UTC offset",
            expected="RFC 3339 date-time with an offset, e.g. 2021-09-03T16:31:58.162+08:00",
            actual=describe(timestamp),
        )
    elif not valid:
        yield Violation(
            "envelope.timestamp-format",
            "/timestamp",
            "the timestamp is not an RFC 3339 date-time",
            expected="RFC 3339 date-time with an offset, e.g. 2021-09-03T16:31:58.162+08:00",
            actual=describe(timestamp),
        )


def _parses(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return False
    return True


def _check_numbers(body: Mapping[str, Any], http_status: int) -> Iterator[Violation]:
    duration = body.get("duration")
    if _is_int(duration) and duration < 0:
        yield Violation(
            "envelope.duration-negative",
            "/duration",
            "duration is negative",
            expected=">= 0 milliseconds",
            actual=describe(duration),
        )
    trace_id = body.get("traceId")
    if (
        isinstance(trace_id, str)
        and not _TRACE_ID.match(trace_id)
        and not (trace_id == "" and http_status == 429)
    ):
        yield Violation(
            "envelope.trace-id-format",
            "/traceId",
            "traceId is not 16 hex digits",
            expected="16 lower-case hex digits",
            actual=describe(trace_id),
            severity=Severity.WARNING,
        )


def check_content_type(content_type: str | None) -> Iterator[Violation]:
    """The response's Content-Type must be JSON (``application/json`` with an optional charset)."""
    if content_type is None or _JSON_MEDIA.match(content_type.strip()):
        return
    yield Violation(
        "envelope.content-type",
        "",
        "the response's Content-Type header is not JSON",
        expected="application/json",
        actual=describe(content_type),
    )


def check_envelope(body: Any, http_status: int) -> Iterator[Violation]:
    """All envelope checks for a parsed body answered with ``http_status``."""
    if type(body) is not dict and not isinstance(body, Mapping):  # a dict, tested first: cheaper
        yield Violation(
            "envelope.not-object",
            "",
            "the response body is not a JSON object",
            expected="an object with successful, status, timestamp, …",
            actual=describe(body),
        )
        return
    yield from _check_status(body, http_status)
    yield from _check_payload(body, http_status)
    yield from _check_timestamp(body)
    yield from _check_numbers(body, http_status)
