"""``run --ocp-version``: the run holds the target to what one OCP version documents.

Before 4.0.3 the upgrade takes no body and only Basic auth exists. That changes three things,
each tested here: what the run sends (no upgrade body, no body probes), what a correct OCP must
refuse (nothing about a body it does not read — so safe mode keeps back body-less upgrades too),
and which credentials are usable (AK/SK is a one-line exit 2).
"""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from contracts.auth import Credentials as Known
from contracts.cli import main
from contracts.run import run_suite
from contracts.run.config import RunConfig, UpgradeTarget, validate
from contracts.run.judging.judge import Observed, http
from contracts.run.phases.probes import probes
from contracts.run.profile import run_profile
from contracts.run.wire.rejection import CredentialsCase, Rejection, WireRequest, assess
from contracts.run.wire.safety import Mode, Policy
from contracts.spec import load_spec
from contracts.violations import UsageError
from tests.run.conftest import ADMIN, ADMIN_PASSWORD, DEMO_AK, DEMO_SK, LIVE_URL, PACKAGE, Received, serve

BASE = "https://ocp.example.test"
UPGRADE = BASE + "/api/v2/obproxy/clusters/1/obproxies/1,2/upgrade"
AUTH = {"authorization": "Basic " + base64.b64encode(b"u:p").decode()}
JSON = {**AUTH, "content-type": "application/json"}
UPGRADE_ROUTE = "/api/v2/obproxy/clusters/{id}/obproxies/{obproxyIds}/upgrade"
OUR_BASIC = "Basic " + base64.b64encode(f"{ADMIN}:{ADMIN_PASSWORD}".encode()).decode()
_PLAIN_UPGRADE = re.compile(
    r"^/api/v2/obproxy/clusters/[0-9]{1,18}/obproxies/[0-9]{1,18}(,[0-9]{1,18})*/upgrade/?$"
)
BEFORE_BODY = ("3.1.1", "4.0.0")
WITH_BODY = ("4.0.3", "4.2", "latest")


def could_act_before_4_0_3(request: Received) -> bool:
    """Oracle independent of :mod:`contracts.run.wire.rejection`: a POST to the upgrade route with plain
    ids and our credentials starts an upgrade on an OCP before 4.0.3, whatever its body."""
    return (
        request.method == "POST"
        and _PLAIN_UPGRADE.match(request.path) is not None
        and request.headers.get("Authorization") == OUR_BASIC
    )


def old_live_config(version: str, **overrides: Any) -> RunConfig:
    """A small run against :data:`LIVE_URL` as the demo admin, held to ``version``."""
    defaults: dict[str, Any] = {
        "base_url": LIVE_URL,
        "username": ADMIN,
        "password": ADMIN_PASSWORD,
        "ocp_version": version,
        "max_examples": 4,
        "seed": 1,
        "poll_interval": 0.0,
        "request_timeout": 5.0,
    }
    return RunConfig(**{**defaults, **overrides})


def upgrade(body: bytes | None, headers: dict[str, str] | None = None, url: str = UPGRADE) -> WireRequest:
    return WireRequest("POST", url, JSON if headers is None else headers, body)


# --------------------------------------------------------------------------- the profile


@pytest.mark.parametrize(
    ("version", "body"), [*((v, False) for v in BEFORE_BODY), *((v, True) for v in WITH_BODY)]
)
def test_the_profile_says_whether_the_upgrade_takes_a_body(version: str, body: bool) -> None:
    chosen = run_profile(version)
    assert chosen.upgrade_body is body
    assert ("requestBody" in chosen.spec.document["paths"][UPGRADE_ROUTE]["post"]) is body
    assert ("requestBody" in chosen.schema_document()["paths"][UPGRADE_ROUTE]["post"]) is body
    assert "requestBody" in load_spec().document["paths"][UPGRADE_ROUTE]["post"], "the spec stays whole"


def test_no_version_is_the_spec_as_written() -> None:
    assert run_profile().spec is load_spec()
    assert run_profile() is run_profile(None), "cached: validators compile once per version"


# --------------------------------------------------------------------------- what OCP must refuse

