"""Two ``rlgpt bench`` folders that differ in one setting, compared trial by trial (same task and seed).

    .venv/bin/python benchmarks/compare_arms.py critic no-critic --labels "critic,no critic" --out compare.md

For an ablation the bench cannot express as methods (the agent structure, a prompt option): run the
same bench command twice with one ``--set`` changed, then pair the trials of the two folders by task
and seed. Per task: each seed's success in the first and the last iteration of both arms, the mean
over the seeds both arms finished, and the difference of the last iterations over seeds (seeds
resampled jointly, episodes within each arm independently: the arms ran in separate processes, so
their evaluation worlds are not matched episode by episode).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from rlgpt.bench.stats import bootstrap, difference_over_seeds
from rlgpt.bench.tables import episode_successes
from rlgpt.bench.trial import FINISHED

Trials = dict[tuple[str, int], dict]


def finished_trials(folder: Path) -> Trials:
    """(task, seed) -> the finished trial of ``folder``'s ``results.json``."""
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    return {(t["task"], t["seed"]): t for t in data["trials"] if t["status"] == FINISHED and t["records"]}


def _rate(record: dict) -> str:
    return f"{record['successes'] / record['episodes']:.2f}"


def task_table(task: str, arms: list[Trials], labels: list[str]) -> list[str]:
    """The comparison of one task: a row per seed both arms finished, then the means and the difference."""
    seeds = sorted(seed for (t, seed) in arms[0] if t == task and (t, seed) in arms[1])
    if not seeds:
        return []
    head = " | ".join(f"{label}: first | {label}: last (iterations)" for label in labels)
    lines = [f"## {task}", "", f"| seed | {head} |", "|---|" + "---|---|" * len(labels)]
    for seed in seeds:
        cells = []
        for arm in arms:
            records = arm[(task, seed)]["records"]
            cells += [_rate(records[0]), f"{_rate(records[-1])} ({len(records)})"]
        lines.append(f"| {seed} | " + " | ".join(cells) + " |")
    first = [[episode_successes(arm[(task, s)]["records"][0]) for s in seeds] for arm in arms]
    last = [[episode_successes(arm[(task, s)]["records"][-1]) for s in seeds] for arm in arms]
    means = []
    for f, last_arm in zip(first, last, strict=True):
        means += [bootstrap(f).format(), bootstrap(last_arm).format()]
    lines.append("| mean [95% CI] | " + " | ".join(means) + " |")
    difference = difference_over_seeds(last[0], last[1]).format(signed=True)
    lines += ["", f"Last iteration, {labels[0]} - {labels[1]} over {len(seeds)} seeds: {difference}", ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Compare two bench folders and write the markdown to ``--out`` (and standard output)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--labels", default="", help="comma pair naming the arms (default: folder names)")
    parser.add_argument("--out", type=Path, help="markdown file to write")
    args = parser.parse_args(argv)
    folders = [args.first, args.second]
    labels = args.labels.split(",") if args.labels else [f.name for f in folders]
    if len(labels) != 2:
        parser.error("--labels takes two names, comma-separated")
    missing = [str(f) for f in folders if not (f / "results.json").is_file()]
    if missing:
        print(f"error: no results.json in {', '.join(missing)}; run the bench there first", file=sys.stderr)
        return 2
    arms = [finished_trials(f) for f in folders]
    tasks = list(dict.fromkeys(task for task, _ in arms[0]))
    command = "python benchmarks/compare_arms.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    text = [f"# {labels[0]} against {labels[1]}", "", f"Command: `{command.strip()}`", ""]
    for task in tasks:
        text += task_table(task, arms, labels)
    report = "\n".join(text)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
