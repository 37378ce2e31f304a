"""One response as a job: response.created, output items streamed as deltas, response.done."""

from __future__ import annotations

import base64
import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .formats import PCM_RATE, AudioFormat
from .items import public
from .job_steps import Emit, Event, Job, Step, Synthesize
from .policy import Call, Output, Say
from .text_pieces import split_deltas, split_phrases

if TYPE_CHECKING:
    from .conversation import Conversation


@dataclass
class ResponseRun:
    """A response's parameters (session defaults with response.create overrides) and progress."""

    id: str
    modalities: list[str]
    format: AudioFormat
    voice: Any
    tools: list[dict[str, Any]]
    tool_choice: Any
    in_conversation: bool = True
    input_items: list[dict[str, Any]] | None = None
    metadata: Any = None
    max_output_tokens: int | str = "inf"
    cancel_reason: str | None = None
    clipped: bool = False
    output: list[dict[str, Any]] = field(default_factory=list)
    audio_ms: float = 0.0
    text_chars: int = 0

    def cancel(self, reason: str) -> None:
        if self.cancel_reason is None:
            self.cancel_reason = reason

    def wire(self, status: str, conversation_id: str | None, **extra: Any) -> dict[str, Any]:
        return {
            "object": "realtime.response",
            "id": self.id,
            "status": status,
            "status_details": extra.get("status_details"),
            "output": [public(i) for i in self.output],
            "conversation_id": conversation_id,
            "output_modalities": list(self.modalities),
            "max_output_tokens": self.max_output_tokens,
            "audio": {"output": {"format": self.format.wire(), "voice": self.voice}},
            "usage": extra.get("usage"),
            "metadata": self.metadata,
        }


def _voice_name(voice: Any) -> str:
    return voice if isinstance(voice, str) else str(voice.get("id", "alloy"))


def _clip(run: ResponseRun, text: str) -> str:
    """Cut the text to max_output_tokens (one delta piece is one token here)."""
    if run.max_output_tokens == "inf":
        return text
    pieces = split_deltas(text)
    budget = int(run.max_output_tokens)
    if len(pieces) <= budget:
        return text
    run.clipped = True
    return "".join(pieces[:budget])


def _item_added(
    conv: Conversation, run: ResponseRun, index: int, item: dict[str, Any]
) -> list[Event]:
    """An output item begins: response.output_item.added (and conversation.item.added)."""
    events = [
        conv.event(
            "response.output_item.added", response_id=run.id, output_index=index, item=public(item)
        )
    ]
    if run.in_conversation:
        events.append(conv.item_added(item))
    return events


def _item_done(
    conv: Conversation, run: ResponseRun, index: int, item: dict[str, Any]
) -> list[Event]:
    """An output item ends: (conversation.item.done and) response.output_item.done."""
    events = []
    if run.in_conversation:
        events.append(
            conv.event("conversation.item.done", previous_item_id=None, item=public(item))
        )
    events.append(
        conv.event(
            "response.output_item.done", response_id=run.id, output_index=index, item=public(item)
        )
    )
    return events


def _message(
    conv: Conversation, run: ResponseRun, index: int, text: str
) -> Generator[Step, Any, None]:
    item_id = conv.ids.item()
    audio_mode = "audio" in run.modalities
    item: dict[str, Any] = {
        "id": item_id,
        "type": "message",
        "status": "in_progress",
        "role": "assistant",
        "content": [],
    }
    run.output.append(item)
    where = {"response_id": run.id, "item_id": item_id, "output_index": index, "content_index": 0}
    events = _item_added(conv, run, index, item)
    part: dict[str, Any] = (
        {"type": "output_audio", "transcript": ""}
        if audio_mode
        else {"type": "output_text", "text": ""}
    )
    item["content"].append(part)
    wire_part = {"type": "audio", "transcript": ""} if audio_mode else {"type": "text", "text": ""}
    events.append(conv.event("response.content_part.added", **where, part=wire_part))
    yield Emit(events)
    text = _clip(run, text)
    said = ""
    # Audio of conversation items is kept for retrieve and truncate; out-of-band audio is not.
    keep = audio_mode and run.in_conversation
    stored = conv.store.keep_audio(item_id, b"", run.format) if keep else bytearray()
    for sentence in split_phrases(text):
        if run.cancel_reason:
            break
        if not audio_mode:
            for piece in split_deltas(sentence):
                said += piece
                part["text"] = said
                yield Emit([conv.event("response.output_text.delta", **where, delta=piece)])
            continue
        deltas = [
            conv.event("response.output_audio_transcript.delta", **where, delta=p)
            for p in split_deltas(sentence)
        ]
        said += sentence
        if item_id not in conv.store.truncated:
            part["transcript"] = said
        yield Emit(deltas)
        if run.cancel_reason:
            break
        samples = yield Synthesize(sentence.strip() or ".", _voice_name(run.voice))
        wire = run.format.encode(samples, PCM_RATE)
        step = run.format.frame_bytes(conv.chunk_ms)
        conv.voice_locked = conv.voice_locked or keep
        for offset in range(0, len(wire), step):
            if run.cancel_reason:
                break
            chunk = wire[offset : offset + step]
            if item_id not in conv.store.truncated:
                stored += chunk
            ms = run.format.duration_ms(len(chunk))
            run.audio_ms += ms
            delta = base64.b64encode(chunk).decode("ascii")
            yield Emit(
                [conv.event("response.output_audio.delta", **where, delta=delta)], audio_ms=ms
            )
    run.text_chars += len(said)
    item["status"] = "incomplete" if run.cancel_reason or run.clipped else "completed"
    if audio_mode:
        events = [
            conv.event("response.output_audio.done", **where),
            conv.event("response.output_audio_transcript.done", **where, transcript=said),
            conv.event(
                "response.content_part.done", **where, part={"type": "audio", "transcript": said}
            ),
        ]
    else:
        events = [
            conv.event("response.output_text.done", **where, text=said),
            conv.event("response.content_part.done", **where, part={"type": "text", "text": said}),
        ]
    events += _item_done(conv, run, index, item)
    yield Emit(events)


