"""Fixtures on a stand-in for a MineDojo harvest env, for this plugin's tests only. It is NOT MineDojo.

It answers ``reset()`` and ``step(action)`` with MineDojo's gym 0.21 API and returns observations
with MineDojo's keys, shapes and dtypes (``minedojo/sim/handlers/agent/observations/*.py``,
``sim/wrappers/ar_nn/ar_masks_wrapper.py`` and ``delta_inventory_wrapper.py``), for 3x3x3 voxels
and the lidar rays the plugin asks for. Its world is a toy: one tree, one cow and one sheep at
fixed bearings, flat grass, a handful of recipes. It checks each action against MineDojo's
``MultiDiscrete`` as MineDojo's ``NNActionSpaceWrapper`` does. Nothing it returns says anything
about how MineDojo itself behaves.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import pytest
import rlgpt_minedojo.env
from rlgpt_minedojo.actions import CAMERA_CENTRE, CAMERA_INTERVAL, NOOP, NVEC
from rlgpt_minedojo.items import CRAFT_SMELT_ITEMS, N_INV_SLOTS
from rlgpt_minedojo.sim import make_kwargs
from rlgpt_minedojo.tasks import RECIPES, MineDojoTask

BREAK_STEPS = 3
"""Attack steps that break the stand-in's tree trunk (MineDojo takes far more)."""

REACH = 3.0
STRIDE = 0.5


class InventoryItem(NamedTuple):
    """MineDojo's ``minedojo.sim.InventoryItem`` fields."""

    slot: int | str
    name: str
    variant: int | None = None
    quantity: int | None = None


class MultiDiscreteStandIn:
    """MineDojo's ``spaces.MultiDiscrete`` as far as the plugin uses it: ``nvec``, ``contains``, ``no_op``."""

    def __init__(self, nvec: tuple[int, ...]) -> None:
        self.nvec = np.array(nvec, dtype=np.int64)

    def contains(self, x: Any) -> bool:
        """gym 0.21's ``MultiDiscrete.contains``."""
        x = np.asarray(x)
        return x.shape == self.nvec.shape and x.dtype != object and bool(np.all((x >= 0) & (x < self.nvec)))

    def no_op(self) -> np.ndarray:
        """MineDojo's no-op vector."""
        return np.array(NOOP, dtype=np.int64)


