"""Record the shape of a finished run from the exchanges it logged (``run --save-shape FILE``).

The runner keeps every exchange (method, URL, status, headers, body); this module maps each to
its operation through the spec's path templates and shows it to a :class:`ShapeRecorder`.
It asks only for those five attributes (:class:`ExchangeLike`), so it does not depend on the
runner. A body that is not JSON — or was cut short by the runner's size cap — is not guessed
at: it is counted in ``meta["skippedBodies"]``, and the status and headers are still recorded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Protocol
from urllib.parse import urlsplit

from contracts.shapes.recorder import ShapeRecorder
from contracts.spec import Spec, load_spec

__all__ = ["ExchangeLike", "operation_for", "record_exchanges"]


class ExchangeLike(Protocol):
    """What the recorder needs of one logged exchange (a run's ``RecordedExchange`` has it)."""

    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def status(self) -> int | None: ...
    @property
    def response_headers(self) -> Mapping[str, str]: ...
    @property
    def response_body(self) -> bytes: ...


Routes = list[tuple[str, re.Pattern[str], str]]


def _routes(spec: Spec) -> Routes:
    """``(method, path regex, operationId)``; literal paths first, so they win over templates."""
    routes = []
    for operation in spec.operations.values():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(operation.path))
        regex = re.compile(f"(?:^|/){pattern.lstrip('/')}/?$")
        routes.append((operation.method, regex, operation.operation_id))
    return sorted(routes, key=lambda route: route[1].pattern.count("[^/]+"))


def operation_for(method: str, url: str, spec: Spec | None = None) -> str | None:
    """The operationId that serves ``method url`` (a base path before ``/api`` is allowed)."""
    return _match(_routes(spec or load_spec()), method, url)


def _match(routes: Routes, method: str, url: str) -> str | None:
    path = urlsplit(url).path
    for route_method, pattern, operation_id in routes:
        if route_method == method.upper() and pattern.search(path):
            return operation_id
    return None


def record_exchanges(
    exchanges: Iterable[ExchangeLike], *, spec: Spec | None = None, meta: Mapping[str, str] | None = None
) -> ShapeRecorder:
    """A recorder that has seen every exchange with a status and a known operation."""
    spec = spec or load_spec()
    recorder = ShapeRecorder(spec, meta=meta)
    routes = _routes(spec)
    skipped = 0
    for exchange in exchanges:
        operation_id = _match(routes, exchange.method, exchange.url)
        if exchange.status is None or operation_id is None:
            continue
        body = None
        if exchange.response_body.strip():
            try:
                body = json.loads(exchange.response_body)
            except ValueError:
                skipped += 1
        recorder.observe(operation_id, exchange.status, exchange.response_headers, body)
    if skipped:
        recorder.shape.meta["skippedBodies"] = str(skipped)
    return recorder
