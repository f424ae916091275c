"""The ppo learner trains MaskablePPO where the env masks coded actions, and acts within the mask."""

from __future__ import annotations

import functools

import numpy as np
from rlgpt.envs import CodedActions
from rlgpt_sb3 import ppo, sb3_learner
from rlgpt_sb3.algorithms import PPO_ALGORITHM
from rlgpt_sb3.policy import CheckpointLoader
from rlgpt_testenv.env import make_env
from rlgpt_testenv.skills import GridcraftSkills


def chop(api):
    api.chop()


def never(api):
    return False


def gridcraft(preconditions: dict | None = None) -> CodedActions:
    return CodedActions(
        make_env("collect_wood"), GridcraftSkills, {"chop": chop}, preconditions=preconditions
    )


def test_masked_env_gets_maskable_ppo_and_predictions_respect_the_mask(tmp_path) -> None:
    learner = ppo(
        functools.partial(gridcraft, {"chop": never}), n_steps=64, batch_size=32, checkpoint_dir=tmp_path
    )
    assert type(learner.model).__name__ == "MaskablePPO"
    result = learner.learn(128)
    env = gridcraft({"chop": never})
    obs, _ = env.reset(seed=0)
    mask = env.action_masks()
    assert not mask[8]
    for deterministic in (True, False):
        actions = {learner.predict(obs, deterministic=deterministic, action_masks=mask) for _ in range(30)}
        assert 8 not in actions
    only_left = np.zeros(9, dtype=bool)
    only_left[1] = True
    assert learner.predict(obs, action_masks=only_left) == 1
    loaded = CheckpointLoader(PPO_ALGORITHM)(result.checkpoint)
    assert loaded(obs, action_masks=only_left) == 1
    assert {loaded(obs, deterministic=False, action_masks=mask) for _ in range(30)}.isdisjoint({8})
    learner.close()


def test_unmasked_env_keeps_plain_ppo() -> None:
    learner = ppo(gridcraft, n_steps=64, batch_size=32)
    assert type(learner.model).__name__ == "PPO"
    obs, _ = gridcraft().reset(seed=0)
    assert 0 <= learner.predict(obs, action_masks=np.ones(9, dtype=bool)) < 9  # masks are ignored
    learner.close()


def test_a_masked_variant_trains_where_the_env_masks_actions() -> None:
    spec = sb3_learner(
        "mppo", "stable_baselines3:PPO", action_spaces="discrete", masked="sb3_contrib:MaskablePPO"
    )
    masked = spec.factory(functools.partial(gridcraft, {"chop": never}), n_steps=64, batch_size=32)
    plain = spec.factory(gridcraft, n_steps=64, batch_size=32)
    assert (type(masked.model).__name__, type(plain.model).__name__) == ("MaskablePPO", "PPO")
    masked.close()
    plain.close()
