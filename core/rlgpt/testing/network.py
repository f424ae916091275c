"""Network helpers for the tests of plugins that talk to servers.

:func:`refuse_non_loopback` keeps a test off the network; :class:`LoopbackHTTPServer`
serves scripted HTTP replies on 127.0.0.1, so a backend's real client can be tested
against it. A conftest makes the guard apply to every test of its folder::

    @pytest.fixture(autouse=True)
    def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
        refuse_non_loopback(monkeypatch)
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import pytest


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an IP address or ``localhost``) names this machine's loopback interface."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost
        return False


def refuse_non_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make TCP connections to non-loopback addresses fail with :class:`OSError` until the test ends.

    Loopback TCP and local (Unix) sockets work as usual.
    """
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
            raise OSError(f"test tried to reach {address[0]}: only loopback is allowed")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@dataclass(frozen=True)
class HTTPRequest:
    """One request a :class:`LoopbackHTTPServer` received.

    :param method: ``GET``, ``POST``, ...
    :param path: the path with its query string.
    :param headers: the request headers, names in lower case.
    :param body: the raw body (empty when the request has none).
    """

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body parsed as JSON (``None`` for an empty body)."""
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class HTTPReply:
    """What a :class:`LoopbackHTTPServer` answers to one request.

    :param status: the HTTP status.
    :param body: the raw body.
    :param content_type: the ``content-type`` header.
    :param headers: further headers.
    :param delay_s: seconds to wait before answering (to test client timeouts).
    """

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


class LoopbackHTTPServer:
    """An HTTP server on a free port of 127.0.0.1 that answers every request with ``respond(request)``.

    It serves from a daemon thread between :meth:`start` and :meth:`stop` (or inside a
    ``with`` block) and records every request in :attr:`requests`. ``respond`` is called
    for one request at a time, so it may pop replies from a script without a lock.

    :param respond: picks the reply to a request.
    """

    def __init__(self, respond: Callable[[HTTPRequest], HTTPReply]) -> None:
        self.requests: list[HTTPRequest] = []
        self._respond = respond
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _answer(self, request: HTTPRequest) -> HTTPReply:
        """Record ``request`` and pick its reply, one request at a time."""
        with self._lock:
            self.requests.append(request)
            return self._respond(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                reply = server._answer(HTTPRequest(self.command, self.path, headers, body))
                time.sleep(reply.delay_s)
                self.send_response(reply.status)
                self.send_header("content-type", reply.content_type)
                self.send_header("content-length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                    self.wfile.write(reply.body)

        return Handler
