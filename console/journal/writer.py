"""JournalWriter: appends a session's wire traffic and events to a JSONL file, secrets redacted."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from .redact import Redactor
from .wav import WavRecorder

FORMAT_VERSION = 1
# Server events after which a turn is complete: the file is flushed so a crash loses at most the
# turn in progress.
_TURN_END = frozenset({"response.done", "conversation.item.done", "error"})
_AUDIO_FIELDS = {"input_audio_buffer.append": "audio", "response.output_audio.delta": "delta"}


class JournalWriter:
    """One session's journal: ``<dir>/<stamp>.jsonl`` plus, when recording, mic and speaker WAVs.

    Lines are ``{"t": seconds since start, "kind": ..., ...}`` with kinds ``meta`` (first line),
    ``sent`` and ``recv`` (wire events, audio replaced by its byte count), ``event`` (session
    events in summary form) and ``decision`` (operator approvals and rejections).
    """

    def __init__(
        self,
        path: Path,
        *,
        redactor: Redactor | None = None,
        record_audio: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.redactor = redactor or Redactor()
        self.record_audio = record_audio
        self._clock = clock
        self._started = clock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] | None = path.open("a", encoding="utf-8")
        self._wavs: dict[str, WavRecorder] = {}

    @property
    def closed(self) -> bool:
        return self._file is None

    def _write(self, record: dict[str, Any], *, flush: bool) -> None:
        if self._file is None:
            return
        record["t"] = round(self._clock() - self._started, 4)
        line = json.dumps(self.redactor.value(record), ensure_ascii=False, default=str)
        self._file.write(line + "\n")
        if flush:
            self.flush()

    def meta(self, **fields: Any) -> None:
        started = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(self._started))
        record = {
            "kind": "meta",
            "version": FORMAT_VERSION,
            "started": started,
            # Wall-clock time of t=0, so a replay can show each record's own time of day.
            "epoch": self._started,
            **fields,
        }
        self._write(record, flush=True)

    def wire(self, direction: str, data: dict[str, Any]) -> None:
        """A wire event; ``direction`` is ``sent`` or ``recv``. Audio payloads are not kept here."""
        kind = data.get("type")
        audio_field = _AUDIO_FIELDS.get(kind) if isinstance(kind, str) else None
        if audio_field and isinstance(data.get(audio_field), str):
            payload = data[audio_field]
            data = {k: v for k, v in data.items() if k != audio_field}
            data[audio_field + "_bytes"] = len(payload) * 3 // 4 - payload.count("=", -2)
        self._write({"kind": direction, "data": data}, flush=kind in _TURN_END)

    def event(self, type: str, **fields: Any) -> None:
        self._write({"kind": "event", "type": type, **fields}, flush=True)

    def decision(self, **fields: Any) -> None:
        self._write({"kind": "decision", **fields}, flush=True)

    def audio(self, channel: str, pcm16: bytes, rate: int = 24_000) -> None:
        """Append PCM16 mono audio to ``<stem>.<channel>.wav`` when recording (mic or speaker)."""
        if not self.record_audio or self._file is None:
            return
        out = self._wavs.get(channel)
        if out is None:
            out = WavRecorder(self.path.with_suffix(f".{channel}.wav"), rate)
            self._wavs[channel] = out
        out.write(pcm16)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()
            for out in self._wavs.values():
                out.sync()

    def close(self) -> None:
        if self._file is None:
            return
        self.event("journal_closed")
        self._file.close()
        self._file = None
        for out in self._wavs.values():
            out.close()
        self._wavs.clear()


def open_journal(
    secrets: list[str | None], *, record: bool = False, directory: Path | None = None
) -> tuple[JournalWriter | None, str | None]:
    """A new session's journal in ``directory`` (default: the sessions folder), ``secrets``
    registered with its redactor; or None and a one-line reason (the console runs on, unjournaled).
    """
    from .store import new_journal_path, sessions_dir

    try:
        path = new_journal_path(directory or sessions_dir())
        journal = JournalWriter(path, redactor=Redactor(secrets), record_audio=record)
    except OSError as exc:
        return None, f"session not journaled: {exc.strerror or exc}"
    return journal, None
