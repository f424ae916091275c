"""The ``llama-cpp`` backend: grammars for structured output, and the real library on SmolLM2-135M.

The grammar text is checked everywhere; the tests that run llama.cpp need ``llama-cpp-python``
(``make local-models`` compiles it) and the SmolLM2 GGUF of ``make local-models``, and are skipped
with that reason when either is missing.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from rlgpt import LLM, Critique, LLMError, Message, Request, SamplingParams
from rlgpt.llm import CachedLLM, JsonSchema, PythonBlock
from rlgpt.testing import LLMBackendContract, critique_schema, plan_schema
from rlgpt_transformers import LlamaCppLLM
from rlgpt_transformers.bounds import MAX_STRING_CHARS, bounded_schema

REPO = Path(__file__).resolve().parents[3]
MODELS = Path(os.environ.get("RLGPT_MODELS_DIR") or REPO / ".local-models")
SMOLLM2 = MODELS / "SmolLM2-135M-Instruct.Q4_1.gguf"


def _llama_cpp_installed() -> bool:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


needs_llama = pytest.mark.skipif(
    not (_llama_cpp_installed() and SMOLLM2.is_file()),
    reason="needs llama-cpp-python and the SmolLM2 GGUF: run `make local-models`",
)


def test_python_block_grammar_names_every_function_in_order() -> None:
    grammar = PythonBlock(("act", "done"), modules=("math", "random")).grammar()
    root = 'root ::= "```python\\n" head* "def act(" line other* "def done(" line other* "```"'
    assert grammar.startswith(root)
    assert 'module ::= "math" | "random"' in grammar
    assert "module" not in PythonBlock(("act",)).grammar(), "no modules: no import lines"


def test_the_python_block_grammar_compiles_and_accepts_docstring_backticks() -> None:
    if not _llama_cpp_installed():
        pytest.skip("needs llama-cpp-python: run `make local-models`")
    from llama_cpp import LlamaGrammar

    LlamaGrammar.from_string(PythonBlock(("act",), modules=("math",)).grammar(), verbose=False)


def test_free_text_strings_get_a_length_bound_and_identifiers_keep_theirs() -> None:
    schema = bounded_schema(plan_schema(["noop"]).schema)
    assert schema["properties"]["rationale"]["maxLength"] == MAX_STRING_CHARS
    code_subtask = schema["properties"]["subtasks"]["items"]["anyOf"][0]["properties"]
    assert code_subtask["description"]["maxLength"] == MAX_STRING_CHARS
    assert "maxLength" not in code_subtask["name"]  # a pattern bounds it already
    assert "maxLength" not in code_subtask["method"]  # an enum
    untouched = plan_schema(["noop"]).schema["properties"]["rationale"]
    assert "maxLength" not in untouched  # the caller's schema is not changed


def test_a_model_directory_is_refused_with_the_fix(tmp_path: Path) -> None:
    if not _llama_cpp_installed():
        pytest.skip("needs llama-cpp-python: run `make local-models`")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(LLMError, match=r"llama\.cpp loads \.gguf files"):
        LlamaCppLLM(str(tmp_path))


@needs_llama
class TestLlamaCppContract(LLMBackendContract):
    """Every contract test against SmolLM2-135M on llama.cpp."""

    backend_name = "llama-cpp"

    @pytest.fixture
    def llm(self) -> LLM:
        """The backend on the SmolLM2 GGUF."""
        return LlamaCppLLM(str(SMOLLM2), context=2048)


@pytest.fixture(scope="module")
def smollm2() -> LlamaCppLLM:
    if not (_llama_cpp_installed() and SMOLLM2.is_file()):
        pytest.skip("needs llama-cpp-python and the SmolLM2 GGUF: run `make local-models`")
    llm = LlamaCppLLM(str(SMOLLM2), context=4096)
    yield llm
    llm.close()


def test_a_constrained_plan_is_json_of_the_schema(smollm2: LlamaCppLLM) -> None:
    """A 135M model that cannot plan still writes the planner's schema (each string cut at its bound)."""
    request = Request(
        (Message("user", "Plan how to collect wood in Crafter. Answer with JSON."),),
        SamplingParams(max_tokens=600),
        output=plan_schema(["noop", "do", "move_left"]),
    )
    text = smollm2.complete(request).text
    rationale = re.match(r'\{\s*"rationale"\s*:\s*("(?:[^"\\]|\\.)*")\s*,\s*"subtasks"\s*:\s*\[', text)
    assert rationale, text
    assert len(json.loads(rationale.group(1))) <= MAX_STRING_CHARS


