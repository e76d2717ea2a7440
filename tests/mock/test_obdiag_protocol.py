"""obdiag's documented protocol, played against the embedded mock over real HTTP.

As ``ocp-api.md`` §5a describes the client (written from that description): start an upgrade, GET
the task until it is SUCCESSFUL or FAILED; on FAILED, POST ``/retry`` and poll again until it ends.
Here the first upgrade's servers fail once (``failTimes: 1``), so the retry succeeds; a second
upgrade fails every time, so the client rolls it back instead, and sees SUCCESSFUL under ROLLBACK
with every subtask PENDING — and the servers still at their old version. Every answer conforms to
the spec under its operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from contracts.mock import create_app, serve
from contracts.mock.inventory import package_version, parse_inventory
from contracts.ocp import (
    CLUSTER_PATH,
    FAILED,
    PENDING,
    ROLLBACK,
    SUCCESSFUL,
    TASK_PATH,
    TASK_RETRY_PATH,
    TASK_ROLLBACK_PATH,
    TERMINAL_TASK,
    UPGRADE_PATH,
)
from contracts.validate import validate_response

OLD = "4.2.1.0"
PACKAGE = "obproxy-ce-4.2.3.0-20231227111200"
AUTH = ("admin", "ocp-demo-admin")


@pytest.fixture
def base_url() -> Iterator[str]:
    inventory = parse_inventory(
        {
            "clusters": [
                {"id": 1, "servers": [{"id": 1, "version": OLD, "failAt": "install", "failTimes": 1},
                                      {"id": 2, "version": OLD, "failAt": "install", "failTimes": 1}]},
                {"id": 2, "servers": [{"id": 3, "version": OLD, "failAt": "start"}]},
            ],
            "packages": [PACKAGE],
        },
        "obdiag inventory",
    )  # fmt: skip
    with serve(create_app(inventory, seed_history=False), port=0) as server:
        yield server.url


class Client:
    """What obdiag does, and nothing more: plain requests, the envelope's ``data``."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.session = requests.Session()
        self.session.auth = AUTH
        self.answers = 0

    def _call(self, method: str, path: str, operation: str, **kwargs: Any) -> Any:
        response = self.session.request(method, self.base + path, timeout=10, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        assert validate_response(body, operation=operation, headers=dict(response.headers), strict=True) == []
        self.answers += 1
        return body.get("data")

    def upgrade(self, cluster: int, ids: str) -> int:
        path = UPGRADE_PATH.format(id=cluster, obproxyIds=ids)
        return int(self._call("POST", path, "upgrade", json={"shortRpmName": PACKAGE})["id"])

    def wait(self, task_id: int, limit: int = 100) -> dict[str, Any]:
        """Poll until SUCCESSFUL or FAILED, as obdiag's loop does."""
        for _ in range(limit):
            task: dict[str, Any] = self._call("GET", TASK_PATH.format(taskInstanceId=task_id), "task")
            if task["status"] in TERMINAL_TASK:
                return task
        raise AssertionError(f"task {task_id} did not end in {limit} polls")

    def retry(self, task_id: int) -> dict[str, Any]:
        return dict(self._call("POST", TASK_RETRY_PATH.format(taskInstanceId=task_id), "task-retry"))

    def rollback(self, task_id: int) -> Any:
        return self._call("POST", TASK_ROLLBACK_PATH.format(taskInstanceId=task_id), "task-rollback")

    def versions(self, cluster: int) -> dict[int, str]:
        data = self._call("GET", CLUSTER_PATH.format(id=cluster), "cluster")
        return {server["id"]: server["version"] for server in data["obproxies"]}


def test_obdiags_protocol_retries_a_flaky_upgrade_and_rolls_back_a_broken_one(base_url: str) -> None:
    client = Client(base_url)

    # 1. an upgrade whose servers fail once: FAILED, retried, then SUCCESSFUL
    task_id = client.upgrade(1, "1,2")
    assert client.wait(task_id)["status"] == FAILED
    retried = client.retry(task_id)
    assert retried["id"] == task_id
    done = client.wait(task_id)
    assert done["status"] == SUCCESSFUL
    assert client.versions(1) == {1: package_version(PACKAGE), 2: package_version(PACKAGE)}

    # 2. an upgrade that fails every time: a retry fails again, so roll it back
    broken = client.upgrade(2, "3")
    assert client.wait(broken)["status"] == FAILED
    client.retry(broken)
    assert client.wait(broken)["status"] == FAILED
    client.rollback(broken)
    undone = client.wait(broken)
    assert (undone["status"], undone["operation"]) == (SUCCESSFUL, ROLLBACK)
    assert {sub["status"] for sub in undone["subtasks"]} == {PENDING}
    assert client.versions(2) == {3: OLD}
    assert client.answers > 10
