"""AnthropicLLM against a loopback server speaking the Messages API (the real anthropic client)."""

from __future__ import annotations

import base64
import json

import pytest
from rlgpt import Image, LLMError, Message, Request, SamplingParams, TransientLLMError, Usage
from rlgpt.llm import JsonSchema, PythonBlock
from rlgpt_anthropic import AnthropicLLM, cost_usd, resolve_model


def ask(*messages: Message, **params: object) -> Request:
    """A request of ``messages`` with sampling ``params``."""
    return Request(messages=messages, params=SamplingParams(**params))  # type: ignore[arg-type]


def llm_for(claude, model: str = "claude-haiku-4-5", **options: object) -> AnthropicLLM:
    """An AnthropicLLM pointed at the loopback server."""
    return AnthropicLLM(model, api_key="sk-test-key", base_url=claude.url, timeout_s=5, **options)


def test_json_answer_sends_system_messages_and_counts_cost(claude) -> None:
    claude.answer("def act(env):\n    return 0", input_tokens=120, output_tokens=30)
    llm = llm_for(claude)
    request = ask(
        Message("system", "You write Python."),
        Message("user", "Write act."),
        Message("assistant", "Which env?"),
        Message("user", "Crafter."),
        max_tokens=256,
        temperature=0.0,
        stop=("```",),
    )
    completion = llm.complete(request)

    assert completion.text == "def act(env):\n    return 0"
    assert completion.usage == Usage(prompt_tokens=120, completion_tokens=30)
    assert completion.model == "claude-haiku-4-5-20251001"
    assert completion.backend == "anthropic"
    assert completion.cost_usd == pytest.approx((120 * 1.0 + 30 * 5.0) / 1e6)
    assert completion.latency_s > 0
    [seen] = claude.requests
    assert seen.path == "/v1/messages"
    assert seen.headers["authorization"] == "Bearer sk-test-key"
    assert seen.headers["anthropic-version"]
    assert seen.json["model"] == "claude-haiku-4-5-20251001"
    assert seen.json["system"] == "You write Python."
    assert seen.json["max_tokens"] == 256
    assert seen.json["temperature"] == 0.0
    assert seen.json["stop_sequences"] == ["```"]
    assert "stream" not in seen.json or seen.json["stream"] is False
    assert seen.json["messages"] == [
        {"role": "user", "content": "Write act."},
        {"role": "assistant", "content": "Which env?"},
        {"role": "user", "content": "Crafter."},
    ]


def test_images_become_base64_blocks_before_the_text(claude) -> None:
    claude.answer("a tree")
    png = b"\x89PNG\r\n\x1a\nfake-pixels"
    message = Message(
        "user", "What is in front of the agent?", images=(Image(png), Image(b"jpg", "image/jpeg"))
    )
    llm_for(claude).complete(ask(message))
    content = claude.requests[0].json["messages"][0]["content"]
    assert content == [
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": base64.b64encode(png).decode()},
        },
        {
            "type": "image",
            "source": {
                "type": "base64",
                "media_type": "image/jpeg",
                "data": base64.b64encode(b"jpg").decode(),
            },
        },
        {"type": "text", "text": "What is in front of the agent?"},
    ]
    assert "system" not in claude.requests[0].json


def test_unsupported_image_type_names_the_accepted_ones(claude) -> None:
    message = Message("user", "look", images=(Image(b"x", "image/bmp"),))
    with pytest.raises(LLMError, match=r"image/bmp.*convert to one of image/gif, image/jpeg"):
        llm_for(claude).complete(ask(message))
    assert claude.requests == []


def test_streaming_joins_text_deltas_and_reads_usage(claude) -> None:
    claude.stream(
        ["def ", "act(env):", "\n    return 3"],
        model="claude-opus-4-1-20250805",
        input_tokens=40,
        output_tokens=9,
    )
    llm = llm_for(claude, model="claude-opus-4-1", stream=True)
    completion = llm.complete(ask(Message("user", "go")))
    assert completion.text == "def act(env):\n    return 3"
    assert completion.usage == Usage(40, 9)
    assert completion.cost_usd == pytest.approx((40 * 15 + 9 * 75) / 1e6)
    assert claude.requests[0].json["stream"] is True


def test_rate_limit_is_transient_with_retry_after(claude) -> None:
    claude.fail(429, "rate_limit_error", "Number of requests has exceeded your rate limit", retry_after="7")
    with pytest.raises(TransientLLMError, match=r"rate limit \(HTTP 429") as caught:
        llm_for(claude).complete(ask(Message("user", "hi")))
    assert caught.value.retry_after_s == 7.0
    assert len(claude.requests) == 1, "the client library must not retry on its own"


@pytest.mark.parametrize(
    ("status", "kind"), [(529, "overloaded_error"), (500, "api_error"), (503, "api_error")]
)
def test_overload_and_server_errors_are_transient(claude, status: int, kind: str) -> None:
    claude.fail(status, kind, "Overloaded")
    with pytest.raises(TransientLLMError, match=rf"HTTP {status}.*retry later") as caught:
        llm_for(claude).complete(ask(Message("user", "hi")))
    assert caught.value.retry_after_s is None
    assert len(claude.requests) == 1


