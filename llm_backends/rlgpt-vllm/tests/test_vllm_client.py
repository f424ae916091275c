"""Server mode through the real ``openai`` client, against the fake vLLM server process."""

from __future__ import annotations

import base64
import importlib.util
import json
import re
from pathlib import Path

import pytest
from rlgpt import Image, LLMError, Message, Request, SamplingParams, TransientLLMError
from rlgpt.llm import JsonSchema, PythonBlock
from rlgpt_vllm import VLLMServerLLM, create_llm

PNG = b"\x89PNG\r\n\x1a\nfake"


def last_request(record_file: Path) -> dict:
    """The last chat request the module's server received."""
    return json.loads(record_file.read_text().splitlines()[-1])


def test_attach_sends_messages_and_sampling(running_server, record_file, model):
    llm = create_llm(model, mode="server", base_url=running_server.base_url, api_key="token-abc")
    conversation = (Message("system", "Be brief."), Message("user", "Name a tool."))
    answer = llm.complete(
        Request(conversation, SamplingParams(temperature=0.7, max_tokens=32, stop=("\n",), seed=3))
    )
    assert answer.text == "echo: Name a tool." and answer.backend == "vllm" and answer.cost_usd is None
    seen = last_request(record_file)
    assert seen["headers"]["authorization"] == "Bearer token-abc"
    body = seen["body"]
    assert body["model"] == model
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Name a tool."},
    ]
    assert (body["temperature"], body["max_tokens"], body["stop"], body["seed"]) == (0.7, 32, ["\n"], 3)


def test_images_go_as_data_urls_to_a_vision_model(running_server, record_file, model):
    llm = create_llm(model, mode="server", base_url=running_server.base_url, supports_images=True)
    llm.complete(Request((Message("user", "What is this?", images=(Image(PNG, "image/jpeg"),)),)))
    text, image = last_request(record_file)["body"]["messages"][0]["content"]
    assert text == {"type": "text", "text": "What is this?"}
    assert image == {
        "type": "image_url",
        "image_url": {"url": "data:image/jpeg;base64," + base64.b64encode(PNG).decode()},
    }


def test_images_to_a_text_model_are_refused_before_sending(running_server, model):
    llm = VLLMServerLLM(model, running_server.base_url)
    with pytest.raises(LLMError, match=r"not declared multimodal; pass options\.supports_images=true"):
        llm.complete(Request((Message("user", "look", images=(Image(PNG),)),)))


def test_attach_to_a_model_the_server_does_not_serve(running_server, model):
    with pytest.raises(LLMError, match=rf"does not serve 'llama3' \(serves: {model}\)"):
        create_llm("llama3", mode="server", base_url=running_server.base_url)


def test_the_server_is_the_answer_identity(running_server, model):
    llm = create_llm(model, mode="server", base_url=running_server.base_url)
    assert llm.answer_identity == {"base_url": running_server.base_url.rstrip("/")}


def test_attach_where_nothing_listens(model):
    with pytest.raises(LLMError, match=r"no vLLM server answers at http://127\.0\.0\.1:9/v1/models"):
        create_llm(model, mode="server", base_url="http://127.0.0.1:9/v1")


def test_engine_options_are_refused_when_attaching(running_server, model):
    with pytest.raises(ValueError, match="engine options have no effect on the running server"):
        create_llm(model, mode="server", base_url=running_server.base_url, max_model_len=4096)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"mode": "remote"}, r"unknown vllm mode 'remote' \(modes: engine, server\)"),
        ({"base_url": "http://127.0.0.1:8000/v1"}, r'options\.base_url needs mode="server"'),
        ({"port": 8000}, r'options\.port needs mode="server"'),
        ({"tensor_parallel_size": 0}, r"tensor_parallel_size must be >= 1, got 0"),
        ({"gpu_memory_utilization": 1.5}, r"gpu_memory_utilization must be in \(0, 1\], got 1\.5"),
    ],
)
def test_bad_options_name_the_fix(options, message, model):
    with pytest.raises(ValueError, match=message):
        create_llm(model, **options)


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed here")
def test_engine_mode_without_vllm_names_the_fix(model):
    with pytest.raises(
        LLMError, match=r'^vllm is not installed; pip install vllm \(needs a CUDA GPU\) or use mode="server"$'
    ):
        create_llm(model)


@pytest.mark.parametrize(
    ("failure", "transient", "retry_after"),
    [("429:4", True, 4.0), ("503", True, None), ("500", True, None), ("400", False, None)],
)
def test_server_errors_are_mapped(model, launch, failure, transient, retry_after):
    llm = VLLMServerLLM(model, launch("--fail", failure).base_url)
    with pytest.raises(LLMError, match=f"scripted failure {failure.split(':')[0]}") as caught:
        llm.complete(Request((Message("user", "hi"),)))
    assert isinstance(caught.value, TransientLLMError) is transient
    if transient:
        assert caught.value.retry_after_s == retry_after
    assert llm.complete(Request((Message("user", "hi"),))).text == "echo: hi"  # no hidden retries


def test_a_body_that_is_not_a_completion_is_permanent(model, launch):
    llm = VLLMServerLLM(model, launch("--fail", "200").base_url)
    with pytest.raises(LLMError, match=r"malformed response from .*; is it a vLLM server\?") as caught:
        llm.complete(Request((Message("user", "hi"),)))
    assert not isinstance(caught.value, TransientLLMError)


def test_a_vanished_server_is_transient(model, launch):
    server = launch()
    llm = VLLMServerLLM(model, server.base_url, timeout_s=2)
    server.stop()
    with pytest.raises(TransientLLMError, match=r"did not answer .*check that it is running"):
        llm.complete(Request((Message("user", "hi"),)))


def test_json_schema_and_code_pattern_go_as_structured_outputs(running_server, record_file, model):
    llm = create_llm(model, mode="server", base_url=running_server.base_url)
    assert llm.output_kinds == {"json_schema", "python_block"}
    schema = {"type": "object", "properties": {"plan": {"type": "string"}}, "required": ["plan"]}
    llm.complete(Request((Message("user", "Plan."),), output=JsonSchema("plan", schema)))
    assert last_request(record_file)["body"]["structured_outputs"] == {"json": schema}

    llm.complete(Request((Message("user", "Code."),), output=PythonBlock(("act", "done"))))
    pattern = last_request(record_file)["body"]["structured_outputs"]["regex"]
    code = "```python\ndef act(api):\n    return 1\n\ndef done(api):\n    return True\n```"
    assert re.fullmatch(pattern, code)
    assert not re.fullmatch(pattern, "```python\ndef done(api):\n    return True\n```")


def test_a_request_without_output_sends_no_constraint(running_server, record_file, model):
    llm = create_llm(model, mode="server", base_url=running_server.base_url)
    llm.complete(Request((Message("user", "Hi."),)))
    assert "structured_outputs" not in last_request(record_file)["body"]
