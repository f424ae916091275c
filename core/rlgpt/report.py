"""``report.md`` of a run: success per iteration, learning curves, what each iteration did."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from rlgpt.metrics import TRAINING_SUCCESS_WINDOW, IterationRecord, RunSummary
from rlgpt.runs import EventLog, RunDirectory


def write_report(path: Path) -> Path:
    """Write ``report.md`` and its plots into the run directory; returns the report's path."""
    run = RunDirectory.open(path)
    log = run.read_events()
    records = [IterationRecord.from_dict(e["record"]) for e in log.of_kind("iteration_end")]
    ended = log.last("run_end")
    status = ended["summary"]["status"] if ended else "unfinished"
    summary = RunSummary.from_records(status, records)
    config = run.config
    lines = [
        f"# {config['env']} / {config['task']} - {config.get('method', 'rl-gpt')}",
        "",
        f"Run directory: `{run.path}`",
        "",
        _llm_line(config),
        "",
        f"**Status:** {summary.status}; {summary.iterations} iterations; best success rate "
        f"{summary.best_success_rate:.2f}; {summary.env_steps} env steps; {summary.llm_calls} LLM calls, "
        f"{summary.tokens} tokens; {summary.code_rejections} code rejections; "
        f"{summary.dead_loop_iterations} repeated iterations.",
        "",
    ]
    if log.truncated_tail:
        lines += [f"> Note: {log.warning}", ""]
    lines += _resume_lines(log)
    duplicates = log.duplicate_seqs
    if duplicates:
        lines += [
            f"> **Warning: corrupt event log**: {len(duplicates)} sequence numbers occur more than once "
            f"(first: {duplicates[0]}), so two processes wrote this run at once; the numbers below may count "
            "iterations twice. Start a new run to get trustworthy numbers.",
            "",
        ]
    if records:
        lines += _table(records)
        lines += _greedy_gap_note(records, config)
        lines += ["", f"![success per iteration]({_plot_success(run, records).name})", ""]
        curves = _plot_curves(run)
        if curves:
            lines += [f"![learning curves]({curves.name})", ""]
        frames = {e.get("iteration"): e.get("files", {}) for e in log.of_kind("frames")}
        for record in records:
            lines += _iteration_section(record, frames.get(record.iteration, {}))
    return run.write_text("report.md", "\n".join(lines) + "\n")


def _resume_lines(log: EventLog) -> list[str]:
    """What resuming cost: iterations restarted, answers replayed instead of re-sent, training redone."""
    starts = log.of_kind("run_start")
    if len(starts) < 2:
        return []
    begun = Counter(e.get("iteration") for e in log.of_kind("iteration_start"))
    restarted = sorted(i for i, n in begun.items() if n > 1)
    replayed = sum(1 for e in log.of_kind("llm_call") if e.get("replayed"))
    # a training started again (its first try interrupted, or its checkpoint unusable) is training redone
    started = Counter((e.get("iteration"), e.get("subtask")) for e in log.of_kind("training"))
    resumed = {
        (e.get("iteration"), e.get("subtask")): e.get("timesteps") for e in log.of_kind("training_resumed")
    }
    retrained = [f"`{s}` (iteration {i})" for (i, s), n in started.items() if n > 1 and (i, s) not in resumed]
    continued = [f"`{s}` (iteration {i}) from step {steps}" for (i, s), steps in resumed.items()]
    kept = [f"`{e.get('subtask')}` (iteration {e.get('iteration')})" for e in log.of_kind("training_reused")]
    programs = sum(1 for e in log.of_kind("code_accepted") if e.get("reused"))
    redone = (
        f"iteration {', '.join(map(str, restarted))} restarted from its beginning"
        if restarted
        else "no iteration restarted"
    )
    return [
        f"**Resumed** {len(starts) - 1} time(s). Redone after the interruption: {redone}; "
        f"{replayed} LLM answers replayed from this run's records (not sent again); "
        f"trained again: {', '.join(retrained) or 'nothing'}; training continued from a periodic "
        f"checkpoint: {', '.join(continued) or 'none'}. Reused: checkpoints of "
        f"{', '.join(kept) or 'no sub-task'}, {programs} accepted programs (no new dry run).",
        "",
    ]


