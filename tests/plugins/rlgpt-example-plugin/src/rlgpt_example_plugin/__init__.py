"""Corridor, the smallest complete rlgpt environment plugin (the documentation's example)."""

from __future__ import annotations

from rlgpt import EnvironmentSpec, TaskSpec, hookimpl

from rlgpt_example_plugin.env import ACTIONS, LENGTH
from rlgpt_example_plugin.skills import CorridorSkills, describe

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
    testing=True,
)


@hookimpl
def register_environments(register):
    """Register the corridor environment."""
    register(SPEC)
