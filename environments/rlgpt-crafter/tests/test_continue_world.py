"""``continue_world``: unseeded resets after a survived episode keep the world, with a fresh player."""

from __future__ import annotations

import numpy as np
import pytest
from crafter import objects
from rlgpt_crafter import ACTIONS, make_env
from rlgpt_crafter.env import CrafterEnv


def play(env: CrafterEnv, steps: int, seed: int = 0) -> None:
    """Random actions until ``steps`` are taken or the episode ends."""
    for action in np.random.default_rng(seed).integers(0, len(ACTIONS), steps):
        _, _, terminated, truncated, _ = env.step(int(action))
        if terminated or truncated:
            return


def creatures(env: CrafterEnv) -> list[tuple[str, int, int]]:
    """Every non-player object by kind and position, in the world's order."""
    return [
        (type(obj).__name__, *map(int, obj.pos))
        for obj in env._engine._world.objects
        if not isinstance(obj, objects.Player)
    ]


def test_an_unseeded_reset_continues_the_world_with_a_fresh_player() -> None:
    env = make_env(continue_world=True, max_episode_steps=10_000)
    env.reset(seed=4)
    play(env, 100)
    engine = env._engine
    assert engine.player.health > 0
    materials, beings, position = engine._world._mat_map.copy(), creatures(env), engine.player.pos.copy()
    old_player = engine.player
    _, info = env.reset()
    assert np.array_equal(engine._world._mat_map, materials)
    assert creatures(env) == beings
    assert info["player_pos"] == tuple(map(int, position)) and info["step"] == 0
    assert engine.player is not old_player and engine._world._objects[1] is engine.player
    assert info["inventory"] == make_env().reset(seed=0)[1]["inventory"]
    assert not any(info["achievements"].values())
    hunters = [obj for obj in engine._world.objects if hasattr(obj, "player")]
    assert all(obj.player is engine.player for obj in hunters)
    play(env, 300, seed=1)  # the continued game runs (creatures chase the new player)


def test_continuing_is_off_by_default() -> None:
    env = make_env(max_episode_steps=10_000)
    env.reset(seed=4)
    play(env, 150)
    materials = env._engine._world._mat_map.copy()
    _, info = env.reset()
    assert info["player_pos"] == (32, 32)
    assert not np.array_equal(env._engine._world._mat_map, materials)


def test_a_seeded_reset_generates_that_seeds_world() -> None:
    continuing, plain = make_env(continue_world=True), make_env()
    continuing.reset(seed=2)
    play(continuing, 50)
    obs, info = continuing.reset(seed=9)
    expected_obs, expected_info = plain.reset(seed=9)
    assert np.array_equal(obs, expected_obs) and info["player_pos"] == expected_info["player_pos"]
    assert np.array_equal(continuing._engine._world._mat_map, plain._engine._world._mat_map)


def test_a_dead_player_gets_a_new_world() -> None:
    env = make_env(continue_world=True, max_episode_steps=10_000)
    env.reset(seed=4)
    play(env, 20)
    env._engine.player.health = 0
    _, _, terminated, _, info = env.step(0)
    assert terminated and info["discount"] == 0.0
    materials = env._engine._world._mat_map.copy()
    _, info = env.reset()
    assert info["player_pos"] == (32, 32) and info["health"] == 9
    assert not np.array_equal(env._engine._world._mat_map, materials)


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_continue_world_must_be_a_boolean(value: object) -> None:
    with pytest.raises(ValueError, match="continue_world must be true or false"):
        make_env(continue_world=value)
