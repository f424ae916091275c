"""A plugin for the core's own loop tests: a five-cell line, a learner that always takes one
action, a method and an agent structure of a user's own, and an observer.

Registered with ``PluginSelection(autoload=False).with_plugins("loop_fakes")``, so these tests
need no other plugin installed (as simonw/llm's tests register a mock model).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from rlgpt import (
    AgentSpec,
    AgentStructure,
    EnvironmentSpec,
    EpisodePoint,
    LearnerSpec,
    LLMBackendSpec,
    Method,
    SkillAPI,
    TaskSpec,
    TrainingResult,
    hookimpl,
)
from rlgpt.llm import ReplayLLM

LENGTH = 5
ACTIONS = ("left", "right")
EVENTS: list[dict[str, Any]] = []
"""Every event the observer below was told about, in order."""
CLOSED: list[str] = []
"""What was closed: ``learner:<action>`` per learner, ``llm`` per LLM."""


class LineEnv(gym.Env):
    """Walk along five cells; the last one pays 1 and ends the episode."""

    def __init__(
        self,
        task: str | None = None,
        obs_mode: str = "onehot",
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        self.observation_space = spaces.Box(0.0, 1.0, (LENGTH,), np.float32)
        self.action_space = spaces.Discrete(len(ACTIONS))
        self.max_steps = max_episode_steps or 20
        self.position = 0
        self.steps = 0

    def _obs(self) -> np.ndarray:
        obs = np.zeros(LENGTH, np.float32)
        obs[self.position] = 1.0
        return obs

    def _info(self) -> dict[str, Any]:
        return {"position": self.position, "at_end": self.position == LENGTH - 1}

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        """Back to the first cell."""
        super().reset(seed=seed)
        self.position, self.steps = 0, 0
        return self._obs(), self._info()

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        """Move one cell left or right."""
        self.position = int(np.clip(self.position + (1 if int(action) == 1 else -1), 0, LENGTH - 1))
        self.steps += 1
        at_end = self.position == LENGTH - 1
        return self._obs(), float(at_end), at_end, self.steps >= self.max_steps, self._info()


class LineSkills(SkillAPI):
    """What generated code may call on the line."""

    def right(self) -> None:
        """Step one cell right."""
        self.act(ACTIONS.index("right"))

    def left(self) -> None:
        """Step one cell left."""
        self.act(ACTIONS.index("left"))

    def position(self) -> int:
        """The current cell, 0 to 4."""
        return int(self.info["position"])


def describe(obs: Any, info: dict[str, Any]) -> str:
    """The state in words."""
    return f"at cell {info['position']} of {LENGTH}"


class FixedActionLearner:
    """Learns nothing: takes ``action`` in every step, in training and when asked to predict."""

    def __init__(self, env_fn, *, seed: int, n_envs: int, checkpoint_dir: Path, action: int = 1) -> None:
        self.env_fn, self.action = env_fn, action

    def learn(self, total_timesteps: int, *, progress_bar: bool = False, on_progress=None) -> TrainingResult:
        """Step a training env ``total_timesteps`` times with the fixed action."""
        started, env = time.perf_counter(), self.env_fn()
        env.reset(seed=0)
        episodes, length, ret = [], 0, 0.0
        for step in range(1, total_timesteps + 1):
            _, reward, terminated, truncated, info = env.step(self.action)
            length, ret = length + 1, ret + float(reward)
            if terminated or truncated:
                episodes.append(EpisodePoint(step, ret, length, info.get("is_success")))
                env.reset()
                length, ret = 0, 0.0
        env.close()
        return TrainingResult(total_timesteps, time.perf_counter() - started, tuple(episodes))

    def predict(self, obs: Any, *, deterministic: bool = True) -> int:
        """The fixed action."""
        return self.action

    def save(self, path: Path) -> Path:
        """Write the action as JSON."""
        path.write_text(json.dumps({"action": self.action}))
        return path

    def load(self, path: Path) -> None:
        """Read the action back."""
        self.action = json.loads(path.read_text())["action"]

    def close(self) -> None:
        """Record that the loop closed it."""
        CLOSED.append(f"learner:{self.action}")

    def __enter__(self) -> FixedActionLearner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def load_fixed_policy(checkpoint: Path):
    """``predict(obs) -> action`` from a checkpoint of :class:`FixedActionLearner`."""
    action = json.loads(Path(checkpoint).read_text())["action"]
    return lambda obs, **_: action


class ClosingReplay(ReplayLLM):
    """The replay backend, remembering that it was closed."""

    def close(self) -> None:
        """Record that the loop closed it."""
        CLOSED.append("llm")


class AllRL(Method):
    """A user's own method: the planner's sub-tasks, every one trained."""

    def plan(self, context, planner, tags):
        """The planner's plan with every sub-task turned into RL."""
        plan = super().plan(context, planner, tags)
        return plan.model_copy(
            update={"subtasks": [s.model_copy(update={"method": "rl"}) for s in plan.subtasks]}
        )


@hookimpl
def register_environments(register):
    """The line."""
    register(
        EnvironmentSpec(
            name="line",
            entry_point="loop_fakes:LineEnv",
            description="walk right to the end of five cells",
            primitive_actions=ACTIONS,
            observation_modes=("onehot",),
            tasks=(TaskSpec("reach_end", "Walk to the last cell.", lambda info: bool(info["at_end"]), 20),),
            skill_api=LineSkills,
            describe=describe,
        )
    )


@hookimpl
def register_learners(register):
    """The fixed-action learner."""
    register(LearnerSpec("fixed", FixedActionLearner, "always one action", load_policy=load_fixed_policy))


@hookimpl
def register_llm_backends(register):
    """Replay that records its closing."""
    register(LLMBackendSpec("closing-replay", ClosingReplay, "replay, records close()"))


@hookimpl
def register_methods(register):
    """A method of a user's own."""
    register(AllRL("all-rl", "the planner's sub-tasks, every one trained"))


@hookimpl
def register_agent_structures(register):
    """The single agent, with a critic."""
    from rlgpt.agents.builtin import OneAgent

    solo = AgentSpec("solo", OneAgent, "plans and codes in one answer")
    register(AgentStructure("solo+critic", "one agent plans and codes; a critic reads", combined=solo))


@hookimpl
def on_event(run, event):
    """Remember every event."""
    EVENTS.append(dict(event))
