"""The driver: one response in, a sorted list of :class:`Violation` out.

Parse (:func:`load_body`) → envelope rule → schema rule (the spec's schema for the operation and
HTTP status) → on a successful task response, the DAG, state and request-agreement rules over
``data`` → drop schema findings that a more specific rule already reported at the same pointer →
sort (errors first, then by pointer). Parsing is strict about what a fast JSON parser lets through
silently (:func:`parse_body`), because a contract check must see what the server sent.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from typing import Any

import orjson

from contracts._pointer import escape_token
from contracts.ocp import (
    TASK_OPERATION_ID,
    TASK_RETRY_OPERATION_ID,
    TASK_ROLLBACK_OPERATION_ID,
    TASKS_OPERATION_ID,
    UPGRADE_OPERATION_ID,
)
from contracts.rules.agreement import check_agreement
from contracts.rules.dag import check_dag
from contracts.rules.envelope import check_content_type, check_envelope
from contracts.rules.schema import check_schema
from contracts.rules.state import check_state
from contracts.spec import Spec, load_spec
from contracts.violations import UsageError, Violation, sort_violations

#: Operations whose successful ``data`` is one task with its graph (a rollback's, when it has one).
TASK_OPERATIONS = frozenset(
    {
        *("upgrade", "task", "task-retry", "task-rollback"),
        *(UPGRADE_OPERATION_ID, TASK_OPERATION_ID, TASK_RETRY_OPERATION_ID, TASK_ROLLBACK_OPERATION_ID),
    }
)
#: The envelope rule's finding for a success without ``data``, dropped where the spec documents none.
_DATA_MISSING = "envelope.data-missing"
#: Operations whose successful ``data`` is a page of tasks.
PAGE_OPERATIONS = frozenset({"tasks", TASKS_OPERATION_ID})


_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_MAX_DEPTH = 254  # what orjson can serialise back, and far beyond any OCP body
_WHITESPACE = b" \t\n\r"
_BOMS = {b"\xef\xbb\xbf": "UTF-8", b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16"}


class collector_paused:  # named as the function it replaced: ``with collector_paused():``
    """Pause CPython's cyclic garbage collector for the block, restoring its state afterwards.

    A large body parses into millions of containers, which the collector, triggered every few
    hundred allocations, would rescan over and over (a 100,000-subtask task parses several times
    slower with it on). Parsed JSON holds no reference cycles and the rules build none, so parsing
    and :func:`validate_response` run with it paused; reference counting frees memory as usual.
    A class rather than a generator: entered twice per body, its cost shows over thousands.
    """

    __slots__ = ("_enabled",)

    def __enter__(self) -> None:
        self._enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *_: object) -> None:
        if self._enabled:
            gc.enable()


class UnfaithfulBody(ValueError):
    """Bytes that are not one unambiguous JSON text: what is wrong, where, and the rule id a
    server's answer is reported under (``body.duplicate-key``, ``body.byte-order-mark``,
    ``body.non-finite-number``, ``body.integer-out-of-range``, ``body.invalid-utf8``,
    ``body.too-deep``, else ``envelope.not-json``): a violation when a server sent it, one
    :class:`UsageError` line for a file (exit 2 from the command line)."""

    def __init__(self, rule: str, problem: str, expected: str, pointer: str = "") -> None:
        super().__init__(f"{problem}; expected {expected}")
        self.rule, self.problem, self.expected, self.pointer = rule, problem, expected, pointer

    def usage_error(self, source: str) -> UsageError:
        """The one line ``validate`` prints for a file: the problem, said of ``source``."""
        return UsageError(f"{source} {self.problem}; expected {self.expected}")

    def violation(self) -> Violation:
        """The finding a server's answer carries (``run``, ``assert_conforms``)."""
        return Violation(
            rule=self.rule, pointer=self.pointer, message=f"the body {self.problem}", expected=self.expected
        )


def parse_body(raw: bytes) -> Any:
    """Parse a response body exactly as sent; raise :class:`UnfaithfulBody` when it cannot be.

    Refused: not JSON, empty, invalid UTF-8, ``NaN``/``Infinity``, nesting beyond orjson's 1,024
    levels (orjson refuses them; the message says where); a byte order mark (RFC 8259 §8.1); a key
    repeated in one object (orjson keeps the last value, other parsers the first); an integer
    beyond a Java ``long`` (orjson reads ``2^64`` and up as a float, losing digits; OCP sends
    larger Longs as strings); nesting deeper than 254 levels (no OCP body nests beyond ten; deeper
    values would strain the validators' own recursion).
    """
    if not raw.strip():
        raise UnfaithfulBody("envelope.not-json", "is empty", "a JSON response body")
    for bom, encoding in _BOMS.items():
        if raw.startswith(bom):
            raise UnfaithfulBody(
                "body.byte-order-mark",
                f"starts with a {encoding} byte order mark, which a JSON text must not carry (RFC 8259 §8.1)",
                "UTF-8 JSON without one",
            )
    with collector_paused():
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            reason = " ".join(str(error).split())
            raise UnfaithfulBody(
                _unreadable_rule(raw), f"is not valid JSON ({reason})", "a JSON response body"
            ) from None
        _check_faithful(raw, body)
    return body


