"""Bounds on each exchange with a server that may be broken or hostile: time, size, redirects, 5xx.

``requests`` bounds each socket *read* (``timeout``), not an exchange: a server that trickles a
byte a second — in its headers or its body — keeps a request alive for ever; a 100 MB body is
read into memory whole; a redirect loop is followed 30 times; and a server that answers every
request with 500 lets a run grind on. The gate (:mod:`contracts.run.wire.gate`) sends every request
through :func:`bounded_send` and watches the answers with a :class:`ServerErrorBreaker`:

* **wall clock** — the exchange runs in a helper thread and the caller waits at most the
  request's budget (``--request-timeout``, never past ``--max-time``), then raises
  :class:`ExchangeTooSlow`. The helper stops at its next read: within a second under a trickle,
  within the read timeout (the same budget) under a stall. A server that trickles its *headers*
  for ever keeps that one helper (a daemon thread, holding no more than a header) until it closes
  the connection or the process ends — it no longer holds the run.
* **size** — a response hook reads the body in chunks of :data:`CHUNK` bytes, before ``requests``
  can read it whole (its redirect handling does), and gives up past ``max_body`` bytes
  (:class:`ResponseTooLarge`), so memory stays near the cap whatever the server sends; the cap
  applies to the decoded body, so a compressed bomb is cut short too.
* **redirects** — at most :data:`MAX_REDIRECTS` hops (``requests`` follows 30).
* **5xx storms** — after :data:`MAX_CONSECUTIVE_5XX` answers in a row that are 5xx the breaker
  trips and the run sends nothing more (:class:`ServerFailing`); the 5xx already received are
  reported as ``http.server-error`` by the checks, so the run ends with exit 1 by itself.

:class:`ExchangeTooSlow` and :class:`ResponseTooLarge` are ``requests`` exceptions: every caller
already treats those as connection problems, so the run ends with exit 2 and their one line.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
import urllib3.exceptions

from contracts.run.config import DEFAULT_MAX_RESPONSE_MB

__all__ = [
    "CHUNK",
    "DEFAULT_MAX_BODY",
    "MAX_CONSECUTIVE_5XX",
    "MAX_REDIRECTS",
    "BoundBroken",
    "Bounds",
    "ExchangeTooSlow",
    "ResponseTooLarge",
    "ServerErrorBreaker",
    "ServerFailing",
    "Tripwire",
    "bounded_send",
]

#: The largest response body a run reads (bytes, decoded): the default of ``--max-response-mb``.
DEFAULT_MAX_BODY = DEFAULT_MAX_RESPONSE_MB * 1024 * 1024
#: Redirect hops followed per request.
MAX_REDIRECTS = 5
#: 5xx answers in a row after which the run stops sending.
MAX_CONSECUTIVE_5XX = 20
#: Bytes asked of the socket per read of a body.
CHUNK = 64 * 1024

SendFunction = Callable[..., requests.Response]


@dataclass(frozen=True, slots=True)
class Bounds:
    """The limits of one run's exchanges."""

    max_body: int = DEFAULT_MAX_BODY
    max_redirects: int = MAX_REDIRECTS
    max_consecutive_5xx: int = MAX_CONSECUTIVE_5XX


class BoundBroken(requests.RequestException):
    """An exchange broke one of the run's bounds; ``str()`` is the one line the run ends with."""


class ExchangeTooSlow(BoundBroken, requests.Timeout):
    """No complete answer within the request's wall-clock budget (a stall or a trickle)."""


class ResponseTooLarge(BoundBroken):
    """The body went past the run's size cap; the rest was not read."""


class ServerFailing(Exception):
    """The breaker tripped on a storm of 5xx: the request was not sent."""


def _where(request: requests.PreparedRequest | None) -> str:
    if request is None:
        return "a request"
    return f"{request.method} {(request.url or '').split('?', 1)[0]}"


# --------------------------------------------------------------------------- one exchange

_LOCAL = threading.local()


