"""``VLLMServerLLM``: a model served by a vLLM OpenAI-compatible server, through the ``openai`` client."""

from __future__ import annotations

import time
import weakref

import openai
from rlgpt import Completion, LLMError, Request, TransientLLMError, Usage
from rlgpt.llm import is_transient_status, one_line, retry_after_s, to_chat_messages

from rlgpt_vllm.chat import OUTPUT_KINDS, check_images, sampling_kwargs, structured_outputs
from rlgpt_vllm.server import VLLMServer

NO_KEY = "no-key"  # vLLM only checks a key when started with --api-key


class VLLMServerLLM:
    """A chat model on a vLLM server at ``base_url`` (``http://host:port/v1``).

    :param model: the model id the server serves.
    :param base_url: the server's ``/v1`` URL.
    :param api_key: the server's ``--api-key``, if it was started with one.
    :param timeout_s: per-request timeout in seconds.
    :param supports_images: true for a vision-language model.
    :param owned_server: a server this client launched; :meth:`close` (or interpreter exit) stops it.

    The client's own retries are off: the core's retry policy is the only one.
    """

    backend = "vllm"
    output_kinds = OUTPUT_KINDS

    def __init__(
        self,
        model: str,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        supports_images: bool = False,
        owned_server: VLLMServer | None = None,
    ) -> None:
        self.model = model
        self.owned_server = owned_server
        self._stop_server = weakref.finalize(self, owned_server.stop) if owned_server else None
        self.base_url = base_url.rstrip("/")
        self.answer_identity = {"base_url": self.base_url}
        self.supports_images = supports_images
        self._client = openai.OpenAI(
            api_key=api_key or NO_KEY, base_url=self.base_url, timeout=timeout_s, max_retries=0
        )

    def complete(self, request: Request) -> Completion:
        """Answer one request; raise :class:`~rlgpt.TransientLLMError` for retryable failures."""
        check_images(request.messages, self.model, self.supports_images)
        constraint = structured_outputs(request.output)
        start = time.perf_counter()
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=to_chat_messages(request.messages),
                **sampling_kwargs(request.params),
                **({"extra_body": {"structured_outputs": constraint}} if constraint else {}),
            )
            text = response.choices[0].message.content or ""
            usage = Usage(response.usage.prompt_tokens, response.usage.completion_tokens)
        except openai.OpenAIError as error:
            raise self._mapped(error) from error
        except (ValueError, AttributeError, IndexError, TypeError) as error:
            raise LLMError(
                f"malformed response from {self.base_url}: {one_line(error)}; is it a vLLM server?"
            ) from error
        return Completion(
            text=text,
            usage=usage,
            latency_s=time.perf_counter() - start,
            model=response.model or self.model,
            backend=self.backend,
        )

    def close(self) -> None:
        """Release the HTTP connection pool and stop the server this client launched, if any."""
        self._client.close()
        if self._stop_server is not None:
            self._stop_server()

    def _mapped(self, error: openai.OpenAIError) -> LLMError:
        """Transient for timeouts, lost connections, 408/429/5xx; permanent otherwise."""
        if isinstance(error, openai.APIConnectionError):
            return TransientLLMError(
                f"the vLLM server at {self.base_url} did not answer ({one_line(error.message)}); "
                "check that it is running, or raise options.timeout_s"
            )
        if isinstance(error, openai.APIStatusError):
            detail = f"the vLLM server at {self.base_url} answered {one_line(error.message)}"
            if is_transient_status(error.status_code):
                return TransientLLMError(
                    f"{detail}; retry later", retry_after_s=retry_after_s(error.response.headers)
                )
            return LLMError(f"{detail}; check the model id {self.model!r} and the sampling parameters")
        return LLMError(f"request to the vLLM server at {self.base_url} failed: {one_line(error)}")
