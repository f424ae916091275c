"""The learner factories the plugin registers; torch and stable-baselines3 load on first use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlgpt_sb3.algorithms import (
    A2C_ALGORITHM,
    DQN_ALGORITHM,
    PPO_ALGORITHM,
    SAC_ALGORITHM,
    TD3_ALGORITHM,
    Algorithm,
)

if TYPE_CHECKING:
    from rlgpt_sb3.learner import SB3Learner
    from rlgpt_sb3.vec import EnvFn


@dataclass(frozen=True)
class LearnerFactory:
    """``factory(env_fn, *, seed, n_envs, checkpoint_dir, **hyperparameters)`` of one algorithm's
    :class:`~rlgpt_sb3.learner.SB3Learner`.

    Picklable; importing the learner module (torch, SB3) waits for the first call.
    """

    algorithm: Algorithm

    def __call__(
        self,
        env_fn: EnvFn,
        *,
        seed: int = 0,
        n_envs: int = 1,
        checkpoint_dir: Path | None = None,
        **hyperparameters: Any,
    ) -> SB3Learner:
        """Build the learner over training envs made by ``env_fn``."""
        from rlgpt_sb3.learner import SB3Learner

        return SB3Learner(
            self.algorithm, env_fn, seed=seed, n_envs=n_envs, checkpoint_dir=checkpoint_dir, **hyperparameters
        )


ppo = LearnerFactory(PPO_ALGORITHM)
"""PPO learner for discrete action spaces (primitives plus coded macro actions) or continuous ones."""
sac = LearnerFactory(SAC_ALGORITHM)
"""SAC learner for continuous ``Box`` action spaces."""
dqn = LearnerFactory(DQN_ALGORITHM)
"""DQN learner for discrete action spaces."""
a2c = LearnerFactory(A2C_ALGORITHM)
"""A2C learner for discrete or continuous action spaces."""
td3 = LearnerFactory(TD3_ALGORITHM)
"""TD3 learner for continuous ``Box`` action spaces."""
