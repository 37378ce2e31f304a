"""The app's audio side, mixed into the app: start/stop, frame polling, interrupt, mute, PTT."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .audio_port import AudioUnavailable
from .audio_protocols import AudioPort, LevelSource, StaticLevels
from .bridge import SessionBridge, describe_error

if TYPE_CHECKING:
    from textual.message import Message

    from console.journal import JournalWriter

    from .screens.main import MainScreen

TEXT_ONLY = "text only"


class AudioControl:
    """Needs the app's ``audio`` (None in text mode), ``session``, ``main`` and ``bridge``.

    Audio trouble never ends a session: a device that fails to open, or both devices vanishing
    mid-session, leave the console in text mode with a line in the transcript saying why and
    "text only" in the status bar.
    """

    audio: AudioPort | None
    journal: JournalWriter | None
    levels: LevelSource
    session: Any
    main: MainScreen
    bridge: SessionBridge
    muted: bool
    push_to_talk: bool
    _playback_pending: bool
    _audio_live: bool = False
    """Started and not yet stopped or lost: what ``poll_audio`` watches."""

    if TYPE_CHECKING:
        # Provided by the app and SessionView; declared only for the type checker, so they
        # never shadow the real ones in the app's method resolution order.
        def system_line(self, text: str, *, kind: str = "system") -> None: ...
        def console_line(self, text: str, *, kind: str = "system") -> None: ...
        def journal_act(self, act: str, **fields: Any) -> None: ...
        def post_message(self, message: Message) -> bool: ...
        def notify(self, message: str, **options: Any) -> None: ...
        def activity(self) -> None: ...
        def _session_command(
            self, label: str, call: Callable[[Any], Awaitable[Any]]
        ) -> bool: ...

    async def _start_audio(self, session: Any) -> None:
        audio = self.audio
        assert audio is not None
        if hasattr(audio, "on_notice"):
            audio.on_notice = lambda text: self.post_message(SessionBridge.Notice(text))
        journal = self.journal
        if journal is not None and journal.record_audio and hasattr(audio, "on_audio"):
            audio.on_audio = journal.audio
        try:
            await audio.start(session)
            self._audio_live = True
            self.bridge.timeline.expect_playout = True
            self._show_devices()
            sent_ms = getattr(audio, "sent_ms", None)
            if sent_ms is not None:
                self.bridge.audio_clock = sent_ms
        except Exception as exc:
            if isinstance(exc, AudioUnavailable):
                # An expected condition (a terminal with no sound devices), not a failure.
                self.console_line(f"no audio, text only: {exc}")
            else:
                self.console_line(
                    f"audio unavailable, text only: {describe_error(exc)}", kind="error"
                )
            self.journal_act("status", audio=TEXT_ONLY)
            await self._stop_audio()
            self.audio = None
            self.bridge.audio_sink = None

    def _show_devices(self) -> None:
        labels = getattr(self.audio, "device_labels", None) or {}
        self.main.meters.show_devices(labels.get("input", ""), labels.get("output", ""))

    async def _stop_audio(self) -> None:
        self._audio_live = False
        self.bridge.timeline.expect_playout = False
        if self.audio is not None:
            try:
                await self.audio.stop()
            except Exception as exc:
                self.console_line(f"audio stop failed: {describe_error(exc)}", kind="error")

    def poll_audio(self, audio: AudioPort) -> None:
        """At frame rate: tell the session when local playback starts or stops being pending
        (its inactivity clock waits for playback), and notice devices lost mid-session. Two
        attribute reads per frame; the session hears only changes."""
        drain = getattr(audio, "drain_recording", None)
        if drain is not None:
            drain()
        session = self.session
        if not self._audio_live or session is None:
            return
        if not audio.available:
            # Both devices went away (the audio layer already posted which and why). The port
            # stays in ``audio`` so the session's end still closes it.
            self._audio_live = False
            self.bridge.timeline.expect_playout = False
            self.journal_act("status", audio=TEXT_ONLY, push_to_talk=False,
                             push_to_talk_mode=False)
            self.bridge.audio_sink = None
            self.console_line("audio lost: text mode (type to talk); the session goes on")
            pending = False
        else:
            pending = audio.playback_pending
        if pending != self._playback_pending:
            self._playback_pending = pending
            if pending:
                self.bridge.playout_started()
            session.set_playback_pending(pending)

    # -- the device picker (command palette) ---------------------------------------------------

    def device_commands(self) -> list[tuple[str, str, Callable[[], None]]]:
        """(title, help, run) for every microphone and speaker the system offers: picking one
        moves the live stream there. Empty without audio or a sound server to ask."""
        choices = getattr(self.audio, "choices", None)
        if not self._audio_live or choices is None:
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
                self.console_line(f"{role} not changed: {describe_error(exc)}", kind="error")
                return
            self._show_devices()
            self.console_line(f"{role}: {label}")

        return switch

    # -- keys ------------------------------------------------------------------------------------

    def action_interrupt(self) -> None:
        if self.audio is not None:
            # Stop playback first so the tracker holds what was really heard for the truncate.
            self.audio.interrupt()
        # An operator's interrupt always cancels: the server cancels by itself only on speech.
        interrupt = lambda s: s.interrupt(force_response_cancel=True)  # noqa: E731
        if self._session_command("interrupt", interrupt):
            self.console_line("interrupted by operator")

    def action_toggle_mute(self) -> None:
        self.muted = not self.muted
        self.journal_act("status", muted=self.muted)
        if self.audio is not None:
            self.audio.set_muted(self.muted)
        elif isinstance(self.levels, StaticLevels):
            self.levels.muted = self.muted
        self.notify("microphone muted" if self.muted else "microphone on", timeout=2)

    def action_toggle_push_to_talk(self) -> None:
        """First press: push-to-talk mode, mic open. Then each press opens or closes the mic;
        closing it ends the turn (a commit when the session has no turn detection)."""
        self.push_to_talk = not self.push_to_talk
        self.journal_act("status", push_to_talk=self.push_to_talk, push_to_talk_mode=True)
        if self.audio is not None:
            self.audio.set_push_to_talk(self.push_to_talk)
            if not self.push_to_talk:
                self.bridge.input_ended()  # the release ends the turn: latency from here
        self.notify("talk now" if self.push_to_talk else "mic closed", timeout=2)
