"""Barge-in stops only audio still playing: an item heard to its end (to within half a sample at
the session's output rate, float sums of deltas and device blocks differing) is not cut."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from console.realtime.barge_in import BargeIn
from console.realtime.model import RealtimePlaybackTracker
from console.realtime.model_events import RealtimeModelEvent
from console.realtime.wire import ResponseSequencer, ServerEventDecoder


class Writer:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(self, messages: list[dict[str, Any]]) -> None:
        self.sent.extend(messages)


def _decoder(format_type: str, deltas: list[int]) -> ServerEventDecoder:
    """A decoder that was told the output format, got ``deltas`` (byte counts) of item a1 and
    its audio done."""
    decoder = ServerEventDecoder()
    decoder.decode(json.dumps({"type": "session.updated", "session": {
        "type": "realtime", "audio": {"output": {"format": {"type": format_type}}}}}))
    for size in deltas:
        decoder.decode(json.dumps({
            "type": "response.output_audio.delta", "response_id": "r1", "item_id": "a1",
            "output_index": 0, "content_index": 0,
            "delta": base64.b64encode(bytes(size)).decode(),
        }))
    decoder.decode(json.dumps({
        "type": "response.output_audio.done", "response_id": "r1", "item_id": "a1",
        "output_index": 0, "content_index": 0,
    }))
    return decoder


async def _barge_in(decoder: ServerEventDecoder, short_by_ms: float) -> list[dict[str, Any]]:
    """What barge-in sends when playback reports all of a1 heard but ``short_by_ms``."""
    playback = RealtimePlaybackTracker()
    playback.set_audio_format(decoder.output_format)
    received = decoder.audio_tracker.received_ms("a1", 0)
    playback.on_play_ms("a1", 0, received - short_by_ms)
    writer = Writer()
    emitted: list[RealtimeModelEvent] = []

    async def emit(event: RealtimeModelEvent) -> None:
        emitted.append(event)

    barge = BargeIn(decoder, ResponseSequencer(), writer,  # type: ignore[arg-type]
                    emit=emit, playback=lambda: playback)
    await barge.interrupt(force_cancel=False, barge_in=True)
    assert bool(writer.sent) == bool(emitted)  # a truncate comes with audio_interrupted
    return writer.sent


@pytest.mark.parametrize(("format_type", "short_by_ms"), [
    ("audio/pcm", 0.0),
    ("audio/pcm", 1e-9),      # a float ulp or so: the audio layer's sums differ from ours
    ("audio/pcm", 0.02),      # under half a sample at 24 kHz (0.0208 ms)
    ("audio/pcmu", 0.06),     # under half a sample at 8 kHz (0.0625 ms)
])
async def test_an_item_heard_to_within_half_a_sample_of_its_end_is_not_cut(
    format_type: str, short_by_ms: float
) -> None:
    decoder = _decoder(format_type, [962, 962, 962])
    assert await _barge_in(decoder, short_by_ms) == []


@pytest.mark.parametrize(("format_type", "short_by_ms"), [
    ("audio/pcm", 1000.0 / 24_000),   # one whole sample at 24 kHz still to play
    ("audio/pcm", 0.03),              # past half a sample at 24 kHz...
    ("audio/pcmu", 0.125),            # one sample at 8 kHz
])
async def test_an_item_with_a_sample_or_more_to_play_is_cut_where_it_was_heard(
    format_type: str, short_by_ms: float
) -> None:
    decoder = _decoder(format_type, [962, 962, 962])
    sent = await _barge_in(decoder, short_by_ms)
    received = decoder.audio_tracker.received_ms("a1", 0)
    assert sent == [{"type": "conversation.item.truncate", "item_id": "a1", "content_index": 0,
                     "audio_end_ms": int(received - short_by_ms)}]
