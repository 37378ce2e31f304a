"""Expectations against a turn's record: subset matching, patterns, approvals, guardrails."""

from __future__ import annotations

from typing import Any

import pytest

from console.scenarios.check import check, is_subset
from console.scenarios.model import Expect
from console.scenarios.outcome import ToolCall, TurnRecord


@pytest.mark.parametrize(("expected", "actual", "result"), [
    ({"order_id": "42"}, {"order_id": "42", "amount": 20.0}, True),
    ({"amount": 20}, {"amount": 20.0}, True),
    ({"amount": 20}, {"amount": "20"}, False),
    ({"order_id": "42"}, {"order_id": "43"}, False),
    ({"trip": {"to": "Rome"}}, {"trip": {"to": "Rome", "from": "Oslo"}}, True),
    ({"missing": 1}, {}, False),
    ({"flag": True}, {"flag": 1}, False),
    ({"flag": True}, {"flag": True}, True),
    ({"flag": False}, {"flag": 0}, False),
    ({"tags": ["a", "b"]}, {"tags": ["a", "b"]}, True),
    ({"tags": ["a"]}, {"tags": ["a", "b"]}, False),
])
def test_arguments_compare_as_a_subset(expected: Any, actual: Any, result: bool) -> None:
    assert is_subset(expected, actual) is result


def record(**changes: Any) -> TurnRecord:
    call = ToolCall("refund_order", '{"order_id": "42", "amount": 20.0}', "c1",
                    approval_asked=True, decision="approve", ran=True,
                    output="refunded $20.00 for order 42")
    base = TurnRecord(heard=["i need a refund"], replies=["The refund order tool says: ok."],
                      calls=[call], handoffs=["Billing"], agent="Billing", latency_ms=120.0)
    for name, value in changes.items():
        setattr(base, name, value)
    return base


def expect(**fields: Any) -> Expect:
    return Expect.model_validate(fields)


def test_a_turn_that_meets_everything_has_no_failures() -> None:
    met = expect(
        tools=[{"name": "refund_order", "arguments": {"order_id": "42", "amount": 20},
                "arguments_match": '"order_id": "4\\d"', "ran": True}],
        handoff="Billing", agent="Billing", approval="refund_order", guardrail=False,
        reply_contains=["REFUND ORDER", "says"], reply_matches="tool says: \\w+",
        heard_matches="refund", max_latency_ms=120,
    )
    assert check(met, record()) == []


@pytest.mark.parametrize(("fields", "message"), [
    ({"tools": [{"name": "refund_order", "ran": False}]},
     'expected tool call refund_order, not run; got refund_order({"order_id": "42", '
     '"amount": 20.0})'),
    ({"tools": [{"name": "refund_order", "arguments": {"order_id": "43"}}]},
     "expected tool call refund_order, arguments ⊇ {\"order_id\": \"43\"}"),
    ({"no_tools": True}, "expected no tool call; got refund_order"),
    ({"handoff": "Travel"}, "expected a handoff to Travel; got Billing"),
    ({"agent": "Triage"}, "expected agent Triage at the end; got Billing"),
    ({"approval": False}, "expected no approval request; got refund_order"),
    ({"approval": "change_booking"},
     "expected an approval request for change_booking; got refund_order"),
    ({"guardrail": True}, "expected a guardrail to trip; none did"),
    ({"reply_contains": "Paris"}, "expected the reply to contain 'Paris'; got 'The refund"),
    ({"reply_matches": "^Paris"}, "expected the reply to match /^Paris/"),
    ({"heard_matches": "weather"}, "expected to hear /weather/; heard 'i need a refund'"),
    ({"max_latency_ms": 119.5}, "expected a reply within 119.5 ms; took 120 ms"),
])
def test_each_unmet_expectation_says_what_was_expected_and_what_came(
    fields: dict[str, Any], message: str
) -> None:
    [failure] = check(expect(**fields), record())
    assert failure.startswith(message)


def test_no_reply_fails_a_latency_budget_and_guardrails_are_named() -> None:
    quiet = record(latency_ms=None, guardrails=["no_card_numbers"])
    assert check(expect(max_latency_ms=5000), quiet) == [
        "expected a reply within 5000 ms; got none"
    ]
    assert check(expect(guardrail="no_card_numbers"), quiet) == []
    assert check(expect(guardrail="other"), quiet) == [
        "expected guardrail other to trip; got no_card_numbers"
    ]
