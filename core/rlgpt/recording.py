"""Every LLM request of a run, written to the run directory and counted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from rlgpt.llm.types import LLM, Completion, Request
from rlgpt.llm.wrapper import LLMWrapper
from rlgpt.metrics import LLMUsage
from rlgpt.runs import RunDirectory


class RecordingLLM(LLMWrapper):
    """Wraps an LLM: logs each request and answer (``llm/<n>.json`` plus an event) and counts usage.

    :param usage: the counters to add to; the loop swaps in a fresh one per iteration.
    :param emit: ``emit(kind, **data)`` appends the ``llm_call`` event (default: straight to the
        run's log; the loop passes its own, so observers see it too).
    """

    def __init__(self, inner: LLM, run: RunDirectory, emit: Callable[..., Any] | None = None) -> None:
        super().__init__(inner)
        self.usage = LLMUsage()
        self._run = run
        self._emit = emit or run.append_event
        self._count = len(run.read_events().of_kind("llm_call"))

    def complete(self, request: Request) -> Completion:
        """Forward the request, then record it."""
        completion = self.inner.complete(request)
        self._count += 1
        name = f"llm/{self._count:05d}.json"
        self._run.write_json(
            name,
            {
                "tags": dict(request.tags),
                "params": asdict(request.params),
                "messages": [
                    {"role": m.role, "content": m.content, "images": len(m.images)} for m in request.messages
                ],
                "completion": {k: v for k, v in asdict(completion).items() if k != "usage"},
                "usage": asdict(completion.usage),
            },
        )
        self._emit(
            "llm_call",
            file=name,
            tags=dict(request.tags),
            cached=completion.cached,
            prompt_tokens=completion.usage.prompt_tokens,
            completion_tokens=completion.usage.completion_tokens,
            latency_s=completion.latency_s,
        )
        usage = self.usage
        usage.calls += 1
        usage.cached_calls += int(completion.cached)
        usage.prompt_tokens += completion.usage.prompt_tokens
        usage.completion_tokens += completion.usage.completion_tokens
        usage.latency_s += completion.latency_s
        usage.cost_usd += completion.cost_usd or 0.0
        return completion
