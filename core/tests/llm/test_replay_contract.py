"""The replay backend passes the LLM backend contract, through the real plugin registry."""

from __future__ import annotations

from pathlib import Path

from rlgpt.llm import LLM, ReplayLLM
from rlgpt.testing.llm_backend import LLMBackendContract

TRANSCRIPT = Path(__file__).parent / "data" / "contract.jsonl"


class TestReplayContract(LLMBackendContract):
    """Contract tests of :class:`ReplayLLM`."""

    backend_name = "replay"

    def make_llm(self) -> LLM:
        return ReplayLLM(transcript=TRANSCRIPT)
