"""The transformers backend: :class:`TransformersLLM`, a local causal LM answering chat requests."""

from __future__ import annotations

import gc
import os
import threading
import time
from typing import Any

from rlgpt import Completion, LLMError, Request, Usage

from rlgpt_transformers import grammar
from rlgpt_transformers.chat import render_prompt
from rlgpt_transformers.sources import ModelSource, resolve_source

DTYPES = ("float32", "float16", "bfloat16")


def pick_device(device: str) -> str:
    """``device`` itself (checked), or for ``"auto"`` the first of cuda, mps, cpu that this machine has."""
    import torch

    if device != "auto":
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise LLMError(
                f"device {device!r} asked for but torch sees no CUDA GPU: use device='cpu' or 'auto'"
            )
        if device == "mps" and not torch.backends.mps.is_available():
            raise LLMError("device 'mps' asked for but torch sees no Apple GPU: use 'cpu' or 'auto'")
        if device.split(":")[0] not in ("cpu", "cuda", "mps"):
            raise LLMError(f"unknown device {device!r}: use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'")
        return device
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def cut_at_stop(text: str, stops: tuple[str, ...]) -> str:
    """``text`` up to (not including) the earliest of ``stops``."""
    cuts = [i for i in (text.find(s) for s in stops if s) if i >= 0]
    return text[: min(cuts)] if cuts else text


class TransformersLLM:
    """A local Hugging Face causal LM (a model directory or a GGUF file), loaded without any network.

    :param model: an alias (``qwen2.5-coder-0.5b``, ``smollm2-135m``, ``vicuna-13b``) resolved under the
        models directory, a model directory, or a ``.gguf`` file (dequantised on load).
    :param models_dir: where aliases live (default ``$RLGPT_MODELS_DIR`` or ``.local-models``).
    :param device: ``"auto"`` (cuda, then mps, then cpu), or a torch device string.
    :param dtype: ``"float32"``, ``"float16"`` or ``"bfloat16"``; default float32 on CPU, bfloat16 elsewhere.
    :param threads: torch CPU threads (set process-wide when running on CPU); one by default.
    :param constrained: enforce a request's output format (JSON Schema or Python block) while
        decoding, with llguidance; ``None`` (default) does so when llguidance is installed,
        ``True`` requires it, ``False`` leaves answers unconstrained (the caller repairs them).

    Temperature 0 decodes greedily; a positive temperature samples, reproducibly when the request
    has a ``seed``. Token usage is counted with the model's tokenizer. The prompt is the tokenizer's
    chat template, or the Vicuna v1.1 format when the tokenizer has none.
    """

    backend = "transformers"
    supports_images = False

    def __init__(
        self,
        model: str,
        *,
        models_dir: str | os.PathLike[str] | None = None,
        device: str = "auto",
        dtype: str | None = None,
        threads: int = 1,
        constrained: bool | None = None,
    ) -> None:
        if dtype is not None and dtype not in DTYPES:
            raise ValueError(f"unknown dtype {dtype!r}: use one of {', '.join(DTYPES)}")
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.model = model
        self.source = resolve_source(model, models_dir)
        self.device = pick_device(device)
        started = time.perf_counter()
        self.tokenizer, self.lm = load(self.source, self.device, dtype, threads)
        self.load_s = time.perf_counter() - started
        self.context_length: int | None = getattr(self.lm.config, "max_position_embeddings", None)
        self._stop_ids = stop_token_ids(self.tokenizer, self.lm)
        self._lock = threading.Lock()
        if constrained is None:
            constrained = grammar.available()
        self._grammar = (
            grammar.GrammarConstraint(
                self.tokenizer, max(self.lm.config.vocab_size, len(self.tokenizer)), self._stop_ids
            )
            if constrained
            else None
        )
        self.output_kinds = grammar.OUTPUT_KINDS if self._grammar else frozenset()

    def close(self) -> None:
        """Release the model's weights (and the GPU memory they held); a closed client answers nothing."""
        with self._lock:
            if self.lm is None:
                return
            on_cuda = self.lm.device.type == "cuda"
            self.lm = None
        gc.collect()
        if on_cuda:
            import torch

            torch.cuda.empty_cache()

    def complete(self, request: Request) -> Completion:
        """Generate the answer to ``request`` on the local model."""
        import torch

        if self.lm is None:
            raise LLMError(f"the transformers client for {self.model!r} is closed; build a new one")
        started = time.perf_counter()
        prompt = render_prompt(self.tokenizer, request.messages)
        inputs = self.tokenizer(prompt, return_tensors="pt", add_special_tokens=False).to(self.device)
        prompt_tokens = int(inputs["input_ids"].shape[1])
        options = self._generation_options(request, prompt_tokens)
        seed = request.params.seed if options["do_sample"] and request.params.seed is not None else None
        devices = [self.lm.device] if self.lm.device.type == "cuda" else []
        with self._lock, torch.inference_mode(), torch.random.fork_rng(devices, enabled=seed is not None):
            if seed is not None:
                torch.manual_seed(seed)
            output = self.lm.generate(**inputs, **options)
        new_tokens = output[0, prompt_tokens:]
        text = self.tokenizer.decode(new_tokens, skip_special_tokens=True)
        return Completion(
            text=cut_at_stop(text, request.params.stop),
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=int(new_tokens.shape[0])),
            latency_s=time.perf_counter() - started,
            model=self.model,
            backend=self.backend,
        )

    def _generation_options(self, request: Request, prompt_tokens: int) -> dict[str, Any]:
        """Keyword arguments of ``generate`` for ``request`` (greedy at temperature 0)."""
        params = request.params
        room = params.max_tokens
        if self.context_length is not None:
            room = min(room, self.context_length - prompt_tokens)
            if room < 1:
                raise LLMError(
                    f"prompt has {prompt_tokens} tokens but {self.model} reads at most {self.context_length}:"
                    " shorten the prompt"
                )
        options: dict[str, Any] = {
            "max_new_tokens": room,
            "eos_token_id": self._stop_ids,
            "pad_token_id": self.tokenizer.pad_token_id
            if self.tokenizer.pad_token_id is not None
            else self._stop_ids[0],
            "do_sample": params.temperature > 0,
        }
        if options["do_sample"]:
            options["temperature"] = params.temperature
        else:
            options.update(temperature=None, top_p=None, top_k=None)
        if params.stop:
            options.update(stop_strings=list(params.stop), tokenizer=self.tokenizer)
        if self._grammar is not None and request.output is not None:
            from transformers import LogitsProcessorList

            options["logits_processor"] = LogitsProcessorList([self._grammar.processor(request.output)])
        return options


