"""`--record` on real devices (PulseAudio null sink): the mic and speaker WAVs hold what was sent
and what was played, next to a journal that names them nowhere but in their file names."""

from __future__ import annotations

import wave
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from console.journal import JournalWriter
from console.journal.store import read_records
from console.launch.backend import open_session
from console.ui.audio_port import open_audio
from console.ui.config import DeviceConfig
from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents

from .conftest import PulseServer, make_app
from .test_app_local import LOCAL, connect
from .test_audio_console import ServerEvents, play, question_wav, until

__all__ = ["question_wav"]  # a fixture, used by name


def frames(path: Path) -> int:
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (24_000, 1, 2)
        return wav.getnframes()


async def test_recording_keeps_mic_and_speaker_wavs(
    pulse: PulseServer, question_wav: Path, tmp_path: Path
) -> None:
    journal = JournalWriter(tmp_path / "rec.jsonl", record_audio=True)
    port = open_audio(DeviceConfig())
    agents = demo_agents()
    server = ServerEvents()

    @asynccontextmanager
    async def opener() -> AsyncIterator[Any]:
        extra = {"playback_tracker": port.playback_tracker}
        async with open_session(agents, LOCAL, extra, DEMO_RUN_CONFIG, journal=journal) as s:
            s.model.add_listener(server)
            yield s

    app = make_app(agents=agents, open_session=opener, audio=port, frame_rate=60.0,
                   journal=journal, recording=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await until(pilot, lambda: bool(server.of("session.updated")), what="session.updated")
        player = play(pulse, question_wav)
        try:
            # The app has handled the turn's end: every chunk of the answer reached playback.
            await until(pilot, lambda: any(
                r.get("type") == "call.turn_ended" for r in read_records(journal.path)
            ), what="the turn's end")
            # Under load the turn can end before playback has begun: wait for the speaker track
            # to exist (the first block played) before waiting for playback to drain.
            speaker_wav = tmp_path / "rec.speaker.wav"
            await until(pilot, speaker_wav.exists, what="the first block played")
            await until(pilot, lambda: not port.playback_pending, what="playback finished")
        finally:
            player.wait(10)
        await pilot.press("ctrl+q")
    mic, speaker = tmp_path / "rec.mic.wav", tmp_path / "rec.speaker.wav"
    sent = sum(r["data"]["audio_bytes"] for r in read_records(journal.path)
               if r["kind"] == "sent" and r["data"]["type"] == "input_audio_buffer.append")
    # Every chunk sent is in the mic track (PCM16 on the wire here); a chunk or two more may be
    # recorded as the quit closes the session under the mic's feet.
    assert sent > 24_000 and sent <= frames(mic) * 2 <= sent + 2 * 960
    received = sum(r["data"]["delta_bytes"] for r in read_records(journal.path)
                   if r["kind"] == "recv" and r["data"]["type"] == "response.output_audio.delta")
    # The speaker track is what was played: the whole answer (nothing interrupted it), in
    # device blocks, so up to one block of padding at the end.
    assert received // 2 <= frames(speaker) <= received // 2 + 480
    status = next(read_records(journal.path))["status"]
    assert status["recording"] is True
