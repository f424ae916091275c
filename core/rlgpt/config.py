"""Run configuration: a TOML file validated with pydantic, plus ``--set key=value`` overrides.

Every problem is a :class:`ConfigError` with one line naming the key, the bad value
and what is allowed, e.g. ``learner.total_timesteps: must be >= 1, got -5``.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rlgpt._imports import keyword_names, load_object, unknown_keyword
from rlgpt.llm.factory import check_options
from rlgpt.metrics import TRAINING_SUCCESS_WINDOW
from rlgpt.plugins import UnknownPluginError, unknown_name_message
from rlgpt.tracking import missing_packages

if TYPE_CHECKING:
    from rlgpt.plugins import Registry
    from rlgpt.specs import EnvironmentSpec


class ConfigError(ValueError):
    """A run configuration is invalid; the message is one line that names the fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


LLM_ROLES = ("planner", "coder", "critic")
"""The agent roles that may each have their own LLM (``[llm.planner]``, ...)."""


class LLMRoleConfig(_Strict):
    """``[llm.<role>]``: what one agent role changes of ``[llm]``; keys left out keep ``[llm]``'s.

    A role on another backend starts from no options, not from ``[llm]``'s.
    """

    backend: str | None = Field(default=None, description="LLM backend of this role (see `rlgpt plugins`).")
    model: str | None = Field(default=None, description="Model id of this role, as its backend names it.")
    options: dict[str, Any] | None = Field(
        default=None, description="Keyword options of this role's backend (none when it switches backend)."
    )
    cache: bool | None = Field(
        default=None, description="Keep this role's reproducible answers in the cache."
    )
    temperature: float | None = Field(default=None, ge=0.0, description="Sampling temperature of this role.")
    max_tokens: int | None = Field(default=None, ge=1, description="Longest answer of this role, in tokens.")


class LLMConfig(_Strict):
    """Which language model the agents use and how it is sampled.

    ``cache`` keeps reproducible answers in a sqlite file shared by every run of the user
    (``cache_path``, default :func:`rlgpt.llm.cache.default_cache_path`). ``planner``,
    ``coder`` and ``critic`` give one role its own LLM (:meth:`for_role`). ``examples`` is a
    reference transcript from which the prompts show a worked example (another task's plan and
    programs).
    """

    backend: str = Field(
        default="replay",
        description="LLM backend (see `rlgpt plugins`); switching it with `--set` drops the old backend's "
        "`llm.options`.",
    )
    model: str = Field(default="reference", description="Model id, as the backend names it.")
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="Keyword options of the backend (replay: `transcript`; openai: `base_url`, ...).",
    )
    cache: bool = Field(
        default=True,
        description="Keep reproducible answers (temperature 0, or a seed) in the response cache.",
    )
    cache_path: Path | None = Field(
        default=None, description="Response cache file (unset: `$RLGPT_LLM_CACHE`, else `~/.cache/rlgpt`)."
    )
    temperature: float = Field(default=0.0, ge=0.0, description="Sampling temperature of every role.")
    max_tokens: int = Field(default=2048, ge=1, description="Longest answer, in tokens.")
    examples: Path | None = Field(
        default=None,
        description="Reference transcript whose plan and programs the prompts show as a worked example.",
    )
    planner: LLMRoleConfig | None = Field(
        default=None, description="The planner's own LLM (`[llm.planner]`)."
    )
    coder: LLMRoleConfig | None = Field(default=None, description="The coder's own LLM (`[llm.coder]`).")
    critic: LLMRoleConfig | None = Field(default=None, description="The critic's own LLM (`[llm.critic]`).")

    def for_role(self, role: str) -> LLMConfig:
        """The LLM settings ``role`` uses: these, with its ``[llm.<role>]`` keys on top."""
        base = self.model_copy(update=dict.fromkeys(LLM_ROLES))
        override = getattr(self, role)
        if override is None:
            return base
        update = override.model_dump(exclude_none=True)
        if "backend" in update and update["backend"] != self.backend and "options" not in update:
            update["options"] = {}
        return base.model_copy(update=update)


