"""The skill library in the loop, on gridcraft with replayed answers: a run saves the programs its
evaluation verified (and not the others), a run on another task is shown them and may call them,
entries of another model stay out unless shared, and ``rlgpt curriculum`` runs tasks in order."""

from __future__ import annotations

import json

from rlgpt.cli import main
from rlgpt.loop import Loop
from rlgpt.skill_library import SkillEntry, SkillLibrary

WALK_AND_CHOP = (
    "def get_wood(api):\n"
    "    while not api.next_to_tree() and not api.episode_over:\n"
    "        dx, dy = api.tree_offset()\n"
    "        if abs(dx) > 1 or (abs(dx) == 1 and dy != 0):\n"
    "            api.move('right' if dx > 0 else 'left')\n"
    "        else:\n"
    "            api.move('down' if dy > 0 else 'up')\n"
    "    api.chop()\n"
    "    return True\n\n\n"
    "def done(api):\n"
    "    return api.inventory()['wood'] >= 1\n"
)
NEVER_DONE = "def build(api):\n    api.move('left')\n    return False\n\n\ndef done(api):\n    return False\n"
CALLS_THE_SKILL = (
    "def make_plank(api):\n    get_wood(api)\n    api.craft_plank()\n    return True\n\n\n"
    "def done(api):\n    return api.inventory()['plank'] >= 1\n"
)
FIRST_PLAN = {
    "subtasks": [
        {
            "name": "get_wood",
            "description": "Walk to the tree, chop wood.",
            "method": "code",
            "done_condition": "1 wood",
        },
        {"name": "build", "description": "Build a house.", "method": "code", "done_condition": "a house"},
    ]
}
SECOND_PLAN = {
    "subtasks": [
        {
            "name": "make_plank",
            "description": "Chop wood, craft a plank.",
            "method": "code",
            "done_condition": "1 plank",
        }
    ]
}
CRITIQUE = {"planner_feedback": "fine", "coder_feedback": "", "replan": False}


def fenced(source: str) -> str:
    return f"```python\n{source}```"


def transcript_entries() -> list[dict]:
    """Answers for both tasks: the first run's plan and programs, then the second's."""
    return [
        {"match": {"role": "planner", "task": "build_house"}, "response": json.dumps(FIRST_PLAN)},
        {"match": {"role": "planner", "task": "make_plank"}, "response": json.dumps(SECOND_PLAN)},
        {"match": {"role": "critic"}, "response": json.dumps(CRITIQUE)},
        {"match": {"role": "coder", "subtask": "get_wood"}, "response": fenced(WALK_AND_CHOP)},
        {"match": {"role": "coder", "subtask": "build"}, "response": fenced(NEVER_DONE)},
        {"match": {"role": "coder", "subtask": "make_plank"}, "response": fenced(CALLS_THE_SKILL)},
    ]


def run(make_config, transcript, tmp_path, task: str, **skills) -> Loop:
    config = make_config(
        task=task,
        method="pure-code",
        transcript=transcript,
        max_fixes=0,
        evaluation={"episodes": 2},
        code={"macro_step_budget": 20},
        skills={"enabled": True, "path": str(tmp_path / "skills"), **skills},
    )
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    return loop


def coder_request(loop: Loop, subtask: str) -> str:
    """The text of the first coder request for ``subtask``, as sent."""
    calls = [
        e
        for e in loop.run_dir.read_events()
        if e["kind"] == "llm_call" and e["tags"].get("subtask") == subtask
    ]
    request = json.loads((loop.run_dir.path / calls[0]["file"]).read_text())
    return "\n".join(message["content"] for message in request["messages"])


def test_verified_programs_are_saved_and_a_later_task_calls_them(make_config, write_transcript, tmp_path):
    transcript = write_transcript(transcript_entries())
    first = run(make_config, transcript, tmp_path, "build_house")

    library = SkillLibrary.for_env("gridcraft", tmp_path / "skills")
    saved = library.entries()
    assert [e.name for e in saved] == ["get_wood"], "build never reached its done condition: not saved"
    entry = saved[0]
    assert (entry.task, entry.subtask, entry.success) == ("build_house", "get_wood", 1.0)
    assert entry.model == "replay:reference" and entry.run == first.run_dir.path.name
    assert "def get_wood(api):" in entry.source and entry.description.startswith("Walk to the tree")
    copied = [json.loads(line) for line in (first.run_dir.path / "skills.jsonl").read_text().splitlines()]
    assert [(c["use"], c["name"]) for c in copied] == [("added", "get_wood")]

    second = run(make_config, transcript, tmp_path, "make_plank")
    asked = coder_request(second, "make_plank")
    assert (
        "- get_wood(api): Walk to the tree, chop wood. Done when: 1 wood. (success 1.00 on task build_house)"
        in asked
    )
    events = second.run_dir.read_events()
    assert not [e for e in events if e["kind"] == "code_rejected"], (
        "the call of the saved function is accepted"
    )
    record = next(e for e in events if e["kind"] == "iteration_end")["record"]
    assert record["subtask_success"]["make_plank"] == 1.0 and record["successes"] == 2
    program = (second.run_dir.path / "code/iter-0/make_plank.py").read_text()
    assert program.startswith("def make_plank(api):"), "the program's lines stay as the coder wrote them"
    assert "def get_wood(api):" in program
    assert program.count("def done(api):") == 1, "the skill's own done condition is left out"
    planned = next(e for e in events if e["kind"] == "llm_call" and e["tags"]["role"] == "planner")
    planner_request = (second.run_dir.path / planned["file"]).read_text()
    assert "Skills from earlier tasks" in planner_request and "get_wood(api)" in planner_request
    retrieved = [e for e in events if e["kind"] == "skills_retrieved"]
    assert {e["purpose"] for e in retrieved} == {"plan", "make_plank"}
    assert [e.name for e in library.entries()] == ["get_wood", "make_plank"]


