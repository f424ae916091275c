"""Trial ids count the prompt files, the code, and transcripts and model files by content."""

from __future__ import annotations

import shutil
from pathlib import Path

from rlgpt.agents.conversation import prompt_version
from rlgpt.bench import matrix
from rlgpt.config import parse_config

TRANSCRIPT_ENTRY = '{"match": {}, "response": "{}"}\n'


def replay_config(transcript, **overrides):
    data = {
        "env": "gridcraft",
        "task": "build_house",
        "llm": {"backend": "replay", "model": "reference", "options": {"transcript": str(transcript)}},
    }
    return parse_config({**data, **overrides})


def two_checkouts(tmp_path):
    """The same transcript in two folders, as two checkouts hold it."""
    first = tmp_path / "one" / "answers.jsonl"
    first.parent.mkdir()
    first.write_text(TRANSCRIPT_ENTRY)
    second = tmp_path / "two" / "answers.jsonl"
    second.parent.mkdir()
    shutil.copy(first, second)
    return first, second


def test_the_replay_id_is_the_same_in_every_checkout(tmp_path):
    first, second = two_checkouts(tmp_path)

    def trial_hash(path):
        return matrix.config_hash(replay_config(path), uses_agents=True)

    assert trial_hash(first) == trial_hash(second)
    second.write_text(TRANSCRIPT_ENTRY + "# edited\n")
    assert trial_hash(first) != trial_hash(second)


def test_prompt_and_code_versions_change_llm_trials(tmp_path, monkeypatch):
    transcript = tmp_path / "answers.jsonl"
    transcript.write_text(TRANSCRIPT_ENTRY)
    config, pure_rl = replay_config(transcript), replay_config(transcript, method="pure-rl")
    before = matrix.config_hash(config, uses_agents=True), matrix.config_hash(pure_rl, uses_agents=False)
    monkeypatch.setattr(matrix, "prompt_version", lambda: "v0-00000000")
    assert matrix.config_hash(config, uses_agents=True) != before[0]
    assert matrix.config_hash(pure_rl, uses_agents=False) == before[1]
    monkeypatch.setattr(matrix, "code_version", lambda: "000000000000")
    assert matrix.config_hash(pure_rl, uses_agents=False) != before[1]


def test_a_model_file_counts_by_content(tmp_path):
    model = tmp_path / "model.gguf"
    model.write_bytes(b"weights-1")
    config = parse_config(
        {"env": "gridcraft", "task": "build_house", "llm": {"backend": "transformers", "model": str(model)}}
    )
    before = matrix.config_hash(config, uses_agents=True)
    model.write_bytes(b"weights-2")
    matrix.file_sha256.cache_clear()
    assert matrix.config_hash(config, uses_agents=True) != before


def test_the_prompt_version_names_the_version_file_and_a_digest():
    version, digest = prompt_version().split("-")
    assert version.startswith("v") and len(digest) == 8


def test_reporting_modules_do_not_count_in_the_code_version(monkeypatch):
    root = Path(matrix.rlgpt.__file__).parent
    assert all((root / name).is_file() for name in matrix.REPORTING_MODULES)
    before = matrix.code_version()
    monkeypatch.setattr(matrix, "REPORTING_MODULES", matrix.REPORTING_MODULES | {"loop.py"})
    matrix.code_version.cache_clear()
    assert matrix.code_version() != before, "a module that runs trials does count"
    matrix.code_version.cache_clear()


def test_a_role_on_another_llm_is_named_in_the_label_and_its_transcript_counts_by_content(tmp_path):
    transcript, copy = two_checkouts(tmp_path)

    def paired(path):
        replay = {"backend": "replay", "model": "reference", "options": {"transcript": str(path)}}
        llm = {"backend": "scripted", "model": "tiny", "planner": replay, "critic": replay}
        return parse_config({"env": "gridcraft", "task": "build_house", "llm": llm})

    config = paired(transcript)
    assert matrix.llm_label(config.llm) == "scripted:tiny (planner, critic: replay:reference)"
    assert matrix.llm_label(replay_config(transcript).llm) == "replay:reference"
    assert matrix.config_hash(config, uses_agents=True) == matrix.config_hash(paired(copy), uses_agents=True)
    copy.write_text(TRANSCRIPT_ENTRY + "# edited\n")
    assert matrix.config_hash(config, uses_agents=True) != matrix.config_hash(paired(copy), uses_agents=True)


def test_tracking_a_trial_does_not_change_its_id(tmp_path):
    transcript = tmp_path / "answers.jsonl"
    transcript.write_text(TRANSCRIPT_ENTRY)
    quiet = matrix.config_hash(replay_config(transcript), uses_agents=True)
    tracked = replay_config(transcript, logging={"tensorboard": True, "wandb": True})
    assert matrix.config_hash(tracked, uses_agents=True) == quiet
