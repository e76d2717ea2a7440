"""A bounded load test on loopback: 32 concurrent clients × 200 upgrades, each followed by polls.

The mock runs as ``ocp-contract mock`` in its own process (as users run it); the clients are
threads with keep-alive sessions. Every answer is kept and validated after the timed phase, so
validation cost does not count against the server's requests per second. The test stops by
itself: every client has a fixed amount of work and every request a timeout.
"""

from __future__ import annotations

import base64
import http.client
import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from contracts.rules.transitions import check_transition
from contracts.validate import validate_response

pytestmark = pytest.mark.slow  # the load test: 13k requests; `make test-slow` runs it

CLIENTS = 32
UPGRADES = 200
POLLS = 1
ADMIN = ("admin", "ocp-demo-admin")
PACKAGE = "obproxy-ce-4.2.3.0-20231227111200"
ROOT = Path(__file__).resolve().parents[2]

Exchange = tuple[str, int, dict[str, str], bytes, list[int] | None]


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    """A quiet mock whose inventory gives each client its own cluster of ``UPGRADES`` servers."""
    inventory = {
        "clusters": [
            {"id": c, "servers": [{"id": c * 1000 + s, "hostId": c * 1000 + s} for s in range(UPGRADES)]}
            for c in range(1, CLIENTS + 1)
        ],
        "packages": [PACKAGE],
    }
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(inventory))
    with (tmp_path / "mock.err").open("w") as stderr:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "contracts.cli",
                "mock",
                "--port",
                "0",
                "--quiet",
                "--inventory",
                str(path),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", first)
        assert found, first
        yield found.group(1)
    finally:
        process.terminate()
        process.communicate(timeout=20)
        assert process.returncode == 0, (tmp_path / "mock.err").read_text()


class _Connection:
    """A keep-alive HTTP/1.1 connection with Basic credentials (``http.client``: light on the CPU
    the server also needs, unlike ``requests``)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.http = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
        token = base64.b64encode(":".join(ADMIN).encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
        self.http.request(method, path, body=body, headers=self.headers)
        response = self.http.getresponse()
        return response.status, dict(response.getheaders()), response.read()


def _client(url: str, cluster: int, out: list[Exchange]) -> None:
    connection = _Connection(url)
    body = json.dumps({"shortRpmName": PACKAGE}).encode()
    try:
        for index in range(UPGRADES):
            server = cluster * 1000 + index
            status, headers, raw = connection.call(
                "POST", f"/api/v2/obproxy/clusters/{cluster}/obproxies/{server}/upgrade", body
            )
            out.append(("upgrade", status, headers, raw, [server]))
            task_id = json.loads(raw)["data"]["id"]
            for _ in range(POLLS):
                out.append(("task", *connection.call("GET", f"/api/v2/tasks/instances/{task_id}"), None))
            if index % 50 == 0:
                out.append(("tasks", *connection.call("GET", "/api/v2/tasks/instances?size=20"), None))
    finally:
        connection.http.close()


def _all_listed_ids(url: str) -> list[int]:
    ids: list[int] = []
    with requests.Session() as session:
        session.auth = ADMIN
        page = 1
        while True:
            data = session.get(
                f"{url}/api/v2/tasks/instances", params={"page": page, "size": 2000}, timeout=30
            ).json()["data"]
            ids += [item["id"] for item in data["contents"]]
            if page >= data["page"]["totalPages"]:
                return ids
            page += 1


def test_thirty_two_clients_two_hundred_upgrades_each(server_url: str) -> None:
    results: list[list[Exchange]] = [[] for _ in range(CLIENTS)]
    errors: list[BaseException] = []

    def run(cluster: int) -> None:
        try:
            _client(server_url, cluster, results[cluster - 1])
        except BaseException as error:  # re-raised in the test thread below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(c,)) for c in range(1, CLIENTS + 1)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - started
    assert not any(thread.is_alive() for thread in threads), "a client did not finish"
    if errors:
        raise errors[0]
    exchanges = [exchange for client in results for exchange in client]
    print(
        f"\nload: {len(exchanges)} requests from {CLIENTS} clients in {elapsed:.1f} s "
        f"= {len(exchanges) / elapsed:.0f} requests/s"
    )

    created: list[int] = []
    snapshots: dict[int, list[Any]] = {}
    for operation, status, headers, raw, ids in exchanges:
        assert status == 200, raw[:300]
        body = json.loads(raw)
        found = validate_response(
            body, operation=operation, http_status=status, request_obproxy_ids=ids, headers=headers
        )
        assert not found, "\n".join(v.render() for v in found)
        if operation != "tasks":
            snapshots.setdefault(body["data"]["id"], []).append(body["data"])
        if operation == "upgrade":
            created.append(body["data"]["id"])
    assert len(created) == CLIENTS * UPGRADES == len(set(created))
    for task_id, seen in snapshots.items():
        for before, after in itertools.pairwise(seen):
            assert not [v for v in check_transition(before, after, requested_task_id=task_id) if v.is_error]
    listed = _all_listed_ids(server_url)
    assert len(listed) == len(set(listed)) and set(created) <= set(listed)
