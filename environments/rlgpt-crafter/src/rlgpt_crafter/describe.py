"""``describe(obs, info)``: the state in a few lines of text, for critics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np

from rlgpt_crafter.engine import CLASS_NAMES, DIRECTIONS, LOCAL_VIEW
from rlgpt_crafter.observation import MAX_COUNT, VITALS

_CENTRE = (LOCAL_VIEW[0] // 2, LOCAL_VIEW[1] // 2)
_UNREMARKABLE = frozenset({"outside", "player"})


def describe(obs: Any, info: Mapping[str, Any]) -> str:
    """Position, facing, vitals, inventory, visible things (count and nearest offset) and
    achievements, read from ``info`` alone (``obs`` is not needed).
    """
    view = np.asarray(info["local_view"])
    dx, dy = DIRECTIONS[info["facing"]]
    ahead = CLASS_NAMES[view[_CENTRE[1] + dy, _CENTRE[0] + dx]]
    time = "night" if info["daylight"] < 0.5 else "day"
    asleep = ", asleep" if info["sleeping"] else ""
    vitals = ", ".join(f"{name} {info[name]}/{MAX_COUNT}" for name in VITALS)
    items = ", ".join(f"{name} {count}" for name, count in info["inventory"].items() if count) or "empty"
    done = [name for name, count in info["achievements"].items() if count]
    lines = [
        f"position {tuple(info['player_pos'])}, facing {info['facing']} at {ahead}, {time}{asleep}",
        vitals,
        f"inventory: {items}",
        f"visible (count, nearest offset dx,dy): {_visible(view)}",
        f"achievements ({len(done)}/{len(info['achievements'])}): {', '.join(done) or 'none'}",
    ]
    if info.get("task"):
        lines.append(f"task {info['task']}: {'done' if info.get('is_success') else 'not done'}")
    return "\n".join(lines)


def _visible(view: np.ndarray) -> str:
    counts = Counter(CLASS_NAMES[i] for i in view.ravel())
    parts = []
    for name, count in counts.most_common():
        if name in _UNREMARKABLE:
            continue
        rows, columns = np.nonzero(view == CLASS_NAMES.index(name))
        offsets = sorted(
            zip((columns - _CENTRE[0]).tolist(), (rows - _CENTRE[1]).tolist(), strict=True),
            key=lambda o: abs(o[0]) + abs(o[1]),
        )
        parts.append(f"{name} {count} ({offsets[0][0]},{offsets[0][1]})")
    return ", ".join(parts)
