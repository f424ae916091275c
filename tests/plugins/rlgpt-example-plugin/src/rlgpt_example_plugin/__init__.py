"""Corridor, the smallest complete rlgpt environment plugin (the documentation's example)."""

from __future__ import annotations

from typing import Any

from rlgpt import EnvironmentSpec, SkillAPI, TaskSpec, hookimpl

from rlgpt_example_plugin.env import ACTIONS, LENGTH


class CorridorSkills(SkillAPI):
    """Walk along a corridor of cells numbered from 0 (left) to its length minus 1."""

    def step_left(self) -> None:
        """Move one cell to the left."""
        self.act(0)

    def step_right(self) -> None:
        """Move one cell to the right."""
        self.act(1)

    def position(self) -> int:
        """The number of the agent's current cell."""
        return int(self.info["position"])

    def walk_to(self, cell: int) -> None:
        """Walk to ``cell`` (stops early when the episode ends)."""
        while self.position() != cell and not self.episode_over:
            if cell > self.position():
                self.step_right()
            else:
                self.step_left()


def describe(obs: Any, info: Any) -> str:
    """The state in words, for critics."""
    return f"The agent is in cell {info['position']} of a corridor of {info['length']} cells."


SPEC = EnvironmentSpec(
    name="corridor",
    entry_point="rlgpt_example_plugin.env:CorridorEnv",
    description="walk along a row of cells to its end (the plugin-writing example)",
    primitive_actions=ACTIONS,
    observation_modes=("onehot", "index"),
    tasks=(
        TaskSpec("reach_end", "Walk to the last cell of the corridor.", lambda info: info["at_end"], 32),
        TaskSpec(
            "reach_middle",
            "Walk to the middle cell of the corridor.",
            lambda info: info["position"] == LENGTH // 2,
            16,
        ),
    ),
    skill_api=CorridorSkills,
    describe=describe,
)


@hookimpl
def register_environments(register):
    """Register the corridor environment."""
    register(SPEC)
