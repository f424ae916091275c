"""The trial matrix: a base config times methods, tasks, seeds and LLMs.

Each :class:`Trial` is one fully resolved :class:`~rlgpt.config.RunConfig`. Its id is
readable (``<task>-<method>-<llm>-s<seed>``) and ends with a hash of the resolved config,
so a rerun of the same matrix finds the trials it already finished. A method without
agents (``pure-rl``) never asks an LLM: it is one trial per task and seed, whatever ``--llm``
lists, and its hash leaves the LLM settings out.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import rlgpt
from rlgpt.agents.conversation import prompt_version
from rlgpt.config import LLM_ROLES, ConfigError, LLMConfig, RunConfig, validate_against_registry
from rlgpt.llm.transcript import transcript_digest
from rlgpt.methods import Method
from rlgpt.plugins import Registry, UnknownPluginError, unknown_name_message

METHODS = ("rl-gpt", "pure-rl", "pure-code")  # the default --methods
NO_LLM = "-"
"""The LLM label of trials that use no LLM (pure RL)."""
REPLAY = "replay"
_HASH_EXCLUDED = ("runs_dir", "name", "logging")
"""Config keys that decide nothing of a trial's outcome: where it is stored, what tracks it."""
_LLM_KEYS = ("llm", "agents", "planner", "coder", "critic")


@dataclass(frozen=True)
class LLMChoice:
    """One item of ``--llm``: a backend, a model and the options the backend is built with."""

    backend: str
    model: str
    options: dict[str, Any]


@dataclass(frozen=True)
class Trial:
    """One cell of the matrix: one run of the loop.

    :param id: ``<task>-<method>-<llm>-s<seed>-<hash>``; the hash covers the resolved config.
    :param config: the resolved run config (its ``runs_dir`` is the bench's ``runs/`` folder).
    :param llm: the LLM label, or ``-`` for pure RL.
    """

    id: str
    config: RunConfig
    llm: str

    @property
    def method(self) -> str:
        """The trial's method."""
        return self.config.method

    @property
    def task(self) -> str:
        """The trial's task id."""
        return self.config.task

    @property
    def seed(self) -> int:
        """The trial's seed."""
        return self.config.seed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what a worker process receives)."""
        return {"id": self.id, "llm": self.llm, "config": self.config.model_dump(mode="json")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trial:
        """Rebuild from :meth:`to_dict` output."""
        return cls(id=data["id"], config=RunConfig.model_validate(data["config"]), llm=data["llm"])


def parse_llm(item: str, base: RunConfig, registry: Registry) -> LLMChoice:
    """Resolve one ``--llm`` item: ``backend:model``, a bare backend name, or a model alias.

    A bare backend takes the base config's model when the base config uses that backend,
    else the backend's first listed model. A bare name that is no backend is looked up among
    every backend's aliases and models. Options come from the base config when its backend
    is the same one; other backends get none (API keys come from the environment).

    :raises ConfigError: unknown backend or model, or replay without a transcript.
    """
    backend, sep, model = item.partition(":")
    if sep:
        if not model:
            raise ConfigError(f"--llm {item!r}: no model after ':' (e.g. openai:gpt-4o)")
        _known_backend(item, backend, registry)
    elif backend in registry.llm_backends:
        model = base.llm.model if base.llm.backend == backend else _first_model(item, registry, backend)
    else:
        backend, model = _backend_of_model(item, registry), item
    options = dict(base.llm.options) if backend == base.llm.backend else {}
    if backend == REPLAY:
        options["transcript"] = _replay_transcript(item, options)
    return LLMChoice(backend, model, options)


def _replay_transcript(item: str, options: dict[str, Any]) -> str:
    """The absolute path of the base config's replay transcript, which must exist."""
    if "transcript" not in options:
        raise ConfigError(
            f"--llm {item!r}: the replay backend answers from the base config's transcript, and it has none; "
            'give --config with [llm] backend = "replay" and [llm.options] transcript = "<file.jsonl>"'
        )
    transcript = Path(options["transcript"]).resolve()
    if not transcript.is_file():
        raise ConfigError(
            f"--llm {item!r}: replay transcript {transcript} not found; "
            "fix llm.options.transcript in the base config (relative paths count from here)"
        )
    return str(transcript)


def _known_backend(item: str, backend: str, registry: Registry) -> None:
    if backend not in registry.llm_backends:
        message = unknown_name_message("LLM backend", backend, registry.llm_backends)
        raise ConfigError(f"--llm {item!r}: {message}")


def _first_model(item: str, registry: Registry, backend: str) -> str:
    models = registry.llm_backends[backend].models
    if not models:
        raise ConfigError(f"--llm {item!r}: backend {backend!r} lists no model; give {backend}:<model>")
    return models[0]


def _backend_of_model(item: str, registry: Registry) -> str:
    owners = sorted(
        name for name, spec in registry.llm_backends.items() if item in spec.aliases or item in spec.models
    )
    if len(owners) == 1:
        return owners[0]
    if owners:
        choices = ", ".join(f"{owner}:{item}" for owner in owners)
        raise ConfigError(f"--llm {item!r}: several backends know this model; give one of {choices}")
    known = set(registry.llm_backends)
    for spec in registry.llm_backends.values():
        known.update(spec.aliases, spec.models)
    message = unknown_name_message("LLM", item, known, listing="backends and models")
    raise ConfigError(f"--llm {message} (or give backend:model)")


def check_methods(methods: Sequence[str], registry: Registry) -> list[str]:
    """The methods, each a registered one (built-in or a plugin's), duplicates dropped."""
    for method in methods:
        if method not in registry.methods:
            message = unknown_name_message("method", method, registry.methods, "methods")
            raise ConfigError(f"--methods: {message}")
    return list(dict.fromkeys(methods))