def _llm_line(config: dict) -> str:
    llm = config.get("llm", {})
    if config.get("method") == "pure-rl":
        return "No LLM: pure RL on the primitive actions."
    if llm.get("backend") == "replay":
        transcript = llm.get("options", {}).get("transcript", "?")
        return (
            f"**LLM: replay of reference answers** from `{transcript}`: recorded answers written as a strong "
            "LLM would answer, not a live model."
        )
    return f"**LLM:** {llm.get('backend')} / {llm.get('model')}"


def _table(records: list[IterationRecord]) -> list[str]:
    lines = [
        "| iteration | success | 95% interval | training success | env steps (train/eval/dry-run) "
        "| LLM calls | tokens | code rejections | failed calls (train/eval) | malformed answers | repeated |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        low, high = r.interval
        steps = "/".join(str(r.env_steps.get(k, 0)) for k in ("train", "eval", "dry_run"))
        rejections = ", ".join(f"{k}: {v}" for k, v in r.code_rejections.items()) or "0"
        malformed = _malformed_cell(r)
        failed = "/".join(str(sum(r.call_failures.get(phase, {}).values())) for phase in ("train", "eval"))
        trained = "-" if r.train_success_rate is None else f"{r.train_success_rate:.2f}"
        lines.append(
            f"| {r.iteration} | {r.success_rate:.2f} | [{low:.2f}, {high:.2f}] | {trained} | {steps} "
            f"| {r.llm.calls} | {r.llm.tokens} | {rejections} | {failed} | {malformed} "
            f"| {'yes' if r.repeated else 'no'} |"
        )
    return lines


GREEDY_GAP = 0.5
"""Training success this much above a sub-task's evaluation success gets the report's note."""


def _greedy_gap_note(records: list[IterationRecord], config: dict) -> list[str]:
    """A note when a sub-task succeeded in training far more often than in greedy evaluation."""
    if not config.get("evaluation", {}).get("deterministic", True):
        return []
    gaps = [
        f"`{name}` (iteration {r.iteration}: training {r.train_successes[name]}/{n}, evaluation "
        f"{r.subtask_success.get(name, 0.0):.0%})"
        for r in records
        for name, n in r.train_episodes.items()
        if r.train_successes[name] / n - r.subtask_success.get(name, 0.0) >= GREEDY_GAP
    ]
    if not gaps:
        return []
    return [
        "",
        f"> **Trained well, evaluated badly:** {', '.join(gaps)}. Training success counts the last "
        f"{TRAINING_SUCCESS_WINDOW} training episodes, where the learner explores; evaluation acts greedily, "
        "and a greedy policy can loop where the sampled one solves. To evaluate sampled actions: "
        "`--set evaluation.deterministic=false`.",
    ]


def _malformed_cell(record: IterationRecord) -> str:
    """Answers that stayed unusable, and those the repair round-trip fixed, by role."""
    parts = [f"{role}: {n}" for role, n in record.malformed_answers.items()]
    for role, asked in record.llm.repairs.items():
        repaired = asked - record.malformed_answers.get(role, 0)
        if repaired > 0:
            parts.append(f"{role}: {repaired} repaired")
    return ", ".join(parts) or "0"


def _iteration_section(record: IterationRecord, frames: dict[str, str]) -> list[str]:
    """One iteration: its plan, rollout summary, critique and frames (sub-task -> PNG path in the run)."""
    lines = [f"## Iteration {record.iteration}", ""]
    if record.plan:
        for number, sub in enumerate(record.plan["subtasks"], 1):
            macros = ", ".join(a["name"] for a in sub.get("coded_actions", []))
            written = sub["name"] in record.programs
            if (macros or sub["method"] == "code") and not written:
                planned = f"; planned coded actions: {macros}" if macros else ""
                extra = f" (no program: every answer of the coder was rejected{planned})"
            else:
                extra = f" (coded actions: {macros})" if macros else ""
            rate = record.subtask_success.get(sub["name"], 0.0)
            n = record.train_episodes.get(sub["name"])
            trained = (
                f" (in training: {record.train_successes[sub['name']]} of its last {n} episodes)" if n else ""
            )
            cost = record.program_costs.get(sub["name"])
            if cost:  # what writing its accepted program took: every sample, fix and dry run
                trained += (
                    f" (program written with {int(cost['tokens']):,} tokens in {cost['seconds']:.1f} s)"
                )
            lines.append(f"{number}. `{sub['name']}` [{sub['method']}]{extra}: reached {rate:.0%}{trained}")
        lines.append("")
    if record.summary:
        lines += ["```", record.summary, "```", ""]
    if record.critique:
        lines += _critique_lines(record.critique)
    for subtask, path in frames.items():
        lines += [f"![{subtask}: the state where it first failed]({path})", ""]
    return lines


def _critique_lines(critique: dict) -> list[str]:
    """The critic's verdict on each sub-task (the coder gets those on its sub-task: that is where a
    critic's advice on code usually is) and its advice to each agent, left out when empty."""
    lines = []
    for verdict in critique.get("verdicts", []):
        reason = f" - {verdict['reason']}" if verdict.get("reason") else ""
        lines.append(f"- Critic on `{verdict['subtask']}`: {verdict['verdict']}{reason}")
    for role in ("planner", "coder"):
        advice = critique.get(f"{role}_feedback", "")
        if advice:
            lines.append(f"- Critic to {role}: {advice}")
    return [*lines, ""] if lines else []


def _plot_success(run: RunDirectory, records: list[IterationRecord]) -> Path:
    figure, axis = plt.subplots(figsize=(5, 3.2))
    xs = [r.iteration for r in records]
    rates = [r.success_rate for r in records]
    lows = [r.success_rate - r.interval[0] for r in records]
    highs = [r.interval[1] - r.success_rate for r in records]
    axis.errorbar(xs, rates, yerr=[lows, highs], marker="o", capsize=4)
    axis.set(xlabel="iteration", ylabel="success rate", ylim=(-0.05, 1.05), title="Success per iteration")
    axis.set_xticks(xs)
    return _save(run, figure, "success_per_iteration.png")


def _curve_points(file: Path) -> list[dict[str, float]]:
    """A learning curve's points (``timestep``, ``episode_return``); none when the file is unreadable."""
    try:
        points = json.loads(file.read_text(encoding="utf-8"))["episodes"]
        return [{"timestep": p["timestep"], "episode_return": float(p["episode_return"])} for p in points]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _plot_curves(run: RunDirectory) -> Path | None:
    files = sorted((run.path / "curves").glob("*.json")) if (run.path / "curves").exists() else []
    if not files:
        return None
    figure, axis = plt.subplots(figsize=(6, 3.5))
    for file in files:
        points = _curve_points(file)
        if not points:
            continue
        returns = [p["episode_return"] for p in points]
        axis.plot(
            [p["timestep"] for p in points],
            _trailing_mean(returns, max(1, len(points) // 20)),
            marker="o" if len(points) == 1 else None,  # a line through one point draws nothing
            label=file.stem,
        )
    axis.set(xlabel="env steps", ylabel="episode return", title="Learning curves")
    if axis.get_lines():  # every sub-task may have finished no training episode
        axis.legend(fontsize=7)
    return _save(run, figure, "learning_curves.png")


def _trailing_mean(values: list[float], window: int) -> list[float]:
    """Mean of each value and up to ``window - 1`` values before it."""
    means = []
    for i in range(len(values)):
        recent = values[max(0, i - window + 1) : i + 1]
        means.append(sum(recent) / len(recent))
    return means


def _save(run: RunDirectory, figure, name: str) -> Path:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return run.write_bytes(name, buffer.getvalue())
