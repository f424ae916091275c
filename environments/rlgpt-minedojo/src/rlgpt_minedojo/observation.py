"""MineDojo's observation dict, read into rlgpt's ``info`` and encoded as a compact vector.

The keys read (shapes for the 3x3x3 voxels and ``R`` lidar rays this plugin asks for) are MineDojo's
(``minedojo/sim/handlers/agent/observations/*.py`` and ``sim/wrappers/ar_nn/ar_masks_wrapper.py``):

- ``inventory``: ``name`` (36,) str (underscores replaced by spaces; ``"air"`` when empty),
  ``quantity`` (36,) float32; ``equipment``: the same for (mainhand, feet, legs, chest, head, offhand);
- ``life_stats``: ``life``, ``food``, ``oxygen`` each (1,) float32;
- ``location_stats``: ``pos`` (3,) float32 (x, y, z), ``yaw`` and ``pitch`` (1,) float32 in degrees,
  ``biome_id`` int;
- ``nearby_tools``: ``table`` and ``furnace`` bool (a crafting table / furnace within reach);
- ``voxels``: ``block_name`` (3, 3, 3) str and ``blocks_movement`` (3, 3, 3) bool, in (x, y, z) order;
- ``rays``: ``block_name``, ``entity_name`` (R,) str, ``block_distance``, ``entity_distance``,
  ``ray_yaw``, ``ray_pitch`` (R,) float32 (radians, relative to the view);
- ``masks``: ``craft_smelt`` (244,) bool: what MineDojo lets the agent craft or smelt now.

The compact vector follows Plan4MC's agent features (compass as cos/sin of yaw and pitch, GPS,
voxels with Plan4MC's block ids) plus inventory, main hand, life stats, nearby tools and the
nearest wood, stone, cow and sheep the lidar sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from rlgpt_minedojo.items import CRAFT_SMELT_ITEMS

TRACKED_ITEMS: tuple[str, ...] = (
    "log", "planks", "stick", "crafting_table", "wooden_pickaxe", "cobblestone", "stone_pickaxe",
    "coal", "iron_ore", "furnace", "iron_ingot", "iron_pickaxe", "diamond", "bucket", "milk_bucket",
    "shears", "wool", "beef", "mutton", "leather", "bed", "diamond_sword",
)  # fmt: skip
"""Items counted in the compact vector (the task set's materials, tools and targets)."""

VOXEL_IDS: dict[str, int] = {
    "obsidian": 1, "portal": 1, "tnt": 2, "melon": 3, "sugar cane": 4, "crops": 5, "carrot": 6,
    "fence": 7, "water": 8, "air": 9, "grass block": 10, "farmland": 11, "oak fence": 12, "lava": 13,
    "wood": 14, "pumpkin": 15, "oak sapling": 16, "carpet": 17,
}  # fmt: skip
"""Plan4MC's ``VOXEL_BLOCK_NAME_MAP`` (MineDojo voxel names; other blocks are 0)."""

SEEN: tuple[str, ...] = ("wood", "stone", "cow", "sheep")
"""Lidar targets in the compact vector: Plan4MC's find targets (log blocks are named "wood")."""

LIDAR_RANGE = 99.0
"""Distance at which the lidar rays stop (blocks)."""

GPS_SCALE = 100.0
"""Blocks per unit of the compact GPS (offset from where the episode started)."""

MAX_LIFE, MAX_FOOD, MAX_OXYGEN = 20.0, 20.0, 300.0
"""MineDojo's ``MAX_LIFE``, ``MAX_FOOD`` and ``MAX_BREATH``."""

STACK = 64.0
"""Item counts are divided by a stack and capped at 1."""

_SIZES = {
    "compass": 4,
    "gps": 3,
    "voxel_ids": 27,
    "voxel_blocking": 27,
    "inventory": len(TRACKED_ITEMS),
    "mainhand": len(TRACKED_ITEMS) + 1,
    "life_stats": 3,
    "nearby_tools": 2,
    "seen": 4 * len(SEEN),
}
SIZE = sum(_SIZES.values())
"""Length of the compact vector."""

_GPS_LIMIT = 640000.0 / GPS_SCALE


def compact_space() -> gym.spaces.Box:
    """The compact observation space: ``SIZE`` float32 values (GPS in +-6400, all others in [-1, 1])."""
    low = -np.ones(SIZE, dtype=np.float32)
    high = np.ones(SIZE, dtype=np.float32)
    low[4:7], high[4:7] = -_GPS_LIMIT, _GPS_LIMIT
    return gym.spaces.Box(low, high, dtype=np.float32)


def item_id(name: Any) -> str:
    """MineDojo's observed item name (``"crafting table"``) as an item id (``"crafting_table"``)."""
    return str(name).replace(" ", "_")


def counts(inventory: Mapping[str, Any]) -> dict[str, int]:
    """Item id -> total quantity over all slots of an ``inventory`` (or ``equipment``) observation."""
    totals: dict[str, int] = {}
    for name, quantity in zip(inventory["name"], inventory["quantity"], strict=True):
        item = item_id(name)
        if item != "air" and quantity > 0:
            totals[item] = totals.get(item, 0) + int(quantity)
    return dict(sorted(totals.items()))


def seen_targets(rays: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Nearest block and entity of each name the lidar hits: ``{name: {distance, yaw, pitch}}``.

    ``yaw`` is degrees to turn right to face it (MineDojo's ray yaw has the opposite sign, as
    Plan4MC notes); ``pitch`` is the ray's pitch in degrees as MineDojo reports it.
    """
    found: dict[str, dict[str, float]] = {}
    for kind in ("block", "entity"):
        names, distances = rays[f"{kind}_name"], rays[f"{kind}_distance"]
        for index, (name, distance) in enumerate(zip(names, distances, strict=True)):
            name = str(name)
            if name in ("air", "null", "") or not 0 <= float(distance) <= LIDAR_RANGE:
                continue
            if name not in found or float(distance) < found[name]["distance"]:
                found[name] = {
                    "distance": round(float(distance), 2),
                    "yaw": round(-float(np.rad2deg(rays["ray_yaw"][index])), 1) + 0.0,  # no -0.0
                    "pitch": round(float(np.rad2deg(rays["ray_pitch"][index])), 1) + 0.0,
                }
    return dict(sorted(found.items()))


def read_info(obs: Mapping[str, Any]) -> dict[str, Any]:
    """The plain-Python view of a MineDojo observation that tasks, skills and ``describe`` read."""
    location, life = obs["location_stats"], obs["life_stats"]
    mask = np.asarray(obs["masks"]["craft_smelt"], dtype=bool)
    return {
        "inventory": counts(obs["inventory"]),
        "slots": tuple(item_id(name) for name in obs["inventory"]["name"]),
        "mainhand": item_id(obs["equipment"]["name"][0]),
        "life": float(life["life"][0]),
        "food": float(life["food"][0]),
        "oxygen": float(life["oxygen"][0]),
        "position": tuple(round(float(v), 2) for v in location["pos"]),
        "yaw": float(location["yaw"][0]),
        "pitch": float(location["pitch"][0]),
        "biome_id": int(location["biome_id"]),
        "nearby_tools": {name: bool(obs["nearby_tools"][name]) for name in ("table", "furnace")},
        "voxels": np.asarray(obs["voxels"]["block_name"]).tolist(),
        "voxels_blocking": np.asarray(obs["voxels"]["blocks_movement"], dtype=bool).tolist(),
        "seen": seen_targets(obs["rays"]),
        "craftable": tuple(item for item, ok in zip(CRAFT_SMELT_ITEMS, mask, strict=True) if ok),
    }


def encode(obs: Mapping[str, Any], info: Mapping[str, Any], origin: np.ndarray) -> np.ndarray:
    """The compact vector of an observation; ``origin`` is the position the episode started at."""
    yaw, pitch = np.deg2rad(info["yaw"]), np.deg2rad(info["pitch"])
    names = np.asarray(obs["voxels"]["block_name"]).ravel()
    mainhand = np.zeros(len(TRACKED_ITEMS) + 1, dtype=np.float32)
    held = info["mainhand"]
    if held != "air":
        mainhand[TRACKED_ITEMS.index(held) if held in TRACKED_ITEMS else -1] = 1.0
    seen = []
    for name in SEEN:
        target = info["seen"].get(name)
        if target is None:
            seen.extend([0.0, 1.0, 0.0, 0.0])
        else:
            turn = np.deg2rad(target["yaw"])
            seen.extend([1.0, target["distance"] / LIDAR_RANGE, np.sin(turn), np.cos(turn)])
    parts = [
        [np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch)],
        np.clip(
            (np.asarray(info["position"], dtype=np.float64) - origin) / GPS_SCALE, -_GPS_LIMIT, _GPS_LIMIT
        ),
        [VOXEL_IDS.get(str(name), 0) / max(VOXEL_IDS.values()) for name in names],
        np.asarray(obs["voxels"]["blocks_movement"], dtype=np.float32).ravel(),
        [min(info["inventory"].get(item, 0) / STACK, 1.0) for item in TRACKED_ITEMS],
        mainhand,
        [info["life"] / MAX_LIFE, info["food"] / MAX_FOOD, info["oxygen"] / MAX_OXYGEN],
        [float(info["nearby_tools"]["table"]), float(info["nearby_tools"]["furnace"])],
        seen,
    ]
    vector = np.concatenate([np.asarray(part, dtype=np.float32).ravel() for part in parts])
    bounded = np.r_[0:4, 7:SIZE]  # everything but the GPS (life can exceed 20 after golden apples)
    vector[bounded] = np.clip(vector[bounded], -1.0, 1.0)
    return vector
