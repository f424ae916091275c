"""The replay backend: answers from a transcript file, for runs without a network.

It is the embedded default LLM backend. Each request is answered with the
transcript entry that best matches the request's tags. A transcript is JSON
Lines, one answer per line, ``#`` or ``//`` lines being comments::

    {"match": {"role": "planner", "iteration": 1}, "response": "1. collect wood (code) ..."}
    {"match": {"role": "coder", "subtask": "collect_wood"}, "response": "...", "comment": "any attempt"}

An entry matches when every tag it names equals the request's tag (as text) and
the prompt contains each of its ``when`` strings; the matching entry naming the most
criteria wins, ties going to the earlier line.
The full format is documented in :mod:`rlgpt.llm.transcript`. The answer's usage is estimated
(:mod:`rlgpt.llm.tokens`) over all prompt messages and the response; its model
is ``reference`` and its backend ``replay``.

Build one with ``ReplayLLM(transcript="examples/transcripts/crafter.jsonl")``;
relative paths resolve against the current directory at construction.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from rlgpt.hookspecs import hookimpl
from rlgpt.llm.tags import format_tags
from rlgpt.llm.tokens import estimate_prompt_tokens, estimate_tokens
from rlgpt.llm.transcript import TranscriptError, closest_miss, find_answer, load_transcript
from rlgpt.llm.types import Completion, LLMError, Request, Usage
from rlgpt.specs import LLMBackendSpec

BACKEND = "replay"
MODEL = "reference"


class ReplayLLM:
    """An :class:`~rlgpt.llm.types.LLM` that answers from a recorded transcript.

    :param model: must be ``"reference"`` (the only model of this backend).
    :param transcript: path of the JSONL transcript (required).
    """

    backend = BACKEND
    model = MODEL
    supports_images = True
    cache_responses = False
    """Answers are local and free, and chosen by request tags (which the cache key leaves out)."""

    def __init__(self, model: str = MODEL, *, transcript: str | Path | None = None) -> None:
        if model != MODEL:
            raise TranscriptError(
                f"the replay backend has one model, {MODEL!r}; got {model!r} - set the model to {MODEL!r}"
            )
        if transcript is None:
            raise TranscriptError(
                "the replay backend needs the 'transcript' option: the path of a JSONL transcript "
                "such as examples/transcripts/crafter.jsonl"
            )
        self.transcript = Path(transcript)
        self.path = self.transcript.resolve()
        if not self.path.is_file():
            raise TranscriptError(
                f"replay transcript {self.transcript} not found (looked at {self.path}); "
                "give an existing JSONL file, relative paths count from the current directory"
            )
        self.entries = load_transcript(self.path)

    def close(self) -> None:
        """Nothing to release: the transcript is read at construction."""

    def complete(self, request: Request) -> Completion:
        """Return the answer recorded for ``request.tags``; if none, :class:`LLMError` says how to add one."""
        started = time.perf_counter()
        prompt = "\n".join(message.content for message in request.messages)
        entry = find_answer(self.entries, request.tags, prompt)
        if entry is None:
            raise LLMError(self._missing_answer(request.tags))
        usage = Usage(
            prompt_tokens=estimate_prompt_tokens(request.messages),
            completion_tokens=estimate_tokens(entry.response),
        )
        return Completion(
            text=entry.response,
            usage=usage,
            latency_s=time.perf_counter() - started,
            model=MODEL,
            backend=BACKEND,
        )

    def _missing_answer(self, tags: Mapping[str, object]) -> str:
        """The error text for a request no entry matches."""
        others = {key: value for key, value in tags.items() if key not in ("role", "iteration")}
        wanted = f"role={tags.get('role', '(none)')} iteration={tags.get('iteration', '(none)')}"
        if others:
            wanted += f" ({format_tags(others, sep=', ')})"
        example = json.dumps({"match": {key: str(value) for key, value in tags.items()}, "response": "..."})
        message = f"replay transcript {self.transcript} has no answer for {wanted}; add a line {example}"
        near = closest_miss(self.entries, tags)
        if near is not None:
            differing = {key: value for key, value in near.match.items() if str(tags.get(key)) != value}
            message += f" (closest: {near.where}, which wants {format_tags(differing)})"
        return message


@hookimpl
def register_llm_backends(register: Callable[[LLMBackendSpec], None]) -> None:
    """Register the replay backend."""
    register(
        LLMBackendSpec(
            name=BACKEND,
            factory=ReplayLLM,
            description="answers from a recorded transcript (offline; no model is queried)",
            models=(MODEL,),
        )
    )
