"""Controls: what the trained policy adds over untrained ones, with the same plan, programs and worlds.

For every finished trial of a bench results folder whose plan holds something to keep fixed (an
RL sub-task with coded actions, or a plan written by LLM agents; see :func:`has_controls`), the
final iteration's plan and programs are evaluated again, episode by episode, on the trial's own
evaluation worlds, with each RL sub-task driven by:

* ``trained``: the trained policy as the loop evaluated it (greedy, or sampling its actions under
  ``evaluation.deterministic = false``); the re-evaluation must reproduce the loop's success count,
  and says whether it does;
* ``trained_stochastic``: the trained policy, sampling its actions;
* ``random``: uniform over the sub-task's action space: over the actions its mask allows (every
  action when unmasked) in a ``Discrete`` space, over the box in a bounded ``Box`` one (a
  continuous space's coded actions and their parameters are part of the box);
* ``always:<action>`` (``Discrete``): that coded action whenever the mask allows it, otherwise a
  uniform allowed one. Constant *primitive* actions are left out: always moving one way walks
  into the first obstacle and stays there (on eat_cow every constant move scored 0 of 20 where
  the trained policy scored 19), and those episodes run to the step limit, which is most of the cost;
* ``coded-in-order`` (``Discrete``, several coded actions): the first coded action the mask allows,
  in the plan's order, otherwise a uniform allowed one: the coded actions alone run as one program
  (with preconditions that exclude each other, the program the plan describes);
* ``always:midpoint`` (``Box``): the centre of the box (zero on a symmetric one) in every step;
* ``always:<action>`` (``Box``): that coded action in every step, called with the centre of the
  primitive box as its parameters (the macro at its default parameters, in a loop);
* ``always:<action>@random`` (``Box``): that coded action in every step, with parameters drawn
  uniformly from the primitive box (the macro with no learned parameters).

Every policy's evaluation also counts what it chose in each step (``choices``: RL sub-task ->
primitive or coded action -> steps), so a report can say whether a trained policy uses its coded
actions at all. A sub-task whose action space is neither gets a one-line message and no untrained
controls.
Trials without a plan to keep fixed (pure RL on the primitives, or nothing trained) get none; with
``--all-methods`` their final policies are re-evaluated too (``final``), so every method's
achievements (and, on ``open_game``, the Crafter score) can be reported. Results go to
``controls/<trial id>.json``; a rerun skips trials already done, and a trial that cannot be
re-evaluated is named in one line and skipped.

Run ``python -m rlgpt.bench.controls RESULTS_DIR [--all-methods]``.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
from rich.console import Console

from rlgpt.agents.schemas import Plan
from rlgpt.bench.analysis import write_analysis
from rlgpt.bench.control_records import (
    ALWAYS,
    CONTROLS_DIR,
    FINAL,
    MIDPOINT,
    RANDOM,
    RANDOM_PARAMETERS,
    SELECTED,
    STOCHASTIC,
    TRAINED,
    continues_learning,
    control_label,
    final_policy_steps,
    load_controls,
    run_dir_of,
    with_local_run_dir,
)
from rlgpt.bench.matrix import NO_LLM
from rlgpt.bench.trial import FINISHED, write_json
from rlgpt.envs import CodedActions
from rlgpt.envs.fixed_rules import BoxUniform, MaskedChoice
from rlgpt.policy_selection import Selection, judge, rule_candidates, validate
from rlgpt.worlds import evaluation_world

if TYPE_CHECKING:
    from rlgpt.plugins import Registry

__all__ = [  # the read-side names live in rlgpt.bench.control_records and stay importable from here
    "ALWAYS",
    "CONTROLS_DIR",
    "FINAL",
    "MIDPOINT",
    "RANDOM",
    "RANDOM_PARAMETERS",
    "SELECTED",
    "STOCHASTIC",
    "TRAINED",
    "TrialControls",
    "continues_learning",
    "control_label",
    "evaluation_world",
    "final_policy_steps",
    "has_controls",
    "load_controls",
    "main",
    "rl_subtasks",
    "run_controls",
    "run_dir_of",
    "unsupported",
    "with_local_run_dir",
]

Predictors = Callable[[int], dict[str, Callable[..., Any]]]
"""A control: ``predictors(episode)`` -> RL sub-task name -> ``predict(obs, action_masks=None)``."""


def rl_subtasks(plan: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The RL sub-tasks of a plan (as recorded in a trial's records)."""
    return [s for s in (plan or {}).get("subtasks", []) if s.get("method") == "rl"]


