"""A library of verified programs the model builds as it solves tasks (as in Voyager).

A code sub-task's program whose done condition came to hold after it acted in at least
``skills.min_success`` of its evaluation episodes is saved as a :class:`SkillEntry`: its
description, environment, task, sub-task, success rate, the model that wrote it
(``backend:model``), the run it came from and its source. Later plans and programs are shown
the entries that :func:`bm25_scores` ranks highest for what they are about, and a program may
call them: their functions are added after it (:func:`skill_functions`), and the whole program
is checked and dry-run as one.

One library per user and environment: ``<root>/<env>/skills.jsonl``, the root being
``skills.path``, else ``$RLGPT_SKILLS``, else ``~/.cache/rlgpt/skills``. Writers append whole
lines under an exclusive ``flock``, so concurrent runs lose nothing; a later entry of the same
name, environment and model replaces an earlier one.
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import json
import math
import os
import re
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from rlgpt.config import ConfigError

ENV_VARIABLE = "RLGPT_SKILLS"
FILE_NAME = "skills.jsonl"
"""The library file in each environment's folder, and the run folder's copy of what a run added
and used."""


@dataclass(frozen=True)
class SkillEntry:
    """One saved program.

    :param name: the function it defines for its sub-task, which later programs may call.
    :param description: what it does and when it is done.
    :param success: share of evaluation episodes in which its sub-task's done condition held.
    :param model: ``backend:model`` of the coder that wrote it.
    :param run: the folder name of the run it came from.
    :param source: the program (its own ``done`` included).
    """

    name: str
    description: str
    env: str
    task: str
    subtask: str
    success: float
    model: str
    run: str
    source: str

    @property
    def signature(self) -> str:
        """``name(api)``, as a program calls it."""
        return f"{self.name}(api)"

    def line(self) -> str:
        """One line for a prompt or a listing: signature, success, where it comes from, description."""
        return f"- {self.signature}: {self.description} (success {self.success:.2f} on task {self.task})"

    def to_dict(self) -> dict[str, Any]:
        """The entry as one JSON line's object."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SkillEntry:
        """An entry read back from :meth:`to_dict`'s object."""
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


def default_root(configured: Path | None = None) -> Path:
    """Where the libraries live: ``configured``, else ``$RLGPT_SKILLS``, else ``~/.cache/rlgpt/skills``."""
    if configured is not None:
        return configured.expanduser()
    if os.environ.get(ENV_VARIABLE):
        return Path(os.environ[ENV_VARIABLE]).expanduser()
    return Path.home() / ".cache" / "rlgpt" / "skills"


_TOKEN = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "the",
        "then",
        "to",
        "until",
        "when",
        "with",
    ]
)
"""Words too common to tell skills apart: left out of matching."""


def tokens(text: str) -> list[str]:
    """Lower-case words of ``text``; a snake_case name also counts whole (``get_wood`` gives
    ``get_wood``, ``get`` and ``wood``), so an exact name outranks a shared word; no
    :data:`STOP_WORDS`."""
    words: list[str] = []
    for chunk in re.findall(r"[A-Za-z0-9_]+", text.lower()):
        parts = _TOKEN.findall(chunk)
        words.extend(part for part in parts if part not in STOP_WORDS)
        if len(parts) > 1:
            words.append(chunk)
    return words


def bm25_scores(query: str, documents: Sequence[str], k1: float = 1.5, b: float = 0.75) -> list[float]:
    """Okapi BM25 score of each document for ``query`` (higher is more relevant; 0 shares no word)."""
    docs = [Counter(tokens(doc)) for doc in documents]
    if not docs:
        return []
    lengths = [sum(doc.values()) for doc in docs]
    average = sum(lengths) / len(docs) or 1.0
    holding = Counter(word for doc in docs for word in doc)
    scores = []
    for doc, length in zip(docs, lengths, strict=True):
        score = 0.0
        for word in set(tokens(query)):
            count = doc.get(word, 0)
            if not count:
                continue
            idf = math.log(1 + (len(docs) - holding[word] + 0.5) / (holding[word] + 0.5))
            score += idf * count * (k1 + 1) / (count + k1 * (1 - b + b * length / average))
        scores.append(score)
    return scores


