"""The mock OCP as pytest fixtures, for any project that installs ``ocp-contract``.

Installing the package registers this module as a pytest plugin (entry point ``pytest11``), so
a project's own tests get, with no configuration:

* ``ocp_mock`` — a mock OCP served over HTTP on loopback (one server per test session, started
  on first use), reset to its start-up state before every test;
* ``ocp_mock_responses`` — the same mock behind ``responses``, for code on ``requests``: no
  socket at all, at ``http://127.0.0.1:8080``;

each an :class:`OcpMock` with the base URL, the credentials, the inventory and a fault switch.
Pair them with :func:`contracts.assert_conforms` to assert that what the code under test saw
honours the contract. Importing this module stays cheap: the mock is imported by the fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from contracts.mock.app import MockOCP
    from contracts.mock.http import MockServer
    from contracts.mock.inventory import Inventory

__all__ = ["OcpMock", "ocp_mock", "ocp_mock_responses"]


@dataclass(frozen=True)
class OcpMock:
    """A running mock OCP as a test sees it. Secrets stay out of ``repr``."""

    base_url: str
    #: HTTP Basic user and password of a user with every role (the inventory's first).
    username: str
    password: str = field(repr=False)
    #: The same user's AK/SK pair, for code that signs its requests (``None`` when it has none).
    access_key: str | None
    secret_key: str | None = field(repr=False)
    #: Clusters, servers, packages and users the mock knows.
    inventory: Inventory
    #: The mock itself, for what the handle does not cover (its tasks, its settings).
    mock: MockOCP

    @property
    def auth(self) -> tuple[str, str]:
        """``(username, password)``, as ``requests`` takes it."""
        return (self.username, self.password)

    def fault(self, *names: str) -> None:
        """Switch on exactly these named faults (none: a faithful OCP again) from the next request
        on; ``ocp-contract mock --list-faults`` lists them. The next test starts without any."""
        self.mock.set_faults(names)

    def reset(self) -> None:
        """Back to the start-up state: no faults, only the seeded tasks 33149 and 33150."""
        self.mock.set_faults(())
        self.mock.reset()


def _handle(mock: MockOCP, base_url: str) -> OcpMock:
    user = mock.inventory.users[0]
    return OcpMock(
        base_url=base_url,
        username=user.name,
        password=user.password,
        access_key=user.access_key,
        secret_key=user.secret_key,
        inventory=mock.inventory,
        mock=mock,
    )


@pytest.fixture(scope="session")
def ocp_mock_server() -> Iterator[MockServer]:
    """The session's mock OCP server on loopback (started on first use, stopped at the end)."""
    from contracts.mock.http import serve

    with serve(host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
def ocp_mock(ocp_mock_server: MockServer) -> Iterator[OcpMock]:
    """A mock OCP over HTTP, reset for this test: ``requests.get(ocp_mock.base_url + …)``."""
    handle = _handle(ocp_mock_server.mock, ocp_mock_server.url)
    handle.reset()
    yield handle
    handle.reset()


@pytest.fixture
def ocp_mock_responses() -> Iterator[OcpMock]:
    """A fresh mock OCP behind ``responses``: ``requests`` reaches it without a socket."""
    from contracts.mock.responses_adapter import DEFAULT_BASE_URL, mock_responses

    with mock_responses() as mock:
        yield _handle(mock, DEFAULT_BASE_URL)
