"""Fixtures for the runner's tests: a mock OCP posing as a *live* one (behind ``responses`` at a
real-looking URL) that records every request reaching it, and config factories.

The recording happens inside the mock, below the runner's gate: it sees exactly what left.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from contracts.mock import MockOCP, create_app, default_inventory, mock_responses
from contracts.mock.inventory import ROLES, Inventory, User
from contracts.run import RunConfig

LIVE_URL = "http://ocp.example.test:8080"
ADMIN, ADMIN_PASSWORD = "admin", "ocp-demo-admin"
DEMO_AK, DEMO_SK = "ocp-demo-ak", "d75332c5eed8d440a84a35ac6248d397"
PACKAGE = "obproxy-ce-4.2.3.0-20231227111200"


@dataclass(frozen=True)
class Received:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class RecordingOCP:
    """The mock and every request it received, in order."""

    mock: MockOCP
    received: list[Received] = field(default_factory=list)

    @property
    def created_tasks(self) -> int:
        """Tasks the engine holds beyond the ones seeded at start-up."""
        with self.mock.engine.lock:
            return len(self.mock.engine.tasks()) - len(self.mock.seeded_task_ids)


def _recording(mock: MockOCP, received: list[Received]) -> None:
    handle = mock.handle

    def recorded(request: Request) -> Response:
        received.append(Received(request.method, request.path, dict(request.headers), request.get_data()))
        return handle(request)

    mock.handle = recorded  # type: ignore[method-assign]


def serve(inventory: Inventory | None = None, **settings: Any) -> Iterator[RecordingOCP]:
    mock = create_app(inventory, **settings)
    recording = RecordingOCP(mock)
    _recording(mock, recording.received)
    with mock_responses(mock, base_url=LIVE_URL):
        yield recording


@pytest.fixture
def live_ocp() -> Iterator[RecordingOCP]:
    """The default mock at :data:`LIVE_URL`, recording."""
    yield from serve()


def sentinel_inventory(password: str, secret_key: str) -> Inventory:
    """The default world whose only user has the given password and AK/SK secret."""
    user = User(1, "sentinel", password, frozenset(ROLES), "sentinel-ak", secret_key)
    return dataclasses.replace(default_inventory(), users=(user,), demo=False)


def live_config(**overrides: Any) -> RunConfig:
    """A live run against :data:`LIVE_URL` as the demo admin, small and fast."""
    defaults: dict[str, Any] = {
        "base_url": LIVE_URL,
        "username": ADMIN,
        "password": ADMIN_PASSWORD,
        "max_examples": 4,
        "seed": 1,
        "poll_interval": 0.0,
        "request_timeout": 5.0,
    }
    return RunConfig(**{**defaults, **overrides})
