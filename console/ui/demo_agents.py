"""Built-in demo agents for `rtconsole` without --agents: triage, billing and travel specialists,
and a research subagent that works in the background for a few seconds."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from console.realtime.agent import RealtimeAgent
from console.realtime.guardrails import GuardrailFunctionOutput, OutputGuardrail, output_guardrail
from console.realtime.subagent import SubagentTool, subagent
from console.realtime.tools import function_tool

# 13 to 19 digits, optionally grouped by spaces or dashes: the shape of a payment card number.
CARD_NUMBER = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


@function_tool
def get_weather(city: str) -> str:
    """Get today's weather forecast for a city.

    Args:
        city: The city to get the weather for.
    """
    # Deterministic so demos and tests read the same every time.
    forecasts = ("sunny, 22 °C", "light rain, 14 °C", "cloudy, 17 °C", "windy, 11 °C")
    return f"{city}: {forecasts[sum(map(ord, city.lower())) % len(forecasts)]}"


@function_tool(needs_approval=True)
def refund_order(order_id: str, amount: float) -> str:
    """Refund money for an order to the customer's card. Needs an operator's approval.

    Args:
        order_id: The order to refund.
        amount: How much to refund, in dollars.
    """
    return f"refunded ${amount:.2f} for order {order_id}"


@function_tool(needs_approval=True)
def change_booking(booking_id: str, new_date: str) -> str:
    """Move a travel booking to another date. Needs an operator's approval.

    Args:
        booking_id: The booking reference.
        new_date: The new travel date.
    """
    return f"booking {booking_id} moved to {new_date}"


@output_guardrail(name="no_card_numbers")
def no_card_numbers(ctx: Any, agent: Any, output: Any) -> GuardrailFunctionOutput:
    """Stop any reply that would read out a payment card number."""
    found = bool(CARD_NUMBER.search(str(output)))
    return GuardrailFunctionOutput(output_info={"card_number": found}, tripwire_triggered=found)


RESEARCH_SECONDS = 4.0


def research_subagent(seconds: float = RESEARCH_SECONDS) -> SubagentTool:
    """A subagent that "researches" for ``seconds`` and returns a fixed-shape finding, so the
    console shows a subagent running (status bar) while the agent keeps talking."""

    async def research(task: str, ctx: Any) -> str:
        await asyncio.sleep(seconds)
        topic = " ".join(task.split()) or "the question"
        return f"research on {topic}: three sources agree, summary ready"

    return subagent(
        "research",
        research,
        description="Research a topic in depth in the background; takes a few seconds.",
        holding_message="I'm researching that now; it takes a few seconds.",
    )


# Demo replies are short; checking every 20 characters (not the default 100) lets the guardrail
# catch a card number in a one-sentence answer.
DEMO_RUN_CONFIG: dict[str, Any] = {"guardrails_settings": {"debounce_text_length": 20}}


def demo_agents(research_seconds: float = RESEARCH_SECONDS) -> list[RealtimeAgent[Any]]:
    """Fresh demo agents, triage first; each call builds new objects (no shared state, so a
    subagent running in one session never makes another's busy)."""
    guardrails: list[OutputGuardrail[Any]] = [no_card_numbers]
    billing = RealtimeAgent[Any](
        name="Billing",
        handoff_description="Refunds, invoices and payments.",
        instructions="You handle refunds and payments. Refunds need the operator's approval.",
        tools=[refund_order],
        output_guardrails=guardrails,
    )
    travel = RealtimeAgent[Any](
        name="Travel",
        handoff_description="Bookings, trips and date changes.",
        instructions="You change travel bookings. Changes need the operator's approval.",
        tools=[change_booking, get_weather],
        output_guardrails=guardrails,
    )
    triage = RealtimeAgent[Any](
        name="Triage",
        handoff_description="Greets callers and routes them.",
        instructions=(
            "You greet callers, answer weather questions, hand billing questions to Billing "
            "and travel questions to Travel, and give research questions to the research "
            "subagent. Never read out card numbers."
        ),
        tools=[get_weather, research_subagent(research_seconds)],
        handoffs=[billing, travel],
        output_guardrails=guardrails,
    )
    billing.handoffs.append(triage)
    travel.handoffs.append(triage)
    return [triage]
