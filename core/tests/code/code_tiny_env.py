"""A one-dimensional corridor and its skill API for the rlgpt.code tests (dry-run children import it)."""

from __future__ import annotations

import os
import time
from typing import Any

import gymnasium as gym
import numpy as np
from rlgpt.skills import SkillAPI

LEFT, RIGHT = 0, 1


class Corridor(gym.Env):
    """Walk from cell 0 to the last cell; reaching it pays 1 and ends the episode."""

    def __init__(
        self,
        length: int = 5,
        reset_delay_s: float = 0.0,
        step_delay_s: float = 0.0,
        max_steps: int = 50,
        abort_on_reset: bool = False,
    ) -> None:
        self.abort_on_reset = abort_on_reset
        self.length = length
        self.reset_delay_s = reset_delay_s
        self.step_delay_s = step_delay_s
        self.in_step = False
        self.max_steps = max_steps
        self.observation_space = gym.spaces.Box(0, length, shape=(1,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.position = 0
        self.elapsed = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start at cell 0 (after an optional delay, or abort the process: to test kills and crashes)."""
        super().reset(seed=seed)
        if self.abort_on_reset:
            os.abort()
        time.sleep(self.reset_delay_s)
        self.position, self.elapsed = 0, 0
        return self._obs(), {"position": 0}

    def step(self, action: int):
        """Move one cell left or right (after an optional delay, to test that timeouts wait for it)."""
        self.in_step = True
        time.sleep(self.step_delay_s)
        self.in_step = False
        self.elapsed += 1
        self.position = max(0, self.position + (1 if action == RIGHT else -1))
        at_goal = self.position >= self.length
        return (
            self._obs(),
            float(at_goal),
            at_goal,
            self.elapsed >= self.max_steps,
            {"position": self.position},
        )

    def _obs(self) -> np.ndarray:
        return np.array([self.position], dtype=np.float32)


def make_corridor(**kwargs: Any) -> Corridor:
    """Factory used as ``code_tiny_env:make_corridor``."""
    return Corridor(**kwargs)


class CorridorSkills(SkillAPI):
    """Skills of the corridor."""

    def left(self) -> None:
        """Move one cell left."""
        self.act(LEFT)

    def right(self) -> None:
        """Move one cell right."""
        self.act(RIGHT)

    def position(self) -> int:
        """The current cell."""
        return int(self.info["position"])

    def distance_to(self, cell: int) -> int:
        """How many cells away ``cell`` is."""
        return abs(cell - self.position())


def describe_corridor(obs: Any, info: dict[str, Any]) -> str:
    """The corridor's state in words (``code_tiny_env:describe_corridor``)."""
    return f"at cell {info['position']} of 5"
