"""Methods: what one variant of RL-GPT plans, codes and trains.

A run's ``method`` (config key) names a :class:`Method` registered through the
``register_methods`` hook. The loop runs every method through the same steps
(plan, code, train, evaluate, critique) and asks the method what each step does:
the plan of an iteration (:meth:`Method.plan`), which sub-tasks get a program
(:meth:`Method.codes`) and which are trained (:meth:`Method.trains`). The built-in
methods (``rl-gpt``, ``pure-rl``, ``pure-code``) register here like a plugin's would.
"""

from __future__ import annotations

from dataclasses import dataclass

from rlgpt.agents.base import Planner, PlanningContext, Tags
from rlgpt.agents.schemas import Plan, Subtask
from rlgpt.hookspecs import hookimpl

TASK_SUCCESS = "the task's own success predicate"
"""The done condition of a sub-task that ends when the whole task succeeds (no ``done`` code)."""


@dataclass(frozen=True)
class Method:
    """What is planned, coded and trained; the base class asks the planner and codes every sub-task.

    Subclass it and override what differs, then register an instance with
    ``register_methods``.

    :param name: id used in configs (``method = "rl-gpt"``).
    :param description: one line for ``rlgpt plugins``.
    :param uses_agents: whether LLM agents take part. A method without agents asks no LLM
        (no planner, coder or critic is built, and :meth:`plan` gets ``planner=None``), and its
        iterations have no fingerprint, so it never ends in a dead loop.
    :param continues_learning: whether a sub-task's learner starts each iteration from the
        checkpoint the previous iteration trained for it (one learner across iterations) instead
        of from scratch.
    """

    name: str
    description: str
    uses_agents: bool = True
    continues_learning: bool = False

    def plan(self, context: PlanningContext, planner: Planner | None, tags: Tags) -> Plan:
        """This iteration's plan: the planner's answer.

        :raises MalformedAnswer: (from the planner) no usable plan came back.
        """
        if planner is None:
            raise ValueError(f"method {self.name!r} plans with a planner but uses no agents")
        return planner.plan(context, tags)

    def codes(self, subtask: Subtask) -> bool:
        """Whether the coder writes a program for ``subtask`` (every one, when agents take part)."""
        return self.uses_agents

    def trains(self, subtask: Subtask) -> bool:
        """Whether the learner trains ``subtask`` (the ``rl`` ones)."""
        return subtask.method == "rl"


@dataclass(frozen=True)
class PureCode(Method):
    """The planner's decomposition, every sub-task solved by a program: nothing is trained."""

    def plan(self, context: PlanningContext, planner: Planner | None, tags: Tags) -> Plan:
        """The planner's plan with every sub-task turned into code."""
        plan = super().plan(context, planner, tags)
        update = {"method": "code", "coded_actions": [], "primitives": []}
        return plan.model_copy(update={"subtasks": [s.model_copy(update=update) for s in plan.subtasks]})


@dataclass(frozen=True)
class PureRL(Method):
    """The learner alone, on the primitive actions with the task's reward: no LLM, no code.

    One learner runs across iterations (each continues from the last checkpoint), so ``n``
    iterations of ``total_timesteps`` train one policy on ``n * total_timesteps`` steps.
    """

    uses_agents: bool = False
    continues_learning: bool = True

    def plan(self, context: PlanningContext, planner: Planner | None, tags: Tags) -> Plan:
        """One RL sub-task: the whole task, done when the task succeeds."""
        only = Subtask(
            name="task", description=context.task.instruction, method="rl", done_condition=TASK_SUCCESS
        )
        return Plan(subtasks=[only], rationale="pure RL: the learner on the primitive actions")


RL_GPT = Method("rl-gpt", "the planner picks code or RL per sub-task; coded actions join the RL action space")
PURE_RL = PureRL("pure-rl", "the learner on the primitive actions with the task reward; no LLM")
PURE_CODE = PureCode("pure-code", "the planner's sub-tasks, every one solved by code; nothing trained")


@hookimpl
def register_methods(register):
    """RL-GPT and its two ablations."""
    for method in (RL_GPT, PURE_RL, PURE_CODE):
        register(method)
