"""Helpers shared by the mock's tests: an API client over the in-process WSGI app, and replies
that validate themselves against the contract."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from werkzeug.test import Client

from contracts.mock import MockOCP
from contracts.ocp import CLUSTER_PATH, LIFECYCLE_ROUTES
from contracts.validate import UnfaithfulBody, parse_body, validate_response
from contracts.violations import Violation

ADMIN = ("admin", "ocp-demo-admin")
VIEWER = ("viewer", "ocp-demo-viewer")
PACKAGE = "obproxy-1.9.1.1-1919579"
UPGRADE = "/api/v2/obproxy/clusters/{cluster}/obproxies/{ids}/upgrade"
_UNSET: Any = object()


def upgrade_over_requests(base_url: str) -> requests.Response:
    """Upgrade servers 1 and 2 of cluster 1 through ``requests`` and assert the answer conforms."""
    created = requests.post(
        f"{base_url}/obproxy/clusters/1/obproxies/1,2/upgrade",
        json={"shortRpmName": PACKAGE},
        auth=ADMIN,
        timeout=5,
    )
    assert created.status_code == 200
    violations = validate_response(
        created.json(), operation="upgrade", request_obproxy_ids=[1, 2], headers=dict(created.headers)
    )
    assert violations == []
    return created


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@dataclass
class Reply:
    """One answer of the mock, with what the validators need to judge it."""

    status: int
    headers: dict[str, str]
    raw: bytes
    operation: str
    ids: Sequence[int] | None = None
    body: Any = field(init=False)
    unreadable: UnfaithfulBody | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        try:
            self.body = parse_body(self.raw)
        except UnfaithfulBody as error:
            self.body, self.unreadable = None, error

    @property
    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, dict) else None

    @property
    def error(self) -> dict[str, Any]:
        return dict(self.body["error"])

    def violations(self, *, strict: bool = True) -> list[Violation]:
        if self.unreadable is not None:
            return [self.unreadable.violation()]
        return validate_response(
            self.body,
            operation=self.operation,
            http_status=self.status,
            request_obproxy_ids=self.ids,
            headers=self.headers,
            strict=strict,
        )

    def rules(self, *, errors_only: bool = True) -> set[str]:
        return {v.rule for v in self.violations(strict=False) if v.is_error or not errors_only}

    def assert_valid(self) -> None:
        found = self.violations(strict=True)
        assert not found, "\n".join(v.render() for v in found)


class Api:
    """The operations over a WSGI app, Basic ``admin`` credentials unless told otherwise."""

    def __init__(self, app: MockOCP, auth: tuple[str, str] | None = ADMIN) -> None:
        self.app = app
        self.client = Client(app)
        self.auth = auth

    def _headers(self, auth: Any, extra: dict[str, str] | None) -> dict[str, str]:
        auth = self.auth if auth is _UNSET else auth
        return {**(basic(*auth) if auth else {}), **(extra or {})}

    def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        auth: Any = _UNSET,
        data: bytes | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        ids: Sequence[int] | None = None,
    ) -> Reply:
        all_headers = self._headers(auth, headers)
        if content_type is not None:
            all_headers["Content-Type"] = content_type
        response = self.client.open(path, method=method, data=data, headers=all_headers)
        return Reply(response.status_code, dict(response.headers), response.get_data(), operation, ids)

    def upgrade(
        self,
        cluster: int | str = 1,
        ids: str = "1",
        body: Any = _UNSET,
        *,
        raw: bytes | None = None,
        content_type: str | None = "application/json",
        auth: Any = _UNSET,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        if raw is None and body is not None:
            raw = json.dumps({"shortRpmName": PACKAGE} if body is _UNSET else body).encode()
        try:
            parsed: Sequence[int] | None = [int(i) for i in ids.split(",")]
        except ValueError:
            parsed = None
        return self.request(
            "POST",
            UPGRADE.format(cluster=cluster, ids=ids),
            operation="upgrade",
            auth=auth,
            data=raw,
            content_type=content_type if raw is not None else None,
            headers=headers,
            ids=parsed,
        )

    def task(self, task_id: int | str, *, auth: Any = _UNSET) -> Reply:
        return self.request("GET", f"/api/v2/tasks/instances/{task_id}", operation="task", auth=auth)

    def tasks(self, query: str = "", *, auth: Any = _UNSET) -> Reply:
        path = "/api/v2/tasks/instances" + (f"?{query}" if query else "")
        return self.request("GET", path, operation="tasks", auth=auth)

    def call(
        self, short: str, task_id: int | str, subtask_id: int | str | None = None, *, auth: Any = _UNSET
    ) -> Reply:
        """One call of the failure path (``task-retry``, ``subtask-log``…, the short names of
        ``contracts.ocp.LIFECYCLE_ROUTES``), judged as that operation."""
        method, template, _ = LIFECYCLE_ROUTES[short]
        path = template.format(taskInstanceId=task_id, subtaskInstanceId=subtask_id)
        return self.request(method, path, operation=short, auth=auth)

    def cluster(self, cluster_id: int | str = 1, *, auth: Any = _UNSET) -> Reply:
        return self.request("GET", CLUSTER_PATH.format(id=cluster_id), operation="cluster", auth=auth)

    def versions(self, cluster_id: int = 1) -> dict[int, tuple[str, str]]:
        """Server id → (version, status), as the cluster read shows them."""
        reply = self.cluster(cluster_id)
        reply.assert_valid()
        return {s["id"]: (s["version"], s["status"]) for s in reply.data["obproxies"]}

    def poll_to_end(self, task_id: int, limit: int = 60) -> list[Reply]:
        """GET the task until it is SUCCESSFUL or FAILED (at most ``limit`` polls)."""
        replies: list[Reply] = []
        for _ in range(limit):
            reply = self.task(task_id)
            replies.append(reply)
            if reply.status != 200 or reply.data is None or reply.data.get("status") != "RUNNING":
                break
        return replies


@contextmanager
def mock_process(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> Iterator[MockProcess]:
    """``ocp-contract mock …`` started as ``argv`` and read up to the end of its banner.

    Yields the process and its banner; a process still running afterwards is killed, so a failed
    assertion never leaves a server behind.
    """
    process = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = ""
        while "stop with Ctrl-C" not in banner and process.poll() is None:
            banner += process.stdout.readline()
        yield MockProcess(process, banner)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


@dataclass(frozen=True)
class MockProcess:
    """A mock OCP serving in a subprocess, and the banner it printed."""

    process: subprocess.Popen[str]
    banner: str

    def url(self, host: str = r"127\.0\.0\.1") -> str:
        """The base URL the banner names for ``host`` (a regular expression)."""
        found = re.search(rf"listening on (http://{host}:\d+)", self.banner)
        assert found, self.banner
        return found.group(1)
