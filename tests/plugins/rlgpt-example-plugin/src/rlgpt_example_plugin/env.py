"""Corridor: walk left or right along a row of cells to reach its far end."""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

ACTIONS = ("left", "right")
LENGTH = 8


class CorridorEnv(gym.Env):
    """A corridor of :data:`LENGTH` cells; the agent starts in the first half, seeded.

    Reward 1 on reaching the last cell, which ends the episode. Observation modes:
    ``onehot`` (a float vector marking the agent's cell) and ``index`` (the cell number).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"]}

    def __init__(
        self,
        task: str | None = None,
        obs_mode: str = "onehot",
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        if obs_mode not in ("onehot", "index"):
            raise ValueError(f"corridor observation modes are 'onehot' and 'index', got {obs_mode!r}")
        self.task = task
        self.obs_mode = obs_mode
        self.max_episode_steps = max_episode_steps or 4 * LENGTH
        self.render_mode = render_mode
        self.action_space = gym.spaces.Discrete(len(ACTIONS))
        if obs_mode == "onehot":
            self.observation_space = gym.spaces.Box(0.0, 1.0, shape=(LENGTH,), dtype=np.float32)
        else:
            self.observation_space = gym.spaces.Discrete(LENGTH)
        self._position = 0
        self._steps = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start at a random cell of the first half."""
        super().reset(seed=seed)
        self._position = int(self.np_random.integers(0, LENGTH // 2))
        self._steps = 0
        return self._obs(), self._info()

    def step(self, action: Any):
        """Move one cell left or right (walls at both ends)."""
        if not self.action_space.contains(action):
            raise ValueError(f"invalid action {action!r}; actions are 0..{len(ACTIONS) - 1} {ACTIONS}")
        move = -1 if int(action) == 0 else 1
        self._position = min(max(self._position + move, 0), LENGTH - 1)
        self._steps += 1
        terminated = self._position == LENGTH - 1
        truncated = not terminated and self._steps >= self.max_episode_steps
        return self._obs(), float(terminated), terminated, truncated, self._info()

    def render(self) -> str:
        """The corridor as text, ``A`` marking the agent."""
        return "".join("A" if i == self._position else "." for i in range(LENGTH))

    def _obs(self) -> Any:
        if self.obs_mode == "index":
            return self._position
        onehot = np.zeros(LENGTH, dtype=np.float32)
        onehot[self._position] = 1.0
        return onehot

    def _info(self) -> dict[str, Any]:
        return {"position": self._position, "at_end": self._position == LENGTH - 1, "length": LENGTH}
