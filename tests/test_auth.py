"""Basic and AK/SK authentication: the documented vector, sign → verify round trips, rejections, redaction."""

from __future__ import annotations

import base64
import io
import shlex
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder

from contracts.auth import (
    AKSK_SCHEME,
    AkSkAuth,
    AuthFailure,
    AuthResult,
    Credentials,
    basic_auth,
    canonical_host,
    curl_command,
    redact_headers,
    sign,
    string_to_sign,
    verify_request,
    verify_wsgi,
)
from contracts.violations import UsageError

# --------------------------------------------------------------------------- the documented vector

VECTOR_SECRET = "d75332c5eed8d440a84a35ac6248d397"
VECTOR_QUERY = {
    "metrics": "host_disk_total",
    "labels": "svr_ip:127.0.0.1",
    "groupBy": "app,svr_ip,device,mount_point",
    "startTime": "2024-04-15T14:29:55+08:00",
    "endTime": "2024-04-15T14:30:55+08:00",
    "maxPoints": "360",
}
VECTOR_HEADERS = {
    "Content-Type": "application/json",
    "Date": "Mon, 15 Apr 2024 09:25:02 GMT",
    "x-ocp-origin": "for-test",
}
VECTOR_STRING_TO_SIGN = (
    "GET\n"
    "\n"
    "application/json\n"
    "Mon, 15 Apr 2024 09:25:02 GMT\n"
    "127.0.0.1:8080\n"
    "x-ocp-origin:for-test\n"
    "/api/v2/monitor/top?endTime=2024-04-15T14%3A30%3A55%2B08%3A00"
    "&groupBy=app%2Csvr_ip%2Cdevice%2Cmount_point&labels=svr_ip%3A127.0.0.1&maxPoints=360"
    "&metrics=host_disk_total&startTime=2024-04-15T14%3A29%3A55%2B08%3A00"
)


def test_documented_vector_reproduces_the_documented_signature() -> None:
    to_sign = string_to_sign(
        "GET", "/api/v2/monitor/top", VECTOR_QUERY, VECTOR_HEADERS, None, "127.0.0.1:8080"
    )
    assert to_sign == VECTOR_STRING_TO_SIGN
    assert sign(VECTOR_SECRET, to_sign) == "To11kg1EsB/dPWyDnnpuUzIUoQk="


# --------------------------------------------------------------------------- fixtures and helpers

SENTINEL_PASSWORD = "s3ntinel-PASSW0RD"
SENTINEL_SECRET = "s3ntinel-SECRET"
ACCESS_KEY = "AK-test-1"
CREDENTIALS = Credentials({"admin": SENTINEL_PASSWORD, ACCESS_KEY: SENTINEL_SECRET})
NOW = datetime(2024, 4, 15, 9, 25, 2, tzinfo=UTC)
BASE_URL = "http://127.0.0.1:8080"
UPGRADE_PATH = "/api/v2/obproxy/clusters/7/obproxies/1,2/upgrade"


def fixed_clock(moment: datetime = NOW) -> Callable[[], datetime]:
    return lambda: moment


def make_signed(
    method: str = "POST",
    path: str = UPGRADE_PATH,
    *,
    url: str = BASE_URL,
    auth: requests.auth.AuthBase | None = None,
    **request_kwargs: Any,
) -> requests.PreparedRequest:
    """A real ``requests`` PreparedRequest, signed by AK/SK at ``NOW`` unless ``auth`` says otherwise."""
    auth = auth or AkSkAuth(ACCESS_KEY, SENTINEL_SECRET, clock=fixed_clock())
    return requests.Request(method, url + path, auth=auth, **request_kwargs).prepare()


def server_view(prepared: requests.PreparedRequest) -> dict[str, Any]:
    """What the server receives for ``prepared``, as :func:`verify_request` arguments."""
    parts = urlsplit(prepared.url or "")
    body = prepared.body
    assert body is None or isinstance(body, bytes), "AkSkAuth and requests' json= leave bytes"
    return {
        "method": prepared.method or "",
        "path": parts.path,
        "query_string": parts.query,
        "headers": dict(prepared.headers),
        "body": body,
    }


def verify(view: dict[str, Any], *, now: datetime = NOW) -> AuthResult:
    return verify_request(**view, credentials=CREDENTIALS, now=now)