class _BoundedExchange:
    """One request run by a helper thread: its outcome, and the flag that tells it to stop."""

    def __init__(self, max_body: int) -> None:
        self.max_body = max_body
        self.done = threading.Event()
        self.cancelled = threading.Event()
        self.response: requests.Response | None = None
        self.error: BaseException | None = None

    def run(self, send: SendFunction, request: requests.PreparedRequest, kwargs: dict[str, Any]) -> None:
        _LOCAL.exchange = self
        try:
            self.response = send(request, **kwargs)
        except BaseException as error:  # handed to the waiting caller, whatever it is
            self.error = error
        finally:
            _LOCAL.exchange = None
            self.done.set()

    def read_body(self, response: requests.Response) -> None:
        """Read the streamed body into ``response`` in chunks, within the cap, until told to stop."""
        buffer = io.BytesIO()
        try:
            while True:
                if self.cancelled.is_set():
                    raise ExchangeTooSlow("abandoned", request=response.request)
                chunk = _read1(response)
                if not chunk:
                    break
                buffer.write(chunk)
                if buffer.tell() > self.max_body:
                    raise ResponseTooLarge(
                        f"response too large: {_where(response.request)} sent more than "
                        f"{_megabytes(self.max_body)}; the rest was not read (--max-response-mb)",
                        request=response.request,
                    )
        except BaseException:
            response.close()
            raise
        # requests' own cache of the body: ``response.content`` then returns it without reading.
        response._content = buffer.getvalue()
        response._content_consumed = True  # type: ignore[attr-defined]  # untyped requests internal


def _read1(response: requests.Response) -> bytes:
    """At most :data:`CHUNK` decoded bytes, as soon as any arrive; urllib3's errors become the
    ``requests`` errors ``Response.content`` would have raised (every caller handles those)."""
    try:
        return bytes(response.raw.read1(CHUNK, decode_content=True))
    except urllib3.exceptions.ReadTimeoutError:
        raise ExchangeTooSlow(
            f"timeout: {_where(response.request)} stopped sending in the middle of its answer "
            "(--request-timeout)",
            request=response.request,
        ) from None
    except urllib3.exceptions.SSLError as error:
        raise requests.exceptions.SSLError(error, request=response.request) from None
    except urllib3.exceptions.DecodeError as error:
        raise requests.exceptions.ContentDecodingError(error, request=response.request) from None
    except (urllib3.exceptions.ProtocolError, OSError) as error:
        raise requests.exceptions.ChunkedEncodingError(error, request=response.request) from None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def _read_body_hook(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    """``requests`` response hook: the helper thread's exchange reads the body (others: untouched)."""
    exchange: _BoundedExchange | None = getattr(_LOCAL, "exchange", None)
    unread = response._content is False  # type: ignore[comparison-overlap]  # requests: False = not read yet
    if exchange is not None and unread:
        exchange.read_body(response)
    return response


def bounded_send(
    send: SendFunction,
    request: requests.PreparedRequest,
    kwargs: dict[str, Any],
    *,
    budget: float,
    max_body: int,
) -> requests.Response:
    """``send(request, **kwargs)`` with its body read within ``max_body`` bytes, in at most
    ``budget`` seconds of wall clock; :class:`ExchangeTooSlow` or :class:`ResponseTooLarge` if not."""
    hooks = request.hooks.setdefault("response", [])
    if _read_body_hook not in hooks:
        hooks.append(_read_body_hook)
    exchange = _BoundedExchange(max_body)
    helper = threading.Thread(
        target=exchange.run,
        args=(send, request, {**kwargs, "stream": True}),
        name="ocp-contract-exchange",
        daemon=True,
    )
    helper.start()
    if not exchange.done.wait(budget):
        exchange.cancelled.set()
        raise ExchangeTooSlow(
            f"timeout: no complete answer to {_where(request)} within {budget:.3g} s "
            "(the server stalled or sent too slowly; --request-timeout, --max-time)",
            request=request,
        )
    if exchange.error is not None:
        raise exchange.error
    assert exchange.response is not None
    return exchange.response


# --------------------------------------------------------------------------- the run's stops


class ServerErrorBreaker:
    """Counts 5xx answers in a row; :meth:`observe` returns the line to stop with once it trips."""

    def __init__(self, limit: int = MAX_CONSECUTIVE_5XX) -> None:
        self.limit = limit
        self._run = 0
        self._lock = threading.Lock()

    def observe(self, status: int) -> str | None:
        with self._lock:
            self._run = self._run + 1 if status >= 500 else 0
            if self._run < self.limit:
                return None
        return f"the server answered {self.limit} requests in a row with 5xx: the run stopped sending"


class Tripwire:
    """The first bound the run broke; once it is set, the run sends nothing more (thread-safe)."""

    def __init__(self) -> None:
        self._error: BaseException | None = None
        self._lock = threading.Lock()

    def trip(self, error: BaseException) -> None:
        with self._lock:
            if self._error is None:
                self._error = error

    @property
    def error(self) -> BaseException | None:
        with self._lock:
            return self._error

    @property
    def message(self) -> str | None:
        error = self.error
        return None if error is None else str(error)

    def raise_if_tripped(self) -> None:
        """Raise a fresh error of the same kind and text (exceptions are not shared across threads)."""
        error = self.error
        if error is None:
            return
        if isinstance(error, ServerFailing):
            raise ServerFailing(str(error))
        raise type(error)(str(error))
