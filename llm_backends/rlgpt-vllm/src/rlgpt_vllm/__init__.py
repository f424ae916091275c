"""rlgpt LLM backend for vLLM: the in-process engine, or its OpenAI-compatible server."""

from rlgpt_vllm.engine import VLLMEngineLLM
from rlgpt_vllm.engine_options import EngineOptions
from rlgpt_vllm.plugin import create_llm
from rlgpt_vllm.remote import VLLMServerLLM
from rlgpt_vllm.server import VLLMServer

__all__ = ["EngineOptions", "VLLMEngineLLM", "VLLMServer", "VLLMServerLLM", "create_llm"]
