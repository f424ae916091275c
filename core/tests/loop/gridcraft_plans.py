"""Plans the gridcraft loop tests share: both sub-tasks coded, or the second one learned."""

from __future__ import annotations

CODE_PLAN = {
    "subtasks": [
        {"name": "get_wood", "description": "Chop two wood.", "method": "code", "done_condition": "2 wood"},
        {"name": "build", "description": "Craft, build.", "method": "code", "done_condition": "house"},
    ]
}
RL_PLAN = {
    "subtasks": [
        {"name": "get_wood", "description": "Chop two wood.", "method": "code", "done_condition": "2 wood"},
        {
            "name": "build",
            "description": "Craft planks, build.",
            "method": "rl",
            "done_condition": "a house",
            "primitives": ["build_house", "noop"],
            "coded_actions": [{"name": "craft_planks", "description": "craft all wood"}],
        },
    ]
}
