"""InputAudioBuffer: a conversation's input audio, its input_audio_buffer.* events, transcripts."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Protocol

from .audio_input import IdleTimeout, InputAudio
from .errors import ProtocolError
from .formats import AudioFormat
from .ids import IdGenerator
from .job_steps import Emit, Event, Job, Transcribe
from .listening import Listening
from .scenario import ScenarioCursor
from .store import ItemStore
from .text_pieces import split_deltas
from .vad import SpeechStarted, SpeechStopped


class BufferHost(Protocol):
    """What the input audio buffer asks of the conversation that holds it."""

    @property
    def responding(self) -> bool:
        """Whether a response is in flight."""
        ...

    def event(self, type: str, **fields: Any) -> Event:
        """A server event of this type, with its event id."""
        ...

    def turn_detection(self) -> dict[str, Any]:
        """The session's turn detection settings ({} when off)."""
        ...

    def transcribes(self) -> bool:
        """Whether the session asks for input audio transcription."""
        ...

    def added_and_done(self, previous: str | None, item: dict[str, Any]) -> list[Event]:
        """conversation.item.added and .done of an item appended complete."""
        ...

    def respond(self) -> None:
        """Start a response with the session's settings."""
        ...

    def cancel_responses(self, reason: str) -> None:
        """Cancel every response in flight."""
        ...

    def queue(self, job: Job) -> None:
        """Run this job after those queued before it."""
        ...


