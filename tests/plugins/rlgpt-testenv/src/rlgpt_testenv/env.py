"""Gridcraft: walk to a tree, chop wood, craft planks, build a house.

Small and fast on purpose (pure Python, microseconds a step) so the whole
RL-GPT loop, PPO included, runs in tests within seconds.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

ACTIONS = ("noop", "move_left", "move_right", "move_up", "move_down", "chop", "craft_plank", "build_house")
MOVES = {1: (-1, 0), 2: (1, 0), 3: (0, -1), 4: (0, 1)}
SIZE = 7
PLANKS_PER_HOUSE = 2
CELL_PIXELS = 4
COLOURS = {"@": (220, 40, 40), "T": (30, 140, 30), ".": (235, 225, 200)}
"""``rgb_array`` colours of the agent, the tree and empty ground."""


class GridcraftEnv(gym.Env):
    """A 7x7 grid with one tree. Chopping next to the tree gives wood; wood makes planks; planks a house.

    Reward: +1 the first time each of wood, plank, house is obtained. With a task, the
    episode terminates when the task succeeds and ``info["is_success"]`` says so.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"]}

    def __init__(
        self,
        task: str | None = None,
        obs_mode: str = "symbolic",
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        if obs_mode != "symbolic":
            raise ValueError(f"gridcraft has only the 'symbolic' observation mode, got {obs_mode!r}")
        from rlgpt_testenv.plugin import TASKS

        self.task = TASKS[task] if task else None
        self.max_episode_steps = max_episode_steps or (self.task.max_episode_steps if self.task else 100)
        self.render_mode = render_mode
        self.action_space = gym.spaces.Discrete(len(ACTIONS))
        self.observation_space = gym.spaces.Box(-SIZE, SIZE, shape=(7,), dtype=np.float32)
        self._pos = np.zeros(2, dtype=np.int64)
        self._tree = np.zeros(2, dtype=np.int64)
        self._inventory = {"wood": 0, "plank": 0, "house": 0}
        self._unlocked: set[str] = set()
        self._steps = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        cells = self.np_random.choice(SIZE * SIZE, size=2, replace=False)
        self._pos = np.array(divmod(int(cells[0]), SIZE), dtype=np.int64)
        self._tree = np.array(divmod(int(cells[1]), SIZE), dtype=np.int64)
        self._inventory = {"wood": 0, "plank": 0, "house": 0}
        self._unlocked = set()
        self._steps = 0
        return self._obs(), self._info()

    def step(self, action: Any):
        action = int(action)
        if not self.action_space.contains(action):
            raise ValueError(f"invalid action {action!r}; expected 0..{len(ACTIONS) - 1}")
        self._steps += 1
        if action in MOVES:
            self._pos = np.clip(self._pos + MOVES[action], 0, SIZE - 1)
            if np.array_equal(self._pos, self._tree):
                self._pos = self._pos - MOVES[action]
        elif action == 5 and self._next_to_tree():
            self._inventory["wood"] += 1
        elif action == 6 and self._inventory["wood"] >= 1:
            self._inventory["wood"] -= 1
            self._inventory["plank"] += 1
        elif action == 7 and self._inventory["plank"] >= PLANKS_PER_HOUSE:
            self._inventory["plank"] -= PLANKS_PER_HOUSE
            self._inventory["house"] += 1
        reward = 0.0
        for item, count in self._inventory.items():
            if count > 0 and item not in self._unlocked:
                self._unlocked.add(item)
                reward += 1.0
        info = self._info()
        terminated = bool(info["is_success"])
        truncated = self._steps >= self.max_episode_steps and not terminated
        return self._obs(), reward, terminated, truncated, info

    def render(self) -> str | np.ndarray:
        """The grid as text (``@`` agent, ``T`` tree); a 28x28 RGB image when made with ``rgb_array``."""
        text = self._text()
        if self.render_mode != "rgb_array":
            return text
        cells = np.array([[COLOURS[c] for c in row] for row in text.splitlines()], dtype=np.uint8)
        return cells.repeat(CELL_PIXELS, axis=0).repeat(CELL_PIXELS, axis=1)

    def _text(self) -> str:
        rows = []
        for y in range(SIZE):
            row = ""
            for x in range(SIZE):
                cell = np.array([x, y])
                row += (
                    "@"
                    if np.array_equal(cell, self._pos)
                    else "T"
                    if np.array_equal(cell, self._tree)
                    else "."
                )
            rows.append(row)
        return "\n".join(rows)

    def _next_to_tree(self) -> bool:
        return int(np.abs(self._pos - self._tree).sum()) == 1

    def _obs(self) -> np.ndarray:
        offset = self._tree - self._pos
        inv = self._inventory
        return np.array(
            [*self._pos, *offset, inv["wood"], inv["plank"], inv["house"]], dtype=np.float32
        ).clip(-SIZE, SIZE)

    def _info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "inventory": dict(self._inventory),
            "position": (int(self._pos[0]), int(self._pos[1])),
            "tree_offset": (int(self._tree[0] - self._pos[0]), int(self._tree[1] - self._pos[1])),
            "steps": self._steps,
        }
        info["is_success"] = bool(self.task.success(info)) if self.task else False
        return info


def make_env(
    task: str | None = None,
    obs_mode: str = "symbolic",
    max_episode_steps: int | None = None,
    render_mode: str | None = None,
) -> GridcraftEnv:
    """Gymnasium factory of the gridcraft environment (the spec's entry point)."""
    return GridcraftEnv(
        task=task, obs_mode=obs_mode, max_episode_steps=max_episode_steps, render_mode=render_mode
    )
