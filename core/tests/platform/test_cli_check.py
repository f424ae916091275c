"""``rlgpt check CONFIG [--set ...]``: a config validated without running anything, through the real
command: one ``ok:`` line and status 0, or one ``error:`` line naming the fix and status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rlgpt.cli import main

CONFIG = """
env = "gridcraft"
task = "collect_wood"
runs_dir = "runs"

[llm]
backend = "replay"
options = { transcript = "answers.jsonl" }

[learner]
name = "ppo"
total_timesteps = 256
hyperparameters = { n_steps = 128 }
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A gridcraft PPO config in ``tmp_path``, the working directory."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "run.toml"
    path.write_text(CONFIG)
    return path


def rlgpt(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed ``rlgpt`` command, with the gridcraft and SB3 plugins only."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "RLGPT_LOAD_PLUGINS": "testenv,sb3"}
    command = [str(Path(sys.executable).with_name("rlgpt")), *args]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_a_valid_config_is_one_ok_line_and_nothing_runs(config: Path, tmp_path: Path) -> None:
    checked = rlgpt(tmp_path, "check", "run.toml", "--set", "evaluation.deterministic=false")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.splitlines() == [
        "ok: run.toml: env gridcraft, task collect_wood, method rl-gpt, agents slow+fast+critic, learner ppo "
        "(256 steps), llm replay/reference, evaluation 10 episodes (sampled)"
    ]
    assert not (tmp_path / "runs").exists(), "check runs nothing and creates no run folder"


def test_switching_the_learner_drops_its_hyperparameters_with_a_note(config: Path, tmp_path: Path) -> None:
    checked = rlgpt(tmp_path, "check", "run.toml", "--set", "learner.name=dqn")
    assert checked.returncode == 0, checked.stderr
    assert "learner dqn (256 steps)" in checked.stdout
    [note] = [line for line in checked.stderr.splitlines() if line.startswith("note:")]
    assert note.startswith(
        "note: learner.name switched from 'ppo' to 'dqn': dropped the learner.hyperparameters"
    )
    assert "(n_steps)" in note


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        (["learner.total_timesteps=-5"], "learner.total_timesteps: must be >= 1, got -5"),
        (["evaluation.determinstic=false"], "did you mean 'evaluation.deterministic'?"),
        (["env=gridcraf"], "env: unknown environment 'gridcraf'"),
        (["task=collect_wod"], "task: unknown task 'collect_wod'"),
        (["learner.name=ppp"], "learner.name: unknown learner 'ppp'"),
        (["llm.backend=replya"], "llm.backend: unknown llm backend 'replya'"),
        (["method=pure-r"], "method: unknown method 'pure-r'"),
        (["agents=one-agnt"], "agents: unknown agent structure 'one-agnt'"),
        (["learner.hyperparameters.n_stepz=64"], "learner.hyperparameters: unknown hyperparameter 'n_stepz'"),
        (["llm.options.transcrpt=a.jsonl"], "llm.options: LLM backend 'replay' has no option 'transcrpt'"),
    ],
)
def test_an_invalid_config_is_one_error_line_and_status_2(
    config: Path, capsys: pytest.CaptureFixture[str], overrides: list[str], error: str
) -> None:
    code = main(["check", str(config), *(arg for item in overrides for arg in ("--set", item))])
    out, err = capsys.readouterr()
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert (code, out, len(errors)) == (2, "", 1), err
    assert error in errors[0]


def test_a_missing_config_file_is_one_error_line(tmp_path: Path) -> None:
    checked = rlgpt(tmp_path, "check", "nowhere.toml")
    assert checked.returncode == 2 and checked.stdout == ""
    assert checked.stderr.splitlines() == [
        "error: nowhere.toml: no such config file (see examples/ for runnable configs)"
    ]
