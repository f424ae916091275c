"""Controls: what the trained policy adds over untrained ones, with the same plan, programs and worlds.

For every finished trial of a bench results folder, the final iteration's plan and programs are
evaluated again, episode by episode, on the trial's own evaluation worlds, with each RL sub-task
driven by:

* ``trained``: the trained policy, deterministic (what the loop evaluated; the re-evaluation
  must reproduce the loop's success count, and says whether it does);
* ``trained_stochastic``: the trained policy, sampling its actions;
* ``random``: uniform over the actions the sub-task's mask allows (every action when unmasked);
* ``always:<action>``: that coded action whenever the mask allows it, otherwise a uniform allowed
  one. Constant *primitive* actions are left out: always moving one way walks into the first
  obstacle and stays there (on eat_cow every constant move scored 0 of 20 where the trained
  policy scored 19), and those episodes run to the step limit, which is most of the cost.

Only rl-gpt trials have controls (pure-rl has no plan to hold fixed, pure-code no RL sub-task);
with ``--all-methods`` the other methods' final policies are re-evaluated too (``final``), so every
method's achievements (and, on ``open_game``, the Crafter score) can be reported. Results go to
``controls/<trial id>.json``; a rerun skips trials already done.

Run ``python -m rlgpt.bench.controls RESULTS_DIR [--all-methods]``.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from rlgpt.agents.schemas import Plan
from rlgpt.bench.trial import FINISHED, write_json
from rlgpt.envs import run_chain

CONTROLS_DIR = "controls"
TRAINED = "trained"
STOCHASTIC = "trained_stochastic"
RANDOM = "random"
ALWAYS = "always:"
CONTROLLED = "rl-gpt"
"""The method whose trials get controls."""

FINAL = "final"
"""Other methods' final policy (pure-rl's trained one, pure-code's programs), re-evaluated with
``--all-methods`` for the achievements (and the Crafter score) of every method."""


def evaluation_world(seed: int, episode: int) -> int:
    """The reset seed of evaluation episode ``episode`` of a run with ``seed`` (as the loop does)."""
    return 10_000 + 1_000 * seed + episode


class _Masked:
    """A control policy: ``predict(obs, action_masks=None) -> action`` over ``n`` actions."""

    def __init__(self, n: int, rng: np.random.Generator, always: int | None = None) -> None:
        self.n, self.rng, self.always = n, rng, always

    def __call__(self, obs: Any, action_masks: Any = None) -> int:
        allowed = np.arange(self.n) if action_masks is None else np.flatnonzero(action_masks)
        if self.always is not None and self.always in allowed:
            return self.always
        return int(self.rng.choice(allowed))


def _stochastic(predict: Callable[..., Any]) -> Callable[..., Any]:
    def sample(obs: Any, **kwargs: Any) -> Any:
        return predict(obs, deterministic=False, **kwargs)

    return sample


class TrialControls:
    """Re-evaluates one finished trial under its controls.

    :param result: the trial's result (``trials/<id>.json``).
    """

    def __init__(self, result: dict[str, Any]) -> None:
        from rlgpt.loop import Loop

        self.result = result
        record = result["records"][-1]
        if not record.get("plan"):
            raise ValueError(f"trial {result['id']} has no usable plan in its last iteration")
        # the trial's own loop builds the runtime, so the plan runs exactly as it was evaluated
        loop = Loop.resume(Path(result["run_dir"]), console=Console(quiet=True), progress_bar=False)
        self.config, self.env_spec, self.task = loop.config, loop.env_spec, loop.task
        self.learner = loop.registry.learner(loop.config.learner.name)
        plan = Plan.model_validate(record["plan"])
        self.runtime = loop._runtime(plan, record.get("programs") or {})
        self.expected_successes = int(record["successes"])
        self.episodes = int(record["episodes"])
        self.checkpoints, self.final_policy_steps = _trained(
            Path(result["run_dir"]), int(record["iteration"])
        )

    @property
    def rl_subtasks(self) -> list[Any]:
        """The plan's RL sub-tasks."""
        return [s for s in self.runtime.parsed_plan.subtasks if s.method == "rl"]

    def policies(self) -> dict[str, Callable[[int], dict[str, Callable[..., Any]]]]:
        """Control name -> ``predictors(episode)`` for every RL sub-task (fresh random state per world)."""
        load = self.learner.load_policy
        if self.rl_subtasks and load is None:
            raise ValueError(f"learner {self.learner.name!r} cannot load checkpoints, so it has no controls")
        trained = {s.name: load(self.checkpoints[s.name]) for s in self.rl_subtasks} if load else {}
        if self.config.method != CONTROLLED or not self.rl_subtasks:  # its final policy only
            return {FINAL: lambda episode: trained}
        controls: dict[str, Callable[[int], dict[str, Callable[..., Any]]]] = {
            TRAINED: lambda episode: trained,
            STOCHASTIC: lambda episode: {name: _stochastic(p) for name, p in trained.items()},
        }
        sizes = {s.name: self._actions(s) for s in self.rl_subtasks}
        controls[RANDOM] = lambda episode: {n: _Masked(len(a), self._rng(episode)) for n, a in sizes.items()}
        coded = {name for s in self.rl_subtasks for name in self.runtime.coded_actions(s)}
        for action in _shared_names(sizes):
            if action in coded:
                controls[ALWAYS + action] = functools.partial(self._always, sizes, action)
        return controls

    def _always(self, sizes: dict[str, list[str]], action: str, episode: int) -> dict[str, Any]:
        return {
            n: _Masked(len(a), self._rng(episode), a.index(action) if action in a else None)
            for n, a in sizes.items()
        }

    def _rng(self, episode: int) -> np.random.Generator:
        return np.random.default_rng([self.config.seed, episode])

    def _actions(self, subtask: Any) -> list[str]:
        kept = self.runtime.kept_primitives(subtask)
        names = self.env_spec.primitive_actions
        primitives = [names[i] for i in kept] if kept is not None else list(names)
        return primitives + list(self.runtime.coded_actions(subtask))

    def evaluate(self, predictors: Callable[[int], dict[str, Callable[..., Any]]]) -> dict[str, list[Any]]:
        """Per-episode success, env steps and achievements on the trial's evaluation worlds."""
        default_steps = self.task.max_episode_steps
        n = len(self.runtime.parsed_plan.subtasks)
        env = self.runtime.make_env()
        out: dict[str, list[Any]] = {"success": [], "steps": [], "achievements": [], "achievement_names": []}
        try:
            for episode in range(self.episodes):
                policies = [self.runtime.policy(i, default_steps, predictors(episode)) for i in range(n)]
                obs, info = env.reset(seed=evaluation_world(self.config.seed, episode))
                chain = run_chain(env, policies, obs, info)
                out["success"].append(int(bool(self.task.success(chain.info))))
                out["steps"].append(int(chain.steps))
                unlocked = chain.info.get("achievements", {})
                out["achievements"].append(sorted(k for k, v in unlocked.items() if v))
                out["achievement_names"] = sorted(set(out["achievement_names"]) | set(unlocked))
        finally:
            env.close()
        return out

    def run(self) -> dict[str, Any]:
        """Every control's per-episode outcomes, and whether ``trained`` reproduces the loop."""
        started = time.perf_counter()
        evaluated = {name: self.evaluate(predictors) for name, predictors in self.policies().items()}
        reference = evaluated.get(TRAINED, evaluated.get(FINAL))
        return {
            "id": self.result["id"],
            "finished_at": self.result["finished_at"],
            "task": self.result["task"],
            "env": self.config.env,
            "method": self.result["method"],
            "seed": self.config.seed,
            "episodes": self.episodes,
            "final_policy_steps": self.final_policy_steps,
            "env_steps": self.result["summary"]["env_steps"],
            "reproduces_loop": reference is not None and sum(reference["success"]) == self.expected_successes,
            "policies": evaluated,
            "wall_time_s": time.perf_counter() - started,
        }


