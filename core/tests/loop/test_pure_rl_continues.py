"""pure-rl is one learner across iterations: each iteration continues from the last checkpoint."""

from __future__ import annotations

import json

import pytest
from rlgpt.loop import Loop
from rlgpt.methods import PURE_CODE, PURE_RL, RL_GPT
from rlgpt.plugins import get_registry

pytest.importorskip("rlgpt_sb3")
pytest.importorskip("rlgpt_testenv")


def test_second_iteration_continues_the_first_iterations_learner(make_config) -> None:
    config = make_config(
        method="pure-rl",
        max_iterations=2,
        target_success=1.0,
        learner={"total_timesteps": 256, "hyperparameters": {"n_steps": 128}},
        evaluation={"episodes": 2},
    )
    loop = Loop.from_config(config, registry=get_registry(), progress_bar=False)
    loop.run()
    events = [json.loads(line) for line in (loop.run_dir.path / "events.jsonl").read_text().splitlines()]
    trained = [e for e in events if e["kind"] == "trained"]
    assert [e["iteration"] for e in trained] == [0, 1]
    assert [e["timesteps"] for e in trained] == [256, 256], "each iteration trains its own budget"
    # the checkpoint counts every step the one policy trained on, across iterations
    assert trained[0]["checkpoint"].endswith("ppo_256_steps.zip")
    assert trained[1]["checkpoint"].endswith("ppo_512_steps.zip")


def test_only_pure_rl_continues_its_learner() -> None:
    assert PURE_RL.continues_learning
    assert not RL_GPT.continues_learning and not PURE_CODE.continues_learning, "a new plan trains anew"
