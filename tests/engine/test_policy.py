"""The deterministic policy: tools and handoffs matched from words, arguments from the schema."""

from __future__ import annotations

import json
from typing import Any

import pytest

from console.engine.arguments import extract_arguments
from console.engine.policy import GREETING, Call, PolicyInput, Say, decide, tool_sentence
from console.engine.scenario import ScenarioCursor

from .support import CHANGE_BOOKING_TOOL, WEATHER_TOOL, handoff_tool

BOOKING = {
    "type": "function",
    "name": "book_table",
    "description": "Reserve a table at a restaurant.",
    "parameters": {
        "type": "object",
        "properties": {
            "restaurant": {"type": "string"},
            "guests": {"type": "integer", "minimum": 1, "maximum": 12},
            "seating": {"$ref": "#/$defs/Seating"},
            "notes": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        },
        "required": ["restaurant", "guests", "seating"],
        "$defs": {"Seating": {"enum": ["inside", "terrace", "bar"], "type": "string"}},
    },
}
HANDOFF = {
    "type": "function",
    "name": "transfer_to_billing_agent",
    "description": "Handoff to the Billing Agent agent to handle the request.",
    "parameters": {"type": "object", "properties": {}, "required": []},
}


def _user(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def _decide(items: list[dict[str, Any]], tools: list[Any], choice: Any = "auto") -> list[Any]:
    return decide(PolicyInput(items, tools, choice), ScenarioCursor(None))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What is the weather in London?", {"city": "London"}),
        ("what's the weather like in san francisco", {"city": "san francisco"}),
        ('Weather for "Rio de Janeiro", please', {"city": "Rio de Janeiro"}),
        ("Is it raining? Weather in the city of Oslo", {"city": "Oslo"}),
        # A place the engine does not know ends where the time of the question starts.
        ("weather in reykjavik right now", {"city": "reykjavik"}),
        ("is it snowing in ouagadougou at the moment", {"city": "ouagadougou"}),
        ("weather for kansas city this weekend", {"city": "kansas city"}),
    ],
)
def test_weather_questions_call_the_tool(text: str, expected: dict[str, str]) -> None:
    [call] = _decide([_user(text)], [WEATHER_TOOL, BOOKING])
    assert isinstance(call, Call)
    assert call.name == "get_weather"
    assert json.loads(call.arguments) == expected


def test_numbers_enums_refs_and_optional_strings() -> None:
    [call] = _decide(
        [_user("Book a table at Luigi for four guests on the terrace")], [WEATHER_TOOL, BOOKING]
    )
    assert isinstance(call, Call) and call.name == "book_table"
    assert json.loads(call.arguments) == {"restaurant": "Luigi", "guests": 4, "seating": "terrace"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please refund order 42, 20 dollars", {"order_id": "42", "amount": 20.0}),
        ("I need a refund of 20 dollars for order 42", {"order_id": "42", "amount": 20.0}),
        ("refund order #A-17 for $35.50", {"order_id": "A-17", "amount": 35.5}),
        ("refund order id 99 amount 5", {"order_id": "99", "amount": 5.0}),
        # Letters a recogniser wrote as the words they sound like, before the code's number.
        ("refund order see are fourteen, twenty dollars", {"order_id": "CR14", "amount": 20.0}),
        ("refund twenty dollars on order be you twelve", {"order_id": "BU12", "amount": 20.0}),
        # Letters that make no word, written small, before the code's number.
        ("Please refund order gj 47 for $25.", {"order_id": "GJ47", "amount": 25.0}),
    ],
)
def test_identifiers_take_one_token_and_their_digits_are_not_amounts(
    text: str, expected: dict[str, Any]
) -> None:
    schema = {
        "type": "object",
        "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"}},
        "required": ["order_id", "amount"],
    }
    assert extract_arguments(text, schema, tool_name="refund_order") == expected


def test_required_values_are_always_filled_within_bounds() -> None:
    args = extract_arguments(
        "reserve a table for 40 people", BOOKING["parameters"], tool_name="book_table"
    )
    assert args["guests"] == 12  # clamped to the maximum
    assert args["seating"] == "inside"  # no enum value heard: the first one
    assert "notes" not in args  # optional and not found


def test_handoff_when_the_agent_is_named() -> None:
    [call] = _decide([_user("Can I talk to billing about my invoice?")], [WEATHER_TOOL, HANDOFF])
    assert call == Call("transfer_to_billing_agent", "{}")


def test_handoff_by_what_the_agent_is_described_to_handle() -> None:
    refunds = {
        "type": "function",
        "name": "transfer_to_billing",
        "description": "Handoff to the Billing agent to handle the request. Refunds and invoices.",
        "parameters": {"type": "object", "properties": {}},
    }
    [call] = _decide([_user("I want a refund for order 42")], [WEATHER_TOOL, refunds])
    assert call == Call("transfer_to_billing", "{}")
    # The boilerplate of the default description matches nothing, and a fitting tool of the
    # current agent still wins over a handoff by description.
    assert isinstance(_decide([_user("Handle my request")], [refunds])[0], Say)
    [weather] = _decide([_user("weather for the refund trip in Rome")], [WEATHER_TOOL, refunds])
    assert isinstance(weather, Call) and weather.name == "get_weather"


