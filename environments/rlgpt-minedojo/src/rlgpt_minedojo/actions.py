"""The compact action space, mapped onto MineDojo's ``MultiDiscrete([3, 3, 4, 25, 25, 8, 244, 36])``.

MineDojo's action (``minedojo.make(...).action_space``, built by its ``NNActionSpaceWrapper``) is a
vector of 8 indices: 0 forward/back, 1 left/right, 2 jump/sneak/sprint, 3 camera pitch and 4 camera
yaw (``index * 15 - 180`` degrees, 12 = no rotation), 5 the functional action (no_op, use, drop,
attack, craft, equip, place, destroy), 6 the craft/smelt item (an index into
:data:`rlgpt_minedojo.items.CRAFT_SMELT_ITEMS`), 7 the inventory slot that equip, place and
destroy act on.

The compact space is Plan4MC's (``transform_action`` in its ``envs/minecraft_hard_task.py``), the
space RL-GPT's learners act in: 12 movement/camera choices times 3 functional choices. Index
``function * 12 + movement``: the first 12 only move or look; camera choices turn by 30 degrees.
Crafting, equipping and placing are not compact actions: the skill API sends full MineDojo
vectors for them (:func:`craft_vector`, :func:`slot_vector`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rlgpt_minedojo.items import CRAFT_SMELT_ITEMS, N_INV_SLOTS

CAMERA_INTERVAL = 15
"""Degrees per camera index (``minedojo.make``'s default ``cam_interval``)."""

CAMERA_BINS = 360 // CAMERA_INTERVAL + 1
"""Camera indices per axis: 25."""

CAMERA_CENTRE = (CAMERA_BINS - 1) // 2
"""Camera index of no rotation: 12."""

NVEC: tuple[int, ...] = (3, 3, 4, CAMERA_BINS, CAMERA_BINS, 8, len(CRAFT_SMELT_ITEMS), N_INV_SLOTS)
"""MineDojo's ``action_space.nvec``."""

NOOP: tuple[int, ...] = (0, 0, 0, CAMERA_CENTRE, CAMERA_CENTRE, 0, 0, 0)
"""MineDojo's ``action_space.no_op()``."""

FUNCTIONAL: tuple[str, ...] = ("no_op", "use", "drop", "attack", "craft", "equip", "place", "destroy")
"""Values of action index 5, in order."""

SLOT_FUNCTIONS: tuple[str, ...] = ("equip", "place", "destroy")
"""Functional actions that act on the inventory slot at index 7."""

CAMERA_STEP = 2
"""Camera indices one compact look/turn action moves (Plan4MC uses 10 and 14: 30 degrees)."""

MOVEMENTS: tuple[tuple[str, int, int], ...] = (
    ("noop", 0, 0),
    ("forward", 0, 1),
    ("back", 0, 2),
    ("left", 1, 1),
    ("right", 1, 2),
    ("jump", 2, 1),
    ("sneak", 2, 2),
    ("sprint", 2, 3),
    ("look_up", 3, CAMERA_CENTRE - CAMERA_STEP),
    ("look_down", 3, CAMERA_CENTRE + CAMERA_STEP),
    ("turn_left", 4, CAMERA_CENTRE - CAMERA_STEP),
    ("turn_right", 4, CAMERA_CENTRE + CAMERA_STEP),
)
"""Plan4MC's 12 movement/camera choices: ``(name, MineDojo index, value)``. Minecraft's pitch grows
downwards and its yaw to the right, so a negative pitch looks up and a negative yaw turns left."""

FUNCTIONS: tuple[tuple[str, int], ...] = (("", 0), ("use", 1), ("attack", 3))
"""Plan4MC's 3 functional choices: ``(name, value of MineDojo index 5)``."""


def _name(movement: str, function: str) -> str:
    if not function:
        return movement
    return function if movement == "noop" else f"{movement}+{function}"


ACTIONS: tuple[str, ...] = tuple(_name(m[0], f[0]) for f in FUNCTIONS for m in MOVEMENTS)
"""The 36 compact action names in index order (``forward``, ..., ``attack``, ``forward+attack``...)."""


def to_minedojo(action: int) -> np.ndarray:
    """MineDojo's 8-index action vector for compact action ``action``."""
    index = int(action)
    if not 0 <= index < len(ACTIONS):
        raise ValueError(f"compact action {action!r} is not an index 0..{len(ACTIONS) - 1} into {ACTIONS}")
    function, movement = divmod(index, len(MOVEMENTS))
    vector = np.array(NOOP, dtype=np.int64)
    _, slot, value = MOVEMENTS[movement]
    vector[slot] = value
    vector[5] = FUNCTIONS[function][1]
    return vector


def from_minedojo(vector: Sequence[int] | np.ndarray) -> int | None:
    """The compact action that is exactly MineDojo action ``vector``, or ``None`` when none is.

    Indices 6 and 7 only matter for craft, equip, place and destroy, so they are ignored for the
    functional actions the compact space has (no_op, use, attack).
    """
    values = check_vector(vector)
    functions = {value: index for index, (_, value) in enumerate(FUNCTIONS)}
    if int(values[5]) not in functions:
        return None
    moved = [slot for slot in range(5) if values[slot] != NOOP[slot]]
    if not moved:
        movement = 0
    elif len(moved) == 1:
        matches = [
            i for i, (_, slot, value) in enumerate(MOVEMENTS) if (slot, value) == (moved[0], values[moved[0]])
        ]
        if not matches:
            return None
        movement = matches[0]
    else:
        return None
    return functions[int(values[5])] * len(MOVEMENTS) + movement


def check_vector(vector: Sequence[int] | np.ndarray) -> np.ndarray:
    """``vector`` as MineDojo's int64 action, or a ``ValueError`` saying what one is."""
    values = np.asarray(vector)
    if values.shape != (len(NVEC),) or not np.issubdtype(values.dtype, np.integer):
        raise ValueError(
            f"a MineDojo action is {len(NVEC)} integers (MultiDiscrete {list(NVEC)}), got {vector!r}"
        )
    if np.any(values < 0) or np.any(values >= np.array(NVEC)):
        raise ValueError(f"MineDojo action {values.tolist()} is outside MultiDiscrete {list(NVEC)}")
    return values.astype(np.int64)


def craft_vector(item: str) -> np.ndarray:
    """MineDojo's action that crafts or smelts ``item`` (hand, table or furnace: MineDojo picks by item)."""
    if item not in CRAFT_SMELT_ITEMS:
        raise ValueError(f"{item!r} cannot be crafted or smelted in MineDojo (see rlgpt_minedojo.items)")
    vector = np.array(NOOP, dtype=np.int64)
    vector[5] = FUNCTIONAL.index("craft")
    vector[6] = CRAFT_SMELT_ITEMS.index(item)
    return vector


def slot_vector(function: str, slot: int) -> np.ndarray:
    """MineDojo's action that equips, places or destroys the item in inventory ``slot``."""
    if function not in SLOT_FUNCTIONS:
        raise ValueError(f"slot actions are equip, place and destroy, not {function!r}")
    if not 0 <= int(slot) < N_INV_SLOTS:
        raise ValueError(f"inventory slot {slot!r} is not in 0..{N_INV_SLOTS - 1}")
    vector = np.array(NOOP, dtype=np.int64)
    vector[5] = FUNCTIONAL.index(function)
    vector[7] = int(slot)
    return vector


def empty_slot(vector: Sequence[int] | np.ndarray, slots: Sequence[str]) -> str | None:
    """Why MineDojo would refuse ``vector`` in a state whose inventory slots hold ``slots``: equip,
    place or destroy from an empty slot raises ``ValueError`` in MineDojo's ``NNActionSpaceWrapper.action``
    (its strict check). ``None`` when MineDojo takes it."""
    values = check_vector(vector)
    function, slot = FUNCTIONAL[int(values[5])], int(values[7])
    if function in SLOT_FUNCTIONS and slots[slot] == "air":
        return f"{function} slot {slot} is empty"
    return None


def camera_vector(pitch: float, yaw: float) -> np.ndarray:
    """MineDojo's action that turns the camera by ``pitch`` and ``yaw`` degrees, rounded to 15 and
    clipped to +-180 (pitch > 0 looks down, yaw > 0 turns right)."""
    vector = np.array(NOOP, dtype=np.int64)
    for slot, degrees in ((3, pitch), (4, yaw)):
        vector[slot] = int(
            np.clip(round(float(degrees) / CAMERA_INTERVAL) + CAMERA_CENTRE, 0, CAMERA_BINS - 1)
        )
    return vector


def describe_vector(vector: Sequence[int] | np.ndarray) -> str:
    """A MineDojo action in words (``forward, camera pitch -30, craft planks``); ``no_op`` when idle."""
    values = check_vector(vector)
    parts = [name for name, slot, value in MOVEMENTS[1:8] if values[slot] == value]
    for slot, axis in ((3, "pitch"), (4, "yaw")):
        if values[slot] != CAMERA_CENTRE:
            parts.append(f"camera {axis} {(int(values[slot]) - CAMERA_CENTRE) * CAMERA_INTERVAL:+d}")
    function = FUNCTIONAL[int(values[5])]
    if function == "craft":
        parts.append(f"craft {CRAFT_SMELT_ITEMS[int(values[6])]}")
    elif function in SLOT_FUNCTIONS:
        parts.append(f"{function} slot {int(values[7])}")
    elif function != "no_op":
        parts.append(function)
    return ", ".join(parts) or "no_op"
