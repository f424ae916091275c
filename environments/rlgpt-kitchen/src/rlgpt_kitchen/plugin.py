"""Registers the kitchen with rlgpt (entry point ``kitchen = "rlgpt_kitchen.plugin"``)."""

from __future__ import annotations

from collections.abc import Callable

from rlgpt import EnvironmentSpec, hookimpl

from rlgpt_kitchen.describe import describe
from rlgpt_kitchen.env import OBS_MODES
from rlgpt_kitchen.skills import KitchenSkills
from rlgpt_kitchen.tasks import TASKS

SPEC = EnvironmentSpec(
    name="kitchen",
    entry_point="rlgpt_kitchen.env:make_env",
    description="Franka Kitchen (MuJoCo): microwave, kettle, light switch, slide cabinet",
    primitive_actions=(),
    observation_modes=OBS_MODES,
    tasks=tuple(TASKS.values()),
    skill_api=KitchenSkills,
    describe=describe,
    continuous=True,
)
"""The kitchen environment spec."""


@hookimpl
def register_environments(register: Callable[[EnvironmentSpec], None]) -> None:
    """Register the kitchen environment."""
    register(SPEC)
