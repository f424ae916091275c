"""``describe(obs, info)``: the state in a few lines of text, for critics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rlgpt_minedojo.observation import MAX_FOOD, MAX_LIFE

_SEEN_SHOWN = 8


def describe(obs: Any, info: Mapping[str, Any]) -> str:
    """Position and view, vitals, main hand and inventory, stations within reach, the blocks around
    the feet, what the lidar sees, a fast-reset world, milestones and the task, read from ``info`` alone."""
    x, y, z = info["position"]
    stations = [name for name, near in info["nearby_tools"].items() if near]
    items = ", ".join(f"{name} {count}" for name, count in info["inventory"].items()) or "empty"
    seen = sorted(info["seen"].items(), key=lambda kv: kv[1]["distance"])[:_SEEN_SHOWN]
    seen_text = ", ".join(f"{name} {t['distance']:.1f} blocks at yaw {t['yaw']:+.0f}" for name, t in seen)
    voxels = info["voxels"]
    lines = [
        f"position x {x:.1f} y {y:.1f} z {z:.1f}, yaw {info['yaw']:.0f}, pitch {info['pitch']:.0f}",
        f"life {info['life']:.0f}/{MAX_LIFE:.0f}, food {info['food']:.0f}/{MAX_FOOD:.0f}, "
        f"oxygen {info['oxygen']:.0f}",
        f"main hand: {info['mainhand']}; inventory: {items}",
        f"within reach: {', '.join(stations) or 'no crafting table or furnace'}",
        f"standing on {voxels[1][0][1]}, at the feet {voxels[1][1][1]}",
        f"seen (nearest first): {seen_text or 'nothing'}",
    ]
    if info.get("fast_reset"):
        biome = ", outside the task's biome" if info.get("in_task_biome") is False else ""
        lines.append(
            f"world: fast reset, changes of earlier episodes kept, start {info['start_displacement']:.0f} "
            f"blocks from the first episode's{biome}"
        )
    if info.get("milestones"):
        lines.append(f"milestones reached: {', '.join(info['milestones'])}")
    if info.get("task"):
        status = "done" if info.get("is_success") else "not done"
        if info.get("simulator_failure"):
            status += ", stopped by a failed Minecraft step"
        lines.append(f"task {info['task']}: {status} (last action: {info.get('action', '-')})")
    return "\n".join(lines)
