"""The last point before a request leaves: one wrapper around ``requests.Session.send``.

While a run is active (:func:`installed`), every request sent through ``requests`` — by any
session, schemathesis' own included — passes :meth:`Gate.send`, which in this order:

1. stops everything once our own credentials were refused (:class:`CredentialsRejected`) or an
   exchange broke one of the run's bounds (:class:`~contracts.run.wire.bounds.Tripwire`);
2. asks the :class:`~contracts.run.wire.safety.SafetyGuard` (a blocked request raises
   :class:`~contracts.run.wire.safety.UpgradeBlocked` and never leaves);
3. waits for its rate-limit slot and caps the timeout (:mod:`contracts.run.wire.politeness`); a
   request that runs out of time because the deadline shortened its timeout was cut by
   ``--max-time`` (:class:`~contracts.run.wire.politeness.DeadlineReached`), not a slow target;
4. sends within the run's bounds — wall-clock budget, body size, redirects
   (:func:`~contracts.run.wire.bounds.bounded_send`) — and on 429 waits as OCP asks
   (``RateLimit-Reset``/``Retry-After``) and resends;
5. records the exchange (headers already redacted) for the HAR file, and shows the guard every
   answer (:meth:`SafetyGuard.observe`): cluster and task reads prove ids absent, an upgrade's
   answer names a task the run created;
6. trips the credential watch on a 401 to a request that carried our valid credentials, and the
   5xx breaker on a storm of server errors.

Wrapping ``Session.send`` rather than mounting an adapter reaches sessions the run does not create
itself (schemathesis builds fresh ones for auth probes), and it composes with ``responses``, which
patches the adapter below it — the embedded mock and the recording tests rely on that.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests

from contracts.auth import redact_headers
from contracts.run.wire.bounds import (
    BoundBroken,
    Bounds,
    ServerErrorBreaker,
    ServerFailing,
    Tripwire,
    bounded_send,
)
from contracts.run.wire.politeness import MAX_429_RETRIES, Politeness
from contracts.run.wire.rejection import CredentialsCase, WireRequest, credentials_of
from contracts.run.wire.safety import SafetyGuard

#: Response bodies kept per exchange for the HAR file (bytes).
MAX_RECORDED_BODY = 64 * 1024


class CredentialsRejected(Exception):
    """OCP answered 401 to a request carrying the run's own credentials: the run stops at once."""


@dataclass(frozen=True, slots=True)
class RecordedExchange:
    """One request as sent (credentials masked) and what came back, for the recorded exchanges."""

    started: float
    elapsed: float
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes | None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes = b""
    note: str = ""


