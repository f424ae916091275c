"""Behaviour of the SB3 learners beyond the shared contract."""

from __future__ import annotations

import functools
import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium import spaces
from rlgpt.testing import Corridor, FixedEpisodes, Reach
from rlgpt_sb3 import dqn, ppo, sac
from rlgpt_sb3.vec import policy_for
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    """Tests that change torch's thread count put it back."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_unknown_hyperparameter_names_the_fix() -> None:
    expected = r"unknown hyperparameter 'n_step' .*did you mean 'n_steps'\?"
    with pytest.raises(ValueError, match=expected) as err:
        ppo(Corridor, n_step=128)
    assert "batch_size" in str(err.value) and "\n" not in str(err.value)


def test_hyperparameters_override_defaults() -> None:
    learner = ppo(Corridor, n_steps=128, batch_size=32, policy_kwargs={"activation_fn": torch.nn.ReLU})
    model = learner.model
    assert (model.n_steps, model.batch_size, model.n_epochs) == (128, 32, 4)
    assert model.policy_kwargs["net_arch"] == [64, 64], "policy_kwargs are merged into the defaults"
    assert model.policy_kwargs["activation_fn"] is torch.nn.ReLU
    assert ppo(Corridor).model.policy_kwargs.get("activation_fn") is not torch.nn.ReLU


def test_train_freq_from_a_config_list() -> None:
    assert sac(Reach, train_freq=[2, "episode"]).model.train_freq.unit.value == "episode"


@pytest.mark.parametrize(
    ("factory", "env_fn", "hint"),
    [(dqn, Reach, "use learner 'sac'"), (sac, Corridor, "use learner 'ppo'")],
)
def test_wrong_action_space_is_a_clear_error(factory, env_fn, hint) -> None:
    with pytest.raises(ValueError, match=hint):
        factory(env_fn)


def test_torch_threads(monkeypatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    torch.set_num_threads(2)
    ppo(Corridor)
    assert torch.get_num_threads() == 1, "one thread by default"
    ppo(Corridor, torch_threads=2)
    assert torch.get_num_threads() == 2
    with pytest.raises(ValueError, match="torch_threads must be a positive integer"):
        ppo(Corridor, torch_threads=0)


@pytest.mark.parametrize(("declared", "threads"), [("2", 2), ("3,1", 3), ("0", 1), ("many", 1)])
def test_torch_threads_follow_the_declared_cpus(monkeypatch, declared, threads) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", declared)  # as rlgpt bench sets it for a trial's CPUs
    ppo(Corridor)
    assert torch.get_num_threads() == threads


def test_policy_follows_observation_space() -> None:
    image = spaces.Box(0, 255, (36, 36, 3), np.uint8)
    assert policy_for(image) == "CnnPolicy"
    assert policy_for(spaces.Box(0.0, 1.0, (4,), np.float32)) == "MlpPolicy"
    assert policy_for(spaces.Dict({"a": spaces.Box(0.0, 1.0, (2,))})) == "MultiInputPolicy"
    policy = ppo(functools.partial(Corridor, dict_obs=True)).model.policy
    assert type(policy).__name__ == "MultiInputActorCriticPolicy"


def test_bad_budget_and_missing_checkpoint(tmp_path) -> None:
    learner = ppo(Corridor)
    with pytest.raises(ValueError, match="total_timesteps must be a positive integer"):
        learner.learn(0)
    with pytest.raises(FileNotFoundError, match=r"pass the \.zip path that save"):
        learner.load(tmp_path / "missing.zip")


@pytest.mark.parametrize(
    ("factory", "env_fn", "options"),
    [(ppo, Corridor, {}), (sac, Reach, {"learning_starts": 1_000})],  # no SAC updates: only stepping matters
)
def test_stopping_mid_rollout_keeps_the_current_observation(factory, env_fn, options) -> None:
    learner = factory(env_fn, seed=3, **options)
    first = learner.learn(333)
    assert first.timesteps == 333
    env = learner.model.get_env().envs[0].unwrapped
    np.testing.assert_array_equal(learner.model._last_obs[0], env._obs())
    second = learner.learn(333)
    assert second.timesteps == 333 and learner.env_steps == 666


def test_full_last_rollout_is_trained_on() -> None:
    learner = ppo(Corridor, n_steps=128)
    learner.learn(256)
    assert learner.model._n_updates == 2 * learner.model.n_epochs, "both rollouts train"


def test_macro_step_of_zero_counts_as_one() -> None:
    learner = ppo(functools.partial(FixedEpisodes, episode_length=5, macro_steps=0))
    result = learner.learn(100)
    assert result.timesteps == 100 and len(result.episodes) == 20


def test_checkpoint_keeps_primitive_step_count(tmp_path) -> None:
    env_fn = functools.partial(FixedEpisodes, episode_length=5, macro_steps=3)
    result = ppo(env_fn, checkpoint_dir=tmp_path).learn(300)
    assert result.checkpoint == tmp_path / "ppo_300_steps.zip"
    restored = ppo(env_fn)
    restored.load(result.checkpoint)
    assert restored.env_steps == 300 and restored.model.num_timesteps == 100
    assert restored.learn(30).episodes[0].timestep == 315


def test_success_is_none_when_env_does_not_report_it() -> None:
    result = ppo(functools.partial(gym.make, "CartPole-v1")).learn(300)
    assert result.episodes and all(point.success is None for point in result.episodes)


def test_progress_bar_and_callback(capsys) -> None:
    calls: list[tuple[int, int]] = []
    ppo(Corridor).learn(200, progress_bar=True, on_progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (200, 200) and len(calls) > 10
    err = capsys.readouterr().err
    assert "ppo training" in err and "200/200" in err


def test_one_env_runs_in_process() -> None:
    assert isinstance(ppo(Corridor).model.get_env(), DummyVecEnv)


def test_two_envs_run_in_subprocesses() -> None:
    env_fn = functools.partial(FixedEpisodes, episode_length=10, macro_steps=2)
    learner = ppo(env_fn, n_envs=2, n_steps=64)
    try:
        assert isinstance(learner.model.get_env(), SubprocVecEnv)
        result = learner.learn(1000)
        assert result.timesteps == 1000
        assert len(result.episodes) == 1000 // 20
        assert all(point.length == 10 for point in result.episodes)
    finally:
        learner.close()


def test_two_envs_repeat_their_results_under_a_seed() -> None:
    def train(seed: int) -> tuple[list[tuple[int, float]], list[np.ndarray]]:
        with ppo(Corridor, seed=seed, n_envs=2, n_steps=32, batch_size=32) as learner:
            result = learner.learn(256)
        weights = [p.detach().numpy().copy() for p in learner.model.policy.parameters()]
        return [(p.timestep, p.episode_return) for p in result.episodes], weights

    (episodes, weights), (again, weights_again), (other, _) = train(0), train(0), train(1)
    assert episodes == again and episodes != other
    for a, b in zip(weights, weights_again, strict=True):
        np.testing.assert_array_equal(a, b)


def test_registering_does_not_load_torch() -> None:
    code = "import sys, rlgpt_sb3.plugin; sys.exit(bool({'torch', 'stable_baselines3'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


class TinyImages(gym.Env):
    """36x36 RGB frames; the reward is 1 for action 1."""

    def __init__(self) -> None:
        self.observation_space = spaces.Box(0, 255, (36, 36, 3), np.uint8)
        self.action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self.observation_space.sample(), {}

    def step(self, action):
        return self.observation_space.sample(), float(action), False, True, {}


def test_image_observations_train_a_cnn() -> None:
    learner = ppo(TinyImages, n_steps=64, batch_size=32)
    assert type(learner.model.policy).__name__ == "ActorCriticCnnPolicy"
    assert learner.learn(64).timesteps == 64
    assert learner.predict(TinyImages().observation_space.sample()) in (0, 1)
