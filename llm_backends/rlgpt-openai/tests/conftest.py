"""A real OpenAI-compatible HTTP server on loopback, and a guard against non-loopback sockets."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rlgpt.testing import HTTPReply, HTTPRequest, LoopbackHTTPServer, refuse_non_loopback

sys.path.insert(0, str(Path(__file__).parent))  # llama_cpp_mimic


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every TCP connection to a non-loopback address fail, so no test reaches a network."""
    refuse_non_loopback(monkeypatch)


@dataclass
class Reply:
    """One scripted HTTP answer: a JSON or raw body, or a list of SSE events."""

    status: int = 200
    json: Any = None
    body: bytes | None = None
    events: list[Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0

    def to_http(self) -> HTTPReply:
        """The reply as the loopback server sends it."""
        if self.events is not None:
            payload = "".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in self.events)
            body, content_type = payload.encode(), "text/event-stream"
        elif self.body is not None:
            body, content_type = self.body, "application/json"
        else:
            body, content_type = json.dumps(self.json).encode(), "application/json"
        return HTTPReply(self.status, body, content_type, self.headers, self.delay_s)


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


class FakeServer(LoopbackHTTPServer):
    """Answers scripted replies in order (a default completion once the script runs out)."""

    completion = staticmethod(chat_completion)
    chunk = staticmethod(chunk)

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        super().__init__(self._next)

    @property
    def base_url(self) -> str:
        """The ``/v1`` URL clients use."""
        return f"{self.url}/v1"

    def reply(self, **kwargs: Any) -> None:
        """Queue one :class:`Reply`."""
        self.replies.append(Reply(**kwargs))

    def _next(self, request: HTTPRequest) -> HTTPReply:
        reply = self.replies.pop(0) if self.replies else Reply(json=chat_completion("default answer"))
        return reply.to_http()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    """A running :class:`FakeServer` on 127.0.0.1."""
    with FakeServer() as fake:
        yield fake


@pytest.fixture(autouse=True)
def no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's OpenAI environment variables out of the tests."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