class MineDojoStandIn:
    """A toy world behind MineDojo's interface (see the module docstring). ``kwargs`` are
    ``minedojo.make("harvest", **kwargs)``'s, kept in :attr:`kwargs` for tests to inspect."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.action_space = MultiDiscreteStandIn(NVEC)
        self.height, self.width = kwargs["image_size"]
        self.rays = kwargs["lidar_rays"]
        self.target, self.quantity = kwargs["target_names"], kwargs["target_quantities"]
        self.closed = False
        self.resets = 0

    def reset(self) -> dict[str, Any]:
        """New episode: starting inventory, the player at the origin facing south."""
        rng = np.random.default_rng(self.kwargs.get("seed"))
        self.resets += 1
        self.slots = [["air", 0] for _ in range(N_INV_SLOTS)]
        for item in self.kwargs.get("initial_inventory", []):
            self.slots[item.slot] = [item.name, item.quantity or 1]
        self.pos = np.array([0.5, 64.0, 0.5])
        self.yaw, self.pitch = 0.0, 0.0
        bearing = float(rng.integers(-3, 4) * 15)  # degrees to the right of south
        self.things = {
            "wood": {"kind": "block", "pos": self._ahead(bearing, 6.0), "hits": 0},
            "cow": {"kind": "entity", "pos": self._ahead(bearing + 30, 8.0), "hits": 0},
            "sheep": {"kind": "entity", "pos": self._ahead(bearing - 30, 8.0), "hits": 0},
        }
        self.table = False
        self.start = self._count(self.target)
        return self._observe()

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, dict[str, Any]]:
        """One MineDojo step: movement, camera, then the functional action."""
        assert self.action_space.contains(action), f"invalid MineDojo action {action!r}"
        before = self._count(self.target)
        a = [int(v) for v in action]
        self.yaw = (self.yaw + (a[4] - CAMERA_CENTRE) * CAMERA_INTERVAL + 180) % 360 - 180
        self.pitch = float(np.clip(self.pitch + (a[3] - CAMERA_CENTRE) * CAMERA_INTERVAL, -90, 90))
        if a[0]:
            self.pos += self._heading(0 if a[0] == 1 else 180) * STRIDE
        if a[1]:
            self.pos += self._heading(-90 if a[1] == 1 else 90) * STRIDE
        function = a[5]
        if function == 3:
            self._attack()
        elif function == 1:
            self._use()
        elif function == 4:
            self._craft(CRAFT_SMELT_ITEMS[a[6]])
        elif function == 5:
            self.slots[0], self.slots[a[7]] = self.slots[a[7]], self.slots[0]
        elif function == 6 and self.slots[a[7]][0] == "crafting_table":
            self._take("crafting_table", 1)
            self.table = True
        reward = float(self._count(self.target) - before)
        return self._observe(), reward, self.is_successful, {"inventory": self._raw_inventory()}

    @property
    def is_successful(self) -> bool:
        """MineDojo's harvest success: the target count grew by the quantity since reset."""
        return self._count(self.target) - self.start >= self.quantity

    def close(self) -> None:
        """Stop (nothing to stop)."""
        self.closed = True

    # The toy world.

    def _heading(self, offset: float) -> np.ndarray:
        yaw = math.radians(self.yaw + offset)
        return np.array([-math.sin(yaw), 0.0, math.cos(yaw)])

    def _ahead(self, bearing: float, distance: float) -> np.ndarray:
        yaw = math.radians(bearing)
        return self.pos + np.array([-math.sin(yaw), 0.0, math.cos(yaw)]) * distance

    def _relative(self, thing: dict[str, Any]) -> tuple[float, float]:
        """Distance to ``thing`` and degrees to turn right to face it."""
        delta = thing["pos"] - self.pos
        bearing = math.degrees(math.atan2(-delta[0], delta[2]))
        return float(np.hypot(delta[0], delta[2])), (bearing - self.yaw + 180) % 360 - 180

    def _in_crosshair(self) -> str | None:
        for name, thing in self.things.items():
            distance, turn = self._relative(thing)
            if distance <= REACH and abs(turn) <= CAMERA_INTERVAL:
                return name
        return None

    def _attack(self) -> None:
        name = self._in_crosshair()
        if name is None:
            return
        thing = self.things[name]
        thing["hits"] += 1
        drops = {"wood": "log", "cow": "beef", "sheep": "mutton"}
        if thing["hits"] >= (BREAK_STEPS if name == "wood" else 2):
            self._give(drops[name], 1)
            thing["hits"] = 0

    def _use(self) -> None:
        name, held = self._in_crosshair(), self.slots[0][0]
        if name == "cow" and held == "bucket":
            self.slots[0] = ["milk_bucket", 1]
        elif name == "sheep" and held == "shears":
            self._give("wool", 1)

    def _craft(self, item: str) -> None:
        if item in RECIPES and self._craftable(item):
            ingredients, made, _ = RECIPES[item]
            for name, count in ingredients.items():
                self._take(name, count)
            self._give(item, made)

    def _craftable(self, item: str) -> bool:
        ingredients, _, where = RECIPES[item]
        station = {"hand": True, "table": self.table, "furnace": False}[where]
        return station and all(self._count(name) >= count for name, count in ingredients.items())

    def _count(self, item: str) -> int:
        return sum(quantity for name, quantity in self.slots if name == item)

    def _give(self, item: str, count: int) -> None:
        slot = next((s for s in self.slots if s[0] == item), None) or next(
            s for s in self.slots if s[0] == "air"
        )
        slot[0], slot[1] = item, slot[1] + count

    def _take(self, item: str, count: int) -> None:
        for slot in self.slots:
            if slot[0] == item and count:
                used = min(count, slot[1])
                slot[1] -= used
                count -= used
                if slot[1] == 0:
                    slot[0] = "air"

    def _raw_inventory(self) -> list[dict[str, Any]]:
        return [{"name": name, "quantity": quantity} for name, quantity in self.slots]

    # MineDojo's observation structure.

    def _observe(self) -> dict[str, Any]:
        names = np.array([name.replace("_", " ") for name, _ in self.slots], dtype=np.str_)
        quantities = np.array([quantity for _, quantity in self.slots], dtype=np.float32)
        return {
            "rgb": self._image(),
            "inventory": _slots(names, quantities),
            "equipment": _slots(
                np.array([names[0], *["air"] * 5], dtype=np.str_), np.r_[quantities[:1], np.zeros(5)]
            ),
            "life_stats": {
                **{key: np.array([value], dtype=np.float32) for key, value in _LIFE.items()},
                "is_sleeping": np.array(0, dtype=np.int64),
            },
            "location_stats": self._location(),
            "nearby_tools": {
                "table": np.array(self.table, dtype=bool),
                "furnace": np.array(False, dtype=bool),
            },
            "damage_source": _DAMAGE_SOURCE,
            "voxels": _voxels(),
            "rays": self._lidar(),
            "masks": self._masks(names),
            "delta_inv": _DELTA_INV,
        }

    def _image(self) -> np.ndarray:
        shade = int((self.yaw + 180) / 360 * 255)
        return np.full((3, self.height, self.width), shade, dtype=np.uint8)

    def _location(self) -> dict[str, np.ndarray]:
        return {
            "sun_brightness": np.array([0.94], dtype=np.float32),
            "sky_light_level": np.array([0.71], dtype=np.float32),
            "light_level": np.array([15.0], dtype=np.float32),
            "can_see_sky": np.array(1, dtype=np.int64),
            "rainfall": np.array([0.4], dtype=np.float32),
            "temperature": np.array([0.8], dtype=np.float32),
            "is_raining": np.array(0, dtype=np.int64),
            "biome_id": np.array(1, dtype=np.int64),
            "pitch": np.array([self.pitch], dtype=np.float32),
            "yaw": np.array([self.yaw], dtype=np.float32),
            "sea_level": np.array([63.0], dtype=np.float32),
            "pos": self.pos.astype(np.float32),
        }

    def _lidar(self) -> dict[str, np.ndarray]:
        n = len(self.rays)
        hits = {"block": ["air"] * n, "entity": ["null"] * n}
        distances = {
            "block": np.full(n, -1.0, dtype=np.float32),
            "entity": np.full(n, -1.0, dtype=np.float32),
        }
        ray_yaw = np.array([yaw for _, yaw, _ in self.rays], dtype=np.float32)
        ray_pitch = np.array([pitch for pitch, _, _ in self.rays], dtype=np.float32)
        for name, thing in self.things.items():
            distance, turn = self._relative(thing)
            # MineDojo's ray yaw has the opposite sign of a right turn (as Plan4MC notes)
            index = int(np.argmin(np.abs(np.rad2deg(ray_yaw) + turn) + np.abs(ray_pitch)))
            if abs(np.rad2deg(ray_yaw[index]) + turn) <= 5:
                hits[thing["kind"]][index] = name
                distances[thing["kind"]][index] = distance
        return {
            "block_name": np.array(hits["block"], dtype=np.str_),
            "block_distance": distances["block"],
            "block_meta": np.zeros(n, dtype=np.int64),
            "harvest_level": np.full(n, -1, dtype=np.int64),
            "entity_name": np.array(hits["entity"], dtype=np.str_),
            "entity_distance": distances["entity"],
            "ray_pitch": ray_pitch,
            "ray_yaw": ray_yaw,
            **{key: np.zeros(n, dtype=bool) for key in _LIDAR_FLAGS},
            **{f"traced_block_{axis}": np.zeros(n, dtype=np.float32) for axis in "xyz"},
        }

    def _masks(self, names: np.ndarray) -> dict[str, np.ndarray]:
        craft = np.array(
            [item in RECIPES and self._craftable(item) for item in CRAFT_SMELT_ITEMS], dtype=bool
        )
        occupied = names != "air"
        return {
            "action_type": np.array(
                [True, True, occupied[0], True, craft.any(), occupied.any(), False, occupied.any()]
            ),
            "action_arg": np.array([[0], [0], [0], [0], [1], [1], [1], [1]], dtype=bool),
            "equip": occupied.copy(),
            "place": names == "crafting table",
            "destroy": occupied.copy(),
            "craft_smelt": craft,
        }


