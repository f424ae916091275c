"""The skill library on its own: BM25 ranking, the model filter, replacing entries, the functions a
program is given, concurrent writers, a damaged file, and the ``rlgpt skills`` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rlgpt import PluginSelection
from rlgpt.bench import matrix
from rlgpt.cli import main
from rlgpt.config import ConfigError, parse_config
from rlgpt.skill_commands import curriculum_tasks
from rlgpt.skill_library import (
    SkillEntry,
    SkillLibrary,
    SkillLibraryError,
    bm25_scores,
    default_root,
    skill_functions,
)


def entry(
    name: str, description: str = "does a thing", model: str = "replay:reference", **more
) -> SkillEntry:
    fields = {
        "name": name,
        "description": description,
        "env": "gridcraft",
        "task": "collect_wood",
        "subtask": name,
        "success": 1.0,
        "model": model,
        "run": "run-1",
        "source": f"def {name}(api):\n    return True\n\n\ndef done(api):\n    return True\n",
    }
    return SkillEntry(**{**fields, **more})


def test_bm25_ranks_an_exactly_named_skill_first(tmp_path):
    library = SkillLibrary(tmp_path / "skills.jsonl")
    library.add(entry("get_wood", "walk to the tree and chop"))
    library.add(entry("gather_logs", "get wood: get wood, more wood, wood until the tree is gone"))
    library.add(entry("craft_planks", "craft every wood in the inventory into planks"))
    library.add(entry("get_stone", "walk to stone and mine it; get more stone"))
    assert library.search("get_wood", 3)[0].name == "get_wood"
    assert library.search("craft planks from wood", 1)[0].name == "craft_planks"
    assert len(library.search("get_wood", 2)) == 2, "top_k bounds the answer"
    assert library.search("fly to the moon", 3) == [], "no shared word: nothing retrieved"


def test_bm25_prefers_rarer_words_and_shorter_documents():
    scores = bm25_scores("tree", ["tree tree wood", "tree wood wood wood wood wood wood", "stone"])
    assert scores[0] > scores[1] > scores[2] == 0.0


def test_entries_of_another_model_are_left_out_unless_asked_for(tmp_path):
    library = SkillLibrary(tmp_path / "skills.jsonl")
    library.add(entry("get_wood", model="openai:big"))
    library.add(entry("get_stone", model="replay:reference"))
    assert [e.name for e in library.search("get wood stone", 3, model="replay:reference")] == ["get_stone"]
    assert {e.name for e in library.search("get wood stone", 3)} == {"get_wood", "get_stone"}


def test_a_later_entry_of_the_same_name_and_model_replaces_the_earlier(tmp_path):
    library = SkillLibrary(tmp_path / "skills.jsonl")
    library.add(entry("get_wood", success=0.5))
    library.add(entry("get_wood", success=0.9))
    library.add(entry("get_wood", success=0.7, model="other:model"))
    assert sorted((e.model, e.success) for e in library.entries()) == [
        ("other:model", 0.7),
        ("replay:reference", 0.9),
    ]


def test_skill_functions_leave_out_done_the_programs_own_names_and_repeats():
    source = (
        "def get_wood(api):\n    go(api)\n\n\ndef done(api):\n    return False\n\n\n"
        "def go(api):\n    api.chop()\n\n\ndef walk(api):\n    pass\n"
    )
    again = "def go(api):\n    return 'second'\n\n\ndef get_stone(api):\n    go(api)\n"
    text = skill_functions([entry("get_wood", source=source), entry("get_stone", source=again)], ("walk",))
    namespace: dict = {}
    exec(compile(text, "skills", "exec"), namespace)  # plain definitions, nothing runs
    assert set(namespace) - {"__builtins__"} == {"get_wood", "go", "get_stone"}
    assert text.count("def go(api):") == 1 and "'second'" not in text, "the first entry's go is kept"


WRITER = """
import sys
from pathlib import Path
from rlgpt.skill_library import SkillEntry, SkillLibrary

