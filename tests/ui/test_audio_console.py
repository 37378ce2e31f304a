"""The console with real audio: PulseAudio null-sink devices, AudioIO and the local engine.

The mic is the null sink's monitor: a WAV played into the sink with paplay is what the console
hears (and its own answers too, which echo cancellation removes). Waits are bounded by steps;
nothing asserts on wall-clock time.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from console.dsp import FLOOR_DB
from console.launch.backend import open_session
from console.realtime.model import RealtimeModelListener
from console.realtime.model_events import RealtimeModelEvent
from console.ui.app import RtConsoleApp
from console.ui.audio_port import AudioIOPort, open_audio
from console.ui.config import DeviceConfig
from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents

from .conftest import PulseServer, make_app, start_pulse
from .test_app_local import LOCAL, connect, lines, say, texts


class ServerEvents(RealtimeModelListener):
    """Records the raw server events the session's model receives (a second model listener)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def on_event(self, event: RealtimeModelEvent) -> None:
        data = getattr(event, "data", None)
        if event.type == "raw_server_event" and isinstance(data, dict):
            self.events.append(data)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("type") == kind]


def voice_app(
    devices: DeviceConfig | None = None, run_config: dict[str, Any] | None = None
) -> tuple[RtConsoleApp, AudioIOPort, ServerEvents]:
    """The console as `rtconsole` wires it with audio: AudioIO on the default devices (the null
    sink and its monitor), its playback tracker in the model config, the demo agents."""
    port = open_audio(devices or DeviceConfig())
    extra = {"playback_tracker": port.playback_tracker}
    agents = demo_agents()
    server = ServerEvents()

    @asynccontextmanager
    async def opener() -> AsyncIterator[Any]:
        config = DEMO_RUN_CONFIG if run_config is None else run_config
        async with open_session(agents, LOCAL, extra, config) as session:
            session.model.add_listener(server)
            yield session

    app = make_app(agents=agents, open_session=opener, audio=port, frame_rate=60.0)
    return app, port, server


async def until(
    pilot: Pilot[Any], condition: Callable[[], bool], steps: int = 1500, what: str = ""
) -> None:
    """Hang guard: at most ``steps`` short pauses (about 30 s), then fail saying what."""
    for _ in range(steps):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"not reached: {what}")


@pytest.fixture(scope="module")
def question_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed (apt-get install espeak-ng)", pytrace=False)
    path = tmp_path_factory.mktemp("voice") / "question.wav"
    text = "What is the weather like in Paris today?"
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True, capture_output=True)
    return path