def with_header(view: dict[str, Any], name: str, value: str | None) -> dict[str, Any]:
    headers = {key: val for key, val in view["headers"].items() if key.lower() != name.lower()}
    if value is not None:
        headers[name] = value
    return {**view, "headers": headers}


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def basic_header(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


# --------------------------------------------------------------------------- the canonical string


def canonical(
    *,
    method: str = "GET",
    path: str = "/p",
    query: Any = (),
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    host: str = "h:80",
) -> list[str]:
    return string_to_sign(method, path, query, headers or {}, body, host).split("\n")


@pytest.mark.parametrize(
    ("kwargs", "index", "expected"),
    [
        # the body line
        pytest.param({"body": b"abc"}, 1, "900150983CD24FB0D6963F7D28E17F72", id="md5-upper-hex"),
        pytest.param({"body": b""}, 1, "", id="empty-body-is-no-body"),
        pytest.param({"body": None}, 1, "", id="no-body"),
        # Content-Type and the date
        pytest.param(
            {"headers": {"content-TYPE": " text/plain "}}, 2, "text/plain", id="content-type-any-case"
        ),
        pytest.param({}, 2, "", id="no-content-type"),
        pytest.param({"headers": {"Date": "D1"}}, 3, "D1", id="date"),
        pytest.param({"headers": {"Date": "D1", "X-OCP-Date": "D2"}}, 3, "D2", id="x-ocp-date-wins"),
        pytest.param({}, 3, "", id="no-date"),
        # the x-ocp-* lines
        pytest.param({}, 5, "", id="no-ocp-headers-is-one-empty-line"),
        pytest.param({"headers": {"X-Ocp-Origin": " a "}}, 5, "x-ocp-origin:a", id="ocp-name-lowered"),
        # the path and query
        pytest.param({"query": {"a": "x y~*é"}}, -1, "/p?a=x%20y~%2A%C3%A9", id="rfc3986-encoding"),
        pytest.param({"query": [("b", "2"), ("a", "1"), ("b", "1")]}, -1, "/p?a=1&b=2&b=1", id="stable-sort"),
        pytest.param({"query": {"flag": ""}}, -1, "/p?flag=", id="blank-value"),
        pytest.param({"query": {"a/b": "c&d=e"}}, -1, "/p?a%2Fb=c%26d%3De", id="reserved-in-name-and-value"),
        pytest.param({"path": "/a%20b/c"}, -1, "/a%20b/c", id="path-verbatim"),
    ],
)
def test_canonical_string_fields(kwargs: dict[str, Any], index: int, expected: str) -> None:
    assert canonical(**kwargs)[index] == expected


def test_canonical_string_has_one_line_per_ocp_header_sorted_by_name() -> None:
    lines = canonical(headers={"x-ocp-b": "2", "X-OCP-A": "1", "Accept": "x"})
    assert lines[5:7] == ["x-ocp-a:1", "x-ocp-b:2"]
    assert len(lines) == 8


@pytest.mark.parametrize(
    ("host", "scheme", "expected"),
    [
        pytest.param("127.0.0.1:8080", "http", "127.0.0.1:8080", id="explicit-port"),
        pytest.param("ocp.example", "http", "ocp.example:80", id="http-default"),
        pytest.param("ocp.example", "HTTPS", "ocp.example:443", id="https-default"),
        pytest.param("[::1]", "http", "[::1]:80", id="ipv6-default"),
        pytest.param("[::1]:8080", "https", "[::1]:8080", id="ipv6-explicit"),
    ],
)
def test_canonical_host_makes_the_port_explicit(host: str, scheme: str, expected: str) -> None:
    assert canonical_host(host, scheme) == expected


def test_canonical_host_refuses_an_unknown_scheme() -> None:
    with pytest.raises(UsageError, match="ftp"):
        canonical_host("h", "ftp")


# --------------------------------------------------------------------------- AkSkAuth on a PreparedRequest


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"json": {"shortRpmName": "obproxy-1.9.1.1-1919579"}}, id="json-body"),
        pytest.param({"data": "naïve=1", "headers": {"Content-Type": "text/plain"}}, id="str-body-utf8"),
        pytest.param({"data": iter([b"chunk-1", b"chunk-2"])}, id="streamed-body"),
        pytest.param({"params": {"labels": "svr_ip:127.0.0.1", "q": "a b+c", "e": ""}}, id="query"),
        pytest.param({"headers": {"x-ocp-origin": "for-test", "X-OCP-Trace": "t1"}}, id="ocp-headers"),
        pytest.param({"headers": {"x-ocp-date": http_date(NOW)}}, id="x-ocp-date-only"),
        pytest.param({"headers": {"Date": http_date(NOW - timedelta(minutes=5))}}, id="caller-date-kept"),
    ],
)
def test_signed_request_verifies(kwargs: dict[str, Any]) -> None:
    result = verify(server_view(make_signed(**kwargs)))
    assert result == AuthResult(
        ok=True, scheme=AKSK_SCHEME, principal=ACCESS_KEY, string_to_sign=result.string_to_sign
    )


