"""A plugin for the tests of greedy and sampled evaluation: a learner whose greedy policy loops.

On ``loop_fakes``'s line its policy is fixed, not learned: at the first cell it goes right with
probability 0.45 (so its most likely action walks into the wall, for ever), elsewhere with 0.95.
Sampling, as it does in training, it reaches the end; acting greedily it never leaves the first
cell. Registered with ``PluginSelection(autoload=False).with_plugins("loop_fakes", "explore_fakes")``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from rlgpt import EpisodePoint, LearnerSpec, TrainingResult, hookimpl

RIGHT = 1


def right_probability(obs: Any) -> float:
    """The chance of stepping right: below one half on the first cell, well above it elsewhere."""
    return 0.45 if float(np.asarray(obs)[0]) == 1.0 else 0.95


class WallHuggingPolicy:
    """Acts by :func:`right_probability`: the most likely action, or one sampled with its seed."""

    def __init__(self, seed: int) -> None:
        self.seed, self.rng = seed, np.random.default_rng(seed)

    def __call__(self, obs: Any, *, deterministic: bool = True) -> int:
        """Left or right for one observation."""
        p = right_probability(obs)
        if deterministic:
            return RIGHT if p > 0.5 else 1 - RIGHT
        return RIGHT if self.rng.random() < p else 1 - RIGHT


class ExploringLearner:
    """Trains nothing: samples :class:`WallHuggingPolicy`'s actions, reporting each episode's success."""

    def __init__(self, env_fn, *, seed: int, n_envs: int, checkpoint_dir: Path) -> None:
        self.env_fn, self.policy = env_fn, WallHuggingPolicy(seed)

    def learn(self, total_timesteps: int, *, progress_bar: bool = False, on_progress=None) -> TrainingResult:
        """Step a training env ``total_timesteps`` times with sampled actions."""
        started, env = time.perf_counter(), self.env_fn()
        obs, _ = env.reset(seed=self.policy.seed)
        episodes, length, ret = [], 0, 0.0
        for step in range(1, total_timesteps + 1):
            obs, reward, terminated, truncated, info = env.step(self.predict(obs, deterministic=False))
            length, ret = length + 1, ret + float(reward)
            if terminated or truncated:
                episodes.append(EpisodePoint(step, ret, length, info.get("is_success")))
                obs, _ = env.reset()
                length, ret = 0, 0.0
        env.close()
        return TrainingResult(total_timesteps, time.perf_counter() - started, tuple(episodes))

    def predict(self, obs: Any, *, deterministic: bool = True) -> int:
        """The policy's action: greedy, or sampled."""
        return self.policy(obs, deterministic=deterministic)

    def save(self, path: Path) -> Path:
        """Write the seed as JSON."""
        path.write_text(json.dumps({"seed": self.policy.seed}))
        return path

    def load(self, path: Path) -> None:
        """Read the seed back."""
        self.policy = WallHuggingPolicy(json.loads(path.read_text())["seed"])

    def close(self) -> None:
        """Nothing to free."""

    def __enter__(self) -> ExploringLearner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def load_policy(checkpoint: Path) -> WallHuggingPolicy:
    """``predict(obs, deterministic=True) -> action`` from a checkpoint of :class:`ExploringLearner`."""
    return WallHuggingPolicy(json.loads(Path(checkpoint).read_text())["seed"])


@hookimpl
def register_learners(register):
    """The learner whose greedy policy loops."""
    register(
        LearnerSpec("exploring", ExploringLearner, "greedy loops, sampled solves", load_policy=load_policy)
    )