def test_tool_choice_none_required_and_forced() -> None:
    weather = [_user("What is the weather in Rome?")]
    assert isinstance(_decide(weather, [WEATHER_TOOL], "none")[0], Say)
    [call] = _decide([_user("Hello")], [WEATHER_TOOL], "required")
    assert isinstance(call, Call) and call.name == "get_weather"
    [forced] = _decide(weather, [WEATHER_TOOL, BOOKING], {"type": "function", "name": "book_table"})
    assert isinstance(forced, Call) and forced.name == "book_table"


def test_after_a_tool_output_one_sentence_uses_it() -> None:
    items = [
        _user("weather in Rome"),
        {"type": "function_call", "name": "get_weather", "call_id": "c1", "arguments": "{}"},
        {
            "type": "function_call_output",
            "call_id": "c1",
            "output": json.dumps({"sky": "clear", "temp_c": 21}),
        },
    ]
    assert _decide(items, [WEATHER_TOOL]) == [
        Say("The get weather tool says: sky is clear, temp c is 21.")
    ]
    assert tool_sentence("transfer_to_billing_agent", "{}").startswith(
        "You are now talking to billing agent"
    )


def test_otherwise_it_echoes_or_greets() -> None:
    assert _decide([_user("Tell me a joke")], [WEATHER_TOOL]) == [
        Say('You said: "Tell me a joke".')
    ]
    assert _decide([], []) == [Say(GREETING)]
    audio = {
        "id": "item_1",
        "type": "message",
        "role": "user",
        "content": [{"type": "input_audio", "transcript": None}],
    }
    heard = decide(
        PolicyInput([audio], [], "auto", {"item_1": "[speech, 1.8 s]"}), ScenarioCursor(None)
    )
    assert heard == [Say("I heard 1.8 seconds of speech, but no speech recogniser is installed.")]


def test_misheard_tool_words_still_match() -> None:
    [call] = _decide([_user("well it's about whether we london")], [WEATHER_TOOL])
    assert isinstance(call, Call) and call.name == "get_weather"


RESEARCH = {
    "type": "function",
    "name": "research",
    "description": "Research a topic in depth in the background; takes a few seconds.",
    "parameters": {
        "type": "object",
        "properties": {"task": {"type": "string"}},
        "required": ["task"],
    },
}


@pytest.mark.parametrize(
    ("text", "name", "arguments"),
    [
        ("is it raining in Oslo right now", "get_weather", {"city": "Oslo"}),
        ("please look into the economy", "research", {"task": "the economy"}),
        ("could you find out about solar panels", "research", {"task": "solar panels"}),
        ("reschedule booking Q X nine to friday", "change_booking", {"new_date": "friday"}),
        # What the action word acts on, whatever stands before it ("could", misheard).
        ("Code you investigate renewable energy.", "research", {"task": "renewable energy"}),
        ("please research the history of jazz", "research", {"task": "the history of jazz"}),
        # The tool named wins a tie with one that words around a place point at.
        ("research wind turbines in Denmark", "research", {"task": "wind turbines in Denmark"}),
    ],
)
def test_everyday_words_for_a_tool_call_it(text: str, name: str, arguments: dict[str, Any]) -> None:
    outputs = _decide([_user(text)], [WEATHER_TOOL, RESEARCH, CHANGE_BOOKING_TOOL])
    [call] = [o for o in outputs if isinstance(o, Call)]
    assert call.name == name
    assert json.loads(call.arguments).items() >= arguments.items()


@pytest.mark.parametrize(
    "text", ["this is my second turn", "the background music is nice", "can you study oslo"]
)
def test_one_word_of_a_description_fires_no_tool(text: str) -> None:
    outputs = _decide([_user(text)], [WEATHER_TOOL, RESEARCH, CHANGE_BOOKING_TOOL])
    assert not [o for o in outputs if isinstance(o, Call)]


def test_a_related_word_counts_as_said_not_by_its_stem() -> None:
    travel = handoff_tool("Travel", "Bookings and trips.")
    [call] = _decide([_user("my trains were cancelled")], [WEATHER_TOOL, travel])
    assert call == Call("transfer_to_travel", "{}")
    # "training" is no train (a recogniser writes it for "raining", too).
    outputs = _decide([_user("my training session was cancelled")], [WEATHER_TOOL, travel])
    assert not [o for o in outputs if isinstance(o, Call)]


def test_weak_evidence_is_acted_on_unless_two_actions_tie() -> None:
    # "sunny" points at the weather only, but nothing says where: ask for the city, never guess.
    [say] = _decide([_user("sunny")], [WEATHER_TOOL, RESEARCH])
    assert say == Say("To get weather, I need the city. What is it?")
    # A known place alone, after misheard words, is a weather question.
    [call] = _decide([_user("it week that for london please")], [WEATHER_TOOL, RESEARCH])
    assert call == Call("get_weather", json.dumps({"city": "london"}))
    # So is a known place heard as words that sound like it ("umbrella" misheard too).
    [call] = _decide([_user("I need a number in my army today.")], [WEATHER_TOOL, RESEARCH])
    assert call == Call("get_weather", json.dumps({"city": "Miami"}))
    # "study" (research) and "oslo" (weather) weigh the same: which one is asked back.
    [say] = _decide([_user("can you study oslo")], [WEATHER_TOOL, RESEARCH])
    assert isinstance(say, Say) and say.text.endswith("Which would you like?")
    assert "get weather" in say.text and "research" in say.text


def test_a_code_is_never_made_of_ordinary_words() -> None:
    # A misheard booking code ("o music until") must not become booking_id: ask for it instead.
    [say] = _decide([_user("change booking o music until may")], [CHANGE_BOOKING_TOOL])
    assert isinstance(say, Say) and "booking id" in say.text
