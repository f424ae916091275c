"""The ``rlgpt`` command: a thin face over plugins, the loop, runs, bench and reports.

``rlgpt plugins [--json]``, ``rlgpt envs``, ``rlgpt tasks ENV``,
``rlgpt run CONFIG [--set k=v ...] [--no-cache]`` / ``rlgpt run --resume RUN_DIR``,
``rlgpt check CONFIG [--set k=v ...]`` (validate without running),
``rlgpt bench ...``, ``rlgpt report RUN_DIR``, ``rlgpt cache [clear]``,
``rlgpt skills [show NAME | clear]`` and ``rlgpt curriculum CONFIG --tasks a,b|auto``. A usage
error prints one ``error: ...`` line on stderr and exits with status 2. Ctrl-C or SIGTERM ends a
command with one line saying how to go on and status 130 or 143, a file that cannot be written
(disk full, no permission) with one ``error: ...`` line and status 1; either way the processes the
command started are ended.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from rlgpt import __version__
from rlgpt.config import ConfigError, RunConfig, load_config, validate_against_registry
from rlgpt.interrupts import Interrupted, interruptible, is_storage_error, stop_children, storage_problem
from rlgpt.llm.transcript import TranscriptError
from rlgpt.llm.types import LLMError
from rlgpt.plugins import KINDS, PluginError, Registry, get_registry
from rlgpt.runs import RunDirectory, RunDirectoryError
from rlgpt.skill_commands import add_parsers as add_skill_parsers
from rlgpt.textbound import bound_text

USAGE_ERRORS = (ConfigError, PluginError, RunDirectoryError, TranscriptError, LLMError)
"""Exceptions that are the user's to fix (config, plugins, run folders, transcripts, an LLM
refusing for good, e.g. a bad key): shown as one line, no traceback."""
BENCH_RESUME_HINT = "rerun the same command to resume (finished trials are skipped)"


class CommandStopped(Exception):
    """A command stopped before its end (Ctrl-C, SIGTERM, a full disk): one line for stderr and the
    exit status (130 for SIGINT, 143 for SIGTERM, 1 for a storage failure)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@contextlib.contextmanager
def stops_cleanly(hint: str) -> Iterator[None]:
    """Turn Ctrl-C, SIGTERM and a file that cannot be written inside the block into
    :class:`CommandStopped`, whose line ends with ``hint`` (how to go on)."""
    try:
        yield
    except KeyboardInterrupt as exc:
        raise CommandStopped(f"interrupted; {hint}", getattr(exc, "exit_status", 130)) from None
    except OSError as exc:
        if not is_storage_error(exc):
            raise
        raise CommandStopped(f"error: {storage_problem(exc)}, then {hint}", 1) from None


def _resume_hint(run: RunDirectory) -> str:
    return f"resume with `rlgpt run --resume {run.path}`"


def _registry(show_errors: bool = True) -> Registry:
    """The process registry; broken plugins are reported on stderr as one warning each."""
    registry = get_registry()
    if show_errors:
        for error in registry.errors:
            print(f"warning: {error.message} (see: rlgpt plugins)", file=sys.stderr)
    return registry


def plugins_report(registry: Registry) -> dict[str, list[dict[str, Any]]]:
    """What ``rlgpt plugins --json`` prints: every plugin, its hooks and registrations, and load errors."""
    plugins = [
        {
            "name": info.name,
            "distribution": info.distribution,
            "version": info.version,
            "builtin": info.builtin,
            "hooks": registry.hooks_of(info),
            "registers": registry.registered_by(info),
        }
        for info in registry.plugins
    ]
    errors = [
        {
            "distribution": e.distribution,
            "version": e.version,
            "entry_point": e.entry_point,
            "error": f"{type(e.exception).__name__}: {e.exception}",
        }
        for e in registry.errors
    ]
    return {"plugins": plugins, "errors": errors}


