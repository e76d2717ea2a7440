"""Request parameters converted the way OCP's Spring MVC converts them, with its failures.

* Path and query ids are Java Longs: ASCII digits only (no sign, spaces, ``_`` or non-ASCII
  digits, which Python's ``int()`` would accept), 1 to 2^63−1; anything else is a 400 type
  mismatch. The spec declares ids ``minimum: 1``, so 0 is refused here although OCP would
  answer 404 for it.
* ``obproxyIds`` is comma-separated (``1,2``). Empty items (``1,,2``, a trailing comma) are 400
  (not a list of Longs). A repeated id (``1,1``) counts once, keeping the first position: the
  spec does not declare ``uniqueItems``, so a repeat is schema-valid and must be accepted, and a
  task upgrades each server once (OCP looks its servers up as a set).
* The upgrade body follows Jackson: the Content-Type must be JSON (``application/json`` or
  ``application/*+json``; none at all with a body, or anything else, is 415; none without a body
  is the 400 of a missing body); it must be a JSON object; unknown properties are ignored; a
  number or boolean ``shortRpmName`` is coerced to its JSON text; an array or object is 400;
  ``null``, absent or blank fails ``@NotBlank`` (400). ``NaN``/``Infinity`` are not JSON (400).
* List queries: ``status`` (repeatable, or comma-separated as Spring also splits) and ``type``
  must be enum values, ``page`` ≥ 1, ``size`` 1–2000; an unknown ``sort`` property or direction
  falls back to the default order (newest first) rather than failing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from contracts.mock import api_errors as errors
from contracts.ocp import TASK_STATUSES, TASK_TYPES

_INT64_MAX = 2**63 - 1
_INT32_MAX = 2**31 - 1
_SIGNED = re.compile(r"-?[0-9]+")
_JSON_MEDIA = re.compile(r"application/(?:[a-z0-9.+-]+\+)?json", re.IGNORECASE)

SORT_PROPERTIES = ("id", "name", "status", "createTime", "startTime", "finishTime")


def parse_id(text: str, name: str) -> int:
    """A path or query id: a Long from 1 to 2^63−1, else 400 naming the parameter."""
    if not _SIGNED.fullmatch(text):
        raise errors.invalid_parameter(name, text, f"expected an integer id, got {text!r}")
    value = int(text)
    if value < 1:  # a Long that converts but fails @Min(1), as OCP's bean validation says it
        raise errors.invalid_parameter(name, text, "must be greater than or equal to 1")
    if value > _INT64_MAX:
        raise errors.invalid_parameter(name, text, f"expected an id from 1 to {_INT64_MAX}")
    return value


def parse_id_list(text: str, name: str) -> tuple[int, ...]:
    """``1`` or ``1,2``: each item a Long id, no empty items; repeats count once."""
    ids: dict[int, None] = {}  # ordered and O(1) membership: the path may hold thousands of ids
    for item in text.split(","):
        if item == "":
            raise errors.invalid_parameter(name, text, "expected comma-separated ids without empty items")
        ids.setdefault(parse_id(item, name))
    return tuple(ids)


class _NumberText(str):
    """A JSON number kept as its source text, so coercion to String matches Jackson's."""

    __slots__ = ()


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def media_type(content_type: str | None) -> str | None:
    """``application/json`` from ``application/json; charset=UTF-8``; ``None`` when absent or blank."""
    if content_type is None or not content_type.strip():
        return None
    return content_type.split(";", 1)[0].strip()


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body, parse_int=_NumberText, parse_float=_NumberText, parse_constant=_no_constants)
    except (ValueError, RecursionError) as error:
        # Jackson's words, not the parser's: the mock's own parser text (a Python exception
        # message with its line and column bookkeeping) is no part of what OCP answers
        reason = "nested too deeply" if isinstance(error, RecursionError) else _json_error(error)
        raise errors.unreadable_body(f"JSON parse error: {reason}") from None


