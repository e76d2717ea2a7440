"""The live-target guard, proven from the server's side.

A mock OCP posing as a live one records every request that reaches it. Whatever the phases and
the seed, in safe mode no request that could start an upgrade arrives — judged here by an oracle
written independently of :mod:`contracts.run.wire.rejection` — and the mock never creates a task;
with ``--allow-upgrade`` the named upgrade does arrive. The last test switches the plan and the
hooks off, so only the gate on ``requests.Session.send`` stands between the phases and the server.
"""

from __future__ import annotations

import base64
import json
import re

import pytest

from contracts.run import run_suite
from contracts.run.config import ALL_PHASES, UpgradeTarget
from tests.run.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    DEMO_AK,
    DEMO_SK,
    PACKAGE,
    Received,
    RecordingOCP,
    live_config,
)

_UPGRADE_PATH = re.compile(
    r"^/api/v2/obproxy/clusters/(?P<cluster>[0-9]+)/obproxies/(?P<ids>[0-9]+(?:,[0-9]+)*)/upgrade/?$"
)
_ADMIN_BASIC = "Basic " + base64.b64encode(f"{ADMIN}:{ADMIN_PASSWORD}".encode()).decode()


_INT64_MAX = 2**63 - 1


def could_upgrade(request: Received, *, authorization_prefix: str = _ADMIN_BASIC) -> bool:
    """A POST to the upgrade route with plain int64 ids, our credentials and a usable JSON body."""
    match = _UPGRADE_PATH.match(request.path) if request.method == "POST" else None
    if match is None:
        return False
    if any(int(i) > _INT64_MAX for i in [match["cluster"], *match["ids"].split(",")]):
        return False
    if not request.headers.get("Authorization", "").startswith(authorization_prefix):
        return False
    try:
        body = json.loads(request.body)
    except ValueError:
        return False
    name = body.get("shortRpmName") if isinstance(body, dict) else None
    return isinstance(name, str | int | float) and not isinstance(name, bool) and str(name).strip() != ""


def _upgrade_posts(ocp: RecordingOCP) -> list[Received]:
    return [r for r in ocp.received if r.method == "POST" and r.path.endswith("/upgrade")]


@pytest.mark.parametrize(
    "seed", [1, pytest.param(2, marks=pytest.mark.slow), pytest.param(3, marks=pytest.mark.slow)]
)
def test_safe_mode_sends_nothing_that_could_upgrade(live_ocp: RecordingOCP, seed: int) -> None:
    result = run_suite(live_config(seed=seed))

    assert result.exit_code == 0, result.problem or result.results.findings
    assert [r for r in live_ocp.received if could_upgrade(r)] == []
    assert live_ocp.created_tasks == 0
    assert len(_upgrade_posts(live_ocp)) > 10, "safe mode still sends upgrades a correct OCP must reject"
    assert result.blocked, "generated upgrades that could act were kept back and reported"


def test_safe_mode_with_aksk_sends_nothing_that_could_upgrade(live_ocp: RecordingOCP) -> None:
    # Every phase a live run has, the coverage phase included: its empty "multipart/form-data"
    # probe must reach the mock as signed, or the run would stop on a 401.
    config = live_config(username=None, password=None, access_key=DEMO_AK, secret_key=DEMO_SK)
    result = run_suite(config.with_phases("workflow", "examples", "coverage", "fuzzing"))

    assert result.exit_code == 0, result.problem
    prefix = f"OCP-ACCESS-KEY-HMACSHA1 {DEMO_AK}:"
    assert [r for r in live_ocp.received if could_upgrade(r, authorization_prefix=prefix)] == []
    assert live_ocp.created_tasks == 0


def test_the_gate_alone_holds_in_every_phase(live_ocp: RecordingOCP, monkeypatch: pytest.MonkeyPatch) -> None:
    """Examples, positive fuzzing and stateful all on, no filter, no before_call: the gate still holds."""
    monkeypatch.setattr("contracts.run.phases.plan._live_upgrade_overrides", lambda: [])
    monkeypatch.setattr(
        "contracts.run.phases.plan._phases",
        lambda config: {name: {"enabled": True} for name in ("examples", "coverage", "fuzzing", "stateful")},
    )
    monkeypatch.setattr("contracts.run.phases.engine.install_filter", lambda *args: None)
    monkeypatch.setattr("contracts.run.phases.hooks.kept_back", lambda *args, **kwargs: None)

    result = run_suite(live_config(phases=ALL_PHASES))

    assert [r for r in live_ocp.received if could_upgrade(r)] == []
    assert live_ocp.created_tasks == 0
    assert {b.where for b in result.blocked} == {"transport"}
    assert any("/upgrade" in b.url for b in result.blocked)


def test_allow_upgrade_sends_the_named_upgrade_and_only_it(live_ocp: RecordingOCP) -> None:
    """Besides the named upgrade, only the same servers and package on a cluster a read proved
    absent, and the package on servers a read of the named cluster did not list."""
    target = UpgradeTarget(1, (1, 2), PACKAGE)
    result = run_suite(live_config(allow_upgrade=True, target=target))

    assert result.exit_code == 0, result.problem or result.results.findings
    sent = [(i, r) for i, r in enumerate(live_ocp.received) if could_upgrade(r)]
    assert sent, "the named upgrade was sent"
    for index, request in sent:
        match = _UPGRADE_PATH.match(request.path)
        assert match is not None
        assert json.loads(request.body)["shortRpmName"] == PACKAGE
        proof = f"/api/v2/obproxy/clusters/{match['cluster']}"
        read_first = any(r.method == "GET" and r.path == proof for r in live_ocp.received[:index])
        if match["cluster"] != "1":
            assert sorted(match["ids"].split(",")) == ["1", "2"]
            assert read_first, "read before it was probed"
        elif match["ids"] not in ("1,2", "2,1"):
            assert read_first and all(int(i) > 2 for i in match["ids"].split(",")), "servers not listed"
    assert sum(1 for _, r in sent if r.path.startswith("/api/v2/obproxy/clusters/1/obproxies/1,2/")) == 1
    assert live_ocp.created_tasks == 1


def test_before_call_blocks_what_the_plan_let_through(
    live_ocp: RecordingOCP, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Second line: with the plan and the filter off, the before_call hook keeps cases back."""
    monkeypatch.setattr("contracts.run.phases.plan._live_upgrade_overrides", lambda: [])
    monkeypatch.setattr("contracts.run.phases.engine.install_filter", lambda *args: None)

    result = run_suite(live_config().with_phases("examples", "fuzzing"))

    assert [r for r in live_ocp.received if could_upgrade(r)] == []
    assert "before_call" in {b.where for b in result.blocked}
    assert live_ocp.created_tasks == 0
