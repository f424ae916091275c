"""Skill levels, reward modes, the survival and open-game tasks and the Crafter score."""

from __future__ import annotations

import math

import pytest
from rlgpt import SkillAPI
from rlgpt.skills import Actuator, skill_names
from rlgpt_crafter import CrafterBasicSkills, CrafterSkills, crafter_score, make_env
from rlgpt_crafter.plugin import BASIC_SPEC, SPEC
from rlgpt_crafter.tasks import ACHIEVEMENTS, TASKS


def test_basic_skills_have_no_path_finding_and_full_skills_add_it() -> None:
    basic, full = set(skill_names(CrafterBasicSkills)), set(skill_names(CrafterSkills))
    assert {"step_towards", "explore"}.isdisjoint(basic)
    assert full - basic == {"step_towards", "explore"}
    assert {"move", "do", "nearest", "can_make", "make", "place", "vitals"} <= basic
    assert (SPEC.name, SPEC.skill_api, BASIC_SPEC.name, BASIC_SPEC.skill_api) == (
        "crafter",
        CrafterSkills,
        "crafter-basic",
        CrafterBasicSkills,
    )
    assert issubclass(CrafterBasicSkills, SkillAPI)


def test_task_reward_mode_pays_nothing_and_achievements_mode_pays_crafter_reward() -> None:
    rewards = {}
    for mode in ("achievements", "task"):
        env = make_env(reward=mode)
        obs, info = env.reset(seed=1)
        actuator = Actuator(env.step, obs, info, budget=300)
        api = CrafterSkills(actuator)
        while api.inventory()["wood"] < 1 and not api.episode_over:
            tree = api.nearest("tree")
            if tree is None:
                api.explore()
            elif api.step_towards(tree):
                api.do()
        assert api.inventory()["wood"] == 1
        rewards[mode] = actuator.reward
    assert rewards["achievements"] >= 0.5 and rewards["task"] == 0.0
    with pytest.raises(ValueError, match=r"unknown reward mode 'tasks'.*did you mean 'task'"):
        make_env(reward="tasks")
    assert all(t.env_kwargs == {"reward": "task"} for t in TASKS.values() if t.id != "open_game")
    assert TASKS["open_game"].env_kwargs == {}


def test_survive_succeeds_only_when_alive_at_its_step_count() -> None:
    task = TASKS["survive"]
    assert task.max_episode_steps == 300
    assert task.success({"step": 300, "health": 3})
    assert not task.success({"step": 299, "health": 9})
    assert not task.success({"step": 300, "health": 0})
    assert not TASKS["open_game"].success({"achievements": {name: 1 for name in ACHIEVEMENTS}})


def test_step_counter_in_info() -> None:
    env = make_env(task="survive")
    _, info = env.reset(seed=0)
    assert info["step"] == 0
    for expected in (1, 2):
        *_, info = env.step(0)
        assert info["step"] == expected


def test_crafter_score_is_the_geometric_mean_of_the_paper() -> None:
    assert crafter_score({}) == 0.0
    assert crafter_score({name: 1.0 for name in ACHIEVEMENTS}) == pytest.approx(100.0)
    one = crafter_score({"collect_wood": 0.5})
    assert one == pytest.approx(math.exp(math.log(51) / 22) - 1)
