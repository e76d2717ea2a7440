"""What a correct OCP must refuse: one table per concern. A row that says ``None`` under
"certain" is a request the guard keeps from a live OCP."""

from __future__ import annotations

import json

import pytest
import requests

from contracts.auth import AkSkAuth
from contracts.auth import Credentials as Known
from contracts.run.wire.rejection import (
    CredentialsCase,
    Kind,
    Rejection,
    WireRequest,
    assess,
    body_rejections,
    credentials_of,
    spring_long,
    upgrade_path_ids,
)

BASE = "http://ocp.example.test:8080"
UPGRADE = BASE + "/api/v2/obproxy/clusters/1/obproxies/1,2/upgrade"
GOOD = b'{"shortRpmName": "obproxy-ce-4.2.3.0-20231227111200"}'
JSON = {"content-type": "application/json"}


def request(
    method: str = "POST", url: str = UPGRADE, body: bytes | None = GOOD, **headers: str
) -> WireRequest:
    return WireRequest(method, url, {**JSON, **{k.replace("_", "-"): v for k, v in headers.items()}}, body)


# --------------------------------------------------------------------------- Long conversion


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("1", "ok"),
        (" 1 ", "ok"),
        ("1 2", "ok"),
        ("+1", "ok"),
        ("-1", "ok"),
        ("0", "ok"),
        ("0x1F", "ok"),
        ("#1f", "ok"),
        ("-0x8000000000000000", "ok"),
        ("١٢", "ok"),
        ("１", "ok"),
        ("9223372036854775807", "ok"),
        ("-9223372036854775808", "ok"),
        ("", "empty"),
        ("  ", "empty"),
        ("abc", "malformed"),
        ("1.0", "malformed"),
        ("1e3", "malformed"),
        ("1_000", "malformed"),
        ("9223372036854775808", "malformed"),
        ("0x", "malformed"),
        ("-", "malformed"),
        ("0xZZ", "malformed"),
    ],
)
def test_ids_convert_as_spring_converts_them(text: str, outcome: str) -> None:
    assert spring_long(text).value == outcome


# --------------------------------------------------------------------------- bodies


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b"", Rejection.MISSING_BODY, id="empty"),
        pytest.param(b" \r\n", Rejection.MISSING_BODY, id="whitespace"),
        pytest.param(b"null", Rejection.MISSING_BODY, id="null"),
        pytest.param(b"{", Rejection.UNREADABLE_BODY, id="unreadable"),
        pytest.param(b"[]", Rejection.NOT_AN_OBJECT, id="empty-array"),
        pytest.param(b'"obproxy"', Rejection.NOT_AN_OBJECT, id="string"),
        pytest.param(b"{}", Rejection.MISSING_PACKAGE, id="no-package"),
        pytest.param(b'{"other": "x"}', Rejection.MISSING_PACKAGE, id="other-field"),
        pytest.param(b'{"shortRpmName": ""}', Rejection.BLANK_PACKAGE, id="blank"),
        pytest.param(b'{"shortRpmName": " \\t\\u001c"}', Rejection.BLANK_PACKAGE, id="java-blank"),
        pytest.param(b'{"shortRpmName": null}', Rejection.BLANK_PACKAGE, id="null-package"),
        pytest.param(b'{"shortRpmName": {}}', Rejection.BLANK_PACKAGE, id="object-package"),
        pytest.param(GOOD, None, id="good"),
        pytest.param(GOOD + b" trailing garbage", None, id="trailing-content-is-ignored"),
        pytest.param(b'{"shortRpmName": "\\u00a0"}', None, id="nbsp-is-not-blank-in-java"),
        pytest.param(b'{"shortRpmName": 5}', None, id="number-coerced"),
        pytest.param(b'{"shortRpmName": false}', None, id="boolean-coerced"),
        pytest.param(b'{"shortRpmName": ["x"]}', None, id="single-value-array"),
        pytest.param(b'{"SHORT_RPM_NAME": "x"}', None, id="other-spelling"),
        pytest.param(b'[{"shortRpmName": "x"}]', None, id="wrapped-object"),
        pytest.param(b'{"shortRpmName": "", "shortRpmName": "x"}', None, id="duplicate-key"),
        pytest.param(b"\xef\xbb\xbf" + GOOD, None, id="bom"),
        pytest.param(GOOD.decode().encode("utf-16"), None, id="utf-16"),
    ],
)
def test_bodies_are_read_as_jackson_reads_them(body: bytes, expected: Rejection | None) -> None:
    assert body_rejections(JSON, body) == (() if expected is None else (expected,))


