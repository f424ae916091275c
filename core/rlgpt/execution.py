"""From a plan and its programs to runnable policies and training environments.

:class:`PlanRuntime` is plain, picklable data (entry-point strings, program
sources, checkpoint paths) so training environments can be rebuilt inside
vectorised-env worker processes. Programs are compiled under the code policy
and every call runs in a supervised child process under wall-clock and memory limits.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym

from rlgpt._imports import build_env, load_object
from rlgpt.agents.schemas import Plan, Subtask
from rlgpt.code import FunctionSignature, call_with_limits, compile_program, extract_program
from rlgpt.code.bounded import (
    InlineCall,
    memory_window_supported,
    program_functions,
    unbounded_reason,
    uninterruptible_reason,
)
from rlgpt.code.host import CodeHost, HostLimits, log_call_failure
from rlgpt.code.sandbox import CompiledProgram
from rlgpt.envs import (
    ChainResult,
    CodedActions,
    CodePolicy,
    DoneCondition,
    LearnedPolicy,
    ShapedReward,
    SubtaskChain,
    run_chain,
)
from rlgpt.envs.policies import SubtaskPolicy
from rlgpt.plugins import PluginSelection
from rlgpt.skills import SkillAPI
from rlgpt.specs import LearnerSpec

DONE = "done"
REWARD = "reward"
PRECONDITION = "can_"
"""Prefix of a coded action's optional precondition: ``can_<action>(api) -> bool``."""


def required_functions(subtask: Subtask, continuous: bool) -> dict[str, tuple[str, ...]]:
    """The functions the coder must define for ``subtask`` (name -> parameters)."""
    if subtask.method == "code":
        return {subtask.name: ("api",), DONE: ("api",)}
    params = ("api", "params") if continuous else ("api",)
    return {**{action.name: params for action in subtask.coded_actions}, DONE: ("api",)}


def is_per_step_function(name: str) -> bool:
    """Whether ``name`` is called on a read-only skill API after every step (done, reward, a precondition)."""
    return name in (DONE, REWARD) or name.startswith(PRECONDITION)


def signatures(required: dict[str, tuple[str, ...]]) -> dict[str, FunctionSignature]:
    """Required functions as :class:`FunctionSignature` objects for extraction."""
    return {name: FunctionSignature(params) for name, params in required.items()}


def class_path(obj: type) -> str:
    """``"module:Qualname"`` of a class, to rebuild it in another process."""
    return f"{obj.__module__}:{obj.__qualname__}"


@dataclass(frozen=True)
class CodeLimits:
    """Limits every generated-code call runs under."""

    macro_step_budget: int = 100
    call_timeout_s: float = 10.0
    call_memory_mb: int = 1024
    isolation: str = "process"
    """``"process"``: each call in a supervised child (:class:`~rlgpt.code.host.CodeHost`);
    ``"in-process"``: :func:`~rlgpt.code.call_with_limits` here (Python-level loops only)."""
    inline_bounded: bool = True
    """With ``"process"``: per-step read-only functions proven bounded, and coded actions proven
    interruptible by the timer (:mod:`rlgpt.code.bounded`), are called here under the timer and a
    memory window instead of in the child."""

    def host_limits(self) -> HostLimits:
        """The per-call limits of the process that runs the code (:class:`~rlgpt.code.host.CodeHost`)."""
        return HostLimits(timeout_s=self.call_timeout_s, memory_mb=self.call_memory_mb)