def skill_functions(entries: Sequence[SkillEntry], defined: Collection[str] = ()) -> str:
    """The entries' functions, to be added after a program that calls them: each name once (the
    first entry's), none named ``done`` or among the program's own ``defined`` functions (the
    program's win). Added after it, they leave the program's line numbers as the coder wrote them."""
    left_out, parts = {"done", *defined}, []
    for entry in entries:
        lines = entry.source.splitlines()
        functions = [node for node in ast.parse(entry.source).body if isinstance(node, ast.FunctionDef)]
        for node in reversed(functions):
            if node.name in left_out:
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                del lines[start - 1 : node.end_lineno]
        left_out |= {node.name for node in functions}
        parts.append("\n".join(lines).strip())
    return "\n\n\n".join(part for part in parts if part)


class SkillLibraryError(ConfigError):
    """A library file holds a line that is not a skill entry (one line naming the fix)."""


class SkillLibrary:
    """The skill library of one environment: a JSONL file, read and written under a file lock.

    :param path: the library file (created with its folder on the first :meth:`add`).
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_env(cls, env: str, root: Path | None = None) -> SkillLibrary:
        """The library of ``env`` under :func:`default_root`."""
        return cls(default_root(root) / env / FILE_NAME)

    def add(self, entry: SkillEntry) -> None:
        """Append ``entry`` (it replaces an earlier one of its name, environment and model)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked("a", fcntl.LOCK_EX) as handle:
            handle.write(json.dumps(entry.to_dict()) + "\n")
            handle.flush()

    def entries(self, model: str | None = None) -> list[SkillEntry]:
        """The library's current entries, oldest first; only ``model``'s when given."""
        if not self.path.exists():
            return []
        with self._locked("r", fcntl.LOCK_SH) as handle:
            lines = handle.read().splitlines()
        latest: dict[tuple[str, str, str], SkillEntry] = {}
        for number, line in enumerate(lines, 1):
            try:
                entry = SkillEntry.from_dict(json.loads(line))
            except (ValueError, KeyError, TypeError):
                raise SkillLibraryError(
                    f"{self.path}:{number}: not a skill entry; delete the line or clear the library "
                    "(rlgpt skills clear)"
                ) from None
            key = (entry.env, entry.name, entry.model)
            latest.pop(key, None)
            latest[key] = entry
        return [entry for entry in latest.values() if model is None or entry.model == model]

    def search(self, query: str, top_k: int, model: str | None = None) -> list[SkillEntry]:
        """The ``top_k`` entries BM25 ranks highest for ``query`` by name and description (none
        sharing no word with it), only ``model``'s when given; ties keep the newer entry first."""
        entries = self.entries(model)[::-1]
        scores = bm25_scores(query, [f"{e.name} {e.subtask} {e.description}" for e in entries])
        ranked = sorted(zip(scores, range(len(entries)), strict=True), key=lambda pair: (-pair[0], pair[1]))
        return [entries[index] for score, index in ranked[:top_k] if score > 0]

    def clear(self) -> int:
        """Remove every entry; returns how many there were."""
        if not self.path.exists():
            return 0
        count = len(self.entries())
        with self._locked("r+", fcntl.LOCK_EX) as handle:
            handle.truncate(0)
        return count

    @contextlib.contextmanager
    def _locked(self, mode: str, how: int) -> Iterator[IO[str]]:
        with self.path.open(mode, encoding="utf-8") as handle:
            fcntl.flock(handle, how)
            try:
                yield handle
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def libraries(root: Path, env: str | None = None) -> list[SkillLibrary]:
    """The libraries under ``root``: ``env``'s alone when given, else every environment's."""
    if env is not None:
        return [SkillLibrary(root / env / FILE_NAME)]
    return [SkillLibrary(path) for path in sorted(root.glob(f"*/{FILE_NAME}"))]
