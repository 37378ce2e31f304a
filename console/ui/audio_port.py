"""Adapts the audio layer's AudioIO to the console's AudioPort (mic, speaker, meters, modes)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .audio_protocols import LevelSource
from .config import DeviceConfig

if TYPE_CHECKING:
    from console.audio.io import AudioIO


class AudioUnavailable(Exception):
    """No microphone or speaker could be opened: the console goes on in text mode."""


class AudioIOPort:
    """The console's view of AudioIO.

    Push-to-talk: the key toggles talking. The first press switches to push-to-talk mode: the
    session's turn detection goes off (``session.set_turn_detection(None)``, and again if an
    agent switch brings it back), so the server never ends or answers a turn on its own; from
    then on the mic is closed between presses. Each release sends the audio up to the release
    and ends the turn (``send_audio(..., commit=True)``: commit, then response). A press while
    the agent speaks interrupts it first."""

    def __init__(self, audio: AudioIO, on_notice: Callable[[str], None] | None = None) -> None:
        self.audio = audio
        self.on_notice = on_notice
        self.on_audio: Callable[[str, bytes], None] | None = None
        """Set (before ``start``) to record: called on the loop with ``("mic", pcm16)`` for
        each chunk sent and ``("speaker", pcm16)`` for each block played, 24 kHz mono."""
        self._played: deque[bytes] = deque()
        self._session: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def levels(self) -> LevelSource:
        levels: LevelSource = self.audio.levels
        return levels

    @property
    def playback_tracker(self) -> Any:
        return self.audio.tracker

    @property
    def available(self) -> bool:
        """Any audio still runs (False after both devices were lost: text mode)."""
        return bool(self.audio.available)

    @property
    def device_labels(self) -> dict[str, str]:
        """The microphone (``input``) and speaker (``output``) in use, as the system names them."""
        return {str(side): label for side, label in self.audio.device_labels.items()}

    def sent_ms(self) -> float | None:
        """Mic audio sent so far (ms): where the server's input-audio clock stands."""
        pump = self.audio.pump
        return pump.sent_ms if pump is not None else None

    def choices(self) -> list[tuple[str, str, str]]:
        """(direction, name, label) of every source and sink the system offers (the device
        picker's list); empty without a sound server."""
        from console.audio.pulse import PulseError, list_pulse_devices

        try:
            found = list_pulse_devices()
        except PulseError:
            return []
        return [(d.direction, d.name, d.label) for d in found]

    def switch_device(self, direction: str, name: str) -> str:
        """Move the microphone (``input``) or speaker (``output``) to ``name``, live; returns
        its label. Raises AudioDeviceError (the old device stays) if it cannot."""
        return self.audio.switch_device("input" if direction == "input" else "output", name)

    @property
    def playback_pending(self) -> bool:
        """Audio queued or still sounding; the session's inactivity clock waits for it."""
        return bool(self.audio.can_play and self.audio.playback.pending)

    async def start(self, session: Any) -> None:
        loop = asyncio.get_running_loop()
        self._session = session
        self.audio.on_notice = self._notice
        send = session.send_audio
        if self.on_audio is not None:
            send = self._recording_send(session.send_audio)
            # Played blocks come from the audio thread: queued there, written by the loop.
            self.audio.playback.on_played = lambda block: self._played.append(block.tobytes())
        self.audio.start(loop, send)
        if not self.audio.available:
            raise AudioUnavailable(self.audio.error or "no audio device")
        if self.audio.error:
            self._notice(self.audio.error)

    def _notice(self, text: str) -> None:
        if self.on_notice is not None:
            self.on_notice(f"audio: {text}")

    def _recording_send(self, send_audio: Callable[..., Any]) -> Callable[..., Any]:
        from console.audio.codecs import WireDecoder

        async def send(data: bytes, **options: Any) -> Any:
            pump = self.audio.pump
            if self.on_audio is not None and pump is not None:
                # What goes out is in the session's input format; the WAV is PCM16 24 kHz.
                pcm = WireDecoder(pump.encoder.format).decode(data)
                self.on_audio("mic", pcm.astype("<i2").tobytes())
            return await send_audio(data, **options)

        return send

    def drain_recording(self) -> None:
        """Hand the blocks played since the last call to ``on_audio`` (the app, per frame)."""
        played = self._played
        while played:
            block = played.popleft()
            if self.on_audio is not None:
                self.on_audio("speaker", block)

    async def stop(self) -> None:
        self.audio.close()
        self.drain_recording()

    def on_session_event(self, event: object) -> None:
        self.audio.feed(event)
        if self.audio.push_to_talk and self.audio.server_turn_detection:
            # An agent switch sent its own settings, turn detection included: off again.
            self._turn_detection_off()

    def _run(self, call: Callable[[Any], Awaitable[Any]]) -> None:
        session = self._session
        if session is None:
            return

        async def run() -> None:
            try:
                await call(session)
            except Exception as exc:
                self._notice(f"push-to-talk: {type(exc).__name__}: {exc}")

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _turn_detection_off(self) -> None:
        # Unknown until the session reports its audio settings: no resend for every event meanwhile.
        self.audio.server_turn_detection = None
        self._run(lambda s: s.set_turn_detection(None))

    def interrupt(self) -> None:
        self.audio.interrupt()

    def set_muted(self, muted: bool) -> None:
        self.audio.muted = muted

    def set_push_to_talk(self, enabled: bool) -> None:
        audio = self.audio
        if not audio.push_to_talk:
            audio.push_to_talk = True
            audio.commit_on_release = True
            self._turn_detection_off()
        if enabled and audio.can_play and audio.playback.pending and audio.interrupt():
            # Talking over the agent: stop it first (the truncate says what was heard).
            self._run(lambda s: s.interrupt(force_response_cancel=True))
        audio.talking = enabled


def open_audio(devices: DeviceConfig) -> AudioIOPort:
    """An AudioIOPort on the configured devices (opened later, when the session starts)."""
    from console.audio.echo import EchoSettings
    from console.audio.io import AudioIO

    echo = EchoSettings(echo_cancellation=devices.aec, noise_suppression=devices.noise_suppression)
    audio = AudioIO(input_device=devices.input, output_device=devices.output,
                    headset=devices.headset, echo=echo)
    return AudioIOPort(audio)