def stop_token_ids(tokenizer: Any, lm: Any) -> list[int]:
    """Token ids that end an answer: the generation config's EOS ids and the tokenizer's EOS id."""
    configured = lm.generation_config.eos_token_id
    ids = configured if isinstance(configured, list) else [] if configured is None else [configured]
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids = [*ids, tokenizer.eos_token_id]
    if not ids:
        raise LLMError("the model's tokenizer defines no end-of-sequence token: set eos_token in its config")
    return ids


def load(source: ModelSource, device: str, dtype: str | None, threads: int) -> tuple[Any, Any]:
    """Load tokenizer and model from ``source`` with local files only, on ``device``."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if device == "cpu":
        torch.set_num_threads(threads)
    torch_dtype = getattr(torch, dtype or ("float32" if device == "cpu" else "bfloat16"))
    options: dict[str, Any] = {"local_files_only": True}
    if source.gguf_file:
        options["gguf_file"] = source.gguf_file
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(source.directory), **options)
        lm = AutoModelForCausalLM.from_pretrained(str(source.directory), dtype=torch_dtype, **options)
        lm.to(device)
    except (OSError, ValueError, RuntimeError, KeyError) as error:
        detail = " ".join(str(error).split())[:300]
        raise LLMError(f"cannot load local model {source.label} on {device}: {detail}") from error
    lm.eval()
    return tokenizer, lm