class ExchangeLog:
    """Every exchange of the run, in the order they ended (thread-safe)."""

    def __init__(self) -> None:
        self._items: list[RecordedExchange] = []
        self._lock = threading.Lock()

    def add(self, exchange: RecordedExchange) -> None:
        with self._lock:
            self._items.append(exchange)

    @property
    def items(self) -> tuple[RecordedExchange, ...]:
        with self._lock:
            return tuple(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class CredentialWatch:
    """Remembers the first 401 caused by our own credentials (``known``); later sends are refused."""

    def __init__(self, known: Mapping[str, str] | None = None) -> None:
        self.known = known
        self.message: str | None = None

    def check(self, request: WireRequest, response: requests.Response) -> None:
        if response.status_code != 401 or self.message is not None or not self.known:
            return
        if credentials_of(request, self.known) is CredentialsCase.OURS:
            self.message = (
                f"the OCP refused our credentials (401) for {request.method} {request.url.split('?')[0]}: "
                "check OCP_USERNAME/OCP_PASSWORD or OCP_ACCESS_KEY/OCP_SECRET_KEY and the user's roles"
            )

    def raise_if_tripped(self) -> None:
        if self.message is not None:
            raise CredentialsRejected(self.message)


SendFunction = Callable[..., requests.Response]


class Gate:
    """Safety, politeness, recording and the credential watch, applied to each request."""

    def __init__(
        self,
        *,
        guard: SafetyGuard,
        politeness: Politeness,
        log: ExchangeLog | None = None,
        bounds: Bounds | None = None,
    ) -> None:
        self.guard = guard
        self.politeness = politeness
        self.log = log if log is not None else ExchangeLog()
        self.watch = CredentialWatch(guard.policy.known)
        self.bounds = bounds if bounds is not None else Bounds()
        self.breaker = ServerErrorBreaker(self.bounds.max_consecutive_5xx)
        self.tripwire = Tripwire()

    @property
    def stopped(self) -> str | None:
        """Why the run sends nothing more (refused credentials, a broken bound), or ``None``."""
        return self.watch.message or self.tripwire.message

    def send(self, request: requests.PreparedRequest, send: SendFunction, **kwargs: Any) -> requests.Response:
        """Send ``request`` with ``send`` (the original ``Session.send`` bound to its session)."""
        self.watch.raise_if_tripped()
        self.tripwire.raise_if_tripped()
        wire = WireRequest.from_prepared(request)
        self.guard.check(wire, where="transport")
        response = self._send_politely(request, send, kwargs)
        self.guard.observe(wire, response.status_code, response.content)
        self.watch.check(wire, response)
        storm = self.breaker.observe(response.status_code)
        if storm is not None:
            self.tripwire.trip(ServerFailing(storm))
        return response

    def _send_politely(
        self, request: requests.PreparedRequest, send: SendFunction, kwargs: dict[str, Any]
    ) -> requests.Response:
        for attempt in range(MAX_429_RETRIES + 1):
            self.politeness.before_send()
            full = self.politeness.full_timeout(kwargs.get("timeout"))
            kwargs["timeout"] = self.politeness.timeout(kwargs.get("timeout"))
            shortened = kwargs["timeout"] < full or self.politeness.deadline.expired
            try:
                response = self._send_recorded(request, send, kwargs, deadline_cut=shortened)
            except requests.RequestException as error:
                if shortened and _out_of_time(error, self.politeness):
                    raise self.politeness.deadline.reached("a request cut short") from None
                raise
            if response.status_code != 429 or attempt == MAX_429_RETRIES:
                return response
            if not self.politeness.back_off(response.headers):
                return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_recorded(
        self,
        request: requests.PreparedRequest,
        send: SendFunction,
        kwargs: dict[str, Any],
        *,
        deadline_cut: bool = False,
    ) -> requests.Response:
        started, clock = time.time(), time.perf_counter()
        try:
            response = bounded_send(
                send, request, kwargs, budget=kwargs["timeout"], max_body=self.bounds.max_body
            )
        except requests.RequestException as error:
            cut = deadline_cut and _out_of_time(error, self.politeness)
            if isinstance(error, BoundBroken | requests.TooManyRedirects) and not cut:
                self.tripwire.trip(error)
            self.log.add(_exchange(request, started, time.perf_counter() - clock, note=type(error).__name__))
            raise
        self.log.add(_exchange(request, started, time.perf_counter() - clock, response=response))
        return response


def _out_of_time(error: requests.RequestException, politeness: Politeness) -> bool:
    """A timeout, or any failure once the deadline is over: the deadline, not the target, ended it."""
    remaining = politeness.deadline.remaining()
    return isinstance(error, requests.Timeout) or (remaining is not None and remaining < 1.0)


def _exchange(
    request: requests.PreparedRequest,
    started: float,
    elapsed: float,
    *,
    response: requests.Response | None = None,
    note: str = "",
) -> RecordedExchange:
    body = request.body.encode("utf-8") if isinstance(request.body, str) else request.body
    return RecordedExchange(
        started=started,
        elapsed=elapsed,
        method=request.method or "GET",
        url=request.url or "",
        request_headers=redact_headers(dict(request.headers)),
        request_body=body if isinstance(body, bytes) else None,
        status=None if response is None else response.status_code,
        response_headers={} if response is None else redact_headers(dict(response.headers)),
        response_body=b"" if response is None else response.content[:MAX_RECORDED_BODY],
        note=note,
    )


_ACTIVE: list[Gate] = []
_INSTALL_LOCK = threading.Lock()


@contextmanager
def installed(gate: Gate) -> Iterator[Gate]:
    """Route every ``requests`` send in this process through ``gate`` until the block ends."""
    with _INSTALL_LOCK:
        if _ACTIVE:
            raise RuntimeError("a contract run is already active in this process; runs do not nest")
        original = requests.Session.send

        def send(
            session: requests.Session, request: requests.PreparedRequest, **kwargs: Any
        ) -> requests.Response:
            session.max_redirects = min(session.max_redirects, gate.bounds.max_redirects)
            return gate.send(request, lambda r, **kw: original(session, r, **kw), **kwargs)

        requests.Session.send = send  # type: ignore[method-assign,assignment]
        _ACTIVE.append(gate)
    try:
        yield gate
    finally:
        with _INSTALL_LOCK:
            requests.Session.send = original  # type: ignore[method-assign]
            _ACTIVE.clear()


def active_gate() -> Gate | None:
    """The gate of the run in progress, if any (the ``before_call`` hook consults its guard)."""
    return _ACTIVE[0] if _ACTIVE else None
