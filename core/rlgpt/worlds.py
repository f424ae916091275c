"""The reset seeds of the worlds a run judges its policies on.

Training environments are seeded with the run's seed (plus the environment's index) and then run
on; evaluation and validation worlds are fixed per run seed and episode, in disjoint ranges, so a
policy chosen on the validation worlds is judged on worlds it was not chosen on.
"""

from __future__ import annotations


def evaluation_world(seed: int, episode: int) -> int:
    """The reset seed of evaluation episode ``episode`` of a run with ``seed``."""
    return 10_000 + 1_000 * seed + episode


def validation_world(seed: int, episode: int) -> int:
    """The reset seed of validation episode ``episode`` of a run with ``seed`` (never an evaluation
    world's for seeds below 4,990 and fewer than 1,000 episodes)."""
    return 5_000_000 + 1_000 * seed + episode
