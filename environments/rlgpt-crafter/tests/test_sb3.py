"""Stable-Baselines3 PPO trains on both observation modes as they are (no wrappers)."""

from __future__ import annotations

import pytest
from rlgpt_crafter import make_env

sb3 = pytest.importorskip("stable_baselines3")
torch = pytest.importorskip("torch")


@pytest.mark.parametrize(("obs_mode", "policy"), [("symbolic", "MlpPolicy"), ("pixels", "CnnPolicy")])
def test_ppo_takes_the_observation_space_directly(obs_mode: str, policy: str) -> None:
    torch.set_num_threads(1)
    env = make_env(task="collect_wood", obs_mode=obs_mode)
    model = sb3.PPO(policy, env, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=128)
    assert model.num_timesteps == 128
    obs, _ = env.reset(seed=1)
    action, _ = model.predict(obs, deterministic=True)
    assert env.action_space.contains(int(action))