class InputAudioBuffer:
    """The input audio of one conversation: appended, detected, committed, heard, transcribed."""

    def __init__(
        self,
        host: BufferHost,
        *,
        ids: IdGenerator,
        store: ItemStore,
        cursor: ScenarioCursor,
        fmt: AudioFormat,
        turn_detection: dict[str, Any] | None,
        listening: Listening | None = None,
    ) -> None:
        self._host = host
        self._ids = ids
        self._store = store
        self._cursor = cursor
        self._input = InputAudio(fmt, turn_detection)
        self._listening = listening
        self._speech_item: str | None = None
        self._speech_start_ms = 0
        # Audio fed to the open utterance up to here; None: none is open.
        self._fed_ms: float | None = None
        self._heard: dict[str, Future[str]] = {}  # item id -> its transcript, being finished

    def configure(self, fmt: AudioFormat, turn_detection: dict[str, Any] | None) -> None:
        """The session's input format or turn detection changed."""
        self._input.configure(fmt, turn_detection)

    def adapt(self, instructions: str, tools: list[dict[str, Any]]) -> None:
        """The session's instructions or tools changed: what the listener expects to hear."""
        if self._listening is not None:
            self._listening.adapt(instructions, tools)

    def hold_idle(self, for_ms: float) -> None:
        """No idle timeout until this much more audio has come (a reply being played)."""
        self._input.hold_idle_until(self._input.position_ms + for_ms)

    # -- recognition while the audio arrives ----------------------------------------------------

    def _hear_from(self, start_ms: float) -> None:
        if self._listening is not None:
            self._listening.begin()
            self._fed_ms = start_ms

    def _hear_until(self, end_ms: float) -> None:
        if self._listening is None or self._fed_ms is None or end_ms <= self._fed_ms:
            return
        audio = self._input.peek(self._fed_ms, end_ms)
        self._fed_ms = end_ms
        if audio:
            self._listening.feed(self._input.format.decode(audio), self._input.format.rate)

    def _heard_as(self, item_id: str) -> None:
        """The open utterance ends: its transcript belongs to this item."""
        if self._listening is not None and self._fed_ms is not None:
            self._heard[item_id] = self._listening.end()
        self._fed_ms = None

    def _stop_hearing(self) -> None:
        if self._listening is not None and self._fed_ms is not None:
            self._listening.cancel()
        self._fed_ms = None

    # -- input_audio_buffer.* client events -----------------------------------------------------

    def append(self, data: bytes) -> list[Event]:
        """input_audio_buffer.append: speech detected, committed or timed out on the way."""
        events: list[Event] = []
        if self._input.vad is None and self._fed_ms is None:
            # No turn detection: the client commits; everything since the last commit is speech.
            self._hear_from(self._input.start_ms)
        for found in self._input.append(data, responding=self._host.responding):
            if isinstance(found, SpeechStarted):
                self._stop_hearing()
                self._hear_from(found.audio_start_ms)
                self._speech_item, self._speech_start_ms = self._ids.item(), found.audio_start_ms
                events.append(
                    self._host.event(
                        "input_audio_buffer.speech_started",
                        audio_start_ms=found.audio_start_ms,
                        item_id=self._speech_item,
                    )
                )
                if self._host.turn_detection().get("interrupt_response"):
                    self._host.cancel_responses("turn_detected")
            elif isinstance(found, SpeechStopped):
                item_id, self._speech_item = self._speech_item or self._ids.item(), None
                events.append(
                    self._host.event(
                        "input_audio_buffer.speech_stopped",
                        audio_end_ms=found.audio_end_ms,
                        item_id=item_id,
                    )
                )
                self._hear_until(found.audio_end_ms)
                self._heard_as(item_id)
                audio = self._input.take(self._speech_start_ms, found.audio_end_ms)
                events += self._commit(item_id, audio, auto=True)
            elif isinstance(found, IdleTimeout):
                item_id = self._ids.item()
                events.append(
                    self._host.event(
                        "input_audio_buffer.timeout_triggered",
                        audio_start_ms=found.audio_start_ms,
                        audio_end_ms=found.audio_end_ms,
                        item_id=item_id,
                    )
                )
                audio = self._input.take(found.audio_start_ms, found.audio_end_ms)
                events += self._commit(item_id, audio, auto=True)
        self._hear_until(self._input.position_ms)
        return events

    def commit(self) -> list[Event]:
        """input_audio_buffer.commit: the audio since the last commit becomes a user item."""
        buffered = self._input.buffered_ms
        if buffered < 100:
            raise ProtocolError(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected at least 100ms "
                f"of audio, but buffer only has {buffered:.2f}ms of audio.",
            )
        item_id, self._speech_item = self._speech_item or self._ids.item(), None
        self._hear_until(self._input.position_ms)
        self._heard_as(item_id)
        audio = self._input.take()
        self._input.clear()
        return self._commit(item_id, audio, auto=False)

    def clear(self) -> list[Event]:
        """input_audio_buffer.clear: the uncommitted audio is dropped."""
        self._stop_hearing()
        self._input.clear()
        self._speech_item = None
        return [self._host.event("input_audio_buffer.cleared")]

    def _commit(self, item_id: str, audio: bytes, *, auto: bool) -> list[Event]:
        item = {
            "id": item_id,
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        previous = self._store.append(item)
        self._store.keep_audio(item_id, audio, self._input.format)
        transcribe = self._host.transcribes()
        self._store.pending[item_id] = transcribe
        events = [
            self._host.event(
                "input_audio_buffer.committed", previous_item_id=previous, item_id=item_id
            ),
            *self._host.added_and_done(previous, item),
        ]
        if auto and self._host.turn_detection().get("create_response"):
            self._host.respond()
        elif transcribe:
            self._host.queue(self.transcribe_pending())
        return events

    def transcribe_pending(self) -> Job:
        """Transcribe committed audio not transcribed yet; events only if the session asks."""
        store = self._store
        while store.pending:
            item_id, emit = next(iter(store.pending.items()))
            del store.pending[item_id]
            fmt, audio = store.formats[item_id], bytes(store.audio.get(item_id, b""))
            turn = self._cursor.peek()
            heard = self._heard.pop(item_id, None)
            if turn is not None and turn.hear is not None and not store.pending:
                text = turn.hear  # the scenario scripts what was heard
            else:
                samples = fmt.decode(audio)
                if heard is None and self._listening is not None:
                    heard = self._listening.hear(samples, fmt.rate)
                text = yield Transcribe(samples, fmt.rate, heard)
            store.transcripts[item_id] = text
            if not emit or not store.has(item_id):
                continue
            for part in store.find(item_id)["content"]:
                if part.get("type") == "input_audio":
                    part["transcript"] = text
            where = {"item_id": item_id, "content_index": 0}
            kind = "conversation.item.input_audio_transcription"
            deltas = [
                self._host.event(f"{kind}.delta", **where, delta=d) for d in split_deltas(text)
            ]
            usage = {"type": "duration", "seconds": round(fmt.duration_ms(len(audio)) / 1000, 1)}
            done = self._host.event(f"{kind}.completed", **where, transcript=text, usage=usage)
            yield Emit([*deltas, done])
