"""A saved sequence of exchanges judged across polls: each exchange as ``validate`` judges one
body, consecutive polls of a task by the transition rules, and the whole by the lifecycle and
server rules (:mod:`contracts.rules.lifecycle`).

The sequence is what ``ocp-contract run --report-dir`` writes as ``exchanges.har`` (read with
:func:`exchanges_from_har`), a list of :class:`Exchange` built by hand, ``requests`` responses, or
task bodies polled in order (:func:`task_polls`). Each exchange's operation is found from its
method and path (under ``/api/v2``, so a base path before it does not matter); one that is no
operation of the contract is counted and said, not judged.

A recorded run made every call itself, so a task that re-opens with no control call accepted
between two polls breaks ``transition.task-left-terminal`` (``complete=True``); for bodies whose
calls are unknown (``complete=False``) re-openings are judged by the operations they show.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson

from contracts.ocp import API_PREFIX, LIFECYCLE_ROUTES, ROUTES, TASK_PATH, id_or_none
from contracts.rules.lifecycle import LifecycleChecker, Observation, accepted_call
from contracts.rules.transitions import AcceptedCall, check_transition
from contracts.spec import Spec, load_spec
from contracts.validate import UnfaithfulBody, collector_paused, parse_body, validate_response
from contracts.violations import SpecError, UsageError, Violation

__all__ = ["Exchange", "SequenceResult", "check_sequence", "exchanges_from_har", "task_polls"]

_TEMPLATE_PARAM = re.compile(r"\{([A-Za-z]+)\}")
#: Bodies the run's HAR cuts at 64 KiB; one that long that does not parse was probably cut.
_CUT_AT = 60 * 1024


def _pattern(path: str) -> re.Pattern[str]:
    """A path template as a regex: ``{name}`` (every other part of the split) a named segment."""
    parts = _TEMPLATE_PARAM.split(path)
    return re.compile(
        "".join(f"(?P<{part}>[^/]+)" if i % 2 else re.escape(part) for i, part in enumerate(parts))
    )


_ROUTE_PATTERNS = [
    (short, method, _pattern(path)) for short, (method, path, _) in {**ROUTES, **LIFECYCLE_ROUTES}.items()
]


@dataclass(frozen=True, slots=True)
class Exchange:
    """One saved exchange: the request's method and URL (or path), the HTTP status, the raw
    response body (``None``: none recorded), the raw request body, and the response headers
    (the Content-Type is checked when they are given)."""

    method: str
    url: str
    status: int
    body: bytes | None = None
    request_body: bytes | None = None
    headers: Mapping[str, str] | None = None

    @property
    def label(self) -> str:
        """``GET /api/v2/tasks/instances/5 → 200``."""
        return f"{self.method.upper()} {urlsplit(self.url).path or self.url} → {self.status}"


@dataclass(frozen=True, slots=True)
class SequenceResult:
    """A judged sequence: a label for each exchange, each violation with the index (from 0) of the
    exchange its pointer is into, and what could not be judged, in words."""

    exchanges: tuple[str, ...]
    violations: tuple[tuple[int, Violation], ...]
    not_judged: tuple[str, ...]

    @property
    def conforms(self) -> bool:
        """Whether no violation is an error (warnings conform)."""
        return not any(violation.is_error for _, violation in self.violations)


def route_of(method: str, url: str) -> tuple[str, dict[str, str]] | None:
    """The operation's short name and raw path parameters of a request, or ``None``."""
    path = unquote(urlsplit(url).path or url)
    start = path.find(API_PREFIX + "/")
    if start < 0:
        return None
    path = path[start:].rstrip("/")
    for short, route_method, pattern in _ROUTE_PATTERNS:
        found = pattern.fullmatch(path)
        if found is not None and method.upper() == route_method:
            return short, found.groupdict()
    return None


def _params(raw: Mapping[str, str]) -> dict[str, int | tuple[int, ...]]:
    params: dict[str, int | tuple[int, ...]] = {}
    for name, value in raw.items():
        if name == "obproxyIds":
            ids = [id_or_none(item) for item in value.split(",")]
            if ids and all(key is not None for key in ids):
                params[name] = tuple(key for key in ids if key is not None)
        elif (key := id_or_none(value)) is not None:
            params[name] = key
    return params


