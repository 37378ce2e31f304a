"""Built-in demo agents for `rtconsole` without --agents: triage, billing and travel specialists."""

from __future__ import annotations

import re
from typing import Any

from console.realtime.agent import RealtimeAgent
from console.realtime.guardrails import GuardrailFunctionOutput, OutputGuardrail, output_guardrail
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


# Demo replies are short; checking every 20 characters (not the default 100) lets the guardrail
# catch a card number in a one-sentence answer.
DEMO_RUN_CONFIG: dict[str, Any] = {"guardrails_settings": {"debounce_text_length": 20}}


def demo_agents() -> list[RealtimeAgent[Any]]:
    """Fresh demo agents, triage first; each call builds new objects (no shared state)."""
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
            "You greet callers, answer weather questions, and hand billing questions to Billing "
            "and travel questions to Travel. Never read out card numbers."
        ),
        tools=[get_weather],
        handoffs=[billing, travel],
        output_guardrails=guardrails,
    )
    billing.handoffs.append(triage)
    travel.handoffs.append(triage)
    return [triage]
