"""OCP authentication, the server's side and the wire's: HTTP Basic, checking a request's
credentials, and keeping them out of logs.

The client's AK/SK signature stands on its own in :mod:`contracts.signing` (:class:`AkSkAuth`,
:func:`string_to_sign`), re-exported here; this module adds HTTP Basic for ``requests``
(:func:`basic_auth`), the mock's checks (:func:`verify_request`, :func:`verify_wsgi`, which
return an :class:`AuthResult` instead of raising and call the signer's own helpers, so both ends
sign alike), and :func:`redact_headers` and :func:`curl_command`, which never show a password, a
secret key or a signature.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hmac
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Final
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

from requests.auth import HTTPBasicAuth

from contracts.ocp import is_secret_name
from contracts.signing import (
    AKSK_SCHEME,
    AkSkAuth,
    Clock,
    Query,
    canonical_host,
    http_date,
    lowered_headers,
    parse_query,
    sign,
    signed_date,
    string_to_sign,
)
from contracts.violations import UsageError

__all__ = [
    "AKSK_SCHEME",
    "MAX_CLOCK_SKEW",
    "AkSkAuth",
    "AuthFailure",
    "AuthResult",
    "BasicAuth",
    "Clock",
    "Credentials",
    "Query",
    "basic_auth",
    "canonical_host",
    "curl_command",
    "parse_query",
    "redact_headers",
    "sign",
    "string_to_sign",
    "verify_request",
    "verify_wsgi",
]

#: How far the signed date may be from the server's clock, either way (inclusive).
MAX_CLOCK_SKEW: Final = timedelta(minutes=15)
_MASK: Final = "***"


# --------------------------------------------------------------------------- HTTP Basic (client)


class BasicAuth(HTTPBasicAuth):
    """``requests``' HTTP Basic auth whose repr names the user but never the password."""

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, password={_MASK})"


def basic_auth(username: str, password: str) -> BasicAuth:
    """HTTP Basic credentials for ``requests`` (every OCP version accepts them)."""
    return BasicAuth(username, password)


# --------------------------------------------------------------------------- server side


class AuthFailure(enum.Enum):
    """Why a request was not authenticated; the value is a stable id tooling may match on."""

    NO_CREDENTIALS = "auth.no-credentials"
    MALFORMED_HEADER = "auth.malformed-header"
    UNKNOWN_PRINCIPAL = "auth.unknown-principal"
    WRONG_PASSWORD = "auth.wrong-password"
    WRONG_SIGNATURE = "auth.wrong-signature"
    DATE_MISSING = "auth.date-missing"
    DATE_UNPARSABLE = "auth.date-unparsable"
    DATE_SKEW = "auth.date-skew"


@dataclass(frozen=True, slots=True)
class AuthResult:
    """The outcome of checking one request: ``ok``, or the ``failure`` and a ``message``.

    ``message`` names the user or access key id at most, never a password, secret key or
    signature. ``string_to_sign`` is the server's canonical string for AK/SK requests (no
    secret in it), so a client can diff it against its own.
    """

    ok: bool
    scheme: str = ""
    principal: str = ""
    failure: AuthFailure | None = None
    message: str = ""
    string_to_sign: str = ""

    @classmethod
    def reject(cls, failure: AuthFailure, message: str, **fields: str) -> AuthResult:
        return cls(ok=False, failure=failure, message=message, **fields)


class Credentials(Mapping[str, str]):
    """Read-only map of user → password and access key id → secret key; repr shows names only."""

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Mapping[str, str] | None = None, /, **more: str) -> None:
        self._secrets = {**(secrets or {}), **more}

    def __getitem__(self, name: str) -> str:
        return self._secrets[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._secrets)

    def __len__(self) -> int:
        return len(self._secrets)

    def __repr__(self) -> str:
        return f"Credentials(names={sorted(self._secrets)!r})"


def verify_request(
    method: str,
    path: str,
    query_string: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    credentials: Mapping[str, str],
    now: datetime,
    scheme: str = "http",
) -> AuthResult:
    """Check a request's Basic or AK/SK ``Authorization`` against ``credentials`` at ``now``.

    ``path`` is the path as on the request line (percent-encoded), ``query_string`` the raw
    query without ``?``, ``scheme`` the one the client used (for a port-less ``Host``).
    Secrets are compared with :func:`hmac.compare_digest`.
    """
    if now.tzinfo is None:
        raise UsageError(f"expected a timezone-aware 'now', got naive {now}")
    lowered = lowered_headers(headers)
    auth_scheme, _, token = lowered.get("authorization", "").strip().partition(" ")
    if not auth_scheme:
        return AuthResult.reject(AuthFailure.NO_CREDENTIALS, "no Authorization header: send Basic or AK/SK")
    if auth_scheme.lower() == "basic":
        return _verify_basic(token.strip(), credentials)
    if auth_scheme.upper() == AKSK_SCHEME:
        request = _SignedRequest(method, path, query_string, lowered, body, scheme)
        return _verify_aksk(token.strip(), request, credentials, now)
    return AuthResult.reject(
        AuthFailure.MALFORMED_HEADER,
        f"unsupported Authorization scheme {auth_scheme!r}: use Basic or {AKSK_SCHEME}",
    )


