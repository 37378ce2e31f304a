"""Issue 4: an output guardrail trips on a streaming answer: one event, one interrupt."""

from __future__ import annotations

from typing import Any

import pytest

from console.engine import LocalEngine
from console.engine.scenario import Scenario
from console.realtime import GuardrailFunctionOutput, RealtimeAgent, output_guardrail

from .support import WireTap, live_session, long_reply_scenario


@pytest.fixture
def pace() -> float:
    return 4.0  # the answer must still be streaming when the guardrail trips


@pytest.fixture
def scenario() -> Scenario:
    return long_reply_scenario()


checked: list[str] = []


@output_guardrail(name="no_codes")
def no_codes(ctx: Any, agent: Any, text: str) -> GuardrailFunctionOutput:
    checked.append(text)
    return GuardrailFunctionOutput(
        output_info={"length": len(text)}, tripwire_triggered="1234" in text
    )


async def test_a_tripped_guardrail_interrupts_the_response_once(
    tap: WireTap, engine: LocalEngine
) -> None:
    checked.clear()
    agent = RealtimeAgent("Assistant", output_guardrails=[no_codes])
    config: Any = {"guardrails_settings": {"debounce_text_length": 10}}
    async with live_session(tap, engine, agent, config=config) as live:
        await live.session.send_message("Tell me a story")
        [tripped] = await live.events.wait_for("guardrail_tripped")
        # The session tells the model why, and the engine answers that message.
        [_, answer] = await live.events.wait_raw("response.done", count=2)
        [first, _] = live.events.raw("response.done")

    assert "1234" in tripped.message
    [result] = tripped.guardrail_results
    assert result.guardrail is no_codes and result.output.tripwire_triggered
    assert len(live.events.of("guardrail_tripped")) == 1
    # The interrupt: one response.cancel, for the response that was streaming.
    assert len(tap.sent("response.cancel")) == 1
    assert len(tap.sent("conversation.item.truncate")) <= 1
    assert first["response"]["status"] == "cancelled"
    assert first["response"]["status_details"]["reason"] == "client_cancelled"
    assert answer["response"]["status"] == "completed"
    said = [e["item"]["content"][0]["text"] for e in tap.sent("conversation.item.create")]
    assert said == ["Tell me a story", "guardrail triggered: no_codes"]
    [_, reply] = tap.received("response.output_audio_transcript.done")
    assert reply["transcript"] == 'You said: "guardrail triggered: no_codes".'
    # The cancelled answer stopped early: the engine never got to its last sentence.
    assert "Sentence number 8" not in "".join(
        d["delta"] for d in tap.received("response.output_audio_transcript.delta")
    )
    # No audio of the tripped response reached the session's listeners after the trip.
    tripped_at = live.events.events.index(tripped)
    late = [
        e
        for e in live.events.events[tripped_at:]
        if e.type == "audio" and e.audio.response_id == first["response"]["id"]
    ]
    assert late == []
