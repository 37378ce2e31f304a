"""BargeIn: stopping the assistant's playing audio: one truncate at what was heard, then cancel."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from . import wire
from .audio_formats import SAMPLE_RATES
from .model import RealtimePlaybackTracker
from .model_events import RealtimeModelAudioInterruptedEvent, RealtimeModelEvent

if TYPE_CHECKING:
    from .client_events import WireWriter


class BargeIn:
    """The transport's interrupt: on the user's speech (barge-in) or on a session's request.
    Reads what is playing from the decoder's audio tracker (or the application's playback
    tracker), and writes the truncate and cancel through ``writer``."""

    def __init__(
        self,
        decoder: wire.ServerEventDecoder,
        responses: wire.ResponseSequencer,
        writer: WireWriter,
        *,
        emit: Callable[[RealtimeModelEvent], Awaitable[None]],
        playback: Callable[[], RealtimePlaybackTracker | None],
    ) -> None:
        self._decoder = decoder
        self._responses = responses
        self._writer = writer
        self._emit = emit
        self._playback = playback

    async def on_speech_started(self, data: dict[str, Any]) -> None:
        await self.interrupt(force_cancel=False, barge_in=True)

    async def on_truncated(self, data: dict[str, Any]) -> None:
        item_id = data.get("item_id")
        if isinstance(item_id, str):
            # conversation.item.truncated lacks the shortened transcript; fetch the item.
            await self._writer.send([{"type": "conversation.item.retrieve", "item_id": item_id}])

    def _playing(self) -> tuple[str, int, float] | None:
        """(item, content index, ms heard) of assistant audio still playing, or None."""
        tracker = self._decoder.audio_tracker
        last = tracker.last_item()
        if last is None or last in self._decoder.interrupted:
            return None
        item_id, index = last
        received = tracker.received_ms(item_id, index)
        playback = self._playback()
        if playback is not None:
            state = playback.get_state()
            same = state.get("current_item_id") == item_id and (
                state.get("current_item_content_index") or 0
            ) == index
            # A playback tracker that has not reached this item yet means none of it was heard.
            played = float(state.get("elapsed_ms") or 0.0) if same else 0.0
        else:
            played = tracker.played_ms(item_id, index)
        played = max(0.0, min(played if math.isfinite(played) else 0.0, received))
        # What was received and what was played are sums of different pieces (deltas, device
        # blocks), so an item played to its end can come out a float ulp short: anything within
        # half a sample of the end (at the session's output rate) was heard to the end.
        half_sample_ms = 500.0 / SAMPLE_RATES[self._decoder.output_format]
        if last in self._decoder.audio_done and played >= received - half_sample_ms:
            return None  # everything received was already heard: nothing to stop
        return item_id, index, played

    async def interrupt(
        self,
        *,
        force_cancel: bool,
        barge_in: bool,
        playback: bool = True,
        cancel: bool = True,
        response_id: str | None = None,
    ) -> None:
        """Stop the playing item: audio_interrupted, one truncate at what was heard, cancel.
        ``playback``/``cancel`` False skip that half; ``response_id`` scopes the cancel."""
        playing = self._playing() if playback else None
        if playing is not None:
            item_id, index, played = playing
            self._decoder.interrupted.add((item_id, index))
            self._decoder.audio_tracker.on_interrupted()
            tracker = self._playback()
            if tracker is not None:
                tracker.on_interrupted()
            await self._emit(
                RealtimeModelAudioInterruptedEvent(item_id=item_id, content_index=index)
            )
            await self._writer.send([wire.truncate(item_id, index, int(played))])
        elif barge_in:
            return  # speech while nothing plays is just the user's turn
        if not cancel:
            return
        server_cancels = wire.auto_cancels_on_speech(self._decoder.session)
        if self._responses.active and (force_cancel or not server_cancels):
            message: dict[str, Any] = {"type": "response.cancel"}
            if response_id is not None:
                message["response_id"] = response_id
            await self._writer.send([message])