def test_signing_sets_date_host_and_authorization() -> None:
    prepared = make_signed("GET", "/api/v2/tasks/instances/1")
    assert prepared.headers["Date"] == "Mon, 15 Apr 2024 09:25:02 GMT"
    assert prepared.headers["Host"] == "127.0.0.1:8080"
    assert prepared.headers["Authorization"].startswith(f"{AKSK_SCHEME} {ACCESS_KEY}:")


def test_signing_sends_the_body_bytes_it_hashed() -> None:
    prepared = make_signed(data="naïve")
    assert prepared.body == "naïve".encode()
    assert prepared.headers["Content-Length"] == str(len("naïve".encode()))
    assert "Transfer-Encoding" not in make_signed(data=iter([b"x"])).headers


@pytest.mark.parametrize(
    ("url", "host"),
    [
        pytest.param("http://ocp.example", "ocp.example:80", id="http"),
        pytest.param("https://ocp.example", "ocp.example:443", id="https"),
        pytest.param("http://user:pw@OCP.example:8080", "ocp.example:8080", id="userinfo-dropped"),
        pytest.param("http://[::1]:8080", "[::1]:8080", id="ipv6"),
    ],
)
def test_signing_sends_an_explicit_port_in_host(url: str, host: str) -> None:
    prepared = make_signed("GET", "/", url=url)
    assert prepared.headers["Host"] == host
    scheme = urlsplit(url).scheme
    assert verify_request(**server_view(prepared), credentials=CREDENTIALS, now=NOW, scheme=scheme).ok


def test_server_adds_the_default_port_to_a_portless_host() -> None:
    view = server_view(make_signed("GET", "/", url="http://ocp.example"))
    assert verify(with_header(view, "Host", "ocp.example")).ok


@pytest.mark.parametrize(
    "make_auth",
    [
        pytest.param(lambda: AkSkAuth("", "sk"), id="empty-access-key"),
        pytest.param(lambda: AkSkAuth("a:b", "sk"), id="colon-in-access-key"),
        pytest.param(lambda: AkSkAuth("ak", ""), id="empty-secret"),
    ],
)
def test_aksk_auth_refuses_unusable_keys(make_auth: Callable[[], AkSkAuth]) -> None:
    with pytest.raises(UsageError):
        make_auth()


def test_aksk_auth_refuses_a_naive_clock() -> None:
    with pytest.raises(UsageError, match="timezone-aware"):
        make_signed(auth=AkSkAuth(ACCESS_KEY, SENTINEL_SECRET, clock=lambda: datetime(2024, 4, 15)))


def test_verify_refuses_a_naive_now() -> None:
    with pytest.raises(UsageError, match="timezone-aware"):
        verify(server_view(make_signed()), now=datetime(2024, 4, 15))


# --------------------------------------------------------------------------- AK/SK rejections


