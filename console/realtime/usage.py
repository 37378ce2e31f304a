"""Token usage: per response (``RealtimeModelUsageEvent``) and summed on the run context."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class InputTokensDetails:
    cached_tokens: int = 0


@dataclass
class OutputTokensDetails:
    reasoning_tokens: int = 0


@dataclass
class RequestUsage:
    """The usage of one response, as ``Usage.request_usage_entries`` keeps it."""

    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_tokens_details: InputTokensDetails = field(default_factory=InputTokensDetails)
    output_tokens_details: OutputTokensDetails = field(default_factory=OutputTokensDetails)


@dataclass
class Usage:
    """Tokens used, with the fields and ``add()`` of the SDK's ``agents.usage.Usage``."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_tokens_details: InputTokensDetails = field(default_factory=InputTokensDetails)
    output_tokens_details: OutputTokensDetails = field(default_factory=OutputTokensDetails)
    request_usage_entries: list[RequestUsage] = field(default_factory=list)

    def add(self, other: Usage) -> None:
        """Add ``other`` in place; a one-request usage is also kept as a request entry."""
        self.requests += other.requests or 0
        self.input_tokens += other.input_tokens or 0
        self.output_tokens += other.output_tokens or 0
        self.total_tokens += other.total_tokens or 0
        self.input_tokens_details = InputTokensDetails(
            self.input_tokens_details.cached_tokens + other.input_tokens_details.cached_tokens
        )
        self.output_tokens_details = OutputTokensDetails(
            self.output_tokens_details.reasoning_tokens
            + other.output_tokens_details.reasoning_tokens
        )
        if other.request_usage_entries:
            self.request_usage_entries.extend(other.request_usage_entries)
        elif other.requests == 1 and other.total_tokens > 0:
            self.request_usage_entries.append(
                RequestUsage(
                    other.input_tokens,
                    other.output_tokens,
                    other.total_tokens,
                    other.input_tokens_details,
                    other.output_tokens_details,
                )
            )