def play(pulse: PulseServer, wav: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["paplay", "--device=rtnull", str(wav)],
        env={**os.environ, **pulse.env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_spoken_question_makes_a_turn_and_the_answer_plays_with_the_meter_moving(
    pulse: PulseServer, question_wav: Path
) -> None:
    app, port, server = voice_app()
    speaker: list[float] = []
    heard: list[bool] = []
    pending: list[bool] = []

    def watch(condition: Callable[[], bool]) -> Callable[[], bool]:
        # Sampled every step, as the panes see it: the meter's level, the VAD mark, and the
        # playback-pending state the session was told.
        def sample() -> bool:
            speaker.append(app.main.meters.levels.speaker_db)
            heard.append(app.main.meters.heard)
            if app.session is not None:
                pending.append(app.session._lifecycle.playback_pending)
            return condition()

        return sample

    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await until(pilot, lambda: bool(server.of("session.updated")), what="session.updated")
        assert port.audio.can_capture and port.audio.can_play, port.audio.error
        player = play(pulse, question_wav)
        try:
            await until(pilot, watch(lambda: bool(server.of("input_audio_buffer.speech_stopped"))),
                        what="speech_stopped")
            await until(pilot, watch(lambda: bool(server.of("response.done"))),
                        what="response.done")
            await until(pilot, watch(lambda: any(e.kind == "assistant" for e in
                                                 app.main.transcript.entries)),
                        what="an assistant line")
            # The answer plays: the speaker meter moves (waited for, not sampled by luck: the
            # whole answer may arrive before its first block reaches the device).
            await until(pilot, watch(lambda: max(speaker) > FLOOR_DB + 40),
                        what="the speaker meter moving")
            await until(pilot, watch(lambda: not port.playback_pending and pending
                                     and not pending[-1]), what="playback finished")
        finally:
            player.wait(10)
        assert len(server.of("input_audio_buffer.speech_started")) == 1
        assert len(server.of("input_audio_buffer.speech_stopped")) == 1
        assert True in heard and heard[-1] is False  # the meter pane showed the VAD turn
        said = [e.text for e in app.main.transcript.entries if e.kind == "user"]
        assert said and said[0].strip(), "the user's transcript should be in the pane"
        assert any(e.kind == "assistant" and e.text for e in app.main.transcript.entries)
        assert max(speaker) > FLOOR_DB + 40, "the speaker meter should move while the answer plays"
        assert True in pending, "playback pending should have been reported to the session"
        assert port.audio.stats().underruns == 0
        # The turn's timeline reached every milestone, playout last of all (this app's timer is
        # fixed, so the figures themselves are zeros: test_timeline checks the arithmetic).
        (turn,) = app.state.figures.turns
        assert list(turn.stages) == [
            "transcript", "response", "first_text", "first_audio", "playout"
        ]
        assert turn.stages["playout"] >= turn.stages["first_audio"]
        # Its own answer, heard back at full level, was cancelled: one user turn above.
        assert port.audio.echo_cancelling and port.audio.stats().aec_frames > 0
        await pilot.press("ctrl+q")
    assert app.return_value == 0


async def test_interrupt_key_stops_playback_then_truncates_and_cancels(pulse: PulseServer) -> None:
    app, port, server = voice_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await until(pilot, lambda: bool(server.of("session.updated")), what="session.updated")
        # A long echo: the engine is still generating it when the key is pressed.
        sentence = "Please repeat this long sentence back to me slowly."
        await say(pilot, " ".join([sentence] * 8))
        tracker = port.playback_tracker
        await until(pilot, lambda: (tracker.get_state()["elapsed_ms"] or 0) > 600,
                    what="half a second played")
        assert port.playback_pending
        # The transport clears the tracker (on_interrupted, as the SDK) once it has built the
        # truncate: note what it held then.
        held: list[float] = []
        clear = tracker.on_interrupted

        def note_then_clear() -> None:
            held.append(tracker.get_state()["elapsed_ms"] or 0)
            clear()

        tracker.on_interrupted = note_then_clear  # type: ignore[method-assign]
        await pilot.press("escape")
        # Local playback stopped at once (the key handler runs before any network call).
        assert not port.audio.playback.buffer.pending
        await until(pilot, lambda: bool(server.of("conversation.item.truncated")),
                    what="truncated")
        played_ms = held[0]
        await until(pilot, lambda: bool(server.of("response.done")), what="response.done")
        truncated = server.of("conversation.item.truncated")[0]["audio_end_ms"]
        assert truncated <= played_ms + 1
        # The operator's key cancels even though turn detection has interrupt_response on.
        assert server.of("response.done")[0]["response"]["status"] == "cancelled"
        assert "interrupted by operator" in texts(app)
        await until(pilot, lambda: not port.playback_pending, what="playback idle")


async def test_push_to_talk_commits_on_release_when_turn_detection_is_off(
    pulse: PulseServer, question_wav: Path
) -> None:
    run_config = {**DEMO_RUN_CONFIG, "model_settings": {"turn_detection": None}}
    app, port, server = voice_app(run_config=run_config)
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await until(pilot, lambda: bool(server.of("session.updated")), what="session.updated")
        await until(pilot, lambda: port.audio.commit_on_release, what="commit_on_release")
        await pilot.press("f9")
        assert app.main.status.push_to_talk and "push-to-talk" in str(app.main.status.render())
        player = play(pulse, question_wav)
        await until(pilot, lambda: player.poll() is not None, what="the question played")
        sent = port.audio.stats().chunks_sent
        await until(pilot, lambda: port.audio.stats().chunks_sent >= sent + 10, what="a tail")
        await pilot.press("f9")
        assert "mic closed" in str(app.main.status.render())  # "ptt: mic closed" when narrow
        await until(pilot, lambda: bool(server.of("input_audio_buffer.committed")),
                    what="committed")
        await until(pilot, lambda: any(e.kind == "user" for e in app.main.transcript.entries),
                    what="the user's line")
        await until(pilot, lambda: bool(server.of("response.done")), what="the answer")
        assert not server.of("input_audio_buffer.speech_started")  # no VAD: the key ended it
        closed = port.audio.stats().chunks_sent
        await pilot.pause(0.3)
        assert port.audio.stats().chunks_sent == closed  # the mic stays closed after release


async def test_a_device_that_does_not_exist_means_text_mode_with_a_notice(
    pulse: PulseServer,
) -> None:
    devices = DeviceConfig(input="no such microphone", output="no such speaker")
    app, _port, _server = voice_app(devices)
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await until(pilot, lambda: "no audio, text only" in lines(app), what="the notice")
        shown = " ".join(lines(app).split())  # the notice wraps
        assert "no such microphone" in shown and "no such speaker" in shown
        assert app.audio is None and app.main.status.audio == "text only"
        assert "text only" in str(app.main.status.render())
        await pilot.pause()
        # The Audio pane says so too, instead of "listening" to a microphone that is not there.
        assert app.main.meters.border_title == "Audio · off, text only"
        await say(pilot, "hello")
        hello = "Hello, how can I help you today?"
        await until(pilot, lambda: hello in texts(app), what="a text reply")
        assert app.main.status.connection == "connected"


async def test_devices_vanishing_mid_session_fall_back_to_text_mode(pulse: PulseServer) -> None:
    doomed = start_pulse()
    saved = {k: os.environ.get(k) for k in doomed.env}
    os.environ.update(doomed.env)  # the console's streams open on the doomed server
    try:
        app, port, _server = voice_app()
        async with app.run_test(size=(140, 40)) as pilot:
            try:
                await connect(pilot, app)
                await until(pilot, lambda: port.audio.can_capture and port.audio.can_play,
                            what="devices open")
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
            assert doomed.pid is not None
            os.kill(doomed.pid, signal.SIGKILL)
            await until(pilot, lambda: app.main.status.audio == "text only", what="text mode")
            await until(pilot, lambda: app.main.meters.border_title == "Audio · off, text only",
                        what="the Audio pane in text mode")
            # Each device's notice comes from the audio layer as a message of its own: wait for
            # them rather than race the frame that noticed text mode.
            await until(pilot, lambda: "microphone lost" in lines(app)
                        and "speaker lost" in lines(app), what="each lost device named")
            assert "audio lost: text mode" in lines(app)
            await say(pilot, "are you still there")
            await until(pilot, lambda: 'You said: "are you still there"' in lines(app),
                        what="a text reply after the loss")
            assert app.main.status.connection == "connected"
            await pilot.press("escape")  # interrupting with no devices left is harmless
            await pilot.press("f8")
            assert app.main.status.muted
    finally:
        doomed.stop()
