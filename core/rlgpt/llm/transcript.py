"""Replay transcripts: recorded answers keyed by request tags.

A transcript is a UTF-8 text file in JSON Lines form, one answer per line::

    # the first plan for the wooden pickaxe
    {"match": {"role": "planner", "iteration": 1}, "response": "1. collect wood (code) ..."}
    {"match": {"role": "coder", "subtask": "collect_wood"}, "response": "```python\\n...```"}
    {"match": {"role": "coder", "subtask": "collect_wood", "attempt": 2}, "response": "...", "comment": "fix"}

Rules:

- Blank lines, and lines whose first non-space characters are ``#`` or ``//``,
  are comments.
- ``"match"`` (required) maps tag names to values, each a string or an integer.
  An entry matches a request when every tag it names is among the request's tags
  with the same value, compared as text (``str(request.tags[tag])``). Tags the
  entry does not name are free: an entry without ``"attempt"`` serves every
  attempt, and ``{}`` matches every request.
- ``"when"`` (optional) is a string or a list of strings that must all occur in the
  request's prompt (its messages' text): an answer is matched on what it answers (the
  critic's verdict a planner was shown, the statistics a critic was shown), not only on
  the request's position. Each string counts as one more named criterion.
- Requests of later iterations also carry the earlier feedback as data
  (:mod:`rlgpt.agents.feedback_tags`: ``feedback.verdict.<sub-task>``,
  ``feedback.unreached.<sub-task>``, ``feedback.replan``; a critic's request
  ``unreached.<sub-task>``): an entry that names them answers the feedback's meaning
  whatever its wording, which ``"when"`` phrases cannot.
- Among the entries that match, the one naming the most tags (and ``when`` strings) wins;
  a tie goes to the entry nearer the top of the file.
- ``"response"`` (required) is returned verbatim, with no templating.
- ``"comment"`` (optional, a string) is for readers and ignored.
- A line ``{"include": "other.jsonl"}`` (a path relative to this file) puts that file's
  entries at this place: a transcript that changes a few answers of another names them
  first and includes the other at the end, so its own entries win the ties. A file that
  includes itself, directly or through others, is an error.
- Any other key is an error, as is a line that is not a JSON object.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

_ENTRY_KEYS = ("match", "response", "comment", "when")


class TranscriptError(ValueError):
    """A transcript file cannot be read; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class TranscriptEntry:
    """One recorded answer.

    :param match: tag name -> value (as text) the request must carry.
    :param response: the answer returned.
    :param line: 1-based line number in the file (for messages).
    :param when: strings the request's prompt must all contain.
    :param source: the file the entry is written in when it came from an included transcript.
    """

    match: Mapping[str, str]
    response: str
    line: int
    when: tuple[str, ...] = ()
    source: str = ""

    @property
    def where(self) -> str:
        """``line N``, or ``FILE:N`` for an entry of an included transcript (for messages)."""
        return f"{self.source}:{self.line}" if self.source else f"line {self.line}"

    def matches(self, tags: Mapping[str, object], prompt: str = "") -> bool:
        """Whether every tag this entry names is in ``tags`` with the same value as text, and the
        prompt contains every ``when`` string."""
        return all(key in tags and str(tags[key]) == value for key, value in self.match.items()) and all(
            text in prompt for text in self.when
        )

    @property
    def criteria(self) -> int:
        """How many criteria the entry names (tags and ``when`` strings): more is more specific."""
        return len(self.match) + len(self.when)

    def agreeing(self, tags: Mapping[str, object]) -> int:
        """How many of this entry's tags ``tags`` agrees with."""
        return sum(key in tags and str(tags[key]) == value for key, value in self.match.items())


def load_transcript(path: Path) -> tuple[TranscriptEntry, ...]:
    """Parse the transcript at ``path`` with what it includes; :class:`TranscriptError` names the bad
    line and the fix."""
    return tuple(_load(Path(path), including=()))


def _load(path: Path, including: tuple[Path, ...]) -> list[TranscriptEntry]:
    """The entries of ``path`` in file order, included files spliced in; ``including`` are the files
    whose includes led here (a cycle is an error)."""
    entries: list[TranscriptEntry] = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise TranscriptError(
            f"{path}:{line}: not UTF-8 text (byte {error.object[error.start]:#04x}); "
            "save the transcript as UTF-8"
        ) from None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", "//")):
            continue
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as error:
            raise TranscriptError(
                f"{path}:{number}: not valid JSON ({error.msg}); each line must be one object like "
                '{"match": {"role": "planner"}, "response": "..."} or a comment starting with #'
            ) from None
        if isinstance(data, dict) and "include" in data:
            entries.extend(_included(data, path, number, including))
            continue
        entry = _parse_entry(data, path, number)
        if including:
            entry = replace(entry, source=str(path))
        entries.append(entry)
    return entries


