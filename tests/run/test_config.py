"""RunConfig: options beat environment variables, and every bad input is one line naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.run.config import (
    ALL_PHASES,
    RateLimit,
    RunConfig,
    UpgradeTarget,
    from_options,
    parse_id_list,
    parse_rate_limit,
)
from contracts.violations import UsageError

LIVE = "https://ocp.example.test:8443"
CREDENTIALS = {"OCP_USERNAME": "contract-bot", "OCP_PASSWORD": "pw"}


def test_options_win_over_the_environment() -> None:
    env = {"OCP_BASE_URL": "http://env.example", "OCP_USERNAME": "env-user", "OCP_PASSWORD": "env-pw"}
    config = from_options({"base_url": LIVE, "username": "opt-user", "password": "opt-pw"}, env)
    assert (config.base_url, config.username, config.password) == (LIVE, "opt-user", "opt-pw")


def test_the_environment_fills_what_options_leave_out() -> None:
    env = {"OCP_BASE_URL": LIVE + "/", "OCP_ACCESS_KEY": "ak", "OCP_SECRET_KEY": "sk"}
    config = from_options({}, env)
    assert (config.base_url, config.auth_scheme, config.is_live) == (LIVE, "aksk", True)


def test_without_a_base_url_the_embedded_mock_runs() -> None:
    config = from_options({}, {})
    assert not config.is_live
    assert config.auth_scheme is None


def test_a_live_ocp_is_safe_unless_told_otherwise() -> None:
    config = from_options({"base_url": LIVE, "username": "u", "password": "p"}, {})
    assert not config.allow_upgrade


def test_secrets_stay_out_of_repr() -> None:
    config = RunConfig(username="u", password="hunter2-pw", access_key=None, secret_key=None)
    assert "hunter2-pw" not in repr(config)
    assert config.secrets == ("hunter2-pw",)


def test_allow_upgrade_takes_the_named_target() -> None:
    options = {
        "base_url": LIVE,
        "username": "u",
        "password": "p",
        "allow_upgrade": True,
        "cluster_id": 3,
        "obproxy_ids": "4, 5",
        "package": " obproxy-ce-4.2.3.0-1 ",
    }
    assert from_options(options, {}).target == UpgradeTarget(3, (4, 5), "obproxy-ce-4.2.3.0-1")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"base_url": LIVE}, "a live OCP needs credentials", id="no-credentials"),
        pytest.param({"username": "u"}, "expected both or neither", id="half-basic"),
        pytest.param(
            {"username": "u", "password": "p", "access_key": "a", "secret_key": "s"},
            "got both",
            id="two-schemes",
        ),
        pytest.param({"base_url": "https://u:p@ocp"}, "not in the URL", id="credentials-in-url"),
        pytest.param({"base_url": "https://ocp/?x=1"}, "no query or fragment", id="query"),
        pytest.param({"max_examples": 0}, "--max-examples", id="examples"),
        pytest.param({"workers": 65}, "--workers", id="workers"),
        pytest.param({"request_timeout": 0}, "--request-timeout", id="timeout"),
        pytest.param({"max_time": -1}, "--max-time", id="max-time"),
        pytest.param({"task_id": [0]}, "--task-id", id="task-id"),
        pytest.param({"seed": -1}, "--seed", id="seed"),
        pytest.param({"cluster_id": 0, "obproxy_ids": "1", "package": "p"}, "--cluster-id", id="cluster"),
        pytest.param({"cluster_id": 1, "obproxy_ids": "1", "package": " "}, "--package", id="package"),
        pytest.param({"ca_bundle": "/nonexistent/ca.pem"}, "--ca-bundle: expected a readable PEM", id="ca"),
    ],
)
def test_bad_input_is_one_line_naming_it(options: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message) as raised:
        from_options(options, {})
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10/s", RateLimit(10, 1.0)), (" 100 / m ", RateLimit(100, 60.0)), ("3600/h", RateLimit(3600, 3600.0))],
)
def test_rate_limits_parse(text: str, expected: RateLimit) -> None:
    assert parse_rate_limit(text) == expected
    assert str(expected) in {"10/s", "100/m", "3600/h"}


@pytest.mark.parametrize("text", ["", "10", "0/s", "10/d", "ten/s", "-1/s"])
def test_bad_rate_limits_are_refused(text: str) -> None:
    with pytest.raises(UsageError, match="--rate-limit"):
        parse_rate_limit(text)


@pytest.mark.parametrize("text", ["", "1,", "a", "0", "1,1", "-1", "١"])
def test_bad_id_lists_are_refused(text: str) -> None:
    with pytest.raises(UsageError, match="--obproxy-ids"):
        parse_id_list(text)


def test_tls_verification_follows_the_options(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert RunConfig().tls_verify is True
    assert RunConfig(insecure=True).tls_verify is False
    assert RunConfig(ca_bundle=bundle).tls_verify == str(bundle)


def test_phases_can_be_narrowed_but_not_invented() -> None:
    assert RunConfig().with_phases("coverage", "workflow").phases == ("workflow", "coverage")
    assert RunConfig().phases == ALL_PHASES
    with pytest.raises(UsageError, match="unknown phase 'explore'"):
        RunConfig().with_phases("explore")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_an_output_folder_the_system_refuses_is_a_usage_error_up_front() -> None:
    """Permission bits pass for root under /proc, yet nothing can be written there."""
    with pytest.raises(UsageError, match=r"--report-dir: cannot write to '/proc/self/ocp-reports'"):
        from_options({"base_url": LIVE, "report_dir": "/proc/self/ocp-reports"}, CREDENTIALS)


BOTH_IN_ENV = {
    "OCP_USERNAME": "u",
    "OCP_PASSWORD": "p",
    "OCP_ACCESS_KEY": "ak",
    "OCP_SECRET_KEY": "sk",
}


def test_both_credential_sets_in_the_environment_follow_the_documented_precedence() -> None:
    aksk = from_options({"base_url": LIVE}, BOTH_IN_ENV)
    assert (aksk.auth_scheme, aksk.access_key, aksk.username) == ("aksk", "ak", None)
    old = from_options({"base_url": LIVE, "ocp_version": "4.0.0"}, BOTH_IN_ENV)
    assert (old.auth_scheme, old.username, old.access_key) == ("basic", "u", None)


def test_a_scheme_on_the_command_line_sets_the_other_schemes_variables_aside() -> None:
    basic = from_options({"base_url": LIVE, "username": "cli-user", "password": "cli-pw"}, BOTH_IN_ENV)
    assert (basic.auth_scheme, basic.username, basic.password, basic.access_key) == (
        "basic",
        "cli-user",
        "cli-pw",
        None,
    )
    half = from_options({"base_url": LIVE, "username": "cli-user"}, BOTH_IN_ENV)
    assert (half.username, half.password, half.secret_key) == ("cli-user", "p", None)
