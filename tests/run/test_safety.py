"""The guard's policy: what each mode lets through, and what it records when it blocks."""

from __future__ import annotations

import base64

import pytest

from contracts.auth import Credentials as Known
from contracts.run.config import RunConfig, UpgradeTarget
from contracts.run.wire.rejection import WireRequest
from contracts.run.wire.safety import Mode, Policy, SafetyGuard, UpgradeBlocked

BASE = "https://ocp.example.test"
TARGET = UpgradeTarget(7, (3, 4), "obproxy-ce-4.2.3.0-1")
AUTH = {"authorization": "Basic " + base64.b64encode(b"u:p").decode(), "content-type": "application/json"}


def upgrade(
    cluster: str = "7", ids: str = "3,4", package: str = "obproxy-ce-4.2.3.0-1", **extra: str
) -> WireRequest:
    url = f"{BASE}/api/v2/obproxy/clusters/{cluster}/obproxies/{ids}/upgrade"
    return WireRequest("POST", url, {**AUTH, **extra}, f'{{"shortRpmName": "{package}"}}'.encode())


SAFE = Policy(Mode.SAFE, known=Known({"u": "p"}))
PERMIT = Policy(Mode.PERMIT_TARGET, TARGET, Known({"u": "p"}))


def test_modes_follow_the_config() -> None:
    live = {"base_url": BASE, "username": "u", "password": "p"}
    assert Policy.for_run(RunConfig()).mode is Mode.EMBEDDED
    assert Policy.for_run(RunConfig(**live)).mode is Mode.SAFE
    permit = Policy.for_run(RunConfig(**live, allow_upgrade=True, target=TARGET))
    assert (permit.mode, permit.target) == (Mode.PERMIT_TARGET, TARGET)
    assert Policy.for_run(RunConfig(**live, target=TARGET)).target is None, "a target alone permits nothing"


@pytest.mark.parametrize(
    ("wire", "allowed"),
    [
        pytest.param(upgrade(), False, id="well-formed-upgrade"),
        pytest.param(upgrade(package=" "), True, id="blank-package"),
        pytest.param(upgrade(cluster="x"), True, id="malformed-id"),
        pytest.param(
            WireRequest("GET", BASE + "/api/v2/tasks/instances/1", AUTH, None), True, id="read-only"
        ),
        pytest.param(
            WireRequest("PUT", BASE + "/api/v2/tasks/instances/1", AUTH, None), False, id="other-write"
        ),
        pytest.param(
            WireRequest("PUT", BASE + "/api/v2/tasks/instances/1", {}, None), True, id="write-no-auth"
        ),
    ],
)
def test_safe_mode(wire: WireRequest, allowed: bool) -> None:
    assert SAFE.decide(wire).allowed is allowed


@pytest.mark.parametrize(
    ("wire", "allowed"),
    [
        pytest.param(upgrade(), True, id="the-target"),
        pytest.param(upgrade(ids="4,3"), True, id="reordered"),
        pytest.param(upgrade(ids="3"), False, id="fewer-servers"),
        pytest.param(upgrade(ids="3,4,4"), False, id="repeated-server"),
        pytest.param(upgrade(ids="3, 4"), False, id="not-canonical"),
        pytest.param(upgrade(cluster="8"), False, id="other-cluster"),
        pytest.param(upgrade(package="obproxy-ce-4.2.2.0-1"), False, id="other-package"),
    ],
)
def test_allow_upgrade_permits_exactly_the_named_target(wire: WireRequest, allowed: bool) -> None:
    assert PERMIT.decide(wire).allowed is allowed


def test_the_embedded_mock_lets_everything_through() -> None:
    assert Policy(Mode.EMBEDDED).decide(upgrade()).allowed
    assert not Policy(Mode.EMBEDDED).is_guarding


def test_a_blocked_request_is_recorded_and_raised() -> None:
    guard = SafetyGuard(SAFE)
    wire = upgrade()
    wire = WireRequest(wire.method, wire.url + "?x=1", wire.headers, wire.body)

    with pytest.raises(UpgradeBlocked, match="not sent") as raised:
        guard.check(wire, where="transport")

    assert guard.blocked == (raised.value.blocked,)
    assert raised.value.blocked.url.endswith("/upgrade"), "no query kept"
    assert "could start an upgrade" in raised.value.blocked.line()
    assert guard.check(upgrade(package=""), where="transport").allowed


def _read(cluster: str) -> WireRequest:
    return WireRequest("GET", f"{BASE}/api/v2/obproxy/clusters/{cluster}", AUTH, None)


def _proven(policy: Policy, reads: dict[str, int]) -> SafetyGuard:
    guard = SafetyGuard(policy)
    for cluster, status in reads.items():
        guard.observe(_read(cluster), status)
    return guard


@pytest.mark.parametrize(
    ("reads", "wire", "allowed"),
    [
        pytest.param({"7": 200, "1000007": 404}, upgrade(cluster="1000007"), True, id="proven-absent"),
        pytest.param({"1000007": 404}, upgrade(cluster="1000007"), False, id="named-cluster-not-read"),
        pytest.param({"7": 404, "1000007": 404}, upgrade(cluster="1000007"), False, id="reads-all-404"),
        pytest.param({"7": 200, "1000007": 200}, upgrade(cluster="1000007"), False, id="it-exists"),
        pytest.param({"7": 200}, upgrade(cluster="1000007"), False, id="never-read"),
        pytest.param({"7": 200, "1000007": 404}, upgrade(cluster="01000007"), False, id="other-spelling"),
        pytest.param(
            {"7": 200, "1000007": 404}, upgrade(cluster="1000007", ids="5"), False, id="other-servers"
        ),
        pytest.param(
            {"7": 200, "1000007": 404},
            upgrade(cluster="1000007", package="obproxy-ce-4.2.2.0-1"),
            False,
            id="other-package",
        ),
    ],
)
def test_an_upgrade_of_a_cluster_leaves_only_when_a_read_proved_it_absent(
    reads: dict[str, int], wire: WireRequest, allowed: bool
) -> None:
    guard = _proven(PERMIT, reads)
    if allowed:
        assert guard.check(wire, where="transport").allowed
    else:
        with pytest.raises(UpgradeBlocked):
            guard.check(wire, where="transport")


def test_safe_mode_probes_an_absent_cluster_only_against_a_named_reference() -> None:
    guard = _proven(SAFE, {"7": 200, "1000007": 404})
    with pytest.raises(UpgradeBlocked):
        guard.check(upgrade(cluster="1000007"), where="transport")
    referenced = Policy(Mode.SAFE, known=Known({"u": "p"}), probe_target=TARGET)
    assert (
        _proven(referenced, {"7": 200, "1000007": 404}).check(upgrade(cluster="1000007"), where="t").allowed
    )
