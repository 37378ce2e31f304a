"""Token counts of one response (text/audio, cached, in/out) and their running session total."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class TokenCount:
    """Tokens of one response, or summed; cached tokens are part of the input counts."""

    text_in: int = 0
    audio_in: int = 0
    cached_text: int = 0
    cached_audio: int = 0
    text_out: int = 0
    audio_out: int = 0

    @property
    def input(self) -> int:
        return self.text_in + self.audio_in

    @property
    def output(self) -> int:
        return self.text_out + self.audio_out

    @property
    def cached(self) -> int:
        return self.cached_text + self.cached_audio

    @property
    def total(self) -> int:
        return self.input + self.output

    def __add__(self, other: TokenCount) -> TokenCount:
        return TokenCount(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Any) -> TokenCount:
        """From ``as_dict()`` output (a journal record); unknown or bad values count as 0."""
        if not isinstance(data, dict):
            return cls()
        return cls(**{
            f.name: value if type(value := data.get(f.name)) is int else 0 for f in fields(cls)
        })


def _count(details: Any, name: str) -> int:
    value = getattr(details, name, None)
    return value if isinstance(value, int) else 0


def from_usage_event(event: Any) -> TokenCount:
    """The counts of the core's usage event (``RealtimeModelUsageEvent``).

    Without a text/audio split (a server that gives only totals) the input and output count as
    text, so the totals stay right; cached tokens without a split count as cached text."""
    usage = event.usage
    into, out = event.input_tokens_details, event.output_tokens_details
    audio_in = _count(into, "audio_tokens")
    text_in = _count(into, "text_tokens") if into is not None else usage.input_tokens - audio_in
    audio_out = _count(out, "audio_tokens")
    text_out = _count(out, "text_tokens") if out is not None else usage.output_tokens - audio_out
    cached_details = getattr(into, "cached_tokens_details", None)
    cached = usage.input_tokens_details.cached_tokens
    cached_audio = _count(cached_details, "audio_tokens")
    cached_text = _count(cached_details, "text_tokens") if cached_details else cached
    return TokenCount(text_in, audio_in, cached_text, cached_audio, text_out, audio_out)


@dataclass(frozen=True, slots=True)
class TokenLedger:
    """The session's tokens and cost so far (``responses``: how many responses reported)."""

    total: TokenCount = field(default_factory=TokenCount)
    cost: float | None = None
    responses: int = 0

    def add(self, tokens: TokenCount, cost: float | None) -> TokenLedger:
        spent = self.cost if cost is None else (self.cost or 0.0) + cost
        return TokenLedger(self.total + tokens, spent, self.responses + 1)

    def text(self) -> str:
        """``1234 tokens · $0.0123`` (empty before the first response)."""
        if not self.responses:
            return ""
        return f"{self.total.total} tokens · {format_cost(self.cost)}"

    def cost_text(self) -> str:
        """The cost alone (empty: no price applies)."""
        return "" if self.cost is None else format_cost(self.cost)


def format_cost(dollars: float | None) -> str:
    """``$0.0123``: four decimals, since one turn costs cents or less."""
    return "-" if dollars is None else f"${dollars:.4f}"
