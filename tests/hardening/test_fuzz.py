"""Fuzzing the validators: whatever JSON comes in, they return violations and never raise.

Three generators feed them:

* arbitrary JSON — any nesting of objects (often with the contract's own keys), arrays and
  scalars, including integers far beyond 64 bits and floats, as ``requests``' ``.json()`` may
  hand them over;
* near-valid tasks — a realistic upgrade response (``make_upgrade_dag``) after a few random
  edits: a key deleted, a value replaced by arbitrary JSON or retyped, a list shuffled, a
  subtask duplicated, an id changed, an edge added or dropped;
* JSON texts — arbitrary values serialised with varied spacing and escaping, sometimes with a
  key repeated, for ``load_body``.

Properties: ``validate_response`` returns a list of :class:`Violation` (each renders) or raises
:class:`UsageError` only for its documented reason (no HTTP status given and none in the body);
``check_transition`` and ``check_agreement`` yield violations; ``load_body`` either returns what
the standard library reads or raises :class:`UsageError`.

The campaign in the default run is bounded (``EXAMPLES`` per test, a few seconds in all).
``OCP_FUZZ_EXAMPLES=20000`` (what ``make fuzz`` sets) runs a long one.
"""

from __future__ import annotations

import copy
import json
import os
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.rules import check_agreement, check_transition
from contracts.validate import load_body, validate_response
from contracts.violations import UsageError, Violation
from tests.factories import make_upgrade_dag

EXAMPLES = int(os.environ.get("OCP_FUZZ_EXAMPLES", "150"))
CAMPAIGN = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
CONTRACT_KEYS = (
    "data", "status", "successful", "error", "message", "code", "timestamp", "duration", "traceId",
    "server", "subtasks", "id", "upstreams", "downstreams", "name", "operation", "context", "listMap",
    "obproxy_server_ids", "startTime", "finishTime", "contents", "page", "type", "creator", "a/b~c",
)  # fmt: skip
OPERATIONS = ("upgrade", "task", "tasks")
STATUSES = (None, 200, 201, 400, 401, 404, 429, 500, 599)

WORDS = ("RUNNING", "FAILED", "SUCCESSFUL", "PENDING", "READY", "ROLLBACK", "2021-09-03T16:31:58+08:00")
#: Integers up to 2^200: far beyond a Java long (``load_body`` refuses those, the Python API does
#: not), yet printable — Python refuses to print integers of more than 4,300 digits at all.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.integers(min_value=-3, max_value=40_010),
    st.floats(allow_infinity=False) | st.floats(),  # NaN and infinities as Python's json module reads them
    st.text(max_size=12),
    st.sampled_from(WORDS),
)
keys = st.one_of(st.sampled_from(CONTRACT_KEYS), st.text(max_size=8))
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=6) | st.dictionaries(keys, children, max_size=6),
    max_leaves=40,
)


def _assert_violations(found: object) -> None:
    assert isinstance(found, list)
    for violation in found:
        assert isinstance(violation, Violation)
        assert violation.render()
        assert violation.pointer == "" or violation.pointer.startswith("/")


def _validate(body: object, operation: str, status: int | None, ids: list[object] | None) -> None:
    try:
        found = validate_response(
            body,
            operation=operation,
            http_status=status,
            request_obproxy_ids=ids,  # type: ignore[arg-type]
        )
    except UsageError as error:
        assert status is None and "cannot tell the HTTP status" in str(error)
        return
    _assert_violations(found)


@CAMPAIGN
@given(
    body=json_values,
    operation=st.sampled_from(OPERATIONS),
    status=st.sampled_from(STATUSES),
    ids=st.none() | st.lists(scalars, max_size=3),
)
def test_arbitrary_json(body: object, operation: str, status: int | None, ids: list[object] | None) -> None:
    _validate(body, operation, status, ids)


@CAMPAIGN
@given(
    data=json_values,
    subtasks=st.lists(json_values, max_size=6),
    operation=st.sampled_from(OPERATIONS),
)
def test_arbitrary_json_in_a_success_envelope(data: object, subtasks: list[object], operation: str) -> None:
    body = {"data": data, "status": 200, "successful": True}
    _validate(body, operation, None, None)
    body["data"] = {"subtasks": subtasks, "status": "RUNNING", "contents": subtasks}
    _validate(body, operation, 200, [1])


# --- near-valid tasks --------------------------------------------------------------------------


