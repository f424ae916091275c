"""Request tags that state an iteration's feedback as data, so replayed answers match on its meaning.

A replayed answer that depends on another role's text (a re-plan after the critic's verdict, a
program after the coder was told what failed) used to be matched on phrases of that text (a
transcript's ``"when"`` strings), so the same feedback in other words found no answer. These tags
carry the structured part instead: which sub-tasks never reached their done condition, and the
critic's verdict per sub-task and its re-plan flag. A transcript entry naming
``"feedback.verdict.collect_wood": "replan"`` answers every critique with that verdict, whatever
its wording, and one naming ``"feedback.unreached.craft_stone_pickaxe": "true"`` answers a
planner that only saw the statistics (no critic).

- planner and coder requests of iteration ``i > 0`` carry :func:`feedback_tags` of iteration
  ``i - 1``: ``feedback.unreached.<sub-task>``, ``feedback.verdict.<sub-task>``, ``feedback.replan``;
- critic requests carry :func:`rollout_tags` of the iteration they judge: ``unreached.<sub-task>``.
"""

from __future__ import annotations

from collections.abc import Mapping

from rlgpt.agents.base import IterationFeedback
from rlgpt.agents.schemas import Critique

FEEDBACK = "feedback."


def rollout_tags(subtask_success: Mapping[str, float]) -> dict[str, str]:
    """``unreached.<sub-task>: "true"`` for each sub-task no evaluation episode reached."""
    return {f"unreached.{name}": "true" for name, share in subtask_success.items() if share == 0.0}


def critique_tags(critique: Critique | None) -> dict[str, str]:
    """``verdict.<sub-task>`` per verdict and ``replan``, or nothing without a critique."""
    if critique is None:
        return {}
    tags = {f"verdict.{v.subtask}": v.verdict for v in critique.verdicts}
    tags["replan"] = str(critique.replan).lower()
    return tags


def feedback_tags(previous: IterationFeedback | None) -> dict[str, str]:
    """The previous iteration's feedback as tags of a planner's or coder's request (``feedback.``...)."""
    if previous is None:
        return {}
    facts = rollout_tags(previous.subtask_success) | critique_tags(previous.critique)
    return {FEEDBACK + key: value for key, value in facts.items()}