class LearnerConfig(_Strict):
    """Which RL learner trains the ``rl`` sub-tasks, for how long."""

    name: str = Field(
        default="ppo",
        description="RL learner (see `rlgpt plugins`); switching it with `--set` drops the old learner's "
        "`learner.hyperparameters`.",
    )
    total_timesteps: int = Field(
        default=20000,
        ge=1,
        description="Environment steps of training per iteration, split over the RL sub-tasks.",
    )
    n_envs: int = Field(
        default=1,
        ge=1,
        description="Training environments stepped in parallel (more than one: in subprocesses); the budget "
        "counts the primitive steps of all of them.",
    )
    checkpoint_every: int | None = Field(
        default=None,
        ge=1,
        description="Also write a checkpoint every this many primitive env steps of a sub-task's training, "
        "so a run stopped mid-training resumes from the latest one with the rest of the budget (unset: "
        "only at the end; needs a learner with periodic checkpoints, as every rlgpt-sb3 learner has).",
    )
    hyperparameters: dict[str, Any] = Field(
        default_factory=dict,
        description="Keyword arguments of the learner (ppo: `n_steps`, `learning_rate`, ...), checked by it "
        "before the run.",
    )
    reward_shaping: Literal["bonus", "potential"] = Field(
        default="bonus",
        description="How a sub-task's coder-written `reward(api)` enters training: `bonus` adds its value "
        "(clipped to [-1, 1]) after every step, which also pays a policy for lingering in a state it "
        "likes; `potential` adds its change since the previous step (potential-based shaping), so an "
        "episode gains only its value at the end minus at the start.",
    )


class EvaluationConfig(_Strict):
    """How policies are evaluated after each iteration.

    ``frames``: when the environment lists ``rgb_array`` among its ``render_modes``, evaluation
    renders one frame per failed sub-task (the end state of its first failed episode); the frames
    go to the critic and the report, as ``frames/iter-<i>-<sub-task>.png`` in the run directory.

    ``deterministic``: trained policies act greedily (their most likely action). A policy that
    solves its training episodes while sampling can loop when greedy; every iteration records the
    training success (:data:`rlgpt.metrics.TRAINING_SUCCESS_WINDOW`) beside the evaluation's, and
    ``deterministic = false`` evaluates sampled actions instead.

    ``validation_episodes``: a trained policy can lose to its own coded actions run alone; with N > 0
    the loop validates it against them on N other worlds first and evaluates the better one
    (:mod:`rlgpt.policy_selection`).
    """

    episodes: int = Field(default=10, ge=1, description="Evaluation episodes per iteration.")
    max_episode_steps: int | None = Field(
        default=None, ge=1, description="Step limit of an episode (unset: the task's own budget)."
    )
    frames: bool = Field(
        default=True,
        description="Render the end state of each failed sub-task (environments that render `rgb_array`).",
    )
    deterministic: bool = Field(
        default=True,
        description="Trained policies act greedily; `false` samples their actions. Each iteration records "
        f"the training success (last {TRAINING_SUCCESS_WINDOW} training episodes per RL sub-task) beside the "
        "evaluation's: training that succeeds where greedy evaluation fails means the greedy policy loops.",
    )
    validation_episodes: int = Field(
        default=0,
        ge=0,
        le=999,
        description="After training, run the plan this many times on validation worlds (not the "
        "evaluation's) with the trained policy, with each coded action alone (`always:<action>`) and, "
        "where a discrete sub-task has several, with its coded actions in order (`coded-in-order`), and "
        "evaluate the one that succeeds most, ties to the trained policy (rlgpt.policy_selection); 0: "
        "always the trained policy.",
    )


