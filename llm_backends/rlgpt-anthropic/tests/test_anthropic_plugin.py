"""The distribution's entry point registers the ``anthropic`` backend."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

from rlgpt import LLMBackendSpec
from rlgpt_anthropic import AnthropicLLM


def test_registration_does_not_import_the_client_library() -> None:
    code = "import sys, rlgpt_anthropic.plugin; assert 'anthropic' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_entry_point_registers_the_backend() -> None:
    [entry] = [e for e in entry_points(group="rlgpt") if e.name == "anthropic"]
    specs: list[LLMBackendSpec] = []
    entry.load().register_llm_backends(register=specs.append)
    [spec] = specs
    assert spec.name == "anthropic"
    llm = spec.factory("claude-haiku-4-5", api_key="sk-test", base_url="http://127.0.0.1:9")
    assert isinstance(llm, AnthropicLLM)
    assert llm.model == "claude-haiku-4-5-20251001"
    assert spec.aliases["claude-sonnet-4-5"] == "claude-sonnet-4-5-20250929"
    assert "claude-opus-4-1-20250805" in spec.models
