"""``VLLMEngineLLM``: a model loaded in this process by ``vllm.LLM``."""

from __future__ import annotations

import gc
import time
from types import ModuleType

from rlgpt import Completion, LLMError, Request, Usage
from rlgpt.llm import one_line, to_chat_messages

from rlgpt_vllm.chat import OUTPUT_KINDS, check_images, sampling_kwargs, structured_outputs
from rlgpt_vllm.engine_options import EngineOptions

NOT_INSTALLED = 'vllm is not installed; pip install vllm (needs a CUDA GPU) or use mode="server"'


def import_vllm() -> ModuleType:
    """The ``vllm`` module, or an :class:`LLMError` saying how to get it."""
    try:
        import vllm
    except ImportError as error:
        raise LLMError(NOT_INSTALLED) from error
    return vllm


class VLLMEngineLLM:
    """A chat model run in-process by vLLM; the model's chat template formats the conversation.

    :param model: a Hugging Face model id or a local model folder.
    :param engine: engine settings (GPUs, memory, context length, dtype).
    :param supports_images: true for a vision-language model (images go in as ``image_url`` parts).
    """

    backend = "vllm"

    def __init__(
        self, model: str, *, engine: EngineOptions | None = None, supports_images: bool = False
    ) -> None:
        vllm = import_vllm()
        self.model = model
        self.supports_images = supports_images
        self._sampling_params = vllm.SamplingParams
        # vLLM >= 0.10.2 names its constraints StructuredOutputsParams; older versions cannot be asked here.
        self._structured_outputs = getattr(vllm.sampling_params, "StructuredOutputsParams", None)
        self.output_kinds = OUTPUT_KINDS if self._structured_outputs else frozenset()
        try:
            self._engine = vllm.LLM(model=model, **(engine or EngineOptions()).engine_kwargs())
        except (OSError, ValueError, RuntimeError) as error:
            raise LLMError(
                f"vLLM could not load {model!r}: {one_line(error)}; "
                "check the model id or path and options.gpu_memory_utilization / options.max_model_len"
            ) from error

    def close(self) -> None:
        """Drop the engine, so its GPU memory is freed; a closed client answers nothing."""
        self._engine = None
        gc.collect()

    def complete(self, request: Request) -> Completion:
        """Generate one answer with the model's chat template applied by ``vllm.LLM.chat``."""
        if self._engine is None:
            raise LLMError(f"the vLLM engine for {self.model!r} is closed; build a new one")
        check_images(request.messages, self.model, self.supports_images)
        kwargs = sampling_kwargs(request.params)
        constraint = structured_outputs(request.output)
        if constraint and self._structured_outputs:
            kwargs["structured_outputs"] = self._structured_outputs(**constraint)
        params = self._sampling_params(**kwargs)
        start = time.perf_counter()
        try:
            [output] = self._engine.chat(to_chat_messages(request.messages), params, use_tqdm=False)
        except ValueError as error:  # prompt longer than the context, bad template input
            raise LLMError(
                f"vLLM rejected the request: {one_line(error)}; "
                "shorten the prompt, lower max_tokens or raise options.max_model_len"
            ) from error
        answer = output.outputs[0]
        return Completion(
            text=answer.text,
            usage=Usage(len(output.prompt_token_ids or ()), len(answer.token_ids)),
            latency_s=time.perf_counter() - start,
            model=self.model,
            backend=self.backend,
        )
