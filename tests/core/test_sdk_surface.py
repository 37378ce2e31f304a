"""The SDK's public surface: names, model event shapes, the playback tracker, handoff checks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from openai.types.realtime.realtime_audio_formats import AudioPCM, AudioPCMA, AudioPCMU
from pydantic import BaseModel

import console.realtime as rt
from console.realtime import (
    ModelBehaviorError,
    RealtimeAgent,
    RealtimePlaybackTracker,
    RunContextWrapper,
    UserError,
    collect_enabled_handoffs,
    realtime_handoff,
    to_realtime_audio_format,
)
from console.realtime import model_events as me
from console.realtime.openai_options import TransportConfig

# Names of the SDK's agents.realtime.__all__ (0.24 era) that were missing before, among others.
SDK_NAMES = [
    "RealtimeAgentHooks", "RealtimeRunHooks", "RealtimeAudioFormat", "RealtimeClientMessage",
    "RealtimeReasoningConfig", "RealtimeReasoningEffort", "RealtimeToolExecutionConfig",
    "RealtimeModelUsageEvent", "RealtimeModelEndOfStreamEvent", "RealtimeModelInputTokensDetails",
    "RealtimeModelOutputTokensDetails", "RealtimeModelCachedTokensDetails", "get_api_key",
    "RealtimeAgent", "RealtimeRunner", "RealtimeSession", "OpenAIRealtimeWebSocketModel",
    "OpenAIRealtimeSIPModel", "RealtimePlaybackTracker", "function_tool", "realtime_handoff",
]


def test_the_sdk_names_are_exported() -> None:
    for name in SDK_NAMES:
        assert name in rt.__all__, name
        assert getattr(rt, name) is not None
    assert rt.collect_enabled_handoffs and rt.to_realtime_audio_format


def test_model_events_construct_positionally_and_carry_type_on_the_class() -> None:
    assert me.RealtimeModelTurnStartedEvent.type == "turn_started"
    assert me.RealtimeModelAudioEvent.type == "audio"
    assert me.RealtimeModelEndOfStreamEvent().type == "end_of_stream"
    # The SDK's field order: type first for turn events.
    assert me.RealtimeModelTurnEndedEvent("turn_ended", "r1").response_id == "r1"
    assert me.RealtimeModelAudioEvent(b"\x00", "r1", "i1", 0).item_id == "i1"
    usage = me.RealtimeModelUsageEvent(rt.Usage(1, 8, 5, 13))
    assert usage.type == "usage" and usage.usage.total_tokens == 13
    interrupt = rt.RealtimeModelSendInterrupt(True, "response_1", True)
    assert (interrupt.force_response_cancel, interrupt.response_id,
            interrupt.cancel_response_only, interrupt.playback_only) == (
        True, "response_1", True, False)


@pytest.mark.parametrize("fmt", ["g711_ulaw", "audio/pcmu", {"type": "audio/pcmu"},
                                 AudioPCMU(type="audio/pcmu"), AudioPCMA(type="audio/pcma")])
def test_tracker_counts_g711_in_every_spelling(fmt: Any) -> None:
    tracker = RealtimePlaybackTracker()
    tracker.set_audio_format(fmt)
    tracker.on_play_bytes("item_1", 0, b"\x00" * 4000)
    assert tracker.get_state() == {
        "current_item_id": "item_1", "current_item_content_index": 0, "elapsed_ms": 500.0}
    tracker.on_interrupted()
    assert tracker.get_state() == {
        "current_item_id": None, "current_item_content_index": None, "elapsed_ms": None}
    tracker.on_play_ms("item_1", 0, 20.0)  # after a reset, counting starts over
    assert tracker.get_state()["elapsed_ms"] == 20.0


def test_to_realtime_audio_format_gives_openai_types() -> None:
    assert to_realtime_audio_format("pcm16") == AudioPCM(type="audio/pcm", rate=24000)
    assert to_realtime_audio_format({"type": "audio/pcma"}) == AudioPCMA(type="audio/pcma")
    ulaw = AudioPCMU(type="audio/pcmu")
    assert to_realtime_audio_format(ulaw) is ulaw
    assert to_realtime_audio_format("opus") is None and to_realtime_audio_format(None) is None


def test_transport_config_accepts_the_sdk_dict() -> None:
    model = rt.OpenAIRealtimeWebSocketModel(
        transport_config={"ping_interval": None, "handshake_timeout": 2.5, "max_size": 1 << 20})
    config = model.transport_config
    assert isinstance(config, TransportConfig)
    assert (config.ping_interval, config.handshake_timeout, config.max_size) == (
        None, 2.5, 1 << 20)


class Reason(BaseModel):
    name: str
    age: int


async def test_handoff_input_is_strict_and_on_handoff_must_be_callable() -> None:
    target = RealtimeAgent("Target")
    with pytest.raises(UserError, match="on_handoff must be callable"):
        realtime_handoff(target, on_handoff="nope", input_type=int)  # type: ignore[arg-type]
    got: list[Reason] = []
    handoff = realtime_handoff(target, on_handoff=lambda ctx, r: got.append(r), input_type=Reason)
    with pytest.raises(ModelBehaviorError, match="Invalid JSON"):
        await handoff.on_invoke_handoff(RunContextWrapper(None), '{"name": "A", "age": "25"}')
    assert await handoff.on_invoke_handoff(
        RunContextWrapper(None), '{"name": "A", "age": 25}') is target
    assert got == [Reason(name="A", age=25)]


async def test_collect_enabled_handoffs_cancels_the_other_checks_on_error() -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def slow(ctx: Any, agent: Any) -> bool:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return True

    async def broken(ctx: Any, agent: Any) -> bool:
        await started.wait()
        raise RuntimeError("enablement failed")

    parent = RealtimeAgent("Parent", handoffs=[
        realtime_handoff(RealtimeAgent("Slow"), is_enabled=slow),
        realtime_handoff(RealtimeAgent("Broken"), is_enabled=broken),
        RealtimeAgent("Plain"),
    ])
    with pytest.raises(RuntimeError, match="enablement failed"):
        await asyncio.wait_for(collect_enabled_handoffs(parent, RunContextWrapper(None)), 5)
    assert cancelled.is_set()
    plain = RealtimeAgent("P2", handoffs=[RealtimeAgent("Plain")])
    assert [h.tool_name for h in await collect_enabled_handoffs(
        plain, RunContextWrapper(None))] == ["transfer_to_plain"]


def test_agent_field_types_raise_type_error_as_the_sdk() -> None:
    with pytest.raises(TypeError, match="RealtimeAgent name must be a string"):
        RealtimeAgent(name=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="RealtimeAgent tools must be a list"):
        RealtimeAgent(name="x", tools="nope")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="RealtimeAgent instructions must be"):
        RealtimeAgent(name="x", instructions=123)  # type: ignore[arg-type]
    with pytest.raises(UserError):
        RealtimeAgent(name="")
