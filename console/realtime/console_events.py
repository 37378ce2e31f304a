"""Session events not in the SDK, for a console: connection, speech, turns, deltas, usage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .error_detail import ErrorDetail
from .model_events import RealtimeModelInputTokensDetails, RealtimeModelOutputTokensDetails
from .reconnect import ConnectionState
from .usage import Usage

if TYPE_CHECKING:
    from .agent import RealtimeAgent
    from .events import RealtimeEventInfo


@dataclass(slots=True)
class RealtimeAgentChanged:
    """Not in the SDK: ``agent`` holds the conversation from now on (on enter, after a handoff
    and after ``update_agent``; ``previous`` is None on enter). ``agent_start``/``agent_end``
    mark each turn's start and end, as in the SDK."""

    agent: RealtimeAgent[Any]
    previous: RealtimeAgent[Any] | None
    info: RealtimeEventInfo
    type: Literal["agent_changed"] = "agent_changed"


@dataclass(slots=True)
class RealtimeSessionClosed:
    """Not in the SDK: why the session closed; the last event of ``session.events()`` (plain
    ``async for event in session`` does not yield it: read ``session.closed_reason``)."""

    reason: str
    info: RealtimeEventInfo
    error: Any = field(default=None)
    type: Literal["session_closed"] = "session_closed"

    @property
    def detail(self) -> ErrorDetail | None:
        """``error`` read into typed fields; None when the session closed without one."""
        return None if self.error is None else ErrorDetail.of(self.error)


@dataclass(slots=True)
class RealtimeConnectionLost:
    """Not in the SDK: the connection dropped and the session will try to reconnect.

    Emitted when the drop is noticed and again after each failed attempt. ``attempt`` is the
    number of the next attempt (1-based), ``retry_in_s`` the wait before it (a "retry now" key
    calls ``session.reconnect_now()``), ``max_attempts`` the limit (None: no limit) and
    ``error`` why the connection (or the last attempt) failed, in words, without secrets.
    Sends meanwhile are held (audio is dropped) and go out after the reconnect.
    """

    attempt: int
    retry_in_s: float
    error: str
    info: RealtimeEventInfo
    max_attempts: int | None = None
    type: Literal["connection_lost"] = "connection_lost"


@dataclass(slots=True)
class RealtimeReconnecting:
    """Not in the SDK: reconnect attempt number ``attempt`` starts now."""

    attempt: int
    info: RealtimeEventInfo
    type: Literal["reconnecting"] = "reconnecting"


@dataclass(slots=True)
class RealtimeReconnected:
    """Not in the SDK: the session is connected again, on a new server session.

    The current agent's settings were sent, ``restored_items`` history items re-created on the
    server (``skipped_items`` could not be: audio without a transcript, empty or cut-off items)
    and ``resent`` held or unconfirmed sends flushed; ``dropped_audio_bytes`` of input audio
    sent while disconnected were dropped.
    """

    attempt: int
    restored_items: int
    skipped_items: int
    resent: int
    dropped_audio_bytes: int
    info: RealtimeEventInfo
    type: Literal["reconnected"] = "reconnected"


@dataclass(slots=True)
class RealtimeUserSpeechStarted:
    """Not in the SDK: the server's voice activity detection heard the caller start speaking,
    ``audio_start_ms`` into the input audio buffer."""

    item_id: str | None
    audio_start_ms: int | None
    info: RealtimeEventInfo
    type: Literal["user_speech_started"] = "user_speech_started"


@dataclass(slots=True)
class RealtimeUserSpeechStopped:
    """Not in the SDK: the caller stopped speaking at ``audio_end_ms`` of the input audio
    buffer (the server commits the turn after its silence wait)."""

    item_id: str | None
    audio_end_ms: int | None
    info: RealtimeEventInfo
    type: Literal["user_speech_stopped"] = "user_speech_stopped"


@dataclass(slots=True)
class RealtimeInputAudioCommitted:
    """Not in the SDK: the input audio buffer was committed as the user item ``item_id``."""

    item_id: str | None
    info: RealtimeEventInfo
    type: Literal["input_audio_committed"] = "input_audio_committed"


