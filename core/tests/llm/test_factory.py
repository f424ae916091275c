"""build_llm: aliases, option checks, and the retry and cache wrappers."""

from __future__ import annotations

from pathlib import Path

import pytest
from rlgpt.llm import CachedLLM, ReplayLLM, Request, RetryingLLM, build_llm, user
from rlgpt.specs import LLMBackendSpec

SPEC = LLMBackendSpec(
    name="replay",
    factory=ReplayLLM,
    description="answers from a transcript",
    models=("reference",),
    aliases={"ref": "reference"},
)
REQUEST = Request(messages=(user("plan"),), tags={"role": "planner"})


@pytest.fixture
def transcript(write_transcript) -> Path:
    return write_transcript({"match": {"role": "planner"}, "response": "a plan"})


class CachedReplay(ReplayLLM):
    """The replay backend without its opt-out, to see the wrappers' order."""

    cache_responses = True


def test_cache_is_outermost_around_retries(tmp_path: Path, transcript: Path) -> None:
    spec = LLMBackendSpec(name="replay", factory=CachedReplay, description="cached replay")
    llm = build_llm(
        spec, "reference", {"transcript": transcript}, cache_path=tmp_path / "llm.sqlite", retries=3
    )

    assert isinstance(llm, CachedLLM)
    assert isinstance(llm.inner, RetryingLLM) and llm.inner.max_attempts == 3
    assert isinstance(llm.inner.inner, ReplayLLM)
    assert [llm.complete(REQUEST).cached for _ in range(2)] == [False, True]
    assert (llm.backend, llm.model) == ("replay", "reference")


def test_the_replay_backend_opts_out_of_the_cache(tmp_path: Path, transcript: Path) -> None:
    llm = build_llm(SPEC, "reference", {"transcript": transcript}, cache_path=tmp_path / "llm.sqlite")
    assert isinstance(llm, RetryingLLM) and not (tmp_path / "llm.sqlite").exists()


def test_without_cache_path_only_retries(transcript: Path) -> None:
    llm = build_llm(SPEC, "reference", {"transcript": str(transcript)}, cache_path=None)
    assert isinstance(llm, RetryingLLM) and llm.max_attempts == 4
    assert llm.complete(REQUEST).text == "a plan"


def test_aliases_resolve_to_model_ids(transcript: Path) -> None:
    llm = build_llm(SPEC, "ref", {"transcript": transcript}, cache_path=None)
    assert llm.model == "reference"


def test_unknown_option_names_the_accepted_ones_and_a_likely_fix(transcript: Path) -> None:
    with pytest.raises(ValueError) as caught:
        build_llm(SPEC, "reference", {"transcipt": transcript}, cache_path=None)
    assert str(caught.value) == (
        "LLM backend 'replay' has no option 'transcipt' (options: transcript) - did you mean 'transcript'?"
    )


def test_model_given_as_option_is_rejected(transcript: Path) -> None:
    with pytest.raises(ValueError, match="give the model as the model setting"):
        build_llm(SPEC, "reference", {"transcript": transcript, "model": "x"}, cache_path=None)


def test_factories_taking_any_keyword_get_every_option(transcript: Path) -> None:
    seen: dict = {}

    def factory(model: str, **options: object) -> ReplayLLM:
        seen.update(options)
        return ReplayLLM(model, transcript=transcript)

    spec = LLMBackendSpec(name="replay", factory=factory, description="d")
    build_llm(spec, "reference", {"base_url": "http://127.0.0.1:1", "timeout_s": 5}, cache_path=None)
    assert seen == {"base_url": "http://127.0.0.1:1", "timeout_s": 5}


def test_factory_must_return_an_llm() -> None:
    spec = LLMBackendSpec(name="broken", factory=lambda model: object(), description="d")
    with pytest.raises(TypeError, match="factory of LLM backend 'broken' returned object"):
        build_llm(spec, "m", {}, cache_path=None)


def test_retries_must_allow_one_attempt(transcript: Path) -> None:
    with pytest.raises(ValueError, match="retries must be at least 1"):
        build_llm(SPEC, "reference", {"transcript": transcript}, cache_path=None, retries=0)
