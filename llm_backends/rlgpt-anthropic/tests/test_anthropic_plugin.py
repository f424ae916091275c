"""The distribution's entry point registers the ``anthropic`` backend."""

from __future__ import annotations

from importlib.metadata import entry_points

from rlgpt import LLMBackendSpec
from rlgpt_anthropic import AnthropicLLM


def test_entry_point_registers_the_backend() -> None:
    [entry] = [e for e in entry_points(group="rlgpt") if e.name == "anthropic"]
    specs: list[LLMBackendSpec] = []
    entry.load().register_llm_backends(register=specs.append)
    [spec] = specs
    assert spec.name == "anthropic"
    assert spec.factory is AnthropicLLM
    assert spec.aliases["claude-sonnet-4-5"] == "claude-sonnet-4-5-20250929"
    assert "claude-opus-4-1-20250805" in spec.models
