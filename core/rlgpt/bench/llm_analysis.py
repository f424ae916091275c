"""Compare LLMs over a bench folder: where each one fails, not only how often it succeeds.

``python -m rlgpt.bench.llm_analysis OUT`` reads ``OUT/results.json`` of an ``rlgpt bench --llm ...``
run and writes ``OUT/llm-analysis.md`` and ``OUT/success_by_llm.png``:

- **By LLM**: success and dead-loop rate with 95% bootstrap intervals over trials (each trial one
  task and seed; success two-level, trials then episodes), plan-valid rate, code accepted at the first
  attempt and after fixes, why planner answers were unusable, code rejections by kind, LLM calls and
  tokens asked fresh vs served from the cache, answer tokens per second of fresh calls (from each
  trial's ``events.jsonl``, prompt reading included), wall time.
- **Where each trial stopped**, per task and LLM: no usable plan; a plan, but every program rejected;
  programs accepted, but the task failed; or success above zero. This tells a model that cannot write
  JSON from one that cannot write code from one whose code is wrong.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from statistics import fmean
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from rlgpt.bench.control_records import with_local_run_dir
from rlgpt.bench.matrix import NO_LLM, REPLAY
from rlgpt.bench.stats import Estimate, bootstrap
from rlgpt.bench.tables import DEAD_LOOP, episode_successes, last_record
from rlgpt.bench.trial import FINISHED

STAGES = (
    ("no_plan", "no usable plan"),
    ("code_rejected", "plan, every program rejected"),
    ("task_failed", "code accepted, task failed"),
    ("succeeded", "success > 0 (last iteration)"),
)
"""``(stage, label)`` in the order a trial gets through them."""
FAILED_TRIAL = ("trial_failed", "trial failed (error)")
NO_REFERENCE = ("no_reference", "no reference answer (replay)")
"""A replay trial whose transcript holds no answer for its task: nothing to measure, not a failure."""


def stage(trial: dict[str, Any]) -> str:
    """How far a trial got: the first of :data:`STAGES` it did not pass (``trial_failed`` on an error,
    ``no_reference`` for a replay trial on a task its transcript does not answer).

    Judged on the last iteration, as the success column is.
    """
    if trial["status"] != FINISHED:
        unanswered = "has no answer for" in (trial.get("error") or "")
        return NO_REFERENCE[0] if unanswered and _replayed(trial) else FAILED_TRIAL[0]
    metrics = trial.get("llm_metrics") or {}
    if trial["summary"]["final_success_rate"] > 0:
        return "succeeded"
    if not metrics.get("plans_valid"):
        return "no_plan"
    acceptance = metrics.get("code_acceptance_by_attempt") or {}
    if acceptance and not any(rate > 0 for rate in acceptance.values()):
        return "code_rejected"
    return "task_failed"


def _replayed(trial: dict[str, Any]) -> bool:
    """Whether the trial's LLM (its default one, which the label names first) is the replay backend."""
    return trial.get("llm", "").partition(":")[0] == REPLAY


def _episodes(trial: dict[str, Any]) -> list[float]:
    """The last iteration's episode successes; ``[0.0]`` when it ran none (no usable plan): success 0."""
    return [float(x) for x in episode_successes(last_record(trial))] or [0.0]


def _interval(estimate: Estimate) -> str:
    return estimate.format()


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in counter.most_common()) or "-"


