"""The Kitchen tasks: four single sub-goals of Franka Kitchen and the four chained.

Success is Franka Kitchen's own task completion: an element is complete once its joint state is
within 0.3 (Euclidean) of its goal, and the env lists it in ``episode_task_completions``. A task
succeeds once every element it names has been completed in the episode.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rlgpt import TaskSpec

ELEMENTS: dict[str, str] = {
    "microwave": "microwave",
    "kettle": "kettle",
    "light_switch": "light switch",
    "slide_cabinet": "slide cabinet",
}
"""Task id -> Franka Kitchen's name of the element it moves."""

INTRO = (
    "A Franka Panda arm stands in a kitchen (MuJoCo, Franka Kitchen). Positions are metres in the world "
    "frame: x grows to the robot's right, y away from the robot towards the wall, z upwards. "
    "The gripper points at the wall (+y), fingers spread along x."
)

GOALS: dict[str, str] = {
    "microwave": (
        "Open the microwave door (handle site microhandle_site, on the counter to the robot's left): the "
        "door turns on a vertical hinge, so its handle swings towards the robot (-y) and a little to the "
        "left. It counts as open once turned by about 0.45 rad (goal 0.75)."
    ),
    "kettle": (
        "Move the kettle from the bottom-left burner to the top-left burner, 0.4 m further back (+y); it "
        "counts as moved once within 0.3 of the goal pose (position and orientation together, so upright "
        "and about 0.15 m back is enough). Its handle (site kettle_site) is a bar across its top."
    ),
    "light_switch": (
        "Turn on the light: turn the light switch (site light_site, on the wall above the burners) to the "
        "left (-x); it counts as on past about 0.4 of its 0.7 travel."
    ),
    "slide_cabinet": (
        "Open the sliding cabinet door (handle site slide_site, high on the wall): slide it to the right "
        "(+x); it counts as open past about 0.07 m of its 0.44 m travel."
    ),
}
"""What each single task asks, in the words the planner reads."""

STEPS: dict[str, int] = {"microwave": 280, "kettle": 280, "light_switch": 280, "slide_cabinet": 280}
"""Default step budget of each single task (Franka Kitchen's own episode length)."""

ALL_FOUR = "all_four"
ALL_FOUR_STEPS = 800


@dataclass(frozen=True)
class ElementsCompleted:
    """Success predicate: every named Franka Kitchen element was completed in the episode."""

    elements: tuple[str, ...]

    def __call__(self, info: Mapping[str, Any]) -> bool:
        """Read ``info["completed"]``; a missing entry counts as nothing completed."""
        done = set(info.get("completed", ()))
        return all(element in done for element in self.elements)


def _single(task_id: str) -> TaskSpec:
    return TaskSpec(
        id=task_id,
        instruction=f"{GOALS[task_id]} {INTRO}",
        success=ElementsCompleted((ELEMENTS[task_id],)),
        max_episode_steps=STEPS[task_id],
    )


def _all_four() -> TaskSpec:
    steps = " ".join(f"({i}) {GOALS[t]}" for i, t in enumerate(ELEMENTS, start=1))
    return TaskSpec(
        id=ALL_FOUR,
        instruction=f"Do four things in one episode, in any order: {steps} {INTRO}",
        success=ElementsCompleted(tuple(ELEMENTS.values())),
        max_episode_steps=ALL_FOUR_STEPS,
    )


TASKS: dict[str, TaskSpec] = {**{task_id: _single(task_id) for task_id in ELEMENTS}, ALL_FOUR: _all_four()}
"""Every Kitchen task by id."""


def elements_of(task_id: str | None) -> tuple[str, ...]:
    """Franka Kitchen element names a task needs (all four without a task)."""
    if task_id is None or task_id == ALL_FOUR:
        return tuple(ELEMENTS.values())
    return (ELEMENTS[task_id],)
