"""Structured output on OpenAI-compatible servers: detecting what a server enforces and using it.

Most tests run against :class:`LlamaCppPythonServer`, a loopback server that treats requests as
llama-cpp-python's server does; the last one runs the real server when it is installed.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jsonschema
import pytest
from llama_cpp_mimic import Grammar, LlamaCppPythonServer
from rlgpt import LLMError, Message, Request, SamplingParams, TransientLLMError
from rlgpt.llm import JsonSchema, PythonBlock, RetryingLLM, build_llm
from rlgpt.testing import critique_schema, plan_schema
from rlgpt_openai import OpenAILLM, structured
from rlgpt_openai.gbnf import json_schema_grammar
from rlgpt_openai.plugin import register_llm_backends

PLAN = plan_schema(["noop", "do"])
CODE = PythonBlock(("act",), modules=("math",))
MESSAGES = (Message("system", "You plan."), Message("user", "Collect wood."))
GOOD_PLAN = {
    "rationale": "wood first",
    "subtasks": [
        {
            "name": "collect_wood",
            "description": "chop a tree",
            "method": "code",
            "done_condition": "wood >= 1",
            "max_steps": None,
        },
        {
            "name": "fight",
            "description": "learn to fight",
            "method": "rl",
            "done_condition": "zombie gone",
            "coded_actions": [{"name": "face_zombie", "description": "turn to it"}],
            "primitives": ["do"],
            "max_steps": 200,
        },
    ],
}
MODELS_DIR = Path(os.environ.get("RLGPT_MODELS_DIR") or Path(__file__).resolve().parents[3] / ".local-models")


@pytest.fixture(autouse=True)
def nothing_detected_yet(monkeypatch):
    """Each test starts with no server probed (a later test's server may get a freed port again)."""
    monkeypatch.setattr(structured, "_DETECTED", {})


@pytest.fixture
def llama() -> LlamaCppPythonServer:
    with LlamaCppPythonServer() as server:
        yield server


def client(server, **options) -> OpenAILLM:
    return OpenAILLM("smollm2-135m", base_url=server.base_url, **options)


def asked(server) -> list[dict]:
    return [r.json for r in server.requests if r.path.endswith("/chat/completions")]


def test_auto_finds_json_object_and_grammars_on_llama_cpp_python(llama):
    llm = client(llama)
    llama.wants = ["Hello!", "Hello!", json.dumps(GOOD_PLAN)]  # two probes reach the model

    answer = llm.complete(Request(MESSAGES, output=PLAN))

    probes, sent = asked(llama)[:3], asked(llama)[3]
    assert probes[0]["response_format"]["type"] == "json_schema"  # refused: HTTP 500
    assert probes[1]["response_format"]["type"] == "json_object"
    assert "grammar" in probes[2]
    assert sent["response_format"] == {"type": "json_object", "schema": PLAN.schema}
    assert "grammar" not in sent
    assert json.loads(answer.text) == GOOD_PLAN and answer.constraint == "json_object"
    assert llm.output_kinds == {"json_schema", "python_block"}


def test_detection_is_kept_per_server_and_code_goes_as_a_grammar(llama):
    client(llama).complete(Request(MESSAGES, output=PLAN))
    probes = len(asked(llama)) - 1
    llama.wants = ["Sure! Here is the code: def act(env): pass"]  # not a fenced block

    answer = client(llama).complete(Request(MESSAGES, output=CODE))

    assert len(asked(llama)) == probes + 2, "the second client probes nothing"
    assert asked(llama)[-1]["grammar"] == CODE.grammar()
    assert "response_format" not in asked(llama)[-1]
    assert answer.constraint == "grammar"
    assert re.fullmatch(CODE.pattern(), answer.text), "the grammar holds the answer to the block's language"


def test_a_refused_response_format_is_one_line_naming_the_option_and_not_retried(llama):
    sleeps: list[float] = []
    llm = RetryingLLM(client(llama, structured_output="json_schema"), sleep=sleeps.append)

    with pytest.raises(LLMError) as caught:
        llm.complete(Request(MESSAGES, output=PLAN))

    message = str(caught.value)
    assert not isinstance(caught.value.__cause__, TransientLLMError)
    assert "\n" not in message and 'options.structured_output = "auto"' in message
    assert "refuses response_format 'json_schema'" in message and "500" in message
    assert len(asked(llama)) == 1 and sleeps == []


@pytest.mark.parametrize(
    ("output", "good"),
    [
        (PLAN, GOOD_PLAN),
        (
            critique_schema(["a", "b"]),
            {"verdicts": [], "planner_feedback": "", "coder_feedback": "", "replan": True},
        ),
    ],
)
def test_a_forced_grammar_holds_json_answers_to_the_schema(llama, output, good):
    llm = client(llama, structured_output="grammar")
    llama.wants = [json.dumps(good, separators=(",", ":")), "I think the plan is fine."]

    kept = llm.complete(Request(MESSAGES, output=output))
    forced = llm.complete(Request(MESSAGES, output=output))

    assert json.loads(kept.text) == good, "a valid answer is in the grammar's language"
    jsonschema.validate(json.loads(forced.text), output.schema)  # the grammar allows nothing else
    assert kept.constraint == forced.constraint == "grammar"
    assert all("response_format" not in body for body in asked(llama))


def test_the_schema_grammar_refuses_what_the_schema_refuses():
    language = Grammar.parse(json_schema_grammar(PLAN.schema)).regex()
    assert re.fullmatch(language, json.dumps(GOOD_PLAN, separators=(",", ":")))
    assert re.fullmatch(language, json.dumps(GOOD_PLAN)), "single spaces between tokens"
    for broken in (
        {**GOOD_PLAN, "subtasks": []},  # minItems 1
        {**GOOD_PLAN, "subtasks": [{**GOOD_PLAN["subtasks"][0], "name": "2wood"}]},  # identifier pattern
        {**GOOD_PLAN, "subtasks": [{**GOOD_PLAN["subtasks"][1], "primitives": ["jump"]}]},  # enum
        {"subtasks": GOOD_PLAN["subtasks"], "rationale": ""},  # property order
    ):
        assert not re.fullmatch(language, json.dumps(broken, separators=(",", ":"))), broken


def test_a_server_that_ignores_every_field_is_asked_without_constraints(server):
    llm = OpenAILLM("local", base_url=server.base_url)

    answer = llm.complete(Request(MESSAGES, output=PLAN))

    assert len(server.requests) == 4  # three probes answered with free text, then the request
    assert "response_format" not in server.requests[-1].json and "grammar" not in server.requests[-1].json
    assert answer.constraint is None and llm.output_kinds == frozenset()


def test_a_probe_that_meets_a_busy_server_is_transient_and_probes_again_later(server):
    server.reply(status=503, json={"error": {"message": "loading model"}})
    llm = OpenAILLM("local", base_url=server.base_url, structured_output="auto")
    with pytest.raises(TransientLLMError):
        llm.complete(Request(MESSAGES, output=PLAN))
    llm.complete(Request(MESSAGES, output=PLAN))
    assert len(server.requests) == 5, "the failed probe, then a full detection and the request"


def test_unconstrained_requests_never_probe(llama):
    llm = client(llama)
    llm.complete(Request(MESSAGES))
    assert len(asked(llama)) == 1 and llm.complete(Request(MESSAGES)).constraint is None


def test_openai_itself_is_known_without_probing(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    llm = OpenAILLM("gpt-4o-mini")
    assert llm.output_kinds == {"json_schema"} and llm.timeout_s == 60


@pytest.mark.parametrize(
    ("base_url", "timeout_s"),
    [
        ("http://127.0.0.1:8080/v1", 600),
        ("http://localhost:8080/v1", 600),
        ("http://192.168.1.20:8000/v1", 600),
        ("http://[::1]:8000/v1", 600),
        ("https://models.example.com/v1", 60),
    ],
)
def test_servers_on_this_machine_or_a_private_network_get_a_cpu_sized_timeout(base_url, timeout_s):
    assert OpenAILLM("m", base_url=base_url).timeout_s == timeout_s
    assert OpenAILLM("m", base_url=base_url, timeout_s=5).timeout_s == 5


@pytest.mark.parametrize(("value", "mode"), [(True, "json_schema"), (False, "none")])
def test_true_and_false_still_work_but_are_deprecated(server, value, mode):
    with pytest.warns(DeprecationWarning, match=f'write "{mode}"'):
        llm = OpenAILLM("local", base_url=server.base_url, structured_output=value)
    assert llm.structured_output == mode
    llm.complete(Request(MESSAGES, output=PLAN))
    assert len(server.requests) == 1 and ("response_format" in server.requests[0].json) is value


def test_an_unknown_mode_names_the_choices(server):
    with pytest.raises(ValueError, match="'auto', 'json_schema', 'json_object', 'grammar', 'none'"):
        OpenAILLM("local", base_url=server.base_url, structured_output="strict")


VERDICT = {
    "type": "object",
    "properties": {
        "verdict": {"type": "string", "enum": ["ok", "replan"]},
        "reason": {"type": "string", "maxLength": 40},
    },
    "required": ["verdict", "reason"],
    "additionalProperties": False,
}
"""A schema a 135M model finishes within its token budget."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _llama_cpp_server_importable() -> bool:
    try:
        importlib.import_module("llama_cpp.server.app")  # also needs fastapi, uvicorn, sse-starlette
    except ImportError:
        return False
    return True


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)


@pytest.mark.local_models
def test_the_real_llama_cpp_python_server(tmp_path):
    if not _llama_cpp_server_importable():
        pytest.skip("llama_cpp.server is not importable: pip install 'llama-cpp-python[server]'")
    gguf = MODELS_DIR / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not gguf.is_file():
        pytest.skip(f"needs {gguf}: run `make local-models`")
    port, log = _free_port(), tmp_path / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "smollm2"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/v1/models", process, log)
        base_url = f"http://127.0.0.1:{port}/v1"
        params = SamplingParams(max_tokens=200)
        small = JsonSchema("verdict", VERDICT)
        verdict = OpenAILLM("smollm2", base_url=base_url).complete(Request(MESSAGES, params, output=small))
        assert verdict.constraint == "json_object"
        jsonschema.validate(json.loads(verdict.text, strict=False), VERDICT)  # the agents read it so too
        write_act = (Message("user", "Write def act(env) returning env.step(0)."),)
        code = OpenAILLM("smollm2", base_url=base_url).complete(Request(write_act, params, output=CODE))
        assert code.constraint == "grammar" and re.fullmatch(CODE.pattern(), code.text), code.text
        with pytest.raises(LLMError, match="structured_output"):
            OpenAILLM("smollm2", base_url=base_url, structured_output="json_schema").complete(
                Request(MESSAGES, params, output=small)
            )
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_other_errors_of_a_constrained_request_keep_their_own_message(server):
    too_long = {"error": {"message": "This model's maximum context length is 2048 tokens", "type": "x"}}
    server.reply(status=400, json=too_long)
    llm = OpenAILLM("local", base_url=server.base_url, structured_output="json_object")
    with pytest.raises(LLMError, match="maximum context length") as caught:
        llm.complete(Request(MESSAGES, output=PLAN))
    assert "structured_output" not in str(caught.value)


@pytest.mark.parametrize(("least", "most"), [(0, None), (0, 0), (0, 1), (1, 1), (1, None), (2, 3), (3, None)])
def test_array_bounds_become_repetitions(least, most):
    schema = {"type": "array", "items": {"type": "boolean"}, "minItems": least}
    if most is not None:
        schema["maxItems"] = most
    language = Grammar.parse(json_schema_grammar(schema)).regex()
    for count in range(6):
        allowed = least <= count and (most is None or count <= most)
        assert bool(re.fullmatch(language, json.dumps([True] * count))) is allowed, count


def test_a_cached_answer_keeps_its_constraint_and_asks_nothing(llama, tmp_path):
    specs = []
    register_llm_backends(specs.append)
    options = {"base_url": llama.base_url}
    llama.wants = ["Hello!", "Hello!", '{"verdict": "ok", "reason": "fine"}']
    request = Request(MESSAGES, output=JsonSchema("verdict", VERDICT))

    first = build_llm(specs[0], "smollm2", options, cache_path=tmp_path / "llm.sqlite").complete(request)
    asked_before = len(llama.requests)
    again = build_llm(specs[0], "smollm2", options, cache_path=tmp_path / "llm.sqlite").complete(request)

    assert (first.cached, again.cached) == (False, True)
    assert first.constraint == again.constraint == "json_object"
    assert len(llama.requests) == asked_before, "no probe and no request for a cached answer"


@pytest.mark.parametrize(
    "grammar",
    [
        json_schema_grammar(PLAN.schema),
        json_schema_grammar(critique_schema(["a", "b"]).schema),
        json_schema_grammar(structured.PROBE_SCHEMA.schema),
        json_schema_grammar({"type": "object", "additionalProperties": {"type": "string"}}),
        json_schema_grammar({"type": "array", "items": {}, "minItems": 2}),
        CODE.grammar(),
    ],
    ids=["plan", "critique", "probe", "string-map", "any-values", "python-block"],
)
def test_the_grammars_sent_parse_as_gbnf_elsewhere_too(grammar):
    """llguidance's GBNF reader, which follows llama.cpp's grammar format, reads every grammar sent."""
    llguidance = pytest.importorskip("llguidance", reason="llguidance is the transformers backend's extra")
    from llguidance.gbnf_to_lark import gbnf_to_lark

    compiled = llguidance.LLMatcher.grammar_from_lark(gbnf_to_lark(grammar))
    assert llguidance.LLMatcher.validate_grammar(compiled) == ""
