"""Steps to 80% success, success against env steps, and untrained controls for a kitchen ``rlgpt bench``.

Reads a bench folder (``results.json`` and each trial's run directory) and writes ``curves.md``,
``curves.json`` and ``success_vs_env_steps.png`` into it::

    python environments/rlgpt-kitchen/benchmarks/learning_curves.py benchmarks/results/kitchen

- **Success against env steps** of a trained method is its training curve: the success rate of the last
  ``--window`` training episodes against the primitive env steps trained so far (steps spent replaying the
  code sub-tasks before an RL sub-task count too). Training episodes act stochastically, so this is a
  conservative curve; the evaluation success (deterministic policy, fresh seeds) is reported beside it.
- **Steps to 80%**: the first point of that curve at or above 0.8, when the plan has one RL sub-task (for a
  learner continued over several iterations, also the first evaluation after an iteration at 0.8 or more,
  at the training steps spent so far, whichever comes first); when the
  curve never gets there but the trained policy's evaluation does, the training steps spent (the budget);
  with several RL sub-tasks, the trial's total env steps when its evaluation reached 0.8; for pure code, 0
  training steps when its evaluation reached 0.8; else "not reached" within the trial's steps.
- **Controls**: a second bench folder (``--controls``) with the same rl-gpt and pure-RL trials trained for
  a single env step (``--budget 1``: SAC's initial, untrained network acts, over the same action space,
  macro selectors included): what training adds.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

TARGET = 0.8
METHODS = ("rl-gpt", "pure-rl", "pure-code")


def training_curve(run_dir: Path, window: int) -> list[tuple[int, float]] | None:
    """``(env steps, success over the last window episodes)`` of a plan's single RL sub-task, else None.

    A learner continued over iterations (pure SAC with several iterations) has one curve per
    iteration with cumulative steps; they are joined into one.
    """
    files = sorted(run_dir.glob("curves/iter-*.json"), key=lambda path: int(path.name.split("-")[1]))
    curves = [json.loads(path.read_text()) for path in files]
    if not curves or len({curve["subtask"] for curve in curves}) != 1:
        return None
    episodes = [episode for curve in curves for episode in curve["episodes"]]
    steps = [int(episode["timestep"]) for episode in episodes]
    if steps != sorted(steps):
        episodes = curves[-1]["episodes"]  # each iteration trained afresh: the last one is the policy
    points = []
    for i in range(window - 1, len(episodes)):
        recent = episodes[i - window + 1 : i + 1]
        points.append((int(episodes[i]["timestep"]), sum(bool(e["success"]) for e in recent) / window))
    return points


def evaluation_curve(trial: dict[str, Any]) -> list[tuple[int, float]]:
    """``(training steps so far, evaluation success)`` after each iteration of the trial."""
    points, trained = [], 0
    for record in trial["records"]:
        trained += int(record["env_steps"]["train"])
        points.append((trained, float(record["success_rate"])))
    return points


def steps_to_target(trial: dict[str, Any], curve: list[tuple[int, float]] | None) -> int | None:
    """Env steps at which the trial first reached the target (see the module doc), or None."""
    final = trial["records"][-1]["success_rate"] if trial["records"] else 0.0
    if trial["method"] == "pure-code":
        return 0 if final >= TARGET else None
    crossings = [steps for steps, rate in curve or [] if rate >= TARGET]
    if len(trial["records"]) > 1:
        crossings += [steps for steps, rate in evaluation_curve(trial) if rate >= TARGET]
    if crossings:
        return min(crossings)
    if final < TARGET:
        return None
    # evaluated at 80% or more after training, without a training window that showed it
    return (
        int(trial["records"][-1]["env_steps"]["train"])
        if curve is not None
        else int(trial["summary"]["env_steps"])
    )


def finished(out: Path) -> list[dict[str, Any]]:
    """The finished trials of a bench folder."""
    trials = json.loads((out / "results.json").read_text())["trials"]
    return [trial for trial in trials if trial["status"] == "finished"]


def summarise(out: Path, window: int, controls: Path | None) -> dict[str, Any]:
    """Per task and method: evaluation success, steps to 80% per seed, curves; controls per task."""
    trials = finished(out)
    rows: dict[str, dict[str, Any]] = {}
    for trial in trials:
        curve = training_curve(out / "runs" / trial["id"], window) if trial["method"] != "pure-code" else None
        row = rows.setdefault(trial["task"], {}).setdefault(
            trial["method"], {"success": [], "steps_to_80": [], "env_steps": [], "curves": []}
        )
        row["success"].append(trial["records"][-1]["success_rate"] if trial["records"] else 0.0)
        row["steps_to_80"].append(steps_to_target(trial, curve))
        row["env_steps"].append(int(trial["summary"]["env_steps"]))
        row["curves"].append(curve)
    for trial in finished(controls) if controls else []:
        if trial["task"] in rows and trial["records"]:
            values = rows[trial["task"]].setdefault("controls", {}).setdefault(trial["method"], [])
            values.append(trial["records"][-1]["success_rate"])
    return rows


def _steps(values: list[int | None]) -> str:
    reached = [v for v in values if v is not None]
    cells = ", ".join("-" if v is None else f"{v:,}" for v in values)
    median = (
        f"median {statistics.median(reached):,.0f}"
        if len(reached) * 2 > len(values)
        else "median not reached"
    )
    return f"{median} ({cells})"


def markdown(rows: dict[str, Any], command: str, window: int) -> str:
    """The steps-to-80% table, the controls, and what the numbers say against the target."""
    lines = [
        "# Kitchen: steps to 80% success",
        "",
        f"Made by `{command}` from this folder's bench trials (command in `results.md`).",
        "",
        f"Success is evaluation success (mean over seeds). Steps to 80% per seed: the first training step "
        f"at which the last {window} training episodes succeeded at least 80% of the time (rl-gpt and pure "
        "SAC; env steps include the code sub-tasks replayed at every reset); pure code: whether its programs "
        "alone reach 80%; when the training window never showed 80% but the trained policy's evaluation "
        "did, the training steps spent; `-`: not reached within the trial's budget. Controls: evaluation "
        "success of the same trials trained for one env step (`--budget 1`: SAC's untrained network acts "
        "over the same action space), mean over seeds.",
        "",
        "| task | rl-gpt success | rl-gpt steps to 80% | pure SAC success | pure SAC steps to 80% "
        "| pure code success | pure code reaches 80% | control: rl-gpt plan untrained "
        "| control: SAC untrained |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for task, methods in rows.items():
        cells = [task]
        for method in METHODS:
            row = methods.get(method)
            if row is None:
                cells += ["-", "-"]
                continue
            cells.append(f"{statistics.fmean(row['success']):.2f}")
            if method == "pure-code":
                cells.append(", ".join("yes" if v == 0 else "no" for v in row["steps_to_80"]))
            else:
                cells.append(_steps(row["steps_to_80"]))
        controls = methods.get("controls", {})
        for method in ("rl-gpt", "pure-rl"):
            values = controls.get(method)
            cells.append(f"{statistics.fmean(values):.2f}" if values else "-")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "![success against env steps](success_vs_env_steps.png)", ""]
    return "\n".join(lines)


def plot(rows: dict[str, Any], path: Path) -> None:
    """One panel per task: training curves of rl-gpt and pure SAC per seed, the rest as levels."""
    tasks = list(rows)
    figure, axes = plt.subplots(1, len(tasks), figsize=(4.5 * len(tasks), 3.6), squeeze=False)
    colours = {"rl-gpt": "tab:blue", "pure-rl": "tab:orange", "pure-code": "tab:green"}
    for ax, task in zip(axes[0], tasks, strict=True):
        for method in ("rl-gpt", "pure-rl"):
            row = rows[task].get(method)
            for i, curve in enumerate(row["curves"] if row else []):
                if curve:
                    steps, rates = zip(*curve, strict=True)
                    ax.plot(steps, rates, color=colours[method], alpha=0.7, label=None if i else method)
        code = rows[task].get("pure-code")
        if code:
            ax.axhline(
                statistics.fmean(code["success"]), color=colours["pure-code"], label="pure-code (eval)"
            )
        for method, values in rows[task].get("controls", {}).items():
            ax.axhline(
                statistics.fmean(values), color=colours[method], linestyle=":", label=f"{method} untrained"
            )
        ax.axhline(TARGET, color="grey", linewidth=0.5)
        ax.set_title(task)
        ax.set_xlabel("env steps")
        ax.set_ylabel("success")
        ax.set_ylim(-0.05, 1.05)
        ax.legend(fontsize="x-small")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def main() -> None:
    """Parse the arguments, summarise the bench folder, write the outputs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the rlgpt bench --out folder")
    parser.add_argument("--window", type=int, default=10, help="training episodes per success-rate point")
    parser.add_argument("--controls", type=Path, help="bench folder of the same trials run with --budget 1")
    args = parser.parse_args()
    rows = summarise(args.out, args.window, args.controls)
    command = "python environments/rlgpt-kitchen/benchmarks/learning_curves.py " + str(args.out)
    if args.controls:
        command += f" --controls {args.controls}"
    (args.out / "curves.md").write_text(markdown(rows, command, args.window))
    (args.out / "curves.json").write_text(json.dumps(rows, indent=1))
    plot(rows, args.out / "success_vs_env_steps.png")
    print(args.out / "curves.md")


if __name__ == "__main__":
    main()
