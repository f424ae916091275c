"""The compact action space against MineDojo's MultiDiscrete([3, 3, 4, 25, 25, 8, 244, 36]), both ways."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from rlgpt_minedojo.actions import (
    ACTIONS,
    NOOP,
    NVEC,
    camera_vector,
    check_vector,
    craft_vector,
    describe_vector,
    empty_slot,
    from_minedojo,
    slot_vector,
    to_minedojo,
)
from rlgpt_minedojo.items import CRAFT_SMELT_ITEMS, HAND_CRAFT_ITEMS, SMELT_ITEMS, TABLE_CRAFT_ITEMS
from rlgpt_minedojo.sim import check_tables


def plan4mc_transform(act1: int, act2: int) -> list[int]:
    """Plan4MC's ``transform_action`` (envs/minecraft_hard_task.py), restated for comparison."""
    action = [0, 0, 0, 12, 12, 0, 0, 0]
    if 0 < act1 < 3:
        action[0] = act1
    elif 3 <= act1 < 5:
        action[1] = act1 - 2
    elif 5 <= act1 < 8:
        action[2] = act1 - 4
    elif act1 >= 8:
        action[{8: 3, 9: 3, 10: 4, 11: 4}[act1]] = {8: 10, 9: 14, 10: 10, 11: 14}[act1]
    action[5] = {0: 0, 1: 1, 2: 3}[act2]
    return action


def test_minedojo_space_and_tables() -> None:
    assert NVEC == (3, 3, 4, 25, 25, 8, 244, 36)
    assert NOOP == (0, 0, 0, 12, 12, 0, 0, 0)
    assert (len(HAND_CRAFT_ITEMS), len(TABLE_CRAFT_ITEMS), len(SMELT_ITEMS)) == (54, 170, 20)
    assert len(set(CRAFT_SMELT_ITEMS)) == 244
    # indices as MineDojo 0.1's mc.py computes them from its mc_constants.json
    expected = {
        "crafting_table": 7,
        "planks": 29,
        "stick": 41,
        "bed": 65,
        "furnace": 119,
        "iron_pickaxe": 146,
    }
    expected |= {"stone_pickaxe": 207, "wooden_pickaxe": 219, "iron_ingot": 239, "stone": 243}
    assert {item: CRAFT_SMELT_ITEMS.index(item) for item in expected} == expected


def test_compact_space_is_plan4mcs() -> None:
    assert len(ACTIONS) == 36 and len(set(ACTIONS)) == 36
    assert ACTIONS[:12] == (
        "noop", "forward", "back", "left", "right", "jump", "sneak", "sprint",
        "look_up", "look_down", "turn_left", "turn_right",
    )  # fmt: skip
    assert ACTIONS[12] == "use" and ACTIONS[24] == "attack" and ACTIONS[25] == "forward+attack"
    for index in range(36):
        function, movement = divmod(index, 12)
        assert to_minedojo(index).tolist() == plan4mc_transform(movement, function), ACTIONS[index]


def test_round_trip_both_ways() -> None:
    for index in range(len(ACTIONS)):
        vector = to_minedojo(index)
        assert vector.dtype == np.int64 and np.all(vector < np.array(NVEC))
        assert from_minedojo(vector) == index
    # craft/equip arguments are ignored when the functional action does not use them
    vector = to_minedojo(ACTIONS.index("forward+attack"))
    vector[6], vector[7] = 41, 3
    assert from_minedojo(vector) == ACTIONS.index("forward+attack")


@pytest.mark.parametrize(
    "vector",
    [
        craft_vector("planks"),
        slot_vector("equip", 3),
        [1, 1, 0, 12, 12, 0, 0, 0],  # forward and left at once
        [0, 0, 0, 11, 12, 0, 0, 0],  # a 15-degree look: the compact space turns by 30
        [0, 0, 0, 12, 12, 2, 0, 0],  # drop
    ],
)
def test_vectors_without_a_compact_action(vector: object) -> None:
    assert from_minedojo(vector) is None


def test_functional_vectors() -> None:
    craft = craft_vector("stick")
    assert craft[5] == 4 and CRAFT_SMELT_ITEMS[craft[6]] == "stick"
    assert slot_vector("place", 5)[[5, 7]].tolist() == [6, 5]
    assert slot_vector("equip", 0)[5] == 5
    assert camera_vector(-30, 95).tolist()[3:5] == [10, 18]
    assert camera_vector(400, -400).tolist()[3:5] == [24, 0]
    assert describe_vector(NOOP) == "no_op"
    assert describe_vector(craft) == "craft stick"
    assert describe_vector([1, 0, 1, 10, 12, 3, 0, 0]) == "forward, jump, camera pitch -30, attack"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: to_minedojo(36), "not an index 0..35"),
        (lambda: check_vector([0, 0, 0]), "a MineDojo action is 8 integers"),
        (lambda: check_vector([0.5] * 8), "a MineDojo action is 8 integers"),
        (lambda: check_vector([3, 0, 0, 12, 12, 0, 0, 0]), "outside MultiDiscrete"),
        (lambda: craft_vector("diamond_ore"), "cannot be crafted or smelted"),
        (lambda: slot_vector("use", 1), "slot actions are"),
        (lambda: slot_vector("equip", 36), "not in 0..35"),
    ],
)
def test_bad_actions_are_named(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_table_check_refuses_another_minedojo() -> None:
    def mc(items: tuple[str, ...], biomes: dict[str, int]) -> SimpleNamespace:
        return SimpleNamespace(ALL_CRAFT_SMELT_ITEMS=list(items), N_INV_SLOTS=36, BIOMES_MAP=biomes)

    biomes = {"plains": 1, "forest": 4, "forest_hills": 18, "desert": 2}
    check_tables(mc(CRAFT_SMELT_ITEMS, biomes))
    with pytest.raises(RuntimeError, match=r"differ from rlgpt_minedojo's \(243 items vs 244"):
        check_tables(mc(CRAFT_SMELT_ITEMS[:-1], biomes))
    with pytest.raises(RuntimeError, match="'forest_hills': None"):
        check_tables(mc(CRAFT_SMELT_ITEMS, {"plains": 1}))


def test_empty_slots_are_named() -> None:
    slots = ["stick", *["air"] * 35]
    assert empty_slot(slot_vector("equip", 0), slots) is None
    assert empty_slot(slot_vector("place", 1), slots) == "place slot 1 is empty"
    assert empty_slot(slot_vector("destroy", 35), slots) == "destroy slot 35 is empty"
    assert empty_slot(craft_vector("planks"), slots) is None  # MineDojo takes a craft without ingredients
    assert empty_slot(to_minedojo(ACTIONS.index("attack")), slots) is None


def test_tables_match_the_installed_minedojo() -> None:
    """Where MineDojo is installed: its own tables equal the copies here (skipped where it is not)."""
    check_tables(pytest.importorskip("minedojo.sim.mc_meta.mc"))
