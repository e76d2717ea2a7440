"""The inventory: the seeded default, and loading YAML/JSON with one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.mock import create_app, default_inventory, load_inventory
from contracts.mock.inventory import DEMO_USERS
from contracts.violations import UsageError
from tests.mock._support import Api

GOOD_YAML = """
clusters:
  - id: 7
    name: edge
    servers:
      - {id: 70, hostId: 700, version: 4.2}
      - {id: 71, failAt: download}
packages: [obproxy-ce-4.2.3.0-20231227111200]
users:
  - {name: ops, password: ops-pass, roles: [OBPROXY_MANAGER, TASK_VIEWER],
     accessKey: ops-ak, secretKey: ops-sk}
"""


def test_the_default_inventory_matches_the_spec_examples() -> None:
    inventory = default_inventory()
    cluster = inventory.cluster(1)
    assert cluster is not None and [s.id for s in cluster.servers] == [1, 2, 3]
    assert inventory.has_package("obproxy-1.9.1.1-1919579")
    assert inventory.has_package("obproxy-ce-4.2.3.0-20231227111200")
    assert [s.fail_at for c in inventory.clusters for s in c.servers] == [None, None, None, None, "install"]
    lines = list(inventory.describe())
    assert (
        "user admin / ocp-demo-admin (OBPROXY_MANAGER,TASK_MANAGER,TASK_VIEWER); AK/SK ocp-demo-ak / "
        "d75332c5eed8d440a84a35ac6248d397" in lines
    )


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_file_replaces_the_default(tmp_path: Path, suffix: str) -> None:
    import yaml

    path = tmp_path / f"inventory{suffix}"
    document = yaml.safe_load(GOOD_YAML)
    path.write_text(GOOD_YAML if suffix == ".yaml" else json.dumps(document))
    inventory = load_inventory(path)
    assert inventory.cluster(7) is not None and inventory.cluster(1) is None
    assert inventory.cluster(7).servers[0].version == "4.2"  # type: ignore[union-attr]
    assert inventory.credentials()["ops-ak"] == "ops-sk"
    assert all("ops-pass" not in line and "ops-sk" not in line for line in inventory.describe())
    assert "ops-pass" not in repr(inventory) and "ops-sk" not in repr(inventory)
    api = Api(create_app(inventory), auth=("ops", "ops-pass"))
    created = api.upgrade(7, "70,71", {"shortRpmName": "obproxy-ce-4.2.3.0-20231227111200"})
    assert created.status == 200
    assert api.poll_to_end(created.data["id"])[-1].data["status"] == "FAILED"


def test_without_users_the_demo_users_serve(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text("clusters: [{id: 1, servers: [{id: 1}]}]\npackages: [p-1-1]\n")
    inventory = load_inventory(path)
    assert inventory.users == DEMO_USERS and inventory.demo
    assert inventory.cluster(1).name == "obproxy-1"  # type: ignore[union-attr]
    assert inventory.cluster(1).servers[0].host_id == 1  # type: ignore[union-attr]


BAD = [
    pytest.param("[]", "top level: expected a mapping, got []", id="not-a-mapping"),
    pytest.param(
        "clusters: []\npackages: [p]", "clusters: expected a non-empty list, got []", id="no-clusters"
    ),
    pytest.param(
        "clusters: [{id: 1, servers: [{id: 1}]}]",
        "packages: expected a non-empty list, got nothing",
        id="no-packages",
    ),
    pytest.param(
        "clusters: [{id: x, servers: [{id: 1}]}]\npackages: [p]",
        'clusters[0].id: expected an integer id from 1 to 2^63-1, got "x"',
        id="bad-cluster-id",
    ),
    pytest.param(
        "clusters: [{id: 1, servers: [{id: 0}]}]\npackages: [p]",
        "clusters[0].servers[0].id: expected an integer id from 1 to 2^63-1, got 0",
        id="zero-server-id",
    ),
    pytest.param(
        "clusters: [{id: 1, servers: [{id: 1, failAt: explode}]}]\npackages: [p]",
        "clusters[0].servers[0].failAt: expected one of prepare, download, stop, install, start, check, "
        'got "explode"',
        id="unknown-step",
    ),
    pytest.param(
        "clusters: [{id: 1, servers: [{id: 1, host: 3}]}]\npackages: [p]",
        "clusters[0].servers[0]: unknown key 'host'; expected one of id, hostId, version, failAt, failTimes, "
        "prohibitRollback",
        id="unknown-key",
    ),
    pytest.param(
        "clusters: [{id: 1, servers: [{id: 1, failAt: stop, failTimes: 0}]}]\npackages: [p]",
        "clusters[0].servers[0].failTimes: expected a whole number of runs, at least 1, got 0",
        id="zero-fail-times",
    ),
    pytest.param(
        "clusters: [{id: 1, servers: [{id: 1, failAt: stop, failTimes: true}]}]\npackages: [p]",
        "clusters[0].servers[0].failTimes: expected a whole number of runs, at least 1, got true",
        id="boolean-fail-times",
    ),
    pytest.param(
        "clusters: [{id: 1, servers: [{id: 1, failTimes: 2}]}]\npackages: [p]",
        "clusters[0].servers[0].failTimes: goes with failAt; got no failAt",
        id="fail-times-without-fail-at",
    ),
    pytest.param(
        "clusters: [{id: 1, servers: [{id: 1, prohibitRollback: yes please}]}]\npackages: [p]",
        "clusters[0].servers[0].prohibitRollback: expected true or false",
        id="prohibit-rollback-not-boolean",
    ),
    pytest.param(
        "clusters: [{id: 1, servers: [{id: 1}]}, {id: 2, servers: [{id: 1}]}]\npackages: [p]",
        "server id 1 appears twice",
        id="duplicate-server",
    ),
    pytest.param(
        "clusters: [{id: 1, servers: [{id: 1}]}]\npackages: [p, p]",
        "package 'p' appears twice",
        id="duplicate-package",
    ),
    pytest.param(
        "clusters: [{id: 1, servers: [{id: 1}]}]\npackages: [p]\n"
        "users: [{name: a, password: hunter2, roles: [ROOT]}]",
        'users[0].roles[0]: expected one of OBPROXY_MANAGER, TASK_VIEWER, TASK_MANAGER, got "ROOT"',
        id="unknown-role",
    ),
    pytest.param(
        "clusters: [{id: 1, servers: [{id: 1}]}]\npackages: [p]\n"
        "users: [{name: a, password: hunter2, roles: [TASK_VIEWER], accessKey: k}]",
        "accessKey and secretKey go together",
        id="half-a-key-pair",
    ),
    pytest.param(
        "clusters: [{id: 1, servers: [{id: 1}]}]\npackages: [p]\n"
        "users: [{name: a, password: 12345, roles: [TASK_VIEWER]}]",
        "users[0].password: expected a non-empty string",
        id="numeric-password-not-echoed",
    ),
    pytest.param("clusters: [{id: 1\n", "not valid YAML or JSON at line", id="broken-yaml"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_bad_file_is_one_line_saying_where_and_what(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        load_inventory(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)
    assert "hunter2" not in str(caught.value) and "12345" not in str(caught.value)


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"cannot read inventory .*missing\.yaml"):
        load_inventory(tmp_path / "missing.yaml")


def test_fail_times_and_prohibit_rollback_are_read_and_described(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text(
        "clusters: [{id: 1, servers: [{id: 1, failAt: stop, failTimes: 2},\n"
        "                             {id: 2, prohibitRollback: true}]}]\n"
        "packages: [p]"
    )
    inventory = load_inventory(path)
    first, second = inventory.clusters[0].servers
    assert (first.fail_at, first.fail_times, first.prohibit_rollback) == ("stop", 2, False)
    assert (second.fail_at, second.fail_times, second.prohibit_rollback) == (None, None, True)
    line = next(inventory.describe())
    assert "fails at stop 2 time(s)" in line and "2 (host 2, v4.2.1.0, no rollback)" in line
