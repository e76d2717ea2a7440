"""The mock OCP as a WSGI application: one object holding the inventory, the engine and the faults.

:class:`MockOCP` is the core every front end shares — in-process (``schema.app = mock``), the
HTTP server (:mod:`contracts.mock.http`) and the ``responses`` adapter. A request goes through:

1. read the body (at most ``max_body_bytes``; larger is a 400 before anything else);
2. outside ``/api/``: 404 listing the routes (no credentials needed, as for any non-API path);
3. credentials, Basic or AK/SK, via :func:`contracts.auth.verify_wsgi` (401);
4. the per-user rate limit, when enabled (429, the documented body, ``Retry-After``);
5. the route: 404 with the routes and a hint, or 405 with ``Allow``;
6. the role the route needs (403);
7. the handler's own checks, then the answer (:mod:`contracts.mock.handlers`).

Whatever happens, the answer is an OCP envelope; active faults transform it last.
"""

from __future__ import annotations

import random
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from contracts.auth import verify_wsgi
from contracts.mock import api_errors as errors
from contracts.mock import handlers, routing
from contracts.mock import replies as envelope
from contracts.mock.faults import FaultSet, Quirk, get_faults
from contracts.mock.inventory import Inventory, User, default_inventory
from contracts.mock.ratelimit import Quota, RateLimiter
from contracts.mock.settings import MockSettings
from contracts.mock.task_engine import Engine, Task
from contracts.mock.transforms import MockExchange

Clock = Callable[[], datetime]
StartResponse = Callable[..., Any]
#: WSGI environ keys where the app leaves the user name and traceId for the access log.
USER_KEY = "contracts.mock.user"
TRACE_ID_KEY = "contracts.mock.trace_id"
_UNEXPECTED = "Unexpected error, please contact the administrator."


def utc_now() -> datetime:
    return datetime.now(UTC)