# (request, rejection from 4.0.3 on, rejection before 4.0.3) — ``None``: not certain to be refused.
REFUSALS = [
    # -- refused only for the body: from 4.0.3 on
    pytest.param(upgrade(None), Rejection.MISSING_BODY, None, id="no-body"),
    pytest.param(upgrade(b""), Rejection.MISSING_BODY, None, id="empty-body"),
    pytest.param(upgrade(b"not json"), Rejection.UNREADABLE_BODY, None, id="unreadable"),
    pytest.param(upgrade(b"[1]"), Rejection.NOT_AN_OBJECT, None, id="not-an-object"),
    pytest.param(upgrade(b"{}"), Rejection.MISSING_PACKAGE, None, id="no-package"),
    pytest.param(upgrade(b'{"shortRpmName": " "}'), Rejection.BLANK_PACKAGE, None, id="blank-package"),
    # -- refused whatever the version
    pytest.param(upgrade(None, {}), Rejection.NO_CREDENTIALS, Rejection.NO_CREDENTIALS, id="no-credentials"),
    pytest.param(
        upgrade(None, url=UPGRADE.replace("/1/", "/abc/")),
        Rejection.MALFORMED_ID,
        Rejection.MALFORMED_ID,
        id="malformed-id",
    ),
    # -- never certain
    pytest.param(upgrade(b'{"shortRpmName": "p"}'), None, None, id="well-formed"),
]


@pytest.mark.parametrize(("request_", "from_4_0_3", "before"), REFUSALS)
def test_before_4_0_3_nothing_about_the_body_is_refused(
    request_: WireRequest, from_4_0_3: Rejection | None, before: Rejection | None
) -> None:
    credentials = CredentialsCase.OURS if "authorization" in request_.headers else CredentialsCase.ABSENT
    assert assess(request_, credentials).certain is from_4_0_3
    assert assess(request_, credentials, upgrade_body=False).certain is before


@pytest.mark.parametrize(
    ("wire", "allowed"),
    [
        pytest.param(upgrade(None), False, id="no-body"),
        pytest.param(upgrade(b'{"shortRpmName": " "}'), False, id="blank-package"),
        pytest.param(
            upgrade(b"shortRpmName=x", {**AUTH, "content-type": "text/plain"}), False, id="text-plain"
        ),
        pytest.param(upgrade(None, {}), True, id="no-credentials"),
        pytest.param(upgrade(None, url=UPGRADE.replace("/1/", "/abc/")), True, id="malformed-id"),
    ],
)
def test_safe_mode_before_4_0_3_keeps_back_body_less_upgrades(wire: WireRequest, allowed: bool) -> None:
    policy = Policy(Mode.SAFE, known=Known({"u": "p"}), upgrade_body=False)
    assert policy.decide(wire).allowed is allowed


@pytest.mark.parametrize(
    ("wire", "allowed"),
    [
        pytest.param(upgrade(None), True, id="the-target-without-a-body"),
        pytest.param(upgrade(b'{"shortRpmName": "p"}'), True, id="the-target-naming-its-package"),
        pytest.param(upgrade(b'{"shortRpmName": "other"}'), False, id="another-package"),
        pytest.param(upgrade(None, url=UPGRADE.replace("/1/", "/2/")), False, id="another-cluster"),
    ],
)
def test_allow_upgrade_before_4_0_3_matches_cluster_and_servers(wire: WireRequest, allowed: bool) -> None:
    policy = Policy(Mode.PERMIT_TARGET, UpgradeTarget(1, (1, 2), "p"), Known({"u": "p"}), upgrade_body=False)
    assert policy.decide(wire).allowed is allowed


def test_the_policy_follows_the_version() -> None:
    live: dict[str, Any] = {"base_url": BASE, "username": "u", "password": "p"}
    assert Policy.for_run(RunConfig(**live, ocp_version="4.0.3")).upgrade_body is True
    assert Policy.for_run(RunConfig(**live, ocp_version="4.0.0")).upgrade_body is False
    assert Policy.for_run(RunConfig(ocp_version="3.1.1")).upgrade_body is False
    assert Policy.for_run(RunConfig()).upgrade_body is True  # the embedded mock is the newest OCP


def test_a_live_ocp_of_unknown_version_is_guarded_as_the_oldest() -> None:
    """Without --ocp-version the server may be 3.1.1, which ignores the body: no body problem
    makes an upgrade with our credentials and plain ids certain to be refused."""
    policy = Policy.for_run(RunConfig(base_url=BASE, username="u", password="p"))
    assert policy.upgrade_body is False
    assert policy.decide(upgrade(b'{"shortRpmName": ""}')).allowed is False
    assert policy.decide(upgrade(None)).allowed is False
    assert policy.decide(upgrade(None, headers={})).allowed is True  # no credentials: refused


def test_safe_mode_without_a_version_sends_no_upgrade_an_old_ocp_could_act_on() -> None:
    for ocp in serve(upgrade_body=False):
        config = old_live_config("3.1.1", ocp_version=None)
        result = run_suite(config.with_phases("workflow", "examples", "coverage", "fuzzing"))

        assert result.problem is None, result.problem
        assert [r for r in ocp.received if could_act_before_4_0_3(r)] == []
        assert ocp.created_tasks == 0


