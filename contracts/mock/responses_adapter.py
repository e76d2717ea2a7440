"""The mock behind ``responses``: code built on ``requests`` talks to it with no sockets.

:func:`mock_responses` registers one callback per HTTP method on a ``responses.RequestsMock``
for every URL under ``base_url`` (a regex), turns each ``requests.PreparedRequest`` into a WSGI
environ and answers with the mock. The ``Host`` header and the raw request line path are kept
exactly as sent, and so is the body: its bytes become the WSGI input stream as they are, never
werkzeug's ``data=`` (which re-encodes an empty ``multipart/form-data`` or form body with a
boundary of its own), so AK/SK signatures verify as they would over a socket. Because ``responses``
patches ``requests``' adapter, schemathesis' ``case.call()`` reaches the mock this way too.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
import responses
from werkzeug.test import EnvironBuilder, run_wsgi_app

from contracts.mock.app import MockOCP
from contracts.violations import UsageError

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "QUERY")


def _body_bytes(request: requests.PreparedRequest) -> bytes:
    body: Any = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes):
        return body
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return b"".join(c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in body)


def _callback(mock: MockOCP) -> Any:
    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(request.url or "")
        headers = dict(request.headers)
        headers.setdefault("Host", parts.netloc)
        body = _body_bytes(request)
        builder = EnvironBuilder(
            method=request.method or "GET",
            base_url=f"{parts.scheme}://{parts.netloc}",
            path=parts.path or "/",
            query_string=parts.query,
            headers=list(headers.items()),
            input_stream=io.BytesIO(body),
            content_length=len(body),
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        environ["REQUEST_URI"] = parts.path + (f"?{parts.query}" if parts.query else "")
        app_iter, status, response_headers = run_wsgi_app(mock, environ)
        try:
            content = b"".join(app_iter)
        finally:
            getattr(app_iter, "close", lambda: None)()
        return int(status.split()[0]), {k: v for k, v in response_headers.items()}, content

    return answer


def install(rsps: responses.RequestsMock, mock: MockOCP, base_url: str = DEFAULT_BASE_URL) -> None:
    """Route every method and path under ``base_url`` on ``rsps`` to ``mock``."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise UsageError(
            f"expected a base URL like {DEFAULT_BASE_URL} (scheme and host, no path), got {base_url!r}"
        )
    pattern = re.compile(re.escape(f"{parts.scheme}://{parts.netloc}") + r"(?:[/?].*)?\Z")
    callback = _callback(mock)
    for method in _METHODS:
        rsps.add_callback(method, pattern, callback=callback, content_type=None)


@contextmanager
def mock_responses(
    mock: MockOCP | None = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    assert_all_requests_are_fired: bool = False,
) -> Iterator[MockOCP]:
    """Serve ``mock`` (a fresh default one when ``None``) at ``base_url`` for ``requests``, no sockets.

    >>> with mock_responses() as ocp:
    ...     requests.get("http://127.0.0.1:8080/api/v2/tasks/instances", auth=("admin", "ocp-demo-admin"))
    """
    mock = mock or MockOCP()
    with responses.RequestsMock(assert_all_requests_are_fired=assert_all_requests_are_fired) as rsps:
        install(rsps, mock, base_url)
        yield mock
