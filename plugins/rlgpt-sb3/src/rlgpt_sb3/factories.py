"""The learner factories the plugin registers; torch and stable-baselines3 load on first use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlgpt_sb3.algorithms import PPO_ALGORITHM, SAC_ALGORITHM, Algorithm

if TYPE_CHECKING:
    from rlgpt_sb3.learner import SB3Learner
    from rlgpt_sb3.vec import EnvFn


def _build(algorithm: Algorithm, env_fn: EnvFn, **kwargs: Any) -> SB3Learner:
    """Import the learner module (torch, SB3) and build the learner."""
    from rlgpt_sb3.learner import SB3Learner

    return SB3Learner(algorithm, env_fn, **kwargs)


def ppo(
    env_fn: EnvFn,
    *,
    seed: int = 0,
    n_envs: int = 1,
    checkpoint_dir: Path | None = None,
    **hyperparameters: Any,
) -> SB3Learner:
    """PPO learner for discrete action spaces (primitives plus coded macro actions)."""
    return _build(
        PPO_ALGORITHM, env_fn, seed=seed, n_envs=n_envs, checkpoint_dir=checkpoint_dir, **hyperparameters
    )


def sac(
    env_fn: EnvFn,
    *,
    seed: int = 0,
    n_envs: int = 1,
    checkpoint_dir: Path | None = None,
    **hyperparameters: Any,
) -> SB3Learner:
    """SAC learner for continuous ``Box`` action spaces."""
    return _build(
        SAC_ALGORITHM, env_fn, seed=seed, n_envs=n_envs, checkpoint_dir=checkpoint_dir, **hyperparameters
    )