def test_error_event_inside_a_stream_is_transient(claude) -> None:
    claude.stream_error("overloaded_error", "Overloaded")
    with pytest.raises(TransientLLMError, match=r"HTTP 200.*Overloaded.*retry later"):
        llm_for(claude, stream=True).complete(ask(Message("user", "hi")))


def test_slow_server_times_out_as_transient(claude) -> None:
    claude.hang(1.0)
    llm = AnthropicLLM("claude-haiku-4-5", api_key="k", base_url=claude.url, timeout_s=0.2)
    with pytest.raises(TransientLLMError, match=r"timed out after 0\.2 s: raise timeout_s"):
        llm.complete(ask(Message("user", "hi")))


def test_bad_key_is_permanent_and_names_the_variable(claude) -> None:
    claude.fail(401, "authentication_error", "invalid x-api-key")
    with pytest.raises(LLMError, match="set a valid ANTHROPIC_API_KEY") as caught:
        llm_for(claude).complete(ask(Message("user", "hi")))
    assert not isinstance(caught.value, TransientLLMError)


def test_bad_request_carries_the_api_message(claude) -> None:
    claude.fail(400, "invalid_request_error", "messages: roles must alternate\nbetween user and assistant")
    with pytest.raises(LLMError, match="roles must alternate between user and assistant") as caught:
        llm_for(claude).complete(ask(Message("user", "hi")))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"id": "msg", "type": "message"}', "application/json"),
        (b"<html>proxy error</html>", "text/html"),
    ],
)
def test_malformed_bodies_are_llm_errors(claude, body: bytes, content_type: str) -> None:
    claude.raw(body, content_type)
    with pytest.raises(LLMError, match="malformed") as caught:
        llm_for(claude).complete(ask(Message("user", "hi")))
    assert not isinstance(caught.value, TransientLLMError)


def test_unreachable_server_is_transient() -> None:
    llm = AnthropicLLM("claude-haiku-4-5", api_key="k", base_url="http://127.0.0.1:9", timeout_s=2)
    with pytest.raises(TransientLLMError, match=r"cannot reach the Anthropic API at http://127\.0\.0\.1:9"):
        llm.complete(ask(Message("user", "hi")))


def test_the_server_is_the_answer_identity() -> None:
    llm = AnthropicLLM("claude-haiku-4-5", api_key="k", base_url="http://127.0.0.1:9")
    assert llm.answer_identity == {"base_url": llm.base_url} and "127.0.0.1:9" in llm.base_url


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(LLMError, match="set ANTHROPIC_API_KEY or pass api_key="):
        AnthropicLLM("claude-haiku-4-5")


def test_key_from_environment(claude, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-from-env")
    claude.answer("ok")
    AnthropicLLM("claude-haiku-4-5", base_url=claude.url).complete(ask(Message("user", "hi")))
    assert claude.requests[0].headers["authorization"] == "Bearer sk-from-env"


def test_only_system_messages_is_an_error(claude) -> None:
    with pytest.raises(LLMError, match="add a user message"):
        llm_for(claude).complete(ask(Message("system", "be brief")))


def test_aliases_and_prices() -> None:
    assert resolve_model("claude-opus-4-1") == "claude-opus-4-1-20250805"
    assert resolve_model("claude-3-5-sonnet") == "claude-3-5-sonnet-20241022"
    assert resolve_model("claude-some-future-model") == "claude-some-future-model"
    assert cost_usd("claude-opus-4-1-20250805", Usage(1_000_000, 1_000_000)) == pytest.approx(90.0)
    assert cost_usd("claude-some-future-model", Usage(10, 10)) is None
    with pytest.raises(ValueError, match="aliases"):
        resolve_model(" ")


def test_unknown_model_sends_no_temperature(claude) -> None:
    claude.answer("ok", model="claude-some-future-model")
    completion = llm_for(claude, model="claude-some-future-model").complete(ask(Message("user", "hi")))
    assert "temperature" not in claude.requests[0].json
    assert completion.cost_usd is None


def test_a_json_schema_is_a_forced_tool_and_its_input_the_answer(claude) -> None:
    schema = {
        "type": "object",
        "properties": {"plan": {"type": "string", "enum": ["chop", "craft"]}},
        "required": ["plan"],
        "additionalProperties": False,
    }
    tool_use = {"type": "tool_use", "id": "toolu_01", "name": "plan", "input": {"plan": "chop"}}
    reply = {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5-20251001",
        "content": [tool_use],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 40, "output_tokens": 9},
    }
    claude.raw(json.dumps(reply).encode(), "application/json")
    llm = llm_for(claude)
    assert llm.output_kinds == {"json_schema"}

    completion = llm.complete(Request((Message("user", "Plan."),), output=JsonSchema("plan", schema)))

    assert json.loads(completion.text) == {"plan": "chop"}
    [seen] = claude.requests
    [tool] = seen.json["tools"]
    assert (tool["name"], tool["input_schema"]) == ("plan", schema)
    assert seen.json["tool_choice"] == {"type": "tool", "name": "plan"}


def test_a_code_block_request_sends_no_tool(claude) -> None:
    claude.answer("```python\ndef act(api):\n    return True\n```")
    llm_for(claude).complete(Request((Message("user", "Code."),), output=PythonBlock(("act",))))
    [seen] = claude.requests
    assert "tools" not in seen.json and "tool_choice" not in seen.json
