"""A corridor whose ``info`` hands out the environment's own live objects (the host child imports it)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from rlgpt import PluginSelection
from rlgpt.execution import CodeLimits, PlanRuntime
from rlgpt.skills import SkillAPI

LENGTH = 6
LEFT, RIGHT = 0, 1


class LedgerEnv(gym.Env):
    """Walk right to the last cell to earn ``reach_end``; ``info`` shares the env's own objects."""

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Box(0, LENGTH, shape=(1,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.position = 0
        self.achievements = {"reach_end": 0}
        self.inventory = {"coins": 0}
        self.trail: list[int] = []
        self.buffer = np.zeros(1, dtype=np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Back to cell 0 with nothing earned."""
        super().reset(seed=seed)
        self.position, self.trail = 0, [0]
        self.achievements["reach_end"], self.inventory["coins"] = 0, 0
        return self._obs(), self._info()

    def step(self, action: int):
        """Move one cell; the last cell ends the episode with ``reach_end``."""
        self.position = int(np.clip(self.position + (1 if int(action) == RIGHT else -1), 0, LENGTH - 1))
        self.trail.append(self.position)
        at_end = self.position == LENGTH - 1
        self.achievements["reach_end"] += int(at_end)
        return self._obs(), float(at_end), at_end, False, self._info()

    def _obs(self) -> np.ndarray:
        self.buffer[0] = self.position
        return self.buffer

    def _info(self) -> dict[str, Any]:
        return {"achievements": self.achievements, "inventory": self.inventory, "trail": self.trail}


def make_ledger(**kwargs: Any) -> LedgerEnv:
    """Factory used as ``ledger_env:make_ledger``."""
    return LedgerEnv(**kwargs)


def solved(info: dict[str, Any]) -> bool:
    """The task's success: the last cell was reached."""
    return info["achievements"]["reach_end"] > 0


class LedgerSkills(SkillAPI):
    """Skills of the ledger corridor."""

    def right(self) -> None:
        """Move one cell right."""
        self.act(RIGHT)

    def inventory(self) -> dict[str, int]:
        """The inventory (as the info holds it)."""
        return self.info["inventory"]


def walk_plan(*coded_actions: str) -> dict[str, Any]:
    """One RL sub-task, walk right to cell 4, whose action space adds ``coded_actions``."""
    actions = [{"name": name, "description": name.replace("_", " ")} for name in coded_actions]
    subtask = {
        "name": "walk",
        "description": "Walk right.",
        "method": "rl",
        "done_condition": "at cell 4",
        "coded_actions": actions,
    }
    return {"subtasks": [subtask]}


def ledger_runtime(
    plan: dict[str, Any], programs: dict[str, str], limits: CodeLimits, failure_log: str = ""
) -> PlanRuntime:
    """A plan over the ledger corridor, as the loop would build it (no plugins loaded)."""
    return PlanRuntime(
        env_entry_point="ledger_env:make_ledger",
        env_kwargs={},
        skill_api="ledger_env:LedgerSkills",
        task_ref=("ledger", "reach_end"),
        plugins=PluginSelection(autoload=False),
        plan=plan,
        programs=programs,
        limits=limits,
        failure_log=failure_log,
    )