def verify_wsgi(
    environ: Mapping[str, Any], body: bytes | None, *, credentials: Mapping[str, str], now: datetime
) -> AuthResult:
    """:func:`verify_request` for a WSGI ``environ`` (``body`` already read by the app).

    The signed path comes from ``REQUEST_URI`` / ``RAW_URI`` when the server provides them
    (werkzeug and gunicorn do), else from ``SCRIPT_NAME + PATH_INFO`` re-quoted.
    """
    raw = str(environ.get("REQUEST_URI") or environ.get("RAW_URI") or "")
    wsgi_path = f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}"
    path = urlsplit(raw).path if raw else _requote(wsgi_path)
    return verify_request(
        str(environ.get("REQUEST_METHOD", "GET")),
        path or "/",
        str(environ.get("QUERY_STRING", "")),
        _environ_headers(environ),
        body,
        credentials=credentials,
        now=now,
        scheme=str(environ.get("wsgi.url_scheme", "http")),
    )


def _requote(wsgi_path: str) -> str:
    """PEP 3333 paths are bytes decoded as latin-1; quote them back like ``requests`` does."""
    return quote(wsgi_path.encode("latin-1"), safe="/!$&'()*+,;=:@~")


def _environ_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    return headers


def _verify_basic(token: str, credentials: Mapping[str, str]) -> AuthResult:
    malformed = AuthFailure.MALFORMED_HEADER
    try:
        username, sep, password = base64.b64decode(token, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return AuthResult.reject(malformed, "Basic credentials are not base64 of UTF-8 text")
    if not sep:
        return AuthResult.reject(malformed, "Basic credentials lack the ':' between user and password")
    known = credentials.get(username)
    # Compare even for an unknown user, so the time taken does not tell which users exist.
    matches = hmac.compare_digest(password.encode("utf-8"), (known or "").encode("utf-8"))
    if known is None:
        return AuthResult.reject(AuthFailure.UNKNOWN_PRINCIPAL, f"unknown user {username!r}", scheme="Basic")
    if not matches:
        return AuthResult.reject(
            AuthFailure.WRONG_PASSWORD, f"wrong password for user {username!r}", scheme="Basic"
        )
    return AuthResult(ok=True, scheme="Basic", principal=username)


@dataclass(frozen=True, slots=True)
class _SignedRequest:
    """The parts of a request that the AK/SK signature covers, headers lower-cased."""

    method: str
    path: str
    query_string: str
    headers: Mapping[str, str]
    body: bytes | None
    scheme: str

    def to_sign(self) -> str:
        host = canonical_host(self.headers.get("host", ""), self.scheme)
        query = parse_query(self.query_string)
        return string_to_sign(self.method, self.path, query, self.headers, self.body, host)


def _verify_aksk(
    token: str, request: _SignedRequest, credentials: Mapping[str, str], now: datetime
) -> AuthResult:
    access_key, sep, signature = token.partition(":")
    if not (access_key and sep and signature):
        expected = f"expected '{AKSK_SCHEME} <access key id>:<signature>'"
        return AuthResult.reject(AuthFailure.MALFORMED_HEADER, expected, scheme=AKSK_SCHEME)
    fields = {"scheme": AKSK_SCHEME, "principal": access_key}
    secret_key = credentials.get(access_key)
    if secret_key is None:
        return AuthResult.reject(
            AuthFailure.UNKNOWN_PRINCIPAL, f"unknown access key {access_key!r}", **fields
        )
    date_problem = _date_problem(signed_date(request.headers), now)
    if date_problem is not None:
        failure, message = date_problem
        return AuthResult.reject(failure, message, **fields)
    to_sign = request.to_sign()
    if not hmac.compare_digest(signature.encode("utf-8"), sign(secret_key, to_sign).encode("utf-8")):
        message = (
            f"signature does not match for access key {access_key!r}: diff your string to sign with ours"
        )
        return AuthResult.reject(AuthFailure.WRONG_SIGNATURE, message, string_to_sign=to_sign, **fields)
    return AuthResult(ok=True, scheme=AKSK_SCHEME, principal=access_key, string_to_sign=to_sign)


def _date_problem(signed_date: str, now: datetime) -> tuple[AuthFailure, str] | None:
    """Why the signed date is unacceptable at ``now``, or ``None`` when it is fresh enough."""
    if not signed_date:
        return AuthFailure.DATE_MISSING, "AK/SK requests need a Date or x-ocp-date header (RFC 1123, GMT)"
    try:
        signed_at = parsedate_to_datetime(signed_date)
    except (TypeError, ValueError):
        example = "Mon, 15 Apr 2024 09:25:02 GMT"
        return AuthFailure.DATE_UNPARSABLE, f"expected an RFC 1123 date like {example!r}, got {signed_date!r}"
    if signed_at.tzinfo is None:
        signed_at = signed_at.replace(tzinfo=UTC)
    skew = abs(now - signed_at)
    if skew > MAX_CLOCK_SKEW:
        return AuthFailure.DATE_SKEW, (
            f"date {signed_date!r} is {int(skew.total_seconds())} s from server time {http_date(now)!r}; "
            f"at most {int(MAX_CLOCK_SKEW.total_seconds())} s allowed"
        )
    return None


# --------------------------------------------------------------------------- secret hygiene


_AUTHORIZATION_HEADERS: Final = frozenset({"authorization", "proxy-authorization"})


def _mask_authorization(value: str) -> str:
    """Keep the scheme (and an AK/SK access key id); mask everything else."""
    auth_scheme, sep, token = value.strip().partition(" ")
    if not sep:
        return _MASK
    if auth_scheme.upper() == AKSK_SCHEME and ":" in token:
        return f"{auth_scheme} {token.strip().partition(':')[0]}:{_MASK}"
    return f"{auth_scheme} {_MASK}"


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` safe to log: credentials, cookies and token-like headers masked.

    ``Authorization: Basic ***``, ``Authorization: OCP-ACCESS-KEY-HMACSHA1 AK:***``; names are
    matched case-insensitively and kept as given.
    """
    redacted: dict[str, str] = {}
    for name, value in headers.items():
        if name.lower() in _AUTHORIZATION_HEADERS:
            redacted[name] = _mask_authorization(value)
        elif is_secret_name(name):
            redacted[name] = _MASK
        else:
            redacted[name] = value
    return redacted


def _redact_url(url: str) -> str:
    """``url`` with a password in the user info and secret-looking query values masked."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username}:{_MASK}@{netloc.rpartition('@')[2]}"
    query = "&".join(_redact_query_item(item) for item in parts.query.split("&")) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redact_query_item(item: str) -> str:
    name, sep, _ = item.partition("=")
    return f"{name}={_MASK}" if sep and is_secret_name(unquote_plus(name)) else item


_CURL_SKIPPED_HEADERS: Final = frozenset({"content-length"})


def curl_command(method: str, url: str, headers: Mapping[str, str], body: bytes | str | None) -> str:
    """A shell-quoted ``curl`` that reproduces a request, with every credential redacted.

    Comment lines above the command say how to supply the credentials again: Basic via
    ``-u "$OCP_USERNAME:$OCP_PASSWORD"`` in place of the masked header, AK/SK by re-signing
    (the signature covers the date and expires). ``Content-Length`` is left to curl.
    """
    redacted = redact_headers(headers)
    args = ["curl", "-X", shlex.quote(method), shlex.quote(_redact_url(url))]
    for name, value in redacted.items():
        if name.lower() not in _CURL_SKIPPED_HEADERS:
            args += ["-H", shlex.quote(f"{name}: {value}")]
    notes = list(_credential_notes(redacted))
    if body:
        data, note = _curl_data(body)
        args += ["--data-binary", data]
        notes += [note] if note else []
    return "\n".join([*notes, " \\\n  ".join(_pair_options(args))])


def _pair_options(args: list[str]) -> list[str]:
    """``curl -X POST 'url'`` on the first line, then one ``-H`` / ``--data-binary`` per line."""
    lines, rest = [" ".join(args[:4])], args[4:]
    lines += [f"{option} {value}" for option, value in zip(rest[::2], rest[1::2], strict=True)]
    return lines


def _credential_notes(redacted: Mapping[str, str]) -> Iterator[str]:
    for name, value in redacted.items():
        if name.lower() != "authorization":
            continue
        if value.lower().startswith("basic "):
            yield (
                f"# {name} redacted: replace the -H '{name}: Basic {_MASK}' line with "
                '-u "$OCP_USERNAME:$OCP_PASSWORD"'
            )
        elif value.upper().startswith(AKSK_SCHEME):
            yield (
                f"# {name} redacted: re-sign with your secret key; the {AKSK_SCHEME} signature covers "
                "the date, which must be within 15 minutes of the server's clock"
            )
        else:
            yield f"# {name} redacted: supply your own credentials"


def _curl_data(body: bytes | str) -> tuple[str, str]:
    """The quoted ``--data-binary`` argument and a note when the body is not printable text."""
    if isinstance(body, str):
        return shlex.quote(body), ""
    try:
        return shlex.quote(body.decode("utf-8")), ""
    except UnicodeDecodeError:
        return "@body.bin", f"# body: {len(body)} bytes of binary data, not shown; save them as body.bin"
