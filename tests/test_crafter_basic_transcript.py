"""Basic-skill Crafter reference answers: valid plans, partial skills with preconditions, no path-finding."""

from __future__ import annotations

from pathlib import Path

import pytest
from rlgpt.agents.schemas import Critique, Plan
from rlgpt.code import check_policy, extract_program
from rlgpt.config import load_config
from rlgpt.execution import PRECONDITION, required_functions, signatures
from rlgpt.llm.transcript import find_answer, load_transcript
from rlgpt.skills import skill_names
from rlgpt_crafter import CrafterBasicSkills

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "examples" / "crafter-basic.toml"
TRANSCRIPT = ROOT / "examples" / "transcripts" / "crafter-basic.jsonl"
TASKS = ("eat_cow", "defeat_zombie", "survive")


def _answer(entries, **tags: str) -> str:
    entry = find_answer(entries, {"attempt": "0", "iteration": "0", "agents": "slow+fast+critic", **tags})
    assert entry is not None, f"no answer for {tags}"
    return entry.response


def test_config_runs_crafter_basic_on_the_basic_transcript() -> None:
    config = load_config(CONFIG)
    assert config.env == "crafter-basic" and (ROOT / config.llm.options["transcript"]).resolve() == TRANSCRIPT


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("method", ["rl-gpt", "pure-code"])
def test_every_answer_is_valid_and_uses_only_basic_skills(task: str, method: str) -> None:
    entries = load_transcript(TRANSCRIPT)
    plan = Plan.model_validate_json(_answer(entries, role="planner", task=task, method=method))
    assert "RL decides" in plan.rationale, "the rationale says what RL decides"
    missing = {"step_towards", "explore"}
    assert missing.isdisjoint(skill_names(CrafterBasicSkills))
    for subtask in plan.subtasks:
        if method == "pure-code":
            subtask = subtask.model_copy(update={"method": "code", "coded_actions": []})
        required = required_functions(subtask, continuous=False)
        text = _answer(entries, role="coder", task=task, method=method, subtask=subtask.name)
        program = extract_program(text, signatures(required))
        check_policy(program.source)
        assert not any(f"api.{name}(" in program.source for name in missing), "basic skills cannot path-find"
        for action in subtask.coded_actions:
            assert PRECONDITION + action.name in program.functions, f"{action.name} states when it applies"
    critique = Critique.model_validate_json(_answer(entries, role="critic", task=task, method=method))
    assert {v.subtask for v in critique.verdicts} == {s.name for s in plan.subtasks}
