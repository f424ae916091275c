"""Bootstrap intervals over seeds, the interquartile mean and paired differences."""

from __future__ import annotations

import numpy as np
import pytest
from rlgpt.bench.stats import Estimate, bootstrap, iqm, paired_difference, score_over_seeds


def test_iqm_trims_a_quarter_from_each_end() -> None:
    assert iqm([1, 2, 3, 4]) == pytest.approx(2.5)
    assert iqm([0, 0, 1, 1, 100, -100, 1, 0]) == pytest.approx(0.5)
    assert iqm([0.0, 0.2, 0.4, 0.6, 0.8]) == pytest.approx(0.4)  # five values: fractional weights
    assert iqm([7.0]) == 7.0
    with pytest.raises(ValueError, match="no values"):
        iqm([])


def test_bootstrap_rests_on_seed_means_and_widens_with_disagreeing_seeds() -> None:
    agreeing = [[1, 0, 1, 1]] * 5
    disagreeing = [[1, 1, 1, 1], [0, 0, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0], [1, 1, 1, 0]]
    a, b = bootstrap(agreeing), bootstrap(disagreeing)
    assert a.value == pytest.approx(0.75) and a.seeds == 5 and a.low <= 0.75 <= a.high
    assert b.value == pytest.approx(0.55)
    assert (b.high - b.low) > (a.high - a.low), "seeds that disagree give a wider interval"
    assert bootstrap([[1, 1], [1, 1]]) == Estimate(1.0, 1.0, 1.0, 2)
    assert bootstrap(disagreeing, iqm).value == pytest.approx(iqm([1, 0, 1, 0, 0.75]))


def test_paired_difference_sees_a_consistent_gain_that_unpaired_noise_would_hide() -> None:
    rng = np.random.default_rng(1)
    worlds = [rng.random(20) < 0.5 for _ in range(5)]  # easy and hard worlds, shared by both
    base = [w.astype(float) for w in worlds]
    better = [np.maximum(b, (np.arange(20) % 5 == 0)) for b in base]  # wins some worlds base loses
    difference = paired_difference(better, base)
    assert difference.value > 0 and difference.excludes_zero
    assert paired_difference(base, base) == Estimate(0.0, 0.0, 0.0, 5)
    with pytest.raises(ValueError, match="differ in number"):
        paired_difference(base, base[:4])


def test_format_signs_differences() -> None:
    assert Estimate(0.1, -0.02, 0.25, 5).format(signed=True) == "+0.10 [-0.02, +0.25]"
    assert Estimate(0.5, 0.25, 0.75, 5).format() == "0.50 [0.25, 0.75]"


def test_difference_over_seeds_pairs_seeds_but_not_episodes() -> None:
    from rlgpt.bench.stats import difference_over_seeds

    high = [[1] * 9 + [0]] * 4
    low = [[1] * 2 + [0] * 8] * 4
    difference = difference_over_seeds(high, low)
    assert difference.value == pytest.approx(0.7) and difference.excludes_zero
    assert difference_over_seeds(low, low).value == 0.0
    with pytest.raises(ValueError, match="differ in number"):
        difference_over_seeds(high, low[:3])


def test_a_score_over_seeds_averages_each_seeds_own_score_with_a_two_level_interval() -> None:
    def share_unlocked(rates: np.ndarray) -> np.ndarray:
        return rates.mean(axis=-1)

    always = np.ones((20, 3))
    never = np.zeros((20, 3))
    same = score_over_seeds([always, always, always], share_unlocked)
    assert (same.value, same.low, same.high, same.seeds) == (1.0, 1.0, 1.0, 3)
    split = score_over_seeds([always, never], share_unlocked)
    assert split.value == 0.5 and split.low == 0.0 and split.high == 1.0, "two disagreeing seeds: wide"
    half = np.tile([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]], (10, 1))  # one outcome in half of the episodes
    noisy = score_over_seeds([half] * 5, share_unlocked)
    assert noisy.value == pytest.approx(1 / 6) and noisy.low < 1 / 6 < noisy.high, "episodes resampled too"
    with pytest.raises(ValueError):
        score_over_seeds([], share_unlocked)