def exchanges_from_har(raw: bytes, *, source: str = "the HAR file") -> list[Exchange]:
    """The exchanges of a HAR 1.2 document (as ``run --report-dir`` writes ``exchanges.har``), in
    order; :class:`UsageError` when it is not one."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise UsageError(f"{source} is not JSON; expected a HAR file (exchanges.har)") from None
    log = document.get("log") if isinstance(document, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise UsageError(f"{source} has no log.entries; expected a HAR file (exchanges.har)")
    return [_entry(entry, index, source) for index, entry in enumerate(entries)]


def _entry(entry: object, index: int, source: str) -> Exchange:
    request = entry.get("request") if isinstance(entry, dict) else None
    response = entry.get("response") if isinstance(entry, dict) else None
    if not isinstance(request, dict) or not isinstance(response, dict):
        raise UsageError(f"{source}: entry {index + 1} lacks its request or response; expected a HAR file")
    method, url, status = request.get("method"), request.get("url"), response.get("status")
    if not isinstance(method, str) or not isinstance(url, str) or type(status) is not int:
        raise UsageError(f"{source}: entry {index + 1} lacks a method, URL or status; expected a HAR file")
    content = response.get("content")
    text = content.get("text") if isinstance(content, dict) else None
    posted = request.get("postData")
    request_text = posted.get("text") if isinstance(posted, dict) else None
    headers = response.get("headers")
    return Exchange(
        method=method,
        url=url,
        status=status,
        body=text.encode("utf-8") if isinstance(text, str) and text else None,
        request_body=request_text.encode("utf-8") if isinstance(request_text, str) and request_text else None,
        headers={str(item.get("name")): str(item.get("value")) for item in headers if isinstance(item, dict)}
        if isinstance(headers, list)
        else None,
    )


def task_polls(bodies: Iterable[bytes], *, http_status: int | None = None) -> list[Exchange]:
    """Task bodies polled in order (``GET`` of the task), as exchanges; each body's own ``status``
    is its HTTP status unless ``http_status`` is given, and its ``data.id`` names the task."""
    exchanges = []
    for raw in bodies:
        try:
            body = parse_body(raw)
        except UnfaithfulBody:
            body = None
        data = body.get("data") if isinstance(body, dict) else None
        task_id = id_or_none(data.get("id")) if isinstance(data, dict) else None
        status = http_status if http_status is not None else _body_status(body)
        path = TASK_PATH.replace("{taskInstanceId}", str(task_id) if task_id is not None else "unknown")
        exchanges.append(Exchange("GET", path, status, raw))
    return exchanges


def _body_status(body: object) -> int:
    status = body.get("status") if isinstance(body, dict) else None
    if type(status) is int and 100 <= status <= 599:
        return status
    raise UsageError(
        "cannot tell the HTTP status of a task body: it has no integer 'status'; pass --http-status"
    )


def _as_exchange(item: Any) -> Exchange:
    """An :class:`Exchange`, or one made of a ``requests.Response`` (its request, status, body)."""
    if isinstance(item, Exchange):
        return item
    if hasattr(item, "status_code") and hasattr(item, "request"):
        request = item.request
        sent = getattr(request, "body", None)
        return Exchange(
            method=str(request.method),
            url=str(request.url),
            status=int(item.status_code),
            body=bytes(item.content) if item.content else None,
            request_body=sent.encode("utf-8")
            if isinstance(sent, str)
            else sent
            if isinstance(sent, bytes)
            else None,
            headers=dict(item.headers),
        )
    raise TypeError(f"expected an Exchange or a requests.Response, got a {type(item).__name__}")


def check_sequence(
    exchanges: Iterable[Any],
    *,
    strict: bool = False,
    complete: bool = True,
    expected_version: str | None = None,
    spec: Spec | None = None,
) -> SequenceResult:
    """Judge a sequence of exchanges (:class:`Exchange` or ``requests.Response``, in order).

    ``complete``: the exchanges hold every control call made (a recorded run), so a task may
    re-open only through one; ``strict``: undocumented properties are errors;
    ``expected_version``: the version the upgraded servers must report; ``spec``: a version's
    view of the contract (the loaded spec by default).
    """
    spec = spec or load_spec()
    judge = _Judge(spec, strict=strict, complete=complete, expected_version=expected_version)
    with collector_paused():
        labels = [judge.add(index, _as_exchange(item)) for index, item in enumerate(exchanges)]
        found = judge.finish()
    ordered = sorted(found, key=lambda located: (located[0], located[1].sort_key()))
    return SequenceResult(tuple(labels), tuple(ordered), tuple(judge.notes()))


class _Judge:
    """The judgements of one sequence, fed an exchange at a time."""

    def __init__(self, spec: Spec, *, strict: bool, complete: bool, expected_version: str | None) -> None:
        self.spec, self.strict, self.complete = spec, strict, complete
        self.lifecycle = LifecycleChecker(expected_version=expected_version)
        self.found: list[tuple[int, Violation]] = []
        self.last_poll: dict[int, Mapping[str, Any]] = {}
        self.calls: dict[int, list[AcceptedCall]] = {}
        self.skipped: dict[str, int] = {}
        self.unchecked: list[str] = []
        #: The exchange index of each observation the lifecycle checker was fed, in order (exchanges
        #: outside the contract are not fed, so the checker's own count differs).
        self.observed: list[int] = []

    def add(self, index: int, exchange: Exchange) -> str:
        route = route_of(exchange.method, exchange.url)
        if route is None or exchange.status == 0:
            self._skip("not an operation of the contract" if route is None else "sent without an answer")
            return exchange.label
        short, raw = route
        body = self._body(index, exchange, short)
        params = _params(raw)
        request_body = _request_body(exchange.request_body)
        observation = Observation(short, params, exchange.status, body, request_body)
        self.observed.append(index)
        self.found += [(index, v) for v in self.lifecycle.observe(observation)]
        self._transition(index, observation)
        return exchange.label

    def _skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def _body(self, index: int, exchange: Exchange, short: str) -> Any:
        try:
            body = parse_body(exchange.body or b"")
        except UnfaithfulBody as error:
            if exchange.body is not None and len(exchange.body) >= _CUT_AT:
                self.unchecked.append(
                    f"exchange {index + 1} ({exchange.label}): its body was cut in the record"
                )
            else:
                self.found.append((index, error.violation()))
            return None
        try:
            violations = validate_response(
                body,
                operation=short,
                http_status=exchange.status,
                request_obproxy_ids=_upgrade_ids(exchange, short),
                strict=self.strict,
                headers=exchange.headers,
                spec=self.spec,
            )
        except SpecError:
            self.unchecked.append(
                f"{short}: the contract has no such operation, so its bodies were not checked"
            )
        else:
            self.found += [(index, violation) for violation in violations]
        return body

    def _transition(self, index: int, observation: Observation) -> None:
        call = accepted_call(observation)
        task_id = id_or_none(observation.params.get("taskInstanceId"))
        if call is not None and task_id is not None:
            self.calls.setdefault(task_id, []).append(call)
            return
        data = observation.body.get("data") if isinstance(observation.body, Mapping) else None
        if not 200 <= observation.status < 300 or not isinstance(data, Mapping):
            return
        if observation.route == "upgrade" and (created := id_or_none(data.get("id"))) is not None:
            self.last_poll[created] = data  # the task as created: the first poll is compared with it
        if observation.route != "task":
            return
        if task_id is None:
            return
        before = self.last_poll.get(task_id)
        calls = self.calls.pop(task_id, []) if self.complete else None
        found = list(check_transition(before, data, requested_task_id=task_id, accepted_calls=calls))
        self.found += [(index, violation.under("/data")) for violation in found]
        if not any(violation.rule == "transition.wrong-task" for violation in found):
            self.last_poll[task_id] = data

    def finish(self) -> list[tuple[int, Violation]]:
        return [*self.found, *((self.observed[i], v) for i, v in self.lifecycle.finish())]

    def notes(self) -> Iterator[str]:
        for reason, count in self.skipped.items():
            yield f"{count} exchange(s) {reason}: not judged"
        yield from dict.fromkeys(self.unchecked)
        yield from self.lifecycle.not_judged()


def _request_body(raw: bytes | None) -> Any:
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def _upgrade_ids(exchange: Exchange, short: str) -> list[int] | None:
    if short != "upgrade":
        return None
    route = route_of(exchange.method, exchange.url)
    ids = _params(route[1]).get("obproxyIds") if route is not None else None
    return list(ids) if isinstance(ids, tuple) else None
