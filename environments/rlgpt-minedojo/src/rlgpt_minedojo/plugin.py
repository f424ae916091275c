"""Registers MineDojo with rlgpt (entry point ``minedojo = "rlgpt_minedojo.plugin"``).

The plugin loads without MineDojo; ``availability`` tells ``rlgpt envs`` and ``rlgpt run`` whether
MineDojo can be built here.
"""

from __future__ import annotations

from collections.abc import Callable

from rlgpt import EnvironmentSpec, hookimpl

from rlgpt_minedojo.actions import ACTIONS
from rlgpt_minedojo.describe import describe
from rlgpt_minedojo.env import OBS_MODES
from rlgpt_minedojo.sim import availability
from rlgpt_minedojo.skills import MineDojoSkills
from rlgpt_minedojo.tasks import TASKS

SPEC = EnvironmentSpec(
    name="minedojo",
    entry_point="rlgpt_minedojo.env:make_env",
    description="Minecraft through MineDojo: RL-GPT's harvest, crafting and ObtainDiamond tasks",
    primitive_actions=ACTIONS,
    observation_modes=OBS_MODES,
    tasks=tuple(TASKS.values()),
    skill_api=MineDojoSkills,
    describe=describe,
    availability=availability,
)
"""The MineDojo environment spec."""


@hookimpl
def register_environments(register: Callable[[EnvironmentSpec], None]) -> None:
    """Register the MineDojo environment."""
    register(SPEC)