def llm_summary(trials: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The by-LLM numbers of one LLM's finished trials (see the module docstring)."""
    done = [t for t in trials if t["status"] == FINISHED]
    metrics = [t.get("llm_metrics") or {} for t in done]
    planner_failures: Counter[str] = Counter()
    rejections: Counter[str] = Counter()
    first: list[float] = []
    fixed: list[float] = []
    fresh = cached = fresh_tokens = cached_tokens = 0
    for m in metrics:
        planner_failures.update(m.get("planner_failures") or {})
        rejections.update(m.get("code_rejections") or {})
        acceptance = m.get("code_acceptance_by_attempt") or {}
        if "0" in acceptance:
            first.append(acceptance["0"])
        fixed += [rate for attempt, rate in acceptance.items() if attempt != "0"]
        for calls in (m.get("calls") or {}).values():
            fresh += calls["fresh_calls"]
            cached += calls["cached_calls"]
            fresh_tokens += calls["fresh_tokens"]
            cached_tokens += calls["cached_tokens"]
    asked = sum(m.get("plans_asked", 0) for m in metrics)
    return {
        "trials": len(trials),
        "finished": len(done),
        "success": bootstrap([_episodes(t) for t in done]) if done else None,
        "dead_loop": bootstrap([[float(t["summary"]["status"] == DEAD_LOOP)] for t in done])
        if done
        else None,
        "plan_valid_rate": sum(m.get("plans_valid", 0) for m in metrics) / asked if asked else None,
        "plans_asked": asked,
        "first_attempt_acceptance": fmean(first) if first else None,
        "fix_acceptance": fmean(fixed) if fixed else None,
        "planner_failures": planner_failures,
        "code_rejections": rejections,
        "fresh_calls": fresh,
        "cached_calls": cached,
        "fresh_tokens": fresh_tokens,
        "cached_tokens": cached_tokens,
        "wall_time_s": fmean(t["wall_time_s"] for t in done) if done else 0.0,
    }


def fresh_call_speed(trials: Sequence[dict[str, Any]]) -> float | None:
    """Answer tokens per second over the fresh (not cached, not replayed) LLM calls of the trials' runs.

    ``None`` for the replay backend, whose answers are read from a file, not generated; in a trial
    that gives one role to the replay backend, that role's calls are left out.
    """
    tokens = seconds = 0.0
    for trial in trials:
        events = Path(trial.get("run_dir", "")) / "events.jsonl"
        if _replayed(trial) or not events.is_file():
            continue
        for line in events.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if event.get("kind") == "llm_call" and not event.get("cached") and not event.get("replayed"):
                if _answered_by(events.parent, event) == REPLAY:  # a role on the replay backend
                    continue
                tokens += event.get("completion_tokens", 0)
                seconds += event.get("latency_s", 0.0)
    return tokens / seconds if seconds > 0 else None


def _answered_by(run_dir: Path, event: dict[str, Any]) -> str | None:
    """The backend that answered an ``llm_call`` event, from the call's record in the run directory."""
    record = run_dir / event.get("file", "")
    if not event.get("file") or not record.is_file():
        return None
    return json.loads(record.read_text(encoding="utf-8")).get("completion", {}).get("backend")


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def markdown(results: dict[str, Any], command: str) -> str:
    """The whole ``llm-analysis.md``."""
    trials = [t for t in results["trials"] if t["llm"] != NO_LLM]
    llms = list(dict.fromkeys(t["llm"] for t in trials))
    tasks = list(dict.fromkeys(t["task"] for t in trials))
    lines = [
        "# LLMs compared: success, dead loops and where each one fails",
        "",
        f"Trials: `{results['command']}`",
        "",
        f"This analysis: `{command}`",
        "",
        f"Prompt files `{results.get('prompt_version', '?')}`, code `{results.get('code_version', '?')}`.",
        "",
        "Success: mean over trials (task x seed) of the last iteration's success, 95% two-level bootstrap "
        "interval (trials, then episodes; a trial with no episode counts as 0). Dead loop: share of trials "
        "ended as a dead loop (the same answer repeated without improvement), 95% bootstrap interval over "
        "trials. Plan valid: share of planner exchanges (with their repair) that gave a usable plan. Code "
        "accepted: mean share of programs accepted at the first attempt, and at fix attempts. Calls and "
        "tokens: asked fresh / served from the response cache (seeds share their first answers).",
        "",
        "| LLM | trials ok | success | dead loop | plan valid | code accepted (first / fixes) "
        "| unusable plans | code rejections | calls fresh / cached | tokens fresh / cached | tokens/s "
        "| wall time (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for llm in llms:
        own = [t for t in trials if t["llm"] == llm]
        s = llm_summary(own)
        speed = fresh_call_speed(own)
        cells = [
            llm,
            f"{s['finished']}/{s['trials']}",
            _interval(s["success"]) if s["success"] else "-",
            _interval(s["dead_loop"]) if s["dead_loop"] else "-",
            f"{_rate(s['plan_valid_rate'])} (of {s['plans_asked']})",
            f"{_rate(s['first_attempt_acceptance'])} / {_rate(s['fix_acceptance'])}",
            _counts(s["planner_failures"]),
            _counts(s["code_rejections"]),
            f"{s['fresh_calls']} / {s['cached_calls']}",
            f"{s['fresh_tokens']:,} / {s['cached_tokens']:,}",
            "-" if speed is None else f"{speed:.1f}",
            f"{s['wall_time_s']:.0f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    labels = dict((*STAGES, FAILED_TRIAL, NO_REFERENCE))
    lines += [
        "",
        "## Where each trial stopped",
        "",
        "Per task and LLM, the trials (seeds) at each stage: " + "; ".join(labels.values()) + ".",
        "",
        "| task | " + " | ".join(llms) + " |",
        "|---|" + "---|" * len(llms),
    ]
    for task in tasks:
        cells = [task]
        for llm in llms:
            stages = Counter(stage(t) for t in trials if t["task"] == task and t["llm"] == llm)
            cells.append(", ".join(f"{labels[s]}: {n}" for s, n in stages.items()) or "-")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "![success by LLM and task](success_by_llm.png)", ""]
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    """Grouped bars: mean success per task for each LLM, with each seed's success as a dot."""
    trials = [t for t in results["trials"] if t["llm"] != NO_LLM and t["status"] == FINISHED]
    llms = list(dict.fromkeys(t["llm"] for t in trials))
    tasks = list(dict.fromkeys(t["task"] for t in trials))
    width = 0.8 / max(len(llms), 1)
    figure, ax = plt.subplots(figsize=(max(6.0, 1.4 * len(tasks) * max(len(llms), 1) / 2), 3.8))
    for i, llm in enumerate(llms):
        for j, task in enumerate(tasks):
            values = [fmean(_episodes(t)) for t in trials if t["llm"] == llm and t["task"] == task]
            x = j + (i - (len(llms) - 1) / 2) * width
            if values:
                ax.bar(x, fmean(values), width, color=f"C{i}", label=llm if j == 0 else None)
                ax.scatter([x] * len(values), values, color="black", s=8, zorder=3)
    ax.set_xticks(range(len(tasks)), tasks, rotation=20, ha="right", fontsize="small")
    ax.set_ylabel("success (last iteration)")
    ax.set_ylim(-0.02, 1.05)
    ax.legend(fontsize="x-small")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def main(argv: Sequence[str] | None = None) -> None:
    """Read ``OUT/results.json`` and write ``llm-analysis.md`` and ``success_by_llm.png`` beside it."""
    prog = "python -m rlgpt.bench.llm_analysis"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the rlgpt bench --out folder")
    args = parser.parse_args(argv)
    path = args.out / "results.json"
    if not path.is_file():
        parser.exit(2, f"error: {path} not found - run `rlgpt bench ... --out {args.out}` first\n")
    results = json.loads(path.read_text(encoding="utf-8"))
    results["trials"] = [with_local_run_dir(args.out, trial) for trial in results["trials"]]
    command = f"python -m rlgpt.bench.llm_analysis {args.out}"
    (args.out / "llm-analysis.md").write_text(markdown(results, command), encoding="utf-8")
    plot(results, args.out / "success_by_llm.png")
    print(args.out / "llm-analysis.md")


if __name__ == "__main__":
    main()
