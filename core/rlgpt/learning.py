"""What the loop expects of an RL learner (implemented by plugins such as rlgpt-sb3)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class EpisodePoint:
    """One finished training episode, for learning curves.

    :param timestep: total environment steps when the episode ended.
    :param episode_return: undiscounted return of the episode.
    :param length: episode length in (macro) steps.
    :param success: ``info["is_success"]`` at the episode's end, when the env reports it.
    """

    timestep: int
    episode_return: float
    length: int
    success: bool | None = None


@dataclass(frozen=True)
class TrainingResult:
    """What one call to :meth:`Learner.learn` did.

    :param timesteps: environment steps consumed by this call.
    :param wall_time_s: seconds spent.
    :param episodes: finished episodes, in order.
    :param checkpoint: path of the checkpoint written at the end, if any.
    """

    timesteps: int
    wall_time_s: float
    episodes: tuple[EpisodePoint, ...] = ()
    checkpoint: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def fps(self) -> float:
        """Environment steps per second of training."""
        return self.timesteps / self.wall_time_s if self.wall_time_s > 0 else 0.0


ProgressCallback = Callable[[int, int], None]
"""``callback(timesteps_done, total_timesteps)``, called as training advances."""


@runtime_checkable
class Learner(Protocol):
    """An RL learner bound to a training environment factory.

    It is a context manager: the loop builds it with ``with factory(...) as learner:`` and
    leaving the block calls :meth:`close`, which frees what training holds (vectorised-env
    worker processes, open files). :meth:`predict` must keep working after :meth:`close`: the
    loop evaluates a trained policy after its training environments are gone.
    """

    def learn(
        self,
        total_timesteps: int,
        *,
        progress_bar: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> TrainingResult:
        """Train for ``total_timesteps`` environment steps and return what happened."""
        ...

    def predict(self, obs: Any, *, deterministic: bool = True) -> Any:
        """Return an action for one (un-batched) observation.

        A learner that supports action masks (as sb3-contrib's MaskablePPO does) may also take an
        ``action_masks`` keyword: where a sub-task's coded actions have preconditions, the loop then
        passes the mask of the actions allowed now. Without it, a masked choice takes no step and
        counts as a failed coded action.
        """
        ...

    def save(self, path: Path) -> Path:
        """Write a checkpoint to exactly ``path`` (one file; its folder may not exist yet) and return it."""
        ...

    def load(self, path: Path) -> None:
        """Restore the policy from a checkpoint written by :meth:`save`."""
        ...

    def close(self) -> None:
        """Free the training environments; calling it again does nothing."""
        ...

    def __enter__(self) -> Learner:
        """Return the learner itself."""
        ...

    def __exit__(self, *exc: object) -> None:
        """Call :meth:`close`."""
        ...
