"""The contract suite under pytest: the target comes from the top-level ``conftest.py`` options
(``--ocp-url``, ``--ocp-allow-upgrade``, ``--ocp-cluster-id``, ``--ocp-obproxy-ids``,
``--ocp-package``, ``--ocp-version``) and credentials from the environment only. Without
``--ocp-url`` the embedded mock serves, quickly enough for every ``make test``.

The suite runs once per session (:func:`contracts.run.run_suite`, the code behind
``ocp-contract run``); the tests then read its results, one test per operation and check.
"""

from __future__ import annotations

import os

import pytest

from contracts.run import RunConfig, RunResult, from_options, run_suite

#: Cases per operation and phase under pytest: enough to exercise every check, fast on 2 cores.
PYTEST_MAX_EXAMPLES = 8
PYTEST_SEED = 20240415


@pytest.fixture(scope="session")
def contract_config(pytestconfig: pytest.Config) -> RunConfig:
    options = {
        "base_url": pytestconfig.getoption("--ocp-url"),
        "allow_upgrade": pytestconfig.getoption("--ocp-allow-upgrade"),
        "cluster_id": pytestconfig.getoption("--ocp-cluster-id"),
        "obproxy_ids": pytestconfig.getoption("--ocp-obproxy-ids"),
        "package": pytestconfig.getoption("--ocp-package"),
        "ocp_version": pytestconfig.getoption("--ocp-version"),
        "max_examples": PYTEST_MAX_EXAMPLES,
        "seed": PYTEST_SEED,
    }
    return from_options(options, os.environ)


@pytest.fixture(scope="session")
def contract_run(contract_config: RunConfig) -> RunResult:
    return run_suite(contract_config)
