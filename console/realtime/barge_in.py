"""BargeIn: stopping the assistant's playing audio: one truncate at what was heard, then cancel."""

from __future__ import annotations

import math
from typing import Any

from . import wire
from .client_events import ClientEventSending
from .model import RealtimePlaybackTracker
from .model_events import RealtimeModelAudioInterruptedEvent


class BargeIn(ClientEventSending):
    """The interrupt of ``OpenAIRealtimeWebSocketModel``: on the user's speech (barge-in) or on
    a session's request (a mixin; the model has the state)."""

    _playback_tracker: RealtimePlaybackTracker | None

    async def _on_speech_started(self, data: dict[str, Any]) -> None:
        await self._interrupt(force_cancel=False, barge_in=True)

    async def _on_truncated(self, data: dict[str, Any]) -> None:
        item_id = data.get("item_id")
        if isinstance(item_id, str):
            # conversation.item.truncated lacks the shortened transcript; fetch the item.
            await self._send([{"type": "conversation.item.retrieve", "item_id": item_id}])

    def _playing(self) -> tuple[str, int, float] | None:
        """(item, content index, ms heard) of assistant audio still playing, or None."""
        tracker = self._decoder.audio_tracker
        last = tracker.last_item()
        if last is None or last in self._decoder.interrupted:
            return None
        item_id, index = last
        received = tracker.received_ms(item_id, index)
        if self._playback_tracker is not None:
            state = self._playback_tracker.get_state()
            same = state.get("current_item_id") == item_id and (
                state.get("current_item_content_index") or 0
            ) == index
            # A playback tracker that has not reached this item yet means none of it was heard.
            played = float(state.get("elapsed_ms") or 0.0) if same else 0.0
        else:
            played = tracker.played_ms(item_id, index)
        played = max(0.0, min(played if math.isfinite(played) else 0.0, received))
        if last in self._decoder.audio_done and played >= received:
            return None  # everything received was already heard: nothing to stop
        return item_id, index, played

    async def _interrupt(
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
            if self._playback_tracker is not None:
                self._playback_tracker.on_interrupted()
            await self._emit(
                RealtimeModelAudioInterruptedEvent(item_id=item_id, content_index=index)
            )
            await self._send([wire.truncate(item_id, index, int(played))])
        elif barge_in:
            return  # speech while nothing plays is just the user's turn
        if not cancel:
            return
        server_cancels = wire.auto_cancels_on_speech(self._decoder.session)
        if self._responses.active and (force_cancel or not server_cancels):
            message: dict[str, Any] = {"type": "response.cancel"}
            if response_id is not None:
                message["response_id"] = response_id
            await self._send([message])