def _call(conv: Conversation, run: ResponseRun, index: int, call: Call) -> list[Event]:
    item_id, call_id = conv.ids.item(), conv.ids.call()
    item: dict[str, Any] = {
        "id": item_id,
        "type": "function_call",
        "status": "in_progress",
        "name": call.name,
        "call_id": call_id,
        "arguments": "",
    }
    run.output.append(item)
    where = {"response_id": run.id, "item_id": item_id, "output_index": index, "call_id": call_id}
    events = _item_added(conv, run, index, item)
    for piece in split_deltas(call.arguments):
        events.append(conv.event("response.function_call_arguments.delta", **where, delta=piece))
    events.append(
        conv.event(
            "response.function_call_arguments.done",
            **where,
            name=call.name,
            arguments=call.arguments,
        )
    )
    item.update(arguments=call.arguments, status="completed")
    run.text_chars += len(call.arguments)
    events += _item_done(conv, run, index, item)
    return events


CACHE_MIN_TOKENS = 1024
"""Prompt caching starts at this many input tokens and grows in steps of ``CACHE_STEP``."""
CACHE_STEP = 128


def _cached(now: int, before: int) -> int:
    """Tokens of the input already seen as the previous response's input (the same prefix)."""
    seen = min(now, before)
    return 0 if seen < CACHE_MIN_TOKENS else seen // CACHE_STEP * CACHE_STEP


def usage(
    input_chars: int,
    input_audio_ms: float,
    output_chars: int,
    output_audio_ms: float,
    previous_input: tuple[int, int] = (0, 0),
) -> dict[str, Any]:
    """Token counts estimated from sizes (4 characters, 100 ms in, or 50 ms out per token).

    ``previous_input`` is the (text, audio) input of the conversation's previous response:
    what of it this response's input repeats counts as cached, as the API's prompt cache
    would (from 1024 tokens on, in steps of 128)."""
    text_in, audio_in = math.ceil(input_chars / 4), math.ceil(input_audio_ms / 100)
    text_out, audio_out = math.ceil(output_chars / 4), math.ceil(output_audio_ms / 50)
    cached_text = _cached(text_in, previous_input[0])
    cached_audio = _cached(audio_in, previous_input[1])
    return {
        "total_tokens": text_in + audio_in + text_out + audio_out,
        "input_tokens": text_in + audio_in,
        "output_tokens": text_out + audio_out,
        "input_token_details": {
            "text_tokens": text_in,
            "audio_tokens": audio_in,
            "image_tokens": 0,
            "cached_tokens": cached_text + cached_audio,
            "cached_tokens_details": {
                "text_tokens": cached_text, "audio_tokens": cached_audio, "image_tokens": 0
            },
        },
        "output_token_details": {"text_tokens": text_out, "audio_tokens": audio_out},
    }


def response_job(conv: Conversation, run: ResponseRun) -> Job:
    """The whole response; a cancel (run.cancel) takes effect at the next delta."""
    conversation_id = conv.conversation_id if run.in_conversation else None
    yield Emit([conv.event("response.created", response=run.wire("in_progress", conversation_id))])
    yield from conv.input_buffer.transcribe_pending()
    outputs: list[Output] = [] if run.cancel_reason else conv.decide(run)
    for index, output in enumerate(outputs):
        if run.cancel_reason:
            break
        if isinstance(output, Say):
            yield from _message(conv, run, index, output.text)
        else:
            yield Emit(_call(conv, run, index, output))
    if run.cancel_reason:
        status, details = "cancelled", {"type": "cancelled", "reason": run.cancel_reason}
    elif run.clipped:
        status, details = "incomplete", {"type": "incomplete", "reason": "max_output_tokens"}
    else:
        status, details = "completed", None
    chars, audio_in = conv.context_size(run)
    spent = usage(chars, audio_in, run.text_chars, run.audio_ms, conv.cache_prefix)
    if run.in_conversation:
        seen = spent["input_token_details"]
        conv.cache_prefix = (seen["text_tokens"], seen["audio_tokens"])
    done = conv.event(
        "response.done",
        response=run.wire(status, conversation_id, status_details=details, usage=spent),
    )
    yield Emit([done, *conv.finish_response(run)])
