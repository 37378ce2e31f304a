"""The RealtimeModel interface, its listener and config, and the playback tracker."""

from __future__ import annotations

import abc
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypedDict

from .audio_formats import AudioFormat, calculate_audio_length_ms, normalize_audio_format
from .config import RealtimeSessionModelSettings
from .model_events import RealtimeModelEvent
from .model_inputs import RealtimeModelSendEvent


class RealtimePlaybackState(TypedDict):
    current_item_id: str | None
    current_item_content_index: int | None
    elapsed_ms: float | None


class RealtimePlaybackTracker:
    """Tracks how much of the assistant's audio has actually been played.

    The audio layer calls ``on_play_bytes`` (or ``on_play_ms``) as it hands audio to the device;
    on an interrupt the transport reads ``get_state`` to truncate exactly at what the user heard,
    then calls ``on_interrupted``. Pass one as ``playback_tracker`` in the model config when you
    play audio yourself; without one, the transport assumes real-time playback from the first
    delta.
    """

    def __init__(self) -> None:
        self._format: AudioFormat = "pcm16"
        self._item_id: str | None = None
        self._content_index: int | None = None
        self._elapsed_ms: float | None = None

    def set_audio_format(self, format: Any) -> None:
        """The output format (any spelling, a GA mapping or an ``openai`` format object); the
        transport calls it when the session's format is known, so G.711 bytes count right."""
        self._format = normalize_audio_format(format)

    def on_play_bytes(
        self, item_id: str, item_content_index: int, audio_bytes: bytes | int
    ) -> None:
        self.on_play_ms(
            item_id, item_content_index, calculate_audio_length_ms(self._format, audio_bytes)
        )

    def on_play_ms(self, item_id: str, item_content_index: int, ms: float) -> None:
        if item_id != self._item_id or item_content_index != self._content_index:
            self._item_id, self._content_index, self._elapsed_ms = item_id, item_content_index, 0.0
        self._elapsed_ms = (self._elapsed_ms or 0.0) + ms

    def on_interrupted(self) -> None:
        """Called by the transport once it has truncated at ``get_state()``: clears the state."""
        self._item_id = self._content_index = self._elapsed_ms = None

    def get_state(self) -> RealtimePlaybackState:
        return {
            "current_item_id": self._item_id,
            "current_item_content_index": self._content_index,
            "elapsed_ms": self._elapsed_ms,
        }


class ModelAudioTracker:
    """The default tracker: assumes playback runs in real time from an item's first delta.

    Keeps per (item, content index) the audio received and when it started, so the transport can
    truncate at elapsed wall time, clamped to what was received. The clock is injectable.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._format: AudioFormat = "pcm16"
        self._items: dict[tuple[str, int], tuple[float, float]] = {}
        self._last: tuple[str, int] | None = None

    def set_audio_format(self, format: str | dict[str, object] | None) -> None:
        self._format = normalize_audio_format(format)

    def on_audio_delta(self, item_id: str, content_index: int, audio_bytes: bytes | int) -> None:
        key = (item_id, content_index)
        ms = calculate_audio_length_ms(self._format, audio_bytes)
        started, received = self._items.get(key, (self._clock(), 0.0))
        self._items[key] = (started, received + ms)
        self._last = key

    def received_ms(self, item_id: str, content_index: int) -> float:
        return self._items.get((item_id, content_index), (0.0, 0.0))[1]

    def played_ms(self, item_id: str, content_index: int) -> float:
        """Wall time since the item's first delta, clamped to [0, audio received]."""
        started, received = self._items.get((item_id, content_index), (0.0, 0.0))
        if received <= 0:
            return 0.0
        return max(0.0, min(received, (self._clock() - started) * 1000.0))

    def last_item(self) -> tuple[str, int] | None:
        return self._last

    def on_interrupted(self) -> None:
        self._last = None

    def clear(self) -> None:
        self._items.clear()
        self._last = None


class RealtimeModelConfig(TypedDict, total=False):
    """How to connect: credentials, endpoint, initial settings and playback tracking."""

    api_key: str | Callable[[], str | Awaitable[str]]
    url: str
    headers: dict[str, str]
    initial_model_settings: RealtimeSessionModelSettings
    playback_tracker: RealtimePlaybackTracker
    call_id: str
    transport: Any
    """Socket settings of the WebSocket transport: a ``TransportConfig`` or a dict of its fields."""


class RealtimeModelListener(abc.ABC):
    """Receives every event a model emits."""

    @abc.abstractmethod
    async def on_event(self, event: RealtimeModelEvent) -> None: ...


class RealtimeModel(abc.ABC):
    """A connection to a realtime model. Implementations: the OpenAI WebSocket transport, the SIP
    variant, and the scripted model used in tests."""

    @abc.abstractmethod
    async def connect(self, options: RealtimeModelConfig) -> None: ...

    @abc.abstractmethod
    def add_listener(self, listener: RealtimeModelListener) -> None: ...

    @abc.abstractmethod
    def remove_listener(self, listener: RealtimeModelListener) -> None: ...

    @abc.abstractmethod
    async def send_event(self, event: RealtimeModelSendEvent) -> None: ...

    async def send_event_if(
        self, event: RealtimeModelSendEvent, send_if: Callable[[], bool]
    ) -> bool:
        """Send ``event`` only if ``send_if()`` still holds where the event is committed; True
        if it was sent. A model must override this to support it (the session sends guardrail
        feedback this way): this default sends nothing and returns False, as the SDK's, since
        a check made before awaiting ``send_event`` would not be atomic."""
        return False

    @abc.abstractmethod
    async def close(self) -> None: ...
