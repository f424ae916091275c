"""The task table: ids, budgets, success from the inventory gain, instructions, minedojo.make arguments."""

from __future__ import annotations

import numpy as np
import pytest
from rlgpt_minedojo.sim import BIOME_IDS, LIDAR_RAYS, make_kwargs
from rlgpt_minedojo.tasks import DIAMOND_CHAIN, MINEDOJO_TASKS, TASKS, InventoryGain

EXPECTED = {
    "harvest_log": ("log", 2000),
    "craft_crafting_table": ("crafting_table", 3000),
    "craft_stick": ("stick", 3000),
    "craft_wooden_pickaxe": ("wooden_pickaxe", 3000),
    "craft_stone_pickaxe": ("stone_pickaxe", 10000),
    "harvest_milk": ("milk_bucket", 1000),
    "harvest_wool": ("wool", 1000),
    "harvest_beef": ("beef", 3000),
    "harvest_mutton": ("mutton", 3000),
    "craft_bed": ("bed", 10000),
    "obtain_diamond": ("diamond", 18000),
}


def test_task_table() -> None:
    assert list(TASKS) == list(EXPECTED)
    for task_id, (target, budget) in EXPECTED.items():
        task = MINEDOJO_TASKS[task_id]
        assert (task.target, task.quantity, task.max_steps) == (target, 1, budget)
        assert TASKS[task_id].max_episode_steps == budget
        assert TASKS[task_id].success == InventoryGain(target, 1)
    assert MINEDOJO_TASKS["obtain_diamond"].chain == DIAMOND_CHAIN
    assert DIAMOND_CHAIN[0] == "log" and DIAMOND_CHAIN[-1] == "diamond"


def test_success_is_the_gain_since_the_start() -> None:
    success = InventoryGain("log", 2)
    assert not success({"inventory": {"log": 3}, "start_inventory": {"log": 2}})
    assert success({"inventory": {"log": 4}, "start_inventory": {"log": 2}})
    assert success({"inventory": {"log": 2}, "start_inventory": {}})
    assert not success({})
    assert isinstance(success({"inventory": {"log": 2}}), bool)


def test_instructions_walk_the_recipes() -> None:
    text = TASKS["craft_wooden_pickaxe"].instruction
    steps = ["pick up the log", "Craft 4 planks from 1 log", "Craft 1 crafting table from 4 planks"]
    steps.append("Craft 1 wooden pickaxe from 3 planks and 2 sticks with a crafting table")
    positions = [text.index(step) for step in steps]
    assert positions == sorted(positions)
    stone = TASKS["craft_stone_pickaxe"].instruction
    assert "You start with 1 wooden pickaxe." in stone and "Craft 1 wooden pickaxe" not in stone
    assert "3 cows and 3 sheep start within 30 blocks" in TASKS["harvest_beef"].instruction
    diamond = TASKS["obtain_diamond"].instruction
    assert "Smelt 1 iron ingot from 1 iron ore with a furnace" in diamond
    assert diamond.index("iron pickaxe from 3 iron ingots") < diamond.index("mine diamond ore")


def test_make_kwargs_follow_minedojo_make(inventory_item: type) -> None:
    InventoryItem = inventory_item  # the stand-in's, with MineDojo's fields
    milk = make_kwargs(MINEDOJO_TASKS["harvest_milk"], 7, (160, 256), InventoryItem)
    assert milk["target_names"] == "milk_bucket" and milk["target_quantities"] == 1
    assert (milk["seed"], milk["world_seed"], milk["specified_biome"]) == (7, "7", "plains")
    assert milk["initial_inventory"] == [InventoryItem(slot=0, name="bucket", variant=None, quantity=1)]
    assert milk["initial_mobs"] == ["cow"]
    assert milk["initial_mob_spawn_range_low"] == (-10, 1, -10)
    assert milk["use_voxel"] and milk["voxel_size"] == dict(xmin=-1, ymin=-1, zmin=-1, xmax=1, ymax=1, zmax=1)
    assert milk["use_lidar"] and len(milk["lidar_rays"]) == 12 * 18
    assert LIDAR_RAYS[0] == pytest.approx((np.deg2rad(-30), np.deg2rad(-45), 99.0))
    diamond = make_kwargs(MINEDOJO_TASKS["obtain_diamond"], None, (64, 64), InventoryItem)
    assert not {"seed", "world_seed", "specified_biome", "initial_inventory", "initial_mobs"} & set(diamond)
    assert diamond["image_size"] == (64, 64) and diamond["fast_reset"] is True
    regenerating = make_kwargs(MINEDOJO_TASKS["harvest_log"], 1, (64, 64), InventoryItem, fast_reset=False)
    assert regenerating["fast_reset"] is False


def test_task_biomes_have_minedojo_ids() -> None:
    biomes = {task.biome for task in MINEDOJO_TASKS.values()} - {None}
    assert biomes == set(BIOME_IDS) and BIOME_IDS == {"plains": 1, "forest": 4, "forest_hills": 18}