@dataclass(frozen=True)
class PlanRuntime:
    """Everything needed to run a plan, as picklable data.

    :param env_entry_point: ``"module:callable"`` factory of the primitive env.
    :param env_kwargs: its keyword arguments (task, obs_mode, ...).
    :param skill_api: ``"module:Class"`` of the environment's skill API.
    :param task_ref: ``(environment name, task id)``; the task's success predicate is looked up
        in the registry of ``plugins`` (predicates need not be picklable).
    :param plugins: the plugin selection of the run, to rebuild its registry in any process.
    :param plan: the plan (as JSON data).
    :param programs: sub-task name -> program source.
    :param checkpoints: RL sub-task name -> policy checkpoint.
    :param learner: learner name in the registry.
    :param failure_log: JSON-lines file every failed call of the programs appends to (``""``: none).
    :param reward_shaping: how a sub-task's ``reward`` program enters training
        (:class:`~rlgpt.envs.goals.ShapedReward`'s ``mode``).
    """

    env_entry_point: str
    env_kwargs: dict[str, Any]
    skill_api: str
    task_ref: tuple[str, str]
    plugins: PluginSelection
    plan: dict[str, Any]
    programs: dict[str, str] = field(default_factory=dict)
    checkpoints: dict[str, str] = field(default_factory=dict)
    learner: str = "ppo"
    limits: CodeLimits = CodeLimits()
    continuous: bool = False
    primitive_actions: tuple[str, ...] = ()
    failure_log: str = ""
    reward_shaping: str = "bonus"

    @functools.cached_property
    def parsed_plan(self) -> Plan:
        """The plan as a model."""
        return Plan.model_validate(self.plan)

    @functools.cached_property
    def skill_cls(self) -> type[SkillAPI]:
        """The skill API class."""
        return load_object(self.skill_api)

    def make_env(self, render_mode: str | None = None) -> gym.Env:
        """A fresh primitive environment; ``render_mode`` (``"rgb_array"``) goes to its factory when given."""
        kwargs = {**self.env_kwargs, "render_mode": render_mode} if render_mode else self.env_kwargs
        return build_env(self.env_entry_point, kwargs)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the data only: compiled programs are not picklable and are rebuilt where needed."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @functools.cached_property
    def _compiled(self) -> dict[str, dict[str, Callable[..., Any]]]:
        return {}

    def functions(self, subtask: Subtask) -> dict[str, Callable[..., Any]]:
        """The sub-task's compiled functions, each call under the wall-clock limit (compiled once)."""
        if subtask.name not in self._compiled:
            self._compiled[subtask.name] = self._compile(subtask)
        return self._compiled[subtask.name]

    def _compile(self, subtask: Subtask) -> dict[str, Callable[..., Any]]:
        if subtask.name not in self.programs:
            return {}
        required = required_functions(subtask, self.continuous)
        program = extract_program(self.programs[subtask.name], signatures(required))
        compiled = compile_program(program)  # policy violations surface here, in the caller
        if self.limits.isolation == "in-process":
            timeout = self.limits.call_timeout_s
            return {
                name: functools.partial(call_with_limits, compiled.function(name), timeout_s=timeout)
                for name in program.functions
            }
        host = CodeHost(program.source, self.skill_api, self.limits.host_limits(), self.failure_log or None)
        if not (self.limits.inline_bounded and memory_window_supported()):
            return {name: host.function(name) for name in program.functions}
        syntax = program_functions(program.source)  # parsed once for every function's proof
        return {
            name: self._inline(compiled, syntax, name) or host.function(name) for name in program.functions
        }

    def _inline(
        self, compiled: CompiledProgram, program: dict[str, ast.FunctionDef], name: str
    ) -> InlineCall | None:
        """``name`` called in this process when its syntax proves it safe there: a per-step read-only
        function bounded (:func:`~rlgpt.code.bounded.unbounded_reason`), any other (a coded action,
        a code sub-task's program) interruptible (:func:`~rlgpt.code.bounded.uninterruptible_reason`).

        :param program: the program's top-level functions (:func:`~rlgpt.code.bounded.program_functions`).
        """
        node, acts = program.get(name), not is_per_step_function(name)
        if node is None:
            return None
        if acts:
            reason = uninterruptible_reason(node, compiled.namespace, program)
        else:
            reason = unbounded_reason(node, compiled.namespace)
        if reason is not None:
            return None
        log = functools.partial(log_call_failure, self.failure_log) if self.failure_log else None
        return InlineCall(
            compiled.function(name),
            timeout_s=self.limits.call_timeout_s,
            memory_mb=self.limits.call_memory_mb,
            on_failure=log,
            acts=acts,
        )

    def done_condition(self, subtask: Subtask) -> Callable[[SkillAPI], Any]:
        """The sub-task's done condition; the task's own success predicate when it has no code."""
        functions = self.functions(subtask)
        if DONE in functions:
            return functions[DONE]
        return _TaskSuccess(self.task_ref, self.plugins)

    def coded_actions(self, subtask: Subtask) -> dict[str, Callable[..., Any]]:
        """The coded actions an RL sub-task adds to its action space, in plan order."""
        functions = self.functions(subtask)
        return {
            action.name: functions[action.name]
            for action in subtask.coded_actions
            if action.name in functions
        }

    def preconditions(self, subtask: Subtask) -> dict[str, Callable[..., Any]]:
        """Each coded action's precondition, where the coder wrote one: ``can_<action>(api) -> bool``."""
        functions = self.functions(subtask)
        return {
            action.name: functions[PRECONDITION + action.name]
            for action in subtask.coded_actions
            if action.name in functions and PRECONDITION + action.name in functions
        }

    def kept_primitives(self, subtask: Subtask) -> list[int] | None:
        """Indices of the primitives an RL sub-task keeps (``None``: all)."""
        if self.continuous or not subtask.primitives:
            return None
        return [self.primitive_actions.index(name) for name in subtask.primitives]

    def max_steps(self, subtask: Subtask, default: int) -> int:
        """The sub-task's step limit."""
        return subtask.max_steps or default

    def view(self, subtask: Subtask, env: gym.Env) -> CodedActions:
        """The RL sub-task's action space over ``env``."""
        return CodedActions(
            env,
            self.skill_cls,
            self.coded_actions(subtask),
            keep_primitives=self.kept_primitives(subtask),
            macro_step_budget=self.limits.macro_step_budget,
            preconditions=None if self.continuous else self.preconditions(subtask),
        )

    def policy(
        self, index: int, default_steps: int, predictors: dict[str, Callable[[Any], Any]]
    ) -> SubtaskPolicy:
        """The policy of sub-task ``index``: its program, or its trained learner."""
        subtask = self.parsed_plan.subtasks[index]
        steps = self.max_steps(subtask, default_steps)
        done = self.done_condition(subtask)
        if subtask.method == "code":
            functions = self.functions(subtask)
            program = functions.get(subtask.name, _missing_program(subtask.name))
            return CodePolicy(
                subtask.name, program, done, self.skill_cls, steps, self.limits.macro_step_budget
            )
        predict = predictors.get(subtask.name, _untrained(subtask.name))
        return LearnedPolicy(
            subtask.name, predict, functools.partial(self.view, subtask), done, self.skill_cls, steps
        )

    def run_episode(
        self, env: gym.Env, predictors: dict[str, Callable[[Any], Any]], default_steps: int, seed: int
    ) -> ChainResult:
        """One episode of the whole plan on ``env`` from reset seed ``seed``, its RL sub-tasks driven by
        ``predictors`` (sub-task name -> ``predict``)."""
        policies = [self.policy(i, default_steps, predictors) for i in range(len(self.parsed_plan.subtasks))]
        obs, info = env.reset(seed=seed)
        return run_chain(env, policies, obs, info)

    def training_env(self, index: int, default_steps: int) -> gym.Env:
        """The environment RL sub-task ``index`` trains on: prefix reset, goal, shaping, macro actions."""
        subtask = self.parsed_plan.subtasks[index]
        predictors = {
            name: load_predictor(self.plugins.registry().learner(self.learner), Path(path))
            for name, path in self.checkpoints.items()
        }
        prefix = [self.policy(i, default_steps, predictors) for i in range(index)]
        env: gym.Env = SubtaskChain(self.make_env(), prefix)
        env = DoneCondition(
            env,
            self.done_condition(subtask),
            self.skill_cls,
            max_steps=self.max_steps(subtask, default_steps),
        )
        functions = self.functions(subtask)
        if REWARD in functions:
            env = ShapedReward(env, functions[REWARD], self.skill_cls, mode=self.reward_shaping)
        return self.view(subtask, env)