class MockOCP:
    """A stateful, spec-faithful OCP: call it as a WSGI app, or use its parts in tests.

    ``clock`` returns the current time (timezone-aware); tests pass a fixed one to check AK/SK
    dates. :meth:`reset` restores the start-up state (same seed, same seeded tasks).
    """

    def __init__(
        self,
        inventory: Inventory | None = None,
        *,
        settings: MockSettings | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.inventory = inventory or default_inventory()
        self.settings = settings or MockSettings()
        self.faults = FaultSet(get_faults(self.settings.faults))
        self.clock = clock
        self.tz = envelope.zone(self.settings.utc_offset_minutes)
        self._credentials = self.inventory.credentials()
        self._trace_lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every task and rate-limit window; seed the start-up tasks again."""
        seed = self.settings.seed
        self._trace_rng = random.Random(f"trace-{seed}")
        self.engine = Engine(
            rng=random.Random(f"order-{seed}"),
            tick=self.settings.tick,
            max_finished=self.settings.max_finished,
            first_task_id=self.settings.first_task_id,
        )
        self.limiter = (
            RateLimiter(self.settings.rate_limit, self.settings.rate_window)
            if self.settings.rate_limit
            else None
        )
        self.world = self._world()
        self.seeded_task_ids: tuple[int, ...] = self._seed_history() if self.settings.seed_history else ()

    def set_faults(self, names: Iterable[str] = ()) -> None:
        """Switch on exactly the faults ``names`` (none: a faithful OCP) from the next request on.

        Tasks, trace ids and rate-limit windows carry on; an unknown name is a
        :class:`~contracts.violations.UsageError` and changes nothing.
        """
        faults = get_faults(names)
        self.settings = replace(self.settings, faults=tuple(fault.name for fault in faults))
        self.faults = FaultSet(faults)
        self.world = self._world()

    def _world(self) -> handlers.World:
        return handlers.World(
            self.inventory, self.engine, self.faults, self.tz, upgrade_body=self.settings.upgrade_body
        )

    def _seed_history(self) -> tuple[int, ...]:
        """One FAILED and one SUCCESSFUL upgrade of the first server, finished before start-up."""
        cluster = self.inventory.clusters[0]
        server = cluster.servers[0]
        creator = self._manager()
        now = self.clock()
        ids: list[int] = []
        for hours_ago, fail_at in ((2, {server.id: "install"}), (1, {})):
            with self.engine.lock:
                task = self.engine.create(
                    cluster=cluster,
                    servers=[server],
                    package=self.inventory.packages[0],
                    creator=creator,
                    now=now - timedelta(hours=hours_ago),
                    fail_at=fail_at,
                    pinned=True,
                )
                self.engine.run_to_end(task, every=timedelta(seconds=3))
            ids.append(task.id)
        return tuple(ids)

    def _manager(self) -> User:
        return next(
            (u for u in self.inventory.users if "OBPROXY_MANAGER" in u.roles), self.inventory.users[0]
        )

    # ------------------------------------------------------------------ WSGI

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        response = self.handle(Request(environ))
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        """Answer one request with an OCP envelope (never raises)."""
        started = time.perf_counter()
        now = self.clock()
        headers: dict[str, str] = {}
        operation: str | None = None
        poll = 0
        try:
            operation, answer, headers = self._serve(request, now)
            status, poll = 200, answer.poll
            body = envelope.success(
                answer.data,
                timestamp=self._stamp(now),
                duration=_ms(started),
                trace_id=self._trace_id(),
                server=self.settings.server_name,
            )
        except _RateLimited as limited:
            status, headers = 429, limited.quota.headers()
            body = envelope.rate_limited(timestamp=self._stamp(now), server=self.settings.server_name)
        except errors.ApiError as error:
            status, headers = error.status, {**headers, **error.headers}
            body = self._failure(error, now, started)
            if _wants_stack_trace(request):
                body["error"]["stackTrace"] = _stack_trace(error)
        except Exception as unexpected:  # the mock's own bug: still an OCP-shaped 500
            status = 500
            debug = f"{type(unexpected).__name__}: {unexpected}"
            body = self._failure(errors.internal(_UNEXPECTED, debug), now, started)
            if _wants_stack_trace(request):
                body["error"]["stackTrace"] = _stack_trace(unexpected)
        self.faults.apply(body, MockExchange(operation, status, poll))
        request.environ[TRACE_ID_KEY] = body.get("traceId", "")
        return self._response(status, body, headers)

    def _serve(self, request: Request, now: datetime) -> tuple[str, handlers.Answer, dict[str, str]]:
        if not routing.is_api_path(request.path):
            routing.resolve(request.method, request.path)  # raises the 404 with the routes
        if "Authorization" not in request.headers and not self.faults.has(Quirk.IGNORE_CREDENTIALS):
            # OCP's security filter answers before the controller reads anything: a request with
            # no credentials is refused whatever its body, however large
            raise errors.unauthorized("no Authorization header: send HTTP Basic or an AK/SK signature")
        body = self._body(request)
        user = self._authenticate(request, body, now)
        headers: dict[str, str] = {}
        if self.limiter is not None:
            quota = self.limiter.take(user.name, now)
            if not quota.allowed:
                raise _RateLimited(quota)
            headers = quota.headers()
        try:
            match = routing.resolve(request.method, request.path)
            if match.route.role is not None and match.route.role not in user.roles:
                raise errors.forbidden(match.route.role)
            call = handlers.Call(
                match.params, request.args.get, request.args.getlist, request.content_type, body, user, now
            )
            return match.route.operation, handlers.HANDLERS[match.route.operation](self.world, call), headers
        except errors.ApiError as error:
            error.headers = {**headers, **error.headers}
            raise

    def _body(self, request: Request) -> bytes:
        request.max_content_length = self.settings.max_body_bytes
        try:
            return request.get_data(cache=True)
        except RequestEntityTooLarge:
            raise errors.unreadable_body(
                f"request body larger than {self.settings.max_body_bytes} bytes"
            ) from None

    def _authenticate(self, request: Request, body: bytes, now: datetime) -> User:
        result = verify_wsgi(request.environ, body or None, credentials=self._credentials, now=now)
        user = self.inventory.user_for(result.principal) if result.ok else None
        if user is None and self.faults.has(Quirk.IGNORE_CREDENTIALS):
            user = self._manager()
        if user is not None:
            request.environ[USER_KEY] = user.name
            return user
        reason = result.message or "unknown principal"
        if result.string_to_sign:  # no secret in it; lets a client diff its own canonical string
            reason += f"; the server's string to sign: {result.string_to_sign!r}"
        raise errors.unauthorized(reason)

    # ------------------------------------------------------------------ answers

    def _stamp(self, now: datetime) -> str:
        return envelope.format_timestamp(now, self.tz)

    def _trace_id(self) -> str:
        with self._trace_lock:
            return envelope.new_trace_id(self._trace_rng)

    def _failure(self, error: errors.ApiError, now: datetime, started: float) -> dict[str, Any]:
        return envelope.failure(
            error.to_json(),
            status=error.status,
            timestamp=self._stamp(now),
            duration=_ms(started),
            trace_id=self._trace_id(),
            server=self.settings.server_name,
        )

    def _response(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> Response:
        text_type = self.faults.has(Quirk.TEXT_CONTENT_TYPE)
        content_type = "text/plain;charset=UTF-8" if text_type else envelope.JSON_CONTENT_TYPE
        response = Response(envelope.encode(body), status=status, content_type=content_type)
        for name, value in headers.items():
            response.headers[name] = value
        return response

    # ------------------------------------------------------------------ for tests and tools

    def task(self, task_id: int) -> Task | None:
        """The engine's task (no poll counted), or ``None``."""
        with self.engine.lock:
            return self.engine.get(task_id)


class _RateLimited(Exception):
    def __init__(self, quota: Quota) -> None:
        super().__init__("rate limited")
        self.quota = quota


def _wants_stack_trace(request: Request) -> bool:
    return request.headers.get("X-ReturnStackTrace", "").lower() == "true"


def _stack_trace(error: BaseException) -> list[str]:
    """The trace as OCP's ``ApiError`` carries it: ``List<String>``, one line a string."""
    return "".join(traceback.format_exception(error)).splitlines()


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def create_app(inventory: Inventory | None = None, *, clock: Clock = utc_now, **settings: Any) -> MockOCP:
    """A :class:`MockOCP` with :class:`MockSettings` given as keywords (``faults=("cycle",)``)."""
    return MockOCP(inventory, settings=MockSettings(**settings), clock=clock)
