"""Settings of a realtime session and of a run, as TypedDicts (plain dicts at runtime)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict

if TYPE_CHECKING:
    from .guardrails import OutputGuardrail
    from .handoffs import Handoff
    from .tools import FunctionTool

RealtimeModelName = str
RealtimeAudioFormatName = Literal["pcm16", "g711_ulaw", "g711_alaw"] | str
RealtimeAudioFormat = RealtimeAudioFormatName | Mapping[str, Any] | Any
"""A format in any spelling: a name, a GA mapping (``{"type": "audio/pcmu"}``) or an ``openai``
format object (``AudioPCMU(type="audio/pcmu")``)."""
RealtimeReasoningEffort = Literal["minimal", "low", "medium", "high", "xhigh"] | str


class RealtimeClientMessage(TypedDict):
    """A raw client event: ``type`` plus the rest of its fields in ``other_data``."""

    type: str
    other_data: NotRequired[dict[str, Any]]


class RealtimeReasoningConfig(TypedDict, total=False):
    effort: RealtimeReasoningEffort


class RealtimeToolExecutionConfig(TypedDict, total=False):
    pre_approval_tool_input_guardrails: bool
    """Run a tool's input guardrails before asking for approval too (default False: only
    before it runs)."""


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
    reasoning: RealtimeReasoningConfig


class RealtimeGuardrailsSettings(TypedDict, total=False):
    debounce_text_length: int
    """Run output guardrails every this many characters of transcript (default 100)."""


class RealtimeReconnectConfig(TypedDict, total=False):
    """How a session reconnects after its connection drops (see ``console.realtime.reconnect``).

    Off by default in the core, as in the SDK (whose session ends when the socket drops): a
    library user opts in knowingly, since a restored conversation is a new server session
    (audio is not carried over). The console turns it on.
    """

    enabled: bool
    """Reconnect after an abnormal drop (default False)."""
    max_attempts: int | None
    """Attempts per drop before the session closes (default 10, about a minute with the default
    delays); None tries forever."""
    initial_delay_s: float
    """Wait before the first attempt (default 0.5 s); doubled per failed attempt..."""
    max_delay_s: float
    """...up to this (default 10 s)."""
    resume_response: bool
    """After restoring, ask for a response when the conversation ends on a user message or a
    tool output nobody answered yet (default True)."""
    healthy_after_s: float
    """A new connection counts as healthy (and the attempt count starts again) once it stayed up
    this long (default 10 s) or completed a response; one that drops sooner continues the count."""
    sleep: Callable[[float], Awaitable[None]]
    """How to wait between attempts (default ``asyncio.sleep``); tests inject one that does not
    wait. ``session.reconnect_now()`` cuts any wait short."""


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
    """Default time limit of a tool call (not in the SDK); a tool's own ``timeout_seconds``
    wins. Off by default."""
    tool_execution: RealtimeToolExecutionConfig
    user_inactivity_timeout_s: float
    reconnect: RealtimeReconnectConfig
    """Reconnect after a dropped connection; off by default (see RealtimeReconnectConfig)."""
    response_timeout_s: float | None
    """Report an ``error`` event (``kind`` ``"response_timeout"``) when the server sends nothing
    for this long while the session waits on it. Off by default: a real server can legitimately
    think for a while, so the threshold is the application's call (the console uses 30 s)."""
    max_queued_events: int | None
    """Events kept for an iterator that is not reading (default 10,000). Past it, new audio and
    raw model events and server errors are dropped (one ``error`` event says so), and past four
    times it every event, so a session nobody iterates (one followed only through an
    AgentListener) stays bounded.
    None keeps everything, as the SDK does."""


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
