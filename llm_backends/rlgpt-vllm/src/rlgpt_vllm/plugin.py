"""Registers the ``vllm`` LLM backend with rlgpt (entry point ``rlgpt: vllm``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rlgpt import LLM, LLMBackendSpec, LLMError, hookimpl

from rlgpt_vllm.engine import VLLMEngineLLM
from rlgpt_vllm.engine_options import EngineOptions
from rlgpt_vllm.remote import VLLMServerLLM
from rlgpt_vllm.server import VLLM_SERVER, VLLMServer, served_models

MODES = ("engine", "server")


def create_llm(
    model: str,
    *,
    mode: str = "engine",
    base_url: str | None = None,
    api_key: str | None = None,
    timeout_s: float = 120.0,
    supports_images: bool = False,
    port: int | None = None,
    server_args: Sequence[str] = (),
    launcher: Sequence[str] = VLLM_SERVER,
    startup_timeout_s: float = 600.0,
    tensor_parallel_size: int | None = None,
    gpu_memory_utilization: float | None = None,
    max_model_len: int | None = None,
    dtype: str | None = None,
    trust_remote_code: bool | None = None,
) -> LLM:
    """Build a vLLM-backed client.

    ``mode="engine"`` loads the model in this process (``vllm.LLM``). ``mode="server"``
    attaches to the vLLM OpenAI-compatible server at ``base_url``, or, without one, launches
    a server (``launcher``, on ``port``) and stops it when the client is closed or the
    interpreter exits. Engine settings left at ``None`` keep vLLM's defaults; they apply to
    the in-process engine and to a launched server, not to one you attach to.
    """
    if mode not in MODES:
        raise ValueError(f"unknown vllm mode {mode!r} (modes: {', '.join(MODES)})")
    engine = EngineOptions(
        tensor_parallel_size=tensor_parallel_size,
        gpu_memory_utilization=gpu_memory_utilization,
        max_model_len=max_model_len,
        dtype=dtype,
        trust_remote_code=trust_remote_code,
    )
    if mode == "engine":
        for_server = {
            "base_url": base_url is not None,
            "api_key": api_key is not None,
            "port": port is not None,
            "server_args": bool(server_args),
            "launcher": tuple(launcher) != VLLM_SERVER,
        }
        misplaced = [name for name, is_set in for_server.items() if is_set]
        if misplaced:
            raise ValueError(
                f'options.{misplaced[0]} needs mode="server" (mode "engine" runs the model in this process)'
            )
        return VLLMEngineLLM(model, engine=engine, supports_images=supports_images)
    if base_url is None:
        server = VLLMServer(
            model,
            port=port,
            engine=engine,
            server_args=server_args,
            launcher=launcher,
            startup_timeout_s=startup_timeout_s,
        )
        server.start()
        return VLLMServerLLM(
            model,
            server.base_url,
            api_key=api_key,
            timeout_s=timeout_s,
            supports_images=supports_images,
            owned_server=server,
        )
    if engine.engine_kwargs():
        raise ValueError(
            f"engine options have no effect on the running server at {base_url}; "
            "set them where that server is started, or drop options.base_url to launch one"
        )
    _check_served(base_url, model)
    return VLLMServerLLM(
        model, base_url, api_key=api_key, timeout_s=timeout_s, supports_images=supports_images
    )


def _check_served(base_url: str, model: str) -> None:
    """Fail early when no server answers at ``base_url`` or it does not serve ``model``."""
    url = base_url.rstrip("/")
    try:
        models = served_models(url)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise LLMError(
            f"no vLLM server answers at {url}/models ({error}); start one (vllm serve MODEL) "
            "or drop options.base_url to launch one"
        ) from error
    if model not in models:
        raise LLMError(
            f"the vLLM server at {url} does not serve {model!r} (serves: {', '.join(models) or 'nothing'}); "
            "use one of those as the model"
        )


@hookimpl
def register_llm_backends(register: Callable[[LLMBackendSpec], None]) -> None:
    """Register the ``vllm`` backend."""
    register(
        LLMBackendSpec(
            name="vllm",
            factory=create_llm,
            description="vLLM: in-process engine (CUDA GPU) or OpenAI-compatible server (attach or launch)",
        )
    )
