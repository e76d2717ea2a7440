"""A run's logged exchanges become a shape: routed to operations by the spec's path templates."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from contracts.shapes.exchanges import operation_for, record_exchanges
from contracts.spec import load_spec


@dataclass(frozen=True)
class Exchange:
    method: str
    url: str
    status: int | None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes = b""


@pytest.mark.parametrize(
    ("method", "url", "operation"),
    [
        ("POST", "http://127.0.0.1:8080/api/v2/obproxy/clusters/1/obproxies/1,2/upgrade", "upgradeObproxies"),
        ("GET", "http://127.0.0.1:8080/api/v2/tasks/instances/33150", "getTaskInstance"),
        ("GET", "http://127.0.0.1:8080/api/v2/tasks/instances?status=RUNNING", "listTaskInstances"),
        ("GET", "https://ocp.example/console/api/v2/tasks/instances/7", "getTaskInstance"),
        ("POST", "http://127.0.0.1:8080/api/v2/tasks/instances/7", None),
        ("GET", "http://127.0.0.1:8080/api/v2/tasks/instances/7/subtasks/1/log", "getSubtaskLog"),
        ("GET", "http://127.0.0.1:8080/api/v2/tasks/instances/7/subtasks/1", None),
        ("POST", "http://127.0.0.1:8080/api/v2/obproxy/clusters/1", None),
    ],
)
def test_urls_are_routed_to_operations(method: str, url: str, operation: str | None) -> None:
    assert operation_for(method, url) == operation


def test_exchanges_are_recorded_per_operation_and_status() -> None:
    task = {"data": {"id": 1, "status": "RUNNING", "subtasks": []}, "status": 200}
    exchanges = [
        Exchange(
            "GET",
            "http://h/api/v2/tasks/instances/1",
            200,
            {"Content-Type": "application/json"},
            json.dumps(task).encode(),
        ),
        Exchange(
            "GET", "http://h/api/v2/tasks/instances/2", 404, {}, b'{"error": {"message": "x"}, "status": 404}'
        ),
        Exchange(
            "GET", "http://h/api/v2/tasks/instances/3", 200, {}, b'{"data": {"id": 3, "subta'
        ),  # cut short
        Exchange("GET", "http://h/api/v2/tasks/instances/4", None),  # never answered
        Exchange("GET", "http://h/metrics", 200, {}, b"{}"),  # not an operation of the contract
    ]
    shape = record_exchanges(exchanges, spec=load_spec(), meta={"target": "mock"}).shape
    assert sorted(shape.operations["getTaskInstance"]) == [200, 404]
    entry = shape.operations["getTaskInstance"][200]
    assert entry.responses == 2
    assert entry.enums["/data/status"] == ["RUNNING"]
    assert shape.meta == {"target": "mock", "skippedBodies": "1"}
    assert set(shape.operations) == {"getTaskInstance"}
