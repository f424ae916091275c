"""Any stable-baselines3 (or sb3-contrib) algorithm as an rlgpt learner, in one call.

A plugin registers one with::

    @rlgpt.hookimpl
    def register_learners(register):
        register(sb3_learner("qrdqn", "sb3_contrib:QRDQN", action_spaces="discrete"))

and gets what every learner of this plugin has: budgets in primitive env steps (macro actions
count their ``info["macro_steps"]``), episode records, progress, vectorised envs (``n_envs``),
exact-path checkpoints and periodic ones, loading, a policy loader, action masks (through a
``masked`` variant) and hyperparameters checked against the algorithm's constructor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from rlgpt import LearnerSpec

from rlgpt_sb3.algorithms import CPU_DEFAULTS, Algorithm
from rlgpt_sb3.factories import LearnerFactory
from rlgpt_sb3.policy import CheckpointLoader

_KINDS = frozenset({"discrete", "continuous"})


def sb3_learner(
    name: str,
    algorithm: str | type,
    *,
    action_spaces: str | Iterable[str],
    description: str | None = None,
    defaults: Mapping[str, Any] | None = None,
    masked: str | type | None = None,
) -> LearnerSpec:
    """The :class:`rlgpt.LearnerSpec` of an SB3 algorithm, ready for ``register_learners``.

    :param name: learner id in configs (``learner.name``).
    :param algorithm: the algorithm class, or ``"module:Class"`` (``"stable_baselines3:DQN"``), which
        keeps torch unloaded until a learner is built.
    :param action_spaces: ``"discrete"``, ``"continuous"`` or both: what it trains on.
    :param description: one line for ``rlgpt plugins`` (default: the class's name).
    :param defaults: constructor keywords used unless ``learner.hyperparameters`` overrides them; on top
        of ``device="cpu", verbose=0``.
    :param masked: the algorithm trained instead when the env masks actions (coded actions with
        preconditions), such as ``"sb3_contrib:MaskablePPO"``; ``None``: masks are ignored.
    """
    module, class_name = _locate(algorithm)
    kinds = _kinds(name, action_spaces)
    base = Algorithm(
        name=name,
        class_name=class_name,
        module=module,
        action_spaces=kinds,
        description=description or f"{class_name} ({module.split('.')[0]})",
        defaults={**CPU_DEFAULTS, **(defaults or {})},
    )
    if masked is not None:
        masked_module, masked_class = _locate(masked)
        variant = dataclasses.replace(base, class_name=masked_class, module=masked_module)
        base = dataclasses.replace(base, masked=variant)
    return learner_spec(base)


def learner_spec(algorithm: Algorithm) -> LearnerSpec:
    """The spec registering ``algorithm``: its factory, policy loader and hyperparameter check."""
    return LearnerSpec(
        name=algorithm.name,
        factory=LearnerFactory(algorithm),
        description=algorithm.description,
        action_spaces=algorithm.action_spaces,
        load_policy=CheckpointLoader(algorithm),
        validate_hyperparameters=algorithm.validate,
        logs_tensorboard=True,
        periodic_checkpoints=True,
    )


def _locate(algorithm: str | type) -> tuple[str, str]:
    """``(module, class name)`` of an algorithm class or a ``"module:Class"`` reference."""
    if isinstance(algorithm, type):
        return algorithm.__module__, algorithm.__qualname__
    if isinstance(algorithm, str) and algorithm.count(":") == 1 and all(algorithm.split(":")):
        module, class_name = algorithm.split(":")
        return module, class_name
    raise ValueError(
        f"algorithm must be an SB3 algorithm class or 'module:Class', got {algorithm!r} "
        "- e.g. 'stable_baselines3:DQN'"
    )


def _kinds(name: str, action_spaces: str | Iterable[str]) -> frozenset[str]:
    """The action-space kinds as a set; an unknown kind is a one-line error."""
    kinds = frozenset({action_spaces} if isinstance(action_spaces, str) else action_spaces)
    if not kinds or not kinds <= _KINDS:
        raise ValueError(
            f"action_spaces of learner {name!r} must be 'discrete' and/or 'continuous', got {sorted(kinds)}"
        )
    return kinds
