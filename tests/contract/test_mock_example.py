import pytest
import requests

from contracts import assert_conforms

UPGRADE = "/api/v2/obproxy/clusters/1/obproxies/1,2/upgrade"


def test_upgrade_then_poll(ocp_mock):
    body = {"shortRpmName": ocp_mock.inventory.packages[0]}
    reply = requests.post(ocp_mock.base_url + UPGRADE, json=body, auth=ocp_mock.auth, timeout=10)
    assert_conforms(reply, operation="upgrade", request_obproxy_ids=[1, 2])
    task_url = f"{ocp_mock.base_url}/api/v2/tasks/instances/{reply.json()['data']['id']}"
    assert_conforms(requests.get(task_url, auth=ocp_mock.auth, timeout=10), operation="task")


def test_a_broken_ocp_is_caught(ocp_mock_responses):
    ocp_mock_responses.fault("cycle")
    task_url = f"{ocp_mock_responses.base_url}/api/v2/tasks/instances/33150"
    with pytest.raises(AssertionError, match=r"dag\.cycle"):
        assert_conforms(requests.get(task_url, auth=ocp_mock_responses.auth), operation="task")