class CodeConfig(_Strict):
    """Limits on generated code (macro actions, dry runs).

    ``isolation = "process"`` (the default) runs every call of a plan's programs in a supervised
    child process: wall clock, memory and C-level loops (``sum(range(10**12))``) are bounded.
    ``"in-process"`` calls them in the process that steps the environment under a timer that stops
    Python-level loops only (no memory limit, a C-level loop hangs the run): faster, for trusted code.
    Under ``"process"``, ``inline_bounded`` lets the functions checked after every step, and coded
    actions, run in the stepping process when their syntax proves them bounded (interruptible, for
    actions), with the same limits.
    """

    macro_step_budget: int = Field(
        default=100, ge=1, description="Most primitive steps one call of a coded action may take."
    )
    call_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Wall-clock limit of one call of generated code, its environment steps included; a call "
        "that passes it fails as `timeout`, naming this setting. The default leaves a wide margin on a busy "
        "machine: a 99-step Crafter coded action took up to 3 s with both CPU cores oversubscribed.",
    )
    call_memory_mb: int = Field(
        default=1024,
        ge=64,
        description="Memory limit of the process that calls generated code (isolation=process).",
    )
    isolation: Literal["process", "in-process"] = Field(
        default="process", description="Where generated code runs: a supervised child process, or in-process."
    )
    inline_bounded: bool = Field(
        default=True,
        description="With isolation=process: call generated functions in the stepping process when "
        "rlgpt.code.bounded proves them safe there from their syntax, under the wall-clock limit and a "
        "memory window of `call_memory_mb`, which saves the round trips to the child: the read-only checks "
        "after every step (`done`, `reward`, `can_<action>`) when bounded (no loops but one comprehension, "
        "no `**`/`%`, no `*` but by a float, only the skill API and listed builtins), coded actions when "
        "interruptible (the same with Python-level loops, no `sorted`/`set`/`dict` of an iterable, `range` "
        "only as a loop's iterable); other functions stay in the child. false: every call in the child.",
    )
    dry_run_timeout_s: float = Field(
        default=30.0, gt=0, description="CPU-time limit of a program's dry run before it is accepted."
    )
    dry_run_memory_mb: int = Field(default=2048, ge=64, description="Memory limit of a program's dry run.")
    samples: int = Field(
        default=1,
        ge=1,
        le=16,
        description="Programs the coder writes per sub-task before its first fix (execution-verified "
        "sampling): each is dry-run, called until its done condition holds as a code sub-task is, and the "
        "one that does best is kept (most dry-run episodes reaching the done condition, then reward, then "
        "the shorter program). Sample 0 is asked as with 1; the others at `code.sample_temperature`, each "
        "with its own seed. 1 (the default): one program, dry-run once.",
    )
    sample_temperature: float = Field(
        default=0.7,
        gt=0.0,
        description="Sampling temperature of samples 1 and up when `code.samples` > 1 (the coder's own "
        "temperature when that is higher).",
    )
    traces: bool = Field(
        default=True,
        description="Show what a program did in its dry run (skill calls, what each returned, inventory and "
        "nearby objects before and after, where it stopped) in the coder's fix request and the critic's "
        "input. false: the fix request names the rejection only and the critic sees no trace (the ablation).",
    )
    mutation_rate: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Degrade every program the coder writes on purpose, for the code-quality experiment: "
        "each site of each mistake in rlgpt.code.mutations (a wrong constant, an off-by-one threshold or "
        "loop bound, a dropped or swapped step, a missing guard, a wrong target) is applied with this "
        "probability, seeded by the run's seed. 0 (the default) leaves programs as written.",
    )