def _json_error(error: ValueError) -> str:
    """What Jackson would say of a body that is not JSON, with the offset where reading stopped."""
    position = getattr(error, "pos", None)
    where = f" at offset {position}" if isinstance(position, int) else ""
    return f"Unexpected character or end of input{where}; the body must be a JSON object"


def read_short_rpm_name(content_type: str | None, body: bytes, *, allow_missing: bool = False) -> str | None:
    """The package an upgrade asks for; ``None`` only when ``allow_missing`` and there is no body."""
    media = media_type(content_type)
    if media is None and body:
        raise errors.unsupported_media_type("application/octet-stream")
    if media is not None and not _JSON_MEDIA.fullmatch(media):
        raise errors.unsupported_media_type(media)
    if not body:
        if allow_missing:
            return None
        raise errors.unreadable_body("Required request body is missing")
    document = _decode(body)
    if document is None and allow_missing:
        return None
    if not isinstance(document, dict):
        kind = "null" if document is None else type(document).__name__.replace("_NumberText", "number")
        raise errors.unreadable_body(f'expected a JSON object like {{"shortRpmName": "..."}}, got {kind}')
    return _short_rpm_name(document.get("shortRpmName"))


def _short_rpm_name(value: Any) -> str:
    if isinstance(value, list | dict):
        kind = "Array" if isinstance(value, list) else "Object"
        raise errors.unreadable_body(
            f"Cannot deserialize value of type `java.lang.String` from {kind} value (field shortRpmName)"
        )
    if isinstance(value, bool):
        value = "true" if value else "false"
    if value is None or not str(value).strip():
        raise errors.validation_failed(
            "shortRpmName", None if value is None else str(value), "must not be blank"
        )
    return str(value)


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The filters, page and order of a task list request."""

    name: str | None = None
    statuses: tuple[str, ...] = ()
    type: str | None = None
    cluster_id: int | None = None
    tenant_id: int | None = None
    host_id: int | None = None
    page: int = 1
    size: int = 10
    sort: str = "id"
    descending: bool = True


def _bounded_int(name: str, text: str, low: int, high: int) -> int:
    if not _SIGNED.fullmatch(text) or not low <= int(text) <= high:
        raise errors.invalid_parameter(name, text, f"expected an integer from {low} to {high}")
    return int(text)


def _enum_values(name: str, values: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    found: list[str] = []
    for raw in values:
        for value in raw.split(","):
            if value not in allowed:
                raise errors.invalid_parameter(name, value, "expected one of " + ", ".join(allowed))
            found.append(value)
    return tuple(found)


def _task_type(text: str | None) -> str | None:
    if text is not None and text not in TASK_TYPES:
        raise errors.invalid_parameter("type", text, "expected one of " + ", ".join(TASK_TYPES))
    return text


def _sort(text: str | None) -> tuple[str, bool]:
    prop, _, direction = (text or "").partition(",")
    if prop not in SORT_PROPERTIES or direction.lower() not in ("", "asc", "desc"):
        return "id", True
    return prop, direction.lower() != "asc"


def parse_list_query(get: Any, get_all: Any) -> ListQuery:
    """A :class:`ListQuery` from ``get(name) -> str | None`` and ``get_all(name) -> list[str]``."""
    ids = {
        key: None if get(key) is None else parse_id(get(key), key)
        for key in ("clusterId", "tenantId", "hostId")
    }
    kind = get("type")
    sort, descending = _sort(get("sort"))
    return ListQuery(
        name=get("name"),
        statuses=_enum_values("status", get_all("status"), TASK_STATUSES),
        type=_task_type(kind),
        cluster_id=ids["clusterId"],
        tenant_id=ids["tenantId"],
        host_id=ids["hostId"],
        page=1 if get("page") is None else _bounded_int("page", get("page"), 1, _INT32_MAX),
        size=10 if get("size") is None else _bounded_int("size", get("size"), 1, 2000),
        sort=sort,
        descending=descending,
    )
