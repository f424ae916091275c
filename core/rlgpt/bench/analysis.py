"""``analysis.md`` and ``learning_curves.png``: methods compared over seeds, with controls.

Built from a results folder's ``trials/`` and the per-episode re-evaluations in ``controls/``
(written by :mod:`rlgpt.bench.controls`, read through :mod:`rlgpt.bench.control_records`). Methods
are whatever the trials ran (built-in or a plugin's), in the order the bench finished their first
trial; what is shown for a method follows from what its trials did. Per environment and task:

* success of each method's final policy (the loop's own evaluation): the mean over seeds of each
  seed's success rate, with a two-level bootstrap interval over seeds (:mod:`rlgpt.bench.stats`)
  and the IQM of the seed rates;
* the steps the final policy trained on (every iteration's when one learner continued across
  them), apart from the cumulative env steps of the trial;
* differences between methods on the shared evaluation worlds (a seed's worlds are the same for
  every method); a method is **bold** only when its difference to every other method is above
  zero beyond its interval;
* for each method whose trials have controls (a plan held fixed around an RL sub-task), the
  trained policy deterministic and sampling, its controls and "RL adds": trained minus the best
  control, paired episode by episode, and what the trained policy chose (its share of steps on each
  primitive and coded action).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from statistics import fmean
from typing import TYPE_CHECKING, Any

import numpy as np

from rlgpt.bench.control_records import (
    FINAL,
    SELECTED,
    STOCHASTIC,
    TRAINED,
    control_label,
    final_policy_steps,
    load_controls,
    with_local_run_dir,
)
from rlgpt.bench.stats import (
    Estimate,
    bootstrap,
    difference_over_seeds,
    iqm,
    paired_difference,
    score_over_seeds,
    seed_means,
)
from rlgpt.bench.tables import episode_successes
from rlgpt.bench.trial import FINISHED

if TYPE_CHECKING:
    from rlgpt.plugins import Registry

ANALYSIS_FILE = "analysis.md"
CURVES_FILE = "learning_curves.png"
OPEN_GAME = "open_game"
CHOICE_LABELS = {"deterministic": TRAINED, "sampled": STOCHASTIC}
"""How the analysis names the trained policy's two re-evaluations when it shows their choices."""


def achievement_score(rates: dict[str, float], names: Sequence[str]) -> float:
    """Crafter's score (Hafner 2021): ``exp(mean(ln(1 + 100 * rate))) - 1`` over ``names``, in percent."""
    return float(crafter_scores(np.array([rates.get(name, 0.0) for name in names])))


def crafter_scores(rates: np.ndarray) -> np.ndarray:
    """Crafter's score of success rates along the last axis (one per achievement), in percent."""
    return np.exp(np.mean(np.log1p(100 * np.asarray(rates, dtype=float)), axis=-1)) - 1


def _policy(controls: Sequence[dict[str, Any]], policy: str) -> list[list[int]]:
    return [c["policies"][policy]["success"] for c in controls]


def choice_shares(controls: Sequence[dict[str, Any]], policy: str) -> str:
    """What ``policy`` chose over every step of the trials' evaluation episodes, as shares per RL
    sub-task (``probe 62.0%, primitive 38.0%``); empty when no trial recorded its choices."""
    totals: dict[str, Counter[str]] = {}
    for control in controls:
        for subtask, counts in control["policies"].get(policy, {}).get("choices", {}).items():
            totals.setdefault(subtask, Counter()).update(counts)
    parts = []
    for subtask, counts in totals.items():
        steps = sum(counts.values())
        if steps:
            shares = ", ".join(f"{name} {count / steps:.1%}" for name, count in counts.most_common())
            parts.append(f"{subtask}: {shares}" if len(totals) > 1 else shares)
    return "; ".join(parts)


