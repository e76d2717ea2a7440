"""OCP's response envelope: ``{successful, status, timestamp, duration, traceId, server, data|error}``.

Every mock response goes through :func:`success`, :func:`failure` or :func:`rate_limited`, so the
envelope is built in one place: ``status`` mirrors the HTTP status, ``timestamp`` is RFC 3339 with
the server's UTC offset and millisecond precision (``2021-09-03T16:31:58.151+08:00``), ``traceId``
is 16 lower-case hex digits, and the 429 body is exactly the one the OCP docs show (``duration``
0, ``error.code`` 0, empty ``traceId``). Bodies are encoded with keys sorted, as OCP's Jackson
setup sends them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson

#: OCP's documented rate-limit message.
RATE_LIMIT_MESSAGE = "Too many requests, please try again later."
#: The Content-Type of every faithful response.
JSON_CONTENT_TYPE = "application/json"


def zone(offset_minutes: int) -> timezone:
    """The fixed UTC offset the mock's timestamps carry (OCP servers commonly run at +08:00)."""
    return timezone(timedelta(minutes=offset_minutes))


def format_timestamp(moment: datetime, tz: timezone) -> str:
    """``2021-09-03T16:31:58.151+08:00``: milliseconds, and always an explicit offset."""
    return moment.astimezone(tz).isoformat(timespec="milliseconds")


def new_trace_id(rng: random.Random) -> str:
    """16 lower-case hex digits, from the mock's seeded generator (callers hold its lock)."""
    return f"{rng.getrandbits(64):016x}"


def _base(status: int, *, timestamp: str, duration: int, trace_id: str, server: str) -> dict[str, Any]:
    return {
        "successful": 200 <= status < 300,
        "status": status,
        "timestamp": timestamp,
        "duration": max(0, duration),
        "traceId": trace_id,
        "server": server,
    }


#: The ``data`` of an answer that has none (OCP's ``NoDataResponse``: the envelope omits ``data``).
NO_DATA: Any = type("NoData", (), {"__repr__": lambda self: "NO_DATA", "__slots__": ()})()


def success(
    data: Any, *, status: int = 200, timestamp: str, duration: int, trace_id: str, server: str
) -> dict[str, Any]:
    """A success envelope around ``data``; without ``data`` when it is :data:`NO_DATA`."""
    body = _base(status, timestamp=timestamp, duration=duration, trace_id=trace_id, server=server)
    if data is not NO_DATA:
        body["data"] = data
    return body


def failure(
    error: dict[str, Any], *, status: int, timestamp: str, duration: int, trace_id: str, server: str
) -> dict[str, Any]:
    """A failure envelope: ``error`` and no ``data``."""
    body = _base(status, timestamp=timestamp, duration=duration, trace_id=trace_id, server=server)
    body["error"] = error
    return body


def rate_limited(*, timestamp: str, server: str) -> dict[str, Any]:
    """The documented 429 body, field for field."""
    return failure(
        {"code": 0, "message": RATE_LIMIT_MESSAGE},
        status=429,
        timestamp=timestamp,
        duration=0,
        trace_id="",
        server=server,
    )


def encode(body: Any) -> bytes:
    """JSON bytes with keys sorted (OCP's Jackson setup), no insignificant whitespace."""
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
