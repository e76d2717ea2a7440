"""OCP's check order and Jackson-like body reading: which failure wins, what is accepted."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.mock import create_app
from contracts.mock.inventory import parse_inventory
from tests.mock._support import Api

# Each row breaks two checks at once; the earlier one in OCP's order must answer.
ORDER = [
    pytest.param({"auth": None, "cluster": "abc"}, 401, None, id="credentials-before-path"),
    pytest.param(
        {"auth": ("viewer", "ocp-demo-viewer"), "cluster": "abc"}, 403, None, id="permission-before-path"
    ),
    pytest.param({"cluster": "abc", "body": None}, 400, "id", id="path-before-body"),
    pytest.param(
        {"ids": "x", "raw": b"{}", "content_type": "text/plain"},
        400,
        "obproxyIds",
        id="path-before-media-type",
    ),
    pytest.param(
        {"raw": b"{}", "content_type": "text/plain", "cluster": 99}, 415, None, id="media-type-before-lookup"
    ),
    pytest.param({"body": None, "cluster": 99}, 400, "body", id="body-before-lookup"),
    pytest.param(
        {"body": {"shortRpmName": ""}, "cluster": 99}, 400, "shortRpmName", id="blank-before-lookup"
    ),
    pytest.param({"cluster": 99, "ids": "9"}, 404, "id", id="cluster-before-server"),
    pytest.param(
        {"ids": "9", "body": {"shortRpmName": "nope"}}, 404, "obproxyIds", id="server-before-package"
    ),
]


@pytest.mark.parametrize(("options", "status", "target"), ORDER)
def test_the_first_failing_check_answers(options: dict[str, Any], status: int, target: str | None) -> None:
    api = Api(create_app())
    options = dict(options)
    reply = api.upgrade(options.pop("cluster", 1), options.pop("ids", "1"), **options)
    assert reply.status == status, reply.body
    # OCP's ApiErrorTarget is an object; the mock's names the parameter the error is about
    assert (reply.error.get("target") or {}).get("parameter") == target


def test_unknown_package_is_checked_before_a_conflict() -> None:
    api = Api(create_app())
    assert api.upgrade(1, "1").status == 200
    assert api.upgrade(1, "1", {"shortRpmName": "nope"}).status == 404
    assert api.upgrade(1, "1").status == 409


def test_blank_package_names_the_field_in_sub_errors() -> None:
    reply = Api(create_app()).upgrade(body={"shortRpmName": "  "})
    assert reply.error["subErrors"] == [
        {
            "object": "upgradeObproxyParam",
            "field": "shortRpmName",
            "rejectedValue": "  ",
            "message": "must not be blank",
        }
    ]


@pytest.fixture
def coercing_api() -> Api:
    inventory = parse_inventory(
        {
            "clusters": [{"id": 1, "servers": [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}]}],
            "packages": ["123", "1.50", "true", "obproxy-1.9.1.1-1919579"],
        },
        "test",
    )
    return Api(create_app(inventory))


@pytest.mark.parametrize(
    ("raw", "server", "package"),
    [
        pytest.param(b'{"shortRpmName": 123}', "1", "123", id="integer"),
        pytest.param(b'{"shortRpmName": 1.50}', "2", "1.50", id="number-keeps-its-text"),
        pytest.param(b'{"shortRpmName": true}', "3", "true", id="boolean"),
        pytest.param(
            b'{"shortRpmName": "123", "extra": [1, {"x": null}], "obproxyIds": [9]}',
            "4",
            "123",
            id="unknown-properties-ignored",
        ),
    ],
)
def test_scalars_are_coerced_to_strings_as_jackson_does(
    coercing_api: Api, raw: bytes, server: str, package: str
) -> None:
    reply = coercing_api.upgrade(1, server, raw=raw)
    assert reply.status == 200, reply.body
    assert reply.data["context"]["stringMap"]["short_rpm_name"] == package
    reply.assert_valid()


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json;charset=UTF-8",
        "APPLICATION/JSON",
        "application/vnd.ocp+json",
    ],
)
def test_json_media_types_are_accepted(content_type: str) -> None:
    assert Api(create_app()).upgrade(content_type=content_type).status == 200


def test_the_last_duplicate_key_wins_and_utf16_is_read() -> None:
    api = Api(create_app())
    dup = api.upgrade(1, "1", raw=b'{"shortRpmName": "nope", "shortRpmName": "obproxy-1.9.1.1-1919579"}')
    assert dup.status == 200
    utf16 = api.upgrade(1, "2", raw='{"shortRpmName": "obproxy-1.9.1.1-1919579"}'.encode("utf-16"))
    assert utf16.status == 200


@pytest.mark.parametrize("ids", ["01", "1", "3,2"])
def test_ids_with_leading_zeros_parse_as_java_longs(ids: str) -> None:
    assert Api(create_app()).upgrade(1, ids).status == 200


def test_a_repeated_server_id_counts_once() -> None:
    reply = Api(create_app()).upgrade(1, "2,1,2")
    assert reply.status == 200
    assert reply.data["context"]["listMap"]["obproxy_server_ids"] == ["2", "1"]
    assert len(reply.data["subtasks"]) == 2 + 2 * 6
    reply.assert_valid()


@pytest.mark.parametrize("cluster", ["+1", " 1", "1 ", "1_0", "١", "0x1", "1e3", ""])
def test_ids_python_would_accept_but_java_would_not_are_400(cluster: str) -> None:
    reply = Api(create_app()).upgrade(cluster.replace(" ", "%20"), "1")
    assert reply.status in (400, 404), reply.body
    if cluster:
        assert reply.status == 400


def test_an_oversized_body_is_refused_before_its_content_is_looked_at() -> None:
    api = Api(create_app(max_body_bytes=1024))
    reply = api.upgrade(raw=b'{"shortRpmName": "' + b"x" * 2048 + b'"}')
    assert reply.status == 400 and "larger than 1024 bytes" in reply.error["debugMessage"]
    reply.assert_valid()


def test_a_request_without_credentials_is_401_before_its_body_is_read() -> None:
    """OCP's security filter answers first: a large unauthenticated body is 401, not 400."""
    api = Api(create_app(max_body_bytes=1024))
    reply = api.upgrade(raw=b'{"shortRpmName": "' + b"x" * (10 * 1024 * 1024) + b'"}', auth=None)
    assert reply.status == 401, reply.body
    assert reply.headers["WWW-Authenticate"] == 'Basic realm="OCP"'
    reply.assert_valid()


