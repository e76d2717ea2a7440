"""Which requests a correct OCP must reject before it acts, and why — one answer for two users.

The safety guard (:mod:`contracts.run.wire.safety`) lets such a request reach a live OCP in safe
mode; the ``ocp_http`` check (:mod:`contracts.run.judging.http_rules`) fails a server that answers one of
them with 2xx. Both ask :func:`assess` about the request exactly as it goes on the wire.

"Certain to be rejected" is read the way OCP's Spring MVC and Jackson stack reads a request; where
the two could disagree the answer is *not certain*, and the guard blocks. Each reason
(:class:`Rejection`) is decided, with its why, by the helper below that reads that part.
"""

from __future__ import annotations

import enum
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import requests

from contracts.auth import verify_request

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_OVERRIDE_HEADERS = ("x-http-method-override", "x-http-method", "x-method-override")
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
#: Blank for ``String.trim()`` (chars <= U+0020) *and* for ``Character.isWhitespace``.
_JAVA_BLANK = frozenset(" \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f")
_JSON_SPACE = " \t\r\n\ufeff"
_HEX = re.compile(r"[0-9a-f]+")


class Rejection(enum.Enum):
    """Why the contract says OCP refuses a request, the status it answers with, and whether the
    refusal is *certain* — true for all but a non-JSON Content-Type: a server configured with a
    lenient message converter would read a JSON body sent as ``text/plain`` anyway, so the
    ``ocp_http`` check holds a server to 415 but that reason alone never lets a request past the guard."""

    NO_CREDENTIALS = ("no credentials", 401, True)
    WRONG_CREDENTIALS = ("credentials that are not the run's own", 401, True)
    UNSUPPORTED_METHOD = ("a method the route does not serve", 405, True)
    MALFORMED_ID = ("a path id that is not a Long", 400, True)
    UNSUPPORTED_MEDIA_TYPE = ("a Content-Type that is not JSON", 415, False)
    MISSING_BODY = ("no body", 400, True)
    UNREADABLE_BODY = ("a body that is not JSON", 400, True)
    NOT_AN_OBJECT = ("a body that is not a JSON object", 400, True)
    MISSING_PACKAGE = ("a body without shortRpmName", 400, True)
    BLANK_PACKAGE = ("a blank, null or non-text shortRpmName", 400, True)

    @property
    def description(self) -> str:
        return str(self.value[0])

    @property
    def status(self) -> int:
        return int(self.value[1])

    @property
    def certain(self) -> bool:
        return bool(self.value[2])

    @property
    def is_auth(self) -> bool:
        return self in (Rejection.NO_CREDENTIALS, Rejection.WRONG_CREDENTIALS)


class Kind(enum.Enum):
    """What a request would do to the OCP if it were served."""

    READ_ONLY = "read-only"
    UPGRADE = "could start an upgrade"
    CONTROL = "could retry, roll back, skip or cancel a task's work"
    WRITE = "not read-only"


class CredentialsCase(enum.Enum):
    """Whose credentials a request carries."""

    OURS = "the run's own credentials"
    ABSENT = "no credentials"
    OTHER = "credentials that are not the run's own"
    UNKNOWN = "credentials that cannot be told apart (a cookie, or no known credentials)"


