"""OCP's AK/SK request signature, on its own: a ``requests`` auth class for any script.

OCP (4.0.3 and later) authenticates a request signed with an access key id and a secret key::

    import requests
    from contracts.signing import AkSkAuth

    auth = AkSkAuth("my-access-key-id", os.environ["OCP_SECRET_KEY"])
    requests.get("https://ocp:8080/api/v2/tasks/instances/33150", auth=auth, timeout=10)

:class:`AkSkAuth` sets ``Date`` and ``Host``, and ``Authorization: OCP-ACCESS-KEY-HMACSHA1
{AK}:{signature}``, where ``signature = Base64(HMAC-SHA1(SK, string_to_sign))`` and
:func:`string_to_sign` joins the method, the body's MD5, the Content-Type, the date, ``host:port``,
the ``x-ocp-*`` headers and the sorted, encoded path and query (OCP's docs; their vector is pinned
in ``tests/test_signing.py``). Where the docs are silent, each choice is made in one helper that
the mock's verifier (:mod:`contracts.auth`) calls too, so both ends agree.

The module needs only the standard library and ``requests``, and never shows the secret key:
not in ``repr``, not in an error message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Final
from urllib.parse import SplitResult, parse_qsl, quote, urlsplit

import requests
from requests.auth import AuthBase

from contracts.violations import UsageError

__all__ = [
    "AKSK_SCHEME",
    "AkSkAuth",
    "canonical_host",
    "parse_query",
    "sign",
    "string_to_sign",
]

AKSK_SCHEME: Final = "OCP-ACCESS-KEY-HMACSHA1"
_MASK: Final = "***"
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}

Query = Mapping[str, str] | Iterable[tuple[str, str]]
Clock = Callable[[], datetime]


# --------------------------------------------------------------------------- canonical string


def string_to_sign(
    method: str, path: str, query: Query, headers: Mapping[str, str], body: bytes | None, host: str
) -> str:
    """The AK/SK canonical string for one request (OCP docs 4.0.3 on): seven lines joined with
    ``"\\n"``, no trailing newline — the method as sent, the body's MD5, the Content-Type (``""``
    when absent), the date, ``host:port``, the ``x-ocp-*`` lines (``""`` when none), and the path
    and query. OCP's documented vector, string and signature, is pinned in ``tests/test_auth.py``.

    ``query`` holds *decoded* name/value pairs (see :func:`parse_query`); ``headers`` are read
    case-insensitively for Content-Type, the date and the ``x-ocp-*`` lines; ``host`` is used
    as given (see :func:`canonical_host`).
    """
    lowered = lowered_headers(headers)
    return "\n".join(
        [
            method,
            _body_md5(body),
            lowered.get("content-type", "").strip(),
            signed_date(lowered),
            host,
            _ocp_header_lines(lowered),
            _path_and_query(path, query),
        ]
    )


def sign(secret_key: str, to_sign: str) -> str:
    """``Base64(HMAC-SHA1(secret_key, to_sign))``, both UTF-8 encoded."""
    digest = hmac.new(secret_key.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def parse_query(query_string: str) -> list[tuple[str, str]]:
    """Decoded ``(name, value)`` pairs of a raw query string, blanks kept, in wire order."""
    return parse_qsl(query_string, keep_blank_values=True)


def canonical_host(host: str, scheme: str = "http") -> str:
    """``host:port`` with the scheme's default port added when ``host`` has none.

    IPv6 literals keep their brackets (``[::1]:8080``). Both ends call this, so
    ``127.0.0.1`` and ``127.0.0.1:80`` sign alike over http: :class:`AkSkAuth` sends the exact
    ``Host`` it signed (a server reading the header verbatim sees it), and the verifier adds the
    default port to a port-less ``Host`` before checking.
    """
    host = host.strip()
    if _has_port(host):
        return host
    port = _DEFAULT_PORTS.get(scheme.lower())
    if port is None:
        raise UsageError(f"expected scheme http or https to infer the port of Host {host!r}, got {scheme!r}")
    return f"{host}:{port}"


def _has_port(host: str) -> bool:
    tail = host.rsplit("]", 1)[-1]  # what follows an IPv6 literal, or the whole host
    return ":" in tail


def lowered_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _body_md5(body: bytes | None) -> str:
    """MD5 of the body as 32 upper-case hex digits; an empty body counts as no body (``""``)."""
    return hashlib.md5(body, usedforsecurity=False).hexdigest().upper() if body else ""


def signed_date(lowered: Mapping[str, str]) -> str:
    """The date the signature covers: ``x-ocp-date`` when sent, else ``Date``; ``""`` if neither.

    ``x-ocp-date`` wins (as ``x-ms-date`` does for Azure) because proxies may rewrite ``Date``;
    it is also signed as an ``x-ocp-*`` line.
    """
    return lowered.get("x-ocp-date", lowered.get("date", "")).strip()


def _ocp_header_lines(lowered: Mapping[str, str]) -> str:
    """``name:value`` per ``x-ocp-*`` header, sorted: names lower-case (WSGI loses their case
    anyway), values stripped of surrounding whitespace."""
    ocp = sorted((name, value.strip()) for name, value in lowered.items() if name.startswith("x-ocp-"))
    return "\n".join(f"{name}:{value}" for name, value in ocp)


def _path_and_query(path: str, query: Query) -> str:
    """The path as on the request line (still percent-encoded, never decoded), then the query.

    The pairs arrive decoded (``+`` and ``%XX``, as a servlet container decodes them), are sorted
    by name (stable: repeated names keep their order) and each name and value is re-encoded with
    ``quote(s, safe="")``: RFC 3986 unreserved characters stay, everything else becomes upper-case
    ``%XX`` of its UTF-8 bytes (space → ``%20``). The vector pins ``:`` ``,`` ``+`` but cannot
    tell this from ``quote_plus`` (they differ on space only). A blank value is ``name=``; no
    pairs means no ``?``.
    """
    pairs = list(query.items()) if isinstance(query, Mapping) else list(query)
    if not pairs:
        return path
    ordered = sorted(pairs, key=lambda pair: pair[0])
    return path + "?" + "&".join(f"{_encode(name)}={_encode(value)}" for name, value in ordered)


def _encode(text: str) -> str:
    return quote(text, safe="")


# --------------------------------------------------------------------------- client side


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AkSkAuth(AuthBase):
    """Signs a ``requests.PreparedRequest`` with OCP's AK/SK scheme, at the last moment.

    On each call it sets ``Date`` (RFC 1123, GMT, from ``clock``) unless ``Date`` or
    ``x-ocp-date`` is already there, turns a ``str`` or streamed body into the UTF-8 bytes that
    will be sent (so the MD5 covers them), sets ``Host`` to the explicit ``host:port`` it
    signs, and adds ``Authorization: OCP-ACCESS-KEY-HMACSHA1 {AK}:{signature}``.

    A signature covers one request: a redirect to another path or a retry after 15 minutes
    needs a new one (``requests`` re-sends the old header on same-host redirects).
    """

    def __init__(self, access_key: str, secret_key: str, *, clock: Clock = _utc_now) -> None:
        if not access_key or ":" in access_key or any(ch.isspace() for ch in access_key):
            raise UsageError(f"expected an access key id without ':' or spaces, got {access_key!r}")
        if not secret_key:
            raise UsageError("expected a non-empty secret key, got an empty one")
        self.access_key = access_key
        self._secret_key = secret_key
        self._clock = clock

    def __repr__(self) -> str:
        return f"AkSkAuth(access_key={self.access_key!r}, secret_key={_MASK})"

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        body = _body_bytes(r)
        if body is not None:
            r.body = body
            r.headers.pop("Transfer-Encoding", None)
            r.prepare_content_length(body)
        parts = urlsplit(r.url or "")
        if "Date" not in r.headers and "x-ocp-date" not in r.headers:
            r.headers["Date"] = http_date(self._clock())
        r.headers["Host"] = canonical_host(r.headers.get("Host") or _netloc_host(parts), parts.scheme)
        to_sign = string_to_sign(
            r.method or "GET", parts.path or "/", parse_query(parts.query), r.headers, body, r.headers["Host"]
        )
        r.headers["Authorization"] = f"{AKSK_SCHEME} {self.access_key}:{sign(self._secret_key, to_sign)}"
        return r


def _body_bytes(r: requests.PreparedRequest) -> bytes | None:
    """The exact bytes ``r`` will send, reading a file or generator body once."""
    body: Any = r.body
    if body is None or isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return _as_bytes(body.read())
    if isinstance(body, Iterable):
        return b"".join(_as_bytes(chunk) for chunk in body)
    raise UsageError(f"expected a bytes, str, file or iterable body to sign, got {type(body).__name__}")


def _as_bytes(chunk: bytes | str) -> bytes:
    return chunk.encode("utf-8") if isinstance(chunk, str) else chunk


def _netloc_host(parts: SplitResult) -> str:
    """The host (and port, when the URL has one) without user info, IPv6 kept in brackets."""
    hostname = parts.hostname or ""
    host = f"[{hostname}]" if ":" in hostname else hostname
    return f"{host}:{parts.port}" if parts.port is not None else host


def http_date(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise UsageError(f"expected the clock to return a timezone-aware datetime, got naive {moment}")
    return format_datetime(moment.astimezone(UTC), usegmt=True)
