"""Steps to 80% from a bench folder: joined curves of a continued learner, and evaluation crossings."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "learning_curves.py"
spec = importlib.util.spec_from_file_location("kitchen_learning_curves", SCRIPT)
curves = importlib.util.module_from_spec(spec)
spec.loader.exec_module(curves)


def _write_curve(run: Path, iteration: int, successes: list[bool], start: int) -> None:
    episodes = [
        {"timestep": start + 100 * (i + 1), "episode_return": 0.0, "length": 100, "success": ok}
        for i, ok in enumerate(successes)
    ]
    path = run / "curves" / f"iter-{iteration}-task.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"subtask": "task", "timesteps": 1000, "episodes": episodes}))


def _trial(rates: list[float]) -> dict:
    records = [{"success_rate": r, "env_steps": {"train": 1000, "eval": 100}} for r in rates]
    return {"method": "pure-rl", "records": records, "summary": {"env_steps": 1100 * len(rates)}}


def test_a_continued_learner_has_one_curve_over_all_iterations(tmp_path: Path) -> None:
    _write_curve(tmp_path, 0, [False] * 10, start=0)
    _write_curve(tmp_path, 1, [True] * 10, start=1000)
    curve = curves.training_curve(tmp_path, window=10)
    assert curve[0] == (1000, 0.0)
    assert curve[-1] == (2000, 1.0)
    assert curves.steps_to_target(_trial([0.0, 0.5]), curve) == 1800  # 8 of the last 10 at step 1,800


def test_an_evaluation_at_80_percent_counts_at_the_steps_trained_so_far(tmp_path: Path) -> None:
    _write_curve(tmp_path, 0, [False] * 10, start=0)
    _write_curve(tmp_path, 1, [False] * 10, start=1000)
    _write_curve(tmp_path, 2, [False] * 10, start=2000)
    curve = curves.training_curve(tmp_path, window=10)
    assert curves.steps_to_target(_trial([0.0, 0.9, 0.3]), curve) == 2000
    assert curves.steps_to_target(_trial([0.0, 0.1, 0.3]), curve) is None


def test_a_learner_restarted_each_iteration_is_judged_on_its_last_curve(tmp_path: Path) -> None:
    _write_curve(tmp_path, 0, [True] * 10, start=0)
    _write_curve(tmp_path, 1, [False] * 10, start=0)
    assert curves.training_curve(tmp_path, window=10) == [(1000, 0.0)]
