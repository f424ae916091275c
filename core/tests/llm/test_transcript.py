"""Transcript parsing and answer matching."""

from __future__ import annotations

from pathlib import Path

import pytest
from rlgpt.llm.transcript import TranscriptError, find_answer, load_transcript

ENTRIES = [
    "# planner answers",
    {"match": {"role": "planner"}, "response": "any plan"},
    {"match": {"role": "planner", "iteration": 2}, "response": "second plan"},
    "",
    "// coder answers: attempt-free entries serve every attempt",
    {"match": {"role": "coder", "subtask": "wood"}, "response": "wood code"},
    {"match": {"role": "coder", "subtask": "wood", "attempt": "2"}, "response": "wood fix"},
    {"match": {"role": "coder", "iteration": "1"}, "response": "tie, first in file", "comment": "wins ties"},
    {"match": {"role": "coder", "subtask": "table"}, "response": "tie, later in file"},
    {"match": {}, "response": "fallback"},
]


@pytest.fixture
def entries(write_transcript):
    return load_transcript(write_transcript(*ENTRIES))


def answer(entries, **tags: object) -> str | None:
    found = find_answer(entries, tags)
    return None if found is None else found.response


def test_comments_and_blank_lines_are_skipped_and_lines_are_numbered(entries) -> None:
    assert len(entries) == 7
    assert [e.line for e in entries[:3]] == [2, 3, 6]


def test_the_entry_naming_most_tags_wins(entries) -> None:
    assert answer(entries, role="planner", iteration="1") == "any plan"
    assert answer(entries, role="planner", iteration="2") == "second plan"
    assert answer(entries, role="planner", iteration=2) == "second plan"  # compared as text


def test_entries_without_attempt_serve_every_attempt(entries) -> None:
    for attempt in ("1", "3", "7"):
        assert answer(entries, role="coder", subtask="wood", attempt=attempt) == "wood code"
    assert answer(entries, role="coder", subtask="wood", attempt="2") == "wood fix"
    assert answer(entries, role="coder", subtask="wood") == "wood code"


def test_ties_go_to_the_first_entry_in_the_file(entries) -> None:
    assert answer(entries, role="coder", iteration="1", subtask="table") == "tie, first in file"
    assert answer(entries, role="coder", iteration="5", subtask="table") == "tie, later in file"


def test_empty_match_is_the_fallback(entries) -> None:
    assert answer(entries, role="critic") == "fallback"
    assert find_answer(entries[:-1], {"role": "critic"}) is None


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ('{"match": {"role": "coder"}, "response": "x"', "not valid JSON"),
        ('["match", "response"]', "expected a JSON object"),
        (
            '{"match": {"role": "coder"}, "answer": "x"}',
            "unknown key(s) answer (allowed: match, response, comment, when)",
        ),
        ('{"match": "coder", "response": "x"}', '"match" must be an object'),
        ('{"match": {}, "response": 3}', '"response" must be a string'),
        ('{"match": {}, "response": "x", "comment": 1}', '"comment" must be a string'),
        (
            '{"match": {"attempt": true}, "response": "x"}',
            'match value of "attempt" must be a string or an integer',
        ),
        (
            '{"match": {"attempt": 1.5}, "response": "x"}',
            'match value of "attempt" must be a string or an integer',
        ),
    ],
)
def test_bad_lines_name_file_line_and_fix(write_transcript, line: str, fragment: str) -> None:
    path: Path = write_transcript("# header", {"match": {}, "response": "ok"}, line)
    with pytest.raises(TranscriptError) as caught:
        load_transcript(path)
    assert str(caught.value).startswith(f"{path}:3: ")
    assert fragment in str(caught.value)