class SkillsConfig(_Strict):
    """The skill library (:mod:`rlgpt.skill_library`): code sub-tasks' programs verified in
    evaluation are saved, and later plans and programs are shown (and may call) the most relevant."""

    enabled: bool = Field(
        default=False, description="Save verified programs and show the relevant ones to later prompts."
    )
    path: Path | None = Field(
        default=None,
        description="Folder of the libraries, one per environment (unset: $RLGPT_SKILLS, else "
        "~/.cache/rlgpt/skills).",
    )
    top_k: int = Field(default=3, ge=1, description="Entries shown to the planner and to each coder request.")
    min_success: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Share of evaluation episodes in which a sub-task's done condition came to hold after "
        "its program acted for the program to be saved (a condition that already held when the sub-task "
        "began verifies nothing).",
    )
    share_across_models: bool = Field(
        default=False, description="Also show entries that another model (`backend:model`) wrote."
    )


class LoggingConfig(_Strict):
    """Experiment tracking, each an opt-in extra (:mod:`rlgpt.tracking`): TensorBoard event files
    under the run folder's ``tensorboard/``, and a Weights & Biases run synced from them."""

    tensorboard: bool = Field(
        default=False,
        description="Write TensorBoard event files under the run folder's `tensorboard/`: the loop's "
        "numbers per iteration and the learner's training scalars per sub-task (`rlgpt[tensorboard]`).",
    )
    wandb: bool = Field(
        default=False,
        description="Log the same numbers to Weights & Biases, in the run folder's `wandb/`; offline "
        "(`WANDB_MODE=offline`) unless an API key is set up (`rlgpt[wandb]`).",
    )
    wandb_project: str = Field(default="rlgpt", description="The Weights & Biases project of the run.")


class RunConfig(_Strict):
    """Everything one run needs; the top level of a run's TOML file.

    Sections (each its own model; ``docs/config.md`` lists every key with its type, default,
    bounds and meaning):

    * top level: the environment and task, the method and agent structure, the seed, the run
      folder, when the run stops (``max_iterations``, ``target_success``, ``dead_loop_patience``)
      and how often the coder may fix a program (``max_fixes``);
    * ``[llm]`` (:class:`LLMConfig`): the language model, with ``[llm.planner]``,
      ``[llm.coder]`` and ``[llm.critic]`` (:class:`LLMRoleConfig`) for one role's own;
    * ``[learner]`` (:class:`LearnerConfig`): the RL learner, its budget and hyperparameters;
    * ``[evaluation]`` (:class:`EvaluationConfig`): episodes, step limit, frames, greedy or sampled;
    * ``[code]`` (:class:`CodeConfig`): limits on generated code;
    * ``[logging]`` (:class:`LoggingConfig`): experiment tracking (TensorBoard, Weights & Biases).
    * ``[skills]`` (:class:`SkillsConfig`): the skill library of verified programs.

    Build one with :func:`load_config` (a TOML file plus ``--set`` overrides) or
    :func:`parse_config`; check its names against the installed plugins with
    :func:`validate_against_registry` (``rlgpt check CONFIG`` does both).
    """

    env: str = Field(description="Environment (see `rlgpt envs`).")
    task: str = Field(description="Task of the environment (see `rlgpt tasks ENV`).")
    method: str = Field(
        default="rl-gpt",
        description="What is planned, coded and trained: `rl-gpt`, `pure-rl`, `pure-code`, ...",
    )
    agents: str = Field(
        default="slow+fast+critic",
        description="Who plans, codes and critiques: `slow+fast+critic`, `slow+fast`, `one-agent`, ...",
    )
    seed: int = Field(default=0, description="Seed of training and of the evaluation worlds.")
    obs_mode: str | None = Field(
        default=None, description="Observation mode of the environment (unset: its first)."
    )
    env_options: dict[str, Any] = Field(
        default_factory=dict,
        description="Keyword arguments of the environment's factory, over the task's own "
        "(crafter: `reward`, `continue_world`).",
    )
    runs_dir: Path = Field(default=Path("runs"), description="Folder the run's own folder is created in.")
    name: str | None = Field(
        default=None, description="Name of the run's folder (unset: time, env and task)."
    )
    max_iterations: int = Field(
        default=3, ge=1, description="Most iterations (plan, code, train, evaluate, critique)."
    )
    target_success: float = Field(
        default=0.8, ge=0.0, le=1.0, description="Evaluation success rate at which the run stops."
    )
    dead_loop_patience: int = Field(
        default=2, ge=1, description="Repeated iterations (same plan and code, no better) that end the run."
    )
    max_fixes: int = Field(default=2, ge=0, description="Times the coder may fix a rejected program.")
    llm: LLMConfig = Field(
        default_factory=LLMConfig, description="The language model of the agents (`[llm]`)."
    )
    planner: str = Field(default="default", description="Planner implementation (see `rlgpt plugins`).")
    coder: str = Field(default="default", description="Coder implementation (see `rlgpt plugins`).")
    critic: str = Field(default="default", description="Critic implementation (see `rlgpt plugins`).")
    learner: LearnerConfig = Field(default_factory=LearnerConfig, description="The RL learner (`[learner]`).")
    evaluation: EvaluationConfig = Field(
        default_factory=EvaluationConfig, description="How policies are evaluated (`[evaluation]`)."
    )
    code: CodeConfig = Field(default_factory=CodeConfig, description="Limits on generated code (`[code]`).")
    logging: LoggingConfig = Field(
        default_factory=LoggingConfig, description="Experiment tracking (`[logging]`)."
    )
    skills: SkillsConfig = Field(default_factory=SkillsConfig, description="The skill library (`[skills]`).")


