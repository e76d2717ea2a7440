"""The recorder keeps types per collapsed pointer, enum values at the spec's enum fields, headers."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from contracts.shapes import Shape, ShapeRecorder, load_shape
from contracts.shapes.recorder import json_type
from contracts.spec import load_spec
from contracts.violations import UsageError


def _task(*statuses: str) -> dict[str, Any]:
    subtasks = [
        {"id": i + 1, "status": s, "upstreams": [], "downstreams": []} for i, s in enumerate(statuses)
    ]
    context = {"stringMap": {"service_type": "OB_PROXY", "a/b~c": "x"}}
    return {"data": {"id": 7, "status": "RUNNING", "subtasks": subtasks, "context": context}, "status": 200}


def test_types_are_recorded_per_path_with_indices_collapsed() -> None:
    recorder = ShapeRecorder(load_spec())
    recorder.observe(
        "upgrade", 200, {"Content-Type": "application/json", "Date": "now"}, _task("READY", "PENDING")
    )
    entry = recorder.shape.operations["upgradeObproxies"][200]
    assert entry.properties["/data/subtasks/*/id"] == {"integer"}
    assert entry.properties["/data/subtasks/*/upstreams"] == {"array"}
    assert entry.properties[""] == {"object"}
    assert entry.headers == {"content-type"}, "transport headers such as Date are not recorded"
    assert entry.responses == 1


def test_enum_values_are_kept_only_at_enum_fields() -> None:
    recorder = ShapeRecorder(load_spec())
    recorder.observe("upgradeObproxies", 200, None, _task("READY", "PENDING"))
    recorder.observe("upgradeObproxies", 200, None, _task("FAILED"))
    enums = recorder.shape.operations["upgradeObproxies"][200].enums
    assert sorted(enums["/data/subtasks/*/status"]) == ["FAILED", "PENDING", "READY"]
    assert enums["/data/status"] == ["RUNNING"]
    assert "/data/subtasks/*/id" not in enums


def test_free_form_map_keys_collapse_to_a_star() -> None:
    recorder = ShapeRecorder(load_spec())
    recorder.observe("upgrade", 200, None, _task())
    paths = recorder.shape.operations["upgradeObproxies"][200].properties
    assert "/data/context/stringMap/*" in paths
    assert not any("service_type" in path for path in paths)


def test_keys_are_escaped_as_json_pointer_tokens() -> None:
    recorder = ShapeRecorder(load_spec())
    recorder.observe("upgrade", 200, None, {"data": {"a/b~c": 1}})
    assert "/data/a~1b~0c" in recorder.shape.operations["upgradeObproxies"][200].properties


def test_unknown_operation_is_recorded_under_its_own_name() -> None:
    recorder = ShapeRecorder(load_spec())
    recorder.observe("somethingElse", 200, None, [1, "x"])
    assert recorder.shape.operations["somethingElse"][200].properties == {
        "": {"array"},
        "/*": {"integer", "string"},
    }


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (None, "null"),
        (True, "boolean"),
        (1, "integer"),
        (1.0, "number"),
        ("", "string"),
        ({}, "object"),
        ([], "array"),
    ],
)
def test_json_type(value: object, name: str) -> None:
    assert json_type(value) == name


def test_saved_shape_round_trips(tmp_path: Path) -> None:
    recorder = ShapeRecorder(load_spec(), meta={"target": "mock"})
    recorder.observe("upgrade", 200, {"RateLimit-Limit": "1"}, _task("READY"))
    recorder.observe("upgrade", 404, None, {"error": {"code": 10002, "message": "x"}, "status": 404})
    file = tmp_path / "shape.json"
    recorder.save(file)
    loaded = load_shape(file)
    assert loaded.to_dict() == recorder.shape.to_dict()
    assert json.loads(file.read_text())["meta"] == {"target": "mock"}


def test_a_deep_body_is_walked_without_recursion() -> None:
    body: Any = "leaf"
    for _ in range(3_000):  # beyond the interpreter's recursion limit
        body = {"n": body}
    recorder = ShapeRecorder(load_spec())
    recorder.observe("other", 200, None, body)
    assert len(recorder.shape.operations["other"][200].properties) == 3_001


def test_a_long_task_is_recorded_in_linear_time() -> None:
    statuses = ["SUCCESSFUL"] * 100_000
    started = time.perf_counter()
    recorder = ShapeRecorder(load_spec())
    recorder.observe("task", 200, None, _task(*statuses))
    assert time.perf_counter() - started < 60  # linear: seconds even under coverage; quadratic: hours
    assert recorder.shape.operations["getTaskInstance"][200].enums["/data/subtasks/*/status"] == [
        "SUCCESSFUL"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("not json", "is not valid JSON", id="not-json"),
        pytest.param('{"format": "other"}', "is not a shape file", id="wrong-format"),
        pytest.param(
            '{"format": "ocp-contract-shape/1", "operations": []}', "expected 'operations'", id="ops-list"
        ),
        pytest.param(
            '{"format": "ocp-contract-shape/1", "operations": {"x": {"999": {}}}}',
            "not an HTTP status",
            id="bad-status",
        ),
        pytest.param(
            '{"format": "ocp-contract-shape/1", "operations": {"x": {"200": {"properties": {"": ["int"]}}}}}',
            "JSON type names",
            id="bad-type",
        ),
    ],
)
def test_unusable_shape_files_are_usage_errors(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "bad.json"
    file.write_text(content)
    with pytest.raises(UsageError, match=message):
        load_shape(file)


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read"):
        load_shape(tmp_path / "absent.json")
    assert Shape().to_dict()["operations"] == {}
