"""Registers Crafter with rlgpt (entry point ``crafter = "rlgpt_crafter.plugin"``)."""

from __future__ import annotations

from collections.abc import Callable

from rlgpt import EnvironmentSpec, hookimpl

from rlgpt_crafter.describe import describe
from rlgpt_crafter.env import ACTIONS, OBS_MODES
from rlgpt_crafter.skills import skill_api
from rlgpt_crafter.tasks import TASKS


def spec(skills: str = "full") -> EnvironmentSpec:
    """Crafter at a skill level: ``crafter`` (``full``) or ``crafter-basic`` (no path-finding)."""
    basic = skills == "basic"
    return EnvironmentSpec(
        name="crafter-basic" if basic else "crafter",
        entry_point="rlgpt_crafter.env:make_env",
        description="Crafter: 2-D Minecraft-like open world with 22 achievements, from wood to diamond"
        + (" (basic skills: perception, crafting and primitives, no path-finding)" if basic else ""),
        primitive_actions=ACTIONS,
        observation_modes=OBS_MODES,
        tasks=tuple(TASKS.values()),
        skill_api=skill_api(skills),
        describe=describe,
    )


SPEC = spec("full")
"""The Crafter environment spec (full skills)."""

BASIC_SPEC = spec("basic")
"""Crafter with basic skills: generated code cannot path-find, so movement is left to RL."""


@hookimpl
def register_environments(register: Callable[[EnvironmentSpec], None]) -> None:
    """Register Crafter at both skill levels (``crafter``, ``crafter-basic``)."""
    register(SPEC)
    register(BASIC_SPEC)
