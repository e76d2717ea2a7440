"""Small HTTP servers on 127.0.0.1 that misbehave on purpose, for the bounded-run tests.

:class:`LoopbackServer` speaks just enough HTTP/1.1 over raw sockets to stall, trickle, redirect
for ever, send a huge body or fail every request — things a well-behaved framework will not do.
Each connection carries one request and is closed after it (``Connection: close``). The first
``good_first`` requests are answered by a fresh mock OCP, so a misbehaviour can start mid-run.

Every behaviour ends by itself: it stops when the test stops the server, when the client hangs
up, or after a hard limit (:data:`LONGEST`), so no test can leave a thread running for long.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urlsplit

from werkzeug.test import EnvironBuilder, run_wsgi_app

from contracts.mock import create_app

#: No behaviour runs longer than this (seconds), whatever happens.
LONGEST = 30.0
_HEAD_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Request:
    """One request as the server read it."""

    number: int
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


class Conn:
    """The client connection of one request, with the server's stop flag."""

    def __init__(self, sock: socket.socket, stopping: threading.Event) -> None:
        self.sock = sock
        self.stopping = stopping
        self.started = time.monotonic()

    @property
    def over(self) -> bool:
        """The server is stopping or the hard limit has passed: the behaviour must end."""
        return self.stopping.is_set() or time.monotonic() - self.started > LONGEST

    def send(self, data: bytes) -> bool:
        """Write ``data``; ``False`` once the client has hung up."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless the server stops; ``False`` when the behaviour must end."""
        return not self.stopping.wait(seconds) and not self.over


Behaviour = Callable[[Conn, Request], None]


def head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# --------------------------------------------------------------------------- behaviours


def stall_mid_body(conn: Conn, request: Request) -> None:
    """Headers and a few bytes of a 1000-byte body, then silence."""
    conn.send(head("200 OK", {"Content-Type": "application/json", "Content-Length": "1000"}) + b'{"status"')
    while conn.wait(0.1):
        pass


def trickle_body(interval: float) -> Behaviour:
    """Headers at once, then the body one byte every ``interval`` seconds."""

    def behave(conn: Conn, request: Request) -> None:
        conn.send(head("200 OK", {"Content-Type": "application/json", "Content-Length": "100000"}))
        while conn.wait(interval) and conn.send(b" "):
            pass

    return behave


def trickle_headers(interval: float) -> Behaviour:
    """The status line, then one header byte every ``interval`` seconds."""

    def behave(conn: Conn, request: Request) -> None:
        conn.send(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while conn.wait(interval) and conn.send(b"x"):
            pass

    return behave


def redirect_forever(conn: Conn, request: Request) -> None:
    """302 to another URL of the same server, every time."""
    conn.send(
        head(
            "302 Found", {"Location": f"/api/v2/tasks/instances?hop={request.number}", "Content-Length": "0"}
        )
    )


def huge_body(size: int) -> Behaviour:
    """A JSON-typed body of ``size`` bytes, written as fast as the client reads."""
    chunk = b" " * (64 * 1024)

    def behave(conn: Conn, request: Request) -> None:
        conn.send(head("200 OK", {"Content-Type": "application/json", "Content-Length": str(size)}))
        sent = 0
        while sent < size and not conn.over and conn.send(chunk):
            sent += len(chunk)

    return behave


def server_error(delay: float = 0.0) -> Behaviour:
    """A documented-looking 500 envelope, after ``delay`` seconds."""

    def behave(conn: Conn, request: Request) -> None:
        if delay and not conn.wait(delay):
            return
        body = json.dumps(
            {
                "successful": False,
                "timestamp": "2024-04-15T09:25:02.000+08:00",
                "duration": 1,
                "status": 500,
                "traceId": "0123456789abcdef",
                "server": "ocp-hostile",
                "error": {"code": 10000, "message": "Internal server error"},
            }
        ).encode()
        conn.send(
            head(
                "500 Internal Server Error",
                {"Content-Type": "application/json", "Content-Length": str(len(body))},
            )
            + body
        )

    return behave


# --------------------------------------------------------------------------- the server


@dataclass
class LoopbackServer:
    """Serves ``behave`` on 127.0.0.1 (a free port) until the ``with`` block ends.

    The first ``good_first`` requests are answered by a fresh mock OCP instead.
    """

    behave: Behaviour
    good_first: int = 0
    requests: list[Request] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _clients: list[socket.socket] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._mock = create_app()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> LoopbackServer:
        self._spawn(self._accept)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stopping.set()
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            with contextlib.suppress(OSError):  # the client may have gone already
                client.shutdown(socket.SHUT_RDWR)
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name="hostile-loopback")
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._clients.append(client)
            self._spawn(self._handle, client)

    def _handle(self, client: socket.socket) -> None:
        client.settimeout(5)
        with client:
            request = self._read(client)
            if request is None:
                return
            conn = Conn(client, self._stopping)
            if request.number < self.good_first:
                _answer_from_mock(self._mock, conn, request)
            else:
                self.behave(conn, request)

    def _read(self, client: socket.socket) -> Request | None:
        data = b""
        try:
            while b"\r\n\r\n" not in data and len(data) < _HEAD_LIMIT:
                chunk = client.recv(4096)
                if not chunk:
                    return None
                data += chunk
            head_bytes, _, body = data.partition(b"\r\n\r\n")
            lines = head_bytes.decode("latin-1").split("\r\n")
            headers = {
                k.strip().lower(): v.strip()
                for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
            }
            length = int(headers.get("content-length", "0") or 0)
            while len(body) < length:
                chunk = client.recv(length - len(body))
                if not chunk:
                    return None
                body += chunk
        except (OSError, ValueError):
            return None
        method, target, *_ = [*lines[0].split(" "), "", ""]
        with self._lock:
            request = Request(len(self.requests), method, target, headers, body)
            self.requests.append(request)
        return request


def _answer_from_mock(mock: object, conn: Conn, request: Request) -> None:
    """Let the mock OCP answer, as its HTTP front end would."""
    parts = urlsplit(request.target)
    builder = EnvironBuilder(
        method=request.method,
        path=parts.path,
        query_string=parts.query,
        headers=list(request.headers.items()),
        input_stream=io.BytesIO(request.body),
        content_length=len(request.body),
    )
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    app_iter, status, headers = run_wsgi_app(mock, environ)  # type: ignore[arg-type]
    body = b"".join(app_iter)
    fields = {k: v for k, v in headers.items() if k.lower() not in ("content-length", "connection")}
    conn.send(head(status, {**fields, "Content-Length": str(len(body))}) + body)
