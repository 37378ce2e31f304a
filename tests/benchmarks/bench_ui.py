"""Console benchmark: a headless app fed 100 transcript deltas and 50 audio chunks a second (their
wire events to the console's wire tap as the transport hands them), with the event inspector
closed and then open; and the same app with real audio (AudioIO on a PulseAudio null sink)
playing 60 s of assistant audio while the transcript streams, counting playback underruns
(target 0)."""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SECONDS = float(os.environ.get("RTCONSOLE_BENCH_SECONDS", "30"))
AUDIO_SECONDS = int(os.environ.get("RTCONSOLE_BENCH_AUDIO_SECONDS", "60"))
ITEM_S = 10
DELTA_MS = 50
PACE = 4.0  # audio arrives this many times faster than real time, as the engine streams it
DELTAS_PER_S = 100
CHUNKS_PER_S = 50


def _wire_delta(item: str, text: str) -> dict[str, Any]:
    return {"type": "response.output_audio_transcript.delta", "event_id": "event_1",
            "response_id": "r1", "item_id": item, "output_index": 0, "content_index": 0,
            "delta": text}


async def _stream(inspector: bool = False) -> dict[str, float]:
    """With ``inspector`` the inspector is open (the transcript is under it, so the figures are
    the inspector's: wire event to the row listed)."""
    import base64

    from console.realtime import RealtimeRunner
    from console.realtime import model_events as me
    from console.realtime.testing import ScriptedRealtimeModel
    from console.ui.app import BackendInfo, RtConsoleApp
    from console.ui.audio_protocols import StaticLevels
    from console.ui.demo_agents import demo_agents

    agents = demo_agents()
    model = ScriptedRealtimeModel(strict=False)
    levels = StaticLevels()
    emitted: list[float] = []
    latencies: list[float] = []

    def on_rendered(stamps: list[float]) -> None:
        # The k-th delta drawn is the k-th delta emitted: measure from emission to the frame.
        now = time.perf_counter()
        start = len(latencies)
        for index in range(start, start + len(stamps)):
            latencies.append(now - emitted[index])

    @asynccontextmanager
    async def opener() -> AsyncIterator[Any]:
        session = await RealtimeRunner(agents[0], model=model).run()
        async with session:
            yield session

    app = RtConsoleApp(
        agents=agents, open_session=opener, backend=BackendInfo("scripted", "bench"),
        levels=levels, on_rendered=None if inspector else on_rendered,
    )
    chunk = me.RealtimeModelAudioEvent(b"\x10\x00" * 480, "r1", "a0", 0)
    audio_wire = {"type": "response.output_audio.delta", "event_id": "event_2", "response_id": "r1",
                  "item_id": "a0", "output_index": 0, "content_index": 0,
                  "delta": base64.b64encode(chunk.data).decode()}
    sent_at: dict[int, float] = {}

    def on_listed(entries: list[Any]) -> None:
        now = time.perf_counter()
        latencies.extend(now - sent_at.pop(entry.seq) for entry in entries if entry.seq in sent_at)

    async with app.run_test(size=(160, 50), headless=True) as pilot:
        while app.session is None:
            await pilot.pause(0.01)
        if inspector:
            from console.ui.screens.inspector import InspectorScreen

            await app.push_screen(InspectorScreen(app.wire_tap.log, on_listed=on_listed))
        tap = app.wire_tap
        tick = 1.0 / DELTAS_PER_S
        total = int(SECONDS * DELTAS_PER_S)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for n in range(total):
            due = wall0 + n * tick
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            item = f"a{n // 400}"  # a new reply every 4 s, so the transcript grows many lines
            emitted.append(time.perf_counter())
            tap.observe("recv", _wire_delta(item, f"word{n} "))
            sent_at[tap.log.seq] = emitted[-1]
            await model.emit(me.RealtimeModelTranscriptDeltaEvent(item, f"word{n} ", "r1"))
            if n % (DELTAS_PER_S // CHUNKS_PER_S) == 0:
                tap.observe("recv", audio_wire)
                sent_at[tap.log.seq] = time.perf_counter()
                await model.emit(me.RealtimeModelAudioEvent(chunk.data, "r1", item, 0))
                levels.speaker_db = -40.0 + (n % 37)
                levels.assistant_speaking = True
        await pilot.pause(0.2)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        drawn = len(latencies)
        # Quit as the operator does: the key, the session's close, the app's exit.
        quit_started = time.perf_counter()
        await pilot.press("ctrl+q")
    quit_s = time.perf_counter() - quit_started
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    return {
        "cpu": 100.0 * cpu / wall,
        "p95": p95 * 1000.0,
        "median": statistics.median(latencies) * 1000.0 if latencies else float("nan"),
        "drawn": 100.0 * drawn / max(1, len(sent_at) + drawn if inspector else len(emitted)),
        "quit": quit_s,
    }


FIRST_FRAME_CHILD = textwrap.dedent("""
    import sys, time
    import console.ui.app as ui_app

    class Timed(ui_app.RtConsoleApp):
        def on_ready(self) -> None:
            print("FIRST_FRAME", time.time(), flush=True)
            self.exit(0)

    ui_app.RtConsoleApp = Timed
    from console.cli import main
    sys.exit(main(["--backend", "local", "--no-audio"]))
""")


def _first_frame_s(bytecode: bool = True) -> float:
    """Launch to first frame, the median of three launches. With ``bytecode`` as a user's every
    launch after the first: Python keeps the compiled modules (an untimed launch writes them
    first; a sandbox may set PYTHONDONTWRITEBYTECODE, which a user's shell does not). Without,
    every module is compiled again, as at the first launch after installing."""
    env = {**os.environ, "TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver"}
    env.pop("OPENAI_API_KEY", None)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        _launch(env)
    else:
        # The project's own modules uncompiled, as after `pip install -e` (pip compiles the
        # libraries it installs, not an editable project's sources).
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        for cache in (ROOT / "console").rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)
    return statistics.median(_launch(env) for _ in range(3))