def test_a_bounded_schema_forces_the_answer_to_end(smollm2: LlamaCppLLM) -> None:
    """With every string bounded, the critic's answer ends well within max_tokens and parses."""
    request = Request(
        (Message("user", "Judge the sub-task collect_wood: it failed 9 of 10 episodes. Answer with JSON."),),
        SamplingParams(max_tokens=1500),
        output=critique_schema(["collect_wood"]),
    )
    completion = smollm2.complete(request)
    critique = Critique.model_validate(json.loads(completion.text))
    assert completion.usage.completion_tokens < 1500
    assert all(len(v.reason) <= MAX_STRING_CHARS for v in critique.verdicts)


def test_a_constrained_answer_is_one_python_block(smollm2: LlamaCppLLM) -> None:
    request = Request(
        (Message("user", "Write a Python function act(env) that returns env.step(0)."),),
        SamplingParams(max_tokens=200),
        output=PythonBlock(("act",), modules=("math",)),
    )
    completion = smollm2.complete(request)
    assert re.fullmatch(PythonBlock(("act",), modules=("math",)).pattern(), completion.text), completion.text
    assert completion.constraint == "grammar"


def test_unconstrained_client_ignores_the_output_format() -> None:
    if not (_llama_cpp_installed() and SMOLLM2.is_file()):
        pytest.skip("needs llama-cpp-python and the SmolLM2 GGUF: run `make local-models`")
    llm = LlamaCppLLM(str(SMOLLM2), context=1024, constrained=False)
    try:
        assert llm.output_kinds == frozenset()
        empty = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
        schema = JsonSchema("x", empty)
        request = Request((Message("user", "Say hi."),), SamplingParams(max_tokens=8), output=schema)
        answer = llm.complete(request)
        assert isinstance(answer.text, str) and answer.constraint is None
    finally:
        llm.close()


def test_a_repetition_penalty_is_validated() -> None:
    with pytest.raises(ValueError, match="repeat_penalty must be positive"):
        LlamaCppLLM(str(SMOLLM2), repeat_penalty=0)


def test_a_repetition_penalty_reaches_llama_cpp_and_keeps_its_answers_apart(
    smollm2: LlamaCppLLM, tmp_path: Path
) -> None:
    penalised = LlamaCppLLM(str(SMOLLM2), context=1024, repeat_penalty=1.3)
    try:
        assert smollm2.answer_identity == {} and penalised.answer_identity == {"repeat_penalty": 1.3}
        request = Request((Message("user", "Say one word."),), SamplingParams(max_tokens=8))
        assert penalised._options(request)["repeat_penalty"] == 1.3
        cache = tmp_path / "llm.sqlite"
        assert not CachedLLM(smollm2, cache).complete(request).cached
        assert not CachedLLM(penalised, cache).complete(request).cached, "not the unpenalised answer"
        assert CachedLLM(penalised, cache).complete(request).cached
    finally:
        penalised.close()


def test_a_prompt_longer_than_the_context_is_a_clear_error(smollm2: LlamaCppLLM) -> None:
    long = "word " * 5000
    with pytest.raises(LLMError, match=r"llama\.cpp refused the request"):
        smollm2.complete(Request((Message("user", long),), SamplingParams(max_tokens=8)))
