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

A test chooses its own mock, in the manner of pytest-httpserver: the marker
``@pytest.mark.ocp_mock(inventory=..., faults=[...])`` gives one test (or, on a module or class,
several) an inventory — an :class:`~contracts.mock.inventory.Inventory`, a mapping in the inventory
file's shape, or the path of such a file — and faults switched on from its first request;
overriding the ``ocp_mock_inventory`` fixture in a ``conftest.py`` gives every test of its scope an
inventory. A test with its own inventory gets a server of its own, stopped after it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from contracts.mock.app import MockOCP
    from contracts.mock.http import MockServer
    from contracts.mock.inventory import Inventory

__all__ = ["OcpMock", "ocp_mock", "ocp_mock_inventory", "ocp_mock_responses"]

#: The marker a test, class or module uses to choose its mock.
MARKER = "ocp_mock"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(inventory=None, faults=()): the mock OCP of ocp_mock/ocp_mock_responses for this test: "
        "an inventory (Inventory, mapping or file path) and named faults switched on from the start",
    )


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


def _inventory(value: Any) -> Inventory:
    from contracts.mock.inventory import Inventory, load_inventory, parse_inventory

    if isinstance(value, Inventory):
        return value
    if isinstance(value, (str, Path)):
        return load_inventory(value)
    if isinstance(value, Mapping):
        return parse_inventory(value, "the ocp_mock inventory")
    raise TypeError(
        f"expected an Inventory, a mapping or a file path as the inventory, got {type(value).__name__}"
    )


def _chosen(request: pytest.FixtureRequest, default: Any) -> tuple[Inventory | None, tuple[str, ...]]:
    """The inventory (``None``: the default one) and faults the test's marker or fixture choose."""
    marker = request.node.get_closest_marker(MARKER)
    options = dict(marker.kwargs) if marker is not None else {}
    unknown = sorted(set(options) - {"inventory", "faults"})
    if unknown:
        raise TypeError(f"@pytest.mark.{MARKER}: unknown argument {unknown[0]!r}; expected inventory, faults")
    inventory = options.get("inventory", default)
    faults = options.get("faults", ())
    return (None if inventory is None else _inventory(inventory)), tuple(
        [faults] if isinstance(faults, str) else faults
    )


@pytest.fixture
def ocp_mock_inventory() -> Any:
    """The inventory of every ``ocp_mock``/``ocp_mock_responses`` in its scope (``None``: the demo
    inventory). Override it in a ``conftest.py``; a test's marker still wins."""
    return None


@pytest.fixture(scope="session")
def ocp_mock_server() -> Iterator[MockServer]:
    """The session's mock OCP server on loopback (started on first use, stopped at the end)."""
    from contracts.mock.http import serve

    with serve(host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
def ocp_mock(request: pytest.FixtureRequest, ocp_mock_inventory: Any) -> Iterator[OcpMock]:
    """A mock OCP over HTTP, reset for this test: ``requests.get(ocp_mock.base_url + …)``."""
    inventory, faults = _chosen(request, ocp_mock_inventory)
    if inventory is not None:
        from contracts.mock.app import MockOCP
        from contracts.mock.http import serve

        with serve(MockOCP(inventory), host="127.0.0.1", port=0) as own:
            handle = _handle(own.mock, own.url)
            handle.fault(*faults)
            yield handle
        return
    server: MockServer = request.getfixturevalue("ocp_mock_server")
    handle = _handle(server.mock, server.url)
    handle.reset()
    handle.fault(*faults)
    yield handle
    handle.reset()


@pytest.fixture
def ocp_mock_responses(request: pytest.FixtureRequest, ocp_mock_inventory: Any) -> Iterator[OcpMock]:
    """A fresh mock OCP behind ``responses``: ``requests`` reaches it without a socket."""
    from contracts.mock.app import MockOCP
    from contracts.mock.responses_adapter import DEFAULT_BASE_URL, mock_responses

    inventory, faults = _chosen(request, ocp_mock_inventory)
    with mock_responses(MockOCP(inventory)) as mock:
        handle = _handle(mock, DEFAULT_BASE_URL)
        handle.fault(*faults)
        yield handle
