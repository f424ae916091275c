"""A real OpenAI-compatible HTTP server on loopback, and a guard against non-loopback sockets."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every TCP connection to a non-loopback address fail, so no test reaches a network."""
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
                raise OSError(f"test tried to reach {host}: only loopback is allowed")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@dataclass
class Reply:
    """One scripted HTTP answer: a JSON or raw body, or a list of SSE events."""

    status: int = 200
    json: Any = None
    body: bytes | None = None
    events: list[Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Seen:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    json: Any


def chat_completion(text: str, *, model: str = "served-model", prompt: int = 11, completion: int = 5) -> dict:
    """A Chat Completions response body."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def chunk(
    content: str | None = None, *, usage: tuple[int, int] | None = None, model: str = "served-model"
) -> dict:
    """One streamed ``chat.completion.chunk``: a content delta, or the final usage-only chunk."""
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": model,
    }
    if usage is None:
        body["choices"] = [{"index": 0, "delta": {"content": content}, "finish_reason": None}]
    else:
        body["choices"] = []
        body["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
    return body


class FakeServer:
    """Answers scripted replies in order (a default completion once the script runs out)."""

    completion = staticmethod(chat_completion)
    chunk = staticmethod(chunk)

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.seen: list[Seen] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        """The ``/v1`` URL clients use."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def reply(self, **kwargs: Any) -> None:
        """Queue one :class:`Reply`."""
        self.replies.append(Reply(**kwargs))

    def _next(self) -> Reply:
        return self.replies.pop(0) if self.replies else Reply(json=chat_completion("default answer"))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                server.seen.append(
                    Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(raw))
                )
                reply = server._next()
                time.sleep(reply.delay_s)
                if reply.events is not None:
                    payload = "".join(
                        f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in reply.events
                    ).encode()
                    content_type = "text/event-stream"
                elif reply.body is not None:
                    payload, content_type = reply.body, "application/json"
                else:
                    payload, content_type = json.dumps(reply.json).encode(), "application/json"
                self.send_response(reply.status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)

        return Handler

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    """A running :class:`FakeServer` on 127.0.0.1."""
    fake = FakeServer()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's OpenAI environment variables out of the tests."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