def has_controls(result: dict[str, Any]) -> bool:
    """Whether a trial's final plan can be held fixed while its policy is replaced: it has an RL
    sub-task, with coded actions or planned by LLM agents (pure RL's one sub-task on the
    primitives has nothing else to keep; a plan of code only has no policy to replace)."""
    records = result.get("records") or [{}]
    subtasks = rl_subtasks(records[-1].get("plan"))
    return bool(subtasks) and (result["llm"] != NO_LLM or any(s.get("coded_actions") for s in subtasks))


def unsupported(space: gym.Space) -> str | None:
    """Why ``space`` has no untrained controls (one line), or None when it has them."""
    if isinstance(space, gym.spaces.Discrete):
        return None
    if isinstance(space, gym.spaces.Box) and len(space.shape) == 1 and space.is_bounded("both"):
        return None
    return f"action space {space} has no untrained controls (only Discrete and bounded 1-D Box have)"


def _stochastic(predict: Callable[..., Any]) -> Callable[..., Any]:
    def sample(obs: Any, **kwargs: Any) -> Any:
        return predict(obs, deterministic=False, **kwargs)

    return sample


class TrialControls:
    """Re-evaluates one finished trial under its controls.

    :param result: the trial's result (``trials/<id>.json``).
    :param registry: the plugins the trial ran with (the installed ones by default).
    :param log: where a one-line note goes (an action space without untrained controls).
    :param run_dir: where the trial's run directory is now (see :func:`run_dir_of`); the path recorded
        in ``result`` by default.
    """

    def __init__(
        self,
        result: dict[str, Any],
        registry: Registry | None = None,
        log: Callable[[str], None] = print,
        run_dir: Path | None = None,
    ) -> None:
        from rlgpt.loop import Loop

        self.result, self.log = result, log
        record = result["records"][-1]
        if not record.get("plan"):
            raise ValueError(f"trial {result['id']} has no usable plan in its last iteration")
        # the trial's own loop builds the runtime, so the plan runs exactly as it was evaluated
        recorded = Path(result["run_dir"])
        run_dir = run_dir or recorded
        loop = Loop.resume(run_dir, registry, console=Console(quiet=True), progress_bar=False)
        self.registry = loop.registry
        self.config, self.env_spec, self.task = loop.config, loop.env_spec, loop.task
        self.learner = loop.registry.learner(loop.config.learner.name)
        plan = Plan.model_validate(record["plan"])
        self.runtime = loop._runtime(plan, record.get("programs") or {})
        self.expected_successes = int(record["successes"])
        self.episodes = int(record["episodes"])
        self.checkpoints = _checkpoints(run_dir, int(record["iteration"]), recorded)
        self.selection: dict[str, Any] | None = record.get("selection")
        """What the loop's validation chose (``evaluation.validation_episodes``), if it validated."""

    @property
    def rl_subtasks(self) -> list[Any]:
        """The plan's RL sub-tasks."""
        return [s for s in self.runtime.parsed_plan.subtasks if s.method == "rl"]

    def policies(self) -> dict[str, Predictors]:
        """Control name -> ``predictors(episode)`` for every RL sub-task (fresh random state per world)."""
        return dict(self._policies)

    @functools.cached_property
    def _policies(self) -> dict[str, Predictors]:
        """:meth:`policies`, built once: the checkpoints are loaded once per trial."""
        load = self.learner.load_policy
        if self.rl_subtasks and load is None:
            raise ValueError(f"learner {self.learner.name!r} cannot load checkpoints, so it has no controls")
        trained = {
            s.name: load(self.checkpoints[s.name])
            for s in self.rl_subtasks
            if load is not None and s.name in self.checkpoints
        }
        sampled = {name: _stochastic(predict) for name, predict in trained.items()}
        as_evaluated = trained if self.config.evaluation.deterministic else sampled
        if not has_controls(self.result):  # its final policy only
            return {FINAL: lambda episode: as_evaluated}
        untrained = self._untrained(self._spaces())
        deployed = (self.selection or {}).get("chosen", TRAINED)
        controls: dict[str, Predictors] = {
            # the policy as the loop evaluated it: the trained one, or the rule its validation chose
            TRAINED: untrained.get(deployed, lambda episode: as_evaluated),
            STOCHASTIC: lambda episode: sampled,
        }
        return {**controls, **untrained}

    @functools.cached_property
    def _views(self) -> dict[str, CodedActions]:
        """RL sub-task name -> its action view (the primitives it keeps and its coded actions)."""
        env = self.runtime.make_env()
        try:
            return {s.name: self.runtime.view(s, env) for s in self.rl_subtasks}
        finally:
            env.close()

    def _spaces(self) -> dict[str, gym.Space]:
        """RL sub-task name -> its action space."""
        return {name: view.action_space for name, view in self._views.items()}

    def _counting(
        self, subtask: str, predict: Callable[..., Any], counts: Counter[str]
    ) -> Callable[..., Any]:
        """``predict`` that also counts what each of its actions chooses in ``subtask``'s action space:
        a primitive (by its name in a discrete space) or a coded action."""
        view, names = self._views[subtask], self.env_spec.primitive_actions

        def counted(obs: Any, *args: Any, **kwargs: Any) -> Any:
            action = predict(obs, *args, **kwargs)
            counts[view.choice_name(action, names)] += 1
            return action

        return counted

    def _untrained(self, spaces: dict[str, gym.Space]) -> dict[str, Predictors]:
        """The untrained controls of these sub-task action spaces (one environment: one kind of space)."""
        for name, space in spaces.items():
            reason = unsupported(space)
            if reason:
                self.log(f"controls: {self.result['id']}: sub-task {name!r}: {reason}; skipped")
                return {}
        if not all(isinstance(space, gym.spaces.Discrete) for space in spaces.values()):
            return {
                RANDOM: lambda episode: {n: BoxUniform(s, self._rng(episode)) for n, s in spaces.items()},
                MIDPOINT: lambda episode: {n: BoxUniform(s, None) for n, s in spaces.items()},
                **self._box_macros(),
            }
        sizes = {name: int(space.n) for name, space in spaces.items()}
        return {
            RANDOM: lambda episode: {n: MaskedChoice(size, self._rng(episode)) for n, size in sizes.items()},
            **self._rules,
        }

    def _box_macros(self) -> dict[str, Predictors]:
        """``always:<action>`` and ``always:<action>@random`` for every coded action of a continuous plan
        (:func:`rlgpt.policy_selection.rule_candidates`, at the box's centre and with drawn parameters).

        A sub-task without that coded action gets uniform actions over its box, as ``random`` does.
        """
        drawn = rule_candidates(self.runtime, self.config.seed, random_parameters=True)
        controls: dict[str, Predictors] = {}
        for name, rule in self._rules.items():
            controls[name], controls[name + RANDOM_PARAMETERS] = rule, drawn[name]
        return controls

    @functools.cached_property
    def _rules(self) -> dict[str, Predictors]:
        """The code-alone candidates validation compares the trained policy with (``always:<action>``)."""
        return rule_candidates(self.runtime, self.config.seed)

    def _rng(self, episode: int) -> np.random.Generator:
        return np.random.default_rng([self.config.seed, episode])

    def evaluate(self, predictors: Predictors) -> dict[str, Any]:
        """Per-episode success, env steps and achievements on the trial's evaluation worlds, and what the
        policies chose in every step of every episode (``choices``: RL sub-task -> action -> count)."""
        default_steps = self.task.max_episode_steps
        env = self.runtime.make_env()
        out: dict[str, Any] = {"success": [], "steps": [], "achievements": [], "achievement_names": []}
        choices: dict[str, Counter[str]] = {name: Counter() for name in self._views}
        try:
            for episode in range(self.episodes):
                counted = {
                    name: self._counting(name, predict, choices[name])
                    for name, predict in predictors(episode).items()
                    if name in choices
                }
                world = evaluation_world(self.config.seed, episode)
                chain = self.runtime.run_episode(env, counted, default_steps, world)
                out["success"].append(int(judge(self.task.success, chain.info)[0]))
                out["steps"].append(int(chain.steps))
                unlocked = chain.info.get("achievements", {})
                out["achievements"].append(sorted(k for k, v in unlocked.items() if v))
                out["achievement_names"] = sorted(set(out["achievement_names"]) | set(unlocked))
        finally:
            env.close()
        out["choices"] = {name: dict(counts.most_common()) for name, counts in choices.items()}
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
            "final_policy_steps": final_policy_steps(self.result, self.registry),
            "env_steps": self.result["summary"]["env_steps"],
            "reproduces_loop": reference is not None and sum(reference["success"]) == self.expected_successes,
            "policies": evaluated,
            **({"selection": self.selection} if self.selection else {}),
            "wall_time_s": time.perf_counter() - started,
        }

    def with_selection(self, controls: dict[str, Any], episodes: int) -> dict[str, Any]:
        """``controls`` (this trial's, from :meth:`run`) with what validation on ``episodes`` worlds
        would have deployed (:mod:`rlgpt.policy_selection`): ``selection``, and the ``selected``
        policy's outcomes on the evaluation worlds (those of the candidate it chose). A trial whose
        loop validated keeps its own selection (its ``trained`` is already what it deployed). A plan
        with no coded action to stand alone (none written, or every program rejected) leaves the
        trained policy the only candidate: it is chosen without validation episodes, as in the loop."""
        if self.selection or TRAINED not in controls["policies"]:
            return controls
        if not self._rules:
            only = Selection(TRAINED, {}, episodes, 0).to_dict()
            policies = {**controls["policies"], SELECTED: controls["policies"][TRAINED]}
            return {**controls, "policies": policies, "selection": only}
        trained = self.policies()[TRAINED]
        selection = validate(
            self.runtime,
            self.task.success,
            {TRAINED: trained, **self._rules},
            seed=self.config.seed,
            episodes=episodes,
            default_steps=self.task.max_episode_steps,
        )
        policies = {**controls["policies"], SELECTED: controls["policies"][selection.chosen]}
        return {**controls, "policies": policies, "selection": selection.to_dict()}


