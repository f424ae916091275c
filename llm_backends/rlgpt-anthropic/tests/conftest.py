"""A loopback server playing the Anthropic Messages API from scripted replies; no test reaches a network."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from rlgpt.testing import HTTPReply, HTTPRequest, LoopbackHTTPServer, refuse_non_loopback


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every TCP connection to a non-loopback address fail, so no test reaches a network."""
    refuse_non_loopback(monkeypatch)


def message_json(text: str, *, model: str, input_tokens: int = 11, output_tokens: int = 7) -> bytes:
    """A Messages API JSON body answering ``text``."""
    return json.dumps(
        {
            "id": "msg_01",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        }
    ).encode()


def message_sse(pieces: list[str], *, model: str, input_tokens: int = 13, output_tokens: int = 5) -> bytes:
    """A Messages API server-sent-event stream answering the concatenation of ``pieces``."""
    events: list[tuple[str, dict[str, Any]]] = [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_02",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": input_tokens, "output_tokens": 1},
                },
            },
        ),
        (
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
        ("ping", {"type": "ping"}),
    ]
    events += [
        (
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}},
        )
        for piece in pieces
    ]
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events).encode()


def error_json(kind: str, message: str) -> bytes:
    """An Anthropic error body."""
    return json.dumps({"type": "error", "error": {"type": kind, "message": message}}).encode()


class FakeClaude(LoopbackHTTPServer):
    """Serves scripted replies in order (the last one repeats) and records every request."""

    def __init__(self) -> None:
        self.replies: list[HTTPReply] = []
        super().__init__(self._next)

    def _next(self, request: HTTPRequest) -> HTTPReply:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def reply(self, *replies: HTTPReply) -> None:
        """Queue ``replies`` (the last one answers every later request too)."""
        self.replies.extend(replies)

    def answer(self, text: str, model: str = "claude-haiku-4-5-20251001", **usage: int) -> None:
        """Queue a JSON Messages API answer."""
        self.reply(HTTPReply(body=message_json(text, model=model, **usage)))

    def stream(self, pieces: list[str], model: str = "claude-haiku-4-5-20251001", **usage: int) -> None:
        """Queue a server-sent-event answer."""
        self.reply(
            HTTPReply(body=message_sse(pieces, model=model, **usage), content_type="text/event-stream")
        )

    def stream_error(self, kind: str, message: str) -> None:
        """Queue a stream that starts, then reports an error event (as the API does when overloaded)."""
        head = message_sse(["partial"], model="claude-haiku-4-5-20251001").split(
            b"event: content_block_stop"
        )[0]
        error = json.dumps({"type": "error", "error": {"type": kind, "message": message}})
        self.reply(
            HTTPReply(
                body=head + f"event: error\ndata: {error}\n\n".encode(), content_type="text/event-stream"
            )
        )

    def hang(self, delay_s: float) -> None:
        """Queue a reply that arrives only after ``delay_s`` seconds."""
        self.reply(HTTPReply(body=b"{}", delay_s=delay_s))

    def raw(self, body: bytes, content_type: str) -> None:
        """Queue a 200 reply with an arbitrary body."""
        self.reply(HTTPReply(body=body, content_type=content_type))

    def fail(self, status: int, kind: str, message: str, **headers: str) -> None:
        """Queue an error reply (header names use ``_`` for ``-``)."""
        self.reply(
            HTTPReply(
                status,
                error_json(kind, message),
                headers={k.replace("_", "-"): v for k, v in headers.items()},
            )
        )


@pytest.fixture
def claude() -> Iterator[FakeClaude]:
    """A running :class:`FakeClaude` on 127.0.0.1."""
    with FakeClaude() as fake:
        yield fake
