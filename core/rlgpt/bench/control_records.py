"""What :mod:`rlgpt.bench.controls` writes, read back: the control names, ``controls/*.json``, the
run folders of moved results and the steps a trial's final policy trained on.

The reports (:mod:`rlgpt.bench.analysis`, :mod:`rlgpt.bench.quality`,
:mod:`rlgpt.bench.llm_analysis`) read finished trials through this module only, so that the module
which evaluates the controls can write its report without a circle of imports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlgpt.bench.matrix import NO_LLM
from rlgpt.policy_selection import ALWAYS, IN_ORDER
from rlgpt.policy_selection import (
    TRAINED as TRAINED,  # a control name too: the policy as the loop evaluated it
)

if TYPE_CHECKING:
    from rlgpt.plugins import Registry

CONTROLS_DIR = "controls"
STOCHASTIC = "trained_stochastic"
RANDOM = "random"
MIDPOINT = ALWAYS + "midpoint"
"""The single-action control of a continuous sub-task: the centre of its action box."""
RANDOM_PARAMETERS = "@random"
"""Suffix of the continuous control that always picks one coded action with uniform parameters."""

SELECTED = "selected"
"""The policy validation would have deployed (``--validation-episodes``): the trained one, or the coded
action alone that beat it on the validation worlds (:mod:`rlgpt.policy_selection`)."""

FINAL = "final"
"""The final policy of a trial without controls (pure RL's trained one, pure code's programs),
re-evaluated with ``--all-methods`` for the achievements (and the Crafter score) of every method."""


def continues_learning(result: dict[str, Any], registry: Registry | None = None) -> bool:
    """Whether a trial's learner carried on across iterations (``Method.continues_learning``).

    The trial's method is looked up in ``registry`` (the installed plugins' by default); a method
    not registered there is taken to continue when no LLM wrote its plans and every iteration
    kept the same plan, as pure RL does.
    """
    from rlgpt.plugins import get_registry

    methods = (registry or get_registry()).methods
    if result["method"] in methods:
        return methods[result["method"]].continues_learning
    plans = [record.get("plan") for record in result["records"]]
    return result["llm"] == NO_LLM and all(plan == plans[0] for plan in plans)


def final_policy_steps(result: dict[str, Any], registry: Registry | None = None) -> int:
    """Env steps a trial's final policy trained on: its last iteration's, or every iteration's when
    one learner continued across them (:func:`continues_learning`)."""
    records = result["records"] if continues_learning(result, registry) else result["records"][-1:]
    return sum(int(r["env_steps"].get("train", 0)) for r in records)


def control_label(name: str) -> str:
    """How a report names control ``name`` (``always:reach@random`` -> "always reach, random parameters")."""
    if name == RANDOM:
        return "uniform random over allowed actions"
    if name == IN_ORDER:
        return "the coded actions in order, first allowed"
    label = name.replace(ALWAYS, "always ")
    if label.endswith(RANDOM_PARAMETERS):
        return label.removesuffix(RANDOM_PARAMETERS) + ", random parameters"
    return label


def run_dir_of(out: Path, result: dict[str, Any]) -> Path:
    """A trial's run directory: ``runs/<id>`` of the results folder ``out`` when it is there (the folder may
    have been moved or copied since the trial ran), else the path recorded when it ran."""
    local = Path(out) / "runs" / result["id"]
    return local if local.is_dir() else Path(result["run_dir"])


def with_local_run_dir(out: Path, result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with its ``run_dir`` where it is now (:func:`run_dir_of`), for readers of its files."""
    if "run_dir" not in result:
        return result
    return {**result, "run_dir": str(run_dir_of(out, result))}


def load_controls(out: Path) -> dict[str, dict[str, Any]]:
    """Trial id -> its controls, for every ``controls/*.json`` of a results folder."""
    folder = Path(out) / CONTROLS_DIR
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}