def _checkpoints(run_dir: Path, iteration: int, recorded: Path) -> dict[str, Path]:
    """RL sub-task name -> its checkpoint of ``iteration`` (from the run's ``trained`` events).

    Checkpoints are recorded relative to the run directory (older runs recorded them absolute, under
    ``recorded``, the run directory where the trial ran); a run directory moved since then finds them
    at the same place under ``run_dir``.
    """
    events = run_dir / "events.jsonl"
    lines = events.read_text(encoding="utf-8").splitlines() if events.is_file() else []
    return {
        event["subtask"]: _rebased(Path(event["checkpoint"]), recorded, run_dir)
        for event in map(json.loads, lines)
        if event.get("kind") == "trained" and event.get("iteration") == iteration
    }


def _rebased(path: Path, recorded: Path, run_dir: Path) -> Path:
    """A checkpoint path of an event where it is now: relative ones (as runs record them) count from
    ``run_dir``; absolute ones under ``recorded`` (older runs) move with it."""
    if not path.is_absolute():
        return run_dir / path
    return run_dir / path.relative_to(recorded) if path.is_relative_to(recorded) else path


def run_controls(
    out: Path,
    log: Callable[[str], None] = print,
    all_methods: bool = False,
    registry: Registry | None = None,
    validation_episodes: int = 0,
) -> int:
    """Evaluate the controls of every finished trial of ``out`` not done yet; returns how many ran.

    ``validation_episodes``: also judge each trial as if its loop had validated its trained policy on
    that many worlds (:meth:`TrialControls.with_selection`); controls already done gain only that.
    A trial that cannot be re-evaluated is named in one ``log`` line and skipped.
    """
    done = load_controls(out)
    ran = 0
    for path in sorted((Path(out) / "trials").glob("*.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        if result["status"] != FINISHED or not result["records"] or not (all_methods or has_controls(result)):
            continue
        previous = done.get(result["id"], {})
        current = previous.get("finished_at") == result["finished_at"]
        if current and (
            not validation_episodes or "selection" in previous or TRAINED not in previous["policies"]
        ):
            continue
        log(f"controls: {result['id']}")
        try:
            trial = TrialControls(result, registry, log, run_dir_of(out, result))
            controls = previous if current else trial.run()
            if validation_episodes:
                controls = trial.with_selection(controls, validation_episodes)
        except Exception as exc:  # one trial that cannot be re-evaluated must not stop the others
            log(f"controls: {result['id']} skipped: {type(exc).__name__}: {exc}".splitlines()[0])
            continue
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
        help="also re-evaluate the final policies of trials without controls (pure RL on the primitives, "
        "pure code) for their achievements and the Crafter score",
    )
    parser.add_argument(
        "--validation-episodes",
        type=int,
        default=0,
        metavar="N",
        help="also report what validating the trained policy against its coded actions alone on N other "
        "worlds would have deployed (as evaluation.validation_episodes = N does in the loop)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.validation_episodes <= 999:
        print("error: --validation-episodes must be between 0 and 999", file=sys.stderr)
        return 2
    if not (args.out / "trials").is_dir():
        print(
            f"error: {args.out}: no trials/ folder - pass the --out folder of an rlgpt bench run",
            file=sys.stderr,
        )
        return 2
    run_controls(args.out, all_methods=args.all_methods, validation_episodes=args.validation_episodes)
    print(write_analysis(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
