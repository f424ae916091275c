"""Registers the furniture environment with rlgpt (entry point ``furniture = "rlgpt_furniture.plugin"``)."""

from __future__ import annotations

from collections.abc import Callable

from rlgpt import EnvironmentSpec, hookimpl

from rlgpt_furniture.skills import FurnitureSkills, describe
from rlgpt_furniture.tasks import TASKS

SPEC = EnvironmentSpec(
    name="furniture",
    entry_point="rlgpt_furniture.env:make_env",
    description="Franka arm seating square table legs in the sockets of an upside-down tabletop (MuJoCo)",
    primitive_actions=(),
    observation_modes=("symbolic",),
    tasks=TASKS,
    skill_api=FurnitureSkills,
    describe=describe,
    continuous=True,
)
"""The furniture environment spec."""


@hookimpl
def register_environments(register: Callable[[EnvironmentSpec], None]) -> None:
    """Register the furniture environment."""
    register(SPEC)
