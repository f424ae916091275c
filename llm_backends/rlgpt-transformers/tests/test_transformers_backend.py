"""TransformersLLM on a tiny Llama built locally from a config (no download, CPU, one thread)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import torch
from rlgpt import Image, LLMError, Message, Request, SamplingParams
from rlgpt.llm import JsonSchema, PythonBlock
from rlgpt_transformers import TransformersLLM, render_prompt, resolve_source

CHAT = (
    Message("system", "You answer briefly."),
    Message("user", "Name a colour."),
    Message("assistant", "Blue."),
    Message("user", "Another."),
)


def ask(*messages: Message, **params: object) -> Request:
    """A request of ``messages`` with sampling ``params``."""
    return Request(messages=messages, params=SamplingParams(**params))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def llm(tiny_model: Path) -> TransformersLLM:
    """The backend on the tiny chat-template model."""
    return TransformersLLM(str(tiny_model), device="cpu")


def test_greedy_answer_equals_direct_generation(llm: TransformersLLM, tiny_model: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    completion = llm.complete(ask(*CHAT, max_tokens=24))

    tokenizer = AutoTokenizer.from_pretrained(tiny_model, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(tiny_model, local_files_only=True)
    turns = [{"role": m.role, "content": m.content} for m in CHAT]
    ids = tokenizer.apply_chat_template(
        turns, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    out = model.generate(**ids, max_new_tokens=24, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    new = out[0, ids["input_ids"].shape[1] :]

    assert completion.text == tokenizer.decode(new, skip_special_tokens=True)
    assert completion.text.strip()
    assert completion.usage.prompt_tokens == ids["input_ids"].shape[1]
    assert completion.usage.completion_tokens == len(new)
    assert completion.backend == "transformers"
    assert completion.model == str(tiny_model)
    assert completion.latency_s > 0
    assert completion.cost_usd is None
    assert torch.get_num_threads() == 1


def test_chat_template_is_applied(llm: TransformersLLM) -> None:
    assert render_prompt(llm.tokenizer, CHAT) == (
        "<|system|>You answer briefly.</s><|user|>Name a colour.</s><|assistant|>Blue.</s>"
        "<|user|>Another.</s><|assistant|>"
    )


def test_vicuna_format_when_tokenizer_has_no_template(tiny_plain_model: Path) -> None:
    plain = TransformersLLM(str(tiny_plain_model), device="cpu")
    assert render_prompt(plain.tokenizer, CHAT) == (
        "<s>You answer briefly. USER: Name a colour. ASSISTANT: Blue.</s>USER: Another. ASSISTANT:"
    )
    assert render_prompt(plain.tokenizer, (Message("user", "hi"),)).startswith(
        "<s>A chat between a curious user and an artificial intelligence assistant."
    )
    completion = plain.complete(ask(Message("user", "hi"), max_tokens=5))
    prompt_ids = plain.tokenizer(
        render_prompt(plain.tokenizer, (Message("user", "hi"),)), add_special_tokens=False
    )
    assert completion.usage.prompt_tokens == len(prompt_ids["input_ids"])


def test_template_that_refuses_a_role_gives_a_clear_error(tiny_model: Path, tmp_path: Path) -> None:
    strict = tmp_path / "strict"
    shutil.copytree(tiny_model, strict)
    refusing = "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
    refusing += "{% endif %}"
    (strict / "chat_template.jinja").write_text(refusing)
    llm = TransformersLLM(str(strict), device="cpu")
    with pytest.raises(LLMError, match=r"rejects this conversation \(System role not supported\): merge"):
        llm.complete(ask(*CHAT))


def test_max_tokens_cuts_the_greedy_answer(llm: TransformersLLM) -> None:
    long = llm.complete(ask(Message("user", "Name a colour."), max_tokens=30))
    short = llm.complete(ask(Message("user", "Name a colour."), max_tokens=3))
    assert short.usage.completion_tokens <= 3
    assert long.usage.completion_tokens > short.usage.completion_tokens
    assert long.text.startswith(short.text)


def test_stop_string_ends_the_answer_before_it(llm: TransformersLLM) -> None:
    full = llm.complete(ask(Message("user", "Name a colour."), max_tokens=30)).text
    assert len(full) >= 8, f"the tiny model's answer {full!r} is too short for this test"
    stop = full[5:8]
    stopped = llm.complete(ask(Message("user", "Name a colour."), max_tokens=30, stop=(stop,)))
    assert stopped.text == full[: full.find(stop)]


def test_sampling_is_reproducible_by_seed_and_leaves_global_rng_alone(llm: TransformersLLM) -> None:
    before = torch.get_rng_state()
    first = llm.complete(ask(Message("user", "Name a colour."), max_tokens=30, temperature=1.5, seed=7))
    again = llm.complete(ask(Message("user", "Name a colour."), max_tokens=30, temperature=1.5, seed=7))
    other = llm.complete(ask(Message("user", "Name a colour."), max_tokens=30, temperature=1.5, seed=8))
    greedy = llm.complete(ask(Message("user", "Name a colour."), max_tokens=30))
    assert first.text == again.text
    assert other.text != first.text
    assert greedy.text != first.text
    assert torch.equal(torch.get_rng_state(), before)


def test_prompt_longer_than_the_context_is_refused(llm: TransformersLLM) -> None:
    with pytest.raises(LLMError, match=r"reads at most 256: shorten the prompt"):
        llm.complete(ask(Message("user", "Blue Red Green " * 200)))


def test_images_are_refused(llm: TransformersLLM) -> None:
    with pytest.raises(LLMError, match="reads text only"):
        llm.complete(ask(Message("user", "look", images=(Image(b"png"),))))


def test_alias_resolves_under_the_models_dir(tiny_model: Path, tmp_path: Path, monkeypatch) -> None:
    shutil.copytree(tiny_model, tmp_path / "vicuna-7b-v1.5")
    monkeypatch.setenv("RLGPT_MODELS_DIR", str(tmp_path))
    vicuna = TransformersLLM("vicuna-7b", device="cpu")
    assert vicuna.model == "vicuna-7b"
    assert vicuna.source.directory == tmp_path / "vicuna-7b-v1.5"
    assert vicuna.complete(ask(Message("user", "hi"), max_tokens=4)).usage.completion_tokens > 0


def test_gguf_file_answers_like_the_model_it_was_converted_from(
    llm: TransformersLLM, tiny_gguf: Path, tmp_path: Path
) -> None:
    shutil.copy(tiny_gguf, tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf")
    from_gguf = TransformersLLM("smollm2-135m", models_dir=tmp_path, device="cpu")
    assert (from_gguf.source.directory, from_gguf.source.gguf_file) == (
        tmp_path,
        "SmolLM2-135M-Instruct.Q4_1.gguf",
    )
    expected = llm.complete(ask(*CHAT, max_tokens=20))
    answer = from_gguf.complete(ask(*CHAT, max_tokens=20))
    assert (answer.text, answer.usage) == (expected.text, expected.usage)
    assert answer.model == "smollm2-135m"


def test_missing_installable_alias_names_make_local_models(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match=r"SmolLM2-135M-Instruct\.Q4_1\.gguf: run `make local-models`"):
        resolve_source("smollm2-135m", tmp_path)


def test_missing_vicuna_names_where_to_put_it(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match=r"put a copy of lmsys/vicuna-13b-v1\.5 there"):
        TransformersLLM("vicuna-13b", models_dir=tmp_path)


def test_hub_id_is_not_downloaded() -> None:
    with pytest.raises(LLMError, match="not a local path and rlgpt never downloads models"):
        TransformersLLM("lmsys/vicuna-13b-v1.5")


def test_alias_typo_suggests_the_alias() -> None:
    with pytest.raises(LLMError, match=r"did you mean 'qwen2\.5-coder-0\.5b'"):
        resolve_source("qwen2.5-coder-0.5")


def test_directory_without_config_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match=r"neither a \.gguf file nor a model directory with config\.json"):
        resolve_source(str(tmp_path))


def test_bad_device_and_dtype(tiny_model: Path) -> None:
    with pytest.raises(LLMError, match="unknown device 'tpu'"):
        TransformersLLM(str(tiny_model), device="tpu")
    with pytest.raises(ValueError, match="unknown dtype 'int3'"):
        TransformersLLM(str(tiny_model), dtype="int3")


TOOL_SCHEMA = JsonSchema(
    "tool",
    {
        "type": "object",
        "properties": {"tool": {"type": "string", "enum": ["axe", "pickaxe"]}, "count": {"type": "boolean"}},
        "required": ["tool", "count"],
        "additionalProperties": False,
    },
)


def test_a_random_model_constrained_by_a_schema_answers_valid_json(llm: TransformersLLM) -> None:
    pytest.importorskip("llguidance")
    assert llm.output_kinds == {"json_schema", "python_block"}
    free = llm.complete(ask(Message("user", "Name a tool."), max_tokens=40))
    request = ask(Message("user", "Name a tool."), max_tokens=40)
    answer = llm.complete(Request(request.messages, request.params, output=TOOL_SCHEMA))
    with pytest.raises(ValueError):
        json.loads(free.text)
    data = json.loads(answer.text)
    assert data["tool"] in ("axe", "pickaxe") and isinstance(data["count"], bool)


def test_a_code_block_constraint_keeps_the_answer_inside_the_pattern(llm: TransformersLLM) -> None:
    pytest.importorskip("llguidance")
    block = PythonBlock(("act",))
    request = ask(Message("user", "Write act."), max_tokens=24)
    answer = llm.complete(Request(request.messages, request.params, output=block))
    body = answer.text.removeprefix("```python\n")
    assert body != answer.text, f"the answer {answer.text!r} does not open a python block"
    assert "`" not in body or re.fullmatch(block.pattern(), answer.text)


def test_constraints_can_be_switched_off(tiny_model: Path) -> None:
    plain = TransformersLLM(str(tiny_model), device="cpu", constrained=False)
    assert plain.output_kinds == frozenset()
    request = ask(Message("user", "Name a tool."), max_tokens=10)
    free = plain.complete(request)
    assert plain.complete(Request(request.messages, request.params, output=TOOL_SCHEMA)).text == free.text
