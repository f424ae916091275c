"""RetryingLLM: backoff with jitter on transient errors, Retry-After, and the give-up message."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import pytest
from rlgpt.llm import Completion, LLMError, ReplayLLM, Request, RetryingLLM, TransientLLMError, user


class FlakyLLM:
    """Raises the queued errors first, then answers through a real replay backend."""

    supports_images = False

    def __init__(self, answers: ReplayLLM, errors: list[Exception]) -> None:
        self.answers = answers
        self.errors = errors
        self.backend = answers.backend
        self.model = answers.model
        self.calls = 0

    def complete(self, request: Request) -> Completion:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.answers.complete(request)


@pytest.fixture
def replay(write_transcript) -> ReplayLLM:
    path: Path = write_transcript({"match": {}, "response": "done"})
    return ReplayLLM(transcript=path)


REQUEST = Request(messages=(user("hi"),), tags={"role": "coder", "iteration": "3"})


def test_retries_transient_errors_with_growing_jittered_backoff(replay: ReplayLLM) -> None:
    inner = FlakyLLM(
        replay, [TransientLLMError("503"), TransientLLMError("503"), TransientLLMError("timeout")]
    )
    slept: list[float] = []
    llm = RetryingLLM(inner, max_attempts=4, base_delay_s=1.0, max_delay_s=30.0, sleep=slept.append)

    completion = llm.complete(REQUEST)

    assert completion.text == "done"
    assert inner.calls == 4
    assert len(slept) == 3
    for retry, delay in enumerate(slept, start=1):
        ceiling = 2 ** (retry - 1)
        assert ceiling / 2 <= delay <= ceiling


def test_jitter_spreads_delays_and_the_cap_bounds_them(replay: ReplayLLM) -> None:
    llm = RetryingLLM(replay, base_delay_s=1.0, max_delay_s=4.0, sleep=lambda _: None, rng=random.Random(7))
    delays = [llm.backoff_s(10) for _ in range(50)]
    assert all(2.0 <= d <= 4.0 for d in delays)
    assert len({round(d, 6) for d in delays}) > 40


def test_honours_retry_after_from_the_error(replay: ReplayLLM) -> None:
    errors: list[Exception] = [TransientLLMError("429", retry_after_s=7.5), TransientLLMError("429")]
    inner = FlakyLLM(replay, errors)
    slept: list[float] = []
    llm = RetryingLLM(inner, base_delay_s=0.2, sleep=slept.append)

    assert llm.complete(REQUEST).text == "done"
    assert slept[0] == 7.5
    assert 0.2 <= slept[1] <= 0.4


def test_a_transient_error_keeps_its_message_and_retry_after() -> None:
    plain, hinted = TransientLLMError("503"), TransientLLMError("429", retry_after_s=2.0)
    assert (str(plain), plain.retry_after_s) == ("503", None)
    assert (str(hinted), hinted.retry_after_s) == ("429", 2.0)
    revived = pickle.loads(pickle.dumps(hinted))
    assert (str(revived), revived.retry_after_s) == ("429", 2.0)


def test_gives_up_naming_backend_model_attempts_and_last_error(replay: ReplayLLM) -> None:
    errors: list[Exception] = [TransientLLMError(f"HTTP 503 number {i}") for i in range(3)]
    last = errors[-1]
    slept: list[float] = []
    llm = RetryingLLM(FlakyLLM(replay, errors), max_attempts=3, sleep=slept.append)

    with pytest.raises(LLMError) as caught:
        llm.complete(REQUEST)

    message = str(caught.value)
    assert not isinstance(caught.value, TransientLLMError)
    assert "replay" in message and "'reference'" in message
    assert "3 attempt(s)" in message
    assert "TransientLLMError: HTTP 503 number 2" in message
    assert "role=coder iteration=3" in message
    assert caught.value.__cause__ is last
    assert len(slept) == 2


def test_permanent_errors_are_not_retried(replay: ReplayLLM) -> None:
    inner = FlakyLLM(replay, [LLMError("invalid API key")])
    slept: list[float] = []
    with pytest.raises(LLMError, match="invalid API key"):
        RetryingLLM(inner, sleep=slept.append).complete(REQUEST)
    assert inner.calls == 1
    assert slept == []


def test_exposes_the_inner_llm_identity(replay: ReplayLLM) -> None:
    llm = RetryingLLM(replay)
    assert (llm.backend, llm.model, llm.supports_images) == ("replay", "reference", True)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"max_attempts": 0}, "max_attempts must be at least 1"), ({"base_delay_s": 5, "max_delay_s": 1}, "<=")],
)
def test_rejects_bad_settings(replay: ReplayLLM, kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        RetryingLLM(replay, **kwargs)
