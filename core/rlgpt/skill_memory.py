"""What one run takes from and gives to its skill library (:mod:`rlgpt.skill_library`).

The loop asks :meth:`SkillMemory.recall` for the entries relevant to a plan or a sub-task (the
coder's model's own entries unless ``skills.share_across_models``) and hands
:meth:`SkillMemory.keep` each iteration's evaluated programs. Each retrieval and each saved entry
is an event (``skills_retrieved``, ``skill_saved``) and a line of the run folder's
``skills.jsonl`` (the entry and ``"use": "retrieved"`` or ``"added"``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from rlgpt.agents.schemas import Plan
from rlgpt.config import RunConfig
from rlgpt.runs import RunDirectory
from rlgpt.skill_library import FILE_NAME, SkillEntry, SkillLibrary


@dataclass
class SkillMemory:
    """One run's use of the library of its environment.

    :param config: the run's configuration (``skills``, ``env``, ``task``, the coder's LLM).
    :param run_dir: the run, named in saved entries; its ``skills.jsonl`` gets a copy of each use.
    :param emit: ``emit(kind, **data)`` appends an event.
    """

    config: RunConfig
    run_dir: RunDirectory
    emit: Callable[..., None]

    @property
    def enabled(self) -> bool:
        """Whether the run uses a library at all (``skills.enabled``)."""
        return self.config.skills.enabled

    @property
    def model(self) -> str:
        """``backend:model`` of the run's coder: who writes the programs it saves."""
        coder = self.config.llm.for_role("coder")
        return f"{coder.backend}:{coder.model}"

    @property
    def library(self) -> SkillLibrary:
        """The library of the run's environment."""
        return SkillLibrary.for_env(self.config.env, self.config.skills.path)

    def recall(self, iteration: int, query: str, purpose: str) -> tuple[SkillEntry, ...]:
        """The ``skills.top_k`` entries most relevant to ``query`` (none when disabled); ``purpose``
        (``plan`` or a sub-task's name) labels the event."""
        if not self.enabled:
            return ()
        skills = self.config.skills
        model = None if skills.share_across_models else self.model
        found = tuple(self.library.search(query, skills.top_k, model))
        if found:
            self.emit("skills_retrieved", iteration=iteration, purpose=purpose, names=[e.name for e in found])
            self._copy(found, "retrieved")
        return found

    def keep(
        self, iteration: int, plan: Plan, programs: Mapping[str, str], success: Mapping[str, float]
    ) -> None:
        """Save the programs of code sub-tasks whose done condition came to hold after they acted in at
        least ``skills.min_success`` of evaluation episodes (``success``: sub-task -> that share; a
        condition that held before the program took a step verifies nothing)."""
        if not self.enabled:
            return
        for subtask in plan.subtasks:
            rate = success.get(subtask.name, 0.0)
            verified = rate >= self.config.skills.min_success
            if subtask.method != "code" or subtask.name not in programs or not verified:
                continue
            entry = SkillEntry(
                name=subtask.name,
                description=f"{subtask.description} Done when: {subtask.done_condition}.",
                env=self.config.env,
                task=self.config.task,
                subtask=subtask.name,
                success=rate,
                model=self.model,
                run=self.run_dir.path.name,
                source=programs[subtask.name],
            )
            self.library.add(entry)
            self.emit("skill_saved", iteration=iteration, name=entry.name, success=rate, model=entry.model)
            self._copy((entry,), "added")

    def _copy(self, entries: tuple[SkillEntry, ...], use: str) -> None:
        """Append ``entries`` to the run folder's ``skills.jsonl``."""
        path = self.run_dir.path / FILE_NAME
        with path.open("a", encoding="utf-8") as handle:
            for entry in entries:
                handle.write(json.dumps({"use": use, **entry.to_dict()}) + "\n")
