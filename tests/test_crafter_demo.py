"""The offline Crafter demo across distributions: core loop, crafter plugin, SB3 learner, replay transcript.

The transcript checks are cheap and catch broken reference answers (plans that do not validate, programs
that fail extraction or the code policy, requests the loop will make that have no answer). The end-to-end
tests run the real loop with tiny budgets: ``make_wood_pickaxe`` with PPO on moves plus coded actions, and
the two ``make_stone_pickaxe`` iterations (as pure code, so no training) where the critic's replan fixes
the plan.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rlgpt.agents.base import IterationFeedback
from rlgpt.agents.feedback_tags import feedback_tags, rollout_tags
from rlgpt.agents.schemas import Critique, Plan
from rlgpt.code import check_policy, extract_program
from rlgpt.config import RunConfig, load_config
from rlgpt.execution import required_functions, signatures
from rlgpt.llm.transcript import TranscriptEntry, find_answer, load_transcript
from rlgpt.loop import Loop
from rlgpt.plugins import get_registry

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TRANSCRIPT = EXAMPLES / "transcripts" / "crafter.jsonl"
CONFIGS = sorted(p for p in EXAMPLES.glob("crafter-*.toml") if not p.name.startswith("crafter-basic"))
METHODS = ("rl-gpt", "pure-code")
ITERATIONS = (0, 1)


@pytest.fixture(scope="module")
def entries() -> tuple[TranscriptEntry, ...]:
    """The reference transcript, parsed with the replay backend's own reader."""
    return load_transcript(TRANSCRIPT)


@pytest.fixture(scope="module")
def crafter():
    """The installed crafter environment spec."""
    return get_registry().environment("crafter")


def _tags(task: str, role: str, iteration: int, method: str, subtask: str | None = None) -> dict[str, str]:
    """The tags the loop puts on a request (see ``Loop._tags``)."""
    tags = {
        "env": "crafter",
        "task": task,
        "method": method,
        "agents": "slow+fast+critic",
        "role": role,
        "iteration": str(iteration),
        "attempt": "0",
    }
    if subtask:
        tags["subtask"] = subtask
    return tags


def _answer(entries: tuple[TranscriptEntry, ...], tags: dict[str, str], prompt: str = "") -> str:
    entry = find_answer(entries, tags, prompt)
    assert entry is not None, f"{TRANSCRIPT.name} has no answer for {tags}"
    return entry.response


def _plan(
    entries: tuple[TranscriptEntry, ...], task: str, iteration: int, method: str, prompt: str = ""
) -> Plan:
    return Plan.model_validate_json(_answer(entries, _tags(task, "planner", iteration, method), prompt))


def _demo_tasks() -> list[str]:
    return sorted({load_config(path).task for path in CONFIGS})


def test_every_example_config_loads_and_uses_the_reference_transcript() -> None:
    assert {path.name for path in CONFIGS} >= {
        "crafter-wood-pickaxe.toml",
        "crafter-stone-pickaxe.toml",
        "crafter-iron.toml",
    }
    for path in CONFIGS:
        config = load_config(path)
        assert config.env == "crafter" and config.llm.backend == "replay"
        assert (ROOT / config.llm.options["transcript"]).resolve() == TRANSCRIPT


@pytest.mark.parametrize("task", _demo_tasks())
@pytest.mark.parametrize("method", METHODS)
def test_every_request_of_a_run_has_a_valid_answer(entries, crafter, task: str, method: str) -> None:
    for iteration in ITERATIONS:
        plan = _plan(entries, task, iteration, method)
        assert any(s.method == "rl" for s in plan.subtasks), f"{task}: the plan has no rl sub-task"
        for subtask in plan.subtasks:
            assert set(subtask.primitives) <= set(crafter.primitive_actions), subtask.primitives
            if method == "pure-code":
                subtask = subtask.model_copy(update={"method": "code", "coded_actions": []})
            required = required_functions(subtask, continuous=False)
            text = _answer(entries, _tags(task, "coder", iteration, method, subtask.name))
            program = extract_program(text, signatures(required))
            check_policy(program.source)
        critique = Critique.model_validate_json(_answer(entries, _tags(task, "critic", iteration, method)))
        assert {v.subtask for v in critique.verdicts} == {s.name for s in plan.subtasks}


def test_every_program_in_the_transcript_passes_extraction_and_the_code_policy(entries) -> None:
    coder_entries = [e for e in entries if e.match.get("role") == "coder"]
    assert len(coder_entries) >= 10
    for entry in coder_entries:
        program = extract_program(entry.response, {})
        assert "done" in program.functions, f"line {entry.line}: no done condition"
        check_policy(program.source)


