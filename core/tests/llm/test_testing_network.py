"""rlgpt.testing's network helpers, which LLM backend tests use: the loopback guard and server."""

from __future__ import annotations

import json
import socket
import urllib.request

import pytest
from rlgpt.testing import HTTPReply, HTTPRequest, LoopbackHTTPServer, refuse_non_loopback
from rlgpt.testing.network import is_loopback


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("10.0.0.1", False),
        ("203.0.113.7", False),
        ("2001:db8::1", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_guard_refuses_non_loopback_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_non_loopback(monkeypatch)
    with pytest.raises(OSError, match=r"test tried to reach 203\.0\.113\.7: only loopback is allowed"):
        socket.create_connection(("203.0.113.7", 443), timeout=1)


def test_the_guard_lets_loopback_through(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_non_loopback(monkeypatch)
    with (
        LoopbackHTTPServer(lambda request: HTTPReply(body=b"{}")) as server,
        urllib.request.urlopen(server.url, timeout=5) as response,
    ):
        assert response.status == 200


def test_the_server_records_requests_and_sends_the_chosen_reply() -> None:
    def respond(request: HTTPRequest) -> HTTPReply:
        body = json.dumps({"echo": request.json}).encode()
        return HTTPReply(201, body, "application/json", {"X-Trace": "t-1"})

    with LoopbackHTTPServer(respond) as server:
        sent = urllib.request.Request(
            f"{server.url}/v1/things?q=1",
            data=json.dumps({"a": 1}).encode(),
            headers={"Authorization": "Bearer k", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(sent, timeout=5) as response:
            assert response.status == 201
            assert response.headers["x-trace"] == "t-1"
            assert json.loads(response.read()) == {"echo": {"a": 1}}
        with urllib.request.urlopen(server.url, timeout=5) as response:
            assert response.status == 201

    post, get = server.requests
    assert (post.method, post.path, post.json) == ("POST", "/v1/things?q=1", {"a": 1})
    assert post.headers["authorization"] == "Bearer k"
    assert (get.method, get.path, get.body, get.json) == ("GET", "/", b"", None)


def test_a_delayed_reply_times_the_client_out() -> None:
    with (
        LoopbackHTTPServer(lambda request: HTTPReply(body=b"late", delay_s=1.0)) as server,
        pytest.raises(TimeoutError),
    ):
        urllib.request.urlopen(server.url, timeout=0.2)