STRUCTURED_STARTS = ("[", "{", '"', "'")
"""First characters of a ``--set`` value that must then parse as TOML (arrays, tables, quoted strings)."""


def parse_override(item: str) -> tuple[str, Any]:
    """Split ``"a.b=value"``; the value is read as a TOML literal, else kept as a string.

    A value that starts like an array, a table or a quoted string must be valid TOML:
    ``seed=[1,`` is an error, not the string ``"[1,"``.
    """
    key, sep, raw = item.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key:
        raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. --set learner.total_timesteps=5000")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError as exc:
        if raw[:1] in STRUCTURED_STARTS:
            raise ConfigError(
                f"--set {item!r}: {raw!r} is not a valid TOML value ({exc}); fix it, or quote it to mean "
                f"a string: --set '{key}=\"{raw}\"'"
            ) from None
        value = raw
    return key, value


def apply_overrides(data: Mapping[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """A copy of ``data`` with each ``key.path=value`` override set (tables created as needed)."""
    out = _deep_copy(data)
    for item in overrides:
        key, value = parse_override(item)
        node = out
        parts = key.split(".")
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                prefix = ".".join(parts[: depth + 1])
                raise ConfigError(f"--set {key}: {prefix} is a value ({child!r}), not a table")
            node = child
        node[parts[-1]] = value
    return out


SWITCHED_SETTINGS = (("llm", "backend", "options"), ("learner", "name", "hyperparameters"))
"""``(section, key naming a plugin, key of that plugin's own settings)``: an override that switches
the plugin drops the settings written for the old one (a transcript means nothing to a local
model, PPO's ``n_steps`` nothing to DQN); settings the overrides give are kept."""


def _drop_switched_settings(
    data: Mapping[str, Any], merged: dict[str, Any], overrides: list[str], notes: list[str]
) -> None:
    """Per :data:`SWITCHED_SETTINGS`, keep in ``merged`` only the override-set settings of a switched
    plugin, and add a note naming what was dropped."""
    for section, key, settings in SWITCHED_SETTINGS:
        before, after = data.get(section, {}), merged.get(section, {})
        if not isinstance(before, Mapping) or not isinstance(after, dict):
            continue
        written = before.get(settings)
        if not isinstance(written, Mapping) or not written:
            continue
        default = RunConfig.model_fields[section].get_default(call_default_factory=True)
        old, new = before.get(key, getattr(default, key)), after.get(key, getattr(default, key))
        if old == new:
            continue
        own = [item for item in overrides if parse_override(item)[0].split(".")[:2] == [section, settings]]
        after[settings] = apply_overrides({}, own).get(section, {}).get(settings, {})
        dropped = [name for name in written if name not in after[settings]]
        if dropped:
            notes.append(
                f"{section}.{key} switched from {old!r} to {new!r}: dropped the {section}.{settings} "
                f"written for {old!r} ({', '.join(dropped)}); give {new!r} its own with "
                f"--set {section}.{settings}.NAME=VALUE"
            )


def _deep_copy(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, Mapping) else v for k, v in data.items()}


def parse_config(
    data: Mapping[str, Any], overrides: Iterable[str] = (), notes: list[str] | None = None
) -> RunConfig:
    """Validate a config mapping (after applying overrides) into a :class:`RunConfig`.

    An override that switches ``llm.backend`` drops the ``llm.options`` written for the old
    backend, one that switches ``learner.name`` the ``learner.hyperparameters`` written for the
    old learner (:data:`SWITCHED_SETTINGS`); settings given by overrides are kept. Each drop adds
    a one-line note to ``notes`` (the ``rlgpt`` command prints them).
    """
    overrides = list(overrides)
    merged = apply_overrides(data, overrides)
    _drop_switched_settings(data, merged, overrides, notes if notes is not None else [])
    try:
        return RunConfig.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc)) from None


