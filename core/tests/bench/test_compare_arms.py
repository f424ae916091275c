"""benchmarks/compare_arms.py: two bench folders that differ in one setting, paired by task and seed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "benchmarks"))
from compare_arms import main  # noqa: E402
from rlgpt.bench.trial import FINISHED  # noqa: E402


def record(successes: int, episodes: int = 10) -> dict:
    return {"successes": successes, "episodes": episodes}


def write_folder(folder: Path, trials: dict[int, list[int]], task: str = "collect_wood") -> Path:
    """A results.json with one finished trial per seed, its iterations' success counts as given."""
    folder.mkdir(parents=True)
    rows = [
        {"task": task, "seed": seed, "status": FINISHED, "records": [record(n) for n in counts]}
        for seed, counts in trials.items()
    ]
    rows.append({"task": task, "seed": 9, "status": "failed", "records": []})
    (folder / "results.json").write_text(json.dumps({"command": "rlgpt bench", "trials": rows}))
    return folder


def test_seeds_are_paired_and_only_those_both_arms_finished_count(tmp_path, capsys):
    first = write_folder(tmp_path / "critic", {0: [0, 10], 1: [10], 2: [3, 8]})
    second = write_folder(tmp_path / "plain", {0: [0, 0], 1: [10]})
    out = tmp_path / "compare.md"
    assert main([str(first), str(second), "--labels", "critic,no critic", "--out", str(out)]) == 0
    text = out.read_text()
    assert "| 0 | 0.00 | 1.00 (2) | 0.00 | 0.00 (2) |" in text
    assert "| 1 | 1.00 | 1.00 (1) | 1.00 | 1.00 (1) |" in text
    assert "| 2 |" not in text  # the second arm has no seed 2
    assert "critic - no critic over 2 seeds: +0.50 [+0.00, +1.00]" in text
    assert text in capsys.readouterr().out


def test_a_folder_without_results_is_named_in_one_line(tmp_path, capsys):
    first = write_folder(tmp_path / "critic", {0: [0]})
    assert main([str(first), str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and err.strip().count("\n") == 0
