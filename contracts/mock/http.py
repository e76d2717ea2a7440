"""The mock over real HTTP (loopback by default): a threaded werkzeug server, one log line per request.

:class:`MockServer` starts in a background thread (``port=0`` picks a free port; :attr:`url`
says which) and stops cleanly with :meth:`stop` or as a context manager. :func:`serve_until_signal`
is what ``ocp-contract mock`` runs: serve until SIGINT or SIGTERM, then shut down and return.

The request log names the client, method, path, status, duration, user and traceId — never a
header, so no password, secret key or signature can reach it.
"""

from __future__ import annotations

import ipaddress
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from types import FrameType, TracebackType
from typing import IO, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from contracts.mock.app import TRACE_ID_KEY, USER_KEY, MockOCP
from contracts.ocp import is_secret_name
from contracts.violations import UsageError

LogSink = Callable[[str], None]


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``), reachable from this machine only.

    The mock listens on loopback unless told otherwise; another address (a container's, or
    ``0.0.0.0`` for a neighbouring container) is served too, and ``ocp-contract mock`` warns
    that it has no TLS, so its demo credentials cross the network in clear text.
    """
    try:
        return host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _QuietHandler(WSGIRequestHandler):
    """werkzeug's handler without its own access log (the mock logs through :class:`_AccessLog`)
    and without the ``Server: Werkzeug/… Python/…`` header, which OCP (Spring Boot on Tomcat,
    whose default names no server) never sends."""

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() != "server":
            super().send_header(keyword, value)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None

    def log(self, type: str, message: str, *args: Any) -> None:
        if type == "error":
            super().log(type, message, *args)


class _AccessLog:
    """WSGI middleware writing one line per request after the answer is built."""

    def __init__(self, app: MockOCP, sink: LogSink) -> None:
        self.app = app
        self.sink = sink

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            seen["status"] = status.split()[0]
            return start_response(status, headers, *rest)

        result = self.app(environ, capture)
        query = _safe_query(environ.get("QUERY_STRING", ""))
        path = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        millis = (time.perf_counter() - started) * 1000
        self.sink(
            f'{environ.get("REMOTE_ADDR", "-")} "{environ.get("REQUEST_METHOD")} {path}" '
            f"{seen.get('status', '-')} {millis:.1f}ms user={environ.get(USER_KEY, '-')} "
            f"trace={environ.get(TRACE_ID_KEY) or '-'}"
        )
        return result


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket, bound here so that a busy port is a :class:`UsageError` (werkzeug exits)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        listener = socket.socket(family, kind, proto)
    except OSError as error:
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(128)
    except OSError as error:
        listener.close()
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    return listener


def _safe_query(query: str) -> str:
    """The query with the value of any secret-looking parameter masked (the API has none, but
    a script might send one by mistake, and the log must never show it)."""
    items = []
    for item in query.split("&") if query else []:
        name, sep, _ = item.partition("=")
        secret = sep and is_secret_name(name)
        items.append(f"{name}=***" if secret else item)
    return "&".join(items)


class MockServer:
    """A :class:`MockOCP` served over HTTP on loopback, in a background thread."""

    def __init__(
        self,
        mock: MockOCP | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log: LogSink | None = None,
    ) -> None:
        self.mock = mock or MockOCP()
        app: Any = _AccessLog(self.mock, log) if log is not None else self.mock
        listener = _listen(host, port)
        try:
            self._server: BaseWSGIServer = make_server(
                host, port, app, threaded=True, request_handler=_QuietHandler, fd=listener.fileno()
            )
        finally:
            listener.close()  # werkzeug serves on its own duplicate of the socket
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.socket.getsockname()[1])

    @property
    def url(self) -> str:
        text = str(self._server.socket.getsockname()[0])
        host = f"[{text}]" if ":" in text else text
        return f"http://{host}:{self.port}"

    def start(self) -> MockServer:
        """Serve in a background thread (idempotent: a started server is left as it is)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name="ocp-mock-http",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, finish the loop and close the socket (idempotent)."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve(
    mock: MockOCP | None = None, *, host: str = "127.0.0.1", port: int = 0, log: LogSink | None = None
) -> MockServer:
    """A started :class:`MockServer` (use it as a context manager, or call ``stop()``)."""
    return MockServer(mock, host=host, port=port, log=log).start()


def serve_until_signal(server: MockServer, *, banner: str = "", out: IO[str] = sys.stdout) -> str:
    """Serve until SIGINT or SIGTERM arrives, then stop cleanly; returns the signal's name.

    The handlers are in place before ``banner`` is printed, so a supervisor that waits for the
    banner and then signals never meets Python's default (abrupt) handling.
    """
    received = threading.Event()
    name = {"value": "SIGINT"}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        name["value"] = signal.Signals(signum).name
        received.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.start()
        if banner:
            print(banner, file=out, flush=True)
        while not received.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.stop()
    print(f"received {name['value']}: stopped", file=out, flush=True)
    return name["value"]