def config_hash(config: RunConfig, *, uses_agents: bool) -> str:
    """Hash of what decides a trial's outcome: the config without where it is stored, and the code.

    The code counts by :func:`code_version`; trials that ask an LLM also count the prompt
    files (:func:`~rlgpt.agents.conversation.prompt_version`). A method that uses no agents
    (``uses_agents``; pure RL) leaves out the LLM and agent settings, which it never uses.
    A replay LLM's transcript, and a model given as a
    file, count by content, not by path, so the id is the same in every checkout and editing
    the answers makes new trials. (A local model alias names hash-checked files.)
    """
    data = config.model_dump(mode="json", exclude=set(_HASH_EXCLUDED))
    if not config.skills.enabled:  # without a library: the ids of configs from before libraries
        data.pop("skills")
    data["code_version"] = code_version()
    if not uses_agents:
        for key in _LLM_KEYS:
            data.pop(key)
    else:
        data["prompt_version"] = prompt_version()
        if config.llm.backend == REPLAY:
            data["transcript_sha256"] = _pop_transcript_digest(data["llm"]["options"])
        for role in LLM_ROLES:
            override = data["llm"].get(role) or {}
            if override.get("backend") == REPLAY and "transcript" in (override.get("options") or {}):
                override["transcript_sha256"] = _pop_transcript_digest(override["options"])
        model = Path(config.llm.model)
        if model.is_file():
            data["llm"]["model"] = f"sha256:{file_sha256(model)}"
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]


def _pop_transcript_digest(options: dict[str, Any]) -> str:
    """Remove a replay transcript's path from ``options``; the sha256 of its content and of the
    transcripts it includes, read afresh (an edited transcript makes new trials)."""
    return transcript_digest(Path(options.pop("transcript")))


REPORTING_MODULES = frozenset(
    f"bench/{name}.py"
    for name in (
        "analysis", "control_records", "controls", "llm_analysis", "plots", "quality", "stats", "tables"
    )
)
"""Modules that only read finished trials: editing them changes no trial's outcome, so no trial id."""


@cache
def code_version() -> str:
    """Digest of the installed ``rlgpt`` package's Python sources, less :data:`REPORTING_MODULES`:
    any change to code that runs a trial makes new trials."""
    root = Path(rlgpt.__file__).parent
    digest = hashlib.sha256()
    for source in sorted(root.rglob("*.py")):
        relative = source.relative_to(root).as_posix()
        if relative not in REPORTING_MODULES:
            digest.update(relative.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


@cache
def file_sha256(path: Path) -> str:
    """sha256 of a file, read in chunks (model files are large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._]+", "_", text).strip("_")


def make_trial(
    base: RunConfig, method: Method, task: str, seed: int, llm: LLMChoice | None, runs_dir: Path
) -> Trial:
    """Resolve one cell: the base config with the cell's method, task, seed and LLM.

    A trial of a method without agents (pure RL) still gets an LLM that can be built (the loop
    builds one) but is labelled ``-``.
    """
    update: dict[str, Any] = {"method": method.name, "task": task, "seed": seed, "runs_dir": runs_dir}
    if llm is not None:
        update["llm"] = base.llm.model_copy(
            update={"backend": llm.backend, "model": llm.model, "options": llm.options}
        )
    config = base.model_copy(update=update)
    label = NO_LLM if not method.uses_agents or llm is None else llm_label(config.llm)
    readable = "-".join([task, method.name, *([_slug(label)] if label != NO_LLM else []), f"s{seed}"])
    trial_id = f"{readable}-{config_hash(config, uses_agents=method.uses_agents)}"
    return Trial(id=trial_id, config=config.model_copy(update={"name": trial_id}), llm=label)


def llm_label(llm: LLMConfig) -> str:
    """``backend:model``, followed by the roles that use another LLM (``[llm.<role>]``), as tables show it:
    ``llama-cpp:qwen2.5-coder-0.5b (planner, critic: replay:reference)``."""
    label = f"{llm.backend}:{llm.model}"
    others: dict[str, list[str]] = {}
    for role in LLM_ROLES:
        used = llm.for_role(role)
        if (used.backend, used.model) != (llm.backend, llm.model):
            others.setdefault(f"{used.backend}:{used.model}", []).append(role)
    if not others:
        return label
    roles = "; ".join(", ".join(names) + f": {name}" for name, names in others.items())
    return f"{label} ({roles})"


def build_trials(
    base: RunConfig,
    *,
    methods: Sequence[str],
    tasks: Sequence[str],
    seeds: Sequence[int],
    llms: Sequence[LLMChoice],
    runs_dir: Path,
    registry: Registry,
) -> list[Trial]:
    """Every trial of the matrix, in task, method, LLM, seed order; each config checked against plugins.

    A method without agents (pure RL) runs once per task and seed, with the first LLM (which it
    never asks). Any registered method can be benchmarked.

    :raises ConfigError: a method, environment, task or plugin name is unknown.
    """
    try:
        task_ids = [task.id for task in registry.environment(base.env).tasks]
    except UnknownPluginError as exc:
        raise ConfigError(f"env: {exc}") from None
    for task in tasks:
        if task not in task_ids:
            listing = f"tasks of {base.env!r}"
            raise ConfigError(f"--tasks: {unknown_name_message('task', task, task_ids, listing=listing)}")
    trials = []
    for task in dict.fromkeys(tasks):
        for method in map(registry.method, check_methods(methods, registry)):
            for llm in llms if method.uses_agents else llms[:1]:
                for seed in dict.fromkeys(seeds):
                    trial = make_trial(base, method, task, seed, llm, runs_dir)
                    validate_against_registry(trial.config, registry)
                    trials.append(trial)
    return trials
