"""Pydantic models of the GA client events the engine accepts, and the check that uses them.

Every client event is validated against these shapes (types, allowed values, sane ranges) before
the conversation acts on it, so an invalid event is answered with an ``invalid_request_error``
naming its ``param`` and changes nothing. The conversation's own checks (base64 audio, known item
ids, a response in flight...) run afterwards, on an event whose shape is known to be right.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from .errors import ProtocolError

MAX_DEPTH = 64
"""Deepest JSON nesting accepted in a client event: tool schemas need a dozen levels at most,
and much deeper values exhaust the interpreter's recursion when copied."""


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Open(BaseModel):
    """A part of the API the engine does not act on: any fields, but it must be an object."""

    model_config = ConfigDict(extra="allow", strict=True)


# --- session -------------------------------------------------------------------------------------


class AudioFormat(_Shape):
    type: str
    rate: int | None = None


class ServerVad(_Shape):
    type: Literal["server_vad"]
    threshold: Annotated[float, Field(ge=0, le=1)] | None = None
    prefix_padding_ms: Annotated[int, Field(ge=0, le=10_000)] | None = None
    silence_duration_ms: Annotated[int, Field(ge=1, le=10_000)] | None = None
    idle_timeout_ms: Annotated[int, Field(ge=1, le=3_600_000)] | None = None
    create_response: bool | None = None
    interrupt_response: bool | None = None


class SemanticVad(_Shape):
    type: Literal["semantic_vad"]
    eagerness: Literal["low", "medium", "high", "auto"] | None = None
    create_response: bool | None = None
    interrupt_response: bool | None = None


class Transcription(_Shape):
    model: str | None = None
    language: str | None = None
    prompt: str | None = None


class NoiseReduction(_Shape):
    type: Literal["near_field", "far_field"] | None = None


class AudioInput(_Shape):
    format: AudioFormat | None = None
    transcription: Transcription | None = None
    noise_reduction: NoiseReduction | None = None
    turn_detection: Annotated[ServerVad | SemanticVad, Field(discriminator="type")] | None = None


class VoiceId(_Shape):
    id: str


class AudioOutput(_Shape):
    format: AudioFormat | None = None
    voice: str | VoiceId | None = None
    speed: Annotated[float, Field(ge=0.25, le=1.5)] | None = None


class Audio(_Shape):
    input: AudioInput | None = None
    output: AudioOutput | None = None


class FunctionTool(_Shape):
    type: Literal["function"] = "function"
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None


class FunctionChoice(_Shape):
    type: Literal["function"]
    name: str


ToolChoice = Literal["auto", "none", "required"] | FunctionChoice
MaxTokens = Annotated[int, Field(ge=1, le=4096)] | Literal["inf"]
Modalities = list[Literal["text", "audio"]]


class Session(_Shape):
    type: Literal["realtime"]
    model: str | None = None
    instructions: str | None = None
    output_modalities: Modalities | None = None
    tools: list[FunctionTool] | None = None
    tool_choice: ToolChoice | None = None
    max_output_tokens: MaxTokens | None = None
    audio: Audio | None = None
    tracing: str | _Open | None = None
    truncation: str | _Open | None = None
    prompt: _Open | None = None
    include: list[str] | None = None
    parallel_tool_calls: bool | None = None
    reasoning: _Open | None = None


# --- items ---------------------------------------------------------------------------------------


class ContentPart(_Shape):
    type: Literal["input_text", "input_audio", "input_image", "output_text", "output_audio"]
    text: str | None = None
    audio: str | None = None
    transcript: str | None = None
    image_url: str | None = None
    detail: Literal["auto", "low", "high"] | None = None


class MessageItem(_Shape):
    type: Literal["message"]
    role: Literal["user", "assistant", "system"]
    content: list[ContentPart]
    id: str | None = None
    object: Literal["realtime.item"] | None = None
    status: Literal["completed", "incomplete", "in_progress"] | None = None


class FunctionCallItem(_Shape):
    type: Literal["function_call"]
    name: str
    call_id: str
    arguments: str | None = None
    id: str | None = None
    object: Literal["realtime.item"] | None = None
    status: Literal["completed", "incomplete", "in_progress"] | None = None


class FunctionCallOutputItem(_Shape):
    type: Literal["function_call_output"]
    call_id: str
    output: str
    id: str | None = None
    object: Literal["realtime.item"] | None = None
    status: Literal["completed", "incomplete", "in_progress"] | None = None


Item = Annotated[MessageItem | FunctionCallItem | FunctionCallOutputItem,
                 Field(discriminator="type")]


# --- responses -----------------------------------------------------------------------------------


class ResponseAudioOutput(_Shape):
    format: AudioFormat | None = None
    voice: str | VoiceId | None = None


class ResponseAudio(_Shape):
    output: ResponseAudioOutput | None = None


