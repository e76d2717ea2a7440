"""Top-level pytest configuration: choosing the target of the contract tests.

``pytest tests/contract --ocp-url https://ocp.example:8080`` points the contract suite at a live
OCP; without ``--ocp-url`` (or ``OCP_BASE_URL``) the embedded mock OCP serves. Credentials come
from the environment only (``OCP_USERNAME``/``OCP_PASSWORD`` or ``OCP_ACCESS_KEY``/``OCP_SECRET_KEY``),
never from the command line, so they do not appear in process listings or CI logs.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ocp", "OCP contract target")
    group.addoption(
        "--ocp-url",
        default=os.environ.get("OCP_BASE_URL") or None,
        help="base URL of a live OCP (env OCP_BASE_URL); default: the embedded mock",
    )
    group.addoption(
        "--ocp-allow-upgrade",
        action="store_true",
        default=False,
        help="permit requests that can start a real upgrade on a live OCP",
    )
    group.addoption("--ocp-cluster-id", type=int, default=None, help="a real OBProxy cluster id")
    group.addoption("--ocp-obproxy-ids", default=None, help="real OBProxy server ids, e.g. 1,2")
    group.addoption("--ocp-package", default=None, help="a real installation package (shortRpmName)")
    group.addoption(
        "--ocp-version",
        default=os.environ.get("OCP_VERSION") or None,
        help="the target's OCP version: 3.1.1, 4.0.0, 4.0.3, 4.2 or latest (env OCP_VERSION)",
    )


#: ``pytester`` runs the pytest plugin's fixtures as another project would (tests/test_pytest_plugin.py).
pytest_plugins = ("pytester",)