def load_config(path: str | Path, overrides: Iterable[str] = (), notes: list[str] | None = None) -> RunConfig:
    """Read a run config TOML file, apply ``--set`` overrides and validate it (``notes`` as in
    :func:`parse_config`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file (see examples/ for runnable configs)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    try:
        return parse_config(data, overrides, notes)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def format_validation_error(exc: ValidationError) -> str:
    """Turn pydantic's errors into ``key: problem, got value`` clauses on one line."""
    return "; ".join(_format_one(error) for error in exc.errors())


def _format_one(error: Mapping[str, Any]) -> str:
    loc = [str(part) for part in error["loc"]]
    key = ".".join(loc) or "(top level)"
    kind, ctx, value = error["type"], error.get("ctx", {}), error.get("input")
    if kind == "missing":
        return f"{key}: required key is missing"
    if kind == "extra_forbidden":
        allowed = _fields_at(loc[:-1])
        message = f"{key}: unknown key (allowed: {', '.join(allowed)})"
        close = difflib.get_close_matches(loc[-1], allowed, n=1)
        return message + (f" - did you mean {'.'.join([*loc[:-1], close[0]])!r}?" if close else "")
    bounds = {
        "greater_than_equal": ("ge", ">="),
        "greater_than": ("gt", ">"),
        "less_than_equal": ("le", "<="),
        "less_than": ("lt", "<"),
    }
    if kind in bounds:
        name, symbol = bounds[kind]
        return f"{key}: must be {symbol} {ctx[name]}, got {value!r}"
    if kind == "literal_error":
        return f"{key}: must be one of {ctx['expected']}, got {value!r}"
    return f"{key}: {error['msg'].lower()}, got {value!r}"


