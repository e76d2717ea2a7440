"""Hostile inputs to ``ocp-contract validate``: violations (exit 1) or one line on stderr (exit 2), never a
traceback, never a hang.

What the command answers, case by case, and why:

================================  ====  ==================================================================
input                             exit  why
================================  ====  ==================================================================
not JSON, empty, only whitespace  2     nothing to check
UTF-8 or UTF-16 byte order mark   2     RFC 8259 §8.1: a JSON text must not begin with one. Skipping it
                                        would hide a server bug that breaks other clients (orjson refuses it)
invalid UTF-8                     2     not a JSON text (RFC 8259 §8.1)
NaN, Infinity                     2     not JSON numbers (RFC 8259 §6)
a key repeated in an object       2     orjson keeps the last value, other parsers the first or fail: which
                                        one a client sees is unknowable, so the body is refused, naming the
                                        key and the object's pointer
an integer beyond a Java long     2     orjson reads 2^64 and beyond as a float (digits lost); OCP sends
                                        Longs past 2^53 as strings; the message names the pointer
nesting 100,000 deep              2     orjson stops at 1,024 levels; bodies nesting past 254 levels are
                                        refused too (no OCP body nests beyond ten)
a 50 MB body (155,000 subtasks)   0     just big
a chain of 1,000,000 subtasks     0     just big: the bulk DAG proof, no recursion
one cycle through every subtask   1     ``dag.cycle`` once, its path shortened to one line
non-object ``data``               1     ``schema.type`` at ``/data``
subtasks that are not objects     1     ``schema.type`` at each; the graph rules skip them
ids of mixed types                1     the schema reports the unusable ids; the graph rules skip them
``upstreams`` that are not arrays 1     ``schema.type``; the graph rules skip them
a violation in every subtask      1     one violation each, in time linear in their number
================================  ====  ==================================================================

The big bodies are generated in ``tmp_path`` and checked by the command as a separate process
with a timeout, as CI would run it.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from contracts.cli import main
from tests.factories import make_upgrade_dag

SAMPLE = Path(__file__).parent.parent / "data" / "documented-sample.json"
Outcome = tuple[int, str, str]  # exit code, stdout, stderr


def _sample() -> dict[str, Any]:
    return copy.deepcopy(json.loads(SAMPLE.read_text()))


def _in_process(tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    path = tmp_path / "body.json"
    path.write_bytes(content)
    code = main(["validate", str(path), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _as_process(path: Path, *, timeout: float) -> Outcome:
    result = subprocess.run(
        [sys.executable, "-m", "contracts.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return result.returncode, result.stdout, result.stderr


def _assert_usage_error(outcome: Outcome, fragment: str) -> None:
    code, out, err = outcome
    assert "Traceback" not in err
    assert code == 2, out + err
    assert out == ""
    [line] = err.strip().splitlines()
    assert fragment in line


def _assert_violations(outcome: Outcome, *rules: str) -> None:
    code, out, err = outcome
    assert err == "", err
    assert code == 1, out
    for rule in rules:
        assert f"[{rule}]" in out


def _with(body: dict[str, Any], **data: Any) -> bytes:
    body["data"].update(data)
    return json.dumps(body).encode()


# --- unreadable bodies: exit 2, one line -----------------------------------------------------------

SAMPLE_BYTES = SAMPLE.read_bytes()
DUPLICATE_STATUS = SAMPLE_BYTES.replace(b'"status": 200,', b'"status": 200, "status": 500,')
DUPLICATE_IN_SUBTASK = SAMPLE_BYTES.replace(b'"id": 34964,', b'"id": 34964, "id": 34999,')


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        pytest.param(b"{not json", "is not valid JSON", id="not-json"),
        pytest.param(b"<html>502 Bad Gateway</html>", "is not valid JSON", id="html"),
        pytest.param(b"", "is empty", id="empty"),
        pytest.param(b" \n\t ", "is empty", id="whitespace"),
        pytest.param(b"\xef\xbb\xbf" + SAMPLE_BYTES, "UTF-8 byte order mark", id="utf8-bom"),
        pytest.param(SAMPLE.read_text().encode("utf-16"), "UTF-16 byte order mark", id="utf16"),
        pytest.param(
            SAMPLE_BYTES.replace(b"Start node", b"Start \xff node"), "not valid UTF-8", id="bad-utf8"
        ),
        pytest.param(SAMPLE_BYTES.replace(b'"duration": 17', b'"duration": NaN'), "not valid JSON", id="nan"),
        pytest.param(
            SAMPLE_BYTES.replace(b'"duration": 17', b'"duration": Infinity'), "not valid JSON", id="infinity"
        ),
        pytest.param(
            SAMPLE_BYTES.replace(b'"duration": 17', b'"duration": -Infinity'),
            "not valid JSON",
            id="minus-inf",
        ),
        pytest.param(DUPLICATE_STATUS, "repeats the key 'status' in the object at /;", id="duplicate-key"),
        pytest.param(
            DUPLICATE_IN_SUBTASK,
            "repeats the key 'id' in the object at /data/subtasks/0;",
            id="duplicate-nested",
        ),
        pytest.param(
            SAMPLE_BYTES.replace(b'"id": 33149', b'"id": 9223372036854775808'),
            "the integer 9223372036854775808 at /data/id, beyond the range of a Java long",
            id="two-to-the-63",
        ),
        pytest.param(
            SAMPLE_BYTES.replace(b'"id": 34964,', b'"id": 18446744073709551616,'),
            "the integer 18446744073709551616 at /data/subtasks/0/id",
            id="two-to-the-64",
        ),
        pytest.param(
            SAMPLE_BYTES.replace(b'"duration": 17', b'"duration": -9223372036854775809'),
            "at /duration, beyond the range of a Java long",
            id="below-long-min",
        ),
        pytest.param(
            SAMPLE_BYTES.replace(b'"duration": 17', b'"duration": 1' + b"0" * 400),
            "not valid JSON",  # orjson: the number is infinite as a double
            id="four-hundred-digits",
        ),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, "depth limit exceeded", id="nesting-100000"),
        pytest.param(
            SAMPLE_BYTES.replace(b'"parallel": false', b'"parallel": ' + b"[" * 300 + b"]" * 300),
            "more than 254 levels deep",
            id="nesting-300",
        ),
    ],
)
def test_unreadable_body_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, fragment: str
) -> None:
    _assert_usage_error(_in_process(tmp_path, content, capsys), fragment)


def test_top_level_that_is_no_object_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for content in (b"[]", b"42", b'"ok"', b"null", b"true"):
        _assert_usage_error(_in_process(tmp_path, content, capsys), "cannot tell the HTTP status")


def test_top_level_that_is_no_object_with_a_status_gives_violations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for content in (b"[]", b"42", b'"ok"', b"null"):
        _assert_violations(
            _in_process(tmp_path, content, capsys, "--http-status", "200"), "envelope.not-object"
        )


def test_largest_long_is_read() -> None:
    assert main(["validate", str(SAMPLE)]) == 0  # the sample itself, and the edge of the range below
    raw = SAMPLE_BYTES.replace(b'"id": 33149', b'"id": 9223372036854775807')
    assert orjson.loads(raw)["data"]["id"] == 2**63 - 1


# --- wrong shapes: violations, exit 1 ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "rules"),
    [
        pytest.param([], ["schema.type"], id="data-array"),
        pytest.param("task", ["schema.type"], id="data-string"),
        pytest.param(None, ["schema.type"], id="data-null"),
        pytest.param(42, ["schema.type"], id="data-number"),
        pytest.param([[[[[[[[]]]]]]]] * 3, ["schema.type"], id="data-nested-arrays"),
    ],
)
def test_data_that_is_no_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: object, rules: list[str]
) -> None:
    body = _sample()
    body["data"] = data
    _assert_violations(_in_process(tmp_path, json.dumps(body).encode(), capsys), *rules)


def test_subtasks_that_are_no_objects(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = _sample()
    subtasks = body["data"]["subtasks"]
    content = _with(body, subtasks=[*subtasks, 1, "subtask", None, [], [subtasks[0]], True])
    _assert_violations(_in_process(tmp_path, content, capsys), "schema.type")


def test_subtasks_that_are_no_array(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shapes: list[object] = [{"0": {}}, "all of them", 8, None]
    for subtasks in shapes:
        _assert_violations(_in_process(tmp_path, _with(_sample(), subtasks=subtasks), capsys), "schema.type")


def test_ids_of_mixed_types(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = _sample()
    for subtask, key in zip(
        body["data"]["subtasks"], [34964, "34966", 34963.0, True, None, {"id": 1}, [34970], "x"], strict=True
    ):
        subtask["id"] = key
    _assert_violations(_in_process(tmp_path, json.dumps(body).encode(), capsys), "schema.any-of")


def test_upstreams_that_are_no_arrays(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = _sample()
    shapes: list[object] = ["34963", 34963, None, {"0": 34963}, True, [[34963]], [None], [1.5]]
    for subtask, shape in zip(body["data"]["subtasks"], shapes, strict=True):
        subtask["upstreams"] = shape
    _assert_violations(_in_process(tmp_path, json.dumps(body).encode(), capsys), "schema.type")


def test_a_violation_in_every_subtask(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = make_upgrade_dag(servers=4_000, steps=5)
    for subtask in task["subtasks"]:
        del subtask["name"]
    code, out, err = _in_process(tmp_path, orjson.dumps(_envelope(task)), capsys)
    _assert_violations((code, out, err), "schema.required")
    assert out.count("[schema.required]") == 20_002


# --- big bodies: a separate process with a timeout --------------------------------------------------


def _envelope(task: dict[str, Any]) -> dict[str, Any]:
    body = _sample()
    body["data"] = task
    return body


@pytest.mark.slow
def test_fifty_megabytes(tmp_path: Path) -> None:
    task = make_upgrade_dag(servers=31_000, steps=5)  # 155,002 subtasks
    path = tmp_path / "big.json"
    path.write_bytes(orjson.dumps(_envelope(task)))
    assert path.stat().st_size > 50_000_000
    code, out, err = _as_process(path, timeout=120)
    assert (code, err) == (0, ""), out[-2000:] + err
    assert out.strip().endswith("conforms: 0 error(s), 0 warning(s)")


def _lean_chain(ids: range, *, ring: bool) -> bytes:
    """Subtasks with the required fields only, each linked to the next (the last to the first: ``ring``)."""
    first, last = ids[0], ids[-1]

    def subtask(key: int) -> bytes:
        up = f"[{key - 1}]" if key > first else (f"[{last}]" if ring else "[]")
        down = f"[{key + 1}]" if key < last else (f"[{first}]" if ring else "[]")
        return (
            f'{{"downstreams":{down},"id":{key},"name":"Step {key}",'
            f'"operation":"EXECUTE","status":"PENDING","upstreams":{up}}}'
        ).encode()

    task = _sample()["data"]
    task["subtasks"] = []
    head, tail = orjson.dumps(_envelope(task)).split(b'"subtasks":[]')
    return head + b'"subtasks":[' + b",".join(map(subtask, ids)) + b"]" + tail


@pytest.mark.slow
def test_chain_of_a_million_subtasks(tmp_path: Path) -> None:
    path = tmp_path / "chain.json"
    path.write_bytes(_lean_chain(range(1, 1_000_001), ring=False))
    code, out, err = _as_process(path, timeout=240)
    assert (code, err) == (0, ""), out[-2000:] + err


@pytest.mark.slow
def test_one_cycle_through_every_subtask(tmp_path: Path) -> None:
    path = tmp_path / "ring.json"
    path.write_bytes(_lean_chain(range(1, 100_001), ring=True))
    code, out, err = _as_process(path, timeout=120)
    _assert_violations((code, out, err), "dag.cycle", "dag.start-node", "dag.finish-node")
    [headline] = [line for line in out.splitlines() if "[dag.cycle]" in line]
    assert "a cycle of 100,000 subtasks: 1 -> 2 -> " in headline
    assert headline.endswith("… (99,989 more) … -> 100000 -> 1")
    assert len(out) < 5_000