class ResponseParams(_Shape):
    conversation: str | None = None
    input: list[dict[str, Any]] | None = None
    instructions: str | None = None
    output_modalities: Modalities | None = None
    tools: list[FunctionTool] | None = None
    tool_choice: ToolChoice | None = None
    audio: ResponseAudio | None = None
    metadata: dict[str, str] | None = None
    max_output_tokens: MaxTokens | None = None
    prompt: _Open | None = None
    parallel_tool_calls: bool | None = None
    reasoning: _Open | None = None


# --- the events ----------------------------------------------------------------------------------


class _Event(_Shape):
    event_id: str | None = None


class SessionUpdate(_Event):
    type: Literal["session.update"]
    session: Session


class AudioAppend(_Event):
    type: Literal["input_audio_buffer.append"]
    audio: str


class AudioCommit(_Event):
    type: Literal["input_audio_buffer.commit"]


class AudioClear(_Event):
    type: Literal["input_audio_buffer.clear"]


class ItemCreate(_Event):
    type: Literal["conversation.item.create"]
    item: Item
    previous_item_id: str | None = None


class ItemRetrieve(_Event):
    type: Literal["conversation.item.retrieve"]
    item_id: str


class ItemDelete(_Event):
    type: Literal["conversation.item.delete"]
    item_id: str


class ItemTruncate(_Event):
    type: Literal["conversation.item.truncate"]
    item_id: str
    content_index: Annotated[int, Field(ge=0, le=1_000)]
    audio_end_ms: Annotated[int, Field(ge=0, le=86_400_000)]


class ResponseCreate(_Event):
    type: Literal["response.create"]
    response: ResponseParams | None = None


class ResponseCancel(_Event):
    type: Literal["response.cancel"]
    response_id: str | None = None


class OutputAudioClear(_Event):
    type: Literal["output_audio_buffer.clear"]


ClientEvent = Annotated[
    SessionUpdate | AudioAppend | AudioCommit | AudioClear | ItemCreate | ItemRetrieve
    | ItemDelete | ItemTruncate | ResponseCreate | ResponseCancel | OutputAudioClear,
    Field(discriminator="type"),
]


@cache
def _adapter() -> TypeAdapter[Any]:
    return TypeAdapter(ClientEvent)


# --- checking ------------------------------------------------------------------------------------


def depth(value: Any) -> int:
    """How deep the containers in a parsed JSON value nest (iterative: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def _type_values(*models: type[BaseModel]) -> set[str]:
    return {value for m in models for value in get_args(m.model_fields["type"].annotation)}


# The tag values pydantic adds to a location inside a discriminated union.
_TAGS = _type_values(
    SessionUpdate, AudioAppend, AudioCommit, AudioClear, ItemCreate, ItemRetrieve, ItemDelete,
    ItemTruncate, ResponseCreate, ResponseCancel, OutputAudioClear, MessageItem,
    FunctionCallItem, FunctionCallOutputItem, ServerVad, SemanticVad,
)
# The branch names pydantic adds to a location inside a union: not part of the client's path.
_BRANCHES = {"str", "int", "float", "bool", "literal", "list", "dict", "none", "VoiceId",
             "FunctionChoice", "_Open", "function-after", "constrained-int", "constrained-float"}


def _param(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _TAGS or part in _BRANCHES or str(part).startswith(("literal[", "int[",
                                                                          "float[")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _protocol_error(error: Any) -> ProtocolError:
    param = _param(error["loc"])
    kind, message = error["type"], error["msg"]
    if kind == "missing":
        return ProtocolError("missing_required_parameter",
                             f"Missing required parameter: '{param}'.", param)
    if kind == "extra_forbidden":
        return ProtocolError("unknown_parameter", f"Unknown parameter: '{param}'.", param)
    ctx = error.get("ctx", {})
    if kind == "literal_error":
        return ProtocolError("invalid_value",
                             f"Invalid value: {_shown(error['input'])}. Supported values are: "
                             f"{ctx.get('expected', '')}.", param)
    if kind == "union_tag_invalid":
        param = f"{param}.type" if param else "type"
        return ProtocolError("invalid_value",
                             f"Invalid value: {_shown(ctx.get('tag'))}. Supported values are: "
                             f"{ctx.get('expected_tags', '')}.", param)
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return ProtocolError("invalid_value",
                             f"Invalid '{param}': {_shown(error['input'])}; {message.lower()}.",
                             param)
    if kind == "union_tag_not_found":
        param = f"{param}.type" if param else "type"
        return ProtocolError("missing_required_parameter",
                             f"Missing required parameter: '{param}'.", param)
    return ProtocolError("invalid_type", f"Invalid type for '{param}': {message.lower()}.",
                         param)


def check(event: dict[str, Any]) -> None:
    """Raise ProtocolError unless ``event`` has the shape of a client event the engine accepts.

    Of several problems the first is reported, as the API does."""
    try:
        _adapter().validate_python(event)
    except ValidationError as exc:
        raise _protocol_error(exc.errors(include_url=False)[0]) from None
