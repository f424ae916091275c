"""What the backend knows about OpenAI's models: aliases, image input, prices.

Prices are OpenAI's list prices for the Chat Completions API in USD per million tokens,
as published on https://openai.com/api/pricing in August 2025 (``PRICES_AS_OF``). They
may be out of date: check the vendor's page before relying on ``Completion.cost_usd``.
Cached-input discounts and batch prices are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass

PRICES_AS_OF = "2025-08"


@dataclass(frozen=True)
class ModelInfo:
    """One OpenAI model snapshot.

    :param input_usd_per_mtok: price of a million prompt tokens.
    :param output_usd_per_mtok: price of a million completion tokens.
    :param images: true when the model accepts ``image_url`` parts.
    :param reasoning: true for reasoning models, which take ``max_completion_tokens``
        and only their default temperature.
    """

    input_usd_per_mtok: float
    output_usd_per_mtok: float
    images: bool = True
    reasoning: bool = False


MODELS: dict[str, ModelInfo] = {
    "gpt-5-2025-08-07": ModelInfo(1.25, 10.0, reasoning=True),
    "gpt-5-mini-2025-08-07": ModelInfo(0.25, 2.0, reasoning=True),
    "gpt-5-nano-2025-08-07": ModelInfo(0.05, 0.40, reasoning=True),
    "gpt-4.1-2025-04-14": ModelInfo(2.0, 8.0),
    "gpt-4.1-mini-2025-04-14": ModelInfo(0.40, 1.60),
    "gpt-4.1-nano-2025-04-14": ModelInfo(0.10, 0.40),
    "gpt-4o-2024-11-20": ModelInfo(2.50, 10.0),
    "gpt-4o-2024-08-06": ModelInfo(2.50, 10.0),
    "gpt-4o-2024-05-13": ModelInfo(5.0, 15.0),
    "gpt-4o-mini-2024-07-18": ModelInfo(0.15, 0.60),
    "o4-mini-2025-04-16": ModelInfo(1.10, 4.40, reasoning=True),
    "o3-2025-04-16": ModelInfo(2.0, 8.0, reasoning=True),
    "o3-mini-2025-01-31": ModelInfo(1.10, 4.40, images=False, reasoning=True),
    "o1-2024-12-17": ModelInfo(15.0, 60.0, reasoning=True),
    "gpt-4-turbo-2024-04-09": ModelInfo(10.0, 30.0),
    "gpt-4-0613": ModelInfo(30.0, 60.0, images=False),
    "gpt-3.5-turbo-0125": ModelInfo(0.50, 1.50, images=False),
}

ALIASES: dict[str, str] = {
    "gpt-5": "gpt-5-2025-08-07",
    "gpt-5-mini": "gpt-5-mini-2025-08-07",
    "gpt-5-nano": "gpt-5-nano-2025-08-07",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "o4-mini": "o4-mini-2025-04-16",
    "o3": "o3-2025-04-16",
    "o3-mini": "o3-mini-2025-01-31",
    "o1": "o1-2024-12-17",
    "gpt-4-turbo": "gpt-4-turbo-2024-04-09",
    "gpt-4": "gpt-4-0613",
    "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
}


def resolve_model(model: str) -> str:
    """Map an alias (``gpt-4o``) to its snapshot id; other ids pass through unchanged."""
    return ALIASES.get(model, model)


def model_info(model: str) -> ModelInfo | None:
    """The table entry of ``model`` (an alias or a snapshot id), or ``None`` when unknown."""
    return MODELS.get(resolve_model(model))


def cost_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """List price of one request, or ``None`` for a model without a published price here."""
    info = model_info(model)
    if info is None:
        return None
    return (prompt_tokens * info.input_usd_per_mtok + completion_tokens * info.output_usd_per_mtok) / 1e6
