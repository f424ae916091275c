"""Hook specifications of the pluggy project ``rlgpt``.

Registration hooks receive a ``register`` callable and return nothing: a plugin
calls ``register(spec)`` once per thing it provides. Observer hooks are told
about a run as it advances; their return values are ignored. Implement a hook
with :data:`rlgpt.hookimpl`::

    from rlgpt import EnvironmentSpec, hookimpl

    @hookimpl
    def register_environments(register):
        register(EnvironmentSpec(name="gridworld", ...))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from rlgpt.methods import Method
    from rlgpt.specs import AgentSpec, AgentStructure, EnvironmentSpec, LearnerSpec, LLMBackendSpec, TaskSpec

__all__ = [
    "PROJECT_NAME",
    "hookimpl",
    "hookspec",
    "on_event",
    "on_iteration_end",
    "on_run_end",
    "on_run_start",
    "register_agent_structures",
    "register_coders",
    "register_critics",
    "register_environments",
    "register_learners",
    "register_llm_backends",
    "register_methods",
    "register_planners",
    "register_tasks",
]

PROJECT_NAME = "rlgpt"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_environments(register: Callable[[EnvironmentSpec], None]) -> None:
    """Register embodied environments.

    Called once, when the plugin manager first builds its registry (any CLI
    command, or the first :func:`rlgpt.plugins.get_registry` call).

    :param register: call ``register(EnvironmentSpec(...))`` once per environment.
        Names must be unique across all plugins; a duplicate is an error naming
        both plugins. Each environment is also mirrored into Gymnasium as
        ``rlgpt/<name>-v0``.

    An implementation must not build the environment here (listing plugins has
    to stay cheap): the spec carries an ``entry_point`` string instead.
    """


@hookspec
def register_llm_backends(register: Callable[[LLMBackendSpec], None]) -> None:
    """Register LLM backends.

    Called once, when the registry is built.

    :param register: call ``register(LLMBackendSpec(...))`` once per backend.
        Backend names must be unique across plugins.

    An implementation must not open network connections or load model weights
    here; the spec's ``factory`` does that when a run asks for the backend.
    """


@hookspec
def register_learners(register: Callable[[LearnerSpec], None]) -> None:
    """Register RL learners.

    Called once, when the registry is built.

    :param register: call ``register(LearnerSpec(...))`` once per learner.
        Learner names must be unique across plugins.
    """


@hookspec
def register_planners(register: Callable[[AgentSpec], None]) -> None:
    """Register slow agents (planners).

    Called once, when the registry is built.

    :param register: call ``register(AgentSpec(...))``; the factory returns an
        object implementing :class:`rlgpt.Planner`.
    """


@hookspec
def register_coders(register: Callable[[AgentSpec], None]) -> None:
    """Register fast agents (coders).

    Called once, when the registry is built.

    :param register: call ``register(AgentSpec(...))``; the factory returns an
        object implementing :class:`rlgpt.Coder`.
    """


@hookspec
def register_critics(register: Callable[[AgentSpec], None]) -> None:
    """Register critics.

    Called once, when the registry is built.

    :param register: call ``register(AgentSpec(...))``; the factory returns an
        object implementing :class:`rlgpt.Critic`.
    """


@hookspec
def register_methods(register: Callable[[Method], None]) -> None:
    """Register methods: what a run plans, codes and trains (the config key ``method``).

    Called once, when the registry is built.

    :param register: call ``register(method)`` with an instance of a
        :class:`rlgpt.Method` subclass; the built-ins are ``rl-gpt``, ``pure-rl`` and
        ``pure-code``. Method names must be unique across plugins.
    """


@hookspec
def register_agent_structures(register: Callable[[AgentStructure], None]) -> None:
    """Register agent structures: who plays the planner, coder and critic (the config key ``agents``).

    Called once, when the registry is built.

    :param register: call ``register(AgentStructure(...))``; the built-ins are
        ``slow+fast+critic``, ``slow+fast`` and ``one-agent``. Names must be unique across plugins.
    """


@hookspec
def register_tasks(register: Callable[[str, TaskSpec], None]) -> None:
    """Add tasks to environments, including environments another plugin registered.

    Called once, when the registry is built, after every plugin's environments are registered.

    :param register: call ``register(env_name, TaskSpec(...))`` once per task; it is appended to
        that environment's ``tasks`` (``rlgpt tasks ENV`` lists it). An unknown environment is an
        error naming the plugin (its tasks are left out, as a plugin that failed to load); a task
        id the environment already has is an error naming both plugins. The environment's factory
        is given the task's id and ``env_kwargs``, so the task must be one the factory can build
        (for instance a new goal over ``env_kwargs``).
    """


@hookspec
def on_run_start(run: Any) -> None:
    """A run starts (or resumes).

    Called by the loop after the run directory is ready and before the first
    iteration.

    :param run: the :class:`rlgpt.runs.RunDirectory` of the run; ``run.path`` is
        its folder and ``run.config`` its resolved configuration.

    Implementations must not modify the run directory's files.
    """


@hookspec
def on_event(run: Any, event: Mapping[str, Any]) -> None:
    """The loop appended an event to the run's ``events.jsonl``.

    Called for every event of the run's log (``run_start``, ``iteration_start``, ``planning``,
    ``llm_call``, ``plan``, ``coding``, ``code_rejected``, ``code_accepted``, ``training``,
    ``trained``, ``evaluating``, ``evaluated``, ``critiquing``, ``critique``,
    ``iteration_end``, ``run_end``, ...), right after it is written; the console progress of
    ``rlgpt run`` is an observer of these events too.

    :param run: the :class:`rlgpt.runs.RunDirectory` of the run.
    :param event: the event as written: ``seq``, ``time``, ``kind`` and the kind's fields.
    """


@hookspec
def on_iteration_end(run: Any, record: Any) -> None:
    """An iteration (plan, code, train, evaluate, critique) finished.

    Called after the iteration's record has been written to ``events.jsonl``.

    :param run: the :class:`rlgpt.runs.RunDirectory` of the run.
    :param record: the :class:`rlgpt.metrics.IterationRecord` just written
        (success rate and interval, env steps, tokens, rejections, dead-loop flag).
    """


@hookspec
def on_run_end(run: Any, summary: Any) -> None:
    """A run ended (target reached, iterations exhausted, dead loop or error).

    Called once, after the final event is written and before the report.

    :param run: the :class:`rlgpt.runs.RunDirectory` of the run.
    :param summary: the :class:`rlgpt.metrics.RunSummary` of the run (status,
        best success rate, totals).
    """