def cmd_plugins(args: argparse.Namespace, console: Console) -> int:
    """List plugins: distribution, version, hooks, what each registers, broken plugins."""
    report = plugins_report(_registry(show_errors=False))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    labels = {kind.key: kind.label for kind in KINDS}
    rows = [
        (
            plugin["name"],
            f"{plugin['distribution']} {plugin['version']}",
            "\n".join(plugin["hooks"]),
            "\n".join(f"{labels[key]}: {', '.join(names)}" for key, names in plugin["registers"].items())
            or "-",
        )
        for plugin in report["plugins"]
    ]
    columns = ("plugin", "distribution", "hooks", "registers")
    widths = [
        max(len(line) for row in [columns, *rows] for line in row[i].splitlines() or [""]) for i in range(4)
    ]
    if console.is_terminal and sum(widths) + 3 * len(widths) + 1 <= console.width:
        table = Table(title="rlgpt plugins")
        for column in columns:
            table.add_column(column, no_wrap=True)
        for row in rows:
            table.add_row(*row)
        console.print(table)
    else:  # piped or too narrow for the table: one block per plugin, nothing cut mid-word
        for name, distribution, hooks, registers in rows:
            console.print(f"{name} ({distribution})", soft_wrap=True)
            for line in [f"hooks: {', '.join(hooks.splitlines())}", *registers.splitlines()]:
                console.print(f"  {line}", soft_wrap=True)
    for error in report["errors"]:
        where = f" {error['entry_point']} ({error['distribution']} {error['version']}): {error['error']}"
        console.print(Text.assemble(("broken", "red"), where))
    return 0


def cmd_envs(args: argparse.Namespace, console: Console) -> int:
    """List environments: name, number of tasks, observation modes, description, availability
    (test environments only with ``--all``)."""
    registry = _registry()
    listed = registry.listed_environments(include_testing=args.all)
    hidden = len(registry.environments) - len(listed)
    caption = f"{hidden} test environments not shown: rlgpt envs --all" if hidden else None
    table = Table(title="rlgpt environments", caption=caption)
    for column in ("env", "tasks", "observation modes", "description", "status"):
        table.add_column(column)
    for name, spec in sorted(listed.items()):
        reason = spec.unavailable_reason()
        status = "available" if reason is None else f"unavailable: {reason}"
        table.add_row(name, str(len(spec.tasks)), ", ".join(spec.observation_modes), spec.description, status)
    console.print(table)
    return 0


def cmd_tasks(args: argparse.Namespace, console: Console) -> int:
    """List one environment's tasks: id, step budget, instruction; what every instruction says
    (the environment's shared description) is printed once, above the table."""
    spec = _registry().environment(args.env)
    instructions = [_sentences(task.instruction) for task in spec.tasks]
    shared = _shared_sentences(instructions)
    if shared:
        console.print(f"Every task of {spec.name} says: {' '.join(shared)}", soft_wrap=True)
    table = Table(title=f"tasks of {spec.name}")
    for column in ("task", "budget", "instruction"):
        table.add_column(column)
    for task, sentences in zip(spec.tasks, instructions, strict=True):
        own = " ".join(sentence for sentence in sentences if sentence not in shared)
        table.add_row(task.id, str(task.max_episode_steps), own)
    console.print(table)
    return 0


def _sentences(text: str) -> list[str]:
    """``text`` split after each ``.``, ``!`` or ``?`` that ends a sentence."""
    return [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part]


def _shared_sentences(texts: Sequence[list[str]]) -> list[str]:
    """The sentences every text holds, in the first text's order (none for fewer than two texts)."""
    if len(texts) < 2:
        return []
    return [sentence for sentence in texts[0] if all(sentence in text for text in texts[1:])]


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    """Start a run from a config file, or resume one from its run directory."""
    from rlgpt.loop import Loop

    if args.resume is not None:
        if args.config is not None or args.set:
            raise ConfigError("run --resume RUN_DIR takes no CONFIG or --set: a resumed run keeps its config")
        run = RunDirectory.open(args.resume)
        run.acquire()  # refuse at once when another process writes this run
        with stops_cleanly(_resume_hint(run)):
            Loop.resume(run.path, registry=_registry()).run()
        return 0
    if args.config is None:
        raise ConfigError("run: give a CONFIG file (e.g. examples/crafter-stone-pickaxe.toml) or --resume")
    config = _load_config(args.config, [*args.set, *(["llm.cache=false"] if args.no_cache else [])])
    registry = _registry()
    validate_against_registry(config, registry)
    loop = Loop.from_config(config, registry=registry)
    try:
        with stops_cleanly(_resume_hint(loop.run_dir)):
            loop.run()
    except USAGE_ERRORS:
        loop.run_dir.discard_if_unused()  # nothing done: no empty run folder left behind
        raise
    return 0


