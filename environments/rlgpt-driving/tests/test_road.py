"""The procedural road: seeded, never doubling back, and road coordinates that invert world ones."""

import math

import numpy as np
from rlgpt_driving.road import HALF_WIDTH, MAX_HEADING, MIN_RADIUS, Road


def test_same_seed_same_road_and_different_seeds_differ():
    first, second = (Road.generate(np.random.default_rng(3), 50.0) for _ in range(2))
    other = Road.generate(np.random.default_rng(4), 50.0)
    assert np.array_equal(first.points, second.points)
    assert not np.allclose(first.points, other.points)


def test_road_winds_within_its_limits():
    for seed in range(20):
        road = Road.generate(np.random.default_rng(seed), 50.0)
        assert np.all(np.abs(road.headings) <= MAX_HEADING + 1e-9)
        assert np.all(np.abs(road.curvatures) <= 1 / MIN_RADIUS + 1e-9)
        assert np.all(np.diff(road.points[:, 0]) > 0)  # never doubles back, so the edges never cross
        assert np.abs(road.curvatures).max() > 0.02  # it does wind


def test_locate_inverts_pose_at():
    road = Road.generate(np.random.default_rng(7), 50.0)
    for s, lateral in ((3.0, 0.0), (17.2, 1.3), (33.9, -1.7)):
        x, y, heading = road.pose_at(s, lateral)
        point = road.locate(np.array([x, y]))
        assert abs(point.s - s) < 0.05
        assert abs(point.lateral - lateral) < 0.05
        assert abs(point.heading - heading) < 0.01
    left = road.edge(1)[40]
    assert abs(road.locate(left).lateral - HALF_WIDTH) < 1e-6
    assert math.isclose(road.length, 50.0)
