"""benchmarks/combine_bench.py: seeds run as separate bench commands make one row per task and method."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "benchmarks"))
from combine_bench import main  # noqa: E402

LIVE = ROOT / "benchmarks" / "results" / "llm-live"


def test_two_seed_folders_become_one_row_per_task_with_both_seeds(tmp_path):
    assert main([str(LIVE / "full-s1"), str(LIVE / "full-s2"), "--out", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    rows = {row["task"]: row for row in data["rows"]}
    assert set(rows) == {"collect_drink", "collect_wood", "collect_sapling"}
    assert rows["collect_sapling"]["success"] == 1.0 and rows["collect_drink"]["success"] == 0.05
    assert data["command"].count("rlgpt bench") == 2 and "| 2/2 |" in (tmp_path / "results.md").read_text()


def test_a_folder_without_results_is_named_in_one_line(tmp_path, capsys):
    assert main([str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
