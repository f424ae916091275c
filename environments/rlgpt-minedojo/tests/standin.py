"""A stand-in for ``minedojo.make("harvest", ...)``, for this plugin's tests only. It is NOT MineDojo.

It imports nothing from the plugin. What it copies from MineDojo 0.1's source (the ``minedojo`` wheel
on PyPI), file by file:

- ``sim/mc_meta/mc.py``: ``N_INV_SLOTS``, the length of ``ALL_CRAFT_SMELT_ITEMS`` and the positions
  in it of the items this world can craft, ``BIOMES_MAP`` ids, ``MAX_LIFE``/``MAX_FOOD``/``MAX_BREATH``;
  recipes from ``mc_constants.json``;
- ``tasks/__init__.py`` ``make`` and ``tasks/meta/harvest.py`` ``HarvestMeta.__init__``: the
  keyword-only signature (an unknown keyword is a ``TypeError``), ``cam_interval`` taken by ``make``;
  the assertions of ``MineDojoSim.__init__`` (``sim/sim.py``: known biome) and ``parse_inventory_item``
  (``sim/inventory.py``: slot 0..40, known item);
- ``sim/wrappers/ar_nn/nn_action_space_wrapper.py``: the ``MultiDiscrete`` nvec and no-op as
  ``NNActionSpaceWrapper.__init__`` computes them, ``assert action_space.contains(action)``, the
  ``ValueError`` on equip, place or destroy of an empty slot, and two no-op steps after drop, craft,
  equip, place and destroy, of which only the last step's reward and done are returned;
- ``tasks/meta/base.py`` ``MetaTaskBase.step``: reward = weight x the target's count change since the
  previous step, success = its gain since reset reaches the quantity, done = terminated or success;
- ``sim/sim.py`` ``MineDojoSim.step`` and ``sim/bridge/bridge_env/bridge_env.py`` ``BridgeEnv.step``:
  a failed step returns the stored ``prev_obs`` and ``prev_info`` objects with reward 0 and done, and
  ends the bridge; a step of an ended bridge raises ``RuntimeError``;
- ``sim/wrappers/fast_reset.py`` ``FastResetWrapper``: the first reset generates the world, later ones
  ``/kill`` the player (inventory lost, full life), ``/spreadplayers`` it within 200 blocks, replace the
  initial inventory; the world keeps its changes; on an ended bridge those commands raise;
  without fast reset, a biome world is generated again at every reset (``BiomeGenerator`` forceReset).

Invented: the world itself (trees of 4 logs, 3 attacks per log, a lava pool, one cow and one sheep
per world, flat grass), the biome map (the task's biome within 100 blocks of spawn, river beyond),
and that /spreadplayers is seeded here (Minecraft's is not). Step failures are scheduled by tests
(:attr:`HarvestStandIn.fail_in`).
"""

from __future__ import annotations

import math
import zlib
from copy import deepcopy
from typing import Any, NamedTuple

import numpy as np

N_INV_SLOTS = 36
N_CRAFT_SMELT_ITEMS = 244
CRAFT_SMELT_INDEX = {
    "crafting_table": 7, "planks": 29, "shears": 38, "stick": 41, "bed": 65, "bucket": 80,
    "furnace": 119, "iron_pickaxe": 146, "stone_pickaxe": 207, "wooden_pickaxe": 219, "iron_ingot": 239,
}  # fmt: skip
"""Positions in MineDojo's ``ALL_CRAFT_SMELT_ITEMS`` (as its ``mc.py`` computes them)."""
RECIPES: dict[str, tuple[dict[str, int], int, str]] = {
    "planks": ({"log": 1}, 4, "hand"),
    "stick": ({"planks": 2}, 4, "hand"),
    "crafting_table": ({"planks": 4}, 1, "hand"),
    "shears": ({"iron_ingot": 2}, 1, "hand"),
    "wooden_pickaxe": ({"planks": 3, "stick": 2}, 1, "table"),
    "stone_pickaxe": ({"cobblestone": 3, "stick": 2}, 1, "table"),
    "iron_pickaxe": ({"iron_ingot": 3, "stick": 2}, 1, "table"),
    "furnace": ({"cobblestone": 8}, 1, "table"),
    "bucket": ({"iron_ingot": 3}, 1, "table"),
    "bed": ({"wool": 3, "planks": 3}, 1, "table"),
    "iron_ingot": ({"iron_ore": 1}, 1, "furnace"),
}
"""``mc_constants.json``: craftingRecipes (recipeSize up to 4: the inventory grid) and smeltingRecipes."""
BIOMES_MAP = {"plains": 1, "forest": 4, "river": 7, "forest_hills": 18}
ITEMS = frozenset({*RECIPES, "log", "cobblestone", "iron_ore", "wool", "milk_bucket", "beef", "mutton",
                   "diamond_sword", "diamond"})  # fmt: skip
