"""Coded actions with preconditions: the action mask, and masked choices that never run."""

from __future__ import annotations

import numpy as np
import pytest
from rlgpt.envs import CodedActions, LearnedPolicy
from rlgpt_testenv.env import make_env
from rlgpt_testenv.skills import GridcraftSkills


def chop(api):
    api.chop()


def can_chop(api):
    return api.next_to_tree()


def walk_left(api):
    api.move("left")


def broken(api):
    raise KeyError("no such thing")


def masked_env(**preconditions):
    programs = {"chop": chop, "walk_left": walk_left}
    return CodedActions(make_env("collect_wood"), GridcraftSkills, programs, preconditions=preconditions)


def test_mask_follows_the_precondition_and_primitives_stay_allowed():
    env = masked_env(chop=can_chop)
    _, info = env.reset(seed=3)
    assert env.masked and info["tree_offset"] != (0, 0)
    mask = env.action_masks()
    assert mask.dtype == bool and mask.shape == (env.action_space.n,)
    assert mask[:8].all(), "primitives are always allowed"
    assert not mask[8], "not next to the tree: chop cannot apply"
    assert mask[9], "an action without a precondition is always allowed"


def test_masked_choice_does_not_run_and_repeats_end_as_stuck():
    env = masked_env(chop=can_chop)
    env.reset(seed=3)
    for _ in range(7):
        _, reward, terminated, truncated, info = env.step(8)
        assert info["macro_masked"] and not info["macro_applied"] and info["macro_steps"] == 0
        assert (reward, terminated, truncated) == (0.0, False, False)
    *_, truncated, info = env.step(8)
    assert truncated and info["stuck"]


def test_broken_precondition_masks_its_action_and_unknown_names_are_refused():
    env = masked_env(walk_left=broken)
    env.reset(seed=0)
    assert not env.action_masks()[9]
    with pytest.raises(ValueError, match="name no coded action"):
        masked_env(chop_tree=can_chop)
    plain = CodedActions(make_env(), GridcraftSkills, {"chop": chop})
    plain.reset(seed=0)
    assert not plain.masked and plain.action_masks().all()


def test_learned_policy_passes_masks_so_it_never_picks_a_masked_action():
    seen: list[np.ndarray] = []

    def predict(obs, action_masks):
        seen.append(action_masks)
        allowed = np.flatnonzero(action_masks)
        return int(allowed[-1])  # the last allowed action: the coded chop only where it applies

    policy = LearnedPolicy(
        "wood",
        predict,
        lambda env: CodedActions(env, GridcraftSkills, {"chop": chop}, preconditions={"chop": can_chop}),
        lambda api: api.inventory()["wood"] >= 1,
        GridcraftSkills,
        max_steps=30,
    )
    env = make_env("collect_wood")
    obs, info = env.reset(seed=3)
    result = policy.run(env, obs, info)
    assert seen and not seen[0][8], "at the start the tree is not next to the player"
    assert result.outcome.macro_failures == {}, "no masked or failing macro was chosen"
