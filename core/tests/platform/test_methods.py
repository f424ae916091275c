"""Methods and agent structures as objects: what each built-in decides, and their one-line errors."""

from __future__ import annotations

import pytest
from rlgpt import AgentSpec, AgentStructure, Plan, PlanningContext
from rlgpt.agents.builtin import DefaultCoder, DefaultCritic, DefaultPlanner, OneAgent
from rlgpt.methods import PURE_CODE, PURE_RL, RL_GPT, TASK_SUCCESS
from rlgpt_example_plugin import SPEC as CORRIDOR

PLAN = Plan.model_validate({"subtasks": [
    {"name": "walk", "description": "walk", "method": "rl", "done_condition": "at the end",
     "coded_actions": [{"name": "run", "description": "run right"}]},
    {"name": "wait", "description": "wait", "method": "code", "done_condition": "waited"},
]})  # fmt: skip
CONTEXT = PlanningContext(CORRIDOR, CORRIDOR.tasks[0])


class FixedPlanner:
    def plan(self, context, tags):
        return PLAN


def test_rl_gpt_takes_the_planners_plan_codes_all_and_trains_the_rl_subtasks() -> None:
    plan = RL_GPT.plan(CONTEXT, FixedPlanner(), {})
    assert plan == PLAN
    assert [RL_GPT.codes(s) for s in plan.subtasks] == [True, True]
    assert [RL_GPT.trains(s) for s in plan.subtasks] == [True, False]


def test_pure_code_turns_every_subtask_into_code() -> None:
    plan = PURE_CODE.plan(CONTEXT, FixedPlanner(), {})
    assert [(s.method, s.coded_actions, s.primitives) for s in plan.subtasks] == [("code", [], [])] * 2
    assert not any(PURE_CODE.trains(s) for s in plan.subtasks)


def test_pure_rl_plans_the_whole_task_for_the_learner_without_agents() -> None:
    plan = PURE_RL.plan(CONTEXT, None, {})
    (only,) = plan.subtasks
    assert (only.method, only.done_condition, PURE_RL.uses_agents) == ("rl", TASK_SUCCESS, False)
    assert PURE_RL.trains(only) and not PURE_RL.codes(only)


def test_a_method_that_plans_needs_agents() -> None:
    with pytest.raises(ValueError, match="plans with a planner but uses no agents"):
        RL_GPT.plan(CONTEXT, None, {})


def test_structures_assemble_their_agents() -> None:
    classes = (DefaultPlanner, DefaultCoder, DefaultCritic)
    specs = [AgentSpec(cls.__name__, cls, "") for cls in classes]
    both = AgentStructure("both", "", critic=True).assemble(None, {}, *specs)
    assert (type(both.planner), type(both.coder), type(both.critic)) == classes
    assert AgentStructure("no critic", "", critic=False).assemble(None, {}, *specs).critic is None
    single = AgentStructure("solo", "", critic=False, combined=AgentSpec("one", OneAgent, ""))
    solo = single.assemble(None, {}, *specs)
    assert solo.planner is solo.coder and isinstance(solo.planner, OneAgent)


def test_a_combined_agent_must_plan_and_code() -> None:
    structure = AgentStructure("bad", "", combined=AgentSpec("planner only", DefaultPlanner, ""))
    with pytest.raises(TypeError, match=r"'bad': DefaultPlanner must implement both Planner .* and Coder"):
        structure.assemble(None, {}, *[AgentSpec("x", DefaultCoder, "")] * 3)
