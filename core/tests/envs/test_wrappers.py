"""The wrappers on gridcraft: macro steps, sub-task chains, done conditions, shaping."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from rlgpt.envs import CodedActions, CodePolicy, DoneCondition, ShapedReward, SubtaskChain, run_chain
from rlgpt_testenv.env import make_env
from rlgpt_testenv.skills import GridcraftSkills


def go_to_tree(api):
    """Walk until next to the tree."""
    while not api.next_to_tree():
        dx, dy = api.tree_offset()
        if abs(dx) > 1 or (abs(dx) == 1 and dy != 0):
            api.move("right" if dx > 0 else "left")
        else:
            api.move("down" if dy > 0 else "up")


def chop_wood(api):
    go_to_tree(api)
    api.chop()


def has_wood(api):
    return api.inventory()["wood"] >= 1


def never(api):
    return False


def test_coded_action_is_one_macro_step_with_summed_reward():
    env = CodedActions(make_env("collect_wood"), GridcraftSkills, {"chop_wood": chop_wood})
    assert env.action_space == gym.spaces.Discrete(9)
    _, info = env.reset(seed=3)
    distance = abs(info["tree_offset"][0]) + abs(info["tree_offset"][1])
    _obs, reward, terminated, _truncated, info = env.step(8)
    assert info["macro"] == "chop_wood" and info["macro_applied"]
    assert info["macro_steps"] == distance  # distance-1 moves and one chop
    assert reward == 1.0 and terminated and info["is_success"]


def test_kept_primitives_shrink_the_space_and_map_indices():
    env = CodedActions(make_env(), GridcraftSkills, {"go": go_to_tree}, keep_primitives=[5, 6])
    env.reset(seed=0)
    assert env.action_space.n == 3
    assert env.action_names() == ["primitive:5", "primitive:6", "go"]
    assert [env.choice_name(action) for action in range(3)] == env.action_names()
    names = [f"p{i}" for i in range(8)]
    assert [env.choice_name(action, names) for action in range(3)] == ["p5", "p6", "go"]
    with pytest.raises(ValueError, match="outside"):
        CodedActions(make_env(), GridcraftSkills, {}, keep_primitives=[99])


def test_macro_that_raises_reports_the_error_and_the_episode_goes_on():
    def broken(api):
        api.move("left")
        raise KeyError("wodo")

    env = CodedActions(make_env(), GridcraftSkills, {"broken": broken})
    env.reset(seed=0)
    _, _, terminated, truncated, info = env.step(8)
    assert "KeyError" in info["macro_error"] and not info["macro_applied"]
    assert info["macro_steps"] == 1 and not (terminated or truncated)


def test_step_budget_ends_a_macro_and_idle_macros_truncate_as_stuck():
    def wander(api):
        while True:
            api.move("left")
            api.move("right")

    def nothing(api):
        return False

    env = CodedActions(
        make_env(),
        GridcraftSkills,
        {"wander": wander, "nothing": nothing},
        macro_step_budget=7,
        max_idle_macros=3,
    )
    env.reset(seed=0)
    assert env.step(8)[4]["macro_steps"] == 7
    for _ in range(2):
        _, _, _, truncated, info = env.step(9)
        assert not truncated and not info["macro_applied"]
    _, _, _, truncated, info = env.step(9)
    assert truncated and info["stuck"]


def test_wrapped_env_passes_check_env():
    env = CodedActions(make_env("make_plank"), GridcraftSkills, {"chop": chop_wood}, keep_primitives=[5, 6])
    check_env(DoneCondition(env, has_wood, GridcraftSkills, max_steps=30), skip_render_check=True)


def test_chain_runs_code_subtasks_in_order_and_reports_outcomes():
    env = make_env("make_plank")
    policies = [
        CodePolicy("chop", chop_wood, has_wood, GridcraftSkills, max_steps=30),
        CodePolicy(
            "craft",
            lambda api: api.craft_plank(),
            lambda api: api.inventory()["plank"] >= 1,
            GridcraftSkills,
            max_steps=5,
        ),
    ]
    obs, info = env.reset(seed=1)
    result = run_chain(env, policies, obs, info)
    assert [o.stop for o in result.outcomes] == ["done", "done"]
    assert result.info["is_success"] and result.completed
    assert result.steps == result.info["steps"]


def test_chain_stops_at_a_failing_subtask_and_names_the_reason():
    env = make_env("make_plank")
    obs, info = env.reset(seed=1)
    policies = [
        CodePolicy("spin", lambda api: None, never, GridcraftSkills, max_steps=10),
        CodePolicy("never_run", chop_wood, has_wood, GridcraftSkills, max_steps=10),
    ]
    result = run_chain(env, policies, obs, info)
    assert [o.stop for o in result.outcomes] == ["stuck"]

    def raises(api):
        api.move("up")
        return 1 / 0

    obs, info = env.reset(seed=1)
    result = run_chain(env, [CodePolicy("bad", raises, never, GridcraftSkills, max_steps=10)], obs, info)
    assert result.outcomes[0].stop == "error" and "ZeroDivisionError" in result.outcomes[0].error


def test_subtask_chain_resets_into_the_prefix_end_state_and_charges_its_steps():
    prefix = [CodePolicy("chop", chop_wood, has_wood, GridcraftSkills, max_steps=30)]
    inner = DoneCondition(
        SubtaskChain(make_env("make_plank"), prefix),
        lambda api: api.inventory()["plank"] >= 1,
        GridcraftSkills,
        max_steps=10,
    )
    env = CodedActions(inner, GridcraftSkills, {"chop_wood": chop_wood}, keep_primitives=[6])
    _obs, info = env.reset(seed=5)
    assert info["inventory"]["wood"] == 1 and info["prefix"] == ["chop"]
    _, reward, terminated, _, info = env.step(0)  # craft_plank
    assert terminated and info["is_success"] and reward == pytest.approx(2.0)  # plank unlock + bonus
    assert info["macro_steps"] == info["steps"]  # the prefix's steps are charged to the first step


def test_shaped_reward_is_added_and_clipped_and_errors_are_reported():
    env = ShapedReward(make_env(), lambda api: -5.0 * api.tree_offset()[0] ** 2, GridcraftSkills)
    env.reset(seed=0)
    assert env.step(0)[1] == -1.0
    broken = ShapedReward(make_env(), lambda api: api.nope(), GridcraftSkills)
    broken.reset(seed=0)
    _, reward, *_, info = broken.step(0)
    assert reward == 0.0 and "AttributeError" in info["reward_error"]


def test_continuous_actions_become_parameterised_primitives():
    class Reach(gym.Env):
        action_space = gym.spaces.Box(-1, 1, (2,), np.float32)
        observation_space = gym.spaces.Box(-10, 10, (2,), np.float32)

        def reset(self, *, seed=None, options=None):
            self.pos = np.zeros(2, np.float32)
            return self.pos.copy(), {}

        def step(self, action):
            self.pos = self.pos + np.asarray(action, np.float32)
            return self.pos.copy(), 0.0, False, False, {}

    from rlgpt import SkillAPI

    calls = []

    def push_twice(api, params):
        calls.append(np.asarray(params).copy())
        api.act(params)
        api.act(params)

    env = CodedActions(Reach(), SkillAPI, {"push_twice": push_twice})
    assert env.action_space.shape == (4,)
    assert env.choice_name(np.array([0.5, 0.0, -1.0, 1.0])) == "push_twice"
    assert env.choice_name(np.array([0.5, 0.0, 0.2, 0.1])) == "primitive"
    env.reset()
    obs, *_, info = env.step(np.array([0.5, 0.0, -1.0, 1.0], np.float32))
    assert info["macro"] == "push_twice" and info["macro_steps"] == 2
    np.testing.assert_allclose(obs, [1.0, 0.0])
    obs, *_, info = env.step(np.array([0.25, 0.25, 1.0, -1.0], np.float32))
    assert info["macro"] is None and info["macro_steps"] == 1
    np.testing.assert_allclose(obs, [1.25, 0.25])


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), np.float32("nan"), 10**400])
def test_a_reward_that_is_not_a_finite_number_adds_nothing_and_is_reported(value):
    env = ShapedReward(make_env(), lambda api: value, GridcraftSkills)
    env.reset(seed=0)
    _, reward, *_, info = env.step(0)
    assert reward == 0.0 and info["reward_error"]


@pytest.mark.parametrize(("value", "clipped"), [(1e300, 1.0), (-(10**300), -1.0), (0.25, 0.25), (True, 1.0)])
def test_finite_rewards_are_clipped_without_error(value, clipped):
    env = ShapedReward(make_env(), lambda api: value, GridcraftSkills)
    env.reset(seed=0)
    _, reward, *_, info = env.step(0)
    assert reward == clipped and "reward_error" not in info


def test_checks_that_try_to_act_count_as_errors_instead_of_ending_the_run():
    acting = ShapedReward(make_env(), lambda api: api.move("left"), GridcraftSkills)
    acting.reset(seed=0)
    assert "ReadOnlySkills" in acting.step(0)[4]["reward_error"]
    goal = DoneCondition(make_env(), lambda api: api.move("left"), GridcraftSkills, max_steps=5)
    goal.reset(seed=0)
    _, _, terminated, _, info = goal.step(0)
    assert not terminated and "ReadOnlySkills" in info["done_error"]


def distance_to_tree(api):
    dx, dy = api.tree_offset()
    return -0.1 * (abs(dx) + abs(dy))


def test_potential_shaping_pays_the_change_so_standing_still_earns_nothing():
    """A per-step bonus pays for every step spent in a state the shaping likes; as a potential the same
    function pays only its change, so an episode earns reward(end) - reward(start) whatever it did between."""
    bonus = ShapedReward(make_env(), distance_to_tree, GridcraftSkills)
    potential = ShapedReward(make_env(), distance_to_tree, GridcraftSkills, mode="potential")
    _, info = bonus.reset(seed=0)
    potential.reset(seed=0)
    start = -0.1 * sum(abs(d) for d in info["tree_offset"])
    steps = [0, 0, 0, 2, 4, 1, 0, 0, 3]  # noops stand still; moves change the distance
    paid_bonus, paid_potential = [], []
    for action in steps:
        paid_bonus.append(bonus.step(action)[1])
        _, reward, *_, info = potential.step(action)
        paid_potential.append(reward)
    end = -0.1 * sum(abs(d) for d in info["tree_offset"])
    assert paid_bonus[:3] == [start] * 3, "the bonus pays the standing state every step"
    assert paid_potential[:3] == [0.0] * 3, "the potential pays nothing for standing still"
    assert sum(paid_potential) == pytest.approx(end - start)


def test_an_unknown_shaping_mode_is_refused():
    with pytest.raises(ValueError, match="choose one of bonus, potential"):
        ShapedReward(make_env(), distance_to_tree, GridcraftSkills, mode="difference")
