"""The core hands the console typed events for the caller's speech and the audio settings, so
nothing outside it reads raw protocol messages."""

from __future__ import annotations

from pathlib import Path

from console.realtime import RealtimeAgent, RealtimeRunner
from console.realtime.model_events import RealtimeModelOtherEvent
from console.realtime.testing import ScriptedRealtimeModel

from .conftest import Reader

ROOT = Path(__file__).resolve().parents[2]


async def test_speech_commit_and_settings_arrive_as_typed_session_events() -> None:
    model = ScriptedRealtimeModel(strict=False)
    session = await (await RealtimeRunner(RealtimeAgent("Main"), model=model).run()).enter()
    reader = Reader(session)
    settings = {"audio": {
        "input": {"format": {"type": "audio/pcmu"}, "turn_detection": None},
        "output": {"format": {"type": "audio/pcmu"}},
    }}
    for data in (
        {"type": "session.updated", "session": settings},
        {"type": "input_audio_buffer.speech_started", "item_id": "u1", "audio_start_ms": 120},
        {"type": "input_audio_buffer.speech_stopped", "item_id": "u1", "audio_end_ms": 900},
        {"type": "input_audio_buffer.committed", "item_id": "u1"},
        {"type": "rate_limits.updated", "rate_limits": []},
    ):
        await model.emit(RealtimeModelOtherEvent(data))
    audio = await reader.until("audio_settings")
    assert (audio.input_format, audio.output_format) == ({"type": "audio/pcmu"},) * 2
    assert audio.turn_detection is False
    started = await reader.until("user_speech_started")
    assert (started.item_id, started.audio_start_ms) == ("u1", 120)
    stopped = await reader.until("user_speech_stopped")
    assert (stopped.item_id, stopped.audio_end_ms) == ("u1", 900)
    committed = await reader.until("input_audio_committed")
    assert committed.item_id == "u1"
    await session.close()
    # Anything else (rate limits here) stays a raw model event only.
    rest = {e.type for e in await reader.rest()}
    assert rest <= {"raw_model_event", "session_closed"}, rest


async def test_settings_that_do_not_state_turn_detection_leave_it_unknown() -> None:
    model = ScriptedRealtimeModel(strict=False)
    session = await (await RealtimeRunner(RealtimeAgent("Main"), model=model).run()).enter()
    reader = Reader(session)
    session_data = {"audio": {"output": {"format": {"type": "audio/pcm", "rate": 24000}}}}
    await model.emit(RealtimeModelOtherEvent({"type": "session.created", "session": session_data}))
    audio = await reader.until("audio_settings")
    assert audio.turn_detection is None and audio.input_format is None
    assert audio.output_format == {"type": "audio/pcm", "rate": 24000}
    await session.close()


def test_the_console_and_audio_layers_name_no_protocol_events() -> None:
    raw = ('"input_audio_buffer.', '"response.', '"conversation.', '"session.created',
           '"session.updated')
    found = [
        f"{path.relative_to(ROOT)}: {needle}"
        for folder in ("console/ui", "console/audio")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for needle in raw
        if needle in path.read_text(encoding="utf-8")
    ]
    assert found == []
