"""The whole RL-GPT loop on gridcraft: plan, code, train, evaluate, critique, report."""

from __future__ import annotations

import json

from rlgpt.loop import Loop


def events(run, kind):
    return [e for e in run.read_events() if e["kind"] == kind]


def test_rl_gpt_solves_build_house_with_code_and_rl(make_config):
    loop = Loop.from_config(make_config(), progress_bar=False)
    summary = loop.run()
    run = loop.run_dir
    assert summary.status == "target_reached", (run.path / "report.md").read_text()
    record = events(run, "iteration_end")[0]["record"]
    assert record["success_rate"] >= 0.8
    assert record["subtask_success"]["get_wood"] == 1.0
    assert record["env_steps"]["train"] >= 2048 and record["env_steps"]["eval"] > 0
    assert record["llm"]["calls"] == 4  # planner, two coders, critic
    assert record["tokens"] > 0
    assert (run.path / "code/iter-0/get_wood.py").exists()
    assert list((run.path / "checkpoints/iter-0/build").glob("*.zip"))
    report = (run.path / "report.md").read_text()
    assert "replay of reference answers" in report and "not a live model" in report
    assert (run.path / "success_per_iteration.png").stat().st_size > 1000
    assert (run.path / "learning_curves.png").exists()
    calls = events(run, "llm_call")
    assert {c["tags"]["role"] for c in calls} == {"planner", "coder", "critic"}
    stored = json.loads((run.path / calls[0]["file"]).read_text())
    assert stored["messages"][0]["role"] == "system" and "slow agent" in stored["messages"][0]["content"]


TWO_RL_PLAN = {
    "subtasks": [
        {
            "name": "get_wood",
            "description": "Reach the tree and chop two wood.",
            "method": "rl",
            "done_condition": "2 wood",
            "primitives": ["noop"],
            "coded_actions": [{"name": "chop_wood", "description": "walk to the tree and chop once"}],
        },
        {
            "name": "build",
            "description": "Craft planks and build.",
            "method": "rl",
            "done_condition": "a house",
            "primitives": ["build_house"],
            "coded_actions": [{"name": "craft_planks", "description": "craft all wood"}],
        },
    ]
}


def test_a_later_rl_subtask_trains_from_where_the_earlier_learned_policy_leaves_it(
    make_config, reference_entries, write_transcript
):
    code = {
        e["match"]["subtask"]: e["response"]
        for e in reference_entries
        if set(e["match"]) == {"role", "subtask"}
    }
    chop_wood = code["get_wood"].split("\n\n\ndef get_wood")[0] + (
        "\n\n\ndef chop_wood(api):\n    go_to_tree(api)\n    api.chop()\n"
        "\n\ndef done(api):\n    return api.inventory()['wood'] >= 2\n```"
    )
    entries = [
        {"match": {"role": "planner"}, "response": json.dumps(TWO_RL_PLAN)},
        {"match": {"role": "coder", "subtask": "get_wood"}, "response": chop_wood},
        *reference_entries,
    ]
    learner = {"total_timesteps": 4096}
    config = make_config(write_transcript(entries), agents="slow+fast", learner=learner)
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    run = loop.run_dir
    trained = events(run, "trained")
    assert [t["subtask"] for t in trained] == ["get_wood", "build"]
    record = events(run, "iteration_end")[0]["record"]
    assert record["subtask_success"]["get_wood"] >= 0.8, record["summary"]
    # building needs the wood only the first sub-task's learned policy gathers: training episodes that
    # succeed prove they started where that policy, loaded from its checkpoint, left the world
    build_curve = json.loads((run.path / "curves/iter-0-build.json").read_text())
    successes = [e["success"] for e in build_curve["episodes"]]
    assert sum(successes) >= len(successes) / 2