def _shift_date(view: dict[str, Any]) -> dict[str, Any]:
    return with_header(view, "Date", http_date(NOW + timedelta(seconds=1)))


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda v: {**v, "body": v["body"] + b" "}, id="body"),
        pytest.param(lambda v: {**v, "body": None}, id="body-dropped"),
        pytest.param(lambda v: {**v, "path": v["path"].replace("obproxies/1,2", "obproxies/1")}, id="path"),
        pytest.param(lambda v: {**v, "query_string": "dryRun=false"}, id="query"),
        pytest.param(lambda v: {**v, "query_string": "dryRun=true&extra="}, id="query-param-added"),
        pytest.param(lambda v: {**v, "method": "PUT"}, id="method"),
        pytest.param(_shift_date, id="date"),
        pytest.param(lambda v: with_header(v, "Content-Type", "text/plain"), id="content-type"),
        pytest.param(lambda v: with_header(v, "x-ocp-origin", "evil"), id="ocp-header-value"),
        pytest.param(lambda v: with_header(v, "x-ocp-extra", "1"), id="ocp-header-added"),
        pytest.param(lambda v: with_header(v, "Host", "127.0.0.1:9090"), id="host"),
    ],
)
def test_tampered_request_is_rejected(tamper: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    view = server_view(
        make_signed(
            json={"shortRpmName": "obproxy-1.9.1.1"}, params={"dryRun": "true"}, headers={"x-ocp-origin": "t"}
        )
    )
    assert verify(view).ok
    assert verify(tamper(view)).failure is AuthFailure.WRONG_SIGNATURE


@pytest.mark.parametrize(
    ("offset", "failure"),
    [
        pytest.param(timedelta(minutes=-16), AuthFailure.DATE_SKEW, id="16-min-slow"),
        pytest.param(timedelta(minutes=-15), None, id="15-min-slow"),
        pytest.param(timedelta(minutes=-14), None, id="14-min-slow"),
        pytest.param(timedelta(minutes=14), None, id="14-min-fast"),
        pytest.param(timedelta(minutes=16), AuthFailure.DATE_SKEW, id="16-min-fast"),
    ],
)
def test_date_must_be_within_15_minutes(offset: timedelta, failure: AuthFailure | None) -> None:
    prepared = make_signed(auth=AkSkAuth(ACCESS_KEY, SENTINEL_SECRET, clock=fixed_clock(NOW + offset)))
    assert verify(server_view(prepared)).failure is failure


@pytest.mark.parametrize(
    ("headers", "failure"),
    [
        pytest.param({}, AuthFailure.NO_CREDENTIALS, id="no-authorization"),
        pytest.param({"Authorization": "Bearer abc"}, AuthFailure.MALFORMED_HEADER, id="other-scheme"),
        pytest.param(
            {"Authorization": f"{AKSK_SCHEME} no-colon"}, AuthFailure.MALFORMED_HEADER, id="no-colon"
        ),
        pytest.param({"Authorization": f"{AKSK_SCHEME} :sig"}, AuthFailure.MALFORMED_HEADER, id="no-key"),
        pytest.param(
            {"Authorization": f"{AKSK_SCHEME} {ACCESS_KEY}:"}, AuthFailure.MALFORMED_HEADER, id="no-sig"
        ),
        pytest.param(
            {"Authorization": f"{AKSK_SCHEME} AK-x:c2ln"}, AuthFailure.UNKNOWN_PRINCIPAL, id="unknown-key"
        ),
    ],
)
def test_unusable_authorization_is_rejected(headers: dict[str, str], failure: AuthFailure) -> None:
    view = {"method": "GET", "path": "/", "query_string": "", "headers": {"Date": http_date(NOW), **headers}}
    assert verify({**view, "body": None}).failure is failure


@pytest.mark.parametrize(
    ("date_headers", "failure"),
    [
        pytest.param({}, AuthFailure.DATE_MISSING, id="missing"),
        pytest.param({"Date": "yesterday"}, AuthFailure.DATE_UNPARSABLE, id="unparsable"),
        pytest.param(
            {"Date": http_date(NOW), "x-ocp-date": "soon"}, AuthFailure.DATE_UNPARSABLE, id="x-ocp-wins"
        ),
    ],
)
def test_aksk_needs_a_readable_date(date_headers: dict[str, str], failure: AuthFailure) -> None:
    view = with_header(server_view(make_signed()), "Date", None)
    view = {**view, "headers": {**view["headers"], **date_headers}}
    assert verify(view).failure is failure


def test_wrong_signature_says_what_the_server_signed() -> None:
    view = server_view(make_signed(json={}))
    result = verify({**view, "method": "PUT"})
    assert result.failure is AuthFailure.WRONG_SIGNATURE
    assert result.principal == ACCESS_KEY
    assert result.string_to_sign.startswith("PUT\n")


# --------------------------------------------------------------------------- Basic


@pytest.mark.parametrize(
    ("authorization", "failure", "principal"),
    [
        pytest.param(basic_header("admin", SENTINEL_PASSWORD), None, "admin", id="correct"),
        pytest.param(
            "basic " + basic_header("admin", SENTINEL_PASSWORD)[6:], None, "admin", id="scheme-any-case"
        ),
        pytest.param(basic_header("admin", "wrong"), AuthFailure.WRONG_PASSWORD, "", id="wrong-password"),
        pytest.param(basic_header("admin", ""), AuthFailure.WRONG_PASSWORD, "", id="empty-password"),
        pytest.param(
            basic_header("nobody", SENTINEL_PASSWORD), AuthFailure.UNKNOWN_PRINCIPAL, "", id="unknown"
        ),
        pytest.param("Basic !!!not-base64", AuthFailure.MALFORMED_HEADER, "", id="not-base64"),
        pytest.param(
            "Basic " + base64.b64encode(b"admin").decode(), AuthFailure.MALFORMED_HEADER, "", id="no-colon"
        ),
        pytest.param(
            "Basic " + base64.b64encode(b"\xff:\xfe").decode(),
            AuthFailure.MALFORMED_HEADER,
            "",
            id="not-utf8",
        ),
        pytest.param("Basic", AuthFailure.MALFORMED_HEADER, "", id="no-token"),
    ],
)
def test_basic_credentials(authorization: str, failure: AuthFailure | None, principal: str) -> None:
    view = {"method": "GET", "path": "/", "query_string": "", "headers": {"Authorization": authorization}}
    result = verify({**view, "body": None})
    assert (result.ok, result.failure, result.principal) == (failure is None, failure, principal)


def test_basic_auth_helper_verifies_through_requests() -> None:
    prepared = make_signed("GET", "/api/v2/tasks/instances/1", auth=basic_auth("admin", SENTINEL_PASSWORD))
    assert verify(server_view(prepared)) == AuthResult(ok=True, scheme="Basic", principal="admin")


# --------------------------------------------------------------------------- secret hygiene


def _every_failure() -> Iterator[AuthResult]:
    """One result per way a request with the sentinel credentials can fail."""
    signed = server_view(make_signed(json={"a": 1}))
    yield verify({**signed, "method": "PUT"})
    yield verify(signed, now=NOW + timedelta(hours=1))
    yield verify(with_header(signed, "Date", "garbage"))
    yield verify(with_header(signed, "Authorization", f"{AKSK_SCHEME} {ACCESS_KEY}"))
    basic = {"method": "GET", "path": "/", "query_string": "", "body": None}
    yield verify({**basic, "headers": {"Authorization": basic_header("admin", SENTINEL_PASSWORD + "x")}})
    yield verify({**basic, "headers": {"Authorization": basic_header("ghost", SENTINEL_PASSWORD)}})


def test_failures_never_reveal_a_secret_or_the_expected_signature() -> None:
    results = list(_every_failure())
    assert all(not result.ok for result in results)
    for result in results:
        text = repr(result) + str(result.message)
        assert SENTINEL_PASSWORD not in text
        assert SENTINEL_SECRET not in text
        if result.string_to_sign:
            assert sign(SENTINEL_SECRET, result.string_to_sign) not in text


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        # Authorization keeps the scheme and the access key id only
        pytest.param("Authorization", basic_header("admin", SENTINEL_PASSWORD), "Basic ***", id="basic"),
        pytest.param("authorization", f"{AKSK_SCHEME} AK1:c2ln", f"{AKSK_SCHEME} AK1:***", id="aksk"),
        pytest.param("AUTHORIZATION", "Bearer tok", "Bearer ***", id="bearer"),
        pytest.param("Authorization", SENTINEL_SECRET, "***", id="bare-token"),
        pytest.param("Proxy-Authorization", "Basic eA==", "Basic ***", id="proxy"),
        # cookies and token-like headers are masked whole
        pytest.param("Cookie", f"SESSION={SENTINEL_SECRET}", "***", id="cookie"),
        pytest.param("set-cookie", "SESSION=1; HttpOnly", "***", id="set-cookie"),
        pytest.param("X-Auth-Token", SENTINEL_SECRET, "***", id="x-auth-token"),
        pytest.param("x-api-key", SENTINEL_SECRET, "***", id="api-key"),
        pytest.param("X_SECRET_KEY", SENTINEL_SECRET, "***", id="underscores"),
        # everything else is kept
        pytest.param("Content-Type", "application/json", "application/json", id="content-type"),
        pytest.param("x-ocp-origin", "for-test", "for-test", id="ocp-header"),
        pytest.param("Keep-Alive", "timeout=5", "timeout=5", id="keep-alive"),
    ],
)
def test_redact_headers(name: str, value: str, expected: str) -> None:
    assert redact_headers({name: value, "Date": "D"}) == {name: expected, "Date": "D"}