"""Item names this world knows (all are in MineDojo's ``ALL_ITEMS``)."""
MAX_LIFE, MAX_FOOD, MAX_BREATH = 20.0, 20.0, 300.0
FAST_RESET_RANGE = 200
LAG_FUNCTIONS = frozenset({2, 4, 5, 6, 7})
"""Functional actions after which ``NNActionSpaceWrapper.step`` adds two no-op steps."""
PLACEABLE = frozenset({"crafting_table", "furnace", "planks", "log", "cobblestone"})

REACH, STRIDE, BREAK_STEPS, LOGS_PER_TREE, BIOME_RADIUS, LAVA_DAMAGE = 3.0, 0.5, 3, 4, 100.0, 4.0


class InventoryItem(NamedTuple):
    """``minedojo.sim.InventoryItem``."""

    slot: int | str
    name: str
    variant: int | None = None
    quantity: int | None = None


class MultiDiscrete:
    """MineDojo's ``spaces.MultiDiscrete`` as far as the plugin uses it: ``nvec``, ``contains``, ``no_op``."""

    def __init__(self, nvec: list[int], noop_vec: list[int]) -> None:
        self.nvec = np.array(nvec, dtype=np.int64)
        self.noop_vec = np.array(noop_vec, dtype=np.int64)

    def contains(self, x: Any) -> bool:
        """gym 0.21's ``MultiDiscrete.contains``."""
        x = np.asarray(x)
        return x.shape == self.nvec.shape and x.dtype != object and bool(np.all((x >= 0) & (x < self.nvec)))

    def no_op(self) -> np.ndarray:
        """The no-op vector."""
        return self.noop_vec.copy()


def make(task_id: str, *args: Any, cam_interval: int | float = 15, **kwargs: Any) -> HarvestStandIn:
    """``minedojo.make``, for the harvest meta task only."""
    if task_id.lower() != "harvest":
        raise ValueError(f"Invalid task id provided {task_id}")
    return HarvestStandIn(*args, cam_interval=cam_interval, **kwargs)