def _included(
    data: dict[str, Any], path: Path, line: int, including: tuple[Path, ...]
) -> list[TranscriptEntry]:
    """The entries of the file an ``{"include": ...}`` line names."""
    where = f"{path}:{line}"
    name = data["include"]
    if set(data) != {"include"} or not isinstance(name, str) or not name:
        raise TranscriptError(f'{where}: an include line is exactly {{"include": "other.jsonl"}}')
    target = (path.parent / name).resolve()
    chain = (*including, path.resolve())
    if target in chain:
        raise TranscriptError(f"{where}: {name} includes this file again; remove one of the includes")
    if not target.is_file():
        raise TranscriptError(f"{where}: included transcript {name} not found (looked at {target})")
    return _load(target, chain)


def transcript_digest(path: Path) -> str:
    """sha256 of what a transcript answers: its bytes, and the digests of the transcripts it includes
    (a transcript that includes none: the sha256 of its bytes). A file met twice counts once."""
    return _digest(Path(path).resolve(), seen=set())


def _digest(path: Path, seen: set[Path]) -> str:
    seen.add(path)
    text = path.read_bytes()
    digest = hashlib.sha256(text)
    for raw in text.decode("utf-8", errors="replace").splitlines():
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            continue
        name = data.get("include") if isinstance(data, dict) else None
        target = (path.parent / name).resolve() if isinstance(name, str) and name else None
        if target is not None and target not in seen and target.is_file():
            digest.update(_digest(target, seen).encode())
    return digest.hexdigest()


def _parse_entry(data: Any, path: Path, line: int) -> TranscriptEntry:
    """Validate one decoded line."""
    where = f"{path}:{line}"
    if not isinstance(data, dict):
        raise TranscriptError(f'{where}: expected a JSON object {{"match": ..., "response": ...}}')
    unknown = sorted(set(data) - set(_ENTRY_KEYS))
    if unknown:
        raise TranscriptError(
            f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(_ENTRY_KEYS)})"
        )
    match, response = data.get("match"), data.get("response")
    if not isinstance(match, dict):
        raise TranscriptError(f'{where}: "match" must be an object of tag -> value, e.g. {{"role": "coder"}}')
    if not isinstance(response, str):
        raise TranscriptError(f'{where}: "response" must be a string (the text to answer with)')
    if not isinstance(data.get("comment", ""), str):
        raise TranscriptError(f'{where}: "comment" must be a string')
    for key, value in match.items():
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise TranscriptError(
                f'{where}: match value of "{key}" must be a string or an integer, got {value!r}'
            )
    when = data.get("when", ())
    when = (when,) if isinstance(when, str) else when
    if not isinstance(when, (list, tuple)) or not all(isinstance(text, str) and text for text in when):
        raise TranscriptError(f'{where}: "when" must be a non-empty string or a list of them')
    text_match = {key: str(value) for key, value in match.items()}
    return TranscriptEntry(match=text_match, response=response, line=line, when=tuple(when))


def find_answer(
    entries: tuple[TranscriptEntry, ...], tags: Mapping[str, object], prompt: str = ""
) -> TranscriptEntry | None:
    """The matching entry naming the most criteria (first in file order on a tie), or ``None``.

    :param prompt: the request's prompt text, for entries with ``when`` strings.
    """
    best: TranscriptEntry | None = None
    for entry in entries:
        if entry.matches(tags, prompt) and (best is None or entry.criteria > best.criteria):
            best = entry
    return best


def closest_miss(entries: tuple[TranscriptEntry, ...], tags: Mapping[str, object]) -> TranscriptEntry | None:
    """The non-matching entry agreeing with the most of ``tags`` (at least one), for hints."""
    best: TranscriptEntry | None = None
    best_agreeing = 0
    for entry in entries:
        agreeing = entry.agreeing(tags)
        if agreeing > best_agreeing and not entry.matches(tags):
            best, best_agreeing = entry, agreeing
    return best
