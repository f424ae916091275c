"""Building MineDojo: is it installed, the ``minedojo.make`` call for a task, and a table check.

Nothing here imports ``minedojo`` at module level: the plugin loads (and ``rlgpt envs`` lists it)
without the simulator.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
from collections.abc import Callable
from typing import Any

import numpy as np

from rlgpt_minedojo.actions import CAMERA_INTERVAL, NVEC
from rlgpt_minedojo.items import CRAFT_SMELT_ITEMS, N_INV_SLOTS
from rlgpt_minedojo.tasks import MineDojoTask

INSTALL_HINT = "install MineDojo and JDK 8 as environments/rlgpt-minedojo/README.md describes"
"""What ``rlgpt envs`` and a refused run tell the user to do."""

IMAGE_SIZE = (160, 256)
"""RGB observation size ``(height, width)``: Plan4MC's and MineAgent's."""

VOXEL_SIZE = {"xmin": -1, "ymin": -1, "zmin": -1, "xmax": 1, "ymax": 1, "zmax": 1}
"""The 3x3x3 blocks around the player (MineDojo's programmatic tasks and Plan4MC use these)."""

LIDAR_RAYS: tuple[tuple[float, float, float], ...] = tuple(
    (float(np.pi * pitch / 180), float(np.pi * yaw / 180), 99.0)
    for pitch in range(-30, 30, 5)
    for yaw in range(-45, 45, 5)
)
"""Plan4MC's lidar: 12 pitches x 18 yaws (radians, relative to the view) reaching 99 blocks."""

BIOME_IDS: dict[str, int] = {"plains": 1, "forest": 4, "forest_hills": 18}
"""MineDojo's ``BIOMES_MAP`` ids (``minedojo/sim/mc_meta/mc.py``) of the task set's biomes: what
``location_stats["biome_id"]`` reads in them."""

Simulator = Callable[[MineDojoTask, int | None, tuple[int, int]], Any]
"""``simulator(task, seed, image_size)``: a MineDojo env (gym 0.21 API) for a task."""


def availability() -> str | None:
    """``None`` when MineDojo can be built here, else what is missing and how to install it.

    Checks that the ``minedojo`` package is importable (without importing it) and that ``java`` is
    on ``PATH`` (MineDojo launches Minecraft with it).
    """
    if importlib.util.find_spec("minedojo") is None:
        return f"the Python package 'minedojo' is not installed; {INSTALL_HINT}"
    if shutil.which("java") is None:
        return f"'java' is not on PATH (MineDojo runs Minecraft on JDK 8); {INSTALL_HINT}"
    return None


def make_kwargs(
    task: MineDojoTask,
    seed: int | None,
    image_size: tuple[int, int],
    inventory_item: type,
    fast_reset: bool = True,
) -> dict:
    """Keyword arguments of ``minedojo.make("harvest", **kwargs)`` for ``task``.

    :param seed: the world's seed (``seed`` and ``world_seed``); ``None``: a random world.
    :param inventory_item: MineDojo's ``minedojo.sim.InventoryItem`` (``slot, name, variant, quantity``).
    :param fast_reset: MineDojo's ``fast_reset``: later resets move the player in the same world
        (``True``, MineDojo's default) or generate the world again from its seed (``False``).
    """
    kwargs: dict[str, Any] = {
        "target_names": task.target,
        "target_quantities": task.quantity,
        "reward_weights": 1,
        "image_size": tuple(image_size),
        "use_voxel": True,
        "voxel_size": dict(VOXEL_SIZE),
        "use_lidar": True,
        "lidar_rays": list(LIDAR_RAYS),
        "cam_interval": CAMERA_INTERVAL,
        "fast_reset": fast_reset,
    }
    if seed is not None:
        kwargs.update(seed=int(seed), world_seed=str(seed))
    if task.biome is not None:
        kwargs["specified_biome"] = task.biome
    if task.inventory:
        kwargs["initial_inventory"] = [
            inventory_item(slot=slot, name=name, variant=None, quantity=quantity)
            for slot, name, quantity in task.inventory
        ]
    if task.mobs:
        kwargs.update(
            initial_mobs=list(task.mobs),
            initial_mob_spawn_range_low=(-task.mob_range, 1, -task.mob_range),
            initial_mob_spawn_range_high=(task.mob_range, 1, task.mob_range),
        )
    return kwargs


def minedojo_make(
    task: MineDojoTask, seed: int | None, image_size: tuple[int, int], fast_reset: bool = True
) -> Any:
    """Build the real MineDojo env for ``task`` (the default :data:`Simulator`; ``fast_reset`` as
    :func:`make_kwargs` takes it)."""
    reason = availability()
    if reason is not None:
        raise RuntimeError(f"MineDojo is unavailable: {reason}")
    minedojo = importlib.import_module("minedojo")
    sim = importlib.import_module("minedojo.sim")
    check_tables(importlib.import_module("minedojo.sim.mc_meta.mc"))
    return minedojo.make("harvest", **make_kwargs(task, seed, image_size, sim.InventoryItem, fast_reset))


def check_tables(mc: Any) -> None:
    """Raise when the installed MineDojo's item tables differ from :mod:`rlgpt_minedojo.items` (or
    its biome ids from :data:`BIOME_IDS`).

    :param mc: the module ``minedojo.sim.mc_meta.mc``.
    """
    biomes = {name: mc.BIOMES_MAP.get(name) for name in BIOME_IDS}
    if (
        tuple(mc.ALL_CRAFT_SMELT_ITEMS) != CRAFT_SMELT_ITEMS
        or int(mc.N_INV_SLOTS) != N_INV_SLOTS
        or biomes != BIOME_IDS
    ):
        raise RuntimeError(
            "the installed MineDojo's ALL_CRAFT_SMELT_ITEMS, N_INV_SLOTS or BIOMES_MAP differ from "
            f"rlgpt_minedojo's ({len(mc.ALL_CRAFT_SMELT_ITEMS)} items vs {len(CRAFT_SMELT_ITEMS)}, "
            f"biomes {biomes}): "
            "this plugin supports MineDojo 0.1"
        )


def check_action_space(space: Any) -> None:
    """Raise unless ``space`` is MineDojo's ``MultiDiscrete`` with :data:`~rlgpt_minedojo.actions.NVEC`."""
    nvec = tuple(int(n) for n in np.asarray(getattr(space, "nvec", ())).ravel())
    if nvec != NVEC:
        raise RuntimeError(f"expected MineDojo's MultiDiscrete {list(NVEC)} action space, got {space!r}")
