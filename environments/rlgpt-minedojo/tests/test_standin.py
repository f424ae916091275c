"""The stand-in behaves as MineDojo's source says (standin.py lists the files), and the plugin's constants
agree with the stand-in's, which were copied from MineDojo independently of the plugin."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest
from rlgpt_minedojo.actions import ACTIONS, NOOP, NVEC, craft_vector, slot_vector, to_minedojo
from rlgpt_minedojo.items import CRAFT_SMELT_ITEMS, N_INV_SLOTS
from rlgpt_minedojo.sim import BIOME_IDS, make_kwargs
from rlgpt_minedojo.tasks import MINEDOJO_TASKS, RECIPES


def harvest(standin: ModuleType, task: str = "harvest_log", seed: int | None = 1, **extra: Any) -> Any:
    kwargs = make_kwargs(MINEDOJO_TASKS[task], seed, (16, 16), standin.InventoryItem) | extra
    return standin.make("harvest", **kwargs)


def test_the_plugin_constants_match_minedojos(standin: ModuleType) -> None:
    sim = harvest(standin)
    assert tuple(sim.action_space.nvec) == NVEC and tuple(sim.action_space.no_op()) == NOOP
    assert (len(CRAFT_SMELT_ITEMS), N_INV_SLOTS) == (standin.N_CRAFT_SMELT_ITEMS, standin.N_INV_SLOTS)
    assert {
        item: CRAFT_SMELT_ITEMS.index(item) for item in standin.CRAFT_SMELT_INDEX
    } == standin.CRAFT_SMELT_INDEX
    assert {name: standin.BIOMES_MAP[name] for name in BIOME_IDS} == BIOME_IDS
    assert {item: RECIPES[item] for item in standin.RECIPES} == standin.RECIPES


def test_arguments_are_checked_as_minedojo_checks_them(standin: ModuleType) -> None:
    with pytest.raises(TypeError, match="fast_reset_random_teleport_range"):
        harvest(standin, fast_reset_random_teleport_range=10)  # HarvestMeta does not take it
    with pytest.raises(AssertionError, match="Unknown biome name desert_hills"):
        harvest(standin, specified_biome="desert_hills")
    with pytest.raises(AssertionError, match="Unknown item golden_bucket"):
        harvest(standin, initial_inventory=[standin.InventoryItem(slot=0, name="golden_bucket")])
    with pytest.raises(AssertionError, match="invalid slot index 41"):
        harvest(standin, initial_inventory=[standin.InventoryItem(slot=41, name="bucket")])
    with pytest.raises(ValueError, match="Invalid task id"):
        standin.make("harvest_1_log", image_size=(16, 16))
    assert harvest(standin, cam_interval=30).action_space.nvec.tolist()[3:5] == [13, 13]


def test_actions_are_checked_as_minedojos_wrapper_checks_them(standin: ModuleType) -> None:
    sim = harvest(standin)
    sim.reset()
    with pytest.raises(AssertionError):
        sim.step([0, 0, 0, 12, 12, 0, 244, 0])
    for vector in (slot_vector("equip", 3), slot_vector("place", 0), slot_vector("destroy", 35)):
        with pytest.raises(ValueError, match="air, raise error with strict check"):
            sim.step(vector)


def test_worlds_follow_the_world_seed(standin: ModuleType) -> None:
    def start(seed: int) -> tuple[float, ...]:
        sim = harvest(standin, seed=seed)
        obs = sim.reset()
        return (*obs["location_stats"]["pos"].tolist(), *obs["rays"]["block_distance"].tolist())

    assert start(4) == start(4) and start(4) != start(5)


def test_crafting_takes_three_steps_and_returns_the_last_reward(standin: ModuleType) -> None:
    sim = harvest(standin, task="craft_stick")
    sim.reset()
    sim.slots[0] = ["planks", 2]
    steps = []
    sim._task_step = _recording(sim._task_step, steps)
    _, reward, done, info = sim.step(craft_vector("stick"))
    assert [r for _, r, _, _ in steps] == [4.0, 0.0, 0.0] and reward == 0.0 and done
    assert sim.is_successful and {"name": "stick", "quantity": 4} in info["inventory"]
    steps.clear()
    sim.step(to_minedojo(ACTIONS.index("attack")))
    assert len(steps) == 1


def _recording(step: Any, steps: list[Any]) -> Any:
    def record(action: Any) -> Any:
        steps.append(step(action))
        return steps[-1]

    return record


def test_failed_and_ended_steps(standin: ModuleType) -> None:
    sim = harvest(standin)
    sim.reset()
    sim.step(NOOP)
    sim.fail_in = 1
    obs, reward, done, info = sim.step(NOOP)
    assert done and reward == 0.0 and sim.is_terminated and obs is sim.prev_obs and info is sim.prev_info
    with pytest.raises(RuntimeError, match="Attempted to step an environment server with done=True"):
        sim.step(NOOP)
    with pytest.raises(RuntimeError, match="Attempted to step an environment server with done=True"):
        sim.reset()  # fast reset steps the ended bridge with its commands


def test_fast_reset_spreads_the_player(standin: ModuleType) -> None:
    sim = harvest(standin)
    first = sim.reset()["location_stats"]["pos"]
    sim.step(to_minedojo(ACTIONS.index("forward")))
    moved = [np.abs(sim.reset()["location_stats"]["pos"] - first) for _ in range(10)]
    assert all(d[1] == 0 and d[0] <= 200 and d[2] <= 200 for d in moved) and max(d.max() for d in moved) > 100


def test_without_fast_reset_the_biome_world_is_generated_again(standin: ModuleType) -> None:
    sim = harvest(standin, fast_reset=False)
    first = sim.reset()
    sim.step(to_minedojo(ACTIONS.index("forward")))
    sim.things.clear()
    again = sim.reset()
    assert np.array_equal(again["location_stats"]["pos"], first["location_stats"]["pos"])
    assert sim.things and np.array_equal(again["rays"]["block_name"], first["rays"]["block_name"])