library = SkillLibrary(Path(sys.argv[1]))
for index in range(40):
    name = f"skill_{sys.argv[2]}_{index}"
    source = "def f(api):\\n    pass\\n"
    library.add(SkillEntry(name, "x" * 5000, "gridcraft", "t", name, 1.0, "m:m", "r", source))
"""


def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "gridcraft" / "skills.jsonl"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(w)]) for w in range(3)]
    assert [writer.wait(60) for writer in writers] == [0, 0, 0]
    names = {e.name for e in SkillLibrary(path).entries()}
    assert names == {f"skill_{w}_{i}" for w in range(3) for i in range(40)}


def test_a_damaged_line_is_a_one_line_error_naming_the_fix(tmp_path):
    path = tmp_path / "skills.jsonl"
    path.write_text(json.dumps(entry("get_wood").to_dict()) + "\n{not json\n")
    with pytest.raises(SkillLibraryError, match=r"skills.jsonl:2: not a skill entry; .*rlgpt skills clear"):
        SkillLibrary(path).entries()


def test_the_root_is_the_config_then_the_environment_variable_then_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RLGPT_SKILLS", str(tmp_path / "env"))
    assert default_root(tmp_path / "configured") == tmp_path / "configured"
    assert default_root() == tmp_path / "env"
    monkeypatch.delenv("RLGPT_SKILLS")
    assert default_root() == Path.home() / ".cache" / "rlgpt" / "skills"


def test_the_skills_command_lists_shows_and_clears(tmp_path, capsys):
    root = tmp_path / "skills"
    SkillLibrary.for_env("gridcraft", root).add(entry("get_wood", "chop wood"))
    SkillLibrary.for_env("other", root).add(entry("get_stone", "mine stone", env="other", model="x:y"))
    assert main(["skills", "--path", str(root), "--json"]) == 0
    assert {e["name"] for e in json.loads(capsys.readouterr().out)} == {"get_wood", "get_stone"}
    assert main(["skills", "--path", str(root), "--json", "--model", "x:y"]) == 0
    assert [e["name"] for e in json.loads(capsys.readouterr().out)] == ["get_stone"]
    assert main(["skills", "show", "get_wood", "--path", str(root)]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("get_wood(api): chop wood") and "def get_wood(api):" in shown
    assert main(["skills", "show", "nothing", "--path", str(root)]) == 2
    assert "no skill 'nothing'" in capsys.readouterr().err
    assert main(["skills", "clear", "--env", "gridcraft", "--path", str(root)]) == 0
    assert "removed 1 skills" in capsys.readouterr().out
    assert main(["skills", "--path", str(root), "--json"]) == 0
    assert [e["name"] for e in json.loads(capsys.readouterr().out)] == ["get_stone"]


def test_trial_ids_count_the_library_only_when_it_is_on(monkeypatch):
    monkeypatch.setattr(matrix, "code_version", lambda: "same code")
    data = {"env": "gridcraft", "task": "build_house", "llm": {"backend": "echo"}}

    def trial_hash(**skills) -> str:
        return matrix.config_hash(parse_config({**data, "skills": skills}), uses_agents=True)

    without = matrix.config_hash(parse_config(data), uses_agents=True)
    assert trial_hash(top_k=5) == without, "settings of a library that is off decide nothing"
    assert trial_hash(enabled=True) != without
    assert trial_hash(enabled=True, top_k=5) != trial_hash(enabled=True)


def test_auto_orders_the_tasks_from_easy_to_hard(make_config):
    make_config()  # skips without the gridcraft plugin
    env = PluginSelection().registry().environment("gridcraft")
    assert curriculum_tasks(env, ["auto"]) == ["collect_wood", "make_plank", "build_house"]
    assert curriculum_tasks(env, ["build_house", "collect_wood"]) == ["build_house", "collect_wood"]
    with pytest.raises(ConfigError, match=r"no task 'fly' .*--tasks auto"):
        curriculum_tasks(env, ["fly"])