def _shared_names(sizes: dict[str, list[str]]) -> list[str]:
    """Every action name of any RL sub-task, first-seen order."""
    return list(dict.fromkeys(name for actions in sizes.values() for name in actions))


def _trained(run_dir: Path, iteration: int) -> tuple[dict[str, Path], int]:
    """RL sub-task name -> checkpoint of ``iteration``, and the env steps those policies trained on
    (from the run's ``trained`` events)."""
    checkpoints: dict[str, Path] = {}
    steps = 0
    events = run_dir / "events.jsonl"
    lines = events.read_text(encoding="utf-8").splitlines() if events.is_file() else []
    for event in map(json.loads, lines):
        if event.get("kind") == "trained" and event.get("iteration") == iteration:
            checkpoints[event["subtask"]] = Path(event["checkpoint"])
            steps += int(event["timesteps"])
    return checkpoints, steps


def load_controls(out: Path) -> dict[str, dict[str, Any]]:
    """Trial id -> its controls, for every ``controls/*.json`` of a results folder."""
    folder = Path(out) / CONTROLS_DIR
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


def run_controls(out: Path, log: Callable[[str], None] = print, all_methods: bool = False) -> int:
    """Evaluate the controls of every finished trial of ``out`` not done yet; returns how many ran."""
    done = load_controls(out)
    ran = 0
    for path in sorted((Path(out) / "trials").glob("*.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        if (
            result["status"] != FINISHED
            or (result["method"] != CONTROLLED and not all_methods)
            or done.get(result["id"], {}).get("finished_at") == result["finished_at"]
        ):
            continue
        log(f"controls: {result['id']}")
        controls = TrialControls(result).run()
        write_json(Path(out) / CONTROLS_DIR / f"{result['id']}.json", controls)
        ran += 1
    return ran


def main(argv: list[str] | None = None) -> int:
    """``python -m rlgpt.bench.controls RESULTS_DIR``: evaluate the controls, then write ``analysis.md``."""
    parser = argparse.ArgumentParser(
        prog="python -m rlgpt.bench.controls", description=__doc__.splitlines()[0]
    )
    parser.add_argument("out", type=Path, help="a bench results folder (with trials/)")
    parser.add_argument(
        "--all-methods",
        action="store_true",
        help="also re-evaluate pure-rl and pure-code final policies (achievements, Crafter score)",
    )
    args = parser.parse_args(argv)
    if not (args.out / "trials").is_dir():
        print(
            f"error: {args.out}: no trials/ folder - pass the --out folder of an rlgpt bench run",
            file=sys.stderr,
        )
        return 2
    run_controls(args.out, all_methods=args.all_methods)
    from rlgpt.bench.analysis import write_analysis

    print(write_analysis(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
