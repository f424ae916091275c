"""The plan the continuous-action tests share: one RL sub-task on ``reach`` with a coded heading action."""

from __future__ import annotations

REACH_PLAN = {
    "rationale": "Heading for the target is easy to write; RL decides when to use it and how fast.",
    "subtasks": [
        {
            "name": "reach",
            "description": "Get onto the target.",
            "method": "rl",
            "done_condition": "distance to the target at most 0.5",
            "coded_actions": [{"name": "head_to_target", "description": "walk straight at the target"}],
        }
    ],
}
