"""JournalWriter: appends a session's wire traffic and events to a JSONL file, secrets redacted."""

from __future__ import annotations

import errno
import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from .private import open_private, private_dir
from .redact import Redactor
from .wav import WavRecorder

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
# Server events after which a turn is complete: the file is flushed so a crash loses at most the
# turn in progress.
_TURN_END = frozenset({"response.done", "conversation.item.done", "error"})
_AUDIO_FIELDS = {"input_audio_buffer.append": "audio", "response.output_audio.delta": "delta"}
# Lines kept in memory while the disk refuses them (full), written when space returns; past
# this the newest are dropped (and counted), so a long outage cannot exhaust memory instead.
_PENDING_LIMIT = 4 * 1024 * 1024
_WRITE_AT = 64 * 1024  # below a flush, lines are written in pieces of about this size
_STOP = object()
_JOIN_S = 10.0  # how long close() waits for the writer thread to write what is queued


class JournalWriter:
    """One session's journal: ``<dir>/<stamp>.jsonl`` plus, when recording, mic and speaker WAVs.

    Lines are ``{"t": seconds since start, "kind": ..., ...}`` with kinds ``meta`` (first line),
    ``sent`` and ``recv`` (wire events, audio replaced by its byte count), ``event`` (session
    events in summary form) and ``decision`` (operator approvals and rejections).

    Writing never raises: when the disk refuses (full, I/O error) the journal says so once
    through ``on_trouble`` ("journal stopped: disk full"), keeps what it could not write in
    memory (up to 4 MB) and tries again at each flush; when a write succeeds it says "journal
    resumed". Files are 0600 in a 0700 folder.

    With ``background`` (what the console uses), a record is stamped where it happens and
    handed to a writer thread, which redacts, encodes and writes it: the caller (the UI's event
    loop) never waits on the disk. ``on_trouble`` is then called from that thread. ``flush()``
    and ``close()`` wait (bounded) for what is queued; a crash may lose the records queued in
    the last moments, which the writer would have written within milliseconds.
    """

    on_trouble: Callable[[str], None] | None = None
    """Told, in one line, when writing stops and when it resumes."""

    def __init__(
        self,
        path: Path,
        *,
        redactor: Redactor | None = None,
        record_audio: bool = False,
        clock: Callable[[], float] = time.time,
        background: bool = False,
    ) -> None:
        self.path = path
        self.redactor = redactor or Redactor()
        self.record_audio = record_audio
        self._clock = clock
        self._started = clock()
        private_dir(path.parent)
        self._file: IO[bytes] | None = open_private(path, "ab", buffering=0)
        self._pending = bytearray()
        self._lost = 0
        self.stopped: str | None = None
        """Why writing stopped (``disk full``...), or None while it works."""
        self._wavs: dict[str, WavRecorder] = {}
        self._wav_lock = threading.Lock()  # the audio thread writes, the writer syncs
        self._queue: queue.SimpleQueue[Any] | None = None
        self._thread: threading.Thread | None = None
        if background:
            self._queue = queue.SimpleQueue()
            self._thread = threading.Thread(
                target=self._run, name=f"journal {path.name}", daemon=True)
            self._thread.start()

    @property
    def closed(self) -> bool:
        return self._file is None

    def _write(self, record: dict[str, Any], *, flush: bool) -> None:
        if self._file is None:
            return
        record["t"] = round(self._clock() - self._started, 4)
        if self._queue is not None:
            self._queue.put((record, flush))
        else:
            self._store(record, flush=flush)

    def _run(self) -> None:
        """The writer thread: records in order; what is queued is written as one piece when
        the queue runs dry, so a burst costs one write and a quiet session loses nothing."""
        assert self._queue is not None
        while True:
            item = self._queue.get()
            if item is _STOP:
                self._drain()
                return
            if isinstance(item, threading.Event):
                self._drain()
                item.set()
                continue
            record, flush = item
            self._store(record, flush=flush or self._queue.empty())

    def _store(self, record: dict[str, Any], *, flush: bool) -> None:
        line = json.dumps(self.redactor.value(record), ensure_ascii=False, default=str)
        if len(self._pending) < _PENDING_LIMIT:
            self._pending += (line + "\n").encode()
        else:
            self._lost += 1
        if (flush or len(self._pending) >= _WRITE_AT) and self._file is not None:
            self._drain()

    def _drain(self) -> bool:
        """Write what is pending; False (and the reason noted) when the disk refuses."""
        file = self._file
        try:
            while file is not None and (self._pending or self._lost):
                if not self._pending:
                    # Right after what was kept: where the records that did not fit would be.
                    gap = {"kind": "event", "type": "journal_gap", "lost_records": self._lost}
                    self._pending += (json.dumps(gap) + "\n").encode()
                    self._lost = 0
                written = file.write(self._pending)
                del self._pending[: written or 0]
            with self._wav_lock:
                for out in self._wavs.values():
                    out.sync()
        except OSError as exc:
            self._stop(exc)
            return False
        if self.stopped is not None:
            self.stopped = None
            self._tell("journal resumed")
        return True

    def _stop(self, exc: OSError) -> None:
        if self.stopped is not None:
            return
        self.stopped = "disk full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (
            exc.strerror or str(exc))
        # One line in the log, not a traceback per write.
        log.warning("journal %s stopped: %s", self.path.name, self.stopped)
        self._tell(f"journal stopped: {self.stopped}")

    def _tell(self, text: str) -> None:
        if self.on_trouble is not None:
            self.on_trouble(text)

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
        if self.stopped is not None:
            return  # live audio is not held back: it resumes with the journal
        try:
            with self._wav_lock:
                out = self._wavs.get(channel)
                if out is None:
                    out = WavRecorder(self.path.with_suffix(f".{channel}.wav"), rate)
                    self._wavs[channel] = out
                out.write(pcm16)
        except OSError as exc:
            self._stop(exc)

    def flush(self) -> None:
        """Write what is pending (and the WAV headers); never raises. With a writer thread,
        waits (bounded) until it has written what was queued before."""
        if self._file is None:
            return
        if self._queue is not None:
            done = threading.Event()
            self._queue.put(done)
            done.wait(_JOIN_S)
        else:
            self._drain()

    def close(self) -> None:
        """Write the closing line and close; what the disk still refuses is lost, never raised."""
        if self._file is None:
            return
        self.event("journal_closed")
        if self._queue is not None and self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(_JOIN_S)
        file, self._file = self._file, None
        closers: list[Callable[[], None]] = [file.close, *(w.close for w in self._wavs.values())]
        for close in closers:
            try:
                close()
            except OSError as exc:
                log.warning("journal %s: closing failed: %s", self.path.name, exc.strerror)
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
        journal = JournalWriter(
            path, redactor=Redactor(secrets), record_audio=record, background=True)
    except OSError as exc:
        return None, f"session not journaled: {exc.strerror or exc}"
    return journal, None
