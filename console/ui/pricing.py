"""The price table (US dollars per million tokens) and what a response's tokens cost."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat

from .tokens import TokenCount

PRICES_DATED = "2025-10-06"
"""When the default prices below were taken from OpenAI's pricing page (README says so too)."""


class ModelPrice(BaseModel):
    """One model's rates in dollars per million tokens; cached input is billed at its own rate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text_input: NonNegativeFloat
    text_cached_input: NonNegativeFloat
    text_output: NonNegativeFloat
    audio_input: NonNegativeFloat
    audio_cached_input: NonNegativeFloat
    audio_output: NonNegativeFloat

    def cost(self, tokens: TokenCount) -> float:
        """Dollars for ``tokens``: cached tokens are a subset of input, priced apart."""
        text_fresh = max(0, tokens.text_in - tokens.cached_text)
        audio_fresh = max(0, tokens.audio_in - tokens.cached_audio)
        dollars = (
            text_fresh * self.text_input
            + tokens.cached_text * self.text_cached_input
            + tokens.text_out * self.text_output
            + audio_fresh * self.audio_input
            + tokens.cached_audio * self.audio_cached_input
            + tokens.audio_out * self.audio_output
        )
        return dollars / 1_000_000


_GPT_REALTIME = ModelPrice(
    text_input=4.0, text_cached_input=0.4, text_output=16.0,
    audio_input=32.0, audio_cached_input=0.4, audio_output=64.0,
)
_GPT_REALTIME_MINI = ModelPrice(
    text_input=0.6, text_cached_input=0.06, text_output=2.4,
    audio_input=10.0, audio_cached_input=0.3, audio_output=20.0,
)


def _default_models() -> dict[str, ModelPrice]:
    return {"gpt-realtime": _GPT_REALTIME, "gpt-realtime-mini": _GPT_REALTIME_MINI}


class PriceTable(BaseModel):
    """``[prices]`` in the config: rates by model name; a dated snapshot name
    (``gpt-realtime-2025-08-28``) uses the longest listed name it starts with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    models: dict[str, ModelPrice] = Field(default_factory=_default_models)
    default: str | None = "gpt-realtime"
    """Whose rates apply to a model not in the table (the local engine's, say); None: no cost."""

    def for_model(self, model: str | None) -> ModelPrice | None:
        name = model or ""
        matches = [key for key in self.models if name == key or name.startswith(key + "-")]
        if matches:
            return self.models[max(matches, key=len)]
        return self.models.get(self.default) if self.default is not None else None

    def cost(self, model: str | None, tokens: TokenCount) -> float | None:
        """Dollars for ``tokens`` on ``model``; None when no rate applies."""
        price = self.for_model(model)
        return price.cost(tokens) if price is not None else None