def _fields_at(loc: list[str]) -> list[str]:
    model: type[BaseModel] = RunConfig
    for part in loc:
        annotation = model.model_fields[part].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def validate_against_registry(config: RunConfig, registry: Registry) -> None:
    """Check that every name in ``config`` is provided by an installed plugin.

    :raises ConfigError: naming the key, the bad value and the installed choices.
    """
    missing = missing_packages(config.logging)
    if missing is not None:
        raise ConfigError(missing)
    try:
        env = registry.environment(config.env)
    except UnknownPluginError as exc:
        raise ConfigError(f"env: {exc}") from None
    reason = env.unavailable_reason()
    if reason is not None:
        raise ConfigError(f"env: environment {env.name!r} is installed but unavailable: {reason}")
    task_ids = [task.id for task in env.tasks]
    if config.task not in task_ids:
        message = unknown_name_message("task", config.task, task_ids, listing=f"tasks of {env.name!r}")
        raise ConfigError(f"task: {message}")
    if config.obs_mode is not None and config.obs_mode not in env.observation_modes:
        modes, listing = env.observation_modes, f"modes of {env.name!r}"
        message = unknown_name_message("observation mode", config.obs_mode, modes, listing=listing)
        raise ConfigError(f"obs_mode: {message}")
    try:
        _check_env_options(env, config.env_options)
    except ValueError as exc:
        raise ConfigError(f"env_options: {exc}") from None
    checks = [
        ("method", registry.method, config.method),
        ("agents", registry.agent_structure, config.agents),
        ("llm.backend", registry.llm_backend, config.llm.backend),
        ("learner.name", registry.learner, config.learner.name),
        ("planner", registry.planner, config.planner),
        ("coder", registry.coder, config.coder),
        ("critic", registry.critic, config.critic),
    ]
    for key, lookup, name in checks:
        try:
            lookup(name)
        except UnknownPluginError as exc:
            raise ConfigError(f"{key}: {exc}") from None
    _check_role_llms(config.llm, registry)
    learner = registry.learner(config.learner.name)
    space = "continuous" if env.continuous else "discrete"
    if space not in learner.action_spaces:
        fitting = sorted(n for n, spec in registry.learners.items() if space in spec.action_spaces)
        raise ConfigError(
            f"learner.name: learner {learner.name!r} cannot train on the {space} actions of environment "
            f"{env.name!r} (learners that can: {', '.join(fitting) or 'none installed'})"
        )
    if config.learner.checkpoint_every is not None and not learner.periodic_checkpoints:
        raise ConfigError(
            f"learner.checkpoint_every: learner {learner.name!r} writes no periodic checkpoints "
            "- remove learner.checkpoint_every"
        )
    if learner.validate_hyperparameters is not None:
        try:
            learner.validate_hyperparameters(config.learner.hyperparameters)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"learner.hyperparameters: {exc}") from None


ENV_OPTIONS_WITH_A_SETTING = {
    "task": "use task instead",
    "obs_mode": "use obs_mode instead",
    "max_episode_steps": "use evaluation.max_episode_steps instead",
    "render_mode": "rlgpt sets it when it records frames",
}
"""Factory keywords a run config does not set through ``env_options``, and why."""


def _check_env_options(env: EnvironmentSpec, options: Mapping[str, Any]) -> None:
    """Each option is a keyword ``env``'s factory takes and no other setting owns (``ValueError``)."""
    for name in options:
        if name in ENV_OPTIONS_WITH_A_SETTING:
            raise ValueError(f"{name!r} is not an option here: {ENV_OPTIONS_WITH_A_SETTING[name]}")
    if not options:
        return
    accepted = keyword_names(load_object(env.entry_point))
    for name in options:
        if accepted is not None and name not in accepted:
            choices = [a for a in accepted if a not in ENV_OPTIONS_WITH_A_SETTING]
            raise ValueError(unknown_keyword(f"environment {env.name!r}", name, choices))


def _check_role_llms(llm: LLMConfig, registry: Registry) -> None:
    """Each role's backend is installed and takes the options it is given."""
    for role in LLM_ROLES:
        chosen = llm.for_role(role)
        prefix = "llm" if getattr(llm, role) is None else f"llm.{role}"
        try:
            spec = registry.llm_backend(chosen.backend)
        except UnknownPluginError as exc:
            raise ConfigError(f"{prefix}.backend: {exc}") from None
        try:
            check_options(spec, chosen.options)
        except ValueError as exc:
            raise ConfigError(f"{prefix}.options: {exc}") from None