class HarvestStandIn:
    """``HarvestMeta`` behind MineDojo's wrappers, over the toy world (see the module docstring)."""

    def __init__(
        self,
        *,
        cam_interval: int | float,
        target_names: str | list[str],
        target_quantities: int | list[int] | dict[str, int],
        reward_weights: int | float | dict[str, int | float] = 1.0,
        initial_mobs: str | list[str] | None = None,
        initial_mob_spawn_range_low: tuple[int, int, int] | None = None,
        initial_mob_spawn_range_high: tuple[int, int, int] | None = None,
        spawn_rate: float | None = None,
        spawn_range_low: tuple[int, int, int] | None = None,
        spawn_range_high: tuple[int, int, int] | None = None,
        initial_inventory: list[InventoryItem] | None = None,
        start_position: dict[str, float] | None = None,
        start_health: float | None = None,
        start_food: int | None = None,
        start_at_night: bool = False,
        initial_weather: str | None = None,
        allow_time_passage: bool = True,
        specified_biome: int | str | None = None,
        break_speed_multiplier: float = 1.0,
        seed: int | None = None,
        world_seed: str | None = None,
        fast_reset: bool = True,
        image_size: int | tuple[int, int],
        use_voxel: bool = False,
        voxel_size: dict[str, int] | None = None,
        use_lidar: bool = False,
        lidar_rays: list[tuple[float, float, float]] | None = None,
        event_level_control: bool = True,
        sim_name: str = "HarvestMeta",
    ) -> None:
        targets = [target_names] if isinstance(target_names, str) else list(target_names)
        assert len(targets) == 1 and isinstance(target_quantities, int), "the stand-in harvests one target"
        assert isinstance(reward_weights, int | float)
        if specified_biome is not None:
            assert specified_biome in BIOMES_MAP, f"Unknown biome name {specified_biome}"
        for item in initial_inventory or []:
            assert isinstance(item.slot, int) and 0 <= item.slot <= 40, f"invalid slot index {item.slot}"
            assert item.name in ITEMS, f"Unknown item {item.name}"
        mobs = [initial_mobs] if isinstance(initial_mobs, str) else list(initial_mobs or [])
        if mobs:
            assert (
                len(initial_mob_spawn_range_low or ()) == 3 and len(initial_mob_spawn_range_high or ()) == 3
            )
        assert event_level_control and use_voxel and use_lidar, "the stand-in answers voxels and lidar only"
        bins = math.ceil(360 / cam_interval) + 1
        self.action_space = MultiDiscrete(
            [3, 3, 4, bins, bins, 8, N_CRAFT_SMELT_ITEMS, N_INV_SLOTS],
            [0, 0, 0, (bins - 1) // 2, (bins - 1) // 2, 0, 0, 0],
        )
        self.kwargs = dict(target_names=target_names, target_quantities=target_quantities, seed=seed,
                           world_seed=world_seed, fast_reset=fast_reset, specified_biome=specified_biome,
                           initial_inventory=initial_inventory, initial_mobs=mobs)  # fmt: skip
        self.cam_interval = cam_interval
        self.target, self.quantity, self.weight = targets[0], target_quantities, reward_weights
        self.inventory_items = list(initial_inventory or [])
        self.mobs, self.mob_range = mobs, (initial_mob_spawn_range_low, initial_mob_spawn_range_high)
        self.biome = BIOMES_MAP[specified_biome] if specified_biome is not None else BIOMES_MAP["plains"]
        self.regenerates = specified_biome is not None
        self.fast_reset, self.world_seed = fast_reset, world_seed
        self.rng = np.random.default_rng(seed)
        self.height, self.width = (image_size, image_size) if isinstance(image_size, int) else image_size
        self.rays = lidar_rays or [(0.0, 0.0, 10.0)]
        self.fail_in: int | None = None
        """Inner Minecraft steps until one fails (1: the next one); ``None``: none fails."""
        self.resets, self.closed, self.is_terminated, self.is_successful = 0, False, False, False
        self.prev_obs: dict[str, Any] | None = None
        self.prev_info: dict[str, Any] | None = None

    # MineDojo's wrapper stack, outermost first.

    def reset(self) -> dict[str, Any]:
        """``MetaTaskBase.reset`` over ``FastResetWrapper.reset`` or ``MineDojoSim.reset``."""
        if self.resets and self.fast_reset:
            if self.is_terminated:
                raise RuntimeError("Attempted to step an environment server with done=True")
            self._respawn(teleport=True)
        else:
            if not self.resets or self.regenerates:
                self._generate()
            self._respawn(teleport=False)
            self.is_terminated = False
        self.resets += 1
        low, high = self.mob_range
        for mob in self.mobs:
            offset = self.rng.uniform(low, high)
            self.things.append(_thing(mob, self.pos + offset * [1, 0, 1]))
        obs, info = self._observe(), self._raw_info()
        self.prev_obs, self.prev_info = deepcopy(obs), deepcopy(info)
        self.start, self.pre_count = self._count(self.target), self._count(self.target)
        self.is_successful = False
        return obs

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, dict[str, Any]]:
        """``NNActionSpaceWrapper.step``: the action, then two no-ops after the lagging functions."""
        assert self.action_space.contains(action)
        a = [int(v) for v in action]
        if a[5] in (5, 6, 7) and self.slots[a[7]][0] == "air":
            verb = {5: "equip", 6: "place", 7: "destroy"}[a[5]]
            raise ValueError(f"Trying to {verb} air, raise error with strict check.")
        result = self._task_step(a)
        if a[5] in LAG_FUNCTIONS:
            for _ in range(2):
                result = self._task_step(self.action_space.no_op().tolist())
        return result

    def close(self) -> None:
        """``BridgeEnv.close``: Minecraft stops."""
        self.closed = True

    def _task_step(self, a: list[int]) -> tuple[dict[str, Any], float, bool, dict[str, Any]]:
        """``MetaTaskBase.step``: reward from the target's count change, success, done."""
        obs, info = self._sim_step(a)
        count = sum(entry["quantity"] for entry in info["inventory"] if entry["name"] == self.target)
        reward = self.weight * (count - self.pre_count)
        self.pre_count = count
        self.is_successful = count - self.start >= self.quantity
        return obs, reward, self.is_terminated or self.is_successful, info

    def _sim_step(self, a: list[int]) -> tuple[dict[str, Any], dict[str, Any]]:
        """``MineDojoSim.step`` over ``BridgeEnv.step``."""
        if self.is_terminated:
            raise RuntimeError("Attempted to step an environment server with done=True")
        if self.fail_in is not None:
            self.fail_in -= 1
            if self.fail_in == 0:
                self.fail_in, self.is_terminated = None, True
                assert self.prev_obs is not None and self.prev_info is not None
                return self.prev_obs, self.prev_info
        self._act(a)
        obs, info = self._observe(), self._raw_info()
        self.is_terminated = self.life <= 0  # Malmo ends the mission when the player dies
        self.prev_obs, self.prev_info = deepcopy(obs), deepcopy(info)
        return obs, info

    # The toy world.

    def _generate(self) -> None:
        """A world from the world seed (an empty seed: a random world)."""
        seed = zlib.crc32(self.world_seed.encode()) if self.world_seed else None
        rng = np.random.default_rng(seed)
        self.spawn = np.array([rng.integers(-50, 50) + 0.5, 64.0, rng.integers(-50, 50) + 0.5])
        bearing = float(rng.integers(-3, 4) * 15)  # degrees right of south, as the player spawns facing
        self.things = [
            _thing("wood", self._from(self.spawn, bearing, 6.0)),
            _thing("cow", self._from(self.spawn, bearing + 30, 8.0)),
            _thing("sheep", self._from(self.spawn, bearing - 30, 8.0)),
            _thing("lava", self._from(self.spawn, bearing + 180, 12.0)),
        ]
        for _ in range(2):
            where = self._from(self.spawn, float(rng.uniform(-180, 180)), float(rng.uniform(15, 40)))
            self.things.append(_thing("wood", where))
        self.placed: list[tuple[str, np.ndarray]] = []

    def _respawn(self, teleport: bool) -> None:
        """The player at spawn (``/kill`` drops the inventory; a respawn has full life and food), spread
        within :data:`FAST_RESET_RANGE` blocks on each axis by ``/spreadplayers``, starting items given."""
        self.pos = self.spawn.copy()
        if teleport:
            self.pos += self.rng.integers(-FAST_RESET_RANGE, FAST_RESET_RANGE + 1, size=3) * [1, 0, 1]
        self.yaw, self.pitch, self.life, self.food = 0.0, 0.0, MAX_LIFE, MAX_FOOD
        self.slots = [["air", 0] for _ in range(N_INV_SLOTS)]
        for item in self.inventory_items:
            self.slots[item.slot] = [item.name, item.quantity or 1]

    def _act(self, a: list[int]) -> None:
        centre = (self.action_space.nvec[3] - 1) // 2
        self.yaw = (self.yaw + (a[4] - centre) * self.cam_interval + 180) % 360 - 180
        self.pitch = float(np.clip(self.pitch + (a[3] - centre) * self.cam_interval, -90, 90))
        if a[0]:
            self.pos += self._heading(0 if a[0] == 1 else 180) * STRIDE
        if a[1]:
            self.pos += self._heading(-90 if a[1] == 1 else 90) * STRIDE
        if any(t["name"] == "lava" and self._relative(t)[0] < 1.5 for t in self.things):
            self.life = max(0.0, self.life - LAVA_DAMAGE)
        function, held = a[5], self.slots[0][0]
        if function == 3:
            self._attack()
        elif function == 1:
            self._use(held)
        elif function == 2 and held != "air":
            self._take_from(self.slots[0], 1)
        elif function == 4:
            self._craft(next((i for i, k in CRAFT_SMELT_INDEX.items() if k == a[6]), None))
        elif function == 5:
            self.slots[0], self.slots[a[7]] = self.slots[a[7]], self.slots[0]
        elif function == 6 and self.slots[a[7]][0] in PLACEABLE:
            self.placed.append((self.slots[a[7]][0], self.pos + self._heading(0)))
            self._take_from(self.slots[a[7]], 1)
        elif function == 7:
            self.slots[a[7]] = ["air", 0]

    def _attack(self) -> None:
        thing = self._in_crosshair()
        if thing is None or thing["name"] == "lava":
            return
        thing["hits"] += 1
        if thing["name"] == "wood" and thing["hits"] >= BREAK_STEPS:
            self._give("log", 1)
            thing["hits"], thing["logs"] = 0, thing["logs"] - 1
            if thing["logs"] == 0:
                self.things.remove(thing)
        elif thing["kind"] == "entity" and thing["hits"] >= 2:
            self._give({"cow": "beef", "sheep": "mutton"}[thing["name"]], 1)
            self.things.remove(thing)

    def _use(self, held: str) -> None:
        thing = self._in_crosshair()
        if thing is None:
            return
        if thing["name"] == "cow" and held == "bucket":
            self.slots[0] = ["milk_bucket", 1]
        elif thing["name"] == "sheep" and held == "shears" and not thing.get("sheared"):
            thing["sheared"] = True
            self._give("wool", 1)

    def _craft(self, item: str | None) -> None:
        if item is not None and self._craftable(item):
            ingredients, made, _ = RECIPES[item]
            for name, count in ingredients.items():
                for slot in self.slots:
                    if slot[0] == name:
                        count -= self._take_from(slot, count)
            self._give(item, made)

    def _craftable(self, item: str) -> bool:
        ingredients, _, where = RECIPES[item]
        station = where == "hand" or self._near({"table": "crafting_table", "furnace": "furnace"}[where])
        return station and all(self._count(name) >= count for name, count in ingredients.items())

    def _near(self, block: str) -> bool:
        return any(name == block and np.hypot(*(at - self.pos)[[0, 2]]) <= REACH for name, at in self.placed)

    def _heading(self, offset: float) -> np.ndarray:
        yaw = math.radians(self.yaw + offset)
        return np.array([-math.sin(yaw), 0.0, math.cos(yaw)])

    @staticmethod
    def _from(origin: np.ndarray, bearing: float, distance: float) -> np.ndarray:
        yaw = math.radians(bearing)
        return origin + np.array([-math.sin(yaw), 0.0, math.cos(yaw)]) * distance

    def _relative(self, thing: dict[str, Any]) -> tuple[float, float]:
        """Distance to ``thing`` and degrees to turn right to face it."""
        delta = thing["pos"] - self.pos
        bearing = math.degrees(math.atan2(-delta[0], delta[2]))
        return float(np.hypot(delta[0], delta[2])), (bearing - self.yaw + 180) % 360 - 180

    def _in_crosshair(self) -> dict[str, Any] | None:
        for thing in self.things:
            distance, turn = self._relative(thing)
            if distance <= REACH and abs(turn) <= 15:
                return thing
        return None

    def _count(self, item: str) -> int:
        return sum(quantity for name, quantity in self.slots if name == item)

    def _give(self, item: str, count: int) -> None:
        slot = next((s for s in self.slots if s[0] == item), None) or next(
            s for s in self.slots if s[0] == "air"
        )
        slot[0], slot[1] = item, slot[1] + count

    @staticmethod
    def _take_from(slot: list[Any], count: int) -> int:
        used = min(count, slot[1])
        slot[1] -= used
        if slot[1] == 0:
            slot[0] = "air"
        return used

    def _raw_info(self) -> dict[str, Any]:
        """Malmo's JSON as ``MineDojoSim`` passes it on as ``info`` (the part its reward reads)."""
        return {"inventory": [{"name": name, "quantity": quantity} for name, quantity in self.slots]}

    # MineDojo's observations (handlers/agent/observations, ar_masks_wrapper, delta_inventory_wrapper).

    def _observe(self) -> dict[str, Any]:
        names = np.array([name.replace("_", " ") for name, _ in self.slots], dtype=np.str_)
        quantities = np.array([quantity for _, quantity in self.slots], dtype=np.float32)
        return {
            "rgb": np.full((3, self.height, self.width), int((self.yaw + 180) / 360 * 255), dtype=np.uint8),
            "inventory": _slots(names, quantities),
            "equipment": _slots(
                np.array([names[0], *["air"] * 5], dtype=np.str_), np.r_[quantities[:1], np.zeros(5)]
            ),
            "life_stats": {
                **{key: np.array([value], dtype=np.float32) for key, value in self._life().items()},
                "is_sleeping": np.array(0, dtype=np.int64),
            },
            "location_stats": self._location(),
            "nearby_tools": {
                "table": np.array(self._near("crafting_table"), dtype=bool),
                "furnace": np.array(self._near("furnace"), dtype=bool),
            },
            "damage_source": _DAMAGE_SOURCE,
            "voxels": _voxels(),
            "rays": self._lidar(),
            "masks": self._masks(names),
            "delta_inv": _DELTA_INV,
        }

    def _life(self) -> dict[str, float]:
        return {"life": self.life, "armor": 0.0, "food": self.food, "saturation": 5.0, "xp": 0.0,
                "oxygen": MAX_BREATH}  # fmt: skip

    def _location(self) -> dict[str, np.ndarray]:
        far = np.max(np.abs((self.pos - self.spawn)[[0, 2]])) > BIOME_RADIUS
        return {
            "sun_brightness": np.array([0.94], dtype=np.float32),
            "sky_light_level": np.array([0.71], dtype=np.float32),
            "light_level": np.array([15.0], dtype=np.float32),
            "can_see_sky": np.array(1, dtype=np.int64),
            "rainfall": np.array([0.4], dtype=np.float32),
            "temperature": np.array([0.8], dtype=np.float32),
            "is_raining": np.array(0, dtype=np.int64),
            "biome_id": np.array(BIOMES_MAP["river"] if far else self.biome, dtype=np.int64),
            "pitch": np.array([self.pitch], dtype=np.float32),
            "yaw": np.array([self.yaw], dtype=np.float32),
            "sea_level": np.array([63.0], dtype=np.float32),
            "pos": self.pos.astype(np.float32),
        }

    def _lidar(self) -> dict[str, np.ndarray]:
        n = len(self.rays)
        hits = {"block": ["air"] * n, "entity": ["null"] * n}
        distances = {kind: np.full(n, -1.0, dtype=np.float32) for kind in ("block", "entity")}
        ray_yaw = np.array([yaw for _, yaw, _ in self.rays], dtype=np.float32)
        ray_pitch = np.array([pitch for pitch, _, _ in self.rays], dtype=np.float32)
        for thing in self.things:
            distance, turn = self._relative(thing)
            kind = thing["kind"]
            # MineDojo's ray yaw has the opposite sign of a right turn (as Plan4MC notes)
            index = int(np.argmin(np.abs(np.rad2deg(ray_yaw) + turn) + np.abs(ray_pitch)))
            nearer = distances[kind][index] < 0 or distance < distances[kind][index]
            if abs(np.rad2deg(ray_yaw[index]) + turn) <= 5 and distance <= self.rays[index][2] and nearer:
                hits[kind][index] = thing["name"]
                distances[kind][index] = distance
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
        craft = np.zeros(N_CRAFT_SMELT_ITEMS, dtype=bool)
        for item, index in CRAFT_SMELT_INDEX.items():
            craft[index] = self._craftable(item)
        occupied = names != "air"
        placeable = np.array([name.replace(" ", "_") in PLACEABLE for name in names])
        return {
            "action_type": np.array(
                [True, True, occupied[0], True, craft.any(), occupied.any(), placeable.any(), occupied.any()]
            ),
            "action_arg": np.array([[0], [0], [0], [0], [1], [1], [1], [1]], dtype=bool),
            "equip": occupied.copy(),
            "place": placeable,
            "destroy": occupied.copy(),
            "craft_smelt": craft,
        }


def _thing(name: str, pos: np.ndarray) -> dict[str, Any]:
    """A tree (``"wood"``, :data:`LOGS_PER_TREE` logs), the lava pool or an animal at ``pos``."""
    kind = "entity" if name in ("cow", "sheep") else "block"
    return {"name": name, "kind": kind, "pos": pos, "hits": 0, "logs": LOGS_PER_TREE}


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
