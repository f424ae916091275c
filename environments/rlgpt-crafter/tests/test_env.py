"""CrafterEnv: spaces, episode ends, info hygiene, observation modes and argument errors."""

from __future__ import annotations

import crafter
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from rlgpt_crafter import ACTIONS, make_env
from rlgpt_crafter.engine import CLASS_NAMES
from rlgpt_crafter.observation import ITEMS, VITALS, split

SEED = 7


def random_actions(count: int, seed: int = 0) -> list[int]:
    """A fixed sequence of primitive action indices."""
    return [int(a) for a in np.random.default_rng(seed).integers(0, len(ACTIONS), count)]


def play(env, actions: list[int], seed: int = SEED, render: bool = False) -> list[dict]:
    """Reset with ``seed``, take ``actions`` (resetting after an episode ends) and return every info."""
    _, info = env.reset(seed=seed)
    infos = [info]
    for action in actions:
        _, _, terminated, truncated, info = env.step(action)
        if render:
            env.render()
        infos.append(info)
        if terminated or truncated:
            infos.append(env.reset()[1])
    return infos


def comparable(info: dict) -> dict:
    """An info dict with arrays turned into lists, so two can be compared with ``==``."""
    return {key: value.tolist() if isinstance(value, np.ndarray) else value for key, value in info.items()}


@pytest.mark.filterwarnings("ignore:.*alternative render modes")
@pytest.mark.parametrize("obs_mode", ["symbolic", "pixels"])
def test_check_env_with_rendering(obs_mode: str) -> None:
    env = make_env(task="collect_wood", obs_mode=obs_mode, render_mode="rgb_array")
    check_env(env, skip_render_check=False)
    env.reset(seed=SEED)
    frame = env.render()
    assert frame.shape == (64, 64, 3) and frame.dtype == np.uint8 and frame.any()


def test_info_has_the_documented_keys_and_no_world_map() -> None:
    _, info = make_env(task="place_table").reset(seed=SEED)
    assert set(info) == {
        "inventory", "achievements", *VITALS, "player_pos", "facing", "local_view",
        "sleeping", "daylight", "step", "discount", "is_success", "task",
    }  # fmt: skip
    assert "semantic" not in info
    assert set(info["inventory"]) == set(ITEMS) and len(info["achievements"]) == 22
    assert info["local_view"].shape == (7, 9)
    assert CLASS_NAMES[info["local_view"][3, 4]] == "player"
    assert info["player_pos"] == (32, 32) and info["facing"] == "down" and info["task"] == "place_table"


@pytest.mark.parametrize("obs_mode", ["symbolic", "pixels"])
def test_mutating_a_step_result_changes_nothing_later(obs_mode: str) -> None:
    actions = random_actions(12)
    mutated, untouched = make_env(obs_mode=obs_mode), make_env(obs_mode=obs_mode)
    mutated.reset(seed=SEED)
    untouched.reset(seed=SEED)
    for action in actions:
        obs, _, _, _, info = mutated.step(action)
        obs[:] = 0
        info["local_view"][:] = 0
        info["inventory"]["wood"] = 5
        info["achievements"]["collect_wood"] = 3
        untouched.step(action)
    obs, _, _, _, info = mutated.step(0)
    expected_obs, _, _, _, expected = untouched.step(0)
    assert np.array_equal(obs, expected_obs)
    assert comparable(info) == comparable(expected)
    assert info["inventory"]["wood"] == 0 and info["achievements"]["collect_wood"] == 0


def test_truncated_at_the_step_limit_and_not_before() -> None:
    env = make_env(task="collect_diamond", max_episode_steps=5)
    env.reset(seed=SEED)
    ends = [env.step(ACTIONS.index("noop"))[2:4] for _ in range(5)]
    assert ends == [(False, False)] * 4 + [(False, True)]


def test_task_budget_is_the_default_limit() -> None:
    assert make_env(task="collect_wood").max_episode_steps == 250
    assert make_env(task="obtain_diamond").max_episode_steps == 10_000
    assert make_env().max_episode_steps == 10_000


def test_terminated_on_death() -> None:
    env = make_env(task="collect_diamond")
    env.reset(seed=SEED)
    env.unwrapped._engine.player.health = 0
    _, reward, terminated, truncated, info = env.step(ACTIONS.index("noop"))
    assert terminated and not truncated
    assert info["discount"] == 0.0 and info["health"] == 0 and not info["is_success"]
    assert reward == pytest.approx(-0.9)


def seed_with_tree_to_the_left() -> tuple[int, int]:
    """A seed whose start has grass then a tree straight to the left, and the tree's distance."""
    tree, grass = CLASS_NAMES.index("tree"), CLASS_NAMES.index("grass")
    for seed in range(50):
        row = make_env().reset(seed=seed)[1]["local_view"][3, :4][::-1]
        for distance, cell in enumerate(row, start=1):
            if cell == tree:
                return seed, distance
            if cell != grass:
                break
    raise AssertionError("no seed in 0..49 starts with a tree straight to the left")


