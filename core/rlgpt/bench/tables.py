"""Aggregate trial results into comparison rows and write them as markdown.

A trial's success is the success rate of its last iteration (the agents' final
answer). A row's success is the mean over its finished trials (seeds); its 95%
interval is a two-level bootstrap over those seeds (:mod:`rlgpt.bench.stats`): seeds
are the independent runs, so episodes are never pooled as if independent. A row's
training success is the mean over its trials that trained of their last iteration's
training success (:data:`rlgpt.metrics.TRAINING_SUCCESS_WINDOW`): far above the success,
the greedy evaluation loops where the exploring policy solved. Failed trials are
counted and listed but enter no mean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from statistics import fmean
from typing import Any

from rlgpt.bench.matrix import NO_LLM
from rlgpt.bench.stats import bootstrap
from rlgpt.bench.trial import FINISHED
from rlgpt.metrics import TRAINING_SUCCESS_WINDOW

DEAD_LOOP = "dead_loop"


@dataclass
class Row:
    """One compared group of trials (a method and LLM on a task, or one LLM overall)."""

    task: str
    method: str
    llm: str
    trials: int
    finished: int
    success: float
    ci_low: float
    ci_high: float
    episodes: int
    dead_loop_rate: float
    iterations: float
    code_rejections: float
    malformed_answers: float
    tokens: float
    env_steps: float
    wall_time_s: float
    train_success: float | None = None
    """Mean last-iteration training success of the trials that trained; ``None`` when none did."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def last_record(result: dict[str, Any]) -> dict[str, Any]:
    """A trial's last iteration record; zero episodes when it has none."""
    records = result.get("records") or []
    return records[-1] if records else {"successes": 0, "episodes": 0}


def episode_successes(record: dict[str, Any]) -> list[int]:
    """An iteration's per-episode success, from its counts."""
    return [1] * int(record["successes"]) + [0] * (int(record["episodes"]) - int(record["successes"]))


def summarise(task: str, method: str, llm: str, results: Sequence[dict[str, Any]]) -> Row:
    """The row of one group of trial results."""
    done = [r for r in results if r["status"] == FINISHED]
    per_seed = [episode_successes(last_record(r)) for r in done]
    episodes = sum(len(seed) for seed in per_seed)
    interval = bootstrap(per_seed) if episodes else None
    low, high = (interval.low, interval.high) if interval else (0.0, 0.0)

    def mean(value: Callable[[dict[str, Any]], float]) -> float:
        return fmean(value(r) for r in done) if done else 0.0

    trained = [rate for r in done if (rate := last_record(r).get("train_success_rate")) is not None]

    return Row(
        task=task,
        method=method,
        llm=llm,
        trials=len(results),
        finished=len(done),
        success=mean(lambda r: r["summary"]["final_success_rate"]),
        ci_low=low,
        ci_high=high,
        episodes=episodes,
        dead_loop_rate=mean(lambda r: float(r["summary"]["status"] == DEAD_LOOP)),
        iterations=mean(lambda r: r["summary"]["iterations"]),
        code_rejections=mean(lambda r: r["summary"]["code_rejections"]),
        malformed_answers=mean(lambda r: r["summary"]["malformed_answers"]),
        tokens=mean(lambda r: r["summary"]["tokens"]),
        env_steps=mean(lambda r: r["summary"]["env_steps"]),
        wall_time_s=mean(lambda r: r["wall_time_s"]),
        train_success=fmean(trained) if trained else None,
    )


def _grouped(results: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], tuple]) -> dict[tuple, list]:
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for result in results:
        groups.setdefault(key(result), []).append(result)
    return groups


def method_rows(results: Sequence[dict[str, Any]]) -> list[Row]:
    """One row per task, method and LLM, in the order the trials were listed."""
    groups = _grouped(results, lambda r: (r["task"], r["method"], r["llm"]))
    return [summarise(task, method, llm, group) for (task, method, llm), group in groups.items()]


