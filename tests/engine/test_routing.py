"""Routing and conversational replies: greetings, stop, holding lines, handoffs to the agent that
has the tool, and the request that brought the caller acted on after a handoff."""

from __future__ import annotations

import json
from typing import Any

from console.engine.conversation import Conversation
from console.engine.policy import HELLO, HOLDING_LINE, Call, PolicyInput, Say, decide
from console.engine.routing import AgentMap
from console.engine.scenario import ScenarioCursor

from .support import CHANGE_BOOKING_TOOL, WEATHER_TOOL, drive, handoff_tool

REFUND_TOOL = {
    "type": "function",
    "name": "refund_order",
    "description": "Refund money for an order. Needs an operator's approval.",
    "parameters": {
        "type": "object",
        "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"}},
        "required": ["order_id", "amount"],
    },
}


TRIAGE = [WEATHER_TOOL, handoff_tool("Billing", "Refunds, invoices and payments.")]
BILLING = [REFUND_TOOL, handoff_tool("Triage", "Greets callers and routes them.")]


def _user(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def _decide(text: str, tools: list[Any], **extra: Any) -> list[Any]:
    return decide(PolicyInput([_user(text)], tools, **extra), ScenarioCursor(None))


def test_greetings_get_a_greeting() -> None:
    for text in ("Hello", "hi there!", "Good morning", "hey, how are you?"):
        assert _decide(text, TRIAGE) == [Say(HELLO)], text
    # A greeting with a request is a request.
    [call] = _decide("hello, what is the weather in Oslo", TRIAGE)
    assert isinstance(call, Call) and call.name == "get_weather"


def test_stop_gets_no_reply_at_all() -> None:
    for text in ("stop", "Stop talking.", "okay stop", "never mind", "be quiet please"):
        assert _decide(text, TRIAGE) == [], text
    assert _decide("stop the refund of order 42, 5 dollars", BILLING) != []


def test_a_word_said_over_a_reply_that_it_cut_short_gets_silence() -> None:
    cut = {
        "type": "message", "role": "assistant", "status": "incomplete",
        "content": [{"type": "output_audio", "transcript": "The weather in Oslo is"}],
    }
    finished = {**cut, "status": "completed"}

    def after(reply: dict[str, Any], text: str) -> list[Any]:
        return decide(PolicyInput([reply, _user(text)], TRIAGE), ScenarioCursor(None))

    # "stop" heard through the reply's echo as something else: no "You said" back.
    assert after(cut, "Tau.") == []
    assert after(cut, "no way") == []
    # Said after a reply that finished, the same words are a turn of their own; unless the
    # client truncated that reply where its playback stopped.
    assert after(finished, "Tau.") == [Say('You said: "Tau."')]
    played = {**finished, "id": "a1"}
    truncated = PolicyInput([played, _user("Tau.")], TRIAGE, truncated={"a1"})
    assert decide(truncated, ScenarioCursor(None)) == []
    # A request that cuts in is still acted on.
    [call] = after(cut, "what is the weather in Rome")
    assert isinstance(call, Call) and call.name == "get_weather"


def test_holding_line_before_a_call_that_needs_approval() -> None:
    said, call = _decide("refund order 42, 20 dollars", BILLING)
    assert said == Say(HOLDING_LINE)
    assert call == Call("refund_order", json.dumps({"order_id": "42", "amount": 20.0}))
    # Configurable: no line, straight to the call; a tool without approval never gets one.
    assert _decide("refund order 42, 20 dollars", BILLING, holding_line=None) == [call]
    assert len(_decide("weather in Oslo", TRIAGE)) == 1


def test_a_missing_value_is_asked_for_not_invented() -> None:
    [ask] = _decide("refund order 42", BILLING)
    assert ask == Say("To refund order, I need the amount. What is it?")


def test_learnt_agents_route_a_request_to_the_agent_with_the_tool() -> None:
    agents = AgentMap()
    agents.learn(TRIAGE, None)  # the first agent: its name is not known yet
    agents.learn(BILLING, "transfer_to_billing")  # after the handoff: these are Billing's
    # Billing offers a handoff back to an agent not met under another name: the first one.
    assert [t["name"] for t in agents.tools_behind("transfer_to_triage")] == ["get_weather"]
    [call] = _decide("what's the weather in Paris", BILLING, agents=agents)
    assert call == Call("transfer_to_triage", "{}")


def test_the_agent_s_own_tool_wins_a_tie_with_another_agent_s() -> None:
    # Travel has a weather tool, and so has Triage behind its handoff: a misheard request that
    # names only a city ("how hot is it in London" heard as "wait in London") is Travel's own.
    travel = [WEATHER_TOOL, handoff_tool("Triage", "Greets callers and routes them.")]
    agents = AgentMap()
    agents.learn(TRIAGE, None)
    agents.learn(travel, "transfer_to_travel")
    [call] = _decide("Wait in London, please.", travel, agents=agents)
    assert call == Call("get_weather", json.dumps({"city": "London"}))


def test_onward_handoffs_are_known_only_where_the_way_back_is() -> None:
    triage = [*TRIAGE, handoff_tool("Travel", "Bookings, trips and date changes.")]
    agents = AgentMap()
    agents.learn(triage, None)
    # Billing's tools set by the client, no handoff seen: Triage's handoffs may lead back here.
    agents.learn(BILLING, None)
    assert agents.tools_behind("transfer_to_triage") == [WEATHER_TOOL]
    assert agents.onward("transfer_to_triage", BILLING) == []
    agents.learn(BILLING, "transfer_to_billing")
    onward = agents.onward("transfer_to_triage", BILLING)
    assert [t["name"] for t in onward] == ["transfer_to_travel"]  # not back to Billing


def _update(conv: Conversation, tools: list[Any]) -> None:
    conv.handle({"type": "session.update", "session": {"type": "realtime", "tools": tools}})


def _respond(conv: Conversation) -> list[dict[str, Any]]:
    conv.handle({"type": "response.create"})
    done = [e for e in drive(conv) if e["type"] == "response.done"]
    return list(done[-1]["response"]["output"])


def _output(conv: Conversation, call: dict[str, Any], output: str) -> None:
    item = {"type": "function_call_output", "call_id": call["call_id"], "output": output}
    conv.handle({"type": "conversation.item.create", "item": item})


def test_after_a_refund_the_caller_is_not_stuck_in_billing() -> None:
    """The flow a client runs: handoff, session.update, transfer output, response.create."""
    conv = Conversation()
    _update(conv, TRIAGE)
    conv.handle({"type": "conversation.item.create", "item": _user("I want a refund")})
    [to_billing] = _respond(conv)
    assert to_billing["name"] == "transfer_to_billing"
    _update(conv, BILLING)
    _output(conv, to_billing, "{}")
    [welcome] = _respond(conv)  # "I want a refund" says no order or amount: it asks
    assert welcome["content"][0]["transcript"] == (
        "You are now talking to billing. To refund order, I need the order id and the amount. "
        "What is it?"
    )

    conv.handle({"type": "conversation.item.create", "item": _user("weather in Paris please")})
    [to_triage] = _respond(conv)
    assert to_triage["name"] == "transfer_to_triage"
    _update(conv, TRIAGE)
    _output(conv, to_triage, "{}")
    # The agent taking over acts on the request that brought the caller to it.
    [weather] = _respond(conv)
    assert weather["type"] == "function_call" and weather["name"] == "get_weather"
    assert json.loads(weather["arguments"]) == {"city": "Paris"}




def test_a_request_for_an_agent_two_handoffs_away_reaches_it() -> None:
    """Billing has no way to Travel but through Triage, whose handoff to Travel names bookings."""
    triage = [*TRIAGE, handoff_tool("Travel", "Bookings, trips and date changes.")]
    travel = [CHANGE_BOOKING_TOOL, handoff_tool("Triage", "Greets callers and routes them.")]
    conv = Conversation()
    _update(conv, triage)
    conv.handle({"type": "conversation.item.create", "item": _user("I want a refund")})
    [to_billing] = _respond(conv)
    _update(conv, BILLING)
    _output(conv, to_billing, "{}")
    _respond(conv)

    said = "please move my booking AB12 to Friday"
    conv.handle({"type": "conversation.item.create", "item": _user(said)})
    [to_triage] = _respond(conv)
    assert to_triage["name"] == "transfer_to_triage"
    _update(conv, triage)
    _output(conv, to_triage, "{}")
    [to_travel] = _respond(conv)  # Triage hands the request on, without asking again
    assert to_travel["name"] == "transfer_to_travel"
    _update(conv, travel)
    _output(conv, to_travel, "{}")
    [change] = _respond(conv)
    assert change["name"] == "change_booking"
    assert json.loads(change["arguments"]) == {"booking_id": "AB12", "new_date": "Friday"}


def _say(conv: Conversation, text: str) -> list[dict[str, Any]]:
    conv.handle({"type": "conversation.item.create", "item": _user(text)})
    return _respond(conv)


def _words(output: list[dict[str, Any]]) -> str:
    return str(output[0]["content"][0]["transcript"])


def test_an_answer_to_the_question_for_missing_values_completes_the_request() -> None:
    conv = Conversation()
    _update(conv, [REFUND_TOOL, WEATHER_TOOL])
    asked = _words(_say(conv, "I want a refund"))
    assert asked == "To refund order, I need the order id and the amount. What is it?"
    # One value at a time: the question narrows, the request is kept.
    narrower = _words(_say(conv, "twenty dollars"))
    assert narrower == "To refund order, I need the order id. What is it?"
    *_, call = _say(conv, "it's K M 7")
    assert call["name"] == "refund_order"
    assert json.loads(call["arguments"]) == {"order_id": "KM7", "amount": 20.0}
    # A question answered by another request: that request.
    _say(conv, "refund please")
    [weather] = _say(conv, "what's the weather in Oslo")
    assert weather["name"] == "get_weather"


def test_the_answer_to_a_new_agent_s_question_completes_the_request() -> None:
    conv = Conversation()
    _update(conv, TRIAGE)
    [to_billing] = _say(conv, "I want a refund")
    _update(conv, BILLING)
    _output(conv, to_billing, "{}")
    assert "I need the order id and the amount" in _words(_respond(conv))
    *_, call = _say(conv, "B C 12, twenty dollars")
    assert json.loads(call["arguments"]) == {"order_id": "BC12", "amount": 20.0}
