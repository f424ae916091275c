"""Agent-structure ablation on Crafter: one-agent vs slow+fast vs slow+fast+critic, from one command.

    python benchmarks/crafter_ablation.py --method pure-code --seeds 0,1 --episodes 10

Every structure runs the same base config (``examples/crafter-stone-pickaxe.toml``: two iterations, the
reference transcript) on the same seeds. The replayed answers after iteration 0 are matched on what they
answer, as data (:mod:`rlgpt.agents.feedback_tags`): the critic's verdict where a critic ran, the sub-task
statistics every planner is shown otherwise, each answered as a capable planner would. The table is the
effect of the structure on these replayed answers; the critic's effect on a live model is another
matter. Runs live in ``OUT/runs`` and a rerun skips finished ones. ``--method rl-gpt`` trains the RL
sub-task too (``--budget`` steps per iteration).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rlgpt.bench.stats import bootstrap
from rlgpt.bench.tables import episode_successes
from rlgpt.config import load_config
from rlgpt.loop import Loop

ROOT = Path(__file__).resolve().parents[1]
STRUCTURES = ("one-agent", "slow+fast", "slow+fast+critic")


def run_one(
    base: Path, out: Path, agents: str, method: str, seed: int, budget: int, episodes: int
) -> list[dict]:
    """Run (or resume) one structure, method and seed; return its iteration records."""
    name = f"{agents.replace('+', '-')}-{method}-s{seed}"
    folder = out / "runs" / name
    overrides = [f"agents={agents}", f"method={method}", f"seed={seed}", f"name={name}"]
    overrides += [
        f"runs_dir={out / 'runs'}",
        f"learner.total_timesteps={budget}",
        f"evaluation.episodes={episodes}",
    ]
    if (folder / "config.json").is_file():
        loop = Loop.resume(folder, progress_bar=False)
    else:
        loop = Loop.from_config(load_config(base, overrides), progress_bar=False)
    loop.run()
    events = [json.loads(line) for line in (loop.run_dir.path / "events.jsonl").read_text().splitlines()]
    return [e["record"] for e in events if e["kind"] == "iteration_end"]


def table(results: dict[str, list[list[dict]]]) -> list[str]:
    """One row per structure: first and last iteration success over seeds, and how often the plan changed."""
    lines = [
        "| agents | seeds | iteration 0 success | final success [95% CI over seeds] | plan changed |",
        "|---|---|---|---|---|",
    ]
    for agents, runs in results.items():
        first = bootstrap([episode_successes(r[0]) for r in runs])
        last = bootstrap([episode_successes(r[-1]) for r in runs])
        changed = sum(
            len({json.dumps(x["plan"], sort_keys=True) for x in r if x.get("plan")}) > 1 for r in runs
        )
        lines.append(
            f"| {agents} | {len(runs)} | {first.format()} | {last.format()} | {changed}/{len(runs)} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the ablation and write ``OUT/ablation.md``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "examples" / "crafter-stone-pickaxe.toml")
    parser.add_argument("--method", default="rl-gpt", choices=("rl-gpt", "pure-code"))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--budget", type=int, default=20000, help="learner steps per iteration (rl-gpt)")
    parser.add_argument("--episodes", type=int, default=30, help="evaluation episodes per iteration")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "crafter-ablation")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    results = {
        agents: [
            run_one(args.config, args.out, agents, args.method, seed, args.budget, args.episodes)
            for seed in seeds
        ]
        for agents in STRUCTURES
    }
    command = "python benchmarks/crafter_ablation.py " + " ".join(sys.argv[1:] if argv is None else argv)
    text = [
        "# Agent-structure ablation on Crafter",
        "",
        f"Command: `{command.strip()}` (base config `{args.config.relative_to(ROOT)}`, method {args.method})",
        "",
        *table(results),
        "",
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ablation.md").write_text("\n".join(text), encoding="utf-8")
    print("\n".join(text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
