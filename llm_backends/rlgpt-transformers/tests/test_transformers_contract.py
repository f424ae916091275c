"""The shared LLM backend contract, with TransformersLLM on the tiny local Llama."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest
from rlgpt import LLM, LLMBackendSpec
from rlgpt.testing import LLMBackendContract
from rlgpt_transformers import ALIASES, LlamaCppLLM, TransformersLLM


class TestTransformersContract(LLMBackendContract):
    """Every contract test against the tiny model on CPU."""

    backend_name = "transformers"

    @pytest.fixture
    def llm(self, tiny_model: Path) -> LLM:
        """The backend on the tiny chat-template model."""
        return TransformersLLM(str(tiny_model), device="cpu")


def test_entry_point_registers_the_backend() -> None:
    [entry] = [e for e in entry_points(group="rlgpt") if e.name == "transformers"]
    specs: list[LLMBackendSpec] = []
    entry.load().register_llm_backends(register=specs.append)
    by_name = {spec.name: spec for spec in specs}
    assert set(by_name) == {"transformers", "llama-cpp"}
    assert by_name["transformers"].factory is TransformersLLM
    assert set(by_name["transformers"].models) == set(ALIASES)
    assert dict(by_name["transformers"].aliases) == {}
    assert by_name["llama-cpp"].factory is LlamaCppLLM
    assert set(by_name["llama-cpp"].models) == {"smollm2-135m", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"}
