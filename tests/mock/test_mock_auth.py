"""Authentication and permission: HTTP Basic, AK/SK (the documented vector), dates, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from werkzeug.test import Client

from contracts.auth import AkSkAuth
from contracts.mock import create_app, mock_responses
from contracts.mock.inventory import DEMO_USERS

BASE = "http://127.0.0.1:8080"
AK, SK = "ocp-demo-ak", "d75332c5eed8d440a84a35ac6248d397"
VECTOR_TIME = datetime(2024, 4, 15, 9, 25, 2, tzinfo=UTC)


def test_the_documented_signature_vector_authenticates() -> None:
    mock = create_app(clock=lambda: VECTOR_TIME)
    query = (
        "metrics=host_disk_total&labels=svr_ip%3A127.0.0.1&groupBy=app%2Csvr_ip%2Cdevice%2Cmount_point"
        "&startTime=2024-04-15T14%3A29%3A55%2B08%3A00&endTime=2024-04-15T14%3A30%3A55%2B08%3A00&maxPoints=360"
    )
    headers = {
        "Content-Type": "application/json",
        "Date": "Mon, 15 Apr 2024 09:25:02 GMT",
        "x-ocp-origin": "for-test",
        "Authorization": f"OCP-ACCESS-KEY-HMACSHA1 {AK}:To11kg1EsB/dPWyDnnpuUzIUoQk=",
    }
    response = Client(mock).get(
        f"/api/v2/monitor/top?{query}", base_url="http://127.0.0.1:8080", headers=headers
    )
    # Authenticated, so the answer is the route's 404, not a 401.
    assert response.status_code == 404
    assert "routes:" in response.get_json()["error"]["debugMessage"]
    tampered = {**headers, "x-ocp-origin": "for-prod"}
    assert (
        Client(mock).get(f"/api/v2/monitor/top?{query}", base_url=BASE, headers=tampered).status_code == 401
    )


@pytest.mark.parametrize("skew", [timedelta(0), timedelta(minutes=14), -timedelta(minutes=14)])
def test_aksk_within_fifteen_minutes_is_served(skew: timedelta) -> None:
    with mock_responses():
        auth = AkSkAuth(AK, SK, clock=lambda: datetime.now(UTC) + skew)
        response = requests.post(
            f"{BASE}/api/v2/obproxy/clusters/1/obproxies/1,2/upgrade",
            json={"shortRpmName": "obproxy-1.9.1.1-1919579"},
            auth=auth,
            timeout=5,
        )
        assert response.status_code == 200, response.text
        task_id = response.json()["data"]["id"]
        assert (
            requests.get(f"{BASE}/api/v2/tasks/instances/{task_id}", auth=auth, timeout=5).status_code == 200
        )
        listed = requests.get(
            f"{BASE}/api/v2/tasks/instances",
            params=[("status", "RUNNING"), ("status", "FAILED"), ("size", "5")],
            auth=auth,
            timeout=5,
        )
        assert listed.status_code == 200


@pytest.mark.parametrize(
    ("auth", "reason"),
    [
        pytest.param(
            AkSkAuth(AK, SK, clock=lambda: datetime.now(UTC) - timedelta(minutes=16)),
            "s from server time",
            id="date-sixteen-minutes-old",
        ),
        pytest.param(
            AkSkAuth(AK, SK, clock=lambda: datetime.now(UTC) + timedelta(minutes=16)),
            "s from server time",
            id="date-sixteen-minutes-ahead",
        ),
        pytest.param(AkSkAuth(AK, "0" * 32), "signature does not match", id="wrong-secret"),
        pytest.param(AkSkAuth("someone-else", SK), "unknown access key", id="unknown-access-key"),
        pytest.param(("admin", "wrong"), "wrong password", id="wrong-password"),
        pytest.param(None, "Authorization", id="no-credentials"),
    ],
)
def test_bad_credentials_are_401_without_leaking_secrets(auth: object, reason: str) -> None:
    with mock_responses():
        response = requests.get(f"{BASE}/api/v2/tasks/instances", auth=auth, timeout=5)  # type: ignore[arg-type]
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == 30001 and reason in error["debugMessage"]
    for user in DEMO_USERS:
        assert user.password not in response.text
    assert SK not in response.text


def test_a_wrong_signature_is_answered_with_the_servers_string_to_sign() -> None:
    with mock_responses():
        response = requests.get(
            f"{BASE}/api/v2/tasks/instances?size=1", auth=AkSkAuth(AK, "0" * 32), timeout=5
        )
    debug = response.json()["error"]["debugMessage"]
    assert "the server's string to sign: 'GET\\n\\n\\n" in debug
    assert "\\n127.0.0.1:8080\\n\\n/api/v2/tasks/instances?size=1'" in debug


def test_a_signature_covers_the_body() -> None:
    with mock_responses():
        session = requests.Session()
        prepared = session.prepare_request(
            requests.Request(
                "POST",
                f"{BASE}/api/v2/obproxy/clusters/1/obproxies/1/upgrade",
                json={"shortRpmName": "obproxy-1.9.1.1-1919579"},
                auth=AkSkAuth(AK, SK),
            )
        )
        prepared.body = b'{"shortRpmName": "obproxy-ce-4.2.1.0-20230912"}'
        prepared.headers["Content-Length"] = str(len(prepared.body))
        assert session.send(prepared, timeout=5).status_code == 401


@pytest.mark.parametrize(
    ("user", "upgrade", "read"),
    [
        pytest.param(("admin", "ocp-demo-admin"), 200, 200, id="admin"),
        pytest.param(("viewer", "ocp-demo-viewer"), 403, 200, id="viewer"),
    ],
)
def test_roles_decide_what_a_user_may_do(user: tuple[str, str], upgrade: int, read: int) -> None:
    with mock_responses():
        up = requests.post(
            f"{BASE}/api/v2/obproxy/clusters/1/obproxies/1/upgrade",
            json={"shortRpmName": "obproxy-1.9.1.1-1919579"},
            auth=user,
            timeout=5,
        )
        assert up.status_code == upgrade
        assert requests.get(f"{BASE}/api/v2/tasks/instances/33149", auth=user, timeout=5).status_code == read
    if upgrade == 403:
        assert up.json()["error"] == {
            "code": 30014,
            "message": "No permission to perform this operation",
            "debugMessage": "requires role OBPROXY_MANAGER",
        }