def _load_config(path: str, overrides: list[str]) -> RunConfig:
    """:func:`load_config`, printing its notes (settings a switched plugin dropped) on stderr."""
    notes: list[str] = []
    config = load_config(path, overrides, notes)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return config


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    """Validate a config (schema, plugin names, options and hyperparameters) without running anything."""
    config = _load_config(args.config, args.set)
    validate_against_registry(config, _registry())
    acting = "greedy" if config.evaluation.deterministic else "sampled"
    print(
        f"ok: {args.config}: env {config.env}, task {config.task}, method {config.method}, agents "
        f"{config.agents}, learner {config.learner.name} ({config.learner.total_timesteps} steps), llm "
        f"{config.llm.backend}/{config.llm.model}, evaluation {config.evaluation.episodes} episodes "
        f"({acting})"
    )
    return 0


def _comma_list(text: str) -> list[str]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
    return items


def _int_list(text: str) -> list[int]:
    try:
        return [int(item) for item in _comma_list(text)]
    except ValueError:
        message = f"expected comma-separated integers (e.g. 0,1,2), got {text!r}"
        raise argparse.ArgumentTypeError(message) from None


def cmd_bench(args: argparse.Namespace, console: Console) -> int:
    """Run the comparison matrix (methods x tasks x seeds x LLMs)."""
    from rlgpt.bench import main as bench_main

    _registry()
    with stops_cleanly(BENCH_RESUME_HINT):
        result = bench_main(args)
    return result if isinstance(result, int) else 0


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    """Write a run's ``report.md`` (and plots) and print its path."""
    from rlgpt.report import write_report

    run = RunDirectory.open(args.run_dir)
    duplicates = run.read_events().duplicate_seqs
    if duplicates:
        print(
            f"warning: {run.events_path}: {len(duplicates)} duplicated sequence numbers (two processes wrote "
            "this run at once); the report flags its numbers as untrustworthy",
            file=sys.stderr,
        )
    print(write_report(run.path))
    return 0


def cmd_cache(args: argparse.Namespace, console: Console) -> int:
    """Show the response cache per backend and model, or clear it (one backend's answers)."""
    from rlgpt.llm.cache import cache_contents, clear_cache, default_cache_path

    path = args.path or default_cache_path()
    if args.action == "clear":
        deleted = clear_cache(path, args.backend)
        which = f" of {args.backend}" if args.backend else ""
        console.print(f"deleted {deleted} cached answers{which} from {path}", soft_wrap=True)
        return 0
    console.print(f"LLM response cache: {path}", soft_wrap=True)
    table = Table()
    for column in ("backend", "model", "answers", "prompt tokens", "completion tokens"):
        table.add_column(column)
    for row in cache_contents(path):
        counts = (row.entries, row.prompt_tokens, row.completion_tokens)
        table.add_row(row.backend, row.model, *map(str, counts))
    console.print(table)
    return 0


