"""Every LLM request of a run, written to the run directory and counted.

A resumed run does not send again what it already asked: a request identical to one recorded in
the run directory (same tags, sampling parameters and messages) is answered from that record, in
order, whatever the LLM cache setting; its ``llm_call`` event says ``replayed``.

Each record says how its answer was constrained (``constraint``: ``"json_schema"``,
``"json_object"``, ``"grammar"``, ``"regex"``, or ``null`` for free decoding): the answer's
:attr:`~rlgpt.llm.Completion.constraint`, which the loop's :class:`~rlgpt.llm.roles.RoleRouter` fills
in from the LLM that answered (:func:`rlgpt.llm.constraint`).

A request that gets no answer (the replay transcript has none for it, the server refused it) is
saved as ``llm/<n>.unanswered.json`` with the error, and the error names that file, so the request
can be read, and answered by hand, even when the run ends before its first iteration.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rlgpt.llm.types import LLM, Completion, LLMError, Request, Usage
from rlgpt.llm.wrapper import LLMWrapper
from rlgpt.metrics import LLMUsage
from rlgpt.runs import RunDirectory
from rlgpt.textbound import safe_text


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
        files = sorted((run.path / "llm").glob("*.json")) if (run.path / "llm").is_dir() else []
        numbers = [int(f.stem) for f in files if f.stem.isdigit()]
        # a kill between writing an answer's file and its event leaves a file no event names
        self._count = max([len(run.read_events().of_kind("llm_call")), *numbers])
        self._recorded = _recorded_answers(files)

    def complete(self, request: Request) -> Completion:
        """Answer from this run's records when it asked exactly this before, else forward; then record it."""
        recorded = self._recorded.get(_request_key(request))
        replayed = bool(recorded)
        try:
            completion = recorded.popleft() if recorded else self.inner.complete(request)
        except LLMError as error:
            saved = self._save_unanswered(request, error)
            raise LLMError(f"{error} (the request is saved in {saved})") from error
        self._count += 1
        name = f"llm/{self._count:05d}.json"
        self._run.write_json(
            name,
            {
                **_request_record(request),
                "constraint": completion.constraint,
                "completion": {k: v for k, v in asdict(completion).items() if k != "usage"},
                "usage": asdict(completion.usage),
            },
        )
        self._emit(
            "llm_call",
            file=name,
            tags=dict(request.tags),
            cached=completion.cached,
            replayed=replayed,
            constraint=completion.constraint,
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
        if request.tags.get("repair"):
            role = str(request.tags.get("role", "unknown"))
            usage.repairs[role] = usage.repairs.get(role, 0) + 1
        return completion

    def _save_unanswered(self, request: Request, error: LLMError) -> Path:
        """Save ``request``, which failed with ``error``, as ``llm/<n>.unanswered.json``; returns its path."""
        name = f"llm/{self._count + 1:05d}.unanswered.json"
        self._run.write_json(name, {**_request_record(request), "error": str(error)})
        return self._run.path / name


def _request_record(request: Request) -> dict[str, Any]:
    """The request part of a record: tags, sampling parameters, messages (images counted)."""
    return {
        "tags": dict(request.tags),
        "params": asdict(request.params),
        "messages": [
            {"role": m.role, "content": m.content, "images": len(m.images)} for m in request.messages
        ],
    }


def _request_key(request: Request) -> str:
    """What makes two requests the same question: tags, sampling parameters, messages."""
    record = _request_record(request)
    return _key(record["tags"], record["params"], record["messages"])


def _key(tags: dict[str, Any], params: dict[str, Any], messages: list[dict[str, Any]]) -> str:
    messages = [{**m, "content": safe_text(str(m.get("content", "")))} for m in messages]
    text = json.dumps([tags, params, messages], sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _recorded_answers(files: list[Path]) -> dict[str, deque[Completion]]:
    """The answers a run already received (its ``llm/*.json``), by request, oldest first.

    Unreadable records are skipped: the request is then sent again.
    """
    answers: dict[str, deque[Completion]] = defaultdict(deque)
    for file in files:
        try:
            record = json.loads(file.read_text(encoding="utf-8"))
            done = record["completion"]
            completion = Completion(
                text=done["text"],
                usage=Usage(**record["usage"]),
                latency_s=0.0,
                model=done["model"],
                backend=done["backend"],
                cached=True,
                cost_usd=None,
                constraint=record.get("constraint"),
            )
            key = _key(record["tags"], record["params"], record["messages"])
        except (OSError, KeyError, TypeError, ValueError):
            continue
        answers[key].append(completion)
    return answers
