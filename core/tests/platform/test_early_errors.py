"""Mistakes in a run's setup are one-line errors before any work starts, and leave nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from rlgpt.cli import main
from rlgpt.runs import RunDirectory

TRANSCRIPT = Path(__file__).parents[1] / "loop" / "gridcraft_build_house.jsonl"


@pytest.fixture
def config_file(tmp_path) -> Path:
    path = tmp_path / "run.toml"
    path.write_text(
        'env = "gridcraft"\ntask = "build_house"\n'
        f'runs_dir = "{tmp_path / "runs"}"\nmax_iterations = 1\n'
        '[llm]\nbackend = "replay"\nmodel = "reference"\n'
        f'[llm.options]\ntranscript = "{TRANSCRIPT}"\n'
        '[learner]\nname = "ppo"\ntotal_timesteps = 256\n'
    )
    return path


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("seed=[1,", "not a valid TOML value"),
        ("learner.hyperparameters={n_step=128}", "did you mean 'n_steps'"),
        ('learner.hyperparameters={n_steps="abc"}', "'n_steps' of learner 'ppo' must be int"),
    ],
)
def test_bad_overrides_fail_before_the_run_starts(config_file, tmp_path, capsys, override, expected):
    assert main(["run", str(config_file), "--set", override]) == 2
    assert expected in one_line_error(capsys)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_missing_transcript_leaves_no_run_folder(config_file, tmp_path, capsys):
    missing = tmp_path / "nowhere.jsonl"
    assert main(["run", str(config_file), "--set", f'llm.options.transcript="{missing}"']) == 2
    assert "nowhere.jsonl" in one_line_error(capsys)
    assert not (tmp_path / "runs").exists()  # neither a run folder nor the runs/ folder made for it


def test_a_malformed_config_json_on_resume_is_one_line(tmp_path, capsys):
    run = RunDirectory.create(tmp_path, "gridcraft", "build_house", {"env": "gridcraft"})
    run.release()
    (run.path / "config.json").write_text("{not json")
    assert main(["run", "--resume", str(run.path)]) == 2
    assert "not valid JSON" in one_line_error(capsys)
