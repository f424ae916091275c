"""Registers gridcraft with rlgpt."""

from __future__ import annotations

from typing import Any

from rlgpt import EnvironmentSpec, TaskSpec, hookimpl

from rlgpt_testenv.env import ACTIONS
from rlgpt_testenv.reach import ReachSkills
from rlgpt_testenv.skills import GridcraftSkills


def _has(item: str, count: int = 1):
    def success(info: Any) -> bool:
        return info.get("inventory", {}).get(item, 0) >= count

    return success


TASKS = {
    task.id: task
    for task in (
        TaskSpec("collect_wood", "Collect one piece of wood from the tree.", _has("wood"), 40),
        TaskSpec("make_plank", "Make one plank (chop wood at the tree, then craft it).", _has("plank"), 50),
        TaskSpec(
            "build_house", "Build a house: it needs 2 planks, each made from 1 wood.", _has("house"), 80
        ),
    )
}


def describe(obs: Any, info: Any) -> str:
    """State in words, for critics."""
    inv = info.get("inventory", {})
    return (
        f"position {info.get('position')}, tree at offset {info.get('tree_offset')}, "
        f"inventory wood={inv.get('wood', 0)} plank={inv.get('plank', 0)} house={inv.get('house', 0)}"
    )


SPEC = EnvironmentSpec(
    name="gridcraft",
    entry_point="rlgpt_testenv.env:make_env",
    description="tiny crafting grid world for rlgpt's own tests",
    primitive_actions=ACTIONS,
    observation_modes=("symbolic",),
    tasks=tuple(TASKS.values()),
    skill_api=GridcraftSkills,
    describe=describe,
    testing=True,
)


REACH = EnvironmentSpec(
    name="reach",
    entry_point="rlgpt_testenv.reach:make_reach",
    description="point mass reaching a target with continuous actions, for rlgpt's own tests",
    primitive_actions=(),
    observation_modes=("state",),
    tasks=(
        TaskSpec(
            "reach_target", "Move the point onto the target.", lambda info: bool(info["is_success"]), 60
        ),
    ),
    skill_api=ReachSkills,
    describe=lambda obs, info: f"offset to target {info['target_offset']}, distance {info['distance']:.2f}",
    continuous=True,
    testing=True,
)


@hookimpl
def register_environments(register):
    """Register gridcraft and reach."""
    register(SPEC)
    register(REACH)
