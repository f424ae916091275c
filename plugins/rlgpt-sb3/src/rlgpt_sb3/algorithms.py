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
    :param class_name: the algorithm's class in ``module`` (``"PPO"``).
    :param action_spaces: the action-space kinds it trains on: ``"discrete"`` and/or ``"continuous"``.
    :param description: one line for ``rlgpt plugins``.
    :param defaults: constructor keywords used unless the user overrides them; sized for
        small symbolic observations on one CPU thread.
    :param module: the package that defines ``class_name`` (``stable_baselines3``, ``sb3_contrib``).
    :param masked: the algorithm trained instead when the env masks actions (``ppo``: MaskablePPO);
        ``None``: masks are ignored.
    """

    name: str
    class_name: str
    action_spaces: frozenset[str]
    description: str
    defaults: Mapping[str, Any] = field(default_factory=dict)
    module: str = "stable_baselines3"
    masked: Algorithm | None = None

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
CPU_DEFAULTS: Mapping[str, Any] = {"device": "cpu", "verbose": 0}
"""Defaults of every learner: the CPU (small models run faster there), no SB3 console output."""

_PPO_DEFAULTS = {
    "n_steps": 512,
    "batch_size": 64,
    "n_epochs": 4,
    "learning_rate": 3e-4,
    "gamma": 0.99,
    "ent_coef": 0.01,
    **CPU_DEFAULTS,
    "policy_kwargs": _SMALL_MLP,
}

MASKABLE_PPO_ALGORITHM = Algorithm(
    name="ppo",
    class_name="MaskablePPO",
    module="sb3_contrib",
    action_spaces=frozenset({"discrete"}),
    description="PPO with invalid-action masking (sb3-contrib), for coded actions with preconditions",
    defaults=_PPO_DEFAULTS,
)
"""What the ``ppo`` learner trains with when its env masks actions (``CodedActions.masked``)."""

PPO_ALGORITHM = Algorithm(
    name="ppo",
    class_name="PPO",
    action_spaces=frozenset({"discrete", "continuous"}),
    description="PPO (stable-baselines3) for discrete actions (primitives plus coded macro actions) or "
    "continuous ones (a Box with a selector per coded action: its policy-gradient update needs no gradient "
    "through the selectors' argmax, which SAC's and TD3's do)",
    defaults=_PPO_DEFAULTS,
    masked=MASKABLE_PPO_ALGORITHM,
)

_CONTINUOUS_OFF_POLICY_DEFAULTS: dict[str, Any] = {
    "learning_rate": 1e-3,
    "buffer_size": 100_000,
    "learning_starts": 100,
    "batch_size": 64,
    "gamma": 0.98,
    **CPU_DEFAULTS,
    "policy_kwargs": _SMALL_MLP,
}
"""What SAC and TD3 share: small networks, a 100k buffer, 100 random steps first, one thread."""

SAC_ALGORITHM = Algorithm(
    name="sac",
    class_name="SAC",
    action_spaces=frozenset({"continuous"}),
    description="SAC (stable-baselines3) for continuous Box actions",
    defaults={**_CONTINUOUS_OFF_POLICY_DEFAULTS, "train_freq": 1, "gradient_steps": 1},
)

DQN_ALGORITHM = Algorithm(
    name="dqn",
    class_name="DQN",
    action_spaces=frozenset({"discrete"}),
    description="DQN (stable-baselines3) for discrete actions",
    defaults={
        "learning_rate": 1e-3,
        "buffer_size": 50_000,
        "learning_starts": 100,
        "batch_size": 64,
        "train_freq": 1,
        "target_update_interval": 100,
        "exploration_fraction": 0.2,
        **CPU_DEFAULTS,
        "policy_kwargs": _SMALL_MLP,
    },
)

A2C_ALGORITHM = Algorithm(
    name="a2c",
    class_name="A2C",
    action_spaces=frozenset({"discrete", "continuous"}),
    description="A2C (stable-baselines3) for discrete or continuous actions",
    defaults={"n_steps": 16, "ent_coef": 0.01, **CPU_DEFAULTS, "policy_kwargs": _SMALL_MLP},
)

TD3_ALGORITHM = Algorithm(
    name="td3",
    class_name="TD3",
    action_spaces=frozenset({"continuous"}),
    description="TD3 (stable-baselines3) for continuous Box actions",
    defaults={**_CONTINUOUS_OFF_POLICY_DEFAULTS},
)

ALGORITHMS: tuple[Algorithm, ...] = (
    PPO_ALGORITHM,
    SAC_ALGORITHM,
    DQN_ALGORITHM,
    A2C_ALGORITHM,
    TD3_ALGORITHM,
)
"""The learners this plugin registers."""


def with_masks(algorithm: Algorithm, masked: bool) -> Algorithm:
    """The algorithm to train with: its ``masked`` variant when the env masks actions and it has one."""
    return algorithm.masked if masked and algorithm.masked is not None else algorithm
