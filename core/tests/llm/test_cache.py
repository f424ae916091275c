"""CachedLLM: hits, key contents, persistence across processes, concurrent writers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from rlgpt.llm import (
    CachedLLM,
    Image,
    JsonSchema,
    LLMError,
    Message,
    ReplayLLM,
    Request,
    RetryingLLM,
    SamplingParams,
    cache_key,
    system,
    user,
)

REQUEST = Request(
    messages=(system("You plan."), user("Make a wooden pickaxe.")),
    params=SamplingParams(temperature=0.0, max_tokens=256),
    tags={"role": "planner", "iteration": "1"},
)


@pytest.fixture
def first(write_transcript) -> Path:
    return write_transcript({"match": {}, "response": "first answer"}, name="first.jsonl")


@pytest.fixture
def second(write_transcript) -> Path:
    return write_transcript({"match": {}, "response": "second answer"}, name="second.jsonl")


def test_hit_returns_the_stored_answer_marked_cached(tmp_path: Path, first: Path, second: Path) -> None:
    db = tmp_path / "cache" / "llm.sqlite"
    llm = CachedLLM(ReplayLLM(transcript=first), db)

    live = llm.complete(REQUEST)
    again = llm.complete(REQUEST)

    assert live.cached is False and live.text == "first answer"
    assert again.cached is True and again.latency_s == 0.0
    assert (again.text, again.usage, again.model, again.backend) == (
        live.text,
        live.usage,
        live.model,
        live.backend,
    )
    assert llm.stats().hits == 1 and llm.stats().misses == 1
    # A different inner answer for the same request is never asked for: the file answers.
    assert CachedLLM(ReplayLLM(transcript=second), db).complete(REQUEST).text == "first answer"


def test_tags_are_not_part_of_the_key(tmp_path: Path, first: Path) -> None:
    llm = CachedLLM(ReplayLLM(transcript=first), tmp_path / "llm.sqlite")
    llm.complete(REQUEST)
    retagged = replace(REQUEST, tags={"role": "critic", "iteration": "9"})
    assert cache_key("replay", "reference", retagged) == cache_key("replay", "reference", REQUEST)
    assert llm.complete(retagged).cached is True


@pytest.mark.parametrize(
    "changed",
    [
        replace(REQUEST, messages=(system("You plan."), user("Make a stone pickaxe."))),
        replace(REQUEST, messages=(user("You plan."), user("Make a wooden pickaxe."))),
        replace(REQUEST, messages=(*REQUEST.messages, Message("user", "", images=(Image(b"\x89PNG a"),)))),
        replace(REQUEST, params=SamplingParams(temperature=0.7, max_tokens=256)),
        replace(REQUEST, params=SamplingParams(temperature=0.0, max_tokens=512)),
        replace(REQUEST, params=SamplingParams(temperature=0.0, max_tokens=256, stop=("```",))),
        replace(REQUEST, params=SamplingParams(temperature=0.0, max_tokens=256, seed=1)),
    ],
    ids=["content", "role", "image", "temperature", "max_tokens", "stop", "seed"],
)
def test_key_changes_with_messages_and_params(changed: Request) -> None:
    assert cache_key("replay", "reference", changed) != cache_key("replay", "reference", REQUEST)


def test_key_changes_with_image_bytes_backend_and_model() -> None:
    def with_image(data: bytes) -> Request:
        return replace(REQUEST, messages=(Message("user", "look", images=(Image(data),)),))

    assert cache_key("b", "m", with_image(b"one")) != cache_key("b", "m", with_image(b"two"))
    assert cache_key("b", "m", with_image(b"one")) == cache_key("b", "m", with_image(b"one"))
    assert cache_key("openai", "gpt-4o", REQUEST) != cache_key("anthropic", "gpt-4o", REQUEST)
    assert cache_key("openai", "gpt-4o", REQUEST) != cache_key("openai", "gpt-4o-mini", REQUEST)


def test_key_changes_with_answer_identity_and_free_decoding() -> None:
    shaped = replace(REQUEST, output=JsonSchema("plan", {"type": "object"}))
    assert cache_key("b", "m", REQUEST, identity={}) == cache_key("b", "m", REQUEST)
    assert cache_key("b", "m", REQUEST, identity={"base_url": "http://a/v1"}) != cache_key("b", "m", REQUEST)
    assert cache_key("b", "m", shaped, constrained=False) != cache_key("b", "m", shaped)
    # a request without an output format is decoded freely by every backend: one key
    assert cache_key("b", "m", REQUEST, constrained=False) == cache_key("b", "m", REQUEST)


def _replay(transcript: Path, **attributes: object) -> ReplayLLM:
    """A replay LLM that claims ``attributes`` (an answer identity, the output kinds it enforces)."""
    llm = ReplayLLM(transcript=transcript)
    for name, value in attributes.items():
        setattr(llm, name, value)
    return llm


def test_answers_of_another_server_or_of_free_decoding_are_not_served(
    tmp_path: Path, first: Path, second: Path
) -> None:
    db = tmp_path / "llm.sqlite"
    server_a = CachedLLM(_replay(first, answer_identity={"base_url": "http://a/v1"}), db)
    assert server_a.complete(REQUEST).text == "first answer"
    other_server = CachedLLM(_replay(second, answer_identity={"base_url": "http://b/v1"}), db)
    assert other_server.complete(REQUEST).text == "second answer"
    same_server = CachedLLM(_replay(second, answer_identity={"base_url": "http://a/v1"}), db)
    assert same_server.complete(REQUEST).cached

    assert CachedLLM(_replay(first), db).complete(REQUEST).text == "first answer"  # no identity
    retried = CachedLLM(RetryingLLM(_replay(second, answer_identity={"base_url": "http://c/v1"})), db)
    assert retried.complete(REQUEST).text == "second answer", "the identity passes through wrappers"

    shaped = replace(REQUEST, output=JsonSchema("plan", {"type": "object"}))
    constrained = CachedLLM(_replay(first, output_kinds=frozenset({"json_schema"})), db)
    assert constrained.complete(shaped).text == "first answer"
    assert CachedLLM(_replay(second), db).complete(shaped).text == "second answer", "decoded freely"


def test_failures_are_not_cached(tmp_path: Path, write_transcript, first: Path) -> None:
    db = tmp_path / "llm.sqlite"
    empty = write_transcript({"match": {"role": "nobody"}, "response": "x"}, name="empty.jsonl")
    with pytest.raises(LLMError, match="has no answer"):
        CachedLLM(ReplayLLM(transcript=empty), db).complete(REQUEST)
    assert CachedLLM(ReplayLLM(transcript=first), db).complete(REQUEST).cached is False


def test_directory_path_is_rejected(tmp_path: Path, first: Path) -> None:
    with pytest.raises(ValueError, match="is a directory; give a file"):
        CachedLLM(ReplayLLM(transcript=first), tmp_path)


CHILD = textwrap.dedent(
    """
    import json, sys
    from rlgpt.llm import CachedLLM, ReplayLLM, Request, user

    db, transcript, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    llm = CachedLLM(ReplayLLM(transcript=transcript), db)
    texts = [llm.complete(Request(messages=(user(f"question {i % 10}"),))).text for i in range(count)]
    last = llm.complete(Request(messages=(user("Make a wooden pickaxe."),)))
    print(json.dumps({"cached": last.cached, "text": last.text, "hits": llm.stats().hits, "n": len(texts)}))
    """
)


def run_child(db: Path, transcript: Path, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(transcript), str(count)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_another_process_sees_the_cache(tmp_path: Path, first: Path, second: Path) -> None:
    db = tmp_path / "llm.sqlite"
    CachedLLM(ReplayLLM(transcript=first), db).complete(Request(messages=(user("Make a wooden pickaxe."),)))

    child = run_child(db, second, 0)
    out, err = child.communicate(timeout=60)

    assert child.returncode == 0, err
    assert json.loads(out) == {"cached": True, "text": "first answer", "hits": 1, "n": 0}


def test_concurrent_processes_share_one_file(tmp_path: Path, first: Path) -> None:
    db = tmp_path / "llm.sqlite"
    children = [run_child(db, first, 40) for _ in range(3)]
    results = [child.communicate(timeout=120) for child in children]

    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err
        assert json.loads(out)["n"] == 40
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT COUNT(*) FROM completions").fetchone()[0]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert rows == 11  # ten distinct questions and the final one
    assert mode == "wal"
