"""The environment contract catches broken environments (the corridor plugin shows it passing)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
from rlgpt.testing.environment import same_value

BROKEN_ENV = '''
import itertools

from rlgpt_example_plugin.env import CorridorEnv

RESETS = itertools.count()


class UnseededCorridor(CorridorEnv):
    """Ignores the seed (each reset of any instance starts one cell further on) and
    returns float64 observations from a float32 observation space."""

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed, options=options)
        self._position = next(RESETS) % 4
        return self._obs(), self._info()

    def _obs(self):
        return super()._obs().astype("float64")
'''

BROKEN_TEST = '''
from dataclasses import replace

import pytest
from rlgpt import SkillAPI, TaskSpec
from rlgpt.testing import EnvironmentContract
from rlgpt_example_plugin import SPEC


class QuietSkills(SkillAPI):
    def jump(self):
        self.act(1)


class TestBrokenCorridor(EnvironmentContract):
    env_name = "corridor"

    @pytest.fixture
    def spec(self):
        return replace(
            SPEC,
            entry_point="broken_env:UnseededCorridor",
            primitive_actions=("left", "right", "jump"),
            skill_api=QuietSkills,
            describe=lambda obs, info: "",
            tasks=(*SPEC.tasks, TaskSpec("count", "Count cells.", lambda info: info["position"], 10)),
        )
'''


def test_contract_fails_a_broken_environment(tmp_path: Path) -> None:
    (tmp_path / "broken_env.py").write_text(BROKEN_ENV)
    (tmp_path / "test_broken.py").write_text(textwrap.dedent(BROKEN_TEST))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", "test_broken.py"],
        capture_output=True, text=True, cwd=tmp_path, timeout=180,
        env={"PYTHONPATH": str(tmp_path), "OMP_NUM_THREADS": "1", "RLGPT_LOAD_PLUGINS": "example"},
    )
    failed = set(re.findall(r"FAILED test_broken\.py::TestBrokenCorridor::(\w+)", result.stdout))
    assert failed == {
        "test_check_env",
        "test_seeded_determinism",
        "test_success_predicates",
        "test_skills_documented",
        "test_describe",
        "test_primitive_actions_match_action_space",
        "test_long_rollouts",
        "test_skill_api_drives_the_env",
    }, result.stdout
    assert "skills without a docstring in QuietSkills: jump" in result.stdout
    assert "task 'count': success(info) returned int, not bool" in result.stdout
    assert "action space has 2 actions but primitive_actions names 3" in result.stdout


def test_same_value_compares_structures() -> None:
    assert same_value({"a": np.zeros(3), "b": (1, [2])}, {"a": np.zeros(3), "b": (1, [2])})
    assert not same_value({"a": np.zeros(3)}, {"a": np.ones(3)})
    assert not same_value((1, 2), (1, 2, 3))
    assert not same_value({"a": 1}, {"b": 1})
