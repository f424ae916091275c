"""Tasks, registration through the plugin hook, and the critic's description."""

from __future__ import annotations

import pickle
from importlib.metadata import entry_points
from pathlib import Path

import pluggy
import pytest
import rlgpt.hookspecs
from crafter import constants
from rlgpt_crafter import TASKS, describe, make_env
from rlgpt_crafter import plugin as crafter_plugin
from rlgpt_crafter.tasks import depth


def test_every_achievement_is_a_task_plus_obtain_diamond_survive_and_open_game() -> None:
    assert list(TASKS) == [*constants.achievements, "obtain_diamond", "survive", "open_game"]
    assert len(TASKS) == 25


@pytest.mark.parametrize(
    ("task", "phrases"),
    [
        (
            "make_wood_pickaxe",
            ["Obtain a wood pickaxe", "face tree", "2 wood", "1 wood and stand next to a table"],
        ),
        ("collect_iron", ["with a stone pickaxe", "with a wood pickaxe", "1 wood and 1 stone"]),
        ("make_iron_pickaxe", ["4 stone", "1 wood and 1 coal and 1 iron", "a table and a furnace"]),
        ("collect_sapling", ["face grass", "10% chance"]),
        ("eat_plant", ["1 sapling", "ripens"]),
        ("obtain_diamond", ["whole technology tree", "with an iron pickaxe", "lava"]),
    ],
)
def test_instructions_carry_the_recipes(task: str, phrases: list[str]) -> None:
    for phrase in phrases:
        assert phrase in TASKS[task].instruction


def test_recipe_steps_come_prerequisites_first() -> None:
    text = TASKS["make_stone_pickaxe"].instruction
    order = [
        "To collect wood",
        "To place a table",
        "To make a wood pickaxe",
        "To collect stone",
        "To make a stone",
    ]
    positions = [text.index(step) for step in order]
    assert positions == sorted(positions)


def test_budgets_grow_with_depth() -> None:
    assert [depth(t) for t in ("collect_wood", "place_table", "make_wood_pickaxe", "collect_stone")] == [
        1,
        2,
        3,
        4,
    ]
    assert depth("collect_iron") == 6 and depth("make_iron_pickaxe") == 7 and depth("collect_diamond") == 8
    chain = ["collect_wood", "place_table", "make_wood_pickaxe", "collect_iron", "collect_diamond"]
    budgets = [TASKS[t].max_episode_steps for t in chain]
    assert budgets == sorted(budgets) and budgets[0] == 250
    assert TASKS["obtain_diamond"].max_episode_steps == 10_000 > TASKS["collect_diamond"].max_episode_steps


def test_success_reads_the_achievement_count() -> None:
    _, info = make_env().reset(seed=0)
    success = TASKS["collect_wood"].success
    assert success(info) is False
    info["achievements"]["collect_wood"] = 1
    assert success(info) is True
    assert TASKS["obtain_diamond"].success({"achievements": {"collect_diamond": 2}}) is True
    assert success({}) is False
    assert pickle.loads(pickle.dumps(success)) == success  # subprocess vector envs pickle predicates


def test_plugin_registers_the_spec_through_the_hook() -> None:
    manager = pluggy.PluginManager(rlgpt.hookspecs.PROJECT_NAME)
    manager.add_hookspecs(rlgpt.hookspecs)
    manager.register(crafter_plugin)
    registered = []
    manager.hook.register_environments(register=registered.append)
    spec, basic = registered
    assert basic.name == "crafter-basic" and basic.tasks == spec.tasks
    assert spec.name == "crafter" and spec.observation_modes == ("symbolic", "pixels")
    assert spec.primitive_actions == tuple(constants.actions) and len(spec.primitive_actions) == 17
    assert spec.task("make_wood_pickaxe") is TASKS["make_wood_pickaxe"]
    env = spec.make(task="collect_wood", obs_mode="pixels")
    assert env.observation_space.shape == (64, 64, 3)


def test_entry_point_is_declared() -> None:
    (entry,) = [e for e in entry_points(group="rlgpt") if e.name == "crafter"]
    assert entry.load() is crafter_plugin


def test_describe_names_what_the_critic_needs() -> None:
    env = make_env(task="collect_wood")
    obs, info = env.reset(seed=2)
    text = describe(obs, info)
    lines = text.splitlines()
    assert lines[0] == "position (32, 32), facing down at grass, day"
    assert lines[1] == "health 9/9, food 9/9, drink 9/9, energy 9/9"
    assert lines[2] == "inventory: empty"
    assert lines[3].startswith("visible (count, nearest offset dx,dy): grass ") and "tree " in lines[3]
    assert lines[4] == "achievements (0/22): none"
    assert lines[5] == "task collect_wood: not done"
    info = {**info, "inventory": {**info["inventory"], "wood": 2}, "sleeping": True, "daylight": 0.2}
    info["achievements"] = {**info["achievements"], "collect_wood": 1}
    text = describe(None, info)
    assert "night, asleep" in text and "inventory: wood 2" in text and "(1/22): collect_wood" in text


def test_readme_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    example = readme.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(example, "README.md", "exec"), {})
    assert capsys.readouterr().out.rstrip().endswith("task collect_wood: done")