@pytest.mark.parametrize("auth", [None, ("admin", "wrong")], ids=["none", "wrong-password"])
def test_every_401_carries_a_challenge(auth: Any) -> None:
    reply = Api(create_app()).tasks(auth=auth)
    assert reply.status == 401 and reply.headers["WWW-Authenticate"].startswith("Basic ")


@pytest.mark.parametrize("raw", [b"{", b'{"shortRpmName": }', b"\xff\xfe", b"NaN"])
def test_a_malformed_body_is_described_without_the_parser_s_own_words(raw: bytes) -> None:
    reply = Api(create_app()).upgrade(raw=raw)
    assert reply.status == 400
    debug = reply.error["debugMessage"]
    assert debug.startswith("JSON parse error: ")
    for python_text in ("Expecting", "line 1 column", "char ", "codec", "utf-8", "decode", "is not JSON"):
        assert python_text not in debug


@pytest.mark.parametrize("ident", ["-1", "0", "-9223372036854775808"])
def test_an_id_below_one_is_reported_as_out_of_range_not_as_a_type_mismatch(ident: str) -> None:
    reply = Api(create_app()).task(ident)
    assert reply.status == 400
    assert reply.error["debugMessage"] == "must be greater than or equal to 1"
    reply.assert_valid()


def test_with_x_return_stack_trace_an_error_carries_its_trace_as_a_list_of_strings() -> None:
    api = Api(create_app())
    reply = api.request(
        "GET", "/api/v2/tasks/instances/99999", operation="task", headers={"X-ReturnStackTrace": "true"}
    )
    assert reply.status == 404
    trace = reply.error["stackTrace"]
    assert isinstance(trace, list) and trace and all(isinstance(line, str) for line in trace)
    reply.assert_valid()
    assert "stackTrace" not in api.task(99999).error


def test_as_an_ocp_before_4_0_3_an_upgrade_without_a_body_is_served() -> None:
    """``upgrade_body=False`` (``run --ocp-version 4.0.0`` and older): no body is the documented
    request, served with the newest package; the default mock refuses it (400)."""
    assert Api(create_app()).upgrade(1, "1", None).status == 400
    old = create_app(upgrade_body=False)
    reply = Api(old).upgrade(1, "1", None)
    assert reply.status == 200, reply.body
    reply.assert_valid()
    task = old.task(reply.body["data"]["id"])
    assert task is not None and task.package == old.inventory.packages[-1]
