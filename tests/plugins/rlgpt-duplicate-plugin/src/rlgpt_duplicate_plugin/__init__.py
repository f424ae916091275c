"""Registers a second environment called ``corridor`` (the example plugin has one)."""

from rlgpt import EnvironmentSpec, SkillAPI, TaskSpec, hookimpl


@hookimpl
def register_environments(register):
    """Register another environment under the example plugin's name."""
    register(
        EnvironmentSpec(
            name="corridor",
            entry_point="rlgpt_example_plugin.env:CorridorEnv",
            description="a second corridor",
            primitive_actions=("left", "right"),
            observation_modes=("onehot",),
            tasks=(TaskSpec("reach_end", "Walk to the end.", lambda info: bool(info["at_end"]), 20),),
            skill_api=SkillAPI,
            describe=lambda obs, info: "a corridor",
        )
    )
