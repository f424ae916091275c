"""Registers the driving environment with rlgpt (entry point ``driving = "rlgpt_driving.plugin"``)."""

from __future__ import annotations

from collections.abc import Callable

from rlgpt import EnvironmentSpec, hookimpl

from rlgpt_driving.skills import DrivingSkills, describe
from rlgpt_driving.tasks import TASKS

SPEC = EnvironmentSpec(
    name="driving",
    entry_point="rlgpt_driving.env:make_env",
    description="MuJoCo car on a procedurally generated winding road with walls (throttle, steering)",
    primitive_actions=(),
    observation_modes=("symbolic",),
    tasks=TASKS,
    skill_api=DrivingSkills,
    describe=describe,
    continuous=True,
)
"""The driving environment spec."""


@hookimpl
def register_environments(register: Callable[[EnvironmentSpec], None]) -> None:
    """Register the driving environment."""
    register(SPEC)
