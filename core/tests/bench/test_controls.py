"""Controls and the analysis on real gridcraft trials: same plan, programs and worlds, other policies."""

from __future__ import annotations

import shutil
from pathlib import Path

from rlgpt.bench.analysis import ANALYSIS_FILE, CURVES_FILE
from rlgpt.bench.controls import load_controls, main, run_controls, with_local_run_dir
from rlgpt.bench.matrix import Trial
from rlgpt.bench.plots import training_curve
from rlgpt.bench.trial import run_trial, write_json
from rlgpt.config import RunConfig

TRANSCRIPT = Path(__file__).parents[1] / "loop" / "gridcraft_build_house.jsonl"


def _trial(tmp_path, method: str, seed: int) -> Trial:
    name = f"build_house-{method}-s{seed}"
    config = RunConfig.model_validate(
        {
            "env": "gridcraft",
            "task": "build_house",
            "method": method,
            "seed": seed,
            "name": name,
            "runs_dir": str(tmp_path / "out" / "runs"),
            "max_iterations": 1,
            "llm": {"backend": "replay", "model": "reference", "options": {"transcript": str(TRANSCRIPT)}},
            "learner": {"name": "ppo", "total_timesteps": 256, "hyperparameters": {"n_steps": 128}},
            "evaluation": {"episodes": 4},
            "code": {"dry_run_timeout_s": 10, "call_timeout_s": 1.0},
        }
    )
    return Trial(id=name, config=config, llm="-" if method == "pure-rl" else "replay")


def test_controls_reproduce_the_loop_and_the_analysis_reports_what_rl_adds(tmp_path) -> None:
    out = tmp_path / "out"
    for method in ("rl-gpt", "pure-code"):
        for seed in (0, 1):
            result = run_trial(_trial(tmp_path, method, seed))
            assert result["status"] == "finished", result["error"]
            write_json(out / "trials" / f"{result['id']}.json", result)
    assert run_controls(out, log=lambda line: None) == 2, "controls are for rl-gpt trials"
    controls = load_controls(out)
    rl = controls["build_house-rl-gpt-s0"]
    assert rl["reproduces_loop"] and rl["episodes"] == 4 and rl["final_policy_steps"] >= 256
    assert set(rl["policies"]) == {"trained", "trained_stochastic", "random", "always:craft_planks"}
    assert all(len(p["success"]) == 4 for p in rl["policies"].values())
    always = rl["policies"]["always:craft_planks"]["choices"]
    assert list(always) == ["build"] and list(always["build"]) == ["craft_planks"], always
    primitives = set(rl["policies"]["random"]["choices"]["build"]) - {"craft_planks"}
    assert primitives and all(not name.startswith("primitive") for name in primitives), "named primitives"
    assert set(controls) == {"build_house-rl-gpt-s0", "build_house-rl-gpt-s1"}
    assert run_controls(out, log=lambda line: None) == 0, "a rerun skips trials already done"
    assert run_controls(out, log=lambda line: None, all_methods=True) == 2, "now the pure-code trials"
    code = load_controls(out)["build_house-pure-code-s1"]
    assert code["reproduces_loop"] and set(code["policies"]) == {"final"}

    assert main([str(out)]) == 0
    text = (out / ANALYSIS_FILE).read_text()
    assert "## build_house (gridcraft)" in text and "**RL adds**" in text
    assert "rl-gpt - pure-code:" in text and "always craft_planks" in text
    assert (out / CURVES_FILE).stat().st_size > 0


def test_controls_follow_a_moved_results_folder(tmp_path) -> None:
    out = tmp_path / "out"
    result = run_trial(_trial(tmp_path, "rl-gpt", 0))
    assert result["status"] == "finished", result["error"]
    write_json(out / "trials" / f"{result['id']}.json", result)
    moved = shutil.move(out, tmp_path / "moved")
    assert not Path(result["run_dir"]).exists()
    lines: list[str] = []
    assert run_controls(Path(moved), log=lines.append) == 1, lines
    controls = load_controls(Path(moved))["build_house-rl-gpt-s0"]
    assert controls["reproduces_loop"] and controls["final_policy_steps"] >= 256
    steps, _ = training_curve(with_local_run_dir(Path(moved), result))
    assert steps, "the learning curve is read from the moved run directory"


def test_missing_trials_folder_is_one_line(tmp_path, capsys) -> None:
    assert main([str(tmp_path)]) == 2
    assert "no trials/ folder" in capsys.readouterr().err
