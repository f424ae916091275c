"""Replayed answers matched on what they answer: ``when`` strings the prompt must contain."""

from __future__ import annotations

import pytest
from rlgpt.llm.replay import ReplayLLM
from rlgpt.llm.transcript import TranscriptError, find_answer, load_transcript
from rlgpt.llm.types import Request, user

ENTRIES = [
    {"match": {"role": "planner"}, "response": "first plan"},
    {"match": {"role": "planner"}, "when": "Critic: collect 6 wood", "response": "plan with 6 wood"},
    {"match": {"role": "critic"}, "response": "keep the plan"},
    {"match": {"role": "critic"}, "when": ["pickaxe: reached in 0/", "0/30"], "response": "replan wood"},
]


def test_when_strings_select_the_answer_to_what_the_prompt_says(write_transcript) -> None:
    llm = ReplayLLM(transcript=write_transcript(*ENTRIES))

    def ask(role: str, prompt: str) -> str:
        return llm.complete(Request(messages=(user(prompt),), tags={"role": role, "iteration": "1"})).text

    assert ask("planner", "history: 0/30 solved (no critic ran)") == "first plan"
    assert ask("planner", "0/30 solved. Critic: collect 6 wood for both pickaxes") == "plan with 6 wood"
    assert ask("critic", "0/30 episodes solved\n- stone_pickaxe: reached in 0/27 runs") == "replan wood"
    assert ask("critic", "25/30 episodes solved\n- stone_pickaxe: reached in 25/28 runs") == "keep the plan"
    assert ask("critic", "0/30 episodes solved\n- stone_pickaxe: reached in 3/27 runs") == "keep the plan"


def test_when_counts_as_criteria_and_is_checked_when_loading(write_transcript) -> None:
    entries = load_transcript(write_transcript(*ENTRIES))
    assert [e.criteria for e in entries] == [1, 2, 1, 3]
    assert find_answer(entries, {"role": "planner"}).response == "first plan", "no prompt: no when-entry"
    for bad in ("", [3], {"a": 1}):
        path = write_transcript({"match": {}, "when": bad, "response": "x"}, name="bad.jsonl")
        with pytest.raises(TranscriptError, match='"when" must be a non-empty string or a list'):
            load_transcript(path)