def _unreadable_rule(raw: bytes) -> str:
    """Which rule a body orjson refused breaks: invalid UTF-8, a non-finite number, or plain not JSON."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "body.invalid-utf8"
    non_finite: list[str] = []
    with suppress(ValueError, RecursionError):
        json.loads(raw, parse_constant=non_finite.append)
    return "body.non-finite-number" if non_finite else "envelope.not-json"


def load_body(raw: bytes, *, source: str = "input") -> Any:
    """Parse a response body; unusable or ambiguous input raises :class:`UsageError` with one line."""
    try:
        return parse_body(raw)
    except UnfaithfulBody as error:
        raise error.usage_error(source) from None


def _check_faithful(raw: bytes, body: Any) -> None:
    """Raise :class:`UnfaithfulBody` when ``body`` is not exactly what ``raw`` says.

    orjson writes back what it read; when those bytes are the input's, or the same but for
    whitespace, no key was merged and no integer rounded — about a fifth of the parse's cost on
    the usual body. Integers beyond ±(2^53−1) make the writer refuse (``OPT_STRICT_INTEGER``).
    Only a body that differs otherwise (``\\u`` escapes, number spellings, those integers) goes
    to :func:`_check_exactly`, a few times slower, for the repeated key or the out-of-range
    integer and its pointer.
    """
    try:
        again = orjson.dumps(body, option=orjson.OPT_STRICT_INTEGER)
    except orjson.JSONEncodeError:
        _check_depth(body)
        again = b""
    if again and (again == raw or again.translate(None, _WHITESPACE) == raw.translate(None, _WHITESPACE)):
        return
    _check_exactly(raw)


def _too_deep() -> UnfaithfulBody:
    return UnfaithfulBody(
        "body.too-deep", f"nests arrays and objects more than {_MAX_DEPTH} levels deep", "an OCP response"
    )


def _check_depth(body: Any) -> None:
    try:
        orjson.dumps(body)
    except orjson.JSONEncodeError:
        raise _too_deep() from None


class _Duplicated(dict[str, Any]):
    """An object that repeated ``key`` (what the exact check's parser builds in its place)."""

    key: str


class _OutOfRange(str):
    """An integer literal outside the range of a Java ``long``, kept as its text."""


class _ExactReader:
    """Hooks for ``json.loads`` that mark repeated keys and out-of-range integers, and note it."""

    def __init__(self) -> None:
        self.found = False

    def object(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        built = dict(pairs)
        if len(built) == len(pairs):
            return built
        marked = _Duplicated(built)
        marked.key = _first_repeated(pairs)
        self.found = True
        return marked

    def integer(self, text: str) -> int | _OutOfRange:
        if len(text.lstrip("-")) <= 19 and _LONG_MIN <= int(text) <= _LONG_MAX:
            return int(text)
        self.found = True
        return _OutOfRange(text)


def _first_repeated(pairs: list[tuple[str, Any]]) -> str:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            return key
        seen.add(key)
    return ""


def _check_exactly(raw: bytes) -> None:
    """Re-read ``raw`` with the standard library; raise on a repeated key or an out-of-range integer."""
    reader = _ExactReader()
    try:
        exact = json.loads(raw, object_pairs_hook=reader.object, parse_int=reader.integer)
    except RecursionError:
        raise _too_deep() from None
    except ValueError as error:  # the standard parser is stricter than orjson on a few escapes
        reason = " ".join(str(error).split())
        raise UnfaithfulBody(
            "envelope.not-json", f"is not valid JSON ({reason})", "a JSON response body"
        ) from None
    if not reader.found:
        return
    for pointer, value in _walk(exact):
        if isinstance(value, _Duplicated):
            raise UnfaithfulBody(
                "body.duplicate-key",
                f"repeats the key {value.key!r} in the object at {pointer or '/'}; JSON parsers "
                "disagree on which value wins (RFC 8259 §4)",
                "each key once per object",
                pointer,
            )
        if isinstance(value, _OutOfRange):
            shown = value if len(value) <= 40 else value[:37] + "…"
            raise UnfaithfulBody(
                "body.integer-out-of-range",
                f"has the integer {shown} at {pointer or '/'}, beyond the range of a Java long; "
                "JSON parsers disagree on such numbers",
                "a Long, or a numeric string as OCP sends",
                pointer,
            )


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    """``(pointer, value)`` for ``value`` and everything inside it, in document order, without recursion."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        pointer, item = stack.pop()
        yield pointer, item
        if isinstance(item, dict):
            stack.extend((f"{pointer}/{escape_token(key)}", child) for key, child in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((f"{pointer}/{index}", child) for index, child in reversed(list(enumerate(item))))


def _http_status(body: Any, http_status: int | None) -> int:
    if http_status is not None:
        return http_status
    status = body.get("status") if type(body) is dict or isinstance(body, Mapping) else None
    if isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599:
        return status
    raise UsageError("cannot tell the HTTP status: the body has no integer 'status'; pass the HTTP status")


def _task_rules(task: Any, request_obproxy_ids: Sequence[int] | None) -> Iterator[Violation]:
    yield from check_dag(task)
    yield from check_state(task)
    if request_obproxy_ids is not None:
        yield from check_agreement(task, request_obproxy_ids)


def _semantic(body: Any, operation: str, request_obproxy_ids: Sequence[int] | None) -> Iterator[Violation]:
    data = body.get("data") if type(body) is dict or isinstance(body, Mapping) else None
    if operation in TASK_OPERATIONS and (type(data) is dict or isinstance(data, Mapping)):
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
    if not found:
        return found
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
    with collector_paused():
        found: list[Violation] = [*check_envelope(body, status)]
        if not spec.requires_data(spec_operation, status):  # a NoDataResponse is documented here
            found = [v for v in found if v.rule != _DATA_MISSING]
        if headers is not None:
            content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
            found.extend(check_content_type(content_type))
        found.extend(check_schema(body, spec, spec_operation, status, strict=strict))
        if 200 <= status < 300:
            found.extend(_semantic(body, operation, request_obproxy_ids))
        return sort_violations(_without_shadowed(found))


def has_errors(violations: Iterable[Violation]) -> bool:
    return any(v.is_error for v in violations)
