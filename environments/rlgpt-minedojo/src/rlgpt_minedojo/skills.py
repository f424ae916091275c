"""The skill API generated code uses on MineDojo: primitives, crafting, perception, short navigation.

In the spirit of Plan4MC's skills (find, manipulate, craft) and Voyager's control primitives, built
only on MineDojo's documented observation and action structures (:mod:`rlgpt_minedojo.observation`,
:mod:`rlgpt_minedojo.actions`).
"""

from __future__ import annotations

import math
from typing import Any

from rlgpt import SkillAPI

from rlgpt_minedojo.actions import ACTIONS, NOOP, camera_vector, craft_vector, slot_vector
from rlgpt_minedojo.items import CRAFT_SMELT_ITEMS

DIRECTIONS = ("forward", "back", "left", "right")
"""Directions ``move`` accepts."""

FACED_WITHIN = 15.0
"""Degrees within which ``face`` counts a target as faced (one camera index)."""


class MineDojoSkills(SkillAPI):
    """Act in MineDojo (Minecraft) and read what the player observes.

    Every action is one MineDojo step unless its docstring says more; perception costs 0 steps.
    Angles are degrees: ``yaw`` grows turning right, ``pitch`` grows looking down (-90 up, 90 down).
    Item names are MineDojo ids with underscores ("crafting_table", "wooden_pickaxe").
    Seen things come from the lidar (rays up to 30 degrees above and below and 45 degrees left and
    right of the view, 99 blocks long): block names such as "wood" (tree trunks; they drop "log"),
    "stone" (drops "cobblestone"), "grass block", "water"; animals "cow", "sheep", "pig", "chicken".
    """

    # Primitive actions.

    def noop(self) -> None:
        """Do nothing for one step."""
        self.act(ACTIONS.index("noop"))

    def move(self, direction: str = "forward", steps: int = 1) -> None:
        """Walk "forward", "back", "left" or "right" for ``steps`` steps (a step is a fraction of a block)."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
        for _ in range(_count(steps)):
            self.act(ACTIONS.index(direction))

    def jump(self, forward: bool = True) -> None:
        """Jump, moving forward too by default (to climb one block)."""
        vector = list(NOOP)
        vector[0], vector[2] = int(forward), 1
        self.act(vector)

    def look(self, pitch: float = 0.0, yaw: float = 0.0) -> None:
        """Turn the camera by ``pitch`` (down > 0) and ``yaw`` (right > 0) degrees, rounded to 15 and
        at most 180 each, in one step."""
        self.act(camera_vector(pitch, yaw))

    def attack(self, steps: int = 1) -> None:
        """Attack (left click) what the crosshair points at for ``steps`` steps: breaking a block takes
        many steps (a log by hand about 60; tools are faster), an animal a few hits."""
        for _ in range(_count(steps)):
            self.act(ACTIONS.index("attack"))

    def use(self) -> None:
        """Use (right click) the held item on what the crosshair points at (a bucket on a cow gives
        milk, shears on a sheep give wool)."""
        self.act(ACTIONS.index("use"))

    def craft(self, item: str) -> bool:
        """Craft or smelt one recipe of ``item`` (planks, stick, crafting_table, wooden_pickaxe...);
        table recipes need a crafting table within reach, smelting a furnace (see ``can_craft``).
        Returns True when the inventory gained ``item``."""
        before = self.count(item)
        self.act(craft_vector(item))
        return self.count(item) > before

    def equip(self, item: str) -> bool:
        """Hold ``item`` in the main hand. Returns True when it is held; False (0 steps) when the
        inventory has none. Costs 0 steps when already held."""
        if self.mainhand() == item:
            return True
        slot = self._slot(item)
        if slot is None:
            return False
        self.act(slot_vector("equip", slot))
        return self.mainhand() == item

    def place(self, item: str) -> bool:
        """Place the block ``item`` (crafting_table, furnace, cobblestone...) where the crosshair points.
        Returns True when the inventory lost one; False (0 steps) when it has none."""
        slot = self._slot(item)
        if slot is None:
            return False
        before = self.count(item)
        self.act(slot_vector("place", slot))
        return self.count(item) < before

    # Perception: 0 steps each.

    def inventory(self) -> dict[str, int]:
        """Item -> count over all 36 slots (empty slots left out)."""
        return dict(self.info["inventory"])

    def count(self, item: str) -> int:
        """How many ``item`` the inventory holds."""
        return int(self.info["inventory"].get(item, 0))

    def mainhand(self) -> str:
        """The item held in the main hand ("air" when empty)."""
        return str(self.info["mainhand"])

    def vitals(self) -> dict[str, float]:
        """``life`` (0-20, 0 is death), ``food`` (0-20) and ``oxygen`` (0-300)."""
        return {name: float(self.info[name]) for name in ("life", "food", "oxygen")}

    def position(self) -> tuple[float, float, float]:
        """The player's ``(x, y, z)``; y is height (diamonds lie below y 16)."""
        x, y, z = self.info["position"]
        return float(x), float(y), float(z)

    def orientation(self) -> tuple[float, float]:
        """The view's ``(yaw, pitch)`` in degrees."""
        return float(self.info["yaw"]), float(self.info["pitch"])

    def table_nearby(self) -> bool:
        """True when a crafting table is within reach (table recipes work)."""
        return bool(self.info["nearby_tools"]["table"])

    def furnace_nearby(self) -> bool:
        """True when a furnace is within reach (smelting works)."""
        return bool(self.info["nearby_tools"]["furnace"])

    def can_craft(self, item: str) -> bool:
        """True when MineDojo lets ``craft(item)`` succeed now (ingredients held, table or furnace
        within reach as the recipe needs)."""
        if item not in CRAFT_SMELT_ITEMS:
            raise ValueError(f"{item!r} cannot be crafted or smelted in MineDojo")
        return item in self.info["craftable"]

    def block(self, dx: int, dy: int, dz: int) -> str:
        """Name of the block at offset ``(dx, dy, dz)`` from the player's feet, each -1, 0 or 1
        (x east, y up, z south): e.g. ``block(0, -1, 0)`` is the block stood on."""
        offsets = (int(dx), int(dy), int(dz))
        if any(abs(o) > 1 for o in offsets):
            raise ValueError(f"block() sees offsets -1..1 on each axis, got {offsets}")
        return str(self.info["voxels"][offsets[0] + 1][offsets[1] + 1][offsets[2] + 1])

    def seen(self) -> dict[str, dict[str, float]]:
        """Everything the lidar hits: name -> nearest ``{"distance", "yaw", "pitch"}`` (yaw: degrees to
        turn right to face it)."""
        return {name: dict(target) for name, target in self.info["seen"].items()}

    def find(self, name: str) -> dict[str, float] | None:
        """The nearest seen ``name`` (see ``seen``), or None when the lidar does not hit one."""
        target = self.info["seen"].get(name)
        return dict(target) if target is not None else None

    # Navigation: perception plus a few steps.

    def face(self, name: str) -> bool:
        """Turn towards the nearest seen ``name``. Returns True when it is faced (within 15 degrees);
        costs 1 step, or 0 when already faced or when it is not seen (then returns False)."""
        target = self.find(name)
        if target is None:
            return False
        if abs(target["yaw"]) <= FACED_WITHIN:
            return True
        self.look(yaw=target["yaw"])
        return False

    def approach(self, name: str, distance: float = 2.0, max_steps: int = 100) -> bool:
        """Face the nearest seen ``name`` and walk to it, jumping over single blocks, until it is
        within ``distance`` blocks. Returns True when it is; at most ``max_steps`` steps."""
        for _ in range(_count(max_steps)):
            target = self.find(name)
            if target is None:
                return False
            if target["distance"] <= distance:
                return True
            if abs(target["yaw"]) > FACED_WITHIN:
                self.look(yaw=target["yaw"])
            elif self._blocked_ahead():
                self.jump()
            else:
                self.move("forward")
        target = self.find(name)
        return target is not None and target["distance"] <= distance

    def explore(self, steps: int = 20) -> bool:
        """Walk forward for up to ``steps`` steps, jumping over single blocks and turning 90 degrees
        right when a wall stands ahead. Returns True when the player moved."""
        start = self.position()
        for _ in range(_count(steps)):
            if self._blocked_ahead():
                if self._blocked_ahead(height=1):
                    self.look(yaw=90)
                else:
                    self.jump()
            else:
                self.move("forward")
        return self.position() != start

    def harvest(self, item: str, max_steps: int = 100) -> bool:
        """Attack what the crosshair points at while pressing forward, until the inventory gains
        ``item``: forward does nothing against a block, then walks onto its drop once it breaks, and
        follows an animal. Returns True on a gain; at most ``max_steps`` steps."""
        before = self.count(item)
        for _ in range(_count(max_steps)):
            self.act(ACTIONS.index("forward+attack"))
            if self.count(item) > before:
                return True
        return False

    def _slot(self, item: str) -> int | None:
        slots: Any = self.info["slots"]
        return next((index for index, name in enumerate(slots) if name == item), None)

    def _blocked_ahead(self, height: int = 0) -> bool:
        """Whether the voxel in front of the player (feet level, or ``height`` above) blocks walking."""
        yaw = math.radians(float(self.info["yaw"]))
        dx, dz = round(-math.sin(yaw)), round(math.cos(yaw))
        return bool(self.info["voxels_blocking"][dx + 1][height + 1][dz + 1])


def _count(value: Any) -> int:
    """A non-negative step count, or a ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"a step count is a non-negative integer, got {value!r}")
    return value