def test_the_critic_changes_the_stone_pickaxe_plan_only_on_what_it_answers(entries) -> None:
    task = "make_stone_pickaxe"
    asked = _tags(task, "critic", 0, "rl-gpt")
    stuck = asked | rollout_tags({"collect_wood": 1.0, "craft_stone_pickaxe": 0.0})
    fine = asked | rollout_tags({"collect_wood": 1.0, "craft_stone_pickaxe": 0.7})
    critique = Critique.model_validate_json(_answer(entries, stuck))
    assert critique.replan, "the statistics show the pickaxe is never crafted"
    kept = Critique.model_validate_json(_answer(entries, fine))
    assert not kept.replan, "the critic's verdict agrees with the statistics it was shown"
    reworded = critique.model_copy(
        update={"verdicts": [v.model_copy(update={"reason": "too little wood"}) for v in critique.verdicts]}
    )
    wood = []
    for told in (None, critique, reworded):
        previous = None if told is None else _feedback({"craft_stone_pickaxe": 0.0}, told)
        tags = _tags(task, "planner", 1, "rl-gpt") | feedback_tags(previous)
        wood.append(Plan.model_validate_json(_answer(entries, tags)).subtasks[0].done_condition)
    assert wood == [
        "inventory has at least 3 wood",
        "inventory has at least 6 wood",
        "inventory has at least 6 wood",
    ], "the re-plan answers the critic's verdict, whatever its words"


def test_without_a_critic_the_planner_answers_the_statistics_it_was_shown(entries) -> None:
    task = "make_stone_pickaxe"
    tags = _tags(task, "planner", 1, "rl-gpt") | {"agents": "slow+fast"}
    stuck = tags | feedback_tags(_feedback({"collect_wood": 1.0, "craft_stone_pickaxe": 0.0}, None))
    solved = tags | feedback_tags(_feedback({"collect_wood": 1.0, "craft_stone_pickaxe": 0.9}, None))
    wood = [Plan.model_validate_json(_answer(entries, t)).subtasks[0].done_condition for t in (stuck, solved)]
    assert wood == ["inventory has at least 6 wood", "inventory has at least 3 wood"]


def _feedback(success: dict[str, float], critique: Critique | None) -> IterationFeedback:
    return IterationFeedback(0, None, 0.0, "", critique, subtask_success=success)


def _run(tmp_path: Path, task: str, **overrides) -> tuple[Path, list[dict]]:
    """Run the real loop on crafter with the reference transcript; returns the run folder and its events."""
    data = {
        "env": "crafter",
        "task": task,
        "runs_dir": str(tmp_path / "runs"),
        "max_iterations": 1,
        "llm": {"backend": "replay", "options": {"transcript": str(TRANSCRIPT)}},
        "learner": {"total_timesteps": 3000, "hyperparameters": {"n_steps": 128, "batch_size": 64}},
        "evaluation": {"episodes": 5},
        **overrides,
    }
    loop = Loop.from_config(RunConfig.model_validate(data), progress_bar=False)
    loop.run()
    run = loop.run_dir.path
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    return run, events


def test_the_reference_transcript_solves_make_wood_pickaxe_end_to_end(tmp_path) -> None:
    run, events = _run(tmp_path, "make_wood_pickaxe")
    report = (run / "report.md").read_text()
    record = next(e["record"] for e in events if e["kind"] == "iteration_end")
    assert record["success_rate"] > 0, report
    assert "replay of reference answers" in report and "not a live model" in report
    assert record["env_steps"]["train"] >= 3000 and record["env_steps"]["eval"] > 0
    assert [e["subtask"] for e in events if e["kind"] == "trained"] == ["collect_wood"]
    assert "macros chosen" in record["summary"]  # the learned policy used the coded actions
    assert not [e for e in events if e["kind"] == "code_rejected"]
    assert (run / "code" / "iter-0" / "place_table.py").stat().st_size > 0


def test_the_critics_replan_fixes_the_stone_pickaxe_plan_in_a_real_run(tmp_path) -> None:
    run, events = _run(tmp_path, "make_stone_pickaxe", method="pure-code", max_iterations=2)
    first, second = (e["record"] for e in events if e["kind"] == "iteration_end")
    assert first["success_rate"] == 0 and first["critique"]["replan"], first["summary"]
    assert "stuck" in first["summary"]  # craft_stone_pickaxe has no wood left
    assert second["success_rate"] > 0, (run / "report.md").read_text()
    plans = [e["plan"]["subtasks"][0]["done_condition"] for e in events if e["kind"] == "plan"]
    assert plans == ["inventory has at least 3 wood", "inventory has at least 6 wood"]


def test_without_the_critic_the_planner_replans_on_the_statistics_in_a_real_run(tmp_path) -> None:
    run, events = _run(
        tmp_path, "make_stone_pickaxe", method="pure-code", max_iterations=2, agents="slow+fast"
    )
    first, second = (e["record"] for e in events if e["kind"] == "iteration_end")
    assert first["success_rate"] == 0 and second["success_rate"] > 0, (run / "report.md").read_text()
    plans = [e["plan"]["subtasks"][0]["done_condition"] for e in events if e["kind"] == "plan"]
    assert plans == ["inventory has at least 3 wood", "inventory has at least 6 wood"]
