"""vLLM engine settings, as ``vllm.LLM`` keywords or as the server's command-line flags."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class EngineOptions:
    """Engine settings a run may choose; ``None`` keeps vLLM's own default.

    :param tensor_parallel_size: GPUs to shard the model over.
    :param gpu_memory_utilization: fraction of GPU memory vLLM may take.
    :param max_model_len: context length (prompt plus answer).
    :param dtype: weight dtype (``auto``, ``bfloat16``, ``float16``).
    :param trust_remote_code: allow the model repository's own Python code.
    """

    tensor_parallel_size: int | None = None
    gpu_memory_utilization: float | None = None
    max_model_len: int | None = None
    dtype: str | None = None
    trust_remote_code: bool | None = None

    def __post_init__(self) -> None:
        if self.tensor_parallel_size is not None and self.tensor_parallel_size < 1:
            raise ValueError(f"options.tensor_parallel_size must be >= 1, got {self.tensor_parallel_size}")
        if self.gpu_memory_utilization is not None and not 0 < self.gpu_memory_utilization <= 1:
            raise ValueError(
                f"options.gpu_memory_utilization must be in (0, 1], got {self.gpu_memory_utilization}"
            )
        if self.max_model_len is not None and self.max_model_len < 1:
            raise ValueError(f"options.max_model_len must be >= 1, got {self.max_model_len}")

    def engine_kwargs(self) -> dict[str, Any]:
        """Keywords for ``vllm.LLM``: the settings that were chosen."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def cli_args(self) -> list[str]:
        """The same settings as flags of vLLM's server (``trust_remote_code=True`` is a bare flag)."""
        args: list[str] = []
        for name, value in self.engine_kwargs().items():
            flag = "--" + name.replace("_", "-")
            if isinstance(value, bool):
                args += [flag] if value else []
            else:
                args += [flag, str(value)]
        return args
