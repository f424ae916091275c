"""What a run's LLM records say: how each answer was constrained, and the requests that got no answer."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from rlgpt.cli import main
from rlgpt.llm import (
    CachedLLM,
    Completion,
    JsonSchema,
    LLMError,
    PythonBlock,
    ReplayLLM,
    Request,
    Usage,
    constraint,
    system,
    user,
)
from rlgpt.llm.roles import RoleRouter
from rlgpt.recording import RecordingLLM
from rlgpt.runs import RunDirectory

SCHEMA = JsonSchema("plan", {"type": "object", "properties": {}, "additionalProperties": False})
CODE = PythonBlock(("act",))
MESSAGES = (system("You plan."), user("Make a wooden pickaxe."))


@dataclass
class ConstrainingLLM:
    """A backend that enforces the kinds in ``output_kinds`` and says how (``said``) or not (``None``)."""

    said: str | None = None
    output_kinds: frozenset[str] = frozenset({JsonSchema.kind, PythonBlock.kind})
    backend: str = "constraining"
    model: str = "m"
    supports_images: bool = False
    calls: int = 0

    def complete(self, request: Request) -> Completion:
        self.calls += 1
        said = self.said if request.output is not None else None
        return Completion("{}", Usage(3, 1), 0.1, self.model, self.backend, constraint=said)


@pytest.mark.parametrize(
    ("llm", "output", "expected"),
    [
        (ConstrainingLLM(said="grammar"), SCHEMA, "grammar"),
        (ConstrainingLLM(), SCHEMA, "json_schema"),
        (ConstrainingLLM(), CODE, "regex"),
        (ConstrainingLLM(output_kinds=frozenset({JsonSchema.kind})), CODE, None),
        (ConstrainingLLM(), None, None),
    ],
)
def test_constraint_is_the_backends_word_else_what_enforcing_the_kind_means(llm, output, expected):
    request = Request(MESSAGES, output=output)
    assert constraint(llm, request, llm.complete(request)) == expected


def test_the_cache_keeps_how_an_answer_was_constrained(tmp_path: Path):
    inner = ConstrainingLLM(said="json_object")
    cached = CachedLLM(inner, tmp_path / "llm.sqlite")
    request = Request(MESSAGES, output=SCHEMA)

    live, hit = cached.complete(request), cached.complete(request)

    assert inner.calls == 1 and hit.cached
    assert live.constraint == hit.constraint == "json_object"


def test_a_cache_file_from_before_constraints_were_kept_still_serves_its_answers(tmp_path: Path):
    path = tmp_path / "old.sqlite"
    request = Request(MESSAGES, output=SCHEMA)
    cached = CachedLLM(ConstrainingLLM(said="json_schema"), path)
    cached.complete(request)
    with sqlite3.connect(path) as db:  # rebuild the table as older versions wrote it
        db.execute("ALTER TABLE completions DROP COLUMN constraint_kind")

    again = CachedLLM(ConstrainingLLM(said="json_schema"), path).complete(request)

    assert again.cached and again.text == "{}" and again.constraint is None


def records(run: RunDirectory) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted((run.path / "llm").glob("*.json"))]


def test_every_record_and_event_says_how_the_answer_was_constrained(tmp_path: Path):
    run = RunDirectory.create(tmp_path, "env", "task", {})
    recording = RecordingLLM(RoleRouter(ConstrainingLLM(said="grammar"), {}), run)

    recording.complete(Request(MESSAGES, output=SCHEMA, tags={"role": "planner"}))
    recording.complete(Request(MESSAGES, tags={"role": "coder"}))

    assert [r["constraint"] for r in records(run)] == ["grammar", None]
    assert [r["completion"]["constraint"] for r in records(run)] == ["grammar", None]
    events = run.read_events().of_kind("llm_call")
    assert [e["constraint"] for e in events] == ["grammar", None]


def test_a_resumed_run_replays_the_recorded_constraint(tmp_path: Path):
    run = RunDirectory.create(tmp_path, "env", "task", {})
    request = Request(MESSAGES, output=SCHEMA, tags={"role": "planner"})
    RecordingLLM(ConstrainingLLM(said="json_object"), run).complete(request)

    resumed = ConstrainingLLM(said="grammar")
    again = RecordingLLM(resumed, run).complete(request)

    assert resumed.calls == 0 and again.constraint == "json_object"


def test_a_request_the_transcript_cannot_answer_is_saved_and_named(tmp_path: Path, write_transcript):
    run = RunDirectory.create(tmp_path, "env", "task", {})
    replay = ReplayLLM(transcript=write_transcript({"match": {"role": "coder"}, "response": "x"}))
    request = Request(MESSAGES, tags={"role": "planner", "iteration": "0"})

    with pytest.raises(LLMError) as caught:
        RecordingLLM(replay, run).complete(request)

    saved = run.path / "llm" / "00001.unanswered.json"
    message = str(caught.value)
    assert "\n" not in message and "has no answer for role=planner" in message and str(saved) in message
    record = json.loads(saved.read_text())
    assert record["tags"] == {"role": "planner", "iteration": "0"}
    assert [m["content"] for m in record["messages"]] == ["You plan.", "Make a wooden pickaxe."]
    assert "has no answer" in record["error"]


def test_a_run_that_stops_before_its_first_iteration_keeps_the_unanswered_request(
    tmp_path: Path, write_transcript, capsys
):
    transcript = write_transcript({"match": {"role": "critic"}, "response": "{}"})
    config = tmp_path / "run.toml"
    config.write_text(
        f'env = "gridcraft"\ntask = "build_house"\nruns_dir = "{tmp_path / "runs"}"\nmax_iterations = 1\n'
        f'[llm]\nbackend = "replay"\nmodel = "reference"\n[llm.options]\ntranscript = "{transcript}"\n'
    )

    assert main(["run", str(config)]) == 2

    err = capsys.readouterr().err
    assert "Traceback" not in err
    [error] = [line for line in err.splitlines() if line.startswith("error:")]
    [folder] = (tmp_path / "runs").iterdir()
    [saved] = (folder / "llm").glob("*.unanswered.json")
    assert str(saved) in error
    assert json.loads(saved.read_text())["tags"]["role"] == "planner"


def test_each_role_is_labelled_by_the_llm_that_answered_it(tmp_path: Path):
    run = RunDirectory.create(tmp_path, "env", "task", {})
    free_coder = ConstrainingLLM(output_kinds=frozenset())
    recording = RecordingLLM(RoleRouter(ConstrainingLLM(), {"coder": free_coder}), run)

    recording.complete(Request(MESSAGES, output=SCHEMA, tags={"role": "planner"}))
    recording.complete(Request(MESSAGES, output=CODE, tags={"role": "coder"}))

    assert [r["constraint"] for r in records(run)] == ["json_schema", None]
