"""The ``responses`` front end: plain ``requests`` code reaches the mock with no sockets."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import responses

from contracts.auth import AkSkAuth
from contracts.mock import create_app, mock_responses
from contracts.mock.responses_adapter import install
from contracts.validate import validate_response
from contracts.violations import UsageError
from tests.mock._support import ADMIN, upgrade_over_requests


def test_a_requests_script_upgrades_and_follows_the_task() -> None:
    with mock_responses() as ocp:
        base = "http://127.0.0.1:8080/api/v2"
        created = upgrade_over_requests(base)
        task_id = created.json()["data"]["id"]
        status = "RUNNING"
        for _ in range(40):
            polled = requests.get(f"{base}/tasks/instances/{task_id}", auth=ADMIN, timeout=5)
            assert validate_response(polled.json(), operation="task", headers=dict(polled.headers)) == []
            status = polled.json()["data"]["status"]
            if status != "RUNNING":
                break
        assert status == "SUCCESSFUL"
        assert ocp.task(task_id) is not None


def test_every_method_reaches_the_mock_and_other_hosts_do_not() -> None:
    with mock_responses(create_app(), base_url="http://127.0.0.1:18080"):
        put = requests.put("http://127.0.0.1:18080/api/v2/tasks/instances", auth=ADMIN, timeout=5)
        assert put.status_code == 405 and put.headers["Allow"] == "GET"
        assert requests.get("http://127.0.0.1:18080", timeout=5).status_code == 404
        with pytest.raises(requests.ConnectionError):
            requests.get("http://127.0.0.1:8080/api/v2/tasks/instances", timeout=5)


def test_aksk_signatures_verify_through_the_adapter() -> None:
    with mock_responses():
        response = requests.get(
            "http://127.0.0.1:8080/api/v2/tasks/instances",
            params={"status": "FAILED"},
            auth=AkSkAuth("ocp-demo-ak", "d75332c5eed8d440a84a35ac6248d397"),
            timeout=5,
        )
    assert response.status_code == 200 and response.json()["data"]["page"]["totalElements"] == 1


def test_install_adds_the_mock_to_an_existing_requests_mock() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, "http://127.0.0.1:9000/health", json={"ok": True})
        install(rsps, create_app(), "http://127.0.0.1:8080")
        assert requests.get("http://127.0.0.1:9000/health", timeout=5).json() == {"ok": True}
        assert (
            requests.get("http://127.0.0.1:8080/api/v2/tasks/instances/33150", auth=ADMIN, timeout=5).json()[
                "data"
            ]["status"]
            == "SUCCESSFUL"
        )


@pytest.mark.parametrize("base_url", ["127.0.0.1:8080", "ftp://127.0.0.1", "http://127.0.0.1:8080/api/v2"])
def test_a_base_url_is_scheme_and_host_only(base_url: str) -> None:
    with pytest.raises(UsageError, match="expected a base URL like"), mock_responses(base_url=base_url):
        pass


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param("multipart/form-data", b"", id="multipart-empty"),
        pytest.param("application/x-www-form-urlencoded", b"", id="form-empty"),
        pytest.param("multipart/form-data; boundary=xyz", b"--xyz--\r\n", id="multipart-closing-boundary"),
        pytest.param("application/json", b'{"shortRpmName": "obproxy"}', id="json"),
    ],
)
def test_the_body_reaches_the_mock_byte_for_byte(content_type: str, body: bytes) -> None:
    """The adapter hands the mock the bytes that were signed: werkzeug must not rebuild a form body
    (an empty ``multipart/form-data`` one gained a boundary and broke the AK/SK signature)."""
    with mock_responses() as ocp:
        seen: list[tuple[str | None, bytes]] = []
        handle = ocp.handle

        def recorded(request: Any) -> Any:
            seen.append((request.headers.get("Content-Type"), request.get_data()))
            return handle(request)

        ocp.handle = recorded  # type: ignore[method-assign]
        response = requests.post(
            "http://127.0.0.1:8080/api/v2/obproxy/clusters/1/obproxies/1,2/upgrade",
            data=body,
            headers={"Content-Type": content_type},
            auth=AkSkAuth("ocp-demo-ak", "d75332c5eed8d440a84a35ac6248d397"),
            timeout=5,
        )
    assert response.status_code != 401, response.json()
    assert seen == [(content_type, body)]
