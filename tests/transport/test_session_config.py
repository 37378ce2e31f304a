"""session.update payloads: GA shape, SDK defaults, overrides, tools and handoffs, SIP payloads."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.realtime import RealtimeSessionCreateRequest

from console.realtime import wire
from console.realtime.agent import RealtimeAgent
from console.realtime.handoffs import realtime_handoff
from console.realtime.sip import OpenAIRealtimeSIPModel, session_payload
from console.realtime.tools import function_tool

from .conftest import check_client_event


def update(session: dict[str, Any]) -> dict[str, Any]:
    event = {"type": "session.update", "session": session}
    check_client_event(event)
    return event


def get_weather(city: str) -> str:
    """Look up the weather for a city.

    Args:
        city: The city to look up.
    """
    return f"foggy in {city}"


def test_defaults_match_the_sdk() -> None:
    session = wire.build_session_config({}, model="gpt-realtime")
    update(session)
    assert session == {
        "type": "realtime",
        "model": "gpt-realtime",
        "output_modalities": ["audio"],
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "transcription": {"model": "gpt-4o-mini-transcribe"},
                "turn_detection": {"type": "semantic_vad", "interrupt_response": True},
            },
            "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "ash"},
        },
        "tools": [],
    }


def test_every_setting_lands_in_its_ga_place() -> None:
    session = wire.build_session_config(
        {
            "model_name": "gpt-realtime-mini",
            "instructions": "Be brief.",
            "prompt": {"id": "pmpt_1", "version": "2", "variables": {"name": "Ada"}},
            "modalities": ["text"],
            "voice": "marin",
            "speed": 1.2,
            "input_audio_format": "g711_ulaw",
            "output_audio_format": "audio/pcma",
            "input_audio_transcription": {"model": "whisper-1", "language": "en"},
            "input_audio_noise_reduction": {"type": "near_field"},
            "turn_detection": {
                "type": "server_vad",
                "createResponse": False,
                "interruptResponse": False,
                "silenceDurationMs": 300,
                "prefixPaddingMs": 200,
                "idleTimeoutMs": 6000,
                "threshold": 0.4,
            },
            "tool_choice": "required",
            "max_output_tokens": 512,
            "tracing": {"workflow_name": "desk", "group_id": "g1"},
        },
        model="ignored",
        include_tracing=True,
    )
    update(session)
    assert session["model"] == "gpt-realtime-mini"
    assert session["instructions"] == "Be brief."
    assert session["prompt"] == {"id": "pmpt_1", "version": "2", "variables": {"name": "Ada"}}
    assert session["output_modalities"] == ["text"]
    audio_in, audio_out = session["audio"]["input"], session["audio"]["output"]
    assert audio_in["format"] == {"type": "audio/pcmu"}
    assert audio_out == {"format": {"type": "audio/pcma"}, "voice": "marin", "speed": 1.2}
    assert audio_in["transcription"] == {"model": "whisper-1", "language": "en"}
    assert audio_in["noise_reduction"] == {"type": "near_field"}
    assert audio_in["turn_detection"] == {
        "type": "server_vad",
        "create_response": False,
        "interrupt_response": False,
        "silence_duration_ms": 300,
        "prefix_padding_ms": 200,
        "idle_timeout_ms": 6000,
        "threshold": 0.4,
    }
    assert session["tool_choice"] == "required"
    assert session["max_output_tokens"] == 512
    assert session["tracing"] == {"workflow_name": "desk", "group_id": "g1"}


def test_snake_case_wins_over_camel_case() -> None:
    assert wire.normalize_turn_detection(
        {"interruptResponse": True, "interrupt_response": False}
    ) == {"interrupt_response": False}
    assert wire.normalize_turn_detection(None) is None


def test_none_disables_turn_detection_transcription_and_tracing() -> None:
    session = wire.build_session_config(
        {"turn_detection": None, "input_audio_transcription": None, "tracing": None},
        model="m",
        include_tracing=True,
    )
    update(session)
    assert session["audio"]["input"]["turn_detection"] is None
    assert session["audio"]["input"]["transcription"] is None
    assert session["tracing"] is None
    assert not wire.auto_cancels_on_speech(session)


def test_nested_ga_audio_block_wins() -> None:
    settings: Any = {
        "voice": "ash",
        "audio": {"output": {"voice": "cedar", "format": {"type": "audio/pcmu"}},
                  "input": {"turn_detection": {"type": "server_vad", "interruptResponse": True}}},
    }
    session = wire.build_session_config(settings, model="m")
    update(session)
    assert session["audio"]["output"]["voice"] == "cedar"
    assert session["audio"]["output"]["format"] == {"type": "audio/pcmu"}
    assert wire.auto_cancels_on_speech(session)


def test_tools_and_handoffs_become_functions() -> None:
    tool = function_tool(get_weather)
    billing = RealtimeAgent(name="Billing agent", handoff_description="Handles invoices.")
    handoff = realtime_handoff(billing)
    session = wire.build_session_config({"tools": [tool], "handoffs": [handoff]}, model="m")
    update(session)
    weather, transfer = session["tools"]
    assert weather["type"] == "function"
    assert weather["name"] == "get_weather"
    assert weather["description"] == "Look up the weather for a city."
    assert weather["parameters"]["properties"]["city"]["type"] == "string"
    assert transfer["name"] == handoff.tool_name == "transfer_to_billing_agent"
    assert transfer["description"] == handoff.tool_description
    assert transfer["parameters"] == handoff.input_json_schema


def test_a_tool_that_is_not_a_function_is_refused() -> None:
    with pytest.raises(ValueError, match="must be functions"):
        wire.build_session_config({"tools": [object()]}, model="m")


async def test_sip_initial_payload_mirrors_what_a_session_sends() -> None:
    async def instructions(ctx: Any, agent: Any) -> str:
        return f"You are {agent.name} for {ctx.context['caller']}."

    billing = RealtimeAgent(name="Billing")
    agent = RealtimeAgent(
        name="Desk",
        instructions=instructions,
        tools=[function_tool(get_weather)],
        handoffs=[billing],
        prompt={"id": "pmpt_9"},
    )
    payload = await session_payload(
        agent,
        context={"caller": "+441234"},
        model_config={"call_id": "rtc_1", "initial_model_settings": {"voice": "verse"}},
        run_config={"model_settings": {"voice": "alloy", "speed": 0.9}, "tracing_disabled": True},
        overrides={"speed": 1.1},
    )
    update(payload)
    assert payload["instructions"] == "You are Desk for +441234."
    assert [t["name"] for t in payload["tools"]] == ["get_weather", "transfer_to_billing"]
    assert payload["prompt"] == {"id": "pmpt_9"}
    assert payload["audio"]["output"]["voice"] == "verse"  # model config beats run config
    assert payload["audio"]["output"]["speed"] == 1.1  # overrides beat everything
    assert payload["tracing"] is None
    assert "format" not in payload["audio"]["input"]  # a SIP call negotiated its codec
    # The SDK's helper returns the same as openai's RealtimeSessionCreateRequest.
    typed = await OpenAIRealtimeSIPModel.build_initial_session_payload(
        agent,
        context={"caller": "+441234"},
        model_config={"call_id": "rtc_1", "initial_model_settings": {"voice": "verse"}},
        run_config={"model_settings": {"voice": "alloy", "speed": 0.9}, "tracing_disabled": True},
        overrides={"speed": 1.1},
    )
    assert isinstance(typed, RealtimeSessionCreateRequest)
    assert typed.model_dump(exclude_none=True) == RealtimeSessionCreateRequest.model_validate(
        payload).model_dump(exclude_none=True)
    assert typed.instructions == "You are Desk for +441234." and typed.prompt is not None


async def test_sip_payload_overrides_filter_disabled_tools_and_handoffs() -> None:
    on, off = function_tool(get_weather), function_tool(get_weather, name_override="hidden",
                                                         is_enabled=lambda ctx, agent: False)
    gone = realtime_handoff(RealtimeAgent(name="Gone"), is_enabled=False)
    agent = RealtimeAgent(name="Desk")
    payload = await session_payload(
        agent, overrides={"tools": [on, off], "handoffs": [gone], "output_audio_format": "pcmu"}
    )
    assert [t["name"] for t in payload["tools"]] == ["get_weather"]
    assert payload["audio"]["output"]["format"] == {"type": "audio/pcmu"}


async def test_disabled_handoffs_are_left_out() -> None:
    agent = RealtimeAgent(
        name="Desk", handoffs=[realtime_handoff(RealtimeAgent(name="Off"), is_enabled=False)]
    )
    payload = await session_payload(agent)
    assert payload["tools"] == []
    assert payload["instructions"] == ""
    assert payload["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
