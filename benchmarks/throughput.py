"""Training throughput: env steps per second of RL-GPT's RL sub-tasks vs plain PPO on the same task.

    OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python benchmarks/throughput.py --budget 3000 --repeats 3

Each variant runs the config twice in this process, side by side: ``method = "rl-gpt"`` (the
replayed plan: coded actions in the action space, done conditions, earlier sub-tasks played at
reset) and ``method = "pure-rl"`` (the learner on the primitive actions and the task), with the
same learner, budget, seed, one environment and one torch thread. With ``--repeats N`` each variant times N
rl-gpt/pure-rl pairs, alternated, and prints the median ratio and its range. It prints each one's training
steps per second (the ``trained`` events' ``fps``: env steps over the learner's wall time), the
ratio rl-gpt / pure-rl, and for Crafter how many worlds the runs generated and how many distinct
world seeds they used. A third, profiled rl-gpt run prints the top cProfile entries (own time) of
its training (the loop's ``_train``: learner, environments, code host) and the share of that time
spent generating worlds.

Variants (``--variants``):

- ``stock-worldgen`` (Crafter): worlds from Crafter's own generator (``crafter.worldgen``), what
  every reset cost before ``rlgpt_crafter.worldgen``;
- ``default``: the config as it is (Crafter: the vectorised generator, the same worlds);
- ``continue-world`` (Crafter): ``env_options.continue_world = true`` (unseeded resets go on in
  the same world);
- ``in-process-code``: ``code.isolation = "in-process"`` (generated code runs in the stepping
  process: no round trips to the code host; pure-rl runs no code, so only rl-gpt changes);
- ``all-calls-hosted``: ``code.inline_bounded = false`` (every call in the code host, the done
  condition after every step included: what ``default`` did before ``rlgpt.code.bounded``).

Configs of other environments (``--config examples/kitchen-microwave.toml``) run the variants that
are not Crafter's.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

from rlgpt.config import load_config
from rlgpt.loop import Loop
from rlgpt.subtask_training import SubtaskTrainer

ROOT = Path(__file__).resolve().parents[1]
VARIANTS: dict[str, list[str]] = {
    "stock-worldgen": [],
    "default": [],
    "continue-world": ["env_options.continue_world=true"],
    "in-process-code": ["code.isolation=in-process"],
    "all-calls-hosted": ["code.inline_bounded=false"],
}
"""Variant name -> its config overrides (``stock-worldgen`` also swaps the generator)."""
CRAFTER_ONLY = ("stock-worldgen", "continue-world")


@dataclass
class Worlds:
    """Crafter worlds of a run: generated ones by world seed, and episodes that continued a world."""

    seeds: Counter = field(default_factory=Counter)
    continued: int = 0

    def __str__(self) -> str:
        return f"{sum(self.seeds.values())} ({len(self.seeds)}, {self.continued})"


@contextlib.contextmanager
def crafter_worlds(stock: bool) -> Iterator[Worlds]:
    """Count Crafter's generated and continued worlds while the block runs; with ``stock``,
    generate worlds with Crafter's own generator."""
    import crafter
    from rlgpt_crafter.engine import Engine

    worlds = Worlds()
    original_reset_world, original_continue, original_reset = (
        Engine.reset_world,
        Engine.continue_world,
        Engine.reset,
    )

    def reset_world(self: Engine, seed: int):
        worlds.seeds[seed] += 1
        return original_reset_world(self, seed)

    def continue_world(self: Engine):
        worlds.continued += 1
        return original_continue(self)

    Engine.reset_world, Engine.continue_world = reset_world, continue_world
    if stock:
        Engine.reset = crafter.Env.reset
    try:
        yield worlds
    finally:
        Engine.reset_world, Engine.continue_world, Engine.reset = (
            original_reset_world,
            original_continue,
            original_reset,
        )


@contextlib.contextmanager
def profiled_training(profiler: cProfile.Profile | None) -> Iterator[None]:
    """Profile the loop's training phase (``SubtaskTrainer.train``) with ``profiler`` while the block runs."""
    if profiler is None:
        yield
        return
    original = SubtaskTrainer.train

    def train(self: SubtaskTrainer, *args: object, **kwargs: object) -> object:
        profiler.enable()
        try:
            return original(self, *args, **kwargs)
        finally:
            profiler.disable()

    SubtaskTrainer.train = train
    try:
        yield
    finally:
        SubtaskTrainer.train = original