@pytest.mark.parametrize("task", ["collect_wood", None])
def test_success_terminates_only_with_a_task(task: str | None) -> None:
    seed, distance = seed_with_tree_to_the_left()
    env = make_env(task=task)
    env.reset(seed=seed)
    for _ in range(distance):  # walk next to the tree, then one more move only turns
        _, _, terminated, _, info = env.step(ACTIONS.index("move_left"))
        assert not terminated
    assert info["facing"] == "left"
    _, reward, terminated, truncated, info = env.step(ACTIONS.index("do"))
    assert info["inventory"]["wood"] == 1 and info["achievements"]["collect_wood"] == 1
    assert reward == 1.0 and not truncated
    assert terminated == info["is_success"] == (task is not None)


def test_symbolic_observation_agrees_with_info() -> None:
    env = make_env()
    obs, info = env.reset(seed=SEED)
    for action in random_actions(60):
        parts = split(obs)
        assert np.array_equal(parts["view"], info["local_view"])
        assert np.allclose(parts["inventory"] * 9, [info["inventory"][k] for k in ITEMS])
        assert np.allclose(parts["vitals"] * 9, [info[k] for k in VITALS])
        assert parts["facing"].tolist() == [
            float(d == info["facing"]) for d in ("left", "right", "up", "down")
        ]
        assert env.observation_space.contains(obs)
        obs, _, terminated, truncated, info = env.step(action)
        assert not (terminated or truncated)


def test_symbolic_mode_draws_no_image(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args, **kwargs):
        raise AssertionError("crafter drew an image")

    monkeypatch.setattr(crafter.Env, "render", forbidden)
    play(make_env(max_episode_steps=400), random_actions(400))  # past nightfall (step ~150)
    with pytest.raises(AssertionError, match="drew an image"):
        make_env(obs_mode="pixels").reset(seed=SEED)


def test_both_modes_play_the_same_game_through_the_night() -> None:
    actions = random_actions(320, seed=3)
    symbolic = play(make_env(obs_mode="symbolic", max_episode_steps=1000), actions)
    pixels = play(make_env(obs_mode="pixels", max_episode_steps=1000), actions)
    assert min(info["daylight"] for info in symbolic) < 0.5
    assert [comparable(i) for i in symbolic] == [comparable(i) for i in pixels]


def test_render_does_not_change_the_game() -> None:
    actions = random_actions(320, seed=2)
    plain = play(make_env(max_episode_steps=1000), actions)
    watched = play(make_env(max_episode_steps=1000, render_mode="rgb_array"), actions, render=True)
    assert [comparable(i) for i in plain] == [comparable(i) for i in watched]


def test_seed_decides_the_world_and_unseeded_resets_follow_it() -> None:
    env = make_env()
    worlds = [comparable(env.reset(seed=seed)[1])["local_view"] for seed in (1, 2, 1)]
    assert worlds[0] == worlds[2] and worlds[0] != worlds[1]
    again = make_env()
    again.reset(seed=1)
    assert comparable(env.reset()[1]) == comparable(again.reset()[1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"task": "make_wod"}, r"unknown task 'make_wod' \(tasks: collect_coal, .*did you mean 'make_wood_"),
        (
            {"obs_mode": "pixel"},
            r"unknown observation mode 'pixel' .*symbolic, pixels.*did you mean 'pixels'",
        ),
        ({"render_mode": "human"}, r"unknown render mode 'human' \(render modes: rgb_array\)"),
        ({"max_episode_steps": 0}, r"max_episode_steps must be a positive integer or None, got 0"),
        ({"area": (8, 8)}, r"area must be at least \(16, 16\)"),
        ({"area": "big"}, r"area must be two integers \(width, height\), got 'big'"),
        ({"size": (4, 4)}, r"size must be at least \(9, 9\), got \(4, 4\)"),
    ],
)
def test_bad_arguments_name_the_fix(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_env(**kwargs)


def test_bad_actions_and_step_before_reset() -> None:
    env = make_env()
    with pytest.raises(RuntimeError, match=r"call reset\(\) before step\(\)"):
        env.step(0)
    env.reset(seed=SEED)
    with pytest.raises(ValueError, match=r"action 17 is not an index 0..16 into \('noop', 'move_left'"):
        env.step(17)


def test_pixel_size_sets_the_observation_space() -> None:
    env = make_env(obs_mode="pixels", size=[96, 72])
    obs, _ = env.reset(seed=SEED)
    assert env.observation_space.shape == obs.shape == (72, 96, 3)


def test_small_world() -> None:
    env = make_env(area=(16, 16), task="collect_wood")
    env.reset(seed=SEED)
    for action in random_actions(50):
        env.step(action)
