"""Registration through the plugin registry, and the price table."""

from __future__ import annotations

import socket

import pytest
from rlgpt import Message, PluginSelection, Request
from rlgpt.llm import build_llm
from rlgpt_openai import ALIASES, MODELS, OpenAILLM, cost_usd, resolve_model


def test_registered_factory_builds_a_client(server):
    spec = PluginSelection().registry().llm_backends["openai"]
    assert spec.aliases["gpt-4o-mini"] == "gpt-4o-mini-2024-07-18"
    llm = spec.factory("gpt-4o-mini", base_url=server.base_url, timeout_s=3)
    assert isinstance(llm, OpenAILLM) and llm.model == "gpt-4o-mini-2024-07-18"


def test_core_builds_and_answers_through_the_backend(server):
    spec = PluginSelection().registry().llm_backends["openai"]
    llm = build_llm(spec, "gpt-4o", {"base_url": server.base_url}, cache_path=None, retries=2)
    server.reply(status=503, json={"error": {"message": "overloaded"}}, headers={"retry-after": "0"})
    answer = llm.complete(Request((Message("user", "hi"),)))
    assert answer.text == "default answer" and len(server.requests) == 2  # one retry by the core
    assert server.requests[1].json["model"] == "gpt-4o-2024-08-06"


def test_unknown_option_lists_the_accepted_ones(server):
    spec = PluginSelection().registry().llm_backends["openai"]
    with pytest.raises(ValueError, match=r"no option 'temprature' \(options: api_key, base_url, timeout_s"):
        build_llm(spec, "gpt-4o", {"temprature": 0.5}, cache_path=None)


def test_every_alias_points_into_the_price_table():
    assert set(ALIASES.values()) <= set(MODELS)
    for alias in ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4-turbo", "gpt-4"):
        assert resolve_model(alias) in MODELS


def test_cost_from_list_prices():
    assert cost_usd("gpt-4o", 1_000_000, 1_000_000) == pytest.approx(12.50)
    assert cost_usd("gpt-4o-mini-2024-07-18", 2000, 1000) == pytest.approx(0.0009)
    assert cost_usd("llama3:8b", 1000, 1000) is None


def test_non_positive_timeout_is_refused(server):
    with pytest.raises(ValueError, match="timeout_s must be positive"):
        OpenAILLM("gpt-4o", base_url=server.base_url, timeout_s=0)


def test_the_session_guard_refuses_non_loopback_addresses():
    with pytest.raises(OSError, match="only loopback is allowed"):
        socket.create_connection(("203.0.113.7", 443), timeout=1)
