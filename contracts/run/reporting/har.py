"""The recorded exchanges as a HAR 1.2 file (``exchanges.har``): every request that left, in order.

Headers were masked when the gate recorded them; URLs and bodies pass the :class:`Redactor` here.
Requests the safety guard kept back never left, so they are not in this file (the Markdown
report and JUnit list them). Bodies are kept up to 64 KiB each.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from http.client import responses as reasons
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from contracts.run.reporting.redaction import Redactor
from contracts.run.wire.gate import RecordedExchange


def _pairs(headers: Mapping[str, str], scrub: Redactor) -> list[dict[str, str]]:
    return [{"name": name, "value": scrub(value)} for name, value in headers.items()]


def _text(data: bytes | None, scrub: Redactor) -> str:
    return scrub(data.decode("utf-8", "replace")) if data else ""


def _content_type(headers: Mapping[str, str]) -> str:
    return next((v for k, v in headers.items() if k.lower() == "content-type"), "")


def _entry(exchange: RecordedExchange, scrub: Redactor) -> dict[str, Any]:
    url = scrub(exchange.url)
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "headers": _pairs(exchange.request_headers, scrub),
        "queryString": [
            {"name": n, "value": v} for n, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)
        ],
        "cookies": [],
        "headersSize": -1,
        "bodySize": len(exchange.request_body or b""),
    }
    if exchange.request_body is not None:
        request["postData"] = {
            "mimeType": _content_type(exchange.request_headers),
            "text": _text(exchange.request_body, scrub),
        }
    status = exchange.status or 0
    response = {
        "status": status,
        "statusText": reasons.get(status, exchange.note),
        "httpVersion": "HTTP/1.1" if exchange.status else "",
        "headers": _pairs(exchange.response_headers, scrub),
        "cookies": [],
        "content": {
            "size": len(exchange.response_body),
            "mimeType": _content_type(exchange.response_headers),
            "text": _text(exchange.response_body, scrub),
        },
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": len(exchange.response_body),
    }
    elapsed = round(exchange.elapsed * 1000, 3)
    return {
        "startedDateTime": datetime.fromtimestamp(exchange.started, UTC).isoformat(),
        "time": elapsed,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": elapsed, "receive": 0},
        **({"comment": exchange.note} if exchange.note else {}),
    }


def render(exchanges: tuple[RecordedExchange, ...], scrub: Redactor) -> bytes:
    """The HAR document of ``exchanges``."""
    log = {
        "log": {
            "version": "1.2",
            "creator": {"name": "ocp-contract", "version": "0.1.0"},
            "entries": [_entry(exchange, scrub) for exchange in exchanges],
        }
    }
    return json.dumps(log, ensure_ascii=False, indent=1).encode("utf-8")
