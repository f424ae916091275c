"""The furniture tasks: how many legs stand loose on the table, where, and how many must be seated."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from rlgpt import TaskSpec

LEG_SPACING = 0.09
"""Least distance between two legs' start positions (metres)."""


@dataclass(frozen=True)
class FurnitureTask:
    """How one task sets up and judges an episode.

    :param legs: loose legs on the table; all of them must be seated.
    :param budget: default episode length in environment steps (0.02 s each).
    """

    legs: int
    budget: int

    def leg_starts(self, rng: np.random.Generator) -> list[tuple[float, float, float]]:
        """Upright start poses ``(x, y, yaw)`` of the legs: beside the tabletop (either side of it, at
        least 9 cm apart), turned up to 45 degrees either way."""
        starts: list[tuple[float, float, float]] = []
        while len(starts) < self.legs:
            side = 1.0 if rng.random() < 0.5 else -1.0
            x, y = float(rng.uniform(0.32, 0.68)), side * float(rng.uniform(0.19, 0.33))
            if all(math.hypot(x - a, y - b) >= LEG_SPACING for a, b, _ in starts):
                starts.append((x, y, float(rng.uniform(-math.pi / 4, math.pi / 4))))
        return starts


FURNITURE_TASKS: Mapping[str, FurnitureTask] = {
    "insert_one_leg": FurnitureTask(legs=1, budget=300),
    "assemble_table": FurnitureTask(legs=4, budget=1200),
}


def _all_seated(info: Mapping[str, Any]) -> bool:
    return bool(info["is_success"])


TASKS: tuple[TaskSpec, ...] = (
    TaskSpec(
        "insert_one_leg",
        "A table leg stands loose beside an upside-down tabletop with four square sockets. Pick the leg up "
        "and seat it upright in one of the sockets (they are barely wider than the leg).",
        _all_seated,
        FURNITURE_TASKS["insert_one_leg"].budget,
    ),
    TaskSpec(
        "assemble_table",
        "Four table legs stand loose beside an upside-down tabletop with four square sockets. Seat every leg "
        "upright in its own socket (the sockets are barely wider than the legs).",
        _all_seated,
        FURNITURE_TASKS["assemble_table"].budget,
    ),
)
