"""Fixtures that run the plugin's environments on the MineDojo stand-in (``standin.py``, NOT MineDojo)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import rlgpt_minedojo.env
from rlgpt_minedojo.actions import ACTIONS, camera_vector
from rlgpt_minedojo.env import MineDojoEnv
from rlgpt_minedojo.sim import make_kwargs
from rlgpt_minedojo.tasks import MineDojoTask


def _load_standin() -> ModuleType:
    """``standin.py`` as a module (tests run with ``--import-mode=importlib``: no path imports it)."""
    name = "rlgpt_minedojo_tests_standin"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("standin.py"))
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


STANDIN = _load_standin()


def standin_simulator(
    task: MineDojoTask, seed: int | None, image_size: tuple[int, int], fast_reset: bool = True
) -> Any:
    """``rlgpt_minedojo.sim.minedojo_make`` with the stand-in's ``make`` and ``InventoryItem`` in place of
    MineDojo's: the plugin's real ``minedojo.make("harvest", ...)`` keyword arguments."""
    return STANDIN.make("harvest", **make_kwargs(task, seed, image_size, STANDIN.InventoryItem, fast_reset))


@pytest.fixture
def standin() -> ModuleType:
    """The stand-in module (its ``make``, ``InventoryItem`` and the constants it copied from MineDojo)."""
    return STANDIN


@pytest.fixture
def inventory_item() -> type:
    """The stand-in's ``InventoryItem`` (MineDojo's fields)."""
    return STANDIN.InventoryItem


@pytest.fixture
def on_standin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Environments built in this test run on the stand-in instead of ``minedojo.make``."""
    monkeypatch.setattr(rlgpt_minedojo.env, "minedojo_make", standin_simulator)


def _attack_until_log(env: MineDojoEnv, seed: int = 3) -> tuple[Any, float, bool, bool, dict[str, Any]]:
    """Reset with ``seed``, turn to the nearest tree, walk up to it and attack it until a log drops."""
    _, info = env.reset(seed=seed)
    env.step(camera_vector(0, info["seen"]["wood"]["yaw"]))
    for _ in range(40):
        obs, reward, terminated, truncated, info = env.step(ACTIONS.index("forward+attack"))
        if terminated or truncated or "log" in info["inventory"]:
            return obs, reward, terminated, truncated, info
    raise AssertionError("no log after 40 steps")


@pytest.fixture
def attack_until_log() -> Any:
    """``attack_until_log(env, seed=3)``: reset, chop the nearest tree, return the step that gave a log."""
    return _attack_until_log