@dataclass(frozen=True, slots=True)
class WireRequest:
    """A request as it goes on the wire: method, URL, headers (lower-cased names), body bytes."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None

    @classmethod
    def from_prepared(cls, prepared: requests.PreparedRequest) -> WireRequest:
        body: Any = prepared.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is not None and not isinstance(body, bytes):
            body = None  # a stream: never sent by this suite; treated as "no certainty" below
        headers = {name.lower(): str(value) for name, value in prepared.headers.items()}
        return cls((prepared.method or "GET").upper(), prepared.url or "", headers, body)

    @property
    def effective_method(self) -> str:
        """The method the server acts on, honouring method-override headers."""
        for name in _OVERRIDE_HEADERS:
            value = self.headers.get(name, "").strip().upper()
            if value:
                return value
        return self.method.upper()


@dataclass(frozen=True, slots=True)
class UpgradeCall:
    """The parts of an upgrade request that name what it would upgrade, as sent (decoded)."""

    cluster_id: str
    obproxy_ids: str
    packages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ControlTarget:
    """What a control call (task retry/rollback, subtask retry/skip/cancel) acts on, as sent."""

    route: str  #: short name in ``contracts.ocp.LIFECYCLE_ROUTES`` (``task-retry``, …)
    task_id: str
    subtask_id: str | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    """What a request would do (:class:`Kind`), every reason the contract says OCP refuses it (in
    OCP's order: credentials first), and the upgrade it names."""

    kind: Kind
    rejections: tuple[Rejection, ...] = ()
    upgrade: UpgradeCall | None = None
    control: ControlTarget | None = None

    @property
    def rejection(self) -> Rejection | None:
        """The reason OCP gives first (what the contract expects it to answer)."""
        return self.rejections[0] if self.rejections else None

    @property
    def certain(self) -> Rejection | None:
        """The first reason that makes a refusal *certain*, or ``None``."""
        return next((r for r in self.rejections if r.certain), None)

    @property
    def detail(self) -> str:
        reason = self.certain or self.rejection
        if reason is None:
            return self.kind.value
        certainty = "certain to be refused" if reason.certain else "refused by a correct OCP"
        return f"{self.kind.value}, {certainty}: {reason.description} ({reason.status})"


# --------------------------------------------------------------------------- credentials


def credentials_of(
    request: WireRequest, known: Mapping[str, str] | None, *, now: datetime | None = None
) -> CredentialsCase:
    """Whose credentials ``request`` carries, checked with :func:`contracts.auth.verify_request`.

    A ``Cookie`` makes them unknown (a session could authenticate), so no 401 is then certain.
    """
    if "cookie" in request.headers:
        return CredentialsCase.UNKNOWN
    authorization = request.headers.get("authorization", "").strip()
    if not authorization:
        return CredentialsCase.ABSENT
    if not known:
        return CredentialsCase.UNKNOWN
    parts = urlsplit(request.url)
    result = verify_request(
        request.method,
        parts.path or "/",
        parts.query,
        request.headers,
        request.body or None,
        credentials=known,
        now=now or datetime.now(UTC),
        scheme=parts.scheme or "http",
    )
    return CredentialsCase.OURS if result.ok else CredentialsCase.OTHER


# --------------------------------------------------------------------------- paths


def path_segments(url: str) -> list[str]:
    """Decoded path segments as Spring routes them: ``;params`` removed, dot segments resolved."""
    raw = urlsplit(url).path
    segments = [unquote(segment.split(";", 1)[0]) for segment in raw.split("/")]
    resolved: list[str] = []
    for segment in segments:
        if segment in ("", "."):
            continue
        if segment == "..":
            if resolved:
                resolved.pop()
            continue
        resolved.append(segment)
    return resolved


def _match(segments: list[str], template: tuple[str, ...]) -> dict[str, str] | None:
    """Match the tail of ``segments`` against ``template`` (``{name}`` captures, literals ignore case)."""
    if len(segments) < len(template):
        return None
    captured: dict[str, str] = {}
    for segment, expected in zip(segments[-len(template) :], template, strict=True):
        if expected.startswith("{"):
            captured[expected.strip("{}")] = segment
        elif segment.lower() != expected:
            return None
    return captured


_UPGRADE_ROUTE = ("obproxy", "clusters", "{id}", "obproxies", "{obproxyIds}", "upgrade")
_TASK_ROUTE = ("tasks", "instances", "{taskInstanceId}")
_SUBTASK_ROUTE = (*_TASK_ROUTE, "subtasks", "{subtaskInstanceId}")
#: The control calls' routes (``contracts.ocp.LIFECYCLE_ROUTES``) as path templates, by short name.
_CONTROL_ROUTES = {
    "task-retry": (*_TASK_ROUTE, "retry"),
    "task-rollback": (*_TASK_ROUTE, "rollback"),
    "subtask-retry": (*_SUBTASK_ROUTE, "retry"),
    "subtask-skip": (*_SUBTASK_ROUTE, "skip"),
    "subtask-cancel": (*_SUBTASK_ROUTE, "cancel"),
}


def control_target(url: str) -> tuple[ControlTarget, dict[str, str]] | None:
    """The control call ``url`` names (and its path ids), whatever the method; else ``None``.

    Matched on the path's tail, as the upgrade route is: a prefix cannot hide one."""
    segments = path_segments(url)
    for route, template in _CONTROL_ROUTES.items():
        ids = _match(segments, template)
        if ids is not None:
            return ControlTarget(route, ids["taskInstanceId"], ids.get("subtaskInstanceId")), ids
    return None


def upgrade_path_ids(url: str) -> dict[str, str] | None:
    """``{"id": ..., "obproxyIds": ...}`` when ``url`` is the upgrade route, else ``None``."""
    return _match(path_segments(url), _UPGRADE_ROUTE)


def _mentions_upgrade(url: str) -> bool:
    """Whether a path could reach an upgrade route under some other spelling (it says "upgrade")."""
    return "upgrade" in unquote(unquote(urlsplit(url).path)).lower()


# --------------------------------------------------------------------------- Long conversion


class _Long(enum.Enum):
    OK = "ok"
    EMPTY = "empty"
    MALFORMED = "malformed"


def spring_long(text: str) -> _Long:
    """How Spring's ``NumberUtils.parseNumber`` (whitespace removed, hex allowed) takes ``text``.

    Spring is lenient — it removes all whitespace, takes ``+``/``-``, hexadecimal (``0x1F``,
    ``#1F``) and any Unicode decimal digits — so only text that fails every one of these, or a
    value beyond int64, is malformed. ``0`` and negative ids convert fine: not certain rejections.
    """
    compact = unicodedata.normalize("NFKC", "".join(ch for ch in text if not ch.isspace()))
    if not compact:
        return _Long.EMPTY
    sign, digits = (compact[0], compact[1:]) if compact[0] in "+-" else ("", compact)
    base = 10
    if digits[:2].lower() == "0x" or digits[:1] == "#":
        base, digits = 16, digits[2:] if digits[:1] == "0" else digits[1:]
        if not _HEX.fullmatch(digits.lower()):
            return _Long.MALFORMED
    elif not digits or "_" in digits or not digits.isdecimal():
        return _Long.MALFORMED
    value = int(sign + digits, base)
    return _Long.OK if _LONG_MIN <= value <= _LONG_MAX else _Long.MALFORMED


def _ids_malformed(path_ids: Mapping[str, str]) -> bool:
    """Whether Spring certainly fails to convert one of the path ids (``obproxyIds`` item by item;
    an empty item, as in ``1,,2``, is not a certain rejection)."""
    for name, text in path_ids.items():
        items = text.split(",") if name == "obproxyIds" else [text]
        if any(spring_long(item) is _Long.MALFORMED for item in items):
            return True
    return False


# --------------------------------------------------------------------------- the body


class _Object(list[tuple[str, Any]]):
    """A JSON object as its (name, value) pairs, so duplicate names are all seen."""


_DECODER = json.JSONDecoder(object_pairs_hook=_Object)
_UNREADABLE = object()
_UNCERTAIN = object()


def _leading_json(body: bytes) -> Any:
    """The first JSON value of ``body`` as Jackson reads it, :data:`_UNREADABLE` or :data:`_UNCERTAIN`.

    Jackson reads the first value and ignores what follows, so ``{…} trailing`` is readable.
    """
    try:
        text = body.decode(json.detect_encoding(body), errors="replace").lstrip(_JSON_SPACE)
        return _DECODER.raw_decode(text)[0]
    except ValueError:
        return _UNREADABLE
    except RecursionError:
        return _UNCERTAIN


def _usable(value: Any) -> bool:
    """Whether Jackson could turn ``value`` into a non-blank ``String``: not null, not an object,
    not blank by *both* Java definitions (``String.trim()`` and ``Character.isWhitespace``)."""
    if isinstance(value, _Object) or value is None:
        return False
    if isinstance(value, str):
        return any(ch not in _JAVA_BLANK for ch in value)
    if isinstance(value, list):
        return any(_usable(item) for item in value if not isinstance(item, list))
    return True  # numbers and booleans are coerced to their text


def _package_key(name: str) -> bool:
    """Whether ``name`` is ``shortRpmName`` to Jackson here: case, ``_`` and ``-`` ignored."""
    return name.casefold().replace("_", "").replace("-", "") == "shortrpmname"


def _object_rejection(pairs: _Object) -> Rejection | None:
    values = [value for name, value in pairs if _package_key(name)]
    if not values:
        return Rejection.MISSING_PACKAGE
    return None if any(_usable(value) for value in values) else Rejection.BLANK_PACKAGE


def _document_rejection(document: Any) -> Rejection | None:
    """Why the body's first JSON value is refused: unreadable, ``null``, or not an object — an
    array counts as one when one of its items would do (``UNWRAP_SINGLE_VALUE_ARRAYS``)."""
    if document is _UNCERTAIN:
        return None
    if document is _UNREADABLE:
        return Rejection.UNREADABLE_BODY
    if document is None:
        return Rejection.MISSING_BODY
    if isinstance(document, _Object):
        return _object_rejection(document)
    if isinstance(document, list) and any(
        isinstance(item, _Object) and _object_rejection(item) is None for item in document
    ):
        return None
    return Rejection.NOT_AN_OBJECT


def body_rejections(headers: Mapping[str, str], body: bytes | None) -> tuple[Rejection, ...]:
    """Why the contract refuses an upgrade body (``headers`` lower-cased): the media type, then the
    document — judged as JSON whatever the Content-Type says."""
    found: list[Rejection] = []
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media and "json" not in media:
        found.append(Rejection.UNSUPPORTED_MEDIA_TYPE)
    if body is None or not body.strip(_JSON_SPACE.encode("utf-8")):
        found.append(Rejection.MISSING_BODY)
    else:
        document = _document_rejection(_leading_json(body))
        found += [document] if document is not None else []
    return tuple(found)


def packages_named(body: bytes | None) -> tuple[str, ...]:
    """Every ``shortRpmName`` text a body carries (for matching the permitted upgrade target)."""
    document = _leading_json(body) if body else None
    if not isinstance(document, _Object):
        return ()
    return tuple(str(value) for name, value in document if _package_key(name))


# --------------------------------------------------------------------------- assessment


def _auth_rejections(credentials: CredentialsCase) -> tuple[Rejection, ...]:
    if credentials is CredentialsCase.ABSENT:
        return (Rejection.NO_CREDENTIALS,)
    if credentials is CredentialsCase.OTHER:
        return (Rejection.WRONG_CREDENTIALS,)
    return ()


def _kind(request: WireRequest, is_upgrade_route: bool) -> Kind:
    method = request.effective_method
    if method in READ_ONLY_METHODS:
        return Kind.READ_ONLY
    if (is_upgrade_route and method == "POST") or (not is_upgrade_route and _mentions_upgrade(request.url)):
        return Kind.UPGRADE
    return Kind.WRITE


def _upgrade_rejections(
    request: WireRequest, path_ids: dict[str, str], *, upgrade_body: bool
) -> tuple[Rejection, ...]:
    """Anything but ``POST`` is 405 (an override header counts as the method it names); else the
    path ids (400), then the body and media type when this OCP's upgrade takes a body."""
    if request.effective_method != "POST":
        return (Rejection.UNSUPPORTED_METHOD,)
    malformed = (Rejection.MALFORMED_ID,) if _ids_malformed(path_ids) else ()
    if not upgrade_body:
        return malformed  # before 4.0.3 the body is not read: nothing in it is refused
    return malformed + body_rejections(request.headers, request.body)


def assess(request: WireRequest, credentials: CredentialsCase, *, upgrade_body: bool = True) -> Assessment:
    """What ``request`` would do to an OCP, and why a correct one refuses it, given whose
    ``credentials`` it carries (checked first).

    ``upgrade_body=False`` (from ``--ocp-version``) is for OCP 3.1.1 and 4.0.0, which document no
    upgrade body: the upgrade without one is the documented request, and a body they do not read
    cannot make them refuse. Their upgrade is refused only for its credentials, method or path ids,
    so a body-less upgrade is *not* certain to be refused and safe mode keeps it from the OCP.
    """
    found = _auth_rejections(credentials)
    upgrade_ids = upgrade_path_ids(request.url)
    if upgrade_ids is not None:
        call = UpgradeCall(upgrade_ids["id"], upgrade_ids["obproxyIds"], packages_named(request.body))
        refused = _upgrade_rejections(request, upgrade_ids, upgrade_body=upgrade_body)
        return Assessment(_kind(request, True), found + refused, call)
    control = control_target(request.url)
    if control is not None and request.effective_method not in READ_ONLY_METHODS:
        target, ids = control
        refused = (Rejection.UNSUPPORTED_METHOD,) if request.effective_method != "POST" else ()
        refused += (Rejection.MALFORMED_ID,) if _ids_malformed(ids) else ()
        return Assessment(Kind.CONTROL, found + refused, control=target)
    task_ids = _match(path_segments(request.url), _TASK_ROUTE)
    if task_ids is not None and _ids_malformed(task_ids):
        found += (Rejection.MALFORMED_ID,)
    return Assessment(_kind(request, False), found)