def _paths(value: Any) -> list[list[Any]]:
    """Every path into ``value`` (keys and indexes), found without recursion."""
    found: list[list[Any]] = []
    stack: list[tuple[list[Any], Any]] = [([], value)]
    while stack:
        path, item = stack.pop()
        found.append(path)
        if isinstance(item, dict):
            stack.extend(([*path, key], child) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend(([*path, index], child) for index, child in enumerate(item))
    return found


def _at(root: Any, path: list[Any]) -> Any:
    for token in path:
        root = root[token]
    return root


def _retyped(value: Any, choice: int) -> Any:
    return [str(value), [value], {"value": value}, None, True, 1.5, -1, ""][choice % 8]


def _edit(body: dict[str, Any], rng: random.Random, replacement: Any) -> None:
    """One random edit somewhere in ``body``."""
    paths = [path for path in _paths(body) if path]
    path = rng.choice(paths)
    parent, last = _at(body, path[:-1]), path[-1]
    subtasks = body["data"].get("subtasks") if isinstance(body.get("data"), dict) else None
    match rng.randrange(8):
        case 0:
            del parent[last]
        case 1:
            parent[last] = replacement
        case 2:
            parent[last] = _retyped(parent[last], rng.randrange(8))
        case 3 if isinstance(parent[last], list):
            rng.shuffle(parent[last])
        case 4 if isinstance(subtasks, list) and subtasks:
            subtasks.insert(rng.randrange(len(subtasks) + 1), copy.deepcopy(rng.choice(subtasks)))
        case 5 if isinstance(subtasks, list) and subtasks and isinstance(subtasks[0], dict):
            other = rng.choice(subtasks)
            subtasks[0]["id"] = other.get("id") if isinstance(other, dict) else rng.randrange(-3, 10**6)
        case 6 if isinstance(parent, dict) and last in ("upstreams", "downstreams"):
            if isinstance(parent[last], list):
                parent[last].append(rng.choice([replacement, 40001, "40002", parent.get("id")]))
        case _:
            parent[last] = replacement


@CAMPAIGN
@given(
    servers=st.integers(1, 4),
    steps=st.integers(1, 4),
    seed=st.integers(0, 2**32),
    edits=st.integers(1, 6),
    replacement=json_values,
    status=st.sampled_from(["RUNNING", "FAILED", "SUCCESSFUL"]),
)
def test_near_valid_tasks(
    servers: int, steps: int, seed: int, edits: int, replacement: object, status: str
) -> None:
    rng = random.Random(seed)
    task = make_upgrade_dag(servers=servers, steps=steps, seed=seed)
    task["status"] = status
    before = copy.deepcopy(task)
    body: dict[str, Any] = {"data": task, "status": 200, "successful": True, "duration": 3}
    for _ in range(edits):
        _edit(body, rng, copy.deepcopy(replacement))
    for operation in ("upgrade", "task"):
        _validate(body, operation, 200, ["1", 2])
    after = body.get("data")
    _assert_violations(list(check_transition(before, after)))
    _assert_violations(list(check_transition(after, before, requested_task_id=replacement)))
    _assert_violations(list(check_agreement(after, [1, "2", replacement])))


# --- JSON texts for load_body ------------------------------------------------------------------

readable = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=5),
    max_leaves=30,
)


@CAMPAIGN
@given(
    value=readable,
    indent=st.none() | st.integers(0, 3),
    ascii_only=st.booleans(),
    repeat_a_key=st.booleans(),
)
def test_load_body_reads_what_the_standard_library_reads(
    value: object, indent: int | None, ascii_only: bool, repeat_a_key: bool
) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    if repeat_a_key and text.startswith("{") and len(text) > 2:
        text = '{"k": 1, "k": 2, ' + text[1:]
    try:
        body = load_body(text.encode())
    except UsageError as error:
        assert "repeats the key" in str(error) or not text.strip()
        assert "\n" not in str(error)
        return
    assert body == json.loads(text)
    assert not (repeat_a_key and text.startswith('{"k": 1, "k": 2'))


@CAMPAIGN
@given(raw=st.binary(max_size=200) | st.text(max_size=100).map(str.encode))
def test_load_body_on_any_bytes_returns_or_says_why_in_one_line(raw: bytes) -> None:
    try:
        load_body(raw)
    except UsageError as error:
        assert "\n" not in str(error)


@pytest.mark.parametrize("depth", [50, 200, 254])
def test_deep_values_the_reader_accepts_are_validated(depth: int) -> None:
    deep: Any = []
    for _ in range(depth - 3):  # the body around it adds two levels, the innermost [] one
        deep = [deep]
    for body in ({"data": deep, "status": 200}, {"data": {"subtasks": deep, "context": deep}, "status": 200}):
        _assert_violations(validate_response(load_body(json.dumps(body).encode())))
