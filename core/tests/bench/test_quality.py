"""The code-quality table and figure: one bench results folder per mutation rate, read back together."""

from __future__ import annotations

import matplotlib.image
from rlgpt.bench.quality import Level, main, ordered


def test_levels_are_read_from_each_folders_trials_and_tabled_and_plotted(
    tmp_path, bench_files, bench_entries, bench_run, capsys
) -> None:
    config = bench_files(tmp_path, bench_entries)
    folders = []
    for rate in (0.0, 1.0):
        out = tmp_path / f"m{rate:g}"
        status = bench_run(
            out,
            config=config,
            methods=["pure-code"],
            seeds=[0, 1],
            budget=64,
            set=[f"code.mutation_rate={rate}"],
        )
        assert status == 0
        folders.append(out)

    assert main([*map(str, reversed(folders)), "--out", str(tmp_path / "quality")]) == 0
    table = (tmp_path / "quality" / "quality.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| mutation")]
    assert [row.split(" | ")[0] for row in rows] == ["| mutation 0", "| mutation 1"]  # ordered by rate
    clean, degraded = (row.split(" | ")[1] for row in rows)
    assert clean.startswith("1.00") and not degraded.startswith("1.00")  # every mistake at once breaks it
    assert matplotlib.image.imread(tmp_path / "quality" / "quality-gridcraft.png").shape[0] > 100


def test_a_folder_mixing_levels_or_without_trials_is_a_one_line_error(
    tmp_path, bench_files, bench_entries, bench_run, capsys
) -> None:
    assert main([str(tmp_path / "nothing"), "--out", str(tmp_path / "q")]) == 2
    assert "no finished trials" in capsys.readouterr().err
    config = bench_files(tmp_path, bench_entries)
    out = tmp_path / "mixed"
    for rate in (0.0, 1.0):
        bench_run(
            out,
            config=config,
            methods=["pure-code"],
            seeds=[0],
            budget=64,
            set=[f"code.mutation_rate={rate}"],
        )
    assert main([str(out), "--out", str(tmp_path / "q")]) == 2
    assert "give one results folder per level" in capsys.readouterr().err


def test_live_coders_levels_come_after_the_degraded_reference_programs() -> None:
    live = Level("qwen", 0.0, "llama-cpp:qwen2.5-coder-1.5b (planner, critic: replay:reference)", ())
    reference = [Level(f"mutation {rate:g}", rate, "replay:reference", ()) for rate in (0.2, 0.0, 0.1)]
    assert live.live and not any(level.live for level in reference)
    assert [level.label for level in ordered([live, *reference])] == [
        "mutation 0",
        "mutation 0.1",
        "mutation 0.2",
        "qwen",
    ]