def llm_rows(results: Sequence[dict[str, Any]]) -> list[Row]:
    """One row per LLM over every task and LLM-using method (those without agents, pure RL, left out)."""
    groups = _grouped((r for r in results if r["llm"] != NO_LLM), lambda r: (r["llm"],))
    return [summarise("all", "all", llm, group) for (llm,), group in groups.items()]


def _success(row: Row) -> str:
    if not row.finished:
        return "-"
    return f"{row.success:.2f} [{row.ci_low:.2f}, {row.ci_high:.2f}] (n={row.episodes})"


COLUMNS: dict[str, tuple[str, Callable[[Row], str]]] = {
    "method": ("method", lambda r: r.method),
    "llm": ("LLM", lambda r: r.llm),
    "trials": ("trials ok", lambda r: f"{r.finished}/{r.trials}"),
    "success": ("success [95% CI over seeds]", _success),
    "train_success": (
        "training success",
        lambda r: "-" if r.train_success is None else f"{r.train_success:.2f}",
    ),
    "dead_loop_rate": ("dead-loop rate", lambda r: f"{r.dead_loop_rate:.2f}"),
    "iterations": ("iterations", lambda r: f"{r.iterations:.1f}"),
    "code_rejections": ("code rejections", lambda r: f"{r.code_rejections:.1f}"),
    "malformed_answers": ("malformed answers", lambda r: f"{r.malformed_answers:.1f}"),
    "tokens": ("tokens", lambda r: f"{r.tokens:.0f}"),
    "env_steps": ("env steps", lambda r: f"{r.env_steps:.0f}"),
    "wall_time_s": ("wall time (s)", lambda r: f"{r.wall_time_s:.1f}"),
}
METHOD_COLUMNS = (
    "method",
    "llm",
    "trials",
    "success",
    "train_success",
    "dead_loop_rate",
    "iterations",
    "code_rejections",
    "tokens",
    "env_steps",
    "wall_time_s",
)
LLM_COLUMNS = (
    "llm",
    "trials",
    "success",
    "dead_loop_rate",
    "iterations",
    "code_rejections",
    "malformed_answers",
    "tokens",
    "wall_time_s",
)


def markdown_table(rows: Sequence[Row], columns: Sequence[str]) -> list[str]:
    """Markdown table lines of ``rows`` with the named :data:`COLUMNS`."""
    specs = [COLUMNS[name] for name in columns]
    lines = ["| " + " | ".join(header for header, _ in specs) + " |", "|" + "---|" * len(specs)]
    return lines + ["| " + " | ".join(cell(row) for _, cell in specs) + " |" for row in rows]


def results_markdown(command: str, machine: str, results: Sequence[dict[str, Any]], plot_name: str) -> str:
    """The whole ``results.md``: command, machine, one table per task, the LLM table, failures."""
    rows = method_rows(results)
    lines = [
        "# rlgpt bench results",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {machine}",
        "",
        "Success is each trial's last-iteration success rate, averaged over seeds; the interval is a 95% "
        "two-level bootstrap over seeds (seeds resampled, then episodes within each). Training success is "
        f"the success of the last iteration's last {TRAINING_SUCCESS_WINDOW} training episodes per RL "
        "sub-task (the learner exploring), averaged over the trials that trained. Numbers other than "
        "success are means "
        "per finished trial. Env steps count every step a trial took: training, evaluation and dry runs "
        "of generated code (pure-code trials train nothing, so they use only dry-run and evaluation "
        "steps).",
        "",
    ]
    for task in dict.fromkeys(row.task for row in rows):
        lines += [f"## {task}", "", *markdown_table([r for r in rows if r.task == task], METHOD_COLUMNS), ""]
    by_llm = llm_rows(results)
    if len(by_llm) > 1:
        title = "## By LLM (all tasks, methods that use an LLM)"
        lines += [title, "", *markdown_table(by_llm, LLM_COLUMNS), ""]
    lines += [f"![success against env steps]({plot_name})", ""]
    failed = [r for r in results if r["status"] != FINISHED]
    if failed:
        lines += ["## Failed trials", ""]
        lines += [f"- `{r['id']}`: {r['error']}" for r in failed]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
