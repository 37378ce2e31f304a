"""Events a RealtimeModel emits to its listeners: the transport's view of the server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .items import RealtimeItem

RealtimeConnectionStatus = Literal["connecting", "connected", "disconnected"]


@dataclass(slots=True)
class RealtimeModelErrorEvent:
    """The server (or the decoder) reported an error. ``error`` is the server's error object."""

    error: Any
    type: Literal["error"] = "error"


@dataclass(slots=True)
class RealtimeModelToolCallEvent:
    """The model called a function; ``arguments`` is the raw JSON text it produced."""

    name: str
    call_id: str
    arguments: str
    id: str | None = None
    previous_item_id: str | None = None
    type: Literal["function_call"] = "function_call"


@dataclass(slots=True)
class RealtimeModelAudioEvent:
    """A chunk of assistant audio, already decoded from base64."""

    data: bytes
    response_id: str
    item_id: str
    content_index: int
    type: Literal["audio"] = "audio"


@dataclass(slots=True)
class RealtimeModelAudioInterruptedEvent:
    """Playback of an item's audio must stop now (barge-in or local interrupt)."""

    item_id: str
    content_index: int
    type: Literal["audio_interrupted"] = "audio_interrupted"


@dataclass(slots=True)
class RealtimeModelAudioDoneEvent:
    item_id: str
    content_index: int
    type: Literal["audio_done"] = "audio_done"


@dataclass(slots=True)
class RealtimeModelInputAudioTimeoutTriggeredEvent:
    item_id: str
    audio_start_ms: int
    audio_end_ms: int
    type: Literal["input_audio_timeout_triggered"] = "input_audio_timeout_triggered"


@dataclass(slots=True)
class RealtimeModelInputAudioTranscriptionCompletedEvent:
    item_id: str
    transcript: str
    type: Literal["input_audio_transcription_completed"] = "input_audio_transcription_completed"


@dataclass(slots=True)
class RealtimeModelTranscriptDeltaEvent:
    """A piece of the assistant's audio transcript."""

    item_id: str
    delta: str
    response_id: str
    type: Literal["transcript_delta"] = "transcript_delta"


@dataclass(slots=True)
class RealtimeModelOutputTextDeltaEvent:
    """A piece of the assistant's text output (text modality)."""

    item_id: str
    delta: str
    response_id: str
    type: Literal["output_text_delta"] = "output_text_delta"


@dataclass(slots=True)
class RealtimeModelItemUpdatedEvent:
    item: RealtimeItem
    type: Literal["item_updated"] = "item_updated"


@dataclass(slots=True)
class RealtimeModelItemDeletedEvent:
    item_id: str
    type: Literal["item_deleted"] = "item_deleted"


@dataclass(slots=True)
class RealtimeModelConnectionStatusEvent:
    status: RealtimeConnectionStatus
    type: Literal["connection_status"] = "connection_status"


@dataclass(slots=True)
class RealtimeModelTurnStartedEvent:
    """A response began."""

    response_id: str | None = None
    type: Literal["turn_started"] = "turn_started"


@dataclass(slots=True)
class RealtimeModelTurnEndedEvent:
    """A response finished; ``usage`` and ``status`` as response.done reported them."""

    response_id: str | None = None
    status: str | None = None
    usage: dict[str, Any] | None = None
    type: Literal["turn_ended"] = "turn_ended"


@dataclass(slots=True)
class RealtimeModelOtherEvent:
    """Anything the session does not act on (speech_started, rate limits, unknown types...)."""

    data: Any
    type: Literal["other"] = "other"


@dataclass(slots=True)
class RealtimeModelExceptionEvent:
    """An exception inside the transport, with a short description of where it happened."""

    exception: Exception
    context: str | None = None
    type: Literal["exception"] = "exception"


@dataclass(slots=True)
class RealtimeModelRawServerEvent:
    """Every server message, as the decoded JSON object, forwarded before it is interpreted."""

    data: Any = field(default=None)
    type: Literal["raw_server_event"] = "raw_server_event"


RealtimeModelEvent = (
    RealtimeModelErrorEvent
    | RealtimeModelToolCallEvent
    | RealtimeModelAudioEvent
    | RealtimeModelAudioInterruptedEvent
    | RealtimeModelAudioDoneEvent
    | RealtimeModelInputAudioTimeoutTriggeredEvent
    | RealtimeModelInputAudioTranscriptionCompletedEvent
    | RealtimeModelTranscriptDeltaEvent
    | RealtimeModelOutputTextDeltaEvent
    | RealtimeModelItemUpdatedEvent
    | RealtimeModelItemDeletedEvent
    | RealtimeModelConnectionStatusEvent
    | RealtimeModelTurnStartedEvent
    | RealtimeModelTurnEndedEvent
    | RealtimeModelOtherEvent
    | RealtimeModelExceptionEvent
    | RealtimeModelRawServerEvent
)
