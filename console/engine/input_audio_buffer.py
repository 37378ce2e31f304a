"""InputAudioEvents: a Conversation's input_audio_buffer.* events, commits and transcriptions."""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future
from typing import Any

from .audio_input import IdleTimeout, InputAudio
from .ear import Listening
from .errors import ProtocolError, required
from .ids import IdGenerator
from .items import decode_audio
from .job_steps import Emit, Event, Job, Transcribe
from .overrides import make_run
from .response import ResponseRun
from .scenario import ScenarioCursor
from .store import ItemStore
from .text_pieces import split_deltas
from .vad import SpeechStarted, SpeechStopped


class InputAudioEvents:
    """The input audio part of ``Conversation`` (a mixin; the conversation has the state)."""

    ids: IdGenerator
    session: dict[str, Any]
    store: ItemStore
    cursor: ScenarioCursor
    input: InputAudio
    _jobs: deque[Job]
    _runs: list[ResponseRun]
    _speech_item: str | None
    _speech_start_ms: int
    listening: Listening | None
    _fed_ms: float | None  # audio fed to the open utterance up to here; None: none is open
    _heard: dict[str, Future[str]]  # item id -> its transcript, being finished

    def event(self, type: str, **fields: Any) -> Event:
        raise NotImplementedError

    @property
    def responding(self) -> bool:
        raise NotImplementedError

    def _turn_detection(self) -> dict[str, Any]:
        raise NotImplementedError

    def _added_and_done(self, previous: str | None, item: dict[str, Any]) -> list[Event]:
        raise NotImplementedError

    def _start(self, run: ResponseRun) -> None:
        raise NotImplementedError

    # -- recognition while the audio arrives ----------------------------------------------------

    def _hear_from(self, start_ms: float) -> None:
        if self.listening is not None:
            self.listening.begin()
            self._fed_ms = start_ms

    def _hear_until(self, end_ms: float) -> None:
        if self.listening is None or self._fed_ms is None or end_ms <= self._fed_ms:
            return
        audio = self.input.peek(self._fed_ms, end_ms)
        self._fed_ms = end_ms
        if audio:
            self.listening.feed(self.input.format.decode(audio), self.input.format.rate)

    def _heard_as(self, item_id: str) -> None:
        """The open utterance ends: its transcript belongs to this item."""
        if self.listening is not None and self._fed_ms is not None:
            self._heard[item_id] = self.listening.end()
        self._fed_ms = None

    def _stop_hearing(self) -> None:
        if self.listening is not None and self._fed_ms is not None:
            self.listening.cancel()
        self._fed_ms = None

    def _on_input_audio_buffer_append(self, event: Event) -> list[Event]:
        data = decode_audio(required(event, "audio", str, "a base64 string"), "audio")
        events: list[Event] = []
        if self.input.vad is None and self._fed_ms is None:
            # No turn detection: the client commits; everything since the last commit is speech.
            self._hear_from(self.input.start_ms)
        for found in self.input.append(data, responding=self.responding):
            if isinstance(found, SpeechStarted):
                self._stop_hearing()
                self._hear_from(found.audio_start_ms)
                self._speech_item, self._speech_start_ms = self.ids.item(), found.audio_start_ms
                events.append(
                    self.event(
                        "input_audio_buffer.speech_started",
                        audio_start_ms=found.audio_start_ms,
                        item_id=self._speech_item,
                    )
                )
                if self._turn_detection().get("interrupt_response"):
                    for run in self._runs:
                        run.cancel("turn_detected")
            elif isinstance(found, SpeechStopped):
                item_id, self._speech_item = self._speech_item or self.ids.item(), None
                events.append(
                    self.event(
                        "input_audio_buffer.speech_stopped",
                        audio_end_ms=found.audio_end_ms,
                        item_id=item_id,
                    )
                )
                self._hear_until(found.audio_end_ms)
                self._heard_as(item_id)
                audio = self.input.take(self._speech_start_ms, found.audio_end_ms)
                events += self._commit(item_id, audio, auto=True)
            elif isinstance(found, IdleTimeout):
                item_id = self.ids.item()
                events.append(
                    self.event(
                        "input_audio_buffer.timeout_triggered",
                        audio_start_ms=found.audio_start_ms,
                        audio_end_ms=found.audio_end_ms,
                        item_id=item_id,
                    )
                )
                audio = self.input.take(found.audio_start_ms, found.audio_end_ms)
                events += self._commit(item_id, audio, auto=True)
        self._hear_until(self.input.position_ms)
        return events

    def _on_input_audio_buffer_commit(self, event: Event) -> list[Event]:
        buffered = self.input.buffered_ms
        if buffered < 100:
            raise ProtocolError(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected at least 100ms "
                f"of audio, but buffer only has {buffered:.2f}ms of audio.",
            )
        item_id, self._speech_item = self._speech_item or self.ids.item(), None
        self._hear_until(self.input.position_ms)
        self._heard_as(item_id)
        audio = self.input.take()
        self.input.clear()
        return self._commit(item_id, audio, auto=False)

    def _on_input_audio_buffer_clear(self, event: Event) -> list[Event]:
        self._stop_hearing()
        self.input.clear()
        self._speech_item = None
        return [self.event("input_audio_buffer.cleared")]

    def _commit(self, item_id: str, audio: bytes, *, auto: bool) -> list[Event]:
        item = {
            "id": item_id,
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        previous = self.store.append(item)
        self.store.keep_audio(item_id, audio, self.input.format)
        transcribe = self.session["audio"]["input"]["transcription"] is not None
        self.store.pending[item_id] = transcribe
        events = [
            self.event("input_audio_buffer.committed", previous_item_id=previous, item_id=item_id),
            *self._added_and_done(previous, item),
        ]
        if auto and self._turn_detection().get("create_response"):
            self._start(make_run({}, self.session, self.ids, self.store))
        elif transcribe:
            self._jobs.append(self.transcribe_pending())
        return events

    def transcribe_pending(self) -> Job:
        """Transcribe committed audio not transcribed yet; events only if the session asks."""
        store = self.store
        while store.pending:
            item_id, emit = next(iter(store.pending.items()))
            del store.pending[item_id]
            fmt, audio = store.formats[item_id], bytes(store.audio.get(item_id, b""))
            turn = self.cursor.peek()
            heard = self._heard.pop(item_id, None)
            if turn is not None and turn.hear is not None and not store.pending:
                text = turn.hear  # the scenario scripts what was heard
            else:
                samples = fmt.decode(audio)
                if heard is None and self.listening is not None:
                    heard = self.listening.hear(samples, fmt.rate)
                text = yield Transcribe(samples, fmt.rate, heard)
            store.transcripts[item_id] = text
            if not emit or not store.has(item_id):
                continue
            for part in store.find(item_id)["content"]:
                if part.get("type") == "input_audio":
                    part["transcript"] = text
            where = {"item_id": item_id, "content_index": 0}
            kind = "conversation.item.input_audio_transcription"
            deltas = [self.event(f"{kind}.delta", **where, delta=d) for d in split_deltas(text)]
            usage = {"type": "duration", "seconds": round(fmt.duration_ms(len(audio)) / 1000, 1)}
            done = self.event(f"{kind}.completed", **where, transcript=text, usage=usage)
            yield Emit([*deltas, done])
