"""report.md of a hand-written run: the critic's words to the coder, and a learning curve of one point."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from rlgpt.metrics import IterationRecord
from rlgpt.report import write_report
from rlgpt.runs import RunDirectory

LINE_COLOUR = (0x1F, 0x77, 0xB4)  # matplotlib's first colour (C0)


def one_iteration_run(tmp_path: Path, critique: dict, episodes: list[dict]) -> RunDirectory:
    config = {"env": "gridcraft", "task": "build_house"}
    run = RunDirectory.create(tmp_path / "runs", "gridcraft", "build_house", config)
    plan = {"subtasks": [{"name": "build", "method": "rl", "coded_actions": []}]}
    record = IterationRecord(iteration=0, episodes=2, successes=1, plan=plan, critique=critique)
    run.append_event("iteration_end", record=record.to_dict())
    run.write_json("curves/iter-0-build.json", {"subtask": "build", "timesteps": 64, "episodes": episodes})
    return run


def test_the_report_shows_the_critics_verdicts_and_leaves_out_empty_advice(tmp_path):
    critique = {
        "verdicts": [{"subtask": "build", "verdict": "fix_code", "reason": "it crafts before chopping"}],
        "planner_feedback": "Keep the plan.",
        "coder_feedback": "",
        "replan": False,
    }
    run = one_iteration_run(tmp_path, critique, [])
    report = write_report(run.path).read_text()
    assert "- Critic on `build`: fix_code - it crafts before chopping" in report
    assert "- Critic to planner: Keep the plan." in report
    assert "Critic to coder" not in report  # empty: nothing to show


def test_a_learning_curve_of_one_episode_is_drawn(tmp_path):
    run = one_iteration_run(tmp_path, {}, [{"timestep": 40, "episode_return": 1.0, "length": 40}])
    write_report(run.path)
    pixels = np.asarray(Image.open(run.path / "learning_curves.png").convert("RGB")).reshape(-1, 3)
    drawn = np.all(np.abs(pixels.astype(int) - LINE_COLOUR) < 30, axis=1).sum()
    assert drawn > 100  # the point's marker: the legend's sample line alone is about 40 pixels