def test_a_body_less_upgrade_served_is_a_violation_only_from_4_0_3() -> None:
    served = Observed("upgrade", upgrade(None), 200, {}, b"{}")
    known = Known({"u": "p"})
    assert [v.rule for v in http(served, known=known)] == ["http.negative-data-accepted"]
    assert http(served, known=known, upgrade_body=False) == []


def test_before_4_0_3_the_probes_carry_no_upgrade_body() -> None:
    old, new = probes(None, upgrade_body=False), probes(None)
    assert all(p.body is None for p in old if p.operation == "upgrade")
    assert {p.title for p in new} - {p.title for p in old} == {
        "upgrade without a body",
        "upgrade with a blank shortRpmName",
        "upgrade with a text/plain body",
    }


# --------------------------------------------------------------------------- credentials


@pytest.mark.parametrize("version", BEFORE_BODY)
def test_aksk_before_4_0_3_is_a_one_line_usage_error(version: str) -> None:
    with pytest.raises(
        UsageError, match=r"documented from OCP 4\.0\.3; --ocp-version .* offers basicAuth"
    ) as raised:
        validate(RunConfig(access_key=DEMO_AK, secret_key=DEMO_SK, ocp_version=version))
    assert "\n" not in str(raised.value) and DEMO_SK not in str(raised.value)


@pytest.mark.parametrize("version", WITH_BODY)
def test_aksk_from_4_0_3_is_accepted(version: str) -> None:
    validate(RunConfig(access_key=DEMO_AK, secret_key=DEMO_SK, ocp_version=version))


def test_the_command_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--ocp-version", "4.0.0", "--access-key", DEMO_AK, "--secret-key", DEMO_SK])
    captured = capsys.readouterr()
    assert code == 2
    assert len(captured.err.strip().splitlines()) == 1 and "akSkAuth" in captured.err
    assert "Traceback" not in captured.err and DEMO_SK not in captured.out + captured.err


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(UsageError, match="--ocp-version: expected an OCP version"):
        validate(RunConfig(ocp_version="four"))


# --------------------------------------------------------------------------- whole runs


def test_the_embedded_mock_as_4_0_0_passes_with_body_less_upgrades() -> None:
    result = run_suite(RunConfig(seed=3, max_examples=4, ocp_version="4.0.0"))

    assert result.exit_code == 0, result.problem or result.results.findings
    upgrades = [e for e in result.exchanges if e.method == "POST" and e.url.endswith("/upgrade")]
    served = [e for e in upgrades if e.status == 200]
    assert served, "the workflow's upgrade and generated ones were served"
    assert all(not e.request_body for e in served), "no upgrade carries a body before 4.0.3"


def test_safe_mode_before_4_0_3_sends_no_upgrade_that_could_act() -> None:
    """Against an OCP that serves body-less upgrades, nothing with our credentials and
    well-formed ids arrives — with or without a body — and no task is created."""
    for ocp in serve(upgrade_body=False):
        config = old_live_config("3.1.1").with_phases("workflow", "examples", "coverage", "fuzzing")
        result = run_suite(config)

        assert result.exit_code == 0, result.problem or result.results.findings
        assert [r for r in ocp.received if could_act_before_4_0_3(r)] == []
        assert ocp.created_tasks == 0
        assert any("/upgrade" in b.url for b in result.blocked), "generated upgrades were kept back"
        arrived = [r for r in ocp.received if r.method == "POST" and r.path.endswith("/upgrade")]
        assert len(arrived) > 5, "upgrades OCP must refuse for credentials or ids are still sent"


def test_allow_upgrade_before_4_0_3_sends_the_named_upgrade_without_a_body() -> None:
    for ocp in serve(upgrade_body=False):
        config = old_live_config("4.0.0", allow_upgrade=True, target=UpgradeTarget(1, (1, 2), PACKAGE))
        result = run_suite(config.with_phases("workflow"))

        assert result.exit_code == 0, result.problem or result.results.findings
        acting = [r for r in ocp.received if could_act_before_4_0_3(r)]
        named = [r for r in acting if "/clusters/1/obproxies/1,2/" in r.path]
        assert [r.body for r in named] == [b""]
        # the rest: the same servers on a cluster a read proved absent, servers the cluster's read
        # does not list (both refused with 404)
        absent = [r for r in acting if r not in named]
        assert {r.path.split("/obproxies/")[0].rsplit("/", 1)[-1] for r in absent} == {"1000001", "1"}
        assert all(r.body == b"" for r in absent)
        assert ocp.created_tasks == 1
