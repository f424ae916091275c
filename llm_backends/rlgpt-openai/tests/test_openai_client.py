"""OpenAILLM through the real ``openai`` client against a loopback server."""

from __future__ import annotations

import base64
import socket

import pytest
from rlgpt import Image, LLMError, Message, Request, SamplingParams, TransientLLMError
from rlgpt.llm import JsonSchema, PythonBlock
from rlgpt_openai import OpenAILLM

CONVERSATION = (
    Message("system", "You write Python."),
    Message("user", "Chop a tree."),
    Message("assistant", "def chop(api): ..."),
    Message("user", "Now make it loop."),
)
PNG = b"\x89PNG\r\n\x1a\nfake-png-bytes"


def make(server, model: str = "local-model", **options) -> OpenAILLM:
    return OpenAILLM(model, base_url=server.base_url, api_key="sk-test", timeout_s=5, **options)


def test_request_body_headers_and_completion(server):
    server.reply(
        json=server.completion("def loop(api): ...", model="local-model-v2", prompt=42, completion=7)
    )
    llm = make(server, organization="org-7", extra_body={"top_k": 20})
    params = SamplingParams(temperature=0.3, max_tokens=128, stop=("```",), seed=5)

    answer = llm.complete(Request(CONVERSATION, params, tags={"step": "code"}))

    assert (answer.text, answer.model, answer.backend) == ("def loop(api): ...", "local-model-v2", "openai")
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (42, 7)
    assert answer.latency_s > 0 and answer.cost_usd is None and not answer.cached
    [seen] = server.requests
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["authorization"] == "Bearer sk-test"
    assert seen.headers["openai-organization"] == "org-7"
    assert seen.json["model"] == "local-model"
    assert seen.json["messages"] == [{"role": m.role, "content": m.content} for m in CONVERSATION]
    assert (seen.json["temperature"], seen.json["max_tokens"]) == (0.3, 128)
    assert (seen.json["stop"], seen.json["seed"], seen.json["top_k"]) == (["```"], 5, 20)
    assert "stream" not in seen.json


def test_alias_resolves_and_images_become_data_urls(server):
    llm = make(server, model="gpt-4o")
    assert llm.supports_images and llm.model == "gpt-4o-2024-08-06"

    llm.complete(Request((Message("user", "What is in front of me?", images=(Image(PNG, "image/png"),)),)))

    [seen] = server.requests
    assert seen.json["model"] == "gpt-4o-2024-08-06"
    text, image = seen.json["messages"][0]["content"]
    assert text == {"type": "text", "text": "What is in front of me?"}
    assert image["type"] == "image_url"
    assert image["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()


def test_images_to_a_text_only_model_fail_before_sending(server):
    llm = make(server, model="gpt-4")
    with pytest.raises(LLMError, match=r"does not take images.*supports_images=true"):
        llm.complete(Request((Message("user", "look", images=(Image(PNG),)),)))
    assert server.requests == []


def test_images_on_a_system_message_are_refused(server):
    llm = make(server, supports_images=True)
    with pytest.raises(LLMError, match=r"attach images to user messages only"):
        llm.complete(Request((Message("system", "look", images=(Image(PNG),)),)))


def test_reasoning_models_get_max_completion_tokens_and_no_temperature(server):
    make(server, model="o3-mini").complete(Request(CONVERSATION, SamplingParams(max_tokens=99)))
    body = server.requests[0].json
    assert body["max_completion_tokens"] == 99
    assert "max_tokens" not in body and "temperature" not in body


def test_streaming_joins_deltas_and_reads_usage(server):
    chunks = [
        server.chunk("def "),
        server.chunk("loop"),
        server.chunk("(api): ..."),
        server.chunk(usage=(30, 4)),
    ]
    server.reply(events=[*chunks, "[DONE]"])

    answer = make(server, stream=True).complete(Request(CONVERSATION))

    assert answer.text == "def loop(api): ..."
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (30, 4)
    assert answer.model == "served-model"
    body = server.requests[0].json
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_stream_without_usage_names_the_fix(server):
    server.reply(events=[server.chunk("hi"), "[DONE]"])
    with pytest.raises(LLMError, match=r"options.stream=false"):
        make(server, stream=True).complete(Request(CONVERSATION))


def test_error_event_inside_a_stream_is_transient(server):
    server.reply(events=[server.chunk("hi"), {"error": {"message": "engine crashed"}}])
    with pytest.raises(TransientLLMError, match=r"broke off: engine crashed; retry later"):
        make(server, stream=True).complete(Request(CONVERSATION))


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({"retry-after": "7"}, 7.0), ({"retry-after-ms": "1500"}, 1.5), ({}, None)],
)
def test_rate_limit_is_transient_with_retry_after(server, headers, expected):
    server.reply(status=429, json={"error": {"message": "Rate limit reached"}}, headers=headers)
    with pytest.raises(TransientLLMError, match=r"Rate limit reached") as caught:
        make(server).complete(Request(CONVERSATION))
    assert caught.value.retry_after_s == expected
    assert len(server.requests) == 1  # the client's own retries are off