def _curl_args(command: str) -> list[str]:
    """The argv a shell would run for ``command`` (comment lines dropped)."""
    script = "\n".join(line for line in command.splitlines() if not line.startswith("#"))
    return shlex.split(script.replace("\\\n", ""))


def test_curl_for_basic_masks_the_header_and_says_how_to_supply_credentials() -> None:
    prepared = make_signed(auth=basic_auth("admin", SENTINEL_PASSWORD), json={"shortRpmName": "it's"})
    command = curl_command(prepared.method or "", prepared.url or "", prepared.headers, prepared.body)
    assert SENTINEL_PASSWORD not in command
    assert basic_header("admin", SENTINEL_PASSWORD)[6:] not in command
    assert "-H 'Authorization: Basic ***'" in command
    assert '-u "$OCP_USERNAME:$OCP_PASSWORD"' in command
    args = _curl_args(command)
    assert args[:4] == ["curl", "-X", "POST", BASE_URL + UPGRADE_PATH]
    assert args[-2:] == ["--data-binary", '{"shortRpmName": "it\'s"}']
    assert "Content-Length" not in command


def test_curl_for_aksk_masks_the_signature() -> None:
    prepared = make_signed(params={"token": SENTINEL_SECRET, "a": "1"}, data=b"\xff\x00")
    signature = prepared.headers["Authorization"].rpartition(":")[2]
    command = curl_command(prepared.method or "", prepared.url or "", prepared.headers, prepared.body)
    assert SENTINEL_SECRET not in command
    assert signature not in command
    assert f"-H 'Authorization: {AKSK_SCHEME} {ACCESS_KEY}:***'" in command
    assert "token=***&a=1" in command
    assert _curl_args(command)[-2:] == ["--data-binary", "@body.bin"]


