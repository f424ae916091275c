"""Trained policies loaded from checkpoints, for acting without a training environment."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlgpt_sb3.algorithms import Algorithm, with_masks


@dataclass(frozen=True)
class CheckpointLoader:
    """``load(checkpoint) -> predict``: the loop runs trained sub-tasks with it (picklable)."""

    algorithm: Algorithm

    def __call__(self, checkpoint: Path) -> CheckpointPolicy:
        """Load the SB3 model saved at ``checkpoint`` (on the CPU, no env attached)."""
        path = Path(checkpoint)
        if not path.is_file():
            raise FileNotFoundError(f"no checkpoint at {path} - pass the .zip path the learner saved")
        algorithm = with_masks(self.algorithm, _saved_masked(path))
        return CheckpointPolicy(algorithm.cls.load(path, device="cpu"))


class CheckpointPolicy:
    """Actions of a loaded model for one un-batched observation (deterministic unless asked)."""

    def __init__(self, model: Any) -> None:
        self._model = model

    def __call__(self, obs: Any, *, deterministic: bool = True, action_masks: Any = None) -> Any:
        """The action for ``obs`` (an ``int`` for Discrete action spaces); masked models honour
        ``action_masks``."""
        from rlgpt_sb3.learner import predict_action

        return predict_action(self._model, obs, deterministic=deterministic, action_masks=action_masks)


def _saved_masked(path: Path) -> bool:
    """Whether the checkpoint holds a masked (sb3-contrib MaskablePPO) policy."""
    with zipfile.ZipFile(path) as archive:
        return b"MaskableActorCriticPolicy" in archive.read("data")
