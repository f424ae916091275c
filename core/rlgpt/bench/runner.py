"""The ``rlgpt bench`` command: build the matrix, run what is not finished, write the outputs.

Outputs in ``--out``: ``trials/<id>.json`` (one per trial, written when it ends),
``runs/<id>/`` (each trial's run directory), ``logs/<id>.log`` (its console output),
``results.md``, ``results.json`` and ``success_vs_steps.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from rlgpt.agents.conversation import prompt_version
from rlgpt.bench.executors import Executor, make_executor
from rlgpt.bench.matrix import (
    METHODS,
    LLMChoice,
    Trial,
    build_trials,
    check_methods,
    code_version,
    parse_llm,
)
from rlgpt.bench.plots import plot_success_vs_steps
from rlgpt.bench.ray_executor import RayOptions
from rlgpt.bench.tables import llm_rows, method_rows, results_markdown
from rlgpt.bench.trial import FINISHED, write_json
from rlgpt.config import ConfigError, RunConfig, load_config, parse_config
from rlgpt.plugins import Registry, UnknownPluginError, get_registry

DEFAULT_SEEDS = (0, 1, 2)
PLOT_FILE = "success_vs_steps.png"


def base_config(args: argparse.Namespace, registry: Registry) -> tuple[RunConfig, list[str]]:
    """The base run config (``--config`` or defaults, with ``--env``/``--budget`` and each ``--set``)
    and the task list.

    Without ``--tasks`` the tasks are the config file's task, or every task of the environment
    when ``--env`` is given or there is no config file.
    """
    if args.budget is not None and args.budget < 1:
        raise ConfigError(f"--budget: must be a positive number of env steps per trial, got {args.budget}")
    if args.config is None and not args.env:
        installed = ", ".join(sorted(registry.environments)) or "none installed"
        raise ConfigError(f"bench: give --env ENV (installed: {installed}) or --config FILE")
    env_tasks: list[str] = []
    overrides = []
    if args.env:
        try:
            env_tasks = [task.id for task in registry.environment(args.env).tasks]
        except UnknownPluginError as exc:
            raise ConfigError(f"--env: {exc}") from None
        overrides.append(f"env={json.dumps(args.env)}")
    if args.tasks or args.config is None:
        overrides.append(f"task={json.dumps((args.tasks or env_tasks)[0])}")
    if args.budget is not None:
        overrides.append(f"learner.total_timesteps={args.budget}")
    overrides += args.set
    base = parse_config({}, overrides) if args.config is None else load_config(args.config, overrides)
    return base, list(args.tasks or env_tasks or [base.task])


def plan_trials(args: argparse.Namespace, registry: Registry) -> list[Trial]:
    """Every trial the arguments describe, checked against the installed plugins."""
    base, tasks = base_config(args, registry)
    methods = check_methods(args.methods or METHODS, registry)
    if args.llm or any(registry.method(method).uses_agents for method in methods):
        items = args.llm or [f"{base.llm.backend}:{base.llm.model}"]
        llms = [parse_llm(item, base, registry) for item in dict.fromkeys(items)]
    else:  # no method asks an LLM: the base config's is carried, never checked or used
        llms = [LLMChoice(base.llm.backend, base.llm.model, dict(base.llm.options))]
    return build_trials(
        base,
        methods=methods,
        tasks=tasks,
        seeds=args.seeds or DEFAULT_SEEDS,
        llms=llms,
        runs_dir=(args.out / "runs").resolve(),
        registry=registry,
    )


def executor_from_args(args: argparse.Namespace) -> Executor:
    """The executor ``--executor`` names, with ``--retries`` and the Ray options checked.

    :raises ConfigError: a Ray-only option with ``--executor local``, or a resource count out of range.
    """
    ray_only = {"--address": args.address, "--cpus-per-trial": args.cpus_per_trial,
                "--gpus-per-trial": args.gpus_per_trial}
    given = [flag for flag, value in ray_only.items() if value is not None]
    if args.executor != "ray" and given:
        raise ConfigError(f"{given[0]}: applies to --executor ray only; add --executor ray or drop it")
    cpus = 1 if args.cpus_per_trial is None else args.cpus_per_trial
    gpus = 0.0 if args.gpus_per_trial is None else args.gpus_per_trial
    if cpus < 1:
        raise ConfigError(f"--cpus-per-trial {cpus}: give a whole number of CPUs, 1 or more")
    if gpus < 0:
        raise ConfigError(f"--gpus-per-trial {gpus:g}: give 0 or more GPUs (fractions share a GPU)")
    options = RayOptions(address=args.address, cpus_per_trial=cpus, gpus_per_trial=gpus)
    return make_executor(args.executor, args.out, retries=args.retries, ray_options=options)


def finished_result(path: Path) -> dict[str, Any] | None:
    """The stored result at ``path`` if that trial finished (failed or unreadable ones run again)."""
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, cut short, not UTF-8: the trial runs again
        return None
    return result if isinstance(result, dict) and result.get("status") == FINISHED else None


def run_matrix(trials: Sequence[Trial], executor: Executor, out: Path, console: Console) -> list[dict]:
    """Run the trials without a finished result; store each result as it comes; return all, in order."""
    results: dict[str, dict[str, Any]] = {}
    todo = []
    for trial in trials:
        stored = finished_result(out / "trials" / f"{trial.id}.json")
        if stored is None:
            todo.append(trial)
        else:
            results[trial.id] = stored
    console.print(f"{len(trials)} trials: {len(results)} already finished, {len(todo)} to run")
    if not todo:
        return [results[trial.id] for trial in trials]
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task(f"running {len(todo)} trials", total=len(todo))
        for done, result in enumerate(executor.run(todo), start=1):
            write_json(out / "trials" / f"{result['id']}.json", result)
            results[result["id"]] = result
            if result["status"] != FINISHED:
                progress.console.print(f"[red]failed[/] {result['id']}: {result['error']}", markup=True)
            description = f"trial {done}/{len(todo)} {result['status']}: {result['id']}"
            progress.update(bar, advance=1, description=description)
    return [results[trial.id] for trial in trials]


def machine() -> str:
    """The machine in one line: CPU cores, Python, platform."""
    return f"{os.cpu_count()} CPU cores, Python {platform.python_version()}, {platform.platform()}"


def write_outputs(out: Path, results: Sequence[dict[str, Any]], command: str) -> Path:
    """Write ``results.md``, ``results.json`` and the plot into ``out``; return the markdown's path."""
    plot_success_vs_steps(results, out / PLOT_FILE)
    write_json(
        out / "results.json",
        {
            "command": command,
            "machine": machine(),
            "prompt_version": prompt_version(),
            "code_version": code_version(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "rows": [row.to_dict() for row in method_rows(results)],
            "by_llm": [row.to_dict() for row in llm_rows(results)],
            "trials": list(results),
        },
    )
    path = out / "results.md"
    path.write_text(results_markdown(command, machine(), results, PLOT_FILE), encoding="utf-8")
    return path


def main(args: argparse.Namespace, argv: Sequence[str] | None = None) -> int:
    """Run the matrix; 0 when every trial finished, 1 when some failed (their errors are in the table).

    :param argv: the command line shown in ``results.md`` (default: ``sys.argv``).
    """
    registry = get_registry()
    trials = plan_trials(args, registry)
    executor = executor_from_args(args)
    console = Console(stderr=True, highlight=False)
    args.out.mkdir(parents=True, exist_ok=True)
    results = run_matrix(trials, executor, args.out, console)
    path = write_outputs(args.out, results, shlex.join(sys.argv if argv is None else argv))
    failed = sum(result["status"] != FINISHED for result in results)
    if failed:
        console.print(f"[red]{failed} of {len(results)} trials failed[/] (listed in {path})", markup=True)
    print(path)
    return 1 if failed else 0