def test_curl_masks_a_password_in_the_url() -> None:
    command = curl_command("GET", f"http://admin:{SENTINEL_PASSWORD}@h:8080/p", {}, None)
    assert _curl_args(command) == ["curl", "-X", "GET", "http://admin:***@h:8080/p"]


def test_reprs_never_show_a_secret() -> None:
    shown = [
        repr(AkSkAuth(ACCESS_KEY, SENTINEL_SECRET)),
        repr(basic_auth("admin", SENTINEL_PASSWORD)),
        repr(CREDENTIALS),
        str(CREDENTIALS),
    ]
    assert all(SENTINEL_SECRET not in text and SENTINEL_PASSWORD not in text for text in shown)
    assert ACCESS_KEY in shown[0]
    assert "admin" in shown[2]


# --------------------------------------------------------------------------- property: signed → verified

_segment = st.text(st.characters(codec="utf-8", exclude_characters="/?#%"), min_size=1, max_size=8)
_text = st.text(st.characters(codec="utf-8"), max_size=12)
_header_value = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12)
_ocp_name = st.from_regex(r"x-ocp-[a-z0-9]{1,8}", fullmatch=True).filter(lambda name: name != "x-ocp-date")


@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
    segments=st.lists(_segment, max_size=4),
    params=st.lists(st.tuples(_text, _text), max_size=5),
    body=st.none() | st.binary(max_size=64),
    ocp_headers=st.dictionaries(_ocp_name, _header_value, max_size=3),
    content_type=st.none() | st.sampled_from(["application/json", "text/plain; charset=utf-8"]),
)
def test_any_signed_request_verifies_and_any_changed_body_does_not(
    method: str,
    segments: list[str],
    params: list[tuple[str, str]],
    body: bytes | None,
    ocp_headers: dict[str, str],
    content_type: str | None,
) -> None:
    headers = {**ocp_headers, **({"Content-Type": content_type} if content_type else {})}
    prepared = make_signed(method, "/" + "/".join(segments), params=params, data=body, headers=headers)
    view = server_view(prepared)
    assert verify(view).ok
    assert verify({**view, "body": (view["body"] or b"") + b"!"}).failure is AuthFailure.WRONG_SIGNATURE


