"""Aggregate trial results into comparison rows and write them as markdown.

A trial's success is the success rate of its last iteration (the agents' final
answer). A row's success is the mean over its finished trials (seeds); its 95%
interval is Wilson's over all of those trials' last-iteration evaluation episodes,
pooled. Failed trials are counted and listed but enter no mean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from statistics import fmean
from typing import Any

from rlgpt.bench.trial import FINISHED
from rlgpt.metrics import wilson_interval

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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _last_record(result: dict[str, Any]) -> dict[str, Any]:
    records = result.get("records") or []
    return records[-1] if records else {"successes": 0, "episodes": 0}


def summarise(task: str, method: str, llm: str, results: Sequence[dict[str, Any]]) -> Row:
    """The row of one group of trial results."""
    done = [r for r in results if r["status"] == FINISHED]
    successes = sum(_last_record(r)["successes"] for r in done)
    episodes = sum(_last_record(r)["episodes"] for r in done)
    low, high = wilson_interval(successes, episodes)

    def mean(value: Callable[[dict[str, Any]], float]) -> float:
        return fmean(value(r) for r in done) if done else 0.0

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
    """One row per LLM over every task and LLM-using method (pure RL has no LLM and is left out)."""
    groups = _grouped((r for r in results if r["method"] != "pure-rl"), lambda r: (r["llm"],))
    return [summarise("all", "all", llm, group) for (llm,), group in groups.items()]


def _success(row: Row) -> str:
    if not row.finished:
        return "-"
    return f"{row.success:.2f} [{row.ci_low:.2f}, {row.ci_high:.2f}] (n={row.episodes})"


def _markdown(header: Sequence[str], lines: Iterable[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cells) + " |" for cells in lines]
    return out


def method_table(rows: Sequence[Row]) -> list[str]:
    """Markdown table: method and LLM rows of one task."""
    header = (
        "method", "LLM", "trials ok", "success [95% CI]", "dead-loop rate", "iterations",
        "code rejections", "tokens", "env steps", "wall time (s)",
    )
    return _markdown(
        header,
        (
            (
                r.method, r.llm, f"{r.finished}/{r.trials}", _success(r), f"{r.dead_loop_rate:.2f}",
                f"{r.iterations:.1f}", f"{r.code_rejections:.1f}", f"{r.tokens:.0f}", f"{r.env_steps:.0f}",
                f"{r.wall_time_s:.1f}",
            )
            for r in rows
        ),
    )


def llm_table(rows: Sequence[Row]) -> list[str]:
    """Markdown table: one row per LLM."""
    header = (
        "LLM", "trials ok", "success [95% CI]", "dead-loop rate", "iterations", "code rejections",
        "malformed answers", "tokens", "wall time (s)",
    )
    return _markdown(
        header,
        (
            (
                r.llm, f"{r.finished}/{r.trials}", _success(r), f"{r.dead_loop_rate:.2f}", f"{r.iterations:.1f}",
                f"{r.code_rejections:.1f}", f"{r.malformed_answers:.1f}", f"{r.tokens:.0f}",
                f"{r.wall_time_s:.1f}",
            )
            for r in rows
        ),
    )


def results_markdown(
    command: str, machine: str, results: Sequence[dict[str, Any]], plot_name: str
) -> str:
    """The whole ``results.md``: command, machine, one table per task, the LLM table, failures."""
    rows = method_rows(results)
    lines = [
        "# rlgpt bench results",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {machine}",
        "",
        "Success is each trial's last-iteration success rate, averaged over seeds; the interval is the 95% "
        "Wilson interval over all those evaluation episodes pooled. Numbers other than success are means "
        "per finished trial. Env steps count every step a trial took: training, evaluation and dry runs "
        "of generated code (pure-code trials train nothing, so they use only dry-run and evaluation "
        "steps).",
        "",
    ]
    for task in dict.fromkeys(row.task for row in rows):
        lines += [f"## {task}", "", *method_table([r for r in rows if r.task == task]), ""]
    by_llm = llm_rows(results)
    if len(by_llm) > 1:
        lines += ["## By LLM (all tasks, methods that use an LLM)", "", *llm_table(by_llm), ""]
    lines += [f"![success against env steps]({plot_name})", ""]
    failed = [r for r in results if r["status"] != FINISHED]
    if failed:
        lines += ["## Failed trials", ""]
        lines += [f"- `{r['id']}`: {r['error']}" for r in failed]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
