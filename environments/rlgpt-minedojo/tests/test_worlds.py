"""One Minecraft per env and how episodes start in it (reset modes), on the stand-in (NOT MineDojo)."""

from __future__ import annotations

from typing import Any

import pytest
from rlgpt_minedojo.actions import ACTIONS
from rlgpt_minedojo.env import make_env

pytestmark = pytest.mark.usefixtures("on_standin")


def trunk_logs(sim: Any) -> list[int]:
    """Logs left in each tree of the stand-in's world (the world's state, not the player's view)."""
    return [thing["logs"] for thing in sim.things if thing["name"] == "wood"]


def test_new_seeds_reuse_the_one_minecraft() -> None:
    env = make_env(task="harvest_milk")
    env.reset(seed=5)
    sim = env._sim
    for seed in (6, 7, None):
        _, info = env.reset(seed=seed)
        assert env._sim is sim and not sim.closed
        assert info["world_seed"] == 5 and sim.kwargs["world_seed"] == "5"
    assert sim.resets == 4


def test_world_seed_fixes_the_world() -> None:
    first, second = make_env(task="harvest_log", world_seed=11), make_env(task="harvest_log", world_seed=11)
    _, a = first.reset(seed=1)
    _, b = second.reset(seed=2)
    assert a["world_seed"] == b["world_seed"] == 11 and a["position"] == b["position"]
    _, other = make_env(task="harvest_log").reset(seed=12)
    assert other["position"] != a["position"]  # another seed, another world


def test_a_seedless_first_reset_draws_the_world_seed() -> None:
    env = make_env(task="harvest_log")
    _, info = env.reset()
    assert isinstance(info["world_seed"], int) and env._sim.kwargs["world_seed"] == str(info["world_seed"])


def test_regenerate_starts_every_episode_in_the_fresh_world(attack_until_log: Any) -> None:
    env = make_env(task="harvest_log")
    assert env.reset_mode == "regenerate"
    _, _, _, _, chopped = attack_until_log(env, seed=3)
    assert sorted(trunk_logs(env._sim)) == [3, 4, 4] and chopped["inventory"] == {"log": 1}
    _, info = env.reset(seed=4)
    assert sorted(trunk_logs(env._sim)) == [4, 4, 4] and info["inventory"] == {}
    assert info["fast_reset"] is False and info["start_displacement"] == 0.0 and info["in_task_biome"] is True


def test_fast_reset_moves_the_player_in_the_changed_world(attack_until_log: Any) -> None:
    env = make_env(task="harvest_log", reset_mode="fast")
    _, _, _, _, chopped = attack_until_log(env, seed=3)
    assert chopped["fast_reset"] is False and chopped["start_displacement"] == 0.0
    starts, biomes = [], []
    for seed in range(4, 12):
        _, info = env.reset(seed=seed)
        assert info["fast_reset"] and info["inventory"] == {} and info["life"] == 20.0
        assert sorted(trunk_logs(env._sim)) == [3, 4, 4]  # the chopped trunk stays chopped
        starts.append(info["start_displacement"])
        biomes.append(info["in_task_biome"])
    assert max(starts) > 100 and all(0 < d <= 200 * 2**0.5 for d in starts)
    assert True in biomes and False in biomes  # the spread may leave the task's biome
    assert env._sim.resets == 9  # still the first Minecraft


def test_fast_reset_keeps_the_starting_items() -> None:
    env = make_env(task="craft_stone_pickaxe", reset_mode="fast")
    env.reset(seed=1)
    env.step(ACTIONS.index("forward"))
    _, info = env.reset(seed=2)
    assert info["fast_reset"] and info["inventory"] == {"wooden_pickaxe": 1} == info["start_inventory"]


def test_tasks_without_a_biome_reset_fast() -> None:
    env = make_env(task="obtain_diamond")
    assert env.reset_mode == "fast"
    env.reset(seed=1)
    assert env._sim.kwargs["fast_reset"] is True
    _, info = env.reset(seed=2)
    assert info["fast_reset"] and info["in_task_biome"] is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reset_mode": "slow"}, "unknown reset mode 'slow'"),
        ({"task": "obtain_diamond", "reset_mode": "regenerate"}, "has no biome .* use reset_mode='fast'"),
        ({"world_seed": "7"}, "world_seed must be an integer"),
    ],
)
def test_bad_reset_options_are_named(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_env(**{"task": "harvest_log", **kwargs})
