"""Registers Crafter with rlgpt (entry point ``crafter = "rlgpt_crafter.plugin"``)."""

from __future__ import annotations

from collections.abc import Callable

from rlgpt import EnvironmentSpec, hookimpl

from rlgpt_crafter.describe import describe
from rlgpt_crafter.env import ACTIONS, OBS_MODES
from rlgpt_crafter.skills import CrafterSkills
from rlgpt_crafter.tasks import TASKS

SPEC = EnvironmentSpec(
    name="crafter",
    entry_point="rlgpt_crafter.env:make_env",
    description="Crafter: 2-D Minecraft-like open world with 22 achievements, from wood to diamond",
    primitive_actions=ACTIONS,
    observation_modes=OBS_MODES,
    tasks=tuple(TASKS.values()),
    skill_api=CrafterSkills,
    describe=describe,
)
"""The Crafter environment spec."""


@hookimpl
def register_environments(register: Callable[[EnvironmentSpec], None]) -> None:
    """Register the Crafter environment."""
    register(SPEC)
