"""Success against code quality: the table and figure of the imperfect-code experiment.

RL-GPT's premise is that RL makes up for imperfect code. Each code-quality level is one bench
results folder, its programs degraded on purpose (``rlgpt bench ... --set code.mutation_rate=R``,
see :mod:`rlgpt.code.mutations`) or written by a live LLM. For every level and task this reads each
method's success over seeds and, where ``python -m rlgpt.bench.controls`` has run, the best
untrained control of the rl-gpt plan (e.g. "always this coded action") and "RL adds" (trained minus
that control, paired episode by episode), then writes:

* ``quality.md``: per task, one row per level, one column per method, success with its 95% interval
  over seeds, the best control and RL adds;
* ``quality-<env>.png``: per task, success against the level, one line per method (and the best
  control), the interval as a band.

Run ``python -m rlgpt.bench.quality DIR [DIR ...] --out FOLDER``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rlgpt.bench.analysis import TaskAnalysis, analyses
from rlgpt.bench.control_records import control_label
from rlgpt.bench.matrix import NO_LLM, REPLAY
from rlgpt.bench.stats import Estimate

BEST_CONTROL = "best control"
"""The column and line of the rl-gpt plan's best untrained control."""
VALIDATED = "rl-gpt, validated"
"""The column of what validating rl-gpt's trained policy against its coded actions would deploy."""
VALIDATED_ADDS = "validated adds"
"""The column of that policy minus the best control."""


@dataclass(frozen=True)
class Level:
    """One code-quality level: a results folder and what its programs are.

    :param label: how tables and plots name it (``mutation 0.25``, or the live coder).
    :param rate: the mutation rate (0 for programs as the coder wrote them).
    :param coder: the coder's LLM label (``replay:reference`` for the reference answers).
    :param tasks: the analysis of each environment and task in the folder.
    """

    label: str
    rate: float
    coder: str
    tasks: tuple[TaskAnalysis, ...]

    @property
    def live(self) -> bool:
        """Whether a live LLM wrote the programs (not replayed reference answers)."""
        return _live(self.coder)


def _live(coder: str) -> bool:
    return coder != NO_LLM and not coder.startswith(f"{REPLAY}:")


def read_level(out: Path) -> Level:
    """The level of one results folder, from its trials' configs.

    :raises ValueError: the folder has no finished trial, or its trials mix code-quality levels.
    """
    tasks = tuple(analyses(out))
    trials = [t for task in tasks for ts in task.methods.values() for t in ts]
    if not trials:
        raise ValueError(f"{out}: no finished trials (run rlgpt bench --out {out} first)")
    rates = {float(t["config"]["code"].get("mutation_rate", 0.0)) for t in trials}
    coders = {t["llm"] for t in trials if t["llm"] != NO_LLM}
    if len(rates) > 1 or len(coders) > 1:
        raise ValueError(
            f"{out}: trials of several code-quality levels (mutation rates {sorted(rates)}, LLMs "
            f"{sorted(coders)}); give one results folder per level"
        )
    rate = rates.pop()
    coder = coders.pop() if coders else NO_LLM
    model = coder.split(" (")[0]  # without the roles on other LLMs: the coder's model names the level
    live = _live(coder)
    label = f"mutation {rate:g}" + (f" ({model}, live)" if live else "")
    if live and rate == 0:
        label = f"{model} (live)"
    return Level(label, rate, coder, tasks)


def ordered(levels: Sequence[Level]) -> list[Level]:
    """Levels as tables and figures show them: the replayed programs by mutation rate, then the live
    coders' programs (in the order given)."""
    return sorted(levels, key=lambda level: (level.live, level.rate))


def _row(task: TaskAnalysis | None, methods: Sequence[str]) -> dict[str, Estimate | str | None]:
    cells: dict[str, Estimate | str | None] = {}
    for method in methods:
        cells[method] = task.success(method) if task and task.methods.get(method) else None
    adds = task.rl_adds("rl-gpt") if task and "rl-gpt" in task.methods else None
    if adds is not None:
        name, difference = adds
        cells[BEST_CONTROL] = task.control_estimates("rl-gpt")[name]
        cells["control"] = control_label(name)
        cells["RL adds"] = difference
    validated = task.validated("rl-gpt") if task and "rl-gpt" in task.methods else None
    if validated is not None:
        cells[VALIDATED], cells[VALIDATED_ADDS] = validated
    return cells