def build_training_env(runtime: PlanRuntime, index: int, default_steps: int) -> gym.Env:
    """Module-level (picklable) factory for vectorised training environments."""
    return runtime.training_env(index, default_steps)


def load_predictor(spec: LearnerSpec, checkpoint: Path) -> Callable[[Any], Any]:
    """Load a trained policy of learner ``spec`` from its checkpoint as ``predict(obs) -> action``."""
    if spec.load_policy is None:
        raise ValueError(f"learner {spec.name!r} cannot load checkpoints (LearnerSpec.load_policy is None)")
    return spec.load_policy(checkpoint)


@dataclass(frozen=True)
class _TaskSuccess:
    """The task's success predicate as a done condition (pure-RL sub-tasks, missing done code)."""

    task_ref: tuple[str, str]
    plugins: PluginSelection

    def __call__(self, api: SkillAPI) -> bool:
        env_name, task_id = self.task_ref
        return bool(self.plugins.registry().environment(env_name).task(task_id).success(api.info))


def _missing_program(name: str) -> Callable[[SkillAPI], Any]:
    def missing(api: SkillAPI) -> Any:
        raise RuntimeError(f"no valid program was written for sub-task {name!r}")

    return missing


def _untrained(name: str) -> Callable[[Any], Any]:
    def untrained(obs: Any) -> Any:
        raise RuntimeError(f"RL sub-task {name!r} has no trained policy")

    return untrained
