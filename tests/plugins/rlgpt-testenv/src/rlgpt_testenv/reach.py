"""Reach: a point mass on a plane must reach a target (continuous actions, for SAC paths)."""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from rlgpt import SkillAPI

ARENA = 5.0
RADIUS = 0.5


class ReachEnv(gym.Env):
    """Actions are velocity commands in [-1, 1]^2; success within RADIUS of the target.

    Reward: +1 on success, -0.01 for every other step.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(
        self,
        task: str | None = None,
        obs_mode: str = "state",
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        if obs_mode != "state":
            raise ValueError(f"reach has only the 'state' observation mode, got {obs_mode!r}")
        self.max_episode_steps = max_episode_steps or 60
        self.render_mode = render_mode
        self.action_space = gym.spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
        self.observation_space = gym.spaces.Box(-2 * ARENA, 2 * ARENA, shape=(4,), dtype=np.float32)
        self._pos = np.zeros(2)
        self._target = np.zeros(2)
        self._steps = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._pos = self.np_random.uniform(-ARENA, ARENA, size=2)
        self._target = self.np_random.uniform(-ARENA, ARENA, size=2)
        self._steps = 0
        return self._obs(), self._info()

    def step(self, action: Any):
        move = np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0)
        self._pos = np.clip(self._pos + move, -ARENA, ARENA)
        self._steps += 1
        info = self._info()
        terminated = info["is_success"]
        truncated = self._steps >= self.max_episode_steps and not terminated
        return self._obs(), 1.0 if terminated else -0.01, terminated, truncated, info

    def _obs(self) -> np.ndarray:
        return np.concatenate([self._pos, self._target - self._pos]).astype(np.float32)

    def _info(self) -> dict[str, Any]:
        distance = float(np.linalg.norm(self._target - self._pos))
        return {
            "position": self._pos.tolist(),
            "target_offset": (self._target - self._pos).tolist(),
            "distance": distance,
            "is_success": distance <= RADIUS,
        }


class ReachSkills(SkillAPI):
    """Move a point mass on a plane towards a target."""

    def push(self, dx: float, dy: float) -> None:
        """Move by (dx, dy), each clipped to [-1, 1]; costs 1 step."""
        self.act(np.array([dx, dy], dtype=np.float32))

    def target_offset(self) -> tuple[float, float]:
        """(dx, dy) from the point to the target; free."""
        dx, dy = self.info["target_offset"]
        return float(dx), float(dy)

    def distance(self) -> float:
        """Distance to the target; free."""
        return float(self.info["distance"])


def make_reach(
    task: str | None = None,
    obs_mode: str = "state",
    max_episode_steps: int | None = None,
    render_mode: str | None = None,
) -> ReachEnv:
    """Gymnasium factory of the reach environment (the spec's entry point)."""
    return ReachEnv(
        task=task, obs_mode=obs_mode, max_episode_steps=max_episode_steps, render_mode=render_mode
    )