def quality_markdown(levels: Sequence[Level], command: str = "") -> str:
    """The table of every task: one row per level, one column per method, best control, RL adds."""
    methods = list(dict.fromkeys(m for level in levels for task in level.tasks for m in task.methods))
    keys = list(dict.fromkeys((task.env, task.task) for level in levels for task in level.tasks))
    lines = ["# Success against code quality", ""]
    if command:
        lines += ["```", command, "```", ""]
    lines += [
        "Success of the final policy over seeds, with 95% bootstrap intervals; the best control is the "
        "rl-gpt plan's best untrained policy (its coded actions chosen by a fixed rule), and RL adds is "
        "the trained policy minus it, paired episode by episode.",
        "",
    ]
    any_validated = False
    for env, task_id in keys:
        rows = [
            (level, _row(next((t for t in level.tasks if (t.env, t.task) == (env, task_id)), None), methods))
            for level in levels
        ]
        validated = [VALIDATED, VALIDATED_ADDS] if any(VALIDATED in cells for _, cells in rows) else []
        any_validated = any_validated or bool(validated)
        header = ["level", *methods, BEST_CONTROL, "RL adds", *validated]
        lines += [f"## {env} / {task_id}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for level, cells in rows:
            shown = [_cell(cells.get(m)) for m in methods]
            control = cells.get(BEST_CONTROL)
            best = f"{_cell(control)} ({cells['control']})" if control is not None else "-"
            signed = [_signed(cells.get(key)) for key in ("RL adds", VALIDATED_ADDS)]
            extra = [_cell(cells.get(VALIDATED)), signed[1]] if validated else []
            lines.append("| " + " | ".join([level.label, *shown, best, signed[0], *extra]) + " |")
        lines.append("")
    if any_validated:
        lines += [
            f"{VALIDATED}: the policy validation would have deployed (`python -m rlgpt.bench.controls "
            "--validation-episodes N`): the trained one or its coded actions alone, whichever solved more "
            f"of N other worlds; {VALIDATED_ADDS} is it minus the best control.",
            "",
        ]
    return "\n".join(lines)


def _signed(value: Estimate | str | None) -> str:
    return value.format(signed=True) if isinstance(value, Estimate) else "-"


def _cell(value: Estimate | str | None) -> str:
    if value is None:
        return "-"
    return value.format() if isinstance(value, Estimate) else value


def plot_quality(levels: Sequence[Level], out: Path) -> list[Path]:
    """One figure per environment: a panel per task, success against the level, a line per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = list(dict.fromkeys(m for level in levels for task in level.tasks for m in task.methods))
    lines = [*methods, BEST_CONTROL]
    envs = list(dict.fromkeys(task.env for level in levels for task in level.tasks))
    written = []
    for env in envs:
        tasks = list(dict.fromkeys(t.task for level in levels for t in level.tasks if t.env == env))
        fig, axes = plt.subplots(1, len(tasks), figsize=(max(6.5, 4.5 * len(tasks)), 4.0), squeeze=False)
        for ax, task_id in zip(axes[0], tasks, strict=True):
            rows = [
                _row(next((t for t in level.tasks if (t.env, t.task) == (env, task_id)), None), methods)
                for level in levels
            ]
            for i, line in enumerate(lines):
                points = [(x, row[line]) for x, row in enumerate(rows) if isinstance(row.get(line), Estimate)]
                if not points:
                    continue
                xs = [x for x, _ in points]
                estimates = [e for _, e in points if isinstance(e, Estimate)]
                if len(points) == 1 and len(levels) > 1 and line != BEST_CONTROL:
                    # run at one level only: a method without code (pure-rl) is the same at every level
                    only = estimates[0]
                    ax.axhline(only.value, linestyle=":", color=f"C{i}", label=f"{line} (one level)")
                    ax.axhspan(only.low, only.high, color=f"C{i}", alpha=0.1)
                    continue
                # a line and band through the degraded reference programs; a live coder's level is a
                # point of its own with an error bar
                curve = [(x, e) for x, e in zip(xs, estimates, strict=True) if not levels[x].live]
                live = [(x, e) for x, e in zip(xs, estimates, strict=True) if levels[x].live]
                style = "--" if line == BEST_CONTROL else "-"
                label: str | None = line
                if curve:
                    cxs = [x for x, _ in curve]
                    ax.plot(cxs, [e.value for _, e in curve], style, marker="o", color=f"C{i}", label=label)
                    lows, highs = [e.low for _, e in curve], [e.high for _, e in curve]
                    ax.fill_between(cxs, lows, highs, color=f"C{i}", alpha=0.15)
                    label = None
                if live:
                    ax.errorbar(
                        [x for x, _ in live],
                        [e.value for _, e in live],
                        yerr=[[e.value - e.low for _, e in live], [e.high - e.value for _, e in live]],
                        fmt="o",
                        color=f"C{i}",
                        capsize=3,
                        label=label,
                    )
            ax.set_xticks(range(len(levels)), [level.label for level in levels], rotation=20, fontsize=8)
            ax.set_ylim(-0.02, 1.02)
            ax.set_title(task_id)
            ax.set_ylabel("success")
            ax.grid(alpha=0.3)
        axes[0][0].legend(fontsize=8)
        fig.suptitle(f"{env}: success against code quality\n(95% intervals over seeds)", fontsize=10)
        fig.tight_layout()
        path = out / f"quality-{env}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m rlgpt.bench.quality DIR [DIR ...] --out FOLDER``."""
    parser = argparse.ArgumentParser(
        prog="python -m rlgpt.bench.quality", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "levels", type=Path, nargs="+", help="bench results folders, one per code-quality level"
    )
    parser.add_argument("--out", type=Path, required=True, help="where quality.md and the figures go")
    args = parser.parse_args(argv)
    try:
        levels = ordered([read_level(folder) for folder in args.levels])
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    command = "python -m rlgpt.bench.quality " + " ".join(map(str, args.levels)) + f" --out {args.out}"
    (args.out / "quality.md").write_text(quality_markdown(levels, command), encoding="utf-8")
    for path in [args.out / "quality.md", *plot_quality(levels, args.out)]:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
