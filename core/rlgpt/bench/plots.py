"""``success_vs_steps.png``: success rate against environment steps, per method.

Each finished trial is one line: after every iteration, its cumulative env steps (training,
evaluation and dry runs) against that iteration's success rate. One panel per task; one
colour per method and LLM.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from rlgpt.bench.matrix import NO_LLM
from rlgpt.bench.trial import FINISHED


def curve(result: dict[str, Any]) -> tuple[list[int], list[float]]:
    """Cumulative env steps and success rate after each iteration of one trial."""
    records = result["records"]
    steps = list(accumulate(sum(r["env_steps"].values()) for r in records))
    return steps, [r["success_rate"] for r in records]


def _label(result: dict[str, Any]) -> str:
    return result["method"] if result["llm"] == NO_LLM else f"{result['method']} ({result['llm']})"


def plot_success_vs_steps(results: Sequence[dict[str, Any]], path: Path) -> Path:
    """Draw every finished trial's curve into ``path`` (PNG) and return it."""
    done = [r for r in results if r["status"] == FINISHED and r["records"]]
    tasks = list(dict.fromkeys(r["task"] for r in results)) or ["(no trials)"]
    labels = list(dict.fromkeys(_label(r) for r in done))
    colours = {label: plt.get_cmap("tab10")(i % 10) for i, label in enumerate(labels)}
    figure, axes = plt.subplots(1, len(tasks), figsize=(5.5 * len(tasks), 4), squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        shown: set[str] = set()
        for result in (r for r in done if r["task"] == task):
            label = _label(result)
            steps, success = curve(result)
            ax.plot(
                steps, success, marker="o", color=colours[label], alpha=0.8,
                label=None if label in shown else label,
            )
            shown.add(label)
        ax.set_title(task)
        ax.set_xlabel("env steps (cumulative)")
        ax.set_ylabel("success rate")
        ax.set_ylim(-0.05, 1.05)
        ax.grid(alpha=0.3)
        if shown:
            ax.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
