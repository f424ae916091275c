"""``success_vs_steps.png``: success rate against environment steps, per method.

Each finished trial is one line: after every iteration, its cumulative env steps (training,
evaluation and dry runs) against that iteration's success rate. One panel per task; one
colour per method and LLM.
"""

from __future__ import annotations

import json
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
                steps,
                success,
                marker="o",
                color=colours[label],
                alpha=0.8,
                label=None if label in shown else label,
            )
            shown.add(label)
        _finish_panel(ax, task, "env steps (cumulative)", "success rate", legend=bool(shown))
    return _save(figure, path)


def training_curve(result: dict[str, Any], window: int = 20) -> tuple[list[int], list[float]]:
    """Env steps and the rolling success rate of the training episodes of a trial's last iteration.

    Read from its run directory's ``curves/``; success is the trained (sub-)task's own, so for
    rl-gpt it is the RL sub-task's done condition, for pure-rl the task's success.
    """
    last = result["records"][-1]["iteration"] if result["records"] else 0
    steps: list[int] = []
    rates: list[float] = []
    for path in sorted(Path(result["run_dir"]).glob(f"curves/iter-{last}-*.json")):
        episodes = json.loads(path.read_text(encoding="utf-8"))["episodes"]
        flags = [bool(e.get("success")) for e in episodes]
        for i, episode in enumerate(episodes):
            recent = flags[max(0, i + 1 - window) : i + 1]
            steps.append(int(episode["timestep"]))
            rates.append(sum(recent) / len(recent))
    return steps, rates


def _trained(result: dict[str, Any]) -> bool:
    """Whether a trial's learner trained at all (pure code trains nothing)."""
    return any(record["env_steps"].get("train", 0) for record in result["records"])


def plot_learning_curves(results: Sequence[dict[str, Any]], path: Path) -> Path:
    """One panel per environment and task: every learned trial's training success against env steps."""
    done = [r for r in results if r["status"] == FINISHED and _trained(r)]
    panels = list(dict.fromkeys((r["env"], r["task"]) for r in done)) or [("", "(no trials)")]
    labels = list(dict.fromkeys(_label(r) for r in done))
    colours = {label: plt.get_cmap("tab10")(i % 10) for i, label in enumerate(labels)}
    figure, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4), squeeze=False)
    for ax, (env, task) in zip(axes[0], panels, strict=True):
        shown: set[str] = set()
        for result in (r for r in done if (r["env"], r["task"]) == (env, task)):
            steps, rates = training_curve(result)
            label = _label(result)
            if steps:
                ax.plot(
                    steps, rates, color=colours[label], alpha=0.7, label=None if label in shown else label
                )
                shown.add(label)
        title = f"{task} ({env})" if env else task
        _finish_panel(
            ax, title, "env steps of training", "training success (last 20 episodes)", legend=bool(shown)
        )
    return _save(figure, path)


def _finish_panel(ax: Any, title: str, xlabel: str, ylabel: str, *, legend: bool) -> None:
    """Title, axis labels, a 0-1 success axis, a light grid and (when anything is labelled) a legend."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(-0.05, 1.05)
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(fontsize="small")


def _save(figure: Any, path: Path) -> Path:
    """Lay out, write and close ``figure``; returns ``path``."""
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
