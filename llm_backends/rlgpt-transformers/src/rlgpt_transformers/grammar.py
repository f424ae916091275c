"""Grammar-constrained decoding for local models with llguidance.

At every step the matcher of the requested :data:`~rlgpt.llm.OutputFormat` masks the tokens
that cannot continue a conforming answer, so the model can only write a JSON object of the
schema or one fenced Python block of the required functions. Once the answer is complete only
end-of-sequence tokens remain allowed.
"""

from __future__ import annotations

import json
from typing import Any

from rlgpt import LLMError
from rlgpt.llm import JsonSchema, OutputFormat, PythonBlock

from rlgpt_transformers.bounds import bounded_schema

OUTPUT_KINDS = frozenset({JsonSchema.kind, PythonBlock.kind})
"""What this module can enforce."""

NOT_INSTALLED = (
    "llguidance is not installed, so answers cannot be constrained; "
    "pip install llguidance (pinned in constraints.txt) or pass options.constrained=false"
)


def grammar_for(output: OutputFormat) -> str:
    """llguidance's grammar text for ``output``."""
    import llguidance

    if isinstance(output, JsonSchema):
        return llguidance.LLMatcher.grammar_from_json_schema(
            json.dumps(bounded_schema(output.schema)), defaults={"whitespace_flexible": False}
        )
    return llguidance.LLMatcher.grammar_from_regex(output.pattern())


class GrammarConstraint:
    """Builds one logits processor per request from the model's tokenizer (wrapped once, ~1 s).

    :param tokenizer: the model's fast Hugging Face tokenizer.
    :param vocab_size: the model's output vocabulary size (may exceed the tokenizer's).
    :param stop_ids: token ids that end an answer.
    """

    def __init__(self, tokenizer: Any, vocab_size: int, stop_ids: list[int]) -> None:
        try:
            import llguidance.hf
        except ImportError as error:
            raise LLMError(NOT_INSTALLED) from error
        self._ll_tokenizer = llguidance.hf.from_tokenizer(tokenizer, n_vocab=vocab_size, eos_token=stop_ids)
        self.vocab_size = vocab_size

    def processor(self, output: OutputFormat) -> Any:
        """A fresh ``LogitsProcessor`` enforcing ``output`` for one generation."""
        import llguidance

        matcher = llguidance.LLMatcher(self._ll_tokenizer, grammar_for(output))
        if matcher.is_error():
            raise LLMError(f"the {output.kind} constraint cannot be compiled: {matcher.get_error()}")
        return _MaskingProcessor(matcher, self.vocab_size)


def available() -> bool:
    """Whether llguidance can be imported here."""
    try:
        import llguidance.hf  # noqa: F401
    except ImportError:
        return False
    return True


class _MaskingProcessor:
    """Feeds each generated token to the matcher and masks the next step's logits."""

    def __init__(self, matcher: Any, vocab_size: int) -> None:
        import llguidance.torch

        self._matcher = matcher
        self._torch = llguidance.torch
        self._bitmask = llguidance.torch.allocate_token_bitmask(1, vocab_size)
        self._prompt_length: int | None = None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if self._prompt_length is None:
            self._prompt_length = int(input_ids.shape[1])
        elif not self._matcher.consume_token(int(input_ids[0, -1])):
            raise LLMError(f"constrained decoding lost its grammar: {self._matcher.get_error()}")
        self._torch.fill_next_token_bitmask(self._matcher, self._bitmask, 0)
        self._torch.apply_token_bitmask_inplace(scores, self._bitmask.to(scores.device))
        return scores