@dataclass(slots=True)
class RealtimeAudioSettings:
    """Not in the SDK: the server's session settings for audio (on session.created/updated).

    ``input_format``/``output_format`` are the formats as the server states them (None: not
    stated); ``turn_detection`` is True when the server detects turns, False when it does
    not, None when the settings did not say."""

    input_format: Any
    output_format: Any
    turn_detection: bool | None
    info: RealtimeEventInfo
    type: Literal["audio_settings"] = "audio_settings"


@dataclass(slots=True)
class RealtimeTranscriptDelta:
    """Not in the SDK: a piece of the assistant's audio transcript for item ``item_id``
    (``response_id``: the response it belongs to, "" when the server did not say)."""

    item_id: str
    response_id: str
    delta: str
    info: RealtimeEventInfo
    type: Literal["transcript_delta"] = "transcript_delta"


@dataclass(slots=True)
class RealtimeTextDelta:
    """Not in the SDK: a piece of the assistant's text output (text modality) for item
    ``item_id`` (``response_id``: the response it belongs to, "" when not said)."""

    item_id: str
    response_id: str
    delta: str
    info: RealtimeEventInfo
    type: Literal["text_delta"] = "text_delta"


@dataclass(slots=True)
class RealtimeUserTranscript:
    """Not in the SDK: the transcript of the caller's speech in user item ``item_id`` is
    complete (the history item carries it too)."""

    item_id: str
    transcript: str
    info: RealtimeEventInfo
    type: Literal["user_transcript"] = "user_transcript"


@dataclass(slots=True)
class RealtimeUserTranscriptFailed:
    """Not in the SDK: the server could not transcribe the caller's speech in ``item_id``;
    ``error`` is the server's error object (a dict), when it sent one."""

    item_id: str | None
    error: Any
    info: RealtimeEventInfo
    type: Literal["user_transcript_failed"] = "user_transcript_failed"


@dataclass(slots=True)
class RealtimeFunctionCall:
    """Not in the SDK: the model called function ``name`` (a tool or a handoff) as call
    ``call_id``, once per call. Its ``tool_start`` comes later, from the tool's own task
    (after an approval, if one is needed); a handoff's call never gets a ``tool_end``."""

    agent: RealtimeAgent[Any]
    name: str
    call_id: str
    arguments: str
    info: RealtimeEventInfo
    type: Literal["function_call"] = "function_call"


@dataclass(slots=True)
class RealtimeTurnStarted:
    """Not in the SDK: a response began (``agent_start`` says the same without the ids)."""

    agent: RealtimeAgent[Any]
    response_id: str | None
    info: RealtimeEventInfo
    type: Literal["turn_started"] = "turn_started"


@dataclass(slots=True)
class RealtimeTurnEnded:
    """Not in the SDK: a response finished (after ``agent_end``); ``status`` is the
    server's (completed, cancelled, incomplete, failed) or None when not said."""

    agent: RealtimeAgent[Any]
    response_id: str | None
    status: str | None
    info: RealtimeEventInfo
    type: Literal["turn_ended"] = "turn_ended"


@dataclass(slots=True)
class RealtimeConnectionStateChanged:
    """Not in the SDK: ``session.connection_state`` changed from ``previous`` to ``state``.

    ``connecting`` on enter, ``connected`` once up, ``reconnecting`` after a drop (when the
    run config reconnects) and ``connected`` again; a session that closes ends iteration
    instead (its ``session_closed`` event says why)."""

    state: ConnectionState
    previous: ConnectionState
    info: RealtimeEventInfo
    type: Literal["connection_state"] = "connection_state"


@dataclass(slots=True)
class RealtimeUsageUpdated:
    """Not in the SDK: the tokens response ``response_id`` used (from its response.done),
    already added to ``info.context.usage``, the session's running total."""

    response_id: str | None
    usage: Usage
    info: RealtimeEventInfo
    input_tokens_details: RealtimeModelInputTokensDetails | None = None
    output_tokens_details: RealtimeModelOutputTokensDetails | None = None
    type: Literal["usage"] = "usage"