class TaskAnalysis:
    """The comparison on one environment and task.

    :param trials: the finished trials on this environment and task.
    :param controls: trial id -> its controls (trials without any have none).
    :param registry: the plugins the trials ran with, for their methods (the installed ones by default).
    """

    def __init__(
        self,
        env: str,
        task: str,
        trials: Sequence[dict[str, Any]],
        controls: dict[str, Any],
        registry: Registry | None = None,
    ) -> None:
        self.env, self.task, self.registry = env, task, registry
        order = dict.fromkeys(t["method"] for t in sorted(trials, key=lambda t: t.get("finished_at") or ""))
        self.methods: dict[str, list[dict[str, Any]]] = {method: [] for method in order}
        for trial in sorted(trials, key=lambda t: t["seed"]):
            self.methods[trial["method"]].append(trial)
        self.controls = {
            m: [controls[t["id"]] for t in ts if t["id"] in controls] for m, ts in self.methods.items()
        }

    @property
    def controlled(self) -> list[str]:
        """The methods whose trials have controls (their trained policy beside untrained ones)."""
        return [m for m in self.methods if self._trained_controls(m)]

    def per_seed(self, method: str, seeds: set[int] | None = None) -> list[list[int]]:
        """Per-episode success of each seed's final policy (the loop's own evaluation)."""
        chosen = [t for t in self.methods[method] if seeds is None or t["seed"] in seeds]
        return [episode_successes(t["records"][-1]) for t in chosen]

    def success(self, method: str) -> Estimate:
        """The final policy's success over seeds."""
        return bootstrap(self.per_seed(method))

    def paired(self, first: str, second: str) -> Estimate | None:
        """``first - second`` over the seeds both have (the same worlds); None without shared seeds."""
        seeds = {t["seed"] for t in self.methods[first]} & {t["seed"] for t in self.methods[second]}
        if not seeds:
            return None
        return difference_over_seeds(self.per_seed(first, seeds), self.per_seed(second, seeds))

    def best(self) -> str | None:
        """The method better than every other beyond the paired interval, if one is."""
        for method in self.methods:
            others = [self.paired(method, other) for other in self.methods if other != method]
            if others and all(d is not None and d.low > 0 for d in others):
                return method
        return None

    def _trained_controls(self, method: str) -> list[dict[str, Any]]:
        """The controls of ``method``'s trials that re-evaluated the trained policy."""
        return [c for c in self.controls.get(method, []) if TRAINED in c["policies"]]

    def control_estimates(self, method: str) -> dict[str, Estimate]:
        """Each control of ``method`` (its RL sub-tasks driven otherwise) over seeds."""
        controls = self._trained_controls(method)
        if not controls:
            return {}
        names = [n for n in controls[0]["policies"] if n not in (TRAINED, STOCHASTIC, SELECTED, FINAL)]
        shared = [n for n in names if all(n in c["policies"] for c in controls)]
        return {name: bootstrap(_policy(controls, name)) for name in shared}

    def rl_adds(self, method: str) -> tuple[str, Estimate] | None:
        """The best control (highest mean success) and trained minus it, paired episode by episode."""
        estimates = self.control_estimates(method)
        if not estimates:
            return None
        best = max(estimates, key=lambda name: estimates[name].value)
        controls = self._trained_controls(method)
        return best, paired_difference(_policy(controls, TRAINED), _policy(controls, best))

    def validated(self, method: str) -> tuple[Estimate, Estimate] | None:
        """What validation after the run would have deployed (``controls --validation-episodes``): its
        success over seeds, and it minus the best control (paired); None unless every seed has it."""
        adds = self.rl_adds(method)
        controls = self._trained_controls(method)
        if adds is None or not all(SELECTED in c["policies"] for c in controls):
            return None
        selected = _policy(controls, SELECTED)
        return bootstrap(selected), paired_difference(selected, _policy(controls, adds[0]))

    def markdown(self) -> list[str]:
        """This task's section of ``analysis.md``."""
        best = self.best()
        lines = [
            f"## {self.task} ({self.env})",
            "",
            "| method | seeds | success [95% CI over seeds] | IQM | final policy trained on"
            " | env steps (cumulative) |",
            "|---|---|---|---|---|---|",
        ]
        for method, trials in self.methods.items():
            text = self.success(method).format()
            trained = fmean(final_policy_steps(t, self.registry) for t in trials)
            lines.append(
                f"| {method} | {len(trials)} | {f'**{text}**' if method == best else text} "
                f"| {iqm(seed_means(self.per_seed(method))):.2f} | {trained:,.0f} "
                f"| {fmean(t['summary']['env_steps'] for t in trials):,.0f} |"
            )
        lines.append("")
        pairs = [(a, b) for i, a in enumerate(self.methods) for b in list(self.methods)[i + 1 :]]
        differences = [(a, b, self.paired(a, b)) for a, b in pairs]
        if any(d is not None for *_, d in differences):
            lines += ["Differences on the same evaluation worlds (seeds paired; 95% CI over seeds):", ""]
            lines += [f"- {a} - {b}: {d.format(signed=True)}" for a, b, d in differences if d is not None]
            lines.append("")
        controls = [line for method in self.controlled for line in self._controls_markdown(method)]
        return lines + controls + self._achievements_markdown()

    def _controls_markdown(self, method: str) -> list[str]:
        estimates = self.control_estimates(method)
        adds = self.rl_adds(method)
        if not estimates or adds is None:
            return []
        controls = self._trained_controls(method)
        reproduced = sum(bool(c["reproduces_loop"]) for c in controls)
        lines = [
            f"{method}'s plan and programs on the same worlds ({len(controls)} seed(s); the re-evaluation of "
            f"the trained policy reproduced the loop's success count in {reproduced} of {len(controls)}), "
            "its RL sub-task driven by:",
            "",
            "| policy | success [95% CI over seeds] |",
            "|---|---|",
            f"| trained, deterministic | {bootstrap(_policy(controls, TRAINED)).format()} |",
            f"| trained, sampled actions | {bootstrap(_policy(controls, STOCHASTIC)).format()} |",
        ]
        for name, estimate in estimates.items():
            lines.append(f"| {control_label(name)} | {estimate.format()} |")
        chosen = {label: choice_shares(controls, policy) for label, policy in CHOICE_LABELS.items()}
        if any(chosen.values()):
            lines += [
                "",
                "What the trained policy chose, over every step of every evaluation episode: "
                + "; ".join(f"{label}: {shares}" for label, shares in chosen.items() if shares)
                + ".",
            ]
        best, difference = adds
        lines += [
            "",
            f"**RL adds** (trained minus the best control, `{best}`, paired episode by episode): "
            f"{difference.format(signed=True)}, {_verdict(difference)}.",
            "",
        ]
        return lines + self._selection_markdown(method, best)

    def _selection_markdown(self, method: str, best: str) -> list[str]:
        """What validation chose, per seed: in the loop (its ``trained`` row is what it deployed) or
        after the run (``controls --validation-episodes``, the ``selected`` policy)."""
        controls = self._trained_controls(method)
        selections = [c["selection"] for c in controls if c.get("selection")]
        replayed = any(SELECTED in c["policies"] for c in controls)
        validated = self.validated(method) if selections else None
        if not selections or (replayed and validated is None):  # replayed on some seeds only
            return []
        episodes = selections[0]["episodes"]
        chosen = Counter(s["chosen"] for s in selections)
        picks = ", ".join(f"{name} on {n}" for name, n in chosen.most_common())
        if validated is None:  # the loop validated: the trained row above is what it deployed
            return [
                f"The loop validated the trained policy against its coded actions alone on {episodes} other "
                f"worlds per seed and deployed: {picks} (of {len(selections)} seeds); the rows above "
                "labelled trained are what it deployed.",
                "",
            ]
        success, difference = validated
        return [
            "**Validated** (after the run, the trained policy or its coded actions alone, whichever solved "
            f"more of {episodes} other worlds per seed; chosen: {picks} of {len(selections)} seeds): "
            f"{success.format()}; minus the best control, `{best}`: {difference.format(signed=True)}, "
            f"{_verdict(difference)}.",
            "",
            *self._validated_against_methods(method),
        ]

    def _validated_against_methods(self, method: str) -> list[str]:
        """Validated ``method`` minus every other method, on the seeds both have (the same worlds)."""
        selected = {c["seed"]: c["policies"][SELECTED]["success"] for c in self._trained_controls(method)}
        lines = []
        for other in self.methods:
            seeds = sorted(set(selected) & {t["seed"] for t in self.methods[other]})
            if other != method and seeds:
                first = [selected[seed] for seed in seeds]
                difference = difference_over_seeds(first, self.per_seed(other, set(seeds)))
                lines.append(f"- validated {method} - {other}: {difference.format(signed=True)}")
        return [*lines, ""] if lines else []

    def _achievements_markdown(self) -> list[str]:
        rows = []
        names: list[str] = []
        for method in self.controls:
            final = self._finals(method)
            if not final:
                continue
            names = sorted({n for f in final for n in f.get("achievement_names", [])}) or names
            episodes = [a for f in final for a in f["achievements"]]
            rows.append((method, {n: sum(n in a for a in episodes) / len(episodes) for n in names}))
        shown = [n for n in names if any(rates.get(n, 0) > 0 for _, rates in rows)]
        if not shown:
            return []
        score = bool(self.task == OPEN_GAME and names)
        lines = [
            "Achievements unlocked by the final policies (share of re-evaluated episodes, all seeds):",
            "",
            "| method | "
            + " | ".join(shown)
            + (" | Crafter score | Crafter score over seeds |" if score else " |"),
            "|---|" + "---|" * (len(shown) + 2 * score),
        ]
        for method, rates in rows:
            cells = " | ".join(f"{rates.get(n, 0):.2f}" for n in shown)
            tail = " |"
            if score:
                over_seeds = score_over_seeds(self._unlocked(method, names), crafter_scores)
                tail = f" | {achievement_score(rates, names):.1f} | {over_seeds.format(digits=1)} |"
            lines.append(f"| {method} | {cells}{tail}")
        if score:
            lines += [
                "",
                "The Crafter score is computed from the success rates of all episodes pooled, as the Crafter "
                "paper does; over seeds, it is each seed's score averaged, with a two-level bootstrap "
                "interval (seeds, then episodes within each).",
            ]
        return [*lines, ""]

    def _finals(self, method: str) -> list[dict[str, Any]]:
        """Per seed, the re-evaluation of ``method``'s final policy (the trained one where there is one)."""
        return [c["policies"].get(TRAINED) or c["policies"][FINAL] for c in self.controls[method]]

    def _unlocked(self, method: str, names: Sequence[str]) -> list[np.ndarray]:
        """Per seed, an ``(episodes, names)`` 0/1 matrix: which achievements each episode unlocked."""
        return [
            np.array([[name in episode for name in names] for episode in final["achievements"]])
            for final in self._finals(method)
        ]


