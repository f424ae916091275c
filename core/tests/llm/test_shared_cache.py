"""The shared response cache: where it lives, what it keeps, inspecting and clearing it."""

from __future__ import annotations

from pathlib import Path

from rlgpt.llm import CachedLLM, Completion, Request, SamplingParams, Usage, user
from rlgpt.llm.cache import cache_contents, clear_cache, default_cache_path


class Counting:
    """An LLM answering ``answer <n>`` for its n-th call."""

    supports_images = False

    def __init__(self, backend: str = "local", model: str = "tiny") -> None:
        self.backend, self.model, self.calls = backend, model, 0

    def complete(self, request: Request) -> Completion:
        self.calls += 1
        return Completion(f"answer {self.calls}", Usage(7, 3), 0.1, self.model, self.backend)


def ask(temperature: float = 0.0, seed: int | None = None) -> Request:
    return Request((user("Plan."),), SamplingParams(temperature=temperature, seed=seed))


def test_sampled_requests_are_cached_only_with_a_seed(tmp_path: Path):
    inner = Counting()
    llm = CachedLLM(inner, tmp_path / "cache.sqlite")
    assert [llm.complete(ask(0.7)).text for _ in range(2)] == ["answer 1", "answer 2"]
    assert [llm.complete(ask(0.7, seed=3)).cached for _ in range(2)] == [False, True]
    assert llm.complete(ask(0.0)).text == llm.complete(ask(0.0)).text
    stats = llm.stats()
    assert (stats.hits, stats.misses, stats.uncacheable) == (2, 2, 2)


def test_a_new_process_reuses_the_answers(tmp_path: Path):
    CachedLLM(Counting(), tmp_path / "cache.sqlite").complete(ask())
    again = Counting()
    assert CachedLLM(again, tmp_path / "cache.sqlite").complete(ask()).cached and again.calls == 0


def test_contents_per_backend_and_clearing_one_backend(tmp_path: Path):
    path = tmp_path / "cache.sqlite"
    assert cache_contents(path) == [] and clear_cache(path) == 0
    CachedLLM(Counting("local", "tiny"), path).complete(ask())
    remote = CachedLLM(Counting("openai", "gpt-4o"), path)
    remote.complete(ask())
    remote.complete(ask(0.5, seed=1))
    summary = {(row.backend, row.model): (row.entries, row.prompt_tokens) for row in cache_contents(path)}
    assert summary == {("local", "tiny"): (1, 7), ("openai", "gpt-4o"): (2, 14)}
    assert clear_cache(path, backend="openai") == 2
    assert [row.backend for row in cache_contents(path)] == ["local"]
    assert clear_cache(path) == 1 and cache_contents(path) == []


def test_the_default_location_is_per_user_and_configurable(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("RLGPT_LLM_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_path() == tmp_path / "xdg" / "rlgpt" / "llm-cache.sqlite"
    monkeypatch.setenv("RLGPT_LLM_CACHE", str(tmp_path / "mine.sqlite"))
    assert default_cache_path() == tmp_path / "mine.sqlite"
