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
