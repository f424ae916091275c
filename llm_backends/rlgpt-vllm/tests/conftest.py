"""Fixtures: a guard against non-loopback sockets, and the fake vLLM server as a launched process."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rlgpt.testing import refuse_non_loopback
from rlgpt_vllm import VLLMServer

FAKE_SERVER = (sys.executable, str(Path(__file__).with_name("fake_vllm_server.py")))
MODEL = "Qwen/Qwen2.5-0.5B-Instruct"


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every TCP connection to a non-loopback address fail, so no test reaches a network."""
    refuse_non_loopback(monkeypatch)


@pytest.fixture
def fake_launcher() -> tuple[str, ...]:
    """The launcher that runs the fake server script instead of vLLM."""
    return FAKE_SERVER


@pytest.fixture
def model() -> str:
    """The model id the fake server serves."""
    return MODEL


@pytest.fixture
def launch() -> Iterator[Callable[..., VLLMServer]]:
    """Start fake servers with extra flags (``launch("--fail", "500")``); all are stopped afterwards."""
    started: list[VLLMServer] = []

    def start(*server_args: str) -> VLLMServer:
        server = VLLMServer(MODEL, launcher=FAKE_SERVER, server_args=server_args, startup_timeout_s=20)
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def record_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where :func:`running_server` appends the chat requests it receives (one JSON line each)."""
    return tmp_path_factory.mktemp("vllm") / "requests.jsonl"


@pytest.fixture(scope="module")
def running_server(record_file: Path) -> Iterator[VLLMServer]:
    """One fake vLLM server process for a whole test module (attach-mode tests)."""
    server = VLLMServer(
        MODEL, launcher=FAKE_SERVER, server_args=("--record", str(record_file)), startup_timeout_s=20
    )
    server.start()
    yield server
    server.stop()
