"""The open game's achievements table: the Crafter score pooled and over seeds; a committed folder's
learning-curve plot survives re-analysis without its run directories."""

from __future__ import annotations

import json

import numpy as np
import pytest
from rlgpt.bench.analysis import CURVES_FILE, TaskAnalysis, achievement_score, crafter_scores, write_analysis

NAMES = [f"achievement_{i}" for i in range(22)]


def test_the_crafter_score_is_the_papers_geometric_mean_in_percent() -> None:
    assert crafter_scores(np.ones(22)) == pytest.approx(100.0)
    assert crafter_scores(np.zeros(22)) == pytest.approx(0.0)
    rates = {NAMES[0]: 1.0}  # one achievement always, the rest never
    assert achievement_score(rates, NAMES) == pytest.approx(101 ** (1 / 22) - 1)


def _trial(method: str, seed: int) -> dict:
    return {"id": f"{method}-s{seed}", "method": method, "seed": seed, "finished_at": f"2026-01-0{seed + 1}"}


def test_the_open_game_table_gives_the_pooled_score_and_the_score_over_seeds() -> None:
    unlocked = {0: [[NAMES[0]]] * 10, 1: [[]] * 10}  # seed 0 always unlocks one achievement, seed 1 never
    trials = [_trial("pure-code", seed) for seed in (0, 1)]
    controls = {
        t["id"]: {"policies": {"final": {"achievements": unlocked[t["seed"]], "achievement_names": NAMES}}}
        for t in trials
    }
    lines = TaskAnalysis("crafter", "open_game", trials, controls)._achievements_markdown()
    header = next(line for line in lines if line.startswith("| method"))
    assert header.endswith("| Crafter score | Crafter score over seeds |")
    (row,) = [line for line in lines if line.startswith("| pure-code")]
    pooled = achievement_score({NAMES[0]: 0.5}, NAMES)
    per_seed_mean = (achievement_score({NAMES[0]: 1.0}, NAMES) + 0.0) / 2
    assert f"| {pooled:.1f} | {per_seed_mean:.1f} [0.0, " in row


def test_re_analysing_a_folder_without_its_run_directories_keeps_its_plot(tmp_path) -> None:
    out = tmp_path / "results"
    (out / "trials").mkdir(parents=True)
    trial = {**_trial("pure-rl", 0), "env": "line", "task": "reach_end", "status": "finished", "records": []}
    (out / "trials" / "t.json").write_text(json.dumps({**trial, "run_dir": str(tmp_path / "gone")}))
    (out / CURVES_FILE).write_bytes(b"the committed plot")
    write_analysis(out)
    assert (out / CURVES_FILE).read_bytes() == b"the committed plot"
    (out / CURVES_FILE).unlink()
    write_analysis(out)
    assert (out / CURVES_FILE).read_bytes().startswith(b"\x89PNG"), "without a plot, one is drawn"
