"""The [llm] section: swapping the backend with --set, and options checked before a run starts."""

from __future__ import annotations

import pytest
from rlgpt.config import ConfigError, parse_config, validate_against_registry
from rlgpt.plugins import PluginSelection

REPLAY = {
    "env": "gridcraft",
    "task": "build_house",
    "llm": {"backend": "replay", "model": "reference", "options": {"transcript": "answers.jsonl"}},
}


def test_switching_the_backend_drops_the_old_backends_options():
    config = parse_config(REPLAY, ["llm.backend=openai", "llm.model=gpt-4o"])
    assert (config.llm.backend, config.llm.model, config.llm.options) == ("openai", "gpt-4o", {})


def test_options_set_with_the_switch_are_kept():
    config = parse_config(REPLAY, ["llm.backend=openai", "llm.options.base_url=http://127.0.0.1:8000/v1"])
    assert config.llm.options == {"base_url": "http://127.0.0.1:8000/v1"}


def test_the_same_backend_keeps_its_options():
    config = parse_config(REPLAY, ["llm.backend=replay", "llm.temperature=0.5"])
    assert config.llm.options == {"transcript": "answers.jsonl"}


def test_an_option_the_backend_does_not_take_is_one_line_before_the_run():
    config = parse_config(REPLAY, ["llm.options.transcrpt=x.jsonl"])
    with pytest.raises(ConfigError) as excinfo:
        validate_against_registry(config, PluginSelection().registry())
    message = str(excinfo.value)
    assert message.startswith("llm.options: LLM backend 'replay' has no option 'transcrpt'")
    assert "did you mean 'transcript'?" in message and "\n" not in message


def test_a_role_overrides_only_the_keys_it_names():
    data = {**REPLAY, "llm": {**REPLAY["llm"], "temperature": 0.2, "coder": {"max_tokens": 512}}}
    config = parse_config(data, ["llm.planner.backend=openai", "llm.planner.model=gpt-4o"])
    planner, coder, critic = (config.llm.for_role(role) for role in ("planner", "coder", "critic"))
    assert (planner.backend, planner.model, planner.options, planner.temperature) == (
        "openai",
        "gpt-4o",
        {},
        0.2,
    )
    assert (coder.backend, coder.max_tokens, coder.options) == (
        "replay",
        512,
        {"transcript": "answers.jsonl"},
    )
    assert critic == config.llm.for_role("critic") and critic.planner is None and critic.max_tokens == 2048


def test_a_roles_unknown_backend_or_option_names_the_role():
    registry = PluginSelection().registry()
    config = parse_config(REPLAY, ["llm.critic.backend=opena"])
    with pytest.raises(ConfigError, match=r"^llm\.critic\.backend: unknown llm backend 'opena'"):
        validate_against_registry(config, registry)
    config = parse_config(REPLAY, ["llm.coder.options.transcrpt=x.jsonl"])
    with pytest.raises(ConfigError, match=r"^llm\.coder\.options: LLM backend 'replay' has no option"):
        validate_against_registry(config, registry)
