"""ReplayLLM: answers, usage, the missing-answer message, options and registration."""

from __future__ import annotations

from pathlib import Path

import pluggy
import pytest
from rlgpt import hookspecs
from rlgpt.llm import LLM, LLMError, ReplayLLM, Request, estimate_prompt_tokens, estimate_tokens, system, user
from rlgpt.llm import replay as replay_module
from rlgpt.llm.transcript import TranscriptError
from rlgpt.specs import LLMBackendSpec


@pytest.fixture
def transcript(write_transcript) -> Path:
    return write_transcript(
        {"match": {"role": "planner"}, "response": "1. collect wood (code)\n2. craft table (rl)"},
        {
            "match": {"role": "coder", "iteration": 2, "subtask": "collect_wood"},
            "response": "def act(s): ...",
        },
    )


def test_answers_with_the_recorded_text_and_estimated_usage(transcript: Path) -> None:
    llm = ReplayLLM(transcript=transcript)
    messages = (system("You are a planner. " * 20), user("Task: make a wooden pickaxe."))

    completion = llm.complete(Request(messages=messages, tags={"role": "planner", "iteration": "1"}))

    assert isinstance(llm, LLM)
    assert completion.text == "1. collect wood (code)\n2. craft table (rl)"
    assert completion.usage.prompt_tokens == estimate_prompt_tokens(messages)
    assert completion.usage.completion_tokens == estimate_tokens(completion.text)
    assert (completion.model, completion.backend, completion.cached) == ("reference", "replay", False)
    assert completion.latency_s >= 0


def test_missing_answer_names_role_iteration_other_tags_file_and_fix(transcript: Path) -> None:
    llm = ReplayLLM(transcript=transcript)
    tags = {
        "role": "coder",
        "iteration": "2",
        "task": "make_wood_pickaxe",
        "subtask": "craft_table",
        "attempt": "1",
    }

    with pytest.raises(LLMError) as caught:
        llm.complete(Request(messages=(user("write code"),), tags=tags))

    assert str(caught.value) == (
        f"replay transcript {transcript} has no answer for role=coder iteration=2 "
        "(task=make_wood_pickaxe, subtask=craft_table, attempt=1); add a line "
        '{"match": {"role": "coder", "iteration": "2", "task": "make_wood_pickaxe", '
        '"subtask": "craft_table", "attempt": "1"}, "response": "..."} '
        "(closest: line 2, which wants subtask=collect_wood)"
    )


def test_missing_answer_without_role_or_iteration_still_reads(transcript: Path) -> None:
    with pytest.raises(LLMError, match=r"has no answer for role=\(none\) iteration=\(none\); add a line"):
        ReplayLLM(transcript=transcript).complete(Request(messages=(user("hi"),)))


def test_relative_transcript_resolves_against_the_current_directory(
    transcript: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    llm = ReplayLLM(transcript=transcript.name)
    monkeypatch.chdir(transcript.parent.parent)  # later directory changes do not matter
    assert llm.complete(Request(messages=(user("plan"),), tags={"role": "planner"})).text.startswith("1.")


def test_transcript_option_is_required() -> None:
    with pytest.raises(ValueError, match="needs the 'transcript' option"):
        ReplayLLM()


def test_missing_transcript_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match=r"replay transcript .*nope\.jsonl not found \(looked at"):
        ReplayLLM(transcript=tmp_path / "nope.jsonl")


def test_only_the_reference_model_exists(transcript: Path) -> None:
    with pytest.raises(ValueError, match="has one model, 'reference'; got 'gpt-4o'"):
        ReplayLLM("gpt-4o", transcript=transcript)


def test_registers_through_the_hook(transcript: Path) -> None:
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    manager.register(replay_module)
    specs: list[LLMBackendSpec] = []

    manager.hook.register_llm_backends(register=specs.append)

    assert [(s.name, s.models) for s in specs] == [("replay", ("reference",))]
    built = specs[0].factory("reference", transcript=transcript)
    assert built.complete(Request(messages=(user("plan"),), tags={"role": "planner"})).backend == "replay"
