"""Claude model ids, their short aliases and their list prices."""

from __future__ import annotations

from dataclasses import dataclass

from rlgpt import Usage

PRICES_AS_OF = "2025-11-24"
"""Date the prices below were read from https://www.anthropic.com/pricing (standard tier, no batch)."""


@dataclass(frozen=True)
class Price:
    """List price of a model in US dollars per million tokens."""

    input_per_mtok: float
    output_per_mtok: float

    def cost(self, usage: Usage) -> float:
        """Price of one request with ``usage`` tokens."""
        return (
            usage.prompt_tokens * self.input_per_mtok + usage.completion_tokens * self.output_per_mtok
        ) / 1e6


PRICES: dict[str, Price] = {
    "claude-opus-4-5-20251101": Price(5.0, 25.0),
    "claude-opus-4-1-20250805": Price(15.0, 75.0),
    "claude-opus-4-20250514": Price(15.0, 75.0),
    "claude-sonnet-4-5-20250929": Price(3.0, 15.0),
    "claude-sonnet-4-20250514": Price(3.0, 15.0),
    "claude-3-7-sonnet-20250219": Price(3.0, 15.0),
    "claude-3-5-sonnet-20241022": Price(3.0, 15.0),
    "claude-haiku-4-5-20251001": Price(1.0, 5.0),
    "claude-3-5-haiku-20241022": Price(0.8, 4.0),
    "claude-3-opus-20240229": Price(15.0, 75.0),
    "claude-3-haiku-20240307": Price(0.25, 1.25),
}
"""Prices as of :data:`PRICES_AS_OF`. Models missing here get ``cost_usd=None``."""

ALIASES: dict[str, str] = {
    "claude-opus-4-5": "claude-opus-4-5-20251101",
    "claude-opus-4-1": "claude-opus-4-1-20250805",
    "claude-opus-4": "claude-opus-4-20250514",
    "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
    "claude-sonnet-4": "claude-sonnet-4-20250514",
    "claude-3-7-sonnet": "claude-3-7-sonnet-20250219",
    "claude-3-5-sonnet": "claude-3-5-sonnet-20241022",
    "claude-haiku-4-5": "claude-haiku-4-5-20251001",
    "claude-3-5-haiku": "claude-3-5-haiku-20241022",
    "claude-3-opus": "claude-3-opus-20240229",
    "claude-3-haiku": "claude-3-haiku-20240307",
}
"""Short names mapped to the dated model ids they stand for."""


def resolve_model(name: str) -> str:
    """Return the model id ``name`` stands for (aliases expanded; other ids pass through)."""
    name = name.strip()
    if not name:
        known = ", ".join(sorted(ALIASES))
        raise ValueError(f"empty Anthropic model name: pass a model id or one of the aliases ({known})")
    return ALIASES.get(name, name)


def cost_usd(model: str, usage: Usage) -> float | None:
    """Price of a request to ``model`` with ``usage`` tokens, or None when the price is unknown."""
    price = PRICES.get(model)
    return None if price is None else price.cost(usage)


def accepts_temperature(model: str) -> bool:
    """Whether ``model`` is known to take the ``temperature`` request field (the models priced above)."""
    return model in PRICES
