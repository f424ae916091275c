"""``describe(obs, info)``: the kitchen's state in a few lines of text, for critics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from rlgpt_kitchen.tasks import ELEMENTS


def describe(obs: Any, info: Mapping[str, Any]) -> str:
    """End effector, gripper, the nearest handle, every element's state and what is completed, read
    from ``info`` alone (``obs`` is not needed).
    """
    ee = np.asarray(info["ee_pos"], dtype=np.float64)
    distances = {name: float(np.linalg.norm(np.asarray(xyz) - ee)) for name, xyz in info["sites"].items()}
    nearest = min(distances, key=distances.__getitem__)
    states = info["element_state"]
    kettle = ", ".join(f"{v:.3f}" for v in states["kettle"])
    gripper = "closed" if info["gripper"] < 0.02 else "open" if info["gripper"] > 0.06 else "half open"
    done = [element for element in ELEMENTS.values() if element in info["completed"]]
    lines = [
        f"end effector at ({', '.join(f'{v:.3f}' for v in ee)}), gripper {gripper} ({info['gripper']:.3f} m)",
        f"nearest handle: {nearest} at {distances[nearest]:.3f} m; "
        + ", ".join(f"{name} {d:.3f} m" for name, d in distances.items() if name != nearest),
        f"microwave door {states['microwave']:.3f} rad (open below -0.45), light switch "
        f"{states['light_switch']:.3f} (on below -0.39), slide cabinet {states['slide_cabinet']:.3f} m "
        f"(open above 0.07), kettle at ({kettle})",
        f"completed: {', '.join(done) or 'nothing'}",
    ]
    if info.get("task"):
        lines.append(f"task {info['task']}: {'done' if info.get('is_success') else 'not done'}")
    return "\n".join(lines)
