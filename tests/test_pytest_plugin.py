"""The pytest plugin other projects get: fixtures, ``assert_conforms``, the guide's example."""

from __future__ import annotations

import json
import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import requests

from contracts import ContractViolation, assert_conforms, validate_response
from contracts.pytest_plugin import OcpMock

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "contract" / "test_mock_example.py"
SAMPLE = ROOT / "tests" / "data" / "documented-sample.json"


def test_the_plugin_is_registered_as_an_entry_point() -> None:
    plugins = {entry.value for entry in entry_points(group="pytest11")}
    assert "contracts.pytest_plugin" in plugins


def test_the_guides_example_is_the_test_that_runs() -> None:
    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    section = guide.split("## Use the mock in your own tests", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert block, "the section shows a Python example"
    assert block.group(1) == EXAMPLE.read_text(encoding="utf-8")


def test_each_test_gets_a_reset_mock_without_faults(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import requests

        def test_first(ocp_mock):
            ocp_mock.fault("wrong-content-type")
            reply = requests.post(
                ocp_mock.base_url + "/api/v2/obproxy/clusters/1/obproxies/1/upgrade",
                json={"shortRpmName": ocp_mock.inventory.packages[0]}, auth=ocp_mock.auth, timeout=10)
            assert reply.headers["Content-Type"].startswith("text/plain")
            assert reply.json()["data"]["id"] == 33151

        def test_second(ocp_mock):
            assert requests.get(ocp_mock.base_url + "/api/v2/tasks/instances/33151",
                                auth=ocp_mock.auth, timeout=10).status_code == 404
            reply = requests.get(ocp_mock.base_url + "/api/v2/tasks/instances/33150",
                                 auth=ocp_mock.auth, timeout=10)
            assert reply.headers["Content-Type"].startswith("application/json")
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_the_fault_switch_and_the_socketless_front_end(ocp_mock_responses: OcpMock) -> None:
    url = f"{ocp_mock_responses.base_url}/api/v2/tasks/instances/33150"
    assert_conforms(requests.get(url, auth=ocp_mock_responses.auth, timeout=10), operation="task")
    ocp_mock_responses.fault("negative-duration")
    with pytest.raises(ContractViolation, match=r"envelope\.duration-negative"):
        assert_conforms(requests.get(url, auth=ocp_mock_responses.auth, timeout=10), operation="task")
    ocp_mock_responses.fault()
    assert_conforms(requests.get(url, auth=ocp_mock_responses.auth, timeout=10), operation="task")


def test_the_handle_hides_its_secrets(ocp_mock: OcpMock) -> None:
    text = repr(ocp_mock)
    assert ocp_mock.password not in text
    assert ocp_mock.secret_key and ocp_mock.secret_key not in text
    assert ocp_mock.base_url.startswith("http://127.0.0.1:")


def test_the_failure_message_is_the_validators_report() -> None:
    body = json.loads(SAMPLE.read_text())
    body["data"]["status"] = "CANCELED"
    with pytest.raises(ContractViolation) as caught:
        assert_conforms(body, operation="upgrade")
    report = validate_response(body, operation="upgrade")
    assert report and caught.value.violations == tuple(report)
    for violation in report:
        assert violation.render() in str(caught.value)


@pytest.mark.parametrize("kind", [bytes, str, dict])
def test_bodies_of_every_kind_are_accepted(kind: type) -> None:
    raw = SAMPLE.read_text()
    subject = json.loads(raw) if kind is dict else raw if kind is str else raw.encode()
    assert assert_conforms(subject, operation="upgrade") == []


def test_a_response_is_judged_with_its_status_and_content_type(ocp_mock_responses: OcpMock) -> None:
    ocp_mock_responses.fault("wrong-content-type")
    url = f"{ocp_mock_responses.base_url}/api/v2/tasks/instances/33150"
    reply = requests.get(url, auth=ocp_mock_responses.auth, timeout=10)
    with pytest.raises(ContractViolation, match=r"envelope\.content-type"):
        assert_conforms(reply, operation="task")


@pytest.mark.parametrize("kind", [bytes, str])
def test_a_body_with_a_repeated_key_fails_the_assertion_with_its_rule(kind: type) -> None:
    """A server's bytes are read as ``validate`` reads a file: a repeated key is a violation."""
    raw = SAMPLE.read_text().replace('"status": 200,', '"status": 200, "status": 500,', 1)
    with pytest.raises(ContractViolation) as caught:
        assert_conforms(raw if kind is str else raw.encode(), operation="upgrade")
    assert [(v.rule, v.pointer) for v in caught.value.violations] == [("body.duplicate-key", "")]
    assert "repeats the key 'status'" in str(caught.value)


def test_a_marker_gives_one_test_its_own_inventory_and_faults(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        import requests

        INVENTORY = {
            "clusters": [{"id": 7, "name": "edge", "servers": [{"id": 70, "hostId": 700}]}],
            "packages": ["obproxy-ce-4.2.3.0-20231227111200"],
        }

        def upgrade(mock, cluster, server):
            url = f"{mock.base_url}/api/v2/obproxy/clusters/{cluster}/obproxies/{server}/upgrade"
            body = {"shortRpmName": mock.inventory.packages[0]}
            return requests.post(url, json=body, auth=mock.auth, timeout=10)

        @pytest.mark.ocp_mock(inventory=INVENTORY, faults=["wrong-content-type"])
        @pytest.mark.parametrize("fixture", ["ocp_mock", "ocp_mock_responses"])
        def test_marked(request, fixture):
            mock = request.getfixturevalue(fixture)
            assert [c.id for c in mock.inventory.clusters] == [7]
            reply = upgrade(mock, 7, 70)
            assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("text/plain")
            assert upgrade(mock, 1, 1).status_code == 404

        def test_unmarked_gets_the_demo_inventory_without_faults(ocp_mock):
            reply = upgrade(ocp_mock, 1, 1)
            assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("application/json")

        @pytest.mark.ocp_mock(faults="cycle")
        def test_a_fault_alone_keeps_the_shared_server(ocp_mock):
            from contracts import assert_conforms
            url = ocp_mock.base_url + "/api/v2/tasks/instances/33150"
            reply = requests.get(url, auth=ocp_mock.auth, timeout=10)
            with pytest.raises(AssertionError, match="dag.cycle"):
                assert_conforms(reply, operation="task")
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)


def test_a_conftest_gives_every_test_of_its_scope_an_inventory(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "clusters: [{id: 9, name: lab, servers: [{id: 90, hostId: 900}]}]\npackages: [obproxy-x]\n",
        encoding="utf-8",
    )
    pytester.makeconftest(
        f"""
        import pytest

        @pytest.fixture
        def ocp_mock_inventory():
            return {str(inventory)!r}
        """
    )
    pytester.makepyfile(
        """
        import pytest

        def test_from_the_conftest(ocp_mock):
            assert ocp_mock.inventory.packages == ("obproxy-x",)

        @pytest.mark.ocp_mock(inventory=None)
        def test_the_marker_wins(ocp_mock):
            assert ocp_mock.inventory.clusters[0].id == 1

        @pytest.mark.ocp_mock(inventroy={})
        def test_a_misspelt_argument_is_an_error(ocp_mock):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*unknown argument 'inventroy'*"])


def test_a_failure_points_at_the_users_test_line_not_into_the_library(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_points="""
        from contracts import assert_conforms

        def test_broken():
            body = {"status": 200, "successful": True}
            assert_conforms(body, operation="task")  # the line the failure names
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "test_points.py:5: ContractViolation" in text
    assert "conformance.py" not in text


def test_a_path_is_read_as_a_saved_response_file(tmp_path: Path) -> None:
    saved = tmp_path / "task.json"
    saved.write_bytes(SAMPLE.read_bytes())
    assert_conforms(saved, operation="task")
    broken = tmp_path / "broken.json"
    broken.write_text('{"status": 200, "status": 200}', encoding="utf-8")
    with pytest.raises(ContractViolation, match=r"(?s)broken\.json cannot be read.*body\.duplicate-key"):
        assert_conforms(broken, operation="task")


def test_an_inventory_is_taken_as_an_object_a_mapping_or_a_file(tmp_path: Path) -> None:
    from contracts.mock.inventory import default_inventory
    from contracts.pytest_plugin import _inventory

    demo = default_inventory()
    assert _inventory(demo) is demo
    cluster = {"id": 3, "name": "c", "servers": [{"id": 30, "hostId": 300}]}
    document = {"clusters": [cluster], "packages": ["p"]}
    assert _inventory(document).clusters[0].id == 3
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert _inventory(path).packages == ("p",) == _inventory(str(path)).packages
    with pytest.raises(TypeError, match="expected an Inventory, a mapping or a file path"):
        _inventory(42)
