"""A procedurally generated winding road: a centreline of circular arcs, and road-relative geometry.

The road starts at the origin heading along +x. It is a chain of arcs whose lengths and curvatures
are drawn from the seed; the heading stays within ``MAX_HEADING`` of +x, so the centreline never
doubles back and the two edges never cross.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HALF_WIDTH = 2.0
"""Metres from the centreline to either edge (the inner face of the wall)."""
SAMPLE = 0.5
"""Metres between centreline samples."""
MIN_RADIUS = 8.0
"""Sharpest bend (metres of turning radius)."""
MAX_HEADING = math.radians(70.0)
"""The road never heads more than this far from +x."""


@dataclass(frozen=True)
class RoadPoint:
    """Where a point lies relative to the road.

    :param s: arc length of the nearest centreline point (metres from the start).
    :param lateral: signed distance from the centreline (metres, positive to the left).
    :param heading: the road's heading at ``s`` (radians, world frame).
    :param index: index of the nearest centreline sample (a hint for the next query).
    """

    s: float
    lateral: float
    heading: float
    index: int


class Road:
    """Centreline samples with their arc length, heading and curvature.

    :param points: ``(n, 2)`` centreline positions, ``SAMPLE`` metres apart.
    :param headings: ``(n,)`` heading at each sample (radians).
    :param curvatures: ``(n,)`` signed curvature at each sample (1/metres, positive turns left).
    """

    def __init__(self, points: np.ndarray, headings: np.ndarray, curvatures: np.ndarray) -> None:
        self.points = points
        self.headings = headings
        self.curvatures = curvatures
        self.s = np.arange(len(points)) * SAMPLE
        self.length = float(self.s[-1])
        self.normals = np.stack([-np.sin(headings), np.cos(headings)], axis=1)

    @classmethod
    def generate(cls, rng: np.random.Generator, length: float) -> Road:
        """A road of about ``length`` metres: a straight start, then random arcs."""
        n = round(length / SAMPLE) + 1
        curvatures = np.zeros(n)
        straight = int(6.0 / SAMPLE)  # the first 6 m are straight: room to start
        i = straight
        while i < n:
            run = int(rng.uniform(5.0, 12.0) / SAMPLE)
            curvatures[i : i + run] = rng.uniform(-1.0, 1.0) / MIN_RADIUS
            i += run
        headings = np.zeros(n)
        for k in range(1, n):
            heading = headings[k - 1] + curvatures[k - 1] * SAMPLE
            if abs(heading) > MAX_HEADING:  # bend back instead of doubling back
                curvatures[k - 1] = -curvatures[k - 1]
                heading = headings[k - 1] + curvatures[k - 1] * SAMPLE
            headings[k] = heading
        steps = np.stack([np.cos(headings[:-1]), np.sin(headings[:-1])], axis=1) * SAMPLE
        points = np.vstack([np.zeros((1, 2)), np.cumsum(steps, axis=0)])
        return cls(points, headings, curvatures)

    def locate(self, xy: np.ndarray, hint: int | None = None, window: int = 40) -> RoadPoint:
        """Project a world point onto the road (nearest sample, refined on its segment).

        :param hint: index of a nearby sample (the last answer): only ``window`` samples either
            side are searched, which keeps a step cheap; ``None`` searches the whole road.
        """
        lo, hi = (0, len(self.points)) if hint is None else (max(0, hint - window), hint + window + 1)
        near = self.points[lo:hi]
        index = lo + int(np.argmin(np.sum((near - xy) ** 2, axis=1)))
        delta = xy - self.points[index]
        tangent = np.array([math.cos(self.headings[index]), math.sin(self.headings[index])])
        along = float(delta @ tangent)
        s = float(np.clip(self.s[index] + along, 0.0, self.length))
        lateral = float(delta @ self.normals[index])
        return RoadPoint(s=s, lateral=lateral, heading=self.heading_at(s), index=index)

    def heading_at(self, s: float) -> float:
        """Road heading (radians) at arc length ``s``, interpolated between samples."""
        return float(np.interp(s, self.s, self.headings))

    def curvature_at(self, s: float) -> float:
        """Signed curvature (1/m, positive turns left) at arc length ``s``; 0 beyond the end."""
        if s >= self.length:
            return 0.0
        return float(self.curvatures[min(int(max(s, 0.0) / SAMPLE), len(self.curvatures) - 1)])

    def pose_at(self, s: float, lateral: float = 0.0) -> tuple[float, float, float]:
        """World ``(x, y, heading)`` of the point ``lateral`` metres left of the centreline at ``s``."""
        x = float(np.interp(s, self.s, self.points[:, 0]))
        y = float(np.interp(s, self.s, self.points[:, 1]))
        heading = self.heading_at(s)
        return x - lateral * math.sin(heading), y + lateral * math.cos(heading), heading

    def edge(self, side: int, offset: float = HALF_WIDTH) -> np.ndarray:
        """``(n, 2)`` points ``offset`` metres to the left (``side=1``) or right (``side=-1``)."""
        return self.points + side * offset * self.normals


def wrap_angle(angle: float) -> float:
    """``angle`` wrapped into ``[-pi, pi)``."""
    return (angle + math.pi) % (2 * math.pi) - math.pi