def _slots(names: np.ndarray, quantities: np.ndarray) -> dict[str, np.ndarray]:
    n = len(names)
    return {
        "name": names,
        "variant": np.zeros(n, dtype=np.int64),
        "quantity": quantities.astype(np.float32),
        "max_durability": np.full(n, -1.0, dtype=np.float32),
        "cur_durability": np.full(n, -1.0, dtype=np.float32),
    }


def _voxels() -> dict[str, np.ndarray]:
    names = np.array(
        [[["air" if y else "grass block" for _ in range(3)] for y in range(3)] for _ in range(3)]
    )
    solid = names != "air"
    voxels = {"block_name": names, "block_meta": np.zeros((3, 3, 3), dtype=np.int64)}
    for key in ("is_collidable", "blocks_movement", "is_solid", "blocks_light"):
        voxels[key] = solid.copy()
    for key in ("is_tool_not_required", "is_liquid", "can_burn"):
        voxels[key] = np.zeros((3, 3, 3), dtype=bool)
    voxels["cos_look_vec_angle"] = np.zeros((3, 3, 3), dtype=np.float32)
    return voxels


_LIFE = {"life": 20.0, "armor": 0.0, "food": 20.0, "saturation": 5.0, "xp": 0.0, "oxygen": 300.0}
_LIDAR_FLAGS = ("is_tool_not_required", "blocks_movement", "is_liquid", "is_solid", "can_burn")
_DAMAGE_SOURCE = {
    "damage_amount": np.array([0.0], dtype=np.float32),
    "damage_distance": np.array([0.0], dtype=np.float32),
    "damage_pitch": np.array([0.0], dtype=np.float32),
    "damage_yaw": np.array([0.0], dtype=np.float32),
    "hunger_damage": np.array([0.0], dtype=np.float32),
    **{
        key: np.array(False) for key in ("is_explosion", "is_fire_damage", "is_magic_damage", "is_projectile")
    },
    "is_unblockable": np.array(False),
}
_DELTA_INV = {
    **{f"inc_name_by_{how}": np.array(["air"], dtype=np.str_) for how in ("craft", "other")},
    **{f"inc_quantity_by_{how}": np.zeros(1, dtype=np.float32) for how in ("craft", "other")},
    **{f"dec_name_by_{how}": np.array(["air"] * 4, dtype=np.str_) for how in ("craft", "other")},
    **{f"dec_quantity_by_{how}": np.zeros(4, dtype=np.float32) for how in ("craft", "other")},
}


def standin_simulator(task: MineDojoTask, seed: int | None, image_size: tuple[int, int]) -> MineDojoStandIn:
    """A :data:`rlgpt_minedojo.sim.Simulator` that builds the stand-in from the plugin's real
    ``minedojo.make`` keyword arguments."""
    return MineDojoStandIn(**make_kwargs(task, seed, image_size, InventoryItem))


@pytest.fixture
def inventory_item() -> type:
    """The stand-in for MineDojo's ``InventoryItem``."""
    return InventoryItem


@pytest.fixture
def on_standin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Environments built in this test run on the stand-in instead of ``minedojo.make``."""
    monkeypatch.setattr(rlgpt_minedojo.env, "minedojo_make", standin_simulator)
