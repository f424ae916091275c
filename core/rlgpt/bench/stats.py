"""Statistics over seeds: bootstrap intervals, the interquartile mean, paired differences.

In the spirit of rliable (Agarwal et al., 2021): a seed is one independent run, so intervals
resample seeds, not pooled episodes. Within a seed, the evaluation episodes are resampled too
(a two-level bootstrap), so a seed evaluated on few episodes carries its own noise. Methods
evaluated on the same worlds (the same seed's evaluation episodes) are compared *paired*:
the per-episode differences are resampled together, which removes the world-to-world variance
both methods share.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

RESAMPLES = 5000
"""Bootstrap resamples per interval."""

LEVEL = 0.95
"""Coverage of every interval."""


@dataclass(frozen=True)
class Estimate:
    """A point estimate and its bootstrap interval.

    :param value: the statistic on the data.
    :param low: lower end of the interval.
    :param high: upper end of the interval.
    :param seeds: how many seeds (runs) it rests on.
    """

    value: float
    low: float
    high: float
    seeds: int

    @property
    def excludes_zero(self) -> bool:
        """True when the whole interval lies above or below zero."""
        return self.low > 0 or self.high < 0

    def format(self, digits: int = 2, signed: bool = False) -> str:
        """``0.85 [0.70, 0.95]`` (``+0.10 [+0.02, +0.18]`` when signed)."""
        spec = f"{'+' if signed else ''}.{digits}f"
        return f"{self.value:{spec}} [{self.low:{spec}}, {self.high:{spec}}]"


def iqm(values: Sequence[float]) -> float:
    """Interquartile mean: the mean of the middle 50% (a quarter trimmed from each end, fractionally)."""
    data = np.sort(np.asarray(values, dtype=float))
    n = len(data)
    if n == 0:
        raise ValueError("iqm of no values")
    # weight each sorted value by its overlap with the middle half of [0, n)
    edges = np.arange(n + 1)
    weights = np.clip(np.minimum(edges[1:], 0.75 * n) - np.maximum(edges[:-1], 0.25 * n), 0, None)
    return float(np.dot(weights, data) / weights.sum())


def seed_means(per_seed: Sequence[Sequence[float]]) -> np.ndarray:
    """Each seed's mean over its episodes."""
    return np.array([float(np.mean(episodes)) for episodes in per_seed])


def bootstrap(
    per_seed: Sequence[Sequence[float]],
    statistic: Callable[[np.ndarray], float] = np.mean,
    *,
    resamples: int = RESAMPLES,
    rng_seed: int = 0,
) -> Estimate:
    """``statistic`` of the seed means, with a two-level percentile bootstrap interval.

    :param per_seed: one sequence of per-episode values (success 0/1, or a difference) per seed.
    :param statistic: applied to the vector of seed means (``np.mean``, or :func:`iqm`).
    """
    seeds = [np.asarray(episodes, dtype=float) for episodes in per_seed if len(episodes)]
    if not seeds:
        raise ValueError("bootstrap of no seeds")
    point = float(statistic(seed_means(seeds)))
    rng = np.random.default_rng(rng_seed)
    k = len(seeds)
    # inner level: resampled episode means of every seed, for every outer draw and slot
    inner = np.stack([rng.choice(s, size=(resamples, k, len(s))).mean(axis=-1) for s in seeds])
    chosen = rng.integers(k, size=(resamples, k))  # outer level: which seed fills each slot
    means = inner[chosen, np.arange(resamples)[:, None], np.arange(k)[None, :]]
    samples = np.array([statistic(row) for row in means]) if statistic is not np.mean else means.mean(axis=1)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return Estimate(point, float(low), float(high), len(seeds))


def score_over_seeds(
    per_seed: Sequence[np.ndarray],
    score: Callable[[np.ndarray], np.ndarray],
    *,
    resamples: int = RESAMPLES,
    rng_seed: int = 0,
) -> Estimate:
    """The mean over seeds of a score computed from each seed's episodes, with a two-level interval.

    For scores that are not a mean of per-episode values (Crafter's score, a geometric mean of
    success rates): each seed's episodes are resampled, the score recomputed, then seeds resampled.

    :param per_seed: one ``(episodes, outcomes)`` 0/1 matrix per seed (e.g. achievement unlocked).
    :param score: maps ``(..., outcomes)`` rates to ``(...)`` scores (vectorised over leading axes).
    """
    seeds = [np.asarray(matrix, dtype=float) for matrix in per_seed if len(matrix)]
    if not seeds:
        raise ValueError("score of no seeds")
    point = float(np.mean([score(matrix.mean(axis=0)) for matrix in seeds]))
    rng = np.random.default_rng(rng_seed)
    k = len(seeds)
    # inner level: each seed's score on resampled episodes, (k, resamples)
    inner = np.stack([score(m[rng.integers(len(m), size=(resamples, len(m)))].mean(axis=1)) for m in seeds])
    chosen = rng.integers(k, size=(resamples, k))
    samples = inner[chosen, np.arange(resamples)[:, None]].mean(axis=1)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return Estimate(point, float(low), float(high), k)


def paired_difference(
    first: Sequence[Sequence[float]], second: Sequence[Sequence[float]], **kwargs: int
) -> Estimate:
    """Mean of ``first - second`` over seeds, where both were evaluated on the same worlds.

    Seed ``i`` of both holds the per-episode values on the same evaluation worlds, in the same
    order; the differences are bootstrapped as pairs (:func:`bootstrap`).
    """
    if len(first) != len(second):
        raise ValueError(f"paired seeds differ in number: {len(first)} and {len(second)}")
    pairs = []
    for a, b in zip(first, second, strict=True):
        if len(a) != len(b):
            raise ValueError(f"a seed's paired episodes differ in number: {len(a)} and {len(b)}")
        pairs.append(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))
    return bootstrap(pairs, **kwargs)


def difference_over_seeds(
    first: Sequence[Sequence[float]],
    second: Sequence[Sequence[float]],
    *,
    resamples: int = RESAMPLES,
    rng_seed: int = 0,
) -> Estimate:
    """Mean over seeds of ``first - second`` where seed ``i`` of both ran on the same worlds, but
    episodes are not matched one to one: seeds are resampled jointly, episodes within each seed
    independently for each side (more conservative than :func:`paired_difference`)."""
    if len(first) != len(second) or not first:
        raise ValueError(f"paired seeds differ in number: {len(first)} and {len(second)}")
    a = [np.asarray(x, dtype=float) for x in first]
    b = [np.asarray(x, dtype=float) for x in second]
    point = float(np.mean(seed_means(a) - seed_means(b)))
    rng = np.random.default_rng(rng_seed)
    k = len(a)

    def inner(seeds: list[np.ndarray]) -> np.ndarray:
        return np.stack([rng.choice(s, size=(resamples, k, len(s))).mean(axis=-1) for s in seeds])

    inner_a, inner_b = inner(a), inner(b)
    chosen = rng.integers(k, size=(resamples, k))
    rows, slots = np.arange(resamples)[:, None], np.arange(k)[None, :]
    samples = (inner_a[chosen, rows, slots] - inner_b[chosen, rows, slots]).mean(axis=1)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return Estimate(point, float(low), float(high), k)