def test_retry_after_as_http_date(server):
    server.reply(status=503, json={}, headers={"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})
    with pytest.raises(TransientLLMError) as caught:
        make(server).complete(Request(CONVERSATION))
    assert caught.value.retry_after_s == 0.0  # a date in the past means: now


def test_server_error_is_transient(server):
    server.reply(status=500, json={"error": {"message": "boom"}})
    with pytest.raises(TransientLLMError, match=r"boom"):
        make(server).complete(Request(CONVERSATION))
    assert len(server.requests) == 1


def test_bad_key_is_a_permanent_error_naming_the_fix(server):
    server.reply(status=401, json={"error": {"message": "Incorrect API key provided"}})
    with pytest.raises(LLMError, match=r"Incorrect API key.*OPENAI_API_KEY or options.api_key") as caught:
        make(server).complete(Request(CONVERSATION))
    assert not isinstance(caught.value, TransientLLMError)
    assert "\n" not in str(caught.value)


def test_unknown_model_404_names_the_model(server):
    server.reply(status=404, json={"error": {"message": "The model does not exist"}})
    with pytest.raises(LLMError, match=r"check the model id 'nope'") as caught:
        make(server, model="nope").complete(Request(CONVERSATION))
    assert not isinstance(caught.value, TransientLLMError)


@pytest.mark.parametrize(
    "reply",
    [
        {"body": b"<html>not json</html>"},
        {"json": {"object": "chat.completion", "choices": []}},
        {"json": {"choices": [{"index": 0, "message": {"role": "assistant", "content": "x"}}]}},
    ],
    ids=["not-json", "no-choices", "no-usage"],
)
def test_malformed_bodies_are_permanent_errors(server, reply):
    server.reply(**reply)
    with pytest.raises(LLMError, match=r"malformed response|OpenAI-compatible") as caught:
        make(server).complete(Request(CONVERSATION))
    assert not isinstance(caught.value, TransientLLMError)


def test_timeout_is_transient(server):
    server.reply(json=server.completion("late"), delay_s=1.0)
    llm = OpenAILLM("local-model", base_url=server.base_url, timeout_s=0.2)
    with pytest.raises(TransientLLMError, match=r"timed out.*options.timeout_s"):
        llm.complete(Request(CONVERSATION))


def test_refused_connection_is_transient():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    llm = OpenAILLM("local-model", base_url=f"http://127.0.0.1:{port}/v1", timeout_s=2)
    with pytest.raises(TransientLLMError, match=r"cannot connect"):
        llm.complete(Request(CONVERSATION))


def test_refusal_is_a_permanent_error(server):
    refusal = server.completion("x")
    refusal["choices"][0]["message"] = {"role": "assistant", "content": None, "refusal": "I can't help."}
    server.reply(json=refusal)
    with pytest.raises(LLMError, match=r"refused: I can't help\.; rephrase the request") as caught:
        make(server).complete(Request(CONVERSATION))
    assert not isinstance(caught.value, TransientLLMError)


def test_missing_key_for_openai_names_the_fix():
    with pytest.raises(LLMError, match=r"^OPENAI_API_KEY is not set; export it or pass options.api_key$"):
        OpenAILLM("gpt-4o")


def test_compatible_server_needs_no_key(server):
    make_no_key = OpenAILLM("llama3", base_url=server.base_url)
    assert make_no_key.complete(Request(CONVERSATION)).text == "default answer"
    assert server.requests[0].headers["authorization"].startswith("Bearer ")


def test_the_server_and_extra_fields_are_the_answer_identity(server):
    plain = OpenAILLM("llama3", base_url=server.base_url + "/")
    assert plain.answer_identity == {"base_url": server.base_url}
    penalty = {"repetition_penalty": 1.1}
    penalised = OpenAILLM("llama3", base_url=server.base_url, extra_body=penalty)
    assert penalised.answer_identity == {"base_url": server.base_url, "extra_body": penalty}


def test_key_and_base_url_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    OpenAILLM("local-model").complete(Request(CONVERSATION))
    assert server.requests[0].headers["authorization"] == "Bearer sk-env"


SCHEMA = {
    "type": "object",
    "properties": {"plan": {"type": "string", "enum": ["chop", "craft"]}},
    "required": ["plan"],
    "additionalProperties": False,
}


def test_a_json_schema_goes_as_a_strict_response_format(server):
    server.reply(json=server.completion('{"plan": "chop"}'))
    llm = make(server, structured_output="json_schema")
    assert llm.output_kinds == {"json_schema"}

    answer = llm.complete(Request(CONVERSATION, output=JsonSchema("plan", SCHEMA)))

    assert answer.text == '{"plan": "chop"}' and answer.constraint == "json_schema"
    [seen] = server.requests
    assert seen.json["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "plan", "schema": SCHEMA, "strict": True},
    }


def test_code_blocks_and_switched_off_schemas_send_no_response_format(server):
    code = make(server, structured_output="json_schema").complete(
        Request(CONVERSATION, output=PythonBlock(("act",)))
    )
    plain = make(server, structured_output="none")
    assert plain.output_kinds == frozenset()
    answer = plain.complete(Request(CONVERSATION, output=JsonSchema("plan", SCHEMA)))
    assert all("response_format" not in seen.json for seen in server.requests)
    assert code.constraint is None and answer.constraint is None
