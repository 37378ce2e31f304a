"""What a session asks its RealtimeModel to send: user input, audio, tool output, interrupts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NotRequired, TypedDict

from .config import RealtimeClientMessage, RealtimeSessionModelSettings
from .model_events import RealtimeModelToolCallEvent

RealtimeModelRawClientMessage = RealtimeClientMessage
"""A client event sent as is: ``type`` plus the rest of its fields in ``other_data``."""


class RealtimeModelInputTextContent(TypedDict):
    type: Literal["input_text"]
    text: str


class RealtimeModelInputImageContent(TypedDict, total=False):
    type: Literal["input_image"]
    image_url: str
    detail: NotRequired[str]


class RealtimeModelUserInputMessage(TypedDict):
    type: Literal["message"]
    role: Literal["user"]
    content: list[RealtimeModelInputTextContent | RealtimeModelInputImageContent]


RealtimeModelUserInput = str | RealtimeModelUserInputMessage


@dataclass(slots=True)
class RealtimeModelSendRawMessage:
    message: RealtimeModelRawClientMessage
    type: Literal["send_raw_message"] = "send_raw_message"


@dataclass(slots=True)
class RealtimeModelSendUserInput:
    """A user message; the transport adds it to the conversation and asks for a response."""

    user_input: RealtimeModelUserInput
    type: Literal["send_user_input"] = "send_user_input"


@dataclass(slots=True)
class RealtimeModelSendAudio:
    """PCM (or G.711) bytes for the input buffer; ``commit`` ends the user's turn."""

    audio: bytes
    commit: bool = False
    type: Literal["send_audio"] = "send_audio"


@dataclass(slots=True)
class RealtimeModelSendToolOutput:
    tool_call: RealtimeModelToolCallEvent
    output: str
    start_response: bool
    type: Literal["send_tool_output"] = "send_tool_output"


@dataclass(slots=True)
class RealtimeModelSendInterrupt:
    """Stop the assistant: truncate what was heard, cancel the response unless the server does.

    ``response_id`` scopes the cancel to that response; ``cancel_response_only`` cancels without
    stopping playback; ``playback_only`` stops playback (truncating) without cancelling."""

    force_response_cancel: bool = False
    response_id: str | None = None
    cancel_response_only: bool = False
    playback_only: bool = False
    type: Literal["send_interrupt"] = "send_interrupt"


@dataclass(slots=True)
class RealtimeModelSendSessionUpdate:
    session_settings: RealtimeSessionModelSettings
    type: Literal["send_session_update"] = "send_session_update"


RealtimeModelSendEvent = (
    RealtimeModelSendRawMessage
    | RealtimeModelSendUserInput
    | RealtimeModelSendAudio
    | RealtimeModelSendToolOutput
    | RealtimeModelSendInterrupt
    | RealtimeModelSendSessionUpdate
)
