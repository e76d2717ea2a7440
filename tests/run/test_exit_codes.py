"""Exit codes of ``ocp-contract run``: 0 honours, 1 violations, 2 usage/configuration/connection.

Every exit 2 prints exactly one line on stderr and no traceback. ``responses`` stands in for
network failures (refused, TLS, timeout); a real closed port checks the unsimulated path once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
import responses
from werkzeug.wrappers import Request, Response

from contracts.cli import main
from contracts.run.wire.errors import PROXY_VARIABLES, proxy_hint
from tests.run.conftest import ADMIN, ADMIN_PASSWORD, DEMO_AK, DEMO_SK, LIVE_URL, RecordingOCP, serve

SMALL = ["--max-examples", "2", "--seed", "1", "--request-timeout", "2"]


@pytest.fixture
def admin_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OCP_BASE_URL", "OCP_ACCESS_KEY", "OCP_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OCP_USERNAME", ADMIN)
    monkeypatch.setenv("OCP_PASSWORD", ADMIN_PASSWORD)


def _one_line(captured: pytest.CaptureResult[str]) -> str:
    assert "Traceback" not in captured.out + captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


@pytest.fixture
def failing_network() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        pytest.param(
            requests.exceptions.ConnectionError(
                "HTTPConnectionPool(host='ocp.example.test', port=8080): Max retries exceeded "
                "(Caused by NewConnectionError('[Errno 111] Connection refused'))"
            ),
            "connection refused",
            id="refused",
        ),
        pytest.param(
            requests.exceptions.SSLError(
                "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate"
            ),
            "TLS failure: TLS certificate not trusted",
            id="tls",
        ),
        pytest.param(
            requests.exceptions.ReadTimeout("Read timed out. (read timeout=2)"), "timeout", id="read-timeout"
        ),
        pytest.param(
            requests.exceptions.ConnectTimeout("Connection to ocp.example.test timed out"),
            "timeout",
            id="connect-timeout",
        ),
    ],
)
def test_network_failures_exit_2_with_one_line(
    admin_env: None,
    failing_network: responses.RequestsMock,
    capsys: pytest.CaptureFixture[str],
    error: Exception,
    expected: str,
) -> None:
    failing_network.add(responses.GET, re.compile(re.escape(LIVE_URL) + ".*"), body=error)

    assert main(["run", "--base-url", LIVE_URL, *SMALL]) == 2

    line = _one_line(capsys.readouterr())
    assert expected in line
    assert LIVE_URL.split("//")[1] in line


def test_a_closed_port_exits_2(
    admin_env: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    assert main(["run", "--base-url", "http://127.0.0.1:9", *SMALL]) == 2
    line = _one_line(capsys.readouterr())
    assert "connection" in line and "PROXY" not in line


def test_a_connection_error_names_the_proxy_variables_but_never_their_values(
    admin_env: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("https_proxy", "http://proxy-user:proxy-s3cret@127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "localhost")
    assert main(["run", "--base-url", "https://127.0.0.1:9", *SMALL]) == 2
    line = _one_line(capsys.readouterr())
    assert "HTTPS_PROXY and NO_PROXY are set in the environment" in line
    assert "proxy-s3cret" not in line and "proxy-user" not in line


def test_the_proxy_hint_lists_what_is_set() -> None:
    assert proxy_hint({}) == ""
    assert proxy_hint({"http_proxy": "x"}).startswith("; HTTP_PROXY is set")
    assert proxy_hint({"HTTPS_PROXY": "x", "HTTP_PROXY": "y", "NO_PROXY": "z"}).startswith(
        "; HTTPS_PROXY, HTTP_PROXY and NO_PROXY are set"
    )


def test_wrong_credentials_exit_2_before_anything_else(
    live_ocp: RecordingOCP,
    admin_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OCP_PASSWORD", "not-the-password")

    assert main(["run", "--base-url", LIVE_URL, *SMALL]) == 2

    assert "refused our credentials (401)" in _one_line(capsys.readouterr())
    assert len(live_ocp.received) == 1, "one read-only request, then nothing"


def _refuse_everyone_after(ocp: RecordingOCP, allowed: int) -> list[str]:
    """After ``allowed`` requests the server answers 401 to everything; returns what it refused."""
    handle, refused = ocp.mock.handle, []

    def refusing(request: Request) -> Response:
        if len(ocp.received) >= allowed:
            refused.append(request.headers.get("Authorization", ""))
            environ = dict(request.environ, HTTP_AUTHORIZATION="Basic bm9ib2R5Om5vdGhpbmc=")  # nobody
            return handle(Request(environ))  # the mock's own 401, a conforming one
        return handle(request)

    ocp.mock.handle = refusing  # type: ignore[method-assign]
    return refused


def test_credentials_refused_mid_run_stop_it_at_once(
    admin_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    for ocp in serve():
        refused = _refuse_everyone_after(ocp, allowed=30)
        assert main(["run", "--base-url", LIVE_URL, *SMALL]) == 2
        ours = [i for i, authorization in enumerate(refused) if authorization.startswith("Basic")]
        assert ours, "a request with our credentials was refused"
        assert len(refused) - ours[0] <= 2, "nothing much is sent after the first refusal"
    assert "refused our credentials (401)" in _one_line(capsys.readouterr())


def _die_after(ocp: RecordingOCP, allowed: int) -> None:
    """After ``allowed`` requests the connection is refused."""
    handle = ocp.mock.handle

    def dying(request: Request) -> Response:
        if len(ocp.received) > allowed:
            raise requests.exceptions.ConnectionError("[Errno 111] Connection refused")
        return handle(request)

    ocp.mock.handle = dying  # type: ignore[method-assign]


@pytest.mark.parametrize("allowed", [3, 40], ids=["in-the-workflow", "in-the-phases"])
def test_a_connection_lost_mid_run_exits_2(
    admin_env: None, capsys: pytest.CaptureFixture[str], allowed: int
) -> None:
    for ocp in serve():
        _die_after(ocp, allowed=allowed)
        assert main(["run", "--base-url", LIVE_URL, *SMALL]) == 2
    assert "connection refused" in _one_line(capsys.readouterr())


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(
            ["--base-url", LIVE_URL, "--access-key", "ak"], "expected both or neither", id="half-aksk"
        ),
        pytest.param(["--rate-limit", "ten"], "--rate-limit: expected N/s", id="rate"),
        pytest.param(["--max-examples", "0"], "--max-examples: expected an integer >= 1", id="examples"),
        pytest.param(["--insecure", "--ca-bundle", "/nonexistent.pem"], "contradict", id="tls-options"),
        pytest.param(
            ["--base-url", LIVE_URL, "--allow-upgrade"], "needs the real target", id="allow-no-target"
        ),
        pytest.param(["--cluster-id", "1"], "give all three", id="partial-target"),
        pytest.param(["--base-url", "ftp://ocp"], "--base-url: expected http(s)://", id="scheme"),
        pytest.param(
            ["--obproxy-ids", "1,x", "--cluster-id", "1", "--package", "p"], "--obproxy-ids", id="ids"
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    admin_env: None, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert main(["run", *argv]) == 2
    assert expected in _one_line(capsys.readouterr())


def test_a_live_ocp_without_credentials_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("OCP_USERNAME", "OCP_PASSWORD", "OCP_ACCESS_KEY", "OCP_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert main(["run", "--base-url", LIVE_URL]) == 2
    assert "needs credentials" in _one_line(capsys.readouterr())


def test_the_faithful_mock_exits_0_and_a_faulty_one_1(
    live_ocp: RecordingOCP, admin_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--base-url", LIVE_URL, *SMALL]) == 0
    out = capsys.readouterr().out
    assert "cases/s" in out
    verdict = out.strip().splitlines()[-1]
    assert verdict.startswith("OK within its scope: every answer conforms; "), "read-only: a fraction"
    assert "not exercised: upgradeObproxies (read-only)" in verdict
    assert "the target honours the contract" not in out


def test_the_embedded_mock_with_aksk_exits_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every phase, the coverage phase's empty multipart probe included, verifies as signed."""
    for name in ("OCP_BASE_URL", "OCP_USERNAME", "OCP_PASSWORD", "OCP_ACCESS_KEY", "OCP_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert main(["run", "--access-key", DEMO_AK, "--secret-key", DEMO_SK, *SMALL]) == 0, capsys.readouterr()
    assert "OK: the target honours the contract" in capsys.readouterr().out
