"""The HTTP front end over real loopback sockets, and the ``ocp-contract mock`` command."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from contracts.auth import AkSkAuth
from contracts.cli import main
from contracts.mock import FAULTS, MockServer, create_app, serve
from contracts.mock.http import is_loopback
from contracts.validate import validate_response
from contracts.violations import UsageError
from tests.mock._support import ADMIN, mock_process, upgrade_over_requests

SECRETS = ("ocp-demo-admin", "d75332c5eed8d440a84a35ac6248d397", "ocp-demo-viewer", "hunter2")
ROOT = Path(__file__).resolve().parents[2]


def test_the_server_answers_over_loopback_and_logs_one_line_per_request() -> None:
    lines: list[str] = []
    with serve(create_app(), log=lines.append) as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url) and server.port > 0
        created = upgrade_over_requests(f"{server.url}/api/v2")
        aksk = AkSkAuth("ocp-demo-ak", "d75332c5eed8d440a84a35ac6248d397")
        task = requests.get(
            f"{server.url}/api/v2/tasks/instances/{created.json()['data']['id']}", auth=aksk, timeout=5
        )
        assert task.status_code == 200
        assert (
            requests.get(
                f"{server.url}/api/v2/tasks/instances", auth=("admin", "nope"), timeout=5
            ).status_code
            == 401
        )
        requests.get(f"{server.url}/api/v2/tasks/instances?size=1&password=hunter2", auth=ADMIN, timeout=5)
    assert len(lines) == 4
    assert '"GET /api/v2/tasks/instances?size=1&password=***" 200' in lines[3]
    assert re.fullmatch(
        r'127\.0\.0\.1 "POST /api/v2/obproxy/clusters/1/obproxies/1,2/upgrade" 200 [\d.]+ms '
        r"user=admin trace=[0-9a-f]{16}",
        lines[0],
    )
    assert "user=ocp-demo-ak" not in lines[1] and "user=admin" in lines[1]
    assert "user=- " in lines[2]
    assert not any(secret in line for line in lines for secret in SECRETS)


def test_the_server_names_no_server_software() -> None:
    """OCP (Spring Boot on Tomcat) sends no ``Server`` header; the mock must not say Werkzeug."""
    with serve(create_app()) as server:
        answered = requests.get(f"{server.url}/api/v2/tasks/instances", auth=ADMIN, timeout=5)
        refused = requests.get(f"{server.url}/api/v2/tasks/instances", timeout=5)
    assert answered.status_code == 200 and refused.status_code == 401
    for response in (answered, refused):
        assert "Server" not in response.headers


def test_concurrent_clients_share_one_consistent_mock() -> None:
    with serve(create_app()) as server:
        ids: list[int] = []
        lock = threading.Lock()

        def client(server_id: int) -> None:
            with requests.Session() as session:
                reply = session.post(
                    f"{server.url}/api/v2/obproxy/clusters/1/obproxies/{server_id}/upgrade",
                    json={"shortRpmName": "obproxy-1.9.1.1-1919579"},
                    auth=ADMIN,
                    timeout=5,
                )
                with lock:
                    ids.append(reply.json()["data"]["id"])

        threads = [threading.Thread(target=client, args=(i,)) for i in (1, 2, 3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(ids) == [33151, 33152, 33153]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_hosts_are_recognised(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.com"])
def test_other_hosts_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


def test_another_host_is_served_with_a_warning_that_it_has_no_tls() -> None:
    argv = [sys.executable, "-m", "contracts.cli", "mock", "--host", "0.0.0.0", "--port", "0", "--quiet"]
    with mock_process(argv, cwd=ROOT, env=os.environ) as served:
        port = served.url(r"0\.0\.0\.0").rsplit(":", 1)[1]
        reply = requests.get(f"http://127.0.0.1:{port}/api/v2/tasks/instances/33149", auth=ADMIN, timeout=5)
        assert reply.status_code == 200
        served.process.send_signal(signal.SIGTERM)
        _, err = served.process.communicate(timeout=15)
    assert served.process.returncode == 0
    assert "warning: serving on 0.0.0.0" in err and "without TLS" in err


def test_a_port_in_use_is_a_usage_error() -> None:
    with serve() as server, pytest.raises(UsageError, match=f"cannot listen on 127.0.0.1:{server.port}"):
        MockServer(port=server.port)


# ----------------------------------------------------------------------------- the command


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["mock", "--fault", "cycles"], "unknown fault 'cycles'; did you mean 'cycle'?"),
        (["mock", "--host", "203.0.113.1", "--port", "0"], "cannot listen on 203.0.113.1:0"),
        (["mock", "--port", "70000"], "expected --port from 0 to 65535"),
        (["mock", "--tick", "0"], "tick must be > 0"),
        (["mock", "--inventory", "/nonexistent/inventory.yaml"], "cannot read inventory"),
        (["mock", "--ocp-version", "9"], "--ocp-version: unknown OCP version '9'"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_list_faults_prints_one_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mock", "--list-faults"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 + len(FAULTS)
    for name, line in zip(FAULTS, out[1:], strict=True):
        assert line.split()[0] == name and line.endswith(f"[{FAULTS[name].expected}]")


@pytest.fixture
def command(request: pytest.FixtureRequest) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """``ocp-contract mock --port 0`` in a subprocess: the process, its base URL and its banner.

    Extra options come from ``@pytest.mark.parametrize("command", [[...]], indirect=True)``.
    """
    extra = list(getattr(request, "param", []))
    argv = [sys.executable, "-m", "contracts.cli", "mock", "--port", "0", "--seed", "3", *extra]
    with mock_process(argv, cwd=ROOT, env=os.environ) as served:
        yield served.process, served.url(), served.banner


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_command_serves_until_a_signal_then_stops_cleanly(
    command: tuple[subprocess.Popen[str], str, str], sig: signal.Signals
) -> None:
    process, url, banner = command
    reply = requests.get(f"{url}/api/v2/tasks/instances/33149", auth=ADMIN, timeout=5)
    assert reply.status_code == 200 and reply.json()["data"]["status"] == "FAILED"
    process.send_signal(sig)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert f"received {sig.name}: stopped" in out
    assert "demo credentials" in banner and "user admin / ocp-demo-admin" in banner
    assert "finished tasks at start-up: 33149, 33150" in banner
    log = [line for line in out.splitlines() if '"GET /api/v2/tasks/instances/33149"' in line]
    assert len(log) == 1 and "user=admin" in log[0]
    assert "Traceback" not in err


UPGRADE_PATH = "/api/v2/obproxy/clusters/1/obproxies/1/upgrade"


@pytest.mark.parametrize("command", [["--ocp-version", "3.1.1"]], indirect=True)
def test_as_an_ocp_before_4_0_3_the_upgrade_takes_no_body(
    command: tuple[subprocess.Popen[str], str, str],
) -> None:
    process, url, banner = command
    assert "OCP version: 3.1.1 (the upgrade takes no body" in banner
    reply = requests.post(f"{url}{UPGRADE_PATH}", auth=ADMIN, timeout=5)
    assert reply.status_code == 200, reply.text
    assert validate_response(reply.json(), operation="upgrade", request_obproxy_ids=[1]) == []
    process.send_signal(signal.SIGTERM)


def test_as_the_latest_ocp_an_upgrade_without_a_body_is_refused(
    command: tuple[subprocess.Popen[str], str, str],
) -> None:
    process, url, banner = command
    assert "OCP version: latest (the upgrade takes a body" in banner
    reply = requests.post(f"{url}{UPGRADE_PATH}", auth=ADMIN, timeout=5)
    assert reply.status_code == 400, reply.text
    process.send_signal(signal.SIGTERM)