def test_entries_of_another_model_are_not_retrieved_unless_shared(make_config, write_transcript, tmp_path):
    transcript = write_transcript(transcript_entries())
    library = SkillLibrary.for_env("gridcraft", tmp_path / "skills")
    description = "Walk to the tree, chop wood. Done when: 1 wood."
    fields = ("gridcraft", "build_house", "get_wood", 1.0, "openai:other", "run-0", WALK_AND_CHOP)
    library.add(SkillEntry("get_wood", description, *fields))

    alone = run(make_config, transcript, tmp_path, "make_plank", top_k=1)
    assert "get_wood(api)" not in coder_request(alone, "make_plank")
    assert not (alone.run_dir.path / "skills.jsonl").exists(), "nothing retrieved, nothing verified"

    shared = run(make_config, transcript, tmp_path, "make_plank", share_across_models=True)
    assert "- get_wood(api): Walk to the tree" in coder_request(shared, "make_plank")
    assert not [e for e in shared.run_dir.read_events() if e["kind"] == "code_rejected"]


def test_without_the_library_prompts_show_no_skills(make_config, write_transcript, tmp_path):
    transcript = write_transcript(transcript_entries())
    run(make_config, transcript, tmp_path, "build_house")
    config = make_config(
        task="make_plank", method="pure-code", transcript=transcript, max_fixes=0, evaluation={"episodes": 1}
    )
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    assert "Skills from earlier tasks" not in coder_request(loop, "make_plank")
    assert not (loop.run_dir.path / "skills.jsonl").exists()


def test_curriculum_runs_the_tasks_in_order_and_the_library_grows(
    write_transcript, tmp_path, capsys, make_config
):
    make_config()  # skips without the gridcraft and PPO plugins
    transcript = write_transcript(transcript_entries())
    config = tmp_path / "run.toml"
    config.write_text(
        f"""env = "gridcraft"
task = "collect_wood"
method = "pure-code"
runs_dir = "{tmp_path / "runs"}"
max_iterations = 1
max_fixes = 0
[llm]
backend = "replay"
options = {{ transcript = "{transcript}" }}
[evaluation]
episodes = 2
[code]
macro_step_budget = 20
dry_run_timeout_s = 10
[skills]
path = "{tmp_path / "skills"}"
"""
    )
    assert main(["curriculum", str(config), "--tasks", "build_house,make_plank"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[")]
    assert lines[0].startswith("[1/2] build_house:") and "skills added 1, used 0" in lines[0]
    assert lines[1].startswith("[2/2] make_plank: target_reached") and "skills added 1, used 1" in lines[1]
    assert main(["curriculum", str(config), "--tasks", "make_plank,fly"]) == 2
    assert "no task 'fly'" in capsys.readouterr().err


def test_a_program_whose_done_condition_held_before_it_acted_is_not_saved(
    make_config, write_transcript, tmp_path
):
    always_done = "def get_wood(api):\n    api.move('left')\n    return True\n\n\n"
    always_done += "def done(api):\n    return True\n"
    entries = [e for e in transcript_entries() if e["match"].get("subtask") != "get_wood"]
    entries.append({"match": {"role": "coder", "subtask": "get_wood"}, "response": fenced(always_done)})
    loop = run(make_config, write_transcript(entries), tmp_path, "build_house")
    assert SkillLibrary.for_env("gridcraft", tmp_path / "skills").entries() == []
    record = next(e for e in loop.run_dir.read_events() if e["kind"] == "iteration_end")["record"]
    assert record["subtask_success"]["get_wood"] == 1.0, "reached, but before acting"
    assert "already held when it began in 2 of them" in record["summary"]