def run(config: Path, method: str, budget: int, variant: str, out: Path, profile: bool) -> dict:
    """One run of ``config`` with ``method``; its training steps/s, world counts and profile."""
    overrides = [
        f"method={method}",
        f"learner.total_timesteps={budget}",
        "max_iterations=1",
        "evaluation.episodes=1",
        "evaluation.frames=false",
        f"runs_dir={out}",
        f"name={variant}-{method}-{'profiled' if profile else 'timed'}",
    ]
    overrides += VARIANTS[variant]
    config_ = load_config(config, overrides)
    crafter = config_.env.startswith("crafter")
    profiler = cProfile.Profile() if profile else None
    counting = crafter_worlds(variant == "stock-worldgen") if crafter else contextlib.nullcontext()
    with (
        counting as worlds,
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
        profiled_training(profiler),
    ):
        loop = Loop.from_config(config_, progress_bar=False)
        loop.run()
    events = [json.loads(line) for line in (loop.run_dir.path / "events.jsonl").read_text().splitlines()]
    trained = [e for e in events if e["kind"] == "trained"]
    steps = sum(e["timesteps"] for e in trained)
    seconds = sum(e["timesteps"] / e["fps"] for e in trained if e["fps"])
    return {"fps": steps / seconds if seconds else 0.0, "worlds": str(worlds or "-"), "profile": profiler}


def top_entries(profiler: cProfile.Profile, count: int) -> str:
    """The ``count`` functions with the most own time, and the share of world generation."""
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(count)
    lines = text.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    entries, total = stats.stats, stats.total_tt  # type: ignore[attr-defined]
    worldgen = sum(row[3] for (_, _, name), row in entries.items() if name == "generate_world")
    share = [f"world generation: {worldgen:.2f} s of {total:.2f} s profiled ({worldgen / total:.0%})"]
    return "\n".join([*(share if worldgen else []), *lines[start : start + count + 1]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "examples" / "crafter-wood-pickaxe.toml")
    parser.add_argument("--budget", type=int, default=3000, help="learner.total_timesteps of every run")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="any of " + ", ".join(VARIANTS))
    parser.add_argument("--top", type=int, default=12, help="profile entries to print per variant (0: none)")
    parser.add_argument(
        "--repeats", type=int, default=1, help="timed rl-gpt/pure-rl pairs per variant (median shown)"
    )
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or not variants:
        sys.exit(f"error: --variants: unknown {unknown or 'none given'} (choose from {', '.join(VARIANTS)})")
    if not args.config.is_file():
        sys.exit(f"error: --config: no file {args.config} (e.g. examples/crafter-wood-pickaxe.toml)")
    if not load_config(args.config).env.startswith("crafter"):
        variants = [v for v in variants if v not in CRAFTER_ONLY] or ["default"]
    print(f"config {args.config.name}, budget {args.budget}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}")
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for variant in variants:
            pairs = [
                (
                    run(args.config, "rl-gpt", args.budget, variant, Path(out) / str(i), profile=False),
                    run(args.config, "pure-rl", args.budget, variant, Path(out) / str(i), profile=False),
                )
                for i in range(max(args.repeats, 1))
            ]
            rows.append((variant, pairs))
            if args.top:
                profiled = run(args.config, "rl-gpt", args.budget, variant, Path(out), profile=True)
                print(f"\n[{variant}] rl-gpt, top {args.top} by own time (profiled run):")
                print(top_entries(profiled["profile"], args.top), flush=True)
    header = f"{'variant':<16}{'rl-gpt steps/s':>15}{'pure-rl steps/s':>16}{'ratio':>7}{'(min-max)':>12}"
    print(f"\n{header}   worlds (distinct seeds, continued)")
    for variant, pairs in rows:
        ratios = [r["fps"] / p["fps"] if p["fps"] else float("nan") for r, p in pairs]
        rlgpt, plain = (statistics.median(run[i]["fps"] for run in pairs) for i in (0, 1))
        spread = f"{min(ratios):.2f}-{max(ratios):.2f}" if len(ratios) > 1 else ""
        worlds = f"rl-gpt {pairs[0][0]['worlds']}  pure-rl {pairs[0][1]['worlds']}"
        ratio = statistics.median(ratios)
        print(f"{variant:<16}{rlgpt:>15.0f}{plain:>16.0f}{ratio:>7.2f}{spread:>12}   {worlds}")


if __name__ == "__main__":
    main()
