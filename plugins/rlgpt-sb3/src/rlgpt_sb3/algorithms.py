"""The stable-baselines3 algorithms this plugin offers, their CPU defaults and hyperparameter checks.

Importing this module stays cheap (no torch, no SB3), so registering the learners does not load them.
"""

from __future__ import annotations

import collections.abc
import copy
import difflib
import importlib
import inspect
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stable_baselines3.common.base_class import BaseAlgorithm

# Keywords of the SB3 constructors that the learner sets itself.
_MANAGED = frozenset({"self", "policy", "env", "seed", "_init_setup_model"})
# Keywords this plugin adds on top of the SB3 constructor's.
EXTRA_KEYS = frozenset({"policy", "torch_threads"})


@dataclass(frozen=True)
class Algorithm:
    """One SB3 algorithm as a learner.

    :param name: learner id (``ppo``).
    :param class_name: the algorithm's class in ``stable_baselines3`` (``"PPO"``).
    :param action_space: ``"discrete"`` or ``"continuous"``: the action-space kind it trains on.
    :param description: one line for ``rlgpt plugins``.
    :param defaults: constructor keywords used unless the user overrides them; sized for
        small symbolic observations on one CPU thread.
    :param module: the package that defines ``class_name``.
    """

    name: str
    class_name: str
    action_space: str
    description: str
    defaults: Mapping[str, Any] = field(default_factory=dict)
    module: str = "stable_baselines3"

    @property
    def cls(self) -> type[BaseAlgorithm]:
        """The SB3 algorithm class (imports stable-baselines3, or sb3-contrib)."""
        return getattr(importlib.import_module(self.module), self.class_name)

    def valid_keys(self) -> frozenset[str]:
        """Hyperparameter names accepted by this algorithm's factory."""
        params = inspect.signature(self.cls.__init__).parameters
        return frozenset(params) - _MANAGED | EXTRA_KEYS

    def validate(self, overrides: Mapping[str, Any]) -> None:
        """Check names and types of ``overrides`` before a run starts; one-line ``ValueError``.

        A value must fit the constructor's type annotation (``ent_coef: str | float`` takes
        ``"auto"`` or ``0.02``); where there is none, the type of its default.
        """
        valid = self.valid_keys()
        params = inspect.signature(self.cls.__init__).parameters
        for key, value in overrides.items():
            if key not in valid:
                raise ValueError(_unknown_key_message(self.name, key, valid))
            if key not in params:
                continue
            annotation = params[key].annotation
            if annotation is inspect.Parameter.empty:
                annotation = _expected_type(params[key].default) or Any
            if not _fits(value, annotation):
                raise ValueError(
                    f"hyperparameter {key!r} of learner {self.name!r} must be {_type_name(annotation)}, "
                    f"got {value!r}"
                )

    def resolve(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``overrides`` into the defaults; an unknown key is a one-line ``ValueError``.

        ``policy_kwargs`` is merged key by key, so ``{"net_arch": [256]}`` keeps the other defaults.
        """
        valid = self.valid_keys()
        for key in overrides:
            if key not in valid:
                raise ValueError(_unknown_key_message(self.name, key, valid))
        merged = {**copy.deepcopy(dict(self.defaults)), **overrides}
        if overrides.get("policy_kwargs") is not None:
            merged["policy_kwargs"] = {**self.defaults.get("policy_kwargs", {}), **overrides["policy_kwargs"]}
        if isinstance(merged.get("train_freq"), list):  # TOML configs have lists, not tuples
            merged["train_freq"] = tuple(merged["train_freq"])
        # SB3 writes into policy_kwargs; every learner gets its own copy.
        return copy.deepcopy(merged)


def _expected_type(default: Any) -> type | None:
    """The type a value must have to replace ``default`` (``None``: anything goes)."""
    for kind in (bool, int, float, str):
        if isinstance(default, kind):
            return kind
    return None


def _fits(value: Any, annotation: Any) -> bool:
    """Whether a config value (bool, number, string, list, table) fits a constructor annotation.

    Checks what a config can get wrong; annotations it cannot judge (forward references,
    exotic generics) accept anything, and SB3 checks them itself.
    """
    if annotation is Any or isinstance(annotation, str):
        return True
    if annotation is None or annotation is type(None):
        return value is None
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, member) for member in typing.get_args(annotation))
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation in (bool, str):
        return isinstance(value, annotation)
    if origin in (dict, collections.abc.Mapping) or annotation is dict:
        return isinstance(value, dict)
    if origin in (list, tuple, collections.abc.Sequence) or annotation in (list, tuple):
        return isinstance(value, list | tuple)
    if origin is collections.abc.Callable or annotation is collections.abc.Callable:
        return callable(value)
    if origin is type:
        return isinstance(value, type)
    if isinstance(annotation, type):
        return isinstance(value, annotation)
    return True


def _type_name(annotation: Any) -> str:
    return annotation.__name__ if isinstance(annotation, type) else str(annotation).replace("typing.", "")


def _unknown_key_message(learner: str, key: str, valid: frozenset[str]) -> str:
    """One line naming the bad key, the valid ones and the closest match."""
    message = f"unknown hyperparameter {key!r} for learner {learner!r} (valid: {', '.join(sorted(valid))})"
    close = difflib.get_close_matches(key, sorted(valid), n=1)
    return f"{message} - did you mean {close[0]!r}?" if close else message


_SMALL_MLP = {"net_arch": [64, 64]}

PPO_ALGORITHM = Algorithm(
    name="ppo",
    class_name="PPO",
    action_space="discrete",
    description="PPO (stable-baselines3) for discrete actions, including primitives plus coded macro actions",
    defaults={
        "n_steps": 512,
        "batch_size": 64,
        "n_epochs": 4,
        "learning_rate": 3e-4,
        "gamma": 0.99,
        "ent_coef": 0.01,
        "device": "cpu",
        "verbose": 0,
        "policy_kwargs": _SMALL_MLP,
    },
)

MASKABLE_PPO_ALGORITHM = Algorithm(
    name="ppo",
    class_name="MaskablePPO",
    module="sb3_contrib",
    action_space="discrete",
    description="PPO with invalid-action masking (sb3-contrib), for coded actions with preconditions",
    defaults=PPO_ALGORITHM.defaults,
)
"""What the ``ppo`` learner trains with when its env masks actions (``CodedActions.masked``)."""

SAC_ALGORITHM = Algorithm(
    name="sac",
    class_name="SAC",
    action_space="continuous",
    description="SAC (stable-baselines3) for continuous Box actions",
    defaults={
        "learning_rate": 1e-3,
        "buffer_size": 100_000,
        "learning_starts": 100,
        "batch_size": 64,
        "gamma": 0.98,
        "train_freq": 1,
        "gradient_steps": 1,
        "device": "cpu",
        "verbose": 0,
        "policy_kwargs": _SMALL_MLP,
    },
)

ALGORITHMS: tuple[Algorithm, ...] = (PPO_ALGORITHM, SAC_ALGORITHM)


def with_masks(algorithm: Algorithm, masked: bool) -> Algorithm:
    """The algorithm to train with: ``ppo`` becomes MaskablePPO when the env masks actions."""
    return MASKABLE_PPO_ALGORITHM if masked and algorithm == PPO_ALGORITHM else algorithm