# --------------------------------------------------------------------------- over a real socket


def _checking_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """A WSGI app answering 200 ``ok`` or 401 with the failure id."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else None
    result = verify_wsgi(environ, body, credentials=CREDENTIALS, now=datetime.now(UTC))
    start_response("200 OK" if result.ok else "401 Unauthorized", [("Content-Type", "text/plain")])
    return [b"ok" if result.ok else (result.failure.value if result.failure else "").encode()]


@pytest.fixture
def live_url() -> Iterator[str]:
    server = make_server("127.0.0.1", 0, _checking_app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_signed_requests_verify_on_the_wire(live_url: str) -> None:
    aksk = AkSkAuth(ACCESS_KEY, SENTINEL_SECRET)
    with requests.Session() as session:
        post = session.post(
            live_url + UPGRADE_PATH,
            json={"shortRpmName": "obproxy-1.9.1.1-1919579"},
            params={"t": "2024-04-15T14:29:55+08:00", "q": "a b"},
            headers={"x-ocp-origin": "contract-tests"},
            auth=aksk,
        )
        basic = session.get(
            live_url + "/api/v2/tasks/instances/1", auth=basic_auth("admin", SENTINEL_PASSWORD)
        )
        wrong = session.get(live_url + "/api/v2/tasks/instances/1", auth=AkSkAuth(ACCESS_KEY, "other"))
    assert (post.status_code, post.text) == (200, "ok")
    assert (basic.status_code, basic.text) == (200, "ok")
    assert (wrong.status_code, wrong.text) == (401, AuthFailure.WRONG_SIGNATURE.value)


def test_verify_wsgi_requotes_path_info_when_the_raw_uri_is_unknown() -> None:
    prepared = make_signed("PUT", "/a b/é,1", params={"q": "1"}, json=[1])
    parts = urlsplit(prepared.url or "")
    environ = EnvironBuilder(
        path=parts.path,
        method="PUT",
        query_string=parts.query,
        headers=list(prepared.headers.items()),
        data=prepared.body,
    ).get_environ()
    for raw_uri_key in ("REQUEST_URI", "RAW_URI"):  # as a WSGI server that does not provide them
        environ.pop(raw_uri_key, None)
    assert environ["PATH_INFO"] == "/a b/é,1".encode().decode("latin-1")
    body = prepared.body if isinstance(prepared.body, bytes) else None
    assert verify_wsgi(environ, body, credentials=CREDENTIALS, now=NOW).ok


# --------------------------------------------------------------------------- odds and ends


def test_signing_reads_a_file_body_once() -> None:
    prepared = make_signed(data=io.BytesIO(b"file-body"))
    assert prepared.body == b"file-body"
    assert verify(server_view(prepared)).ok


def test_a_date_without_zone_counts_as_gmt() -> None:
    view = with_header(server_view(make_signed()), "Date", "Mon, 15 Apr 2024 09:25:02 -0000")
    assert verify(view).failure is AuthFailure.WRONG_SIGNATURE  # date accepted, then signature checked


def test_credentials_is_a_read_only_mapping() -> None:
    creds = Credentials({"a": "1"}, b="2")
    assert (len(creds), sorted(creds), creds["b"]) == (2, ["a", "b"], "2")
    assert repr(creds) == "Credentials(names=['a', 'b'])"


def test_curl_for_another_scheme_and_a_text_body() -> None:
    command = curl_command("PUT", "http://h/p", {"Authorization": "Bearer tok"}, "x y")
    assert command.splitlines()[0] == "# Authorization redacted: supply your own credentials"
    auth_header = ["-H", "Authorization: Bearer ***"]
    assert _curl_args(command) == ["curl", "-X", "PUT", "http://h/p", *auth_header, "--data-binary", "x y"]


def test_signing_refuses_a_body_it_cannot_hash() -> None:
    prepared = requests.Request("POST", BASE_URL + UPGRADE_PATH).prepare()
    prepared.body = 42  # type: ignore[assignment]  # what no caller of requests should do
    with pytest.raises(UsageError, match="int"):
        AkSkAuth(ACCESS_KEY, SENTINEL_SECRET, clock=fixed_clock())(prepared)
