"""Launching, health-waiting for and stopping a vLLM server process (the fake one stands in)."""

from __future__ import annotations

import gc
import importlib.util
import socket
import sys
import urllib.request

import pytest
from rlgpt import LLMError, Message, Request
from rlgpt_vllm import EngineOptions, VLLMServer, create_llm


def test_default_command_runs_vllms_openai_server():
    engine = EngineOptions(tensor_parallel_size=2, max_model_len=8192, trust_remote_code=True)
    server = VLLMServer(
        "meta-llama/Llama-3.1-8B-Instruct", port=8123, engine=engine, server_args=["--seed", "0"]
    )
    assert server.command == [
        sys.executable,
        "-m",
        "vllm.entrypoints.openai.api_server",
        *("--model", "meta-llama/Llama-3.1-8B-Instruct", "--host", "127.0.0.1", "--port", "8123"),
        *("--tensor-parallel-size", "2", "--max-model-len", "8192", "--trust-remote-code"),
        *("--seed", "0"),
    ]
    assert server.base_url == "http://127.0.0.1:8123/v1"


def test_free_port_is_chosen_when_none_given(model):
    first, second = VLLMServer(model), VLLMServer(model)
    assert first.port > 0 and first.command[first.command.index("--port") + 1] == str(first.port)
    assert second.base_url.startswith("http://127.0.0.1:")


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed here")
def test_launching_without_vllm_names_the_fix(model):
    with pytest.raises(LLMError, match=r"vllm is not installed.*pip install vllm.*options\.base_url"):
        VLLMServer(model).start()


def test_start_waits_for_a_slow_server_then_stop_ends_it(model, fake_launcher):
    server = VLLMServer(model, launcher=fake_launcher, server_args=["--startup-delay", "0.8"])
    assert server.start() == server.base_url
    with urllib.request.urlopen(f"{server.base_url}/models", timeout=5) as response:
        assert model in response.read().decode()
    server.stop()
    assert not server.running
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{server.base_url}/models", timeout=2)


def test_a_server_that_dies_while_starting_reports_its_last_words(model, fake_launcher):
    server = VLLMServer(model, launcher=fake_launcher, server_args=["--crash", "CUDA out of memory"])
    with pytest.raises(LLMError, match=r"exited with code 3 .*CUDA out of memory; see .*\.log"):
        server.start()
    assert not server.running


def test_a_server_too_slow_to_start_is_stopped(model, fake_launcher):
    server = VLLMServer(
        model, launcher=fake_launcher, server_args=["--startup-delay", "30"], startup_timeout_s=0.5
    )
    with pytest.raises(LLMError, match=r"did not serve .* within 0.5s; raise options.startup_timeout_s"):
        server.start()
    assert not server.running


def test_launched_server_answers_and_close_stops_it(model, fake_launcher):
    llm = create_llm(model, mode="server", launcher=fake_launcher, startup_timeout_s=20)
    server = llm.owned_server
    assert server is not None and server.running
    answer = llm.complete(Request((Message("user", "chop the tree"),)))
    assert (answer.text, answer.backend, answer.model) == ("echo: chop the tree", "vllm", model)
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (3, 4)
    llm.close()
    assert not server.running


def test_the_session_guard_refuses_non_loopback_addresses():
    with pytest.raises(OSError, match="only loopback is allowed"):
        socket.create_connection(("203.0.113.7", 8000), timeout=1)


def test_a_launched_server_is_stopped_when_its_client_is_collected(model, fake_launcher):
    llm = create_llm(model, mode="server", launcher=fake_launcher, startup_timeout_s=20)
    server = llm.owned_server
    del llm
    gc.collect()
    assert server is not None and not server.running
