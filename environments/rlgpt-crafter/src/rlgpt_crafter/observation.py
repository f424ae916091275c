"""The symbolic observation: what the player sees, as one flat vector a multilayer perceptron takes.

Layout (float32, every entry in ``[0, 1]``), in this order:

* ``view``: the 9x7 local view one-hot over :data:`~rlgpt_crafter.engine.CLASS_NAMES`
  (19 classes), shape ``(7, 9, 19)`` flattened row by row (1197 entries);
* ``inventory``: the 12 item counts divided by 9 (Crafter's cap);
* ``vitals``: health, food, drink, energy divided by 9;
* ``facing``: one-hot over left, right, up, down;
* ``daylight`` and ``sleeping``.

It is built from the game state directly; no image is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping

import gymnasium as gym
import numpy as np
from crafter import constants

from rlgpt_crafter.engine import CLASS_NAMES, DIRECTIONS, LOCAL_VIEW

VITALS: tuple[str, ...] = ("health", "food", "drink", "energy")
"""Crafter's vital statistics (0-9 each); the player dies when health reaches 0."""

ITEMS: tuple[str, ...] = tuple(name for name in constants.items if name not in VITALS)
"""Inventory items, in Crafter's order."""

MAX_COUNT = 9
"""Crafter caps every count (items and vitals) at 9."""

SEGMENTS: dict[str, int] = {
    "view": LOCAL_VIEW[0] * LOCAL_VIEW[1] * len(CLASS_NAMES),
    "inventory": len(ITEMS),
    "vitals": len(VITALS),
    "facing": len(DIRECTIONS),
    "daylight": 1,
    "sleeping": 1,
}
"""Length of each part of the vector, in order."""

SIZE = sum(SEGMENTS.values())
"""Length of the symbolic observation vector."""

_EYE = np.eye(len(CLASS_NAMES), dtype=np.float32)


def symbolic_space() -> gym.spaces.Box:
    """The observation space of ``obs_mode="symbolic"``."""
    return gym.spaces.Box(0.0, 1.0, shape=(SIZE,), dtype=np.float32)


def encode(
    view: np.ndarray,
    inventory: Mapping[str, int],
    vitals: Mapping[str, int],
    facing: str,
    daylight: float,
    sleeping: bool,
) -> np.ndarray:
    """Pack one state into the symbolic vector described in the module docstring."""
    facing_one_hot = [float(name == facing) for name in DIRECTIONS]
    parts = [
        _EYE[view].ravel(),
        np.array([inventory[name] for name in ITEMS], np.float32) / MAX_COUNT,
        np.array([vitals[name] for name in VITALS], np.float32) / MAX_COUNT,
        np.array(facing_one_hot, np.float32),
        np.array([min(max(daylight, 0.0), 1.0), float(sleeping)], np.float32),
    ]
    return np.concatenate(parts)


def split(vector: np.ndarray) -> dict[str, np.ndarray]:
    """Cut a symbolic vector into its named parts (``view`` comes back as ids, shape ``(7, 9)``)."""
    parts: dict[str, np.ndarray] = {}
    start = 0
    for name, length in SEGMENTS.items():
        parts[name] = vector[start : start + length]
        start += length
    width, height = LOCAL_VIEW
    parts["view"] = parts["view"].reshape(height, width, len(CLASS_NAMES)).argmax(-1)
    return parts
