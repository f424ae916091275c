"""The skill APIs generated code uses in Crafter, at two levels.

* ``basic`` (:class:`CrafterBasicSkills`): primitives, perception and crafting; no path-finding,
  so code can see, craft and act, but fine movement is left to RL (where the paper's MineDojo code
  stopped).
* ``full`` (:class:`CrafterSkills`): basic plus navigation (``step_towards``, ``explore``).
"""

from __future__ import annotations

import random
from collections import deque
from typing import Any

import numpy as np
from crafter import constants
from rlgpt import SkillAPI

from rlgpt_crafter._choices import check_choice
from rlgpt_crafter.engine import CLASS_NAMES, DIRECTIONS, LOCAL_VIEW
from rlgpt_crafter.env import ACTIONS
from rlgpt_crafter.observation import VITALS

VISIBLE: tuple[str, ...] = tuple(name for name in CLASS_NAMES if name not in ("outside", "player"))
"""Names ``nearby``/``nearest`` accept: terrain materials and creatures."""

WALKABLE = frozenset(constants.walkable)
"""Materials the helpers walk on (the player can also enter lava, which kills, so they never do)."""

_CENTRE = (LOCAL_VIEW[0] // 2, LOCAL_VIEW[1] // 2)
_IDS = {name: index for index, name in enumerate(CLASS_NAMES)}
_EXPLORE_KEEP_HEADING = 0.8


class Counts(dict):
    """Counts by name (inventory, vitals, achievements) whose missing key names the keys there are.

    ``api.inventory()["water"]`` raises ``KeyError: 'water' is not a key of api.inventory()
    (sapling, wood, ...)``, so a program that guessed a name learns the right one from its error.
    """

    def __init__(self, what: str, counts: dict[str, int], hint: str = "") -> None:
        super().__init__(counts)
        self.what, self.hint = what, hint

    def __missing__(self, key: Any) -> int:
        names = ", ".join(self)
        raise KeyError(f"{key!r} is not a key of {self.what} ({names}){self.hint}")


_NOT_AN_ITEM = "; drink, food, health and energy are in api.vitals(), achievements in api.achievements()"

SKILL_LEVELS: tuple[str, ...] = ("full", "basic")
"""Skill levels, the default first."""


class CrafterBasicSkills(SkillAPI):
    """Act in Crafter and read what the player sees (no path-finding: moves are one cell each).

    Offsets are ``(dx, dy)`` relative to the player: ``dx > 0`` is right, ``dy > 0`` is down.
    The player sees 9x7 cells, so visible offsets have ``-4 <= dx <= 4`` and ``-3 <= dy <= 3``;
    offsets change whenever the player moves, so look again after each step.
    Perception helpers cost 0 environment steps; every action costs 1.
    Moving towards a free cell walks there; towards a blocked cell (tree, stone, water, table,
    creature...) it only turns the player to face it. ``do()`` acts on the faced cell.
    """

    # Primitive actions: one environment step each.

    def noop(self) -> None:
        """Do nothing for one step. Costs 1 step."""
        self.act(ACTIONS.index("noop"))

    def move(self, direction: str) -> bool:
        """Move one cell "left", "right", "up" or "down", or turn that way if the cell is blocked.

        Returns True when the player changed cell. Costs 1 step.
        """
        check_choice(direction, DIRECTIONS, "direction")
        before = self.position()
        self.act(ACTIONS.index(f"move_{direction}"))
        return self.position() != before

    def do(self) -> None:
        """Act on the faced cell: collect material (a tree gives 1 wood and turns into grass; stone and
        coal need a wood pickaxe, iron a stone pickaxe, diamond an iron pickaxe), drink water, hit or
        eat a creature, eat a ripe plant. Costs 1 step.
        """
        self.act(ACTIONS.index("do"))

    def sleep(self) -> None:
        """Fall asleep (only when energy is below 9). Asleep, every action is ignored until energy is
        full and the player wakes (or is hurt). Costs 1 step.
        """
        self.act(ACTIONS.index("sleep"))

    def place(self, item: str) -> bool:
        """Place "stone", "table", "furnace" or "plant" on the faced cell (see ``can_place``).

        Returns True when it was placed. Costs 1 step.
        """
        return self._unlock("place", item, constants.place)

    def make(self, item: str) -> bool:
        """Make "wood_pickaxe", "stone_pickaxe", "iron_pickaxe", "wood_sword", "stone_sword" or
        "iron_sword" (see ``can_make``). Returns True when it was made. Costs 1 step.
        """
        return self._unlock("make", item, constants.make)

    # Perception: what the player sees, 0 steps each.

    def inventory(self) -> dict[str, int]:
        """Item counts, keys sapling, wood, stone, coal, iron, diamond, wood_pickaxe, stone_pickaxe,
        iron_pickaxe, wood_sword, stone_sword, iron_sword. Costs 0 steps."""
        return Counts("api.inventory()", dict(self.info["inventory"]), _NOT_AN_ITEM)

    def vitals(self) -> dict[str, int]:
        """Health, food, drink and energy, each 0-9 (health 0 is death). Costs 0 steps."""
        return Counts("api.vitals()", {name: int(self.info[name]) for name in VITALS})

    def achievements(self) -> dict[str, int]:
        """How often each of the 22 achievements (``collect_drink``, ``place_table``...; a task's
        achievement is named in its instruction) was unlocked this episode. Costs 0 steps."""
        return Counts("api.achievements()", dict(self.info["achievements"]))

    def position(self) -> tuple[int, int]:
        """The player's cell ``(x, y)`` in the world (x right, y down). Costs 0 steps."""
        x, y = self.info["player_pos"]
        return int(x), int(y)

    def direction(self) -> str:
        """The direction the player faces: "left", "right", "up" or "down". Costs 0 steps."""
        return str(self.info["facing"])

    def facing(self) -> str:
        """What is in the faced cell: a material ("tree", "grass", "water", "stone"...) or a creature
        ("cow", "zombie", "plant"...); "outside" at the world's edge. Costs 0 steps.
        """
        return self.cell(DIRECTIONS[self.direction()])

    def cell(self, offset: tuple[int, int]) -> str:
        """What is visible at ``offset`` ``(dx, dy)``; "unseen" outside the 9x7 view. Costs 0 steps."""
        dx, dy = _offset(offset)
        column, row = _CENTRE[0] + dx, _CENTRE[1] + dy
        if not (0 <= column < LOCAL_VIEW[0] and 0 <= row < LOCAL_VIEW[1]):
            return "unseen"
        return CLASS_NAMES[self._view()[row, column]]

    def nearby(self, material: str) -> list[tuple[int, int]]:
        """Offsets ``(dx, dy)`` of every visible cell showing ``material``, nearest first
        (by steps, |dx| + |dy|). Materials: water, grass, stone, path, sand, tree, lava, coal, iron,
        diamond, table, furnace; creatures: cow, zombie, skeleton, arrow, plant. Costs 0 steps.
        """
        check_choice(material, VISIBLE, "material")
        rows, columns = np.nonzero(self._view() == _IDS[material])
        offsets = [(int(c) - _CENTRE[0], int(r) - _CENTRE[1]) for r, c in zip(rows, columns, strict=True)]
        return sorted(offsets, key=lambda o: (abs(o[0]) + abs(o[1]), abs(o[1]), o))

    def nearest(self, material: str) -> tuple[int, int] | None:
        """Offset of the nearest visible ``material`` (see ``nearby``), or None. Costs 0 steps."""
        found = self.nearby(material)
        return found[0] if found else None

    def can_place(self, item: str) -> bool:
        """True when ``place(item)`` would work now: the inventory holds what it uses (stone: 1 stone,
        table: 2 wood... per Crafter's rules) and the faced cell is free ground it may go on.
        Costs 0 steps.
        """
        rule = constants.place[check_choice(item, constants.place, "placeable item")]
        return self._has(rule["uses"]) and self.facing() in rule["where"]

    def can_make(self, item: str) -> bool:
        """True when ``make(item)`` would work now: the inventory holds what it uses and the needed
        table (and furnace, for iron tools) is visible within 1 cell, diagonals included.
        Costs 0 steps.
        """
        rule = constants.make[check_choice(item, constants.make, "makeable item")]
        x, y = _CENTRE
        around = {CLASS_NAMES[i] for i in self._view()[y - 1 : y + 2, x - 1 : x + 2].ravel()}
        return self._has(rule["uses"]) and all(station in around for station in rule["nearby"])

    def _unlock(self, verb: str, item: str, rules: dict[str, Any]) -> bool:
        check_choice(item, rules, f"{'placeable' if verb == 'place' else 'makeable'} item")
        achievement = f"{verb}_{item}"
        before = self.info["achievements"][achievement]
        self.act(ACTIONS.index(achievement))
        return self.info["achievements"][achievement] > before

    def _view(self) -> np.ndarray:
        return np.asarray(self.info["local_view"])

    def _has(self, uses: dict[str, int]) -> bool:
        inventory = self.info["inventory"]
        return all(inventory[name] >= count for name, count in uses.items())

    def _walkable(self, offset: tuple[int, int]) -> bool:
        return self.cell(offset) in WALKABLE


class CrafterSkills(CrafterBasicSkills):
    """Act in Crafter and read what the player sees, with short navigation helpers.

    Offsets are ``(dx, dy)`` relative to the player: ``dx > 0`` is right, ``dy > 0`` is down.
    The player sees 9x7 cells, so visible offsets have ``-4 <= dx <= 4`` and ``-3 <= dy <= 3``;
    offsets change whenever the player moves, so look again after each step.
    Perception helpers cost 0 environment steps; every action costs 1.
    Moving towards a free cell walks there; towards a blocked cell (tree, stone, water, table,
    creature...) it only turns the player to face it. ``do()`` acts on the faced cell.
    """

    # Navigation: perception plus one primitive step.

    def step_towards(self, offset: tuple[int, int]) -> bool:
        """Take one step along the shortest visible path towards the cell at ``offset``, walking only
        on grass, sand and path (never lava). Next to the target it turns to face it instead.
        Returns True once the player stands next to the target and faces it. Use it on targets
        that block walking (trees, stone, water, tables, creatures); re-read the offset after each
        step. Costs 1 step, or 0 when already facing the target.
        """
        target = _offset(offset)
        if abs(target[0]) + abs(target[1]) == 1:
            direction = _direction_of(target)
            if self.direction() == direction:
                return True
            moved = self.move(direction)
            return not moved and self.direction() == direction
        self.move(self._first_step(target))
        return False

    def explore(self) -> bool:
        """Wander one step: mostly keep the current heading, otherwise pick a random walkable neighbour
        (never lava). Use it when what you need is not visible. Returns True when the player
        changed cell. Costs 1 step.
        """
        # Seeded by the game state: the same state wanders the same way, every state differently.
        rng = random.Random(f"{self.position()} {self.info['daylight']!r} {self.vitals()}")
        heading = self.direction()
        free = [name for name, offset in DIRECTIONS.items() if self._walkable(offset)]
        if heading in free and rng.random() < _EXPLORE_KEEP_HEADING:
            return self.move(heading)
        return self.move(rng.choice(free or list(DIRECTIONS)))

    def _first_step(self, target: tuple[int, int]) -> str:
        """First move of a shortest walkable path to a cell next to ``target`` (greedy if none is seen)."""
        goals = {(target[0] + dx, target[1] + dy) for dx, dy in DIRECTIONS.values()}
        first: dict[tuple[int, int], str] = {(0, 0): ""}
        queue = deque([(0, 0)])
        while queue:
            here = queue.popleft()
            if here in goals:
                return first[here] or _direction_of(target)
            for name, (dx, dy) in DIRECTIONS.items():
                there = (here[0] + dx, here[1] + dy)
                if there not in first and self._walkable(there):
                    first[there] = first[here] or name
                    queue.append(there)
        return _direction_of(target)


def _offset(value: Any) -> tuple[int, int]:
    """``value`` as an ``(dx, dy)`` pair of ints, or a ``ValueError`` saying what an offset is."""
    try:
        dx, dy = value
        return int(dx), int(dy)
    except (TypeError, ValueError):
        raise ValueError(
            f"an offset is a pair of integers (dx, dy), got {value!r}; nearest() returns None when "
            "nothing of that material is visible"
        ) from None


def _direction_of(unit: tuple[int, int]) -> str:
    """Name of a unit offset, or of the dominant axis of a longer one."""
    dx, dy = unit
    if abs(dx) >= abs(dy):
        return "right" if dx > 0 else "left"
    return "down" if dy > 0 else "up"


def skill_api(level: str) -> type[CrafterBasicSkills]:
    """The skill API class of a skill level (``"full"`` or ``"basic"``)."""
    return {"full": CrafterSkills, "basic": CrafterBasicSkills}[
        check_choice(level, SKILL_LEVELS, "skill level")
    ]