def _launch(env: dict[str, str]) -> float:
    started = time.time()
    result = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME_CHILD], capture_output=True, text=True, env=env,
        cwd=ROOT, timeout=60, stdin=subprocess.DEVNULL,
    )
    for line in result.stdout.splitlines():
        if line.startswith("FIRST_FRAME"):
            return float(line.split()[1]) - started
    raise RuntimeError(f"no first frame: {result.stdout[-500:]} {result.stderr[-500:]}")


def _help_s() -> float:
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "console.cli", "--help"], capture_output=True,
                       cwd=ROOT, check=True)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def _voice_like(seconds: float) -> bytes:
    import numpy as np

    t = np.arange(int(seconds * 24_000)) / 24_000
    envelope = 0.2 + 0.8 * np.abs(np.sin(2 * np.pi * 2.5 * t))
    return (0.3 * 32767 * envelope * np.sin(2 * np.pi * 180 * t)).astype("<i2").tobytes()


async def _stream_with_audio() -> dict[str, float]:
    """The real app with AudioIO on the null sink: assistant audio streamed in 10 s replies (4x
    real time, as the engine does) through session -> bridge -> AudioIO playback, 100 transcript
    deltas a second on screen meanwhile, the meters reading the real LevelSource."""
    from console.realtime import RealtimeRunner
    from console.realtime import model_events as me
    from console.realtime.testing import ScriptedRealtimeModel
    from console.ui.app import BackendInfo, RtConsoleApp
    from console.ui.audio_port import open_audio
    from console.ui.config import DeviceConfig
    from console.ui.demo_agents import demo_agents

    agents = demo_agents()
    model = ScriptedRealtimeModel(strict=False)
    port = open_audio(DeviceConfig(headset=True))

    @asynccontextmanager
    async def opener() -> AsyncIterator[Any]:
        config: Any = {"playback_tracker": port.playback_tracker}
        session = await RealtimeRunner(agents[0], model=model).run(model_config=config)
        async with session:
            yield session

    app = RtConsoleApp(agents=agents, open_session=opener, audio=port,
                       backend=BackendInfo("scripted", "bench"))
    pcm = _voice_like(ITEM_S)
    step = DELTA_MS * 48
    async with app.run_test(size=(160, 50), headless=True) as pilot:
        while app.session is None or not port.audio.can_play:
            await pilot.pause(0.01)
        stop = asyncio.Event()

        async def transcript() -> None:
            n = 0
            while not stop.is_set():
                await model.emit(me.RealtimeModelTranscriptDeltaEvent(f"t{n // 400}", "word ", "r"))
                n += 1
                await asyncio.sleep(1 / DELTAS_PER_S)

        deltas = asyncio.create_task(transcript())
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for n in range(AUDIO_SECONDS // ITEM_S):
            item, started = f"item_{n}", time.monotonic()
            for k, i in enumerate(range(0, len(pcm), step)):
                await model.emit(me.RealtimeModelAudioEvent(pcm[i : i + step], "resp", item, 0))
                wait = started + (k + 1) * DELTA_MS / 1000 / PACE - time.monotonic()
                await asyncio.sleep(max(wait, 0.0))
            await model.emit(me.RealtimeModelAudioDoneEvent(item, 0))
            while port.playback_pending:  # the next reply follows once this one was heard
                await asyncio.sleep(0.01)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        stop.set()
        await deltas
        stats = port.audio.stats()
        played_ms = port.playback_tracker.get_state()["elapsed_ms"] or 0.0
    return {
        "underruns": float(stats.underruns),
        "played_s": played_ms / 1000.0,
        "cpu": 100.0 * cpu / wall,
    }


def _audio_figures() -> list[tuple[str, float, str, str]]:
    from tests.audio.conftest import pulse_environment

    with pulse_environment():
        figures = asyncio.run(_stream_with_audio())
    return [
        (f"playback underruns, {AUDIO_SECONDS} s audio + UI", figures["underruns"], "count", "0"),
        ("audio played (last reply's tracker)", figures["played_s"], "s", f"{ITEM_S}"),
        ("CPU share, audio + UI streaming", figures["cpu"], "% of one core", "-"),
    ]


def run() -> list[tuple[str, float, str, str]]:
    figures = asyncio.run(_stream())
    opened = asyncio.run(_stream(inspector=True))
    return [
        (f"CPU share while streaming ({SECONDS:.0f} s)", figures["cpu"], "% of one core",
         "<= 20"),
        ("delta to screen, p95", figures["p95"], "ms", "<= 33"),
        ("delta to screen, median", figures["median"], "ms", "-"),
        ("deltas seen drawn", figures["drawn"], "%", "100"),
        ("quit (key to app exit, session closed)", figures["quit"], "s", "<= 0.3"),
        ("CPU share, inspector open", opened["cpu"], "% of one core", "-"),
        ("wire event to inspector row, p95", opened["p95"], "ms", "< 50"),
        ("wire event to inspector row, median", opened["median"], "ms", "-"),
        ("wire events listed", opened["drawn"], "%", "100"),
        ("launch to first frame", _first_frame_s(), "s", "<= 0.5"),
        ("launch to first frame, modules compiled anew", _first_frame_s(bytecode=False), "s",
         "-"),
        ("rtconsole --help", _help_s(), "s", "< 0.3"),
        *_audio_figures(),
    ]