def test_a_non_json_content_type_is_refused_but_not_certainly() -> None:
    assessment = assess(request(content_type="text/plain"), CredentialsCase.OURS)
    assert assessment.rejection is Rejection.UNSUPPORTED_MEDIA_TYPE
    assert assessment.certain is None
    assert assessment.kind is Kind.UPGRADE


def test_a_non_json_body_under_a_non_json_type_is_certainly_refused() -> None:
    assessment = assess(request(body=b"shortRpmName=x", content_type="text/plain"), CredentialsCase.OURS)
    assert assessment.certain is Rejection.UNREADABLE_BODY


# --------------------------------------------------------------------------- paths and methods


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/obproxy/clusters/1/obproxies/1,2/upgrade",
        "/api/v2/obproxy/clusters/1/obproxies/1,2/upgrade/",
        "/api/v2//obproxy/clusters/1/obproxies/1,2//upgrade",
        "/api/v2/obproxy/clusters/1;jsessionid=x/obproxies/1,2/upgrade",
        "/api/v2/obproxy/clusters/%31/obproxies/1%2C2/upgrade",
        "/api/v2/OBPROXY/Clusters/1/obproxies/1,2/UPGRADE",
        "/api/v2/obproxy/clusters/1/obproxies/1,2/./upgrade",
        "/api/v2/x/../obproxy/clusters/1/obproxies/1,2/upgrade",
        "/ocp/api/v2/obproxy/clusters/1/obproxies/1,2/upgrade",
    ],
)
def test_every_spelling_of_the_upgrade_route_is_recognised(path: str) -> None:
    assert upgrade_path_ids(BASE + path) == {"id": "1", "obproxyIds": "1,2"}
    assert assess(request(url=BASE + path), CredentialsCase.OURS).certain is None


def test_an_unrecognised_path_that_says_upgrade_could_still_upgrade() -> None:
    url = BASE + "/api/v2/obproxy%2Fclusters/1/obproxies/1/upgrade"
    assessment = assess(request(url=url), CredentialsCase.OURS)
    assert (assessment.kind, assessment.certain) == (Kind.UPGRADE, None)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (BASE + "/api/v2/obproxy/clusters/abc/obproxies/1/upgrade", Rejection.MALFORMED_ID),
        (BASE + "/api/v2/obproxy/clusters/1/obproxies/1,x/upgrade", Rejection.MALFORMED_ID),
        (BASE + "/api/v2/obproxy/clusters/1/obproxies/9223372036854775808/upgrade", Rejection.MALFORMED_ID),
        (BASE + "/api/v2/obproxy/clusters/0/obproxies/1/upgrade", None),
        (BASE + "/api/v2/obproxy/clusters/-1/obproxies/1/upgrade", None),
        (BASE + "/api/v2/obproxy/clusters/1/obproxies/1,,2/upgrade", None),
    ],
)
def test_only_ids_spring_cannot_convert_are_certain(url: str, expected: Rejection | None) -> None:
    assert assess(request(url=url), CredentialsCase.OURS).certain is expected


def test_other_methods_on_the_upgrade_route_are_refused_with_405() -> None:
    assessment = assess(request(method="PUT"), CredentialsCase.OURS)
    assert (assessment.kind, assessment.certain) == (Kind.WRITE, Rejection.UNSUPPORTED_METHOD)


