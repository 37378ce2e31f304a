"""Session events: the SDK's dataclasses, and the one union of every event a session yields."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .console_events import (
    RealtimeAgentChanged,
    RealtimeAudioSettings,
    RealtimeConnectionLost,
    RealtimeConnectionStateChanged,
    RealtimeFunctionCall,
    RealtimeInputAudioCommitted,
    RealtimeReconnected,
    RealtimeReconnecting,
    RealtimeSessionClosed,
    RealtimeTextDelta,
    RealtimeTranscriptDelta,
    RealtimeTurnEnded,
    RealtimeTurnStarted,
    RealtimeUsageUpdated,
    RealtimeUserSpeechStarted,
    RealtimeUserSpeechStopped,
    RealtimeUserTranscript,
    RealtimeUserTranscriptFailed,
)
from .error_detail import ErrorDetail
from .items import RealtimeItem
from .model_events import RealtimeModelAudioEvent, RealtimeModelEvent

if TYPE_CHECKING:
    from .agent import RealtimeAgent
    from .guardrails import OutputGuardrailResult
    from .handoffs import Handoff
    from .run_context import RunContextWrapper
    from .tools import FunctionTool


@dataclass(slots=True)
class RealtimeEventInfo:
    context: RunContextWrapper[Any]
    """The run context of the session that produced the event."""


@dataclass(slots=True)
class RealtimeAgentStartEvent:
    agent: RealtimeAgent[Any]
    info: RealtimeEventInfo
    type: Literal["agent_start"] = "agent_start"


@dataclass(slots=True)
class RealtimeAgentEndEvent:
    agent: RealtimeAgent[Any]
    info: RealtimeEventInfo
    type: Literal["agent_end"] = "agent_end"


@dataclass(slots=True)
class RealtimeHandoffEvent:
    from_agent: RealtimeAgent[Any]
    to_agent: RealtimeAgent[Any]
    info: RealtimeEventInfo
    type: Literal["handoff"] = "handoff"


@dataclass(slots=True)
class RealtimeToolStart:
    agent: RealtimeAgent[Any]
    tool: FunctionTool | Handoff[Any, Any]
    arguments: str
    info: RealtimeEventInfo
    call_id: str | None = None
    type: Literal["tool_start"] = "tool_start"


@dataclass(slots=True)
class RealtimeToolEnd:
    agent: RealtimeAgent[Any]
    tool: FunctionTool | Handoff[Any, Any]
    output: Any
    info: RealtimeEventInfo
    arguments: str = ""
    call_id: str | None = None
    type: Literal["tool_end"] = "tool_end"


@dataclass(slots=True)
class RealtimeToolApprovalRequired:
    agent: RealtimeAgent[Any]
    tool: FunctionTool
    call_id: str
    arguments: str
    info: RealtimeEventInfo
    type: Literal["tool_approval_required"] = "tool_approval_required"


@dataclass(slots=True)
class RealtimeRawModelEvent:
    data: RealtimeModelEvent
    info: RealtimeEventInfo
    type: Literal["raw_model_event"] = "raw_model_event"


@dataclass(slots=True)
class RealtimeAudio:
    audio: RealtimeModelAudioEvent
    item_id: str
    content_index: int
    info: RealtimeEventInfo
    type: Literal["audio"] = "audio"


@dataclass(slots=True)
class RealtimeAudioEnd:
    item_id: str
    content_index: int
    info: RealtimeEventInfo
    type: Literal["audio_end"] = "audio_end"


@dataclass(slots=True)
class RealtimeAudioInterrupted:
    item_id: str
    content_index: int
    info: RealtimeEventInfo
    type: Literal["audio_interrupted"] = "audio_interrupted"


@dataclass(slots=True)
class RealtimeError:
    error: Any
    info: RealtimeEventInfo
    type: Literal["error"] = "error"

    @property
    def detail(self) -> ErrorDetail:
        """Not in the SDK: ``error`` read into typed fields (message, code, type, kind)."""
        return ErrorDetail.of(self.error)


@dataclass(slots=True)
class RealtimeHistoryUpdated:
    history: Sequence[RealtimeItem]
    """The session's history as of this event (a read-only view; do not mutate)."""
    info: RealtimeEventInfo
    type: Literal["history_updated"] = "history_updated"


@dataclass(slots=True)
class RealtimeHistoryAdded:
    item: RealtimeItem
    info: RealtimeEventInfo
    type: Literal["history_added"] = "history_added"


@dataclass(slots=True)
class RealtimeGuardrailTripped:
    guardrail_results: list[OutputGuardrailResult]
    message: str
    info: RealtimeEventInfo
    type: Literal["guardrail_tripped"] = "guardrail_tripped"


@dataclass(slots=True)
class RealtimeInputAudioTimeoutTriggered:
    info: RealtimeEventInfo
    type: Literal["input_audio_timeout_triggered"] = "input_audio_timeout_triggered"


RealtimeSessionEvent = (
    RealtimeAgentStartEvent
    | RealtimeAgentEndEvent
    | RealtimeHandoffEvent
    | RealtimeToolStart
    | RealtimeToolEnd
    | RealtimeToolApprovalRequired
    | RealtimeRawModelEvent
    | RealtimeAudio
    | RealtimeAudioEnd
    | RealtimeAudioInterrupted
    | RealtimeError
    | RealtimeHistoryUpdated
    | RealtimeHistoryAdded
    | RealtimeGuardrailTripped
    | RealtimeInputAudioTimeoutTriggered
    | RealtimeSessionClosed
    | RealtimeConnectionLost
    | RealtimeReconnecting
    | RealtimeReconnected
    | RealtimeAgentChanged
    | RealtimeUserSpeechStarted
    | RealtimeUserSpeechStopped
    | RealtimeInputAudioCommitted
    | RealtimeAudioSettings
    | RealtimeTranscriptDelta
    | RealtimeTextDelta
    | RealtimeUserTranscript
    | RealtimeUserTranscriptFailed
    | RealtimeFunctionCall
    | RealtimeTurnStarted
    | RealtimeTurnEnded
    | RealtimeConnectionStateChanged
    | RealtimeUsageUpdated
)

CONSOLE_EVENTS: frozenset[type] = frozenset({
    RealtimeTranscriptDelta,
    RealtimeTextDelta,
    RealtimeUserTranscript,
    RealtimeUserTranscriptFailed,
    RealtimeFunctionCall,
    RealtimeTurnStarted,
    RealtimeTurnEnded,
    RealtimeConnectionStateChanged,
    RealtimeUsageUpdated,
})
"""Typed events a console needs, yielded only by ``session.events(console=True)``: SDK code
iterating the session sees exactly the events it saw before they existed."""
