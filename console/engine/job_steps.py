"""Work the sans-I/O core hands to its driver: events to send and blocking requests to fulfil.

A job is a generator. It yields `Emit` (events to send; `audio_ms` lets the driver pace audio) or a
request (`Synthesize`, `Transcribe`) whose result the driver sends back in. `run_sync` drives a
job without sockets or threads, for tests and tools.
"""

from __future__ import annotations

from collections.abc import Generator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from console.dsp import Samples

from .transcribe import Transcriber
from .voice import Voice

Event = dict[str, Any]
# A recogniser that has not finished in this long is stuck; the job fails instead of hanging.
_HEARD_TIMEOUT_S = 60.0


@dataclass
class Emit:
    events: list[Event]
    audio_ms: float = 0.0


@dataclass(frozen=True)
class Synthesize:
    """Speak `text` with session voice `voice`; the reply is 24 kHz float samples."""

    text: str
    voice: str


@dataclass(frozen=True)
class Transcribe:
    """Transcribe mono float samples at `rate`; the reply is a string. `heard`: the transcript a
    streaming recogniser is finishing for this audio (waited for instead of transcribing)."""

    samples: Samples
    rate: int
    heard: Future[str] | None = None


Step = Emit | Synthesize | Transcribe
Job = Generator[Step, Any, None]


def fulfil(request: Synthesize | Transcribe, voice: Voice, transcriber: Transcriber) -> Any:
    if isinstance(request, Synthesize):
        return voice.synthesize(request.text, request.voice)
    if request.heard is not None:
        return request.heard.result(timeout=_HEARD_TIMEOUT_S)
    return transcriber.transcribe(request.samples, request.rate)


def run_sync(job: Job, voice: Voice, transcriber: Transcriber) -> list[Event]:
    """Run a job to the end and return every event it emitted."""
    events: list[Event] = []
    reply: Any = None
    while True:
        try:
            step = job.send(reply)
        except StopIteration:
            return events
        reply = None
        if isinstance(step, Emit):
            events.extend(step.events)
        else:
            reply = fulfil(step, voice, transcriber)
