"""learner.n_envs: RL sub-tasks train on several environments in subprocesses, budget in primitive steps."""

from __future__ import annotations

import json

import pytest
from rlgpt.loop import Loop

learner_module = pytest.importorskip("rlgpt_sb3.learner")


def test_two_training_envs_in_subprocesses(
    make_config, write_transcript, reference_entries, monkeypatch
) -> None:
    built: list[str] = []
    make_vec_env = learner_module.make_vec_env

    def recording(env_fn, n_envs):
        envs = make_vec_env(env_fn, n_envs)
        built.append(type(envs).__name__)
        return envs

    monkeypatch.setattr(learner_module, "make_vec_env", recording)
    config = make_config(
        transcript=write_transcript(reference_entries),
        llm={"cache": False},
        learner={"total_timesteps": 256, "n_envs": 2, "hyperparameters": {"n_steps": 32, "batch_size": 64}},
        evaluation={"episodes": 2},
    )
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    assert built == ["SubprocVecEnv"]
    (trained,) = loop.run_dir.read_events().of_kind("trained")
    macro = config.code.macro_step_budget
    assert 256 <= trained["timesteps"] <= 256 + 2 * macro, "at most one macro step per env past the budget"
    curve = json.loads((loop.run_dir.path / "curves/iter-0-build.json").read_text())
    assert all(e["timestep"] <= trained["timesteps"] for e in curve["episodes"])
