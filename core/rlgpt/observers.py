"""Observers of a run: the plugins' observer hooks, and the console progress of ``rlgpt run``.

The loop tells every observer the same things (``on_run_start``, ``on_event``,
``on_iteration_end``, ``on_run_end``); the console printer is one of them, with the
same method names a plugin's hook implementations have.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rlgpt.metrics import IterationRecord


class Observers:
    """Calls one observer hook on the plugins (through ``hook``) and then on ``local`` objects.

    :param hook: the plugin manager's hook relay (``registry.hook``).
    :param local: further observers, called by method name when they have it.
    """

    def __init__(self, hook: Any, local: Sequence[object] = ()) -> None:
        self.hook = hook
        self.local = tuple(local)

    def notify(self, name: str, **kwargs: Any) -> None:
        """Call hook ``name`` with ``kwargs`` on every observer."""
        getattr(self.hook, name)(**kwargs)
        for observer in self.local:
            method = getattr(observer, name, None)
            if method is not None:
                method(**kwargs)


@contextlib.contextmanager
def episode_progress(
    console: Console, episodes: int, *, enabled: bool = True
) -> Iterator[Callable[[], None]]:
    """A progress bar over evaluation episodes on ``console`` (gone when done); yields ``advance()``,
    to call once per finished episode. Nothing is drawn when ``enabled`` is false or the console is
    not a terminal."""
    columns = (TextColumn("evaluation episodes"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=not enabled) as progress:
        task = progress.add_task("evaluation", total=episodes)
        yield lambda: progress.advance(task)


class ConsoleObserver:
    """Prints a run's progress (``rich``): each step as it starts, rejections, each iteration's numbers."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def on_event(self, run: Any, event: Mapping[str, Any]) -> None:
        """One line (or a rule) for the events a person watching the run wants to see."""
        kind = event["kind"]
        if kind == "iteration_start":
            self.console.rule(f"iteration {event['iteration']}")
        elif kind == "planning":
            self.console.print("[cyan]planner[/] decomposing the task")
        elif kind == "coding":
            self.console.print(f"[cyan]coder[/] writing {event['subtask']} ({event['method']})")
        elif kind == "code_rejected":
            self.console.print(f"  [yellow]rejected[/] ({event['reason']}): {event['message'][:160]}")
        elif kind in ("plan_rejected", "critique_rejected"):
            role = "planner" if kind == "plan_rejected" else "critic"
            self.console.print(f"  [yellow]{role} answer unusable[/]: {escape(str(event['error'])[:160])}")
        elif kind == "training":
            self.console.print(
                f"[cyan]learner[/] {event['learner']} training {event['subtask']} "
                f"for {event['timesteps']} env steps"
            )
        elif kind == "training_resumed":
            self.console.print(
                f"  continuing from {escape(event['checkpoint'])}: {event['timesteps']} env steps trained"
            )
        elif kind == "coded_actions_missing":
            self.console.print(
                f"  [yellow]{event['subtask']} trains without its coded actions[/] "
                f"({', '.join(event['coded_actions'])}: its program was rejected), until the task's success"
            )
        elif kind == "checkpoint_unusable":
            self.console.print(
                f"[yellow]warning[/]: checkpoint {escape(event['checkpoint'])} of {event['subtask']} cannot "
                f"be loaded ({escape(event['error'])}); {event['instead']}",
                soft_wrap=True,
            )
        elif kind == "evaluating":
            self.console.print(f"[cyan]evaluating[/] {event['episodes']} episodes")
        elif kind == "critiquing":
            self.console.print("[cyan]critic[/] reading the rollouts")

    def on_iteration_end(self, run: Any, record: IterationRecord) -> None:
        """The iteration's success, interval, env steps and tokens."""
        low, high = record.interval
        steps = sum(record.env_steps.values())
        self.console.print(
            f"[bold]iteration {record.iteration}[/]: success {record.success_rate:.2f} "
            f"[{low:.2f}, {high:.2f}] over {record.episodes} episodes, {steps} env steps, "
            f"{record.llm.tokens} LLM tokens"
            + (", [red]repeats an earlier attempt[/]" if record.repeated else "")
        )
