"""Trained policies loaded from checkpoints, for acting without a training environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlgpt_sb3.algorithms import Algorithm


@dataclass(frozen=True)
class CheckpointLoader:
    """``load(checkpoint) -> predict``: the loop runs trained sub-tasks with it (picklable)."""

    algorithm: Algorithm

    def __call__(self, checkpoint: Path) -> CheckpointPolicy:
        """Load the SB3 model saved at ``checkpoint`` (on the CPU, no env attached)."""
        path = Path(checkpoint)
        if not path.is_file():
            raise FileNotFoundError(f"no checkpoint at {path} - pass the .zip path the learner saved")
        return CheckpointPolicy(self.algorithm.cls.load(path, device="cpu"))


class CheckpointPolicy:
    """Deterministic actions of a loaded model for one un-batched observation."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self._discrete = hasattr(model.action_space, "n")

    def __call__(self, obs: Any) -> Any:
        """The action for ``obs`` (an ``int`` for Discrete action spaces)."""
        action, _ = self._model.predict(obs, deterministic=True)
        return int(action) if self._discrete else action
