"""Vectorised training environments and the policy class that fits an observation space.

Every VecEnv conversion of the plugin lives here: the rest of rlgpt deals in plain Gymnasium envs.
"""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Callable

import gymnasium as gym
from gymnasium import spaces
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.preprocessing import is_image_space
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv

EnvFn = Callable[[], gym.Env]


def _monitored(env_fn: EnvFn) -> gym.Env:
    """Build one env and wrap it in SB3's ``Monitor`` (adds ``info["episode"]`` at episode ends)."""
    return Monitor(env_fn())


def start_method() -> str:
    """The subprocess start method for ``SubprocVecEnv``: ``forkserver`` where available, else ``spawn``."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def make_vec_env(env_fn: EnvFn, n_envs: int) -> VecEnv:
    """Build ``n_envs`` monitored copies of ``env_fn()``.

    One env runs in this process (``DummyVecEnv``); more run in subprocesses (``SubprocVecEnv``),
    so ``env_fn`` must be picklable then.
    """
    if not isinstance(n_envs, int) or n_envs < 1:
        raise ValueError(f"n_envs must be a positive integer, got {n_envs!r} - pass n_envs=1 or more")
    fns = [functools.partial(_monitored, env_fn) for _ in range(n_envs)]
    if n_envs == 1:
        return DummyVecEnv(fns)
    return SubprocVecEnv(fns, start_method=start_method())


def policy_for(observation_space: spaces.Space) -> str:
    """``MultiInputPolicy`` for Dict observations, ``CnnPolicy`` for image Boxes, else ``MlpPolicy``."""
    if isinstance(observation_space, spaces.Dict):
        return "MultiInputPolicy"
    if is_image_space(observation_space, check_channels=True):
        return "CnnPolicy"
    return "MlpPolicy"


def action_space_kind(action_space: spaces.Space) -> str:
    """``"discrete"`` for Discrete / MultiDiscrete / MultiBinary spaces, ``"continuous"`` for Box."""
    if isinstance(action_space, spaces.Box):
        return "continuous"
    if isinstance(action_space, (spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)):
        return "discrete"
    return type(action_space).__name__


def has_action_masks(env: VecEnv) -> bool:
    """True when the envs mask actions (:class:`rlgpt.envs.CodedActions` with preconditions)."""
    return bool(env.has_attr("masked") and all(env.get_attr("masked")))
