"""Where a local model lives: aliases, the models directory, and checks that nothing is downloaded."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from rlgpt import LLMError

MODELS_DIR_ENV = "RLGPT_MODELS_DIR"
DEFAULT_MODELS_DIR = ".local-models"
INSTALL_HINT = "run `make local-models` (python -m rlgpt_transformers.local_models install)"


@dataclass(frozen=True)
class Alias:
    """A short model name and the file or directory it stands for under the models directory.

    :param name: the alias (``qwen2.5-coder-0.5b``).
    :param relpath: path relative to the models directory (a ``.gguf`` file or a model directory).
    :param installable: true when ``rlgpt_transformers.local_models install`` provides it.
    :param upstream: the Hugging Face repository the weights come from (for error messages).
    """

    name: str
    relpath: str
    installable: bool
    upstream: str


ALIASES: dict[str, Alias] = {
    alias.name: alias
    for alias in (
        Alias("smollm2-135m", "SmolLM2-135M-Instruct.Q4_1.gguf", True, "HuggingFaceTB/SmolLM2-135M-Instruct"),
        Alias(
            "qwen2.5-coder-0.5b",
            "qwen2.5-coder-0.5b-instruct.gguf",
            True,
            "Qwen/Qwen2.5-Coder-0.5B-Instruct",
        ),
        Alias(
            "qwen2.5-coder-1.5b",
            "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            True,
            "Qwen/Qwen2.5-Coder-1.5B-Instruct",
        ),
        Alias("vicuna-7b", "vicuna-7b-v1.5", False, "lmsys/vicuna-7b-v1.5"),
        Alias("vicuna-13b", "vicuna-13b-v1.5", False, "lmsys/vicuna-13b-v1.5"),
    )
}


@dataclass(frozen=True)
class ModelSource:
    """What ``from_pretrained`` loads: a directory, plus a GGUF file name inside it when loading GGUF."""

    directory: Path
    gguf_file: str | None = None

    @property
    def label(self) -> str:
        """The path shown in messages and used as the model id."""
        return str(self.directory / self.gguf_file) if self.gguf_file else str(self.directory)


def models_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The local models directory: ``override``, else ``$RLGPT_MODELS_DIR``, else ``.local-models``."""
    return Path(override or os.environ.get(MODELS_DIR_ENV) or DEFAULT_MODELS_DIR)


def resolve_source(model: str, directory: str | os.PathLike[str] | None = None) -> ModelSource:
    """Find ``model`` (an alias, a model directory or a ``.gguf`` file) on disk; LLMError when absent."""
    alias = ALIASES.get(model)
    path = models_dir(directory) / alias.relpath if alias else Path(model).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return ModelSource(path.parent, path.name)
    if path.is_dir() and (path / "config.json").is_file():
        return ModelSource(path)
    if alias:
        fix = INSTALL_HINT if alias.installable else f"put a copy of {alias.upstream} there"
        raise LLMError(f"local model {model!r} is missing at {path}: {fix}, or set {MODELS_DIR_ENV}")
    if path.exists():
        raise LLMError(
            f"{path} is neither a .gguf file nor a model directory with config.json: "
            "pass a Hugging Face model directory or a GGUF file"
        )
    close = [] if "/" in model else difflib.get_close_matches(model, ALIASES, n=1)
    if close:
        raise LLMError(
            f"unknown local model {model!r} (aliases: {', '.join(ALIASES)}) - did you mean {close[0]!r}?"
        )
    raise LLMError(
        f"{model!r} is not a local path and rlgpt never downloads models: download it yourself "
        f"(e.g. `hf download {model} --local-dir DIR`) and pass DIR, or use an alias ({', '.join(ALIASES)})"
    )
