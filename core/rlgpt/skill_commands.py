"""``rlgpt skills`` (list, show or clear the skill libraries) and ``rlgpt curriculum`` (run an
environment's tasks in order with the library on, so that it grows as in Voyager)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from rlgpt.config import ConfigError, RunConfig, validate_against_registry
from rlgpt.skill_library import SkillEntry, default_root, libraries
from rlgpt.specs import EnvironmentSpec

AUTO = "auto"
"""``--tasks auto``: the environment's tasks from easy to hard (:func:`curriculum_tasks`)."""


def cmd_skills(args: argparse.Namespace, console: Console) -> int:
    """List the libraries' entries, show one entry's program, or clear libraries."""
    root = default_root(args.path)
    if args.action == "clear":
        removed = sum(library.clear() for library in libraries(root, args.env))
        print(f"removed {removed} skills from {root / args.env if args.env else root}")
        return 0
    entries = [
        entry
        for library in libraries(root, args.env)
        for entry in library.entries(args.model)
        if args.action != "show" or entry.name == args.name
    ]
    if args.action == "show":
        if not args.name:
            raise ConfigError("skills show: give a skill NAME (see: rlgpt skills)")
        if not entries:
            raise ConfigError(f"skills show: no skill {args.name!r} in {root}; list them with: rlgpt skills")
        for entry in entries:
            _show(entry)
        return 0
    if args.json:
        print(json.dumps([entry.to_dict() for entry in entries], indent=2))
        return 0
    table = Table(
        title=f"skills in {root}", caption=None if entries else "none yet: runs with skills.enabled add them"
    )
    for column in ("name", "env", "task", "success", "model", "run"):
        table.add_column(column)
    for entry in entries:
        table.add_row(entry.name, entry.env, entry.task, f"{entry.success:.2f}", entry.model, entry.run)
    console.print(table)
    return 0


def _show(entry: SkillEntry) -> None:
    """Print one entry: where it comes from, then its program."""
    print(f"{entry.signature}: {entry.description}")
    print(f"env {entry.env}, task {entry.task}, success {entry.success:.2f}, model {entry.model}")
    print(f"run {entry.run}")
    print(entry.source)


def curriculum_tasks(env: EnvironmentSpec, tasks: list[str]) -> list[str]:
    """The task ids to run in order: ``tasks`` as given (each checked), or for ``[auto]`` the
    environment's tasks from easy to hard: by step budget, then by the length of the instruction
    (which spells out the recipe), ties in listed order."""
    if tasks == [AUTO]:
        ordered = sorted(env.tasks, key=lambda task: (task.max_episode_steps, len(task.instruction)))
        return [task.id for task in ordered]
    for task in tasks:
        try:
            env.task(task)
        except KeyError as exc:
            raise ConfigError(f"curriculum --tasks: {exc.args[0]}; or give --tasks auto") from None
    return tasks


def cmd_curriculum(args: argparse.Namespace, console: Console) -> int:
    """Run the tasks in order with the skill library on; one line per task and a table at the end."""
    from rlgpt.cli import _load_config, _registry, _resume_hint, stops_cleanly
    from rlgpt.loop import Loop

    base = _load_config(args.config, args.set)
    registry = _registry()
    tasks = curriculum_tasks(registry.environment(base.env), args.tasks)
    rows: list[dict[str, Any]] = []
    for number, task in enumerate(tasks, 1):
        data = base.model_dump(mode="json")
        config = RunConfig.model_validate(
            {**data, "task": task, "skills": {**data["skills"], "enabled": True}}
        )
        validate_against_registry(config, registry)
        loop = Loop.from_config(config, registry=registry)
        with stops_cleanly(_resume_hint(loop.run_dir)):
            summary = loop.run()
        events = loop.run_dir.read_events()
        used = {name for event in events.of_kind("skills_retrieved") for name in event["names"]}
        row = {
            "task": task,
            "status": summary.status,
            "success": summary.best_success_rate,
            "iterations": summary.iterations,
            "added": len(events.of_kind("skill_saved")),
            "used": len(used),
            "run": str(loop.run_dir.path),
        }
        rows.append(row)
        print(
            f"[{number}/{len(tasks)}] {task}: {row['status']}, best success {row['success']:.2f} in "
            f"{row['iterations']} iterations, skills added {row['added']}, used {row['used']} ({row['run']})"
        )
    table = Table(title=f"curriculum on {base.env}")
    for column in ("task", "status", "success", "iterations", "skills added", "skills used", "run"):
        table.add_column(column)
    for row in rows:
        values = (row["status"], f"{row['success']:.2f}", str(row["iterations"]), str(row["added"]))
        table.add_row(row["task"], *values, str(row["used"]), row["run"])
    console.print(table)
    return 0


def add_parsers(sub: Any, add_overrides: Any) -> None:
    """Add ``skills`` and ``curriculum`` to the ``rlgpt`` command's subparsers ``sub``;
    ``add_overrides(parser)`` adds the ``--set`` option."""
    p = sub.add_parser("skills", help="list the skill libraries, show one skill's program, or clear them")
    p.add_argument("action", nargs="?", choices=("list", "show", "clear"), default="list")
    p.add_argument("name", nargs="?", help="show: the skill's name")
    p.add_argument("--env", help="only this environment's library")
    p.add_argument("--model", help="only skills this model wrote (backend:model)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--path", type=Path, help="libraries folder (default: $RLGPT_SKILLS or ~/.cache/rlgpt/skills)"
    )
    p.set_defaults(func=cmd_skills)

    p = sub.add_parser("curriculum", help="run an environment's tasks in order, the skill library growing")
    p.add_argument("config", help="run config TOML file (its task is replaced by each of --tasks)")
    p.add_argument(
        "--tasks",
        required=True,
        type=lambda text: [item.strip() for item in text.split(",") if item.strip()],
        help="comma list of task ids in order, or 'auto' (by step budget, easier first)",
    )
    add_overrides(p)
    p.set_defaults(func=cmd_curriculum)