def _verdict(difference: Estimate) -> str:
    return "above zero beyond its interval" if difference.low > 0 else "not above zero beyond its interval"


def analyses(out: Path, registry: Registry | None = None) -> list[TaskAnalysis]:
    """One :class:`TaskAnalysis` per environment and task of the finished trials in ``out``."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for trial in _trials(out):
        if trial["status"] == FINISHED and trial["records"]:
            groups.setdefault((trial["env"], trial["task"]), []).append(trial)
    controls = load_controls(out)
    return [TaskAnalysis(env, task, trials, controls, registry) for (env, task), trials in groups.items()]


def summary_markdown(tasks: Sequence[TaskAnalysis]) -> list[str]:
    """One line per task: each method's success, and what RL adds for each method with controls."""
    methods = list(dict.fromkeys(m for t in tasks for m in t.methods))
    controlled = list(dict.fromkeys(m for t in tasks for m in t.controlled))
    lines = [
        "| task | " + " | ".join([*methods, *(f"RL adds ({m})" for m in controlled)]) + " |",
        "|---|" + "---|" * (len(methods) + len(controlled)),
    ]
    for task in tasks:
        best = task.best()
        cells = []
        for method in methods:
            if method not in task.methods:
                cells.append("-")
                continue
            text = task.success(method).format()
            cells.append(f"**{text}**" if method == best else text)
        for method in controlled:
            adds = task.rl_adds(method)
            cells.append(f"{adds[1].format(signed=True)} vs `{adds[0]}`" if adds else "-")
        lines.append(f"| {task.task} ({task.env}) | " + " | ".join(cells) + " |")
    return lines


