"""The console's audio side, a collaborator of the app: start/stop, frame polling, interrupt,
mute, push-to-talk and the device picker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .audio_port import AudioUnavailable
from .audio_protocols import AudioPort, LevelSource, StaticLevels
from .bridge import SessionBridge, describe_error
from .state import TEXT_ONLY, ConsoleState, DevicesShown, Say, StatusSet

if TYPE_CHECKING:
    from textual.message import Message

    from console.journal import JournalWriter

SessionCommand = Callable[[str, Callable[[Any], Awaitable[Any]]], bool]
"""Runs a session call in a worker under a label; False (and says so) without a session."""


class AudioControl:
    """Drives the audio port (None in text mode) for the app.

    Mute and push-to-talk are facts of the console state: this asks ``state()`` for them and
    changes them only through ``act`` (the app's reduce-journal-show). Audio trouble never ends
    a session: a device that fails to open, or both devices vanishing mid-session, leave the
    console in text mode with a line in the transcript saying why and "text only" in the
    status bar.
    """

    def __init__(
        self,
        audio: AudioPort | None,
        levels: LevelSource,
        bridge: SessionBridge,
        *,
        state: Callable[[], ConsoleState],
        act: Callable[[object], None],
        post: Callable[[Message], object],
        notify: Callable[[str], None],
        command: SessionCommand,
        journal: JournalWriter | None = None,
    ) -> None:
        self.audio = audio
        self.levels = levels
        self._bridge = bridge
        self._state = state
        self._act = act
        self._post = post
        self._notify = notify
        self._command = command
        self._journal = journal
        self._live = False
        """Started and not yet stopped or lost: what ``poll`` watches."""
        self._playback_pending = False

    def _say(self, text: str, kind: str = "system") -> None:
        self._act(Say(text, kind, "error" if kind == "error" else "console"))

    async def start(self, session: Any) -> None:
        audio = self.audio
        if audio is None:
            return
        if hasattr(audio, "on_notice"):
            audio.on_notice = lambda text: self._post(SessionBridge.Notice(text))
        journal = self._journal
        if journal is not None and journal.record_audio and hasattr(audio, "on_audio"):
            audio.on_audio = journal.audio
        try:
            await audio.start(session)
            self._live = True
            self._bridge.timeline.expect_playout = True
            self._show_devices()
            sent_ms = getattr(audio, "sent_ms", None)
            if sent_ms is not None:
                self._bridge.audio_clock = sent_ms
        except Exception as exc:
            if isinstance(exc, AudioUnavailable):
                # An expected condition (a terminal with no sound devices), not a failure.
                self._say(f"no audio, text only: {exc}")
            else:
                self._say(f"audio unavailable, text only: {describe_error(exc)}", "error")
            self._act(StatusSet({"audio": TEXT_ONLY}))
            await self.stop()
            self.audio = None
            self._bridge.audio_sink = None

    def _show_devices(self) -> None:
        labels = getattr(self.audio, "device_labels", None) or {}
        self._act(DevicesShown(labels.get("input", ""), labels.get("output", "")))

    async def stop(self) -> None:
        self._live = False
        self._bridge.timeline.expect_playout = False
        if self.audio is not None:
            try:
                await self.audio.stop()
            except Exception as exc:
                self._say(f"audio stop failed: {describe_error(exc)}", "error")

    def poll(self, session: Any) -> None:
        """At frame rate: tell the session when local playback starts or stops being pending
        (its inactivity clock waits for playback), and notice devices lost mid-session. Two
        attribute reads per frame; the session hears only changes."""
        audio = self.audio
        if audio is None:
            return
        drain = getattr(audio, "drain_recording", None)
        if drain is not None:
            drain()
        if not self._live or session is None:
            return
        if not audio.available:
            # Both devices went away (the audio layer already posted which and why). The port
            # stays in ``audio`` so the session's end still closes it.
            self._live = False
            self._bridge.timeline.expect_playout = False
            self._act(StatusSet({"audio": TEXT_ONLY, "push_to_talk": False,
                                 "push_to_talk_mode": False}))
            self._bridge.audio_sink = None
            self._say("audio lost: text mode (type to talk); the session goes on")
            pending = False
        else:
            pending = audio.playback_pending
        if pending != self._playback_pending:
            self._playback_pending = pending
            if pending:
                self._bridge.playout_started()
            session.set_playback_pending(pending)

    # -- the device picker (command palette) ---------------------------------------------------

    def device_commands(self) -> list[tuple[str, str, Callable[[], None]]]:
        """(title, help, run) for every microphone and speaker the system offers: picking one
        moves the live stream there. Empty without audio or a sound server to ask."""
        choices = getattr(self.audio, "choices", None)
        if not self._live or choices is None:
            return []
        commands = []
        for direction, name, label in choices():
            role = "Microphone" if direction == "input" else "Speaker"
            commands.append((
                f"{role}: {label}", f"Use {name} as the {role.lower()}",
                self._switcher(direction, name),
            ))
        return commands

    def _switcher(self, direction: str, name: str) -> Callable[[], None]:
        def switch() -> None:
            role = "microphone" if direction == "input" else "speaker"
            try:
                label = self.audio.switch_device(direction, name)  # type: ignore[union-attr]
            except Exception as exc:
                self._say(f"{role} not changed: {describe_error(exc)}", "error")
                return
            self._show_devices()
            self._say(f"{role}: {label}")

        return switch

    # -- keys ------------------------------------------------------------------------------------

    def interrupt(self) -> None:
        if self.audio is not None:
            # Stop playback first so the tracker holds what was really heard for the truncate.
            self.audio.interrupt()
        # An operator's interrupt always cancels: the server cancels by itself only on speech.
        if self._command("interrupt", lambda s: s.interrupt(force_response_cancel=True)):
            self._say("interrupted by operator")

    def toggle_mute(self) -> None:
        muted = not self._state().status.muted
        self._act(StatusSet({"muted": muted}))
        if self.audio is not None:
            self.audio.set_muted(muted)
        elif isinstance(self.levels, StaticLevels):
            self.levels.muted = muted
        self._notify("microphone muted" if muted else "microphone on")

    def toggle_push_to_talk(self) -> None:
        """First press: push-to-talk mode, mic open. Then each press opens or closes the mic;
        closing it ends the turn (a commit when the session has no turn detection)."""
        talking = not self._state().status.push_to_talk
        self._act(StatusSet({"push_to_talk": talking, "push_to_talk_mode": True}))
        if self.audio is not None:
            self.audio.set_push_to_talk(talking)
            if not talking:
                self._bridge.input_ended()  # the release ends the turn: latency from here
        self._notify("talk now" if talking else "mic closed")
