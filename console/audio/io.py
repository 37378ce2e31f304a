"""AudioIO: the one object the UI wires: mic to session, session audio to speaker, meters, modes.

How the UI uses it::

    tracker = RealtimePlaybackTracker()
    audio = AudioIO(input_device=args.input_device, output_device=args.output_device,
                    headset=args.headset, tracker=tracker, on_device_lost=show_notice)
    session = await runner.run(model_config={..., "playback_tracker": tracker})
    async with session:
        audio.start(asyncio.get_running_loop(), session.send_audio, commit=commit_turn)
        if not audio.available:
            show_notice(audio.error)            # text mode; the session goes on
        async for event in session:
            audio.feed(event)                   # audio / audio_interrupted / audio_end
            ...
    audio.close()

- ``start(loop, send_audio, commit=None) -> bool`` opens PortAudio and the devices (blocking,
  ~0.1 s; ALSA/JACK noise is kept off the terminal) and starts the mic pump and a watchdog on
  ``loop``. It never raises for device trouble: ``available`` says whether any audio runs,
  ``can_capture``/``can_play`` say which half, ``error`` is the notice to show (None if all
  is well).
- ``feed(event)`` takes session events (or model events), duck-typed on ``.type``: ``audio``
  (``event.audio.data`` or ``event.data``, ``item_id``, ``content_index``), ``audio_interrupted``,
  ``audio_end``/``audio_done``, and the raw ``session.created``/``session.updated`` server
  events, from which it takes the input/output audio formats and whether turn detection is off.
  Anything else is ignored, so pass every event.
- ``interrupt()``: the operator's interrupt key. Fades out within one period, drops the queue and
  refuses late chunks of the interrupted items. Call it before ``session.interrupt()``, so the
  tracker holds what was really played when the truncate is built.
- ``muted`` (nothing is sent; ``levels.muted`` tells the meter), ``push_to_talk`` (audio flows
  only while ``talking``), ``talking`` (the PTT toggle; on release, with ``commit_on_release``,
  ``commit()`` is awaited after the last held chunk is sent). ``commit_on_release=None`` (the
  default) follows the session: on when its turn detection is off, off under server/semantic VAD.
- ``set_audio_format(output, input=None)`` sets the formats by hand (pcm16 / g711_ulaw /
  g711_alaw, any spelling): mic audio is encoded to ``input``, playback decodes ``output``.
- ``levels`` (a ``LevelSource``: ``mic_db``, ``speaker_db``, ``muted``, ``user_speaking``,
  ``assistant_speaking``) is read by the meter pane at its frame rate; plain reads, never awaits.
- ``on_device_lost(reason)`` is called on the loop when a stream dies mid-session (device
  unplugged, server gone); that half is closed, ``error`` is set, the session is untouched.
- ``stats()`` gives counters for the status bar and benchmarks; ``close()`` is idempotent.

Echo gate: with speakers (``headset=False``) mic audio is only sent while the agent is silent,
or when the mic is clearly louder than the playback (a barge-in); with a headset it is off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.realtime.audio_formats import normalize_audio_format
from console.realtime.model import RealtimePlaybackTracker

from .capture import Capture, CapturedChunk
from .codecs import PCM_RATE
from .devices import AudioDeviceError, choose_device, list_devices, open_pyaudio, terminate_pyaudio
from .echo_gate import EchoGate, EchoGateSettings
from .meters import LevelSource
from .playback import Playback
from .pump import Commit, MicPump, SendAudio

if TYPE_CHECKING:
    import pyaudio

log = logging.getLogger("console.audio")

_SESSION_EVENTS = ("session.created", "session.updated")


@dataclass(frozen=True, slots=True)
class AudioStats:
    chunks_captured: int
    chunks_sent: int
    capture_drops: int
    gate_blocked: int
    underruns: int
    late_chunks_dropped: int
    send_failures: int


class AudioIO:
    """Mic capture, speaker playback, meters and the echo gate behind one small API (see module)."""

    def __init__(
        self,
        input_device: int | str | None = None,
        output_device: int | str | None = None,
        *,
        headset: bool = False,
        levels: LevelSource | None = None,
        tracker: RealtimePlaybackTracker | None = None,
        audio_format: str | Mapping[str, Any] | None = "pcm16",
        chunk_ms: int = 20,
        jitter_chunks: int = 3,
        period_ms: float = 5.0,
        fade_ms: float = 5.0,
        echo: EchoGateSettings | None = None,
        echo_tail_ms: float = 250.0,
        push_to_talk: bool = False,
        commit_on_release: bool | None = None,
        capture: bool = True,
        playback: bool = True,
        on_device_lost: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.input_device = input_device
        self.output_device = output_device
        self.levels = levels or LevelSource(clock=clock)
        self.tracker = tracker if tracker is not None else RealtimePlaybackTracker()
        self.clock = clock
        self.on_device_lost = on_device_lost
        self._commit_on_release_auto = commit_on_release is None
        self.commit_on_release = bool(commit_on_release)
        self.echo_tail_s = echo_tail_ms / 1000.0
        self._want_capture, self._want_playback = capture, playback
        chunk_frames = PCM_RATE * chunk_ms // 1000
        self._muted = False
        self._push_to_talk = push_to_talk
        self._talking = False
        self.capture = Capture(
            meter=self.levels.mic,
            chunk_frames=chunk_frames,
            clock=clock,
            send_allowed=self._send_allowed,
        )
        self.playback = Playback(
            tracker=self.tracker,
            meter=self.levels.speaker,
            audio_format=audio_format,
            chunk_frames=chunk_frames,
            jitter_chunks=jitter_chunks,
            period_frames=max(1, round(PCM_RATE * period_ms / 1000)),
            fade_frames=max(1, round(PCM_RATE * fade_ms / 1000)),
            clock=clock,
        )
        self.tracker.set_audio_format(normalize_audio_format(audio_format))
        self.levels.playing_probe = lambda: self.playback.pending
        self.gate: EchoGate[CapturedChunk] = EchoGate(
            EchoGateSettings(chunk_ms=chunk_ms) if echo is None else echo, enabled=not headset
        )
        self._audio_format = audio_format
        self.pump: MicPump | None = None
        self.can_capture = False
        self.can_play = False
        self.error: str | None = None
        self._pa: pyaudio.PyAudio | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False

    # -- state the UI reads and sets ----------------------------------------------------------

    @property
    def available(self) -> bool:
        """Any audio at all; False means text mode (``error`` says why)."""
        return self.can_capture or self.can_play

    @property
    def headset(self) -> bool:
        return not self.gate.enabled

    @headset.setter
    def headset(self, value: bool) -> None:
        self.gate.enabled = not value
        self.gate.reset()

    @property
    def muted(self) -> bool:
        return self._muted

    @muted.setter
    def muted(self, value: bool) -> None:
        self._muted = value
        self.levels.muted = value

    @property
    def push_to_talk(self) -> bool:
        return self._push_to_talk

    @push_to_talk.setter
    def push_to_talk(self, value: bool) -> None:
        self._push_to_talk = value
        self._talking = False

    @property
    def talking(self) -> bool:
        return self._talking

    @talking.setter
    def talking(self, value: bool) -> None:
        released = self._talking and not value
        self._talking = value
        if released and self._push_to_talk and self.commit_on_release:
            self.capture.mark_commit()

    def _send_allowed(self) -> bool:
        # Read in the capture callback thread: plain attribute reads, no lock.
        return not self._muted and (not self._push_to_talk or self._talking)

    def _playback_state(self) -> tuple[bool, float]:
        now = self.clock()
        active = self.playback.pending or now < self.playback.sounding_until + self.echo_tail_s
        return active, self.levels.speaker.read(now).rms_db

    def set_audio_format(
        self,
        output: str | Mapping[str, Any] | None,
        input: str | Mapping[str, Any] | None = None,
    ) -> None:
        """The session's formats (any spelling); ``input`` defaults to ``output``. ``feed`` does
        this by itself from session.created/updated, so calling it is rarely needed."""
        input = output if input is None else input
        self._audio_format = input
        self.playback.set_audio_format(output)
        self.tracker.set_audio_format(normalize_audio_format(output))
        if self.pump is not None:
            self.pump.set_audio_format(input)

    def _on_session(self, session: Mapping[str, Any]) -> None:
        audio = session.get("audio")
        if not isinstance(audio, Mapping):
            return
        inp, out = audio.get("input"), audio.get("output")
        inp = inp if isinstance(inp, Mapping) else {}
        out = out if isinstance(out, Mapping) else {}
        if "format" in inp or "format" in out:
            self.set_audio_format(out.get("format"), inp.get("format") or out.get("format"))
        if self._commit_on_release_auto and "turn_detection" in inp:
            # With no turn detection nobody else ends the user's turn: the PTT release must.
            self.commit_on_release = inp.get("turn_detection") is None

    # -- lifecycle ----------------------------------------------------------------------------

    def attach(
        self, loop: asyncio.AbstractEventLoop, send_audio: SendAudio, commit: Commit | None = None
    ) -> None:
        """The loop side only: start the mic pump without opening devices. ``start`` calls it;
        on its own it lets audio come from ``capture.push`` (a file, a test) instead of a mic."""
        if self.pump is not None:
            raise RuntimeError("AudioIO is already started")
        self._loop = loop
        self.capture.attach(loop)
        self.playback.attach(loop)
        self.pump = MicPump(
            self.capture,
            send_audio,
            commit,
            gate=self.gate,
            playback_state=self._playback_state,
            audio_format=self._audio_format,
            clock=self.clock,
        )
        self._tasks.append(loop.create_task(self.pump.run(), name="audio-mic-pump"))

    def start(
        self, loop: asyncio.AbstractEventLoop, send_audio: SendAudio, commit: Commit | None = None
    ) -> bool:
        """Open the devices and start pumping (on ``loop``'s thread). True if any audio runs."""
        self.attach(loop, send_audio, commit)
        problems: list[str] = []
        try:
            self._pa = open_pyaudio()
            devices = list_devices(self._pa)
        except AudioDeviceError as exc:
            self.error = f"audio off: {exc}"
            log.warning("%s", self.error)
            return False
        if self._want_playback:
            try:
                self.playback.open(self._pa, choose_device(devices, self.output_device, "output"))
                self.can_play = True
            except AudioDeviceError as exc:
                problems.append(f"no speaker ({exc})")
        if self._want_capture:
            try:
                self.capture.open(self._pa, choose_device(devices, self.input_device, "input"))
                self.can_capture = True
            except AudioDeviceError as exc:
                problems.append(f"no microphone ({exc}): type to talk")
        if problems:
            self.error = "; ".join(problems)
            log.warning("audio: %s", self.error)
        if self.available:
            self._tasks.append(loop.create_task(self._watch(), name="audio-watchdog"))
        return self.available

    async def _watch(self, every_s: float = 0.25, confirm: int = 4) -> None:
        # A stream is given up only after ``confirm`` checks in a row find it dead: a process
        # frozen for seconds (the machine loaded, a native call holding the GIL) stops the
        # device's callbacks and this loop alike, and must not read as a stalled device. Once
        # the loop runs again the callbacks do too; a device that is really gone stays silent.
        strikes = {"capture": 0, "playback": 0}
        while True:
            await asyncio.sleep(every_s)
            now = self.clock()
            for name, stream in (("capture", self.capture), ("playback", self.playback)):
                usable = self.can_capture if name == "capture" else self.can_play
                reason = stream.health(now) if usable else None
                strikes[name] = strikes[name] + 1 if reason else 0
                if reason and strikes[name] >= confirm:
                    self._give_up(name, reason)
            if not self.available:
                return

    def _give_up(self, name: str, reason: str) -> None:
        if name == "capture":
            self.can_capture = False
            self.capture.close()
            self._lost(f"microphone lost: {reason}")
        else:
            self.can_play = False
            self.playback.close()
            self.playback.interrupt()
            self._lost(f"speaker lost: {reason}")

    def _lost(self, reason: str) -> None:
        self.error = reason
        log.warning("audio: %s", reason)
        if self.on_device_lost is not None:
            try:
                self.on_device_lost(reason)
            except Exception:
                log.exception("on_device_lost callback failed")

    def feed(self, event: Any) -> None:
        """Take a session (or model) event; audio events drive playback, others are ignored."""
        kind = getattr(event, "type", None)
        if kind == "audio":
            if not self.can_play:
                return
            audio = getattr(event, "audio", None)
            data = audio.data if audio is not None else event.data
            self.playback.feed(data, event.item_id, event.content_index)
        elif kind == "audio_interrupted":
            self.playback.interrupt(event.item_id, event.content_index)
        elif kind in ("audio_end", "audio_done"):
            self.playback.end(event.item_id, event.content_index)
        elif kind == "raw_model_event":
            data = getattr(getattr(event, "data", None), "data", None)
            if isinstance(data, Mapping) and data.get("type") in _SESSION_EVENTS:
                session = data.get("session")
                if isinstance(session, Mapping):
                    self._on_session(session)

    def interrupt(self) -> bool:
        """Stop local playback now (operator's interrupt). True if something was playing."""
        return self.playback.interrupt()

    def stats(self) -> AudioStats:
        pump = self.pump
        return AudioStats(
            chunks_captured=self.capture.chunks_in,
            chunks_sent=pump.sent if pump else 0,
            capture_drops=self.capture.drops,
            gate_blocked=self.gate.blocked,
            underruns=self.playback.underruns,
            late_chunks_dropped=self.playback.buffer.late_dropped,
            send_failures=pump.failures if pump else 0,
        )

    def close(self) -> None:
        """Stop the tasks and streams and release PortAudio. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self.capture.close()
        self.playback.close()
        self.can_capture = self.can_play = False
        if self._pa is not None:
            with contextlib.suppress(Exception):
                terminate_pyaudio(self._pa)
            self._pa = None

    async def aclose(self) -> None:
        """``close`` plus waiting for the cancelled tasks to finish."""
        tasks = list(self._tasks)
        self.close()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