def _add_overrides(parser: argparse.ArgumentParser) -> None:
    """The ``--set KEY=VALUE`` option of the commands that read a run config."""
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key, e.g. --set learner.total_timesteps=5000 (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``rlgpt`` command."""
    parser = argparse.ArgumentParser(prog="rlgpt", description="LLM agents and RL share embodied tasks")
    parser.add_argument("--version", action="version", version=f"rlgpt {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("plugins", help="list installed plugins, their hooks and registrations")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_plugins)

    p = sub.add_parser("envs", help="list environments")
    p.add_argument("--all", action="store_true", help="also list the environments for tests and examples")
    p.set_defaults(func=cmd_envs)

    p = sub.add_parser("tasks", help="list the tasks of an environment")
    p.add_argument("env", help="environment name (see: rlgpt envs)")
    p.set_defaults(func=cmd_tasks)

    p = sub.add_parser("run", help="run RL-GPT on a task from a config file, or resume a run")
    p.add_argument("config", nargs="?", help="run config TOML file")
    _add_overrides(p)
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a run after its last finished iteration")
    p.add_argument("--no-cache", action="store_true", help="ask the LLM every time (same as llm.cache=false)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("check", help="validate a config file without running anything")
    p.add_argument("config", help="run config TOML file")
    _add_overrides(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("cache", help="show what the LLM response cache holds, or clear it")
    p.add_argument("action", nargs="?", choices=("show", "clear"), default="show")
    p.add_argument("--path", type=Path, help="cache file (default: $RLGPT_LLM_CACHE or ~/.cache/rlgpt)")
    p.add_argument("--backend", help="clear: only this backend's answers")
    p.set_defaults(func=cmd_cache)

    p = sub.add_parser("bench", help="run the benchmark matrix (methods x tasks x seeds x LLMs)")
    p.add_argument("--methods", type=_comma_list, help="comma list: rl-gpt,pure-rl,pure-code")
    p.add_argument("--tasks", type=_comma_list, help="comma list of task ids")
    p.add_argument("--seeds", type=_int_list, help="comma list of integer seeds")
    p.add_argument("--llm", type=_comma_list, help="comma list of LLMs as backend:model")
    p.add_argument("--env", help="environment name")
    p.add_argument("--config", type=Path, help="base run config TOML")
    p.add_argument("--budget", type=int, help="environment steps per trial")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a base config key in every trial, e.g. --set code.mutation_rate=0.25 (repeatable)",
    )
    p.add_argument("--out", type=Path, default=Path("benchmarks/results"), help="results folder")
    p.add_argument("--executor", choices=("local", "ray"), default="local", help="where trials run")
    p.add_argument(
        "--retries",
        type=int,
        default=1,
        help="times a trial whose process died (killed, out of memory) is run again (default 1)",
    )
    p.add_argument("--address", help="ray: the cluster to join (default: RAY_ADDRESS, else a local Ray)")
    p.add_argument("--cpus-per-trial", type=int, help="ray: CPUs (and torch threads) per trial (default 1)")
    p.add_argument("--gpus-per-trial", type=float, help="ray: GPUs per trial, for local LLMs (default 0)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("report", help="write a run's report.md and print its path")
    p.add_argument("run_dir", help="a run directory (runs/<time>-<env>-<task>)")
    p.set_defaults(func=cmd_report)
    add_skill_parsers(sub, _add_overrides)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rlgpt`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    console = Console(highlight=False)
    with interruptible():
        try:
            return args.func(args, console)
        except USAGE_ERRORS as exc:
            print(f"error: {bound_text(exc)}", file=sys.stderr)
            return 2
        except BrokenPipeError:  # the reader went away (``rlgpt plugins --json | head``): not an error
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # so that flushing at exit does not fail again
            return 0
        except (CommandStopped, Interrupted, OSError) as exc:
            if isinstance(exc, OSError) and not is_storage_error(exc):
                raise
            return _stopped(exc)


def _stopped(exc: CommandStopped | Interrupted | OSError) -> int:
    """Say in one line why the command stopped, end the processes it started; return the exit status."""
    if isinstance(exc, CommandStopped):
        message, status = str(exc), exc.status
    elif isinstance(exc, Interrupted):  # before the command could say how to go on
        message, status = "interrupted", exc.exit_status
    else:
        message, status = f"error: {storage_problem(exc)}", 1
    print(message, file=sys.stderr)
    stop_children()
    return status
