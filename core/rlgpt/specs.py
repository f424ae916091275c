"""Frozen descriptions of what plugins supply.

A plugin builds one of these specs and hands it to the ``register`` callable of
the matching registration hook (see :mod:`rlgpt.hookspecs`). Specs hold
factories, never live objects, so listing plugins (``rlgpt plugins``) stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlgpt._imports import LazyCallable

if TYPE_CHECKING:
    import gymnasium as gym

    from rlgpt.agents.base import Agents, Coder, Critic, Planner
    from rlgpt.learning import Learner
    from rlgpt.llm.types import LLM
    from rlgpt.skills import SkillAPI


Info = Mapping[str, Any]


@dataclass(frozen=True)
class TaskSpec:
    """One task of an environment.

    :param id: short identifier, unique within its environment (``make_wood_pickaxe``).
    :param instruction: the natural-language task the slow agent reads.
    :param success: predicate over ``info``; the loop judges an evaluation episode by it on the
        ``info`` of the episode's last step only, so it should describe a state that stays true.
    :param max_episode_steps: default episode budget (primitive steps) for this task.
    :param env_kwargs: extra keyword arguments the environment factory needs for this task.
    """

    id: str
    instruction: str
    success: Callable[[Info], bool]
    max_episode_steps: int
    env_kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EnvironmentSpec:
    """An embodied environment and everything the agents need to act in it.

    :param name: identifier used in configs and on the command line (``crafter``);
        mirrored into Gymnasium as ``rlgpt/<name>-v0``.
    :param entry_point: ``"module:callable"`` string of the Gymnasium factory, so the
        environment can be built lazily and inside child processes.
        The callable accepts ``task: str | None``, ``obs_mode: str``,
        ``max_episode_steps: int | None`` and ``render_mode: str | None`` keywords.
    :param description: one line for ``rlgpt envs``.
    :param primitive_actions: names of the discrete primitive actions, in action-index
        order (empty for purely continuous environments).
    :param observation_modes: supported ``obs_mode`` values; the first is the default.
    :param tasks: the tasks this environment offers.
    :param skill_api: the :class:`~rlgpt.skills.SkillAPI` subclass generated code is
        given; its public methods (with docstrings) are the functions LLM code may call.
    :param describe: ``describe(obs, info) -> str``: the text a critic reads about a state.
    :param continuous: true when the primitive action space is a ``Box``.
    :param availability: optional zero-argument check, cheap and import-free, for environments
        whose simulator is installed separately: returns ``None`` when the environment can be
        built here, else one line saying what is missing and how to install it. ``rlgpt envs``
        shows it and a run on the environment is refused with it before anything starts.
    :param testing: an environment for tests and examples (rlgpt's own ``gridcraft``, ``reach`` and
        ``corridor``): ``rlgpt envs`` lists it only with ``--all``, and an unknown environment's
        error does not suggest it; configs and tests still name it as any other.
    """

    name: str
    entry_point: str
    description: str
    primitive_actions: tuple[str, ...]
    observation_modes: tuple[str, ...]
    tasks: tuple[TaskSpec, ...]
    skill_api: type[SkillAPI]
    describe: Callable[[Any, Info], str]
    continuous: bool = False
    availability: Callable[[], str | None] | None = None
    testing: bool = False

    def unavailable_reason(self) -> str | None:
        """Why this environment cannot be built here (see ``availability``), or ``None``."""
        return self.availability() if self.availability is not None else None

    def task(self, task_id: str) -> TaskSpec:
        """Return the task called ``task_id``; ``KeyError`` names the known ones."""
        for task in self.tasks:
            if task.id == task_id:
                return task
        known = ", ".join(t.id for t in self.tasks)
        raise KeyError(f"environment {self.name!r} has no task {task_id!r} (tasks: {known})")

    def make(self, **kwargs: Any) -> gym.Env:
        """Build the environment through its entry point (same keywords as the factory)."""
        from rlgpt._imports import build_env

        return build_env(self.entry_point, kwargs)


def _resolve_on_first_use(spec: Any, label: str) -> None:
    """Turn a ``"module:callable"`` factory of ``spec`` into a :class:`LazyCallable`."""
    if isinstance(spec.factory, str):
        object.__setattr__(spec, "factory", LazyCallable(spec.factory, f"{label} {spec.name!r}"))


@dataclass(frozen=True)
class LLMBackendSpec:
    """A family of language models reachable through one client.

    :param name: backend id used in configs (``openai``, ``replay``).
    :param factory: ``factory(model: str, **options) -> LLM`` building a ready client.
        A ``"module:callable"`` string is imported on first use.
    :param description: one line for ``rlgpt plugins``.
    :param models: model ids this backend knows (it may accept others).
    :param aliases: short names mapping to model ids (``gpt-4o`` -> ``gpt-4o-2024-08-06``).
    """

    name: str
    factory: Callable[..., LLM] | str
    description: str
    models: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _resolve_on_first_use(self, "llm backend")


@dataclass(frozen=True)
class LearnerSpec:
    """An RL algorithm.

    :param name: learner id used in configs (``ppo``, ``sac``).
    :param factory: ``factory(env_fn, *, seed, n_envs, checkpoint_dir, **hyperparameters)
        -> Learner`` where ``env_fn`` is a picklable zero-argument callable that builds one
        training environment. A ``"module:callable"`` string is imported on first use.
    :param description: one line for ``rlgpt plugins``.
    :param action_spaces: the Gymnasium action-space kinds it trains on: ``"discrete"``
        and/or ``"continuous"``.
    :param load_policy: ``load_policy(checkpoint) -> predict`` where ``predict(obs) -> action``
        acts deterministically for one observation (``predict(obs, deterministic=False)``
        samples, for ``evaluation.deterministic = false``); lets the loop run a trained sub-task
        (in evaluation, and at the reset of later sub-tasks' training envs) without
        building a training environment.
    :param validate_hyperparameters: ``validate(hyperparameters)`` raising ``ValueError`` with one
        line (an unknown name and the closest known one, a value of the wrong type); the config check
        calls it before a run starts. ``None``: nothing is checked before training.
    :param logs_tensorboard: the factory takes a ``tensorboard_log`` keyword (a folder) and writes the
        learner's own training scalars there as TensorBoard event files; the loop passes one folder
        per sub-task when ``logging.tensorboard`` or ``logging.wandb`` is on.
    :param periodic_checkpoints: its learners' ``learn`` takes ``checkpoint_every`` (primitive steps)
        and ``on_checkpoint(path, steps_done)``, and writes a checkpoint into ``checkpoint_dir`` that
        often during a call; ``learner.checkpoint_every`` needs it, and a run stopped mid-training
        resumes from the latest one.
    """

    name: str
    factory: Callable[..., Learner] | str
    description: str
    action_spaces: frozenset[str] = frozenset({"discrete"})
    load_policy: Callable[[Path], Callable[[Any], Any]] | None = None
    validate_hyperparameters: Callable[[Mapping[str, Any]], None] | None = None
    logs_tensorboard: bool = False
    periodic_checkpoints: bool = False

    def __post_init__(self) -> None:
        _resolve_on_first_use(self, "learner")


@dataclass(frozen=True)
class AgentSpec:
    """A planner, coder or critic implementation.

    :param name: id used in configs (``default``).
    :param factory: ``factory(llm: LLM, **options)`` returning the agent. A ``"module:callable"``
        string is imported on first use.
    :param description: one line for ``rlgpt plugins``.
    """

    name: str
    factory: Callable[..., Planner | Coder | Critic] | str
    description: str

    def __post_init__(self) -> None:
        _resolve_on_first_use(self, "agent")


@dataclass(frozen=True)
class AgentStructure:
    """Who plays the planner, coder and critic roles of a run (the config key ``agents``).

    :param name: id used in configs (``slow+fast+critic``).
    :param description: one line for ``rlgpt plugins``.
    :param critic: whether a critic reads the rollouts; without one, the next iteration's
        agents read the automatic rollout summary only.
    :param combined: an agent that plans and codes in one answer: its factory returns an
        object that is both a :class:`~rlgpt.agents.base.Planner` and a
        :class:`~rlgpt.agents.base.Coder`, and the config's ``planner`` and ``coder`` are not
        used. ``None``: the config's planner and coder are two agents.
    """

    name: str
    description: str
    critic: bool = True
    combined: AgentSpec | None = None

    def assemble(
        self,
        llm: LLM,
        options: Mapping[str, Any],
        planner: AgentSpec,
        coder: AgentSpec,
        critic: AgentSpec,
        *,
        roles: Mapping[str, tuple[LLM, Mapping[str, Any]]] | None = None,
    ) -> Agents:
        """Build the agents of one run over ``llm`` (``options`` go to every agent factory).

        :param planner: the config's planner (unused by a combined structure).
        :param coder: the config's coder (likewise).
        :param critic: the config's critic (unused without a critic).
        :param roles: ``role -> (llm, options)`` for roles (``planner``, ``coder``, ``critic``)
            that have their own LLM; a combined agent takes the planner's.
        :raises TypeError: the combined agent does not implement both roles.
        """
        from rlgpt.agents.base import Agents, Coder, Planner

        def build(role: str, spec: AgentSpec) -> Any:
            role_llm, role_options = (roles or {}).get(role, (llm, options))
            return spec.factory(role_llm, **role_options)

        if self.combined is not None:
            both = build("planner", self.combined)
            if not (isinstance(both, Planner) and isinstance(both, Coder)):
                raise TypeError(
                    f"agent structure {self.name!r}: {type(both).__name__} must implement both "
                    "Planner (plan) and Coder (write, fix) to plan and code in one agent"
                )
            first, second = both, both
        else:
            first, second = build("planner", planner), build("coder", coder)
        return Agents(first, second, build("critic", critic) if self.critic else None)
