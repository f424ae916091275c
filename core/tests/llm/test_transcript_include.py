"""Transcripts that include others: a variant changes a few answers and keeps the rest."""

from __future__ import annotations

import hashlib

import pytest
from rlgpt.llm import LLMError, ReplayLLM, Request, user
from rlgpt.llm.transcript import TranscriptError, find_answer, load_transcript, transcript_digest


def test_own_entries_win_ties_over_the_included_ones(write_transcript) -> None:
    write_transcript(
        {"match": {"role": "planner"}, "response": "base plan"},
        {"match": {"role": "coder"}, "response": "base code"},
        name="base.jsonl",
    )
    variant = write_transcript(
        "# the plan changes, the code stays",
        {"match": {"role": "planner"}, "response": "variant plan"},
        {"include": "base.jsonl"},
        name="variant.jsonl",
    )
    entries = load_transcript(variant)
    assert [entry.response for entry in entries] == ["variant plan", "base plan", "base code"]
    assert find_answer(entries, {"role": "planner"}).response == "variant plan"
    assert find_answer(entries, {"role": "coder"}).response == "base code"


def test_included_entries_name_their_own_file_in_messages(write_transcript, tmp_path) -> None:
    (tmp_path / "sub").mkdir()
    write_transcript({"match": {"role": "coder", "subtask": "wood"}, "response": "x"}, name="sub/base.jsonl")
    variant = write_transcript({"include": "sub/base.jsonl"}, name="variant.jsonl")
    (entry,) = load_transcript(variant)
    assert entry.where == f"{(tmp_path / 'sub' / 'base.jsonl').resolve()}:1"
    llm = ReplayLLM(transcript=variant)
    with pytest.raises(LLMError) as caught:
        llm.complete(Request(messages=(user("write code"),), tags={"role": "coder", "subtask": "table"}))
    assert "base.jsonl:1, which wants subtask=wood" in str(caught.value)


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        ({"a.jsonl": [{"include": "a.jsonl"}]}, "a.jsonl includes this file again"),
        (
            {"a.jsonl": [{"include": "b.jsonl"}], "b.jsonl": [{"include": "a.jsonl"}]},
            "includes this file again",
        ),
        ({"a.jsonl": [{"include": "missing.jsonl"}]}, "included transcript missing.jsonl not found"),
        ({"a.jsonl": [{"include": "b.jsonl", "comment": "x"}]}, 'exactly {"include": "other.jsonl"}'),
        ({"a.jsonl": [{"include": 3}]}, 'exactly {"include": "other.jsonl"}'),
    ],
)
def test_bad_includes_name_the_line_and_the_fix(write_transcript, files, fragment) -> None:
    paths = {name: write_transcript(*lines, name=name) for name, lines in files.items()}
    with pytest.raises(TranscriptError) as caught:
        load_transcript(paths["a.jsonl"])
    assert fragment in str(caught.value)
    assert ".jsonl:1: " in str(caught.value)


def test_the_digest_changes_with_an_included_file_and_is_the_file_hash_without_includes(
    write_transcript,
) -> None:
    base = write_transcript({"match": {"role": "coder"}, "response": "base code"}, name="base.jsonl")
    variant = write_transcript({"include": "base.jsonl"}, name="variant.jsonl")
    assert transcript_digest(base) == hashlib.sha256(base.read_bytes()).hexdigest()
    before = transcript_digest(variant)
    write_transcript({"match": {"role": "coder"}, "response": "edited code"}, name="base.jsonl")
    assert transcript_digest(variant) != before, "editing the included answers makes new trials"
