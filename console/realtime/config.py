"""Settings of a realtime session and of a run, as TypedDicts (plain dicts at runtime)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict

if TYPE_CHECKING:
    from .guardrails import OutputGuardrail
    from .handoffs import Handoff
    from .tools import FunctionTool

RealtimeModelName = str
RealtimeAudioFormatName = Literal["pcm16", "g711_ulaw", "g711_alaw"] | str


class RealtimeInputAudioTranscriptionConfig(TypedDict, total=False):
    model: str
    language: str
    prompt: str


class RealtimeInputAudioNoiseReductionConfig(TypedDict, total=False):
    type: Literal["near_field", "far_field"]


class RealtimeTurnDetectionConfig(TypedDict, total=False):
    """Turn detection; camelCase spellings (``createResponse``...) are accepted and normalised."""

    type: Literal["semantic_vad", "server_vad"]
    create_response: bool
    eagerness: Literal["auto", "low", "medium", "high"]
    interrupt_response: bool
    prefix_padding_ms: int
    silence_duration_ms: int
    threshold: float
    idle_timeout_ms: int


class RealtimeModelTracingConfig(TypedDict, total=False):
    workflow_name: str
    group_id: str
    metadata: dict[str, Any]


class RealtimePrompt(TypedDict, total=False):
    id: str
    version: str
    variables: dict[str, Any]


class RealtimeSessionModelSettings(TypedDict, total=False):
    """What a session.update configures. Later sources override earlier ones key by key."""

    model_name: RealtimeModelName
    instructions: str
    prompt: RealtimePrompt
    modalities: list[Literal["text", "audio"]]
    output_modalities: list[Literal["text", "audio"]]
    voice: str
    speed: float
    input_audio_format: RealtimeAudioFormatName | dict[str, Any]
    output_audio_format: RealtimeAudioFormatName | dict[str, Any]
    input_audio_transcription: RealtimeInputAudioTranscriptionConfig | None
    input_audio_noise_reduction: RealtimeInputAudioNoiseReductionConfig | None
    turn_detection: RealtimeTurnDetectionConfig | None
    tool_choice: str | dict[str, Any]
    tools: list[FunctionTool]
    handoffs: list[Handoff[Any, Any]]
    tracing: RealtimeModelTracingConfig | Literal["auto"] | None
    max_output_tokens: int | Literal["inf"]


class RealtimeGuardrailsSettings(TypedDict, total=False):
    debounce_text_length: int
    """Run output guardrails every this many characters of transcript (default 100)."""


class RealtimeRunConfig(TypedDict, total=False):
    model_settings: RealtimeSessionModelSettings
    output_guardrails: list[OutputGuardrail[Any]]
    guardrails_settings: RealtimeGuardrailsSettings
    tracing_disabled: bool
    async_tool_calls: bool
    """Run tool calls as background tasks (default True) so events keep flowing meanwhile."""
    tool_error_formatter: Callable[[Any], Any]
    """Formats the message a rejected tool call sends to the model (``ToolErrorFormatterArgs``)."""
    tool_timeout_s: float
    user_inactivity_timeout_s: float


class RealtimeUserInputText(TypedDict):
    type: Literal["input_text"]
    text: str


class RealtimeUserInputImage(TypedDict, total=False):
    type: Literal["input_image"]
    image_url: str
    detail: NotRequired[str]


class RealtimeUserInputMessage(TypedDict):
    type: Literal["message"]
    role: Literal["user"]
    content: list[RealtimeUserInputText | RealtimeUserInputImage]


RealtimeUserInput = str | RealtimeUserInputMessage

DEFAULT_MODEL_SETTINGS: RealtimeSessionModelSettings = {
    "model_name": "gpt-realtime",
    "voice": "ash",
    "output_modalities": ["audio"],
    "input_audio_format": "pcm16",
    "output_audio_format": "pcm16",
    "input_audio_transcription": {"model": "gpt-4o-mini-transcribe"},
    "turn_detection": {"type": "semantic_vad", "interrupt_response": True},
}