def write_analysis(out: Path, registry: Registry | None = None) -> Path:
    """Write ``analysis.md`` (and ``learning_curves.png``) into ``out``; returns the markdown's path.

    The curves are read from the trials' run directories, which a committed results folder does not
    keep: without any of them, an existing plot is left as it is instead of being redrawn empty.

    :param registry: the plugins the trials ran with, for their methods (the installed ones by default).
    """
    out = Path(out)
    tasks = analyses(out, registry)
    command = _command(out)
    lines = [
        "# Methods compared over seeds, with controls",
        "",
        f"Trials: `{command}`" if command else "",
        "",
        f"Controls and per-episode re-evaluation: `python -m rlgpt.bench.controls {out.as_posix()}`",
        "",
        "Success is the mean over seeds of each seed's success rate on its evaluation worlds; intervals are "
        "95% two-level bootstrap intervals over seeds (seeds resampled, then episodes within each seed). "
        "Differences between methods are paired on the same worlds. A method is bold only when it beats "
        "every other one beyond the paired interval.",
        "",
        *summary_markdown(tasks),
        "",
        f"![learning curves]({CURVES_FILE})",
        "",
    ]
    for task in tasks:
        lines += task.markdown()
    path = out / ANALYSIS_FILE
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
    from rlgpt.bench.plots import plot_learning_curves

    trials = _trials(out)
    if (
        any(t.get("run_dir") and Path(t["run_dir"], "curves").is_dir() for t in trials)
        or not (out / CURVES_FILE).exists()
    ):
        plot_learning_curves(trials, out / CURVES_FILE)
    return path


def _trials(out: Path) -> list[dict[str, Any]]:
    paths = sorted((out / "trials").glob("*.json"))
    return [with_local_run_dir(out, json.loads(p.read_text(encoding="utf-8"))) for p in paths]


def _command(out: Path) -> str:
    results = out / "results.json"
    if not results.is_file():
        return ""
    return str(json.loads(results.read_text(encoding="utf-8")).get("command", ""))