def test_a_method_override_counts_as_the_method_it_names() -> None:
    assessment = assess(request(method="PUT", x_http_method_override="post"), CredentialsCase.OURS)
    assert (assessment.kind, assessment.certain) == (Kind.UPGRADE, None)


@pytest.mark.parametrize(
    ("method", "url", "kind"),
    [
        ("GET", BASE + "/api/v2/tasks/instances/1", Kind.READ_ONLY),
        ("HEAD", BASE + "/api/v2/tasks/instances", Kind.READ_ONLY),
        ("DELETE", BASE + "/api/v2/tasks/instances/1", Kind.WRITE),
        ("POST", BASE + "/api/v2/tasks/instances", Kind.WRITE),
    ],
)
def test_task_routes(method: str, url: str, kind: Kind) -> None:
    assert assess(request(method, url, None), CredentialsCase.OURS).kind is kind


def test_a_non_numeric_task_id_is_refused() -> None:
    assessment = assess(request("GET", BASE + "/api/v2/tasks/instances/abc", None), CredentialsCase.OURS)
    assert assessment.rejection is Rejection.MALFORMED_ID


# --------------------------------------------------------------------------- credentials


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        (CredentialsCase.ABSENT, Rejection.NO_CREDENTIALS),
        (CredentialsCase.OTHER, Rejection.WRONG_CREDENTIALS),
        (CredentialsCase.OURS, None),
        (CredentialsCase.UNKNOWN, None),
    ],
)
def test_credentials_come_first(credentials: CredentialsCase, expected: Rejection | None) -> None:
    assessment = assess(request(body=b""), credentials)
    assert assessment.rejection is (expected or Rejection.MISSING_BODY)


def _prepared(auth: requests.auth.AuthBase, body: bytes = GOOD) -> WireRequest:
    prepared = requests.Request(
        "POST", UPGRADE, data=body, headers={"Content-Type": "application/json"}, auth=auth
    )
    return WireRequest.from_prepared(prepared.prepare())


def test_our_own_signature_is_recognised_and_a_tampered_one_is_not() -> None:
    known = Known({"ak": "sk-secret"})
    signed = _prepared(AkSkAuth("ak", "sk-secret"))
    assert credentials_of(signed, known) is CredentialsCase.OURS
    tampered = WireRequest(signed.method, signed.url, signed.headers, b'{"shortRpmName": "other"}')
    assert credentials_of(tampered, known) is CredentialsCase.OTHER


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, CredentialsCase.ABSENT),
        ({"authorization": "Basic dTpw"}, CredentialsCase.OURS),
        ({"authorization": "Basic dTp3cm9uZw=="}, CredentialsCase.OTHER),
        ({"authorization": "Bearer x"}, CredentialsCase.OTHER),
        ({"cookie": "JSESSIONID=1"}, CredentialsCase.UNKNOWN),
        ({"authorization": "Basic dTp3cm9uZw==", "cookie": "JSESSIONID=1"}, CredentialsCase.UNKNOWN),
    ],
)
def test_basic_credentials_are_told_apart(headers: dict[str, str], expected: CredentialsCase) -> None:
    wire = WireRequest("GET", BASE + "/api/v2/tasks/instances", headers, None)
    assert credentials_of(wire, Known({"u": "p"})) is expected


def test_without_known_credentials_a_header_proves_nothing() -> None:
    wire = WireRequest("GET", BASE + "/", {"authorization": "Basic dTpw"}, None)
    assert credentials_of(wire, None) is CredentialsCase.UNKNOWN


def test_wire_requests_keep_the_body_as_sent() -> None:
    prepared = requests.Request("POST", UPGRADE, json={"shortRpmName": "x"}).prepare()
    wire = WireRequest.from_prepared(prepared)
    assert json.loads(wire.body or b"") == {"shortRpmName": "x"}
    assert wire.headers["content-type"] == "application/json"
