"""The loop with LLM settings per role, unusable answers fingerprinted by their text, and an RL
sub-task that trains without its coded actions."""

from __future__ import annotations

import json

from rlgpt.loop import Loop


def entries_without(reference_entries: list[dict], role: str) -> list[dict]:
    return [e for e in reference_entries if e["match"].get("role") != role]


def test_different_unusable_plans_with_the_same_error_are_not_repeats(
    make_config, write_transcript, reference_entries
):
    answers = ["I cannot plan this.", "No plan: the task is too hard.", "I cannot plan this."]
    planner = [
        {"match": {"role": "planner", "iteration": str(i)}, "response": text}
        for i, text in enumerate(answers)
    ]
    config = make_config(
        transcript=write_transcript(planner + entries_without(reference_entries, "planner")),
        max_iterations=3,
        dead_loop_patience=3,
    )
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    records = [e["record"] for e in loop.run_dir.read_events().of_kind("iteration_end")]
    errors = {r["summary"] for r in records}
    assert len(errors) == 1  # the parser says the same thing about all three answers
    assert [r["repeated"] for r in records] == [False, False, True]


def test_a_role_with_its_own_llm_answers_from_it(make_config, write_transcript, reference_entries, tmp_path):
    feedback = "Critic from its own transcript."
    critic = {
        "match": {"role": "critic"},
        "response": json.dumps({"planner_feedback": feedback, "replan": False}),
    }
    own = tmp_path / "critic.jsonl"
    own.write_text(json.dumps(critic) + "\n")
    config = make_config(llm={"critic": {"options": {"transcript": str(own)}}})
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    (critique,) = loop.run_dir.read_events().of_kind("critique")
    assert critique["critique"]["planner_feedback"] == feedback


def test_an_rl_subtask_whose_program_was_rejected_says_it_trains_without_its_coded_actions(
    make_config, write_transcript, reference_entries, capsys
):
    plan = next(e for e in reference_entries if e["match"].get("role") == "planner")
    rl = next(s for s in json.loads(plan["response"])["subtasks"] if s["method"] == "rl")
    broken = {"match": {"role": "coder", "subtask": rl["name"]}, "response": "no code here"}
    config = make_config(transcript=write_transcript([broken, *reference_entries]), max_fixes=0)
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    (missing,) = loop.run_dir.read_events().of_kind("coded_actions_missing")
    assert missing["subtask"] == rl["name"]
    assert missing["coded_actions"] == [a["name"] for a in rl["coded_actions"]]
    printed = " ".join(capsys.readouterr().err.split())
    assert f"{rl['name']} trains without its coded actions" in printed
