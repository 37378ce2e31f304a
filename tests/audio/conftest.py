"""Real audio devices for the audio tests: a private PulseAudio server with a 24 kHz null sink.

The recipe is DESIGN's: ``pulseaudio -D -n`` with only the native protocol, a null sink ``rtnull``
(24 kHz mono) and module-always-sink, started with ``XDG_RUNTIME_DIR`` pointing at a fresh temp
dir so it never touches a user's server; ``rtnull`` is the default sink and ``rtnull.monitor``
(what the sink plays) the default source. A ``pacat`` playing /dev/zero keeps the sink running:
without it the first stream on an idle null sink stalls after PortAudio's prefill. Even with it, a
fresh null sink first renders one 2 s block and sleeps through it (its latency only drops to the
keep-alive's ~20 ms after that), so the fixture waits until ``pactl`` reports a latency under
100 ms; a stream opened earlier stalls for up to two seconds.

Running as root works as is: pulseaudio prints "This program is not intended to be run as root
(unless --system is specified)" and carries on in per-user mode, which is what we want; no
``--system`` and no extra flags are needed. If pulseaudio is not installed the tests FAIL with the
install command (CI installs it), they are not skipped.

PyAudio reaches the server through ALSA's pulse plugin (libasound2-plugins), as PortAudio 19.6 on
Debian has no native PulseAudio backend; the plugin reads ``XDG_RUNTIME_DIR``/``PULSE_SERVER`` when
a stream opens, so the fixture sets them in ``os.environ`` and restores them afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pytest

RATE = 24_000
INSTALL = "apt-get install -y --no-install-recommends portaudio19-dev pulseaudio"


@dataclass
class PulseServer:
    runtime_dir: Path
    keepalive: subprocess.Popen[bytes] | None

    @property
    def socket(self) -> Path:
        return self.runtime_dir / "pulse" / "native"

    @property
    def env(self) -> dict[str, str]:
        return {"XDG_RUNTIME_DIR": str(self.runtime_dir), "PULSE_SERVER": f"unix:{self.socket}"}

    def pactl(self, *args: str) -> str:
        result = subprocess.run(
            ["pactl", *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=20,
        )
        if result.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def sink_latency_ms(self) -> float:
        """The rtnull sink's current latency as pactl reports it (-1 if unknown)."""
        for line in self.pactl("list", "sinks").splitlines():
            line = line.strip()
            if line.startswith("Latency:"):
                return int(line.split()[1]) / 1000.0
        return -1.0

    @property
    def pid(self) -> int | None:
        try:
            return int((self.runtime_dir / "pulse" / "pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        if self.keepalive is not None and self.keepalive.poll() is None:
            self.keepalive.terminate()
            try:
                self.keepalive.wait(5)
            except subprocess.TimeoutExpired:
                self.keepalive.kill()
        pid = self.pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        shutil.rmtree(self.runtime_dir, ignore_errors=True)


def start_pulse(keepalive: bool = True) -> PulseServer:
    """Start a private PulseAudio with the rtnull null sink; fail the test if that cannot be."""
    for tool in ("pulseaudio", "pactl", "pacat"):
        if shutil.which(tool) is None:
            pytest.fail(
                f"{tool} is not installed; the audio tests need it: {INSTALL}", pytrace=False
            )
    runtime = Path(tempfile.mkdtemp(prefix="rtconsole-pulse-"))
    server = PulseServer(runtime, None)
    env = {**os.environ, **server.env}
    env.pop("PULSE_SERVER")  # the daemon must not try to connect to itself as a client
    started = subprocess.run(
        [
            "pulseaudio",
            "-D",
            "-n",
            "--exit-idle-time=-1",
            "--load=module-native-protocol-unix",
            "--load=module-null-sink sink_name=rtnull rate=24000 channels=1",
            "--load=module-always-sink",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    if started.returncode != 0:
        server.stop()
        pytest.fail(f"pulseaudio did not start: {started.stderr.strip()}", pytrace=False)
    for _ in range(100):
        try:
            server.pactl("info")
            break
        except RuntimeError:
            time.sleep(0.05)
    else:
        server.stop()
        pytest.fail("pulseaudio started but does not answer pactl", pytrace=False)
    server.pactl("set-default-sink", "rtnull")
    server.pactl("set-default-source", "rtnull.monitor")
    if keepalive:
        server.keepalive = subprocess.Popen(
            [
                "pacat",
                "--playback",
                "--device=rtnull",
                "--latency-msec=20",
                "--rate=24000",
                "--channels=1",
                "--format=s16le",
                "/dev/zero",
            ],
            env={**os.environ, **server.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # A fresh null sink renders one 2 s block and sleeps through it before it follows the
        # keep-alive's 20 ms latency; a stream opened meanwhile stalls. Wait until it has caught up.
        for _ in range(400):
            if 0 <= server.sink_latency_ms() < 100:
                break
            time.sleep(0.02)
        else:
            server.stop()
            pytest.fail("the null sink never reached a low latency", pytrace=False)
    return server


@contextlib.contextmanager
def pulse_environment() -> Iterator[PulseServer]:
    """A PulseAudio null sink, with the process environment pointed at it until the end."""
    server = start_pulse()
    saved = {k: os.environ.get(k) for k in server.env}
    os.environ.update(server.env)
    try:
        yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()


@pytest.fixture(scope="session")
def pulse() -> Iterator[PulseServer]:
    """The session's PulseAudio null sink, with the process environment pointed at it."""
    with pulse_environment() as server:
        yield server


async def until(condition: Callable[[], bool], what: str, limit_s: float = 30.0) -> None:
    """Poll ``condition`` on the loop; generous, as a loaded machine runs audio late, not wrong."""
    for _ in range(int(limit_s / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


T = TypeVar("T")


async def clean_take(
    take: Callable[[], Awaitable[tuple[T, int]]], attempts: int = 10, patience_s: float = 60.0
) -> T:
    """The result of the first take of ``take`` whose playback PortAudio did not flag as an
    underflow (``take`` returns its result and the underflows it saw).

    A playback thread starved on a loaded machine lets the device run dry, and PortAudio flags
    that block: audio was lost between us and the sink, so the recording cannot be measured.
    Such takes are played again, ``attempts`` times and for ``patience_s`` at least (a machine
    starved for a while cut ten takes in a row once, in a CI run); a real defect fails every
    take, flagged or not."""
    flagged = []
    started = time.monotonic()
    while len(flagged) < attempts or time.monotonic() - started < patience_s:
        result, underflows = await take()
        if not underflows:
            return result
        flagged.append(underflows)
    raise AssertionError(f"every take was cut (device underflows or a recording that lost "
                         f"samples; per take: {flagged})")


class MonitorRecorder:
    """Records what the null sink plays (its monitor source) with parec, an independent client.

    A reader thread keeps what parec has delivered so far, so a test waits on the recording
    itself (parec is recording; the sound has come and gone), never on a sleep that a loaded
    machine can outlast."""

    def __init__(self, server: PulseServer, latency_ms: int = 10) -> None:
        self._proc = subprocess.Popen(
            [
                "parec",
                "--device=rtnull.monitor",
                f"--latency-msec={latency_ms}",
                f"--rate={RATE}",
                "--channels=1",
                "--format=s16le",
                "--raw",
            ],
            env={**os.environ, **server.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._data = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        while chunk := self._proc.stdout.read1(4096):
            with self._lock:
                self._data += chunk

    def samples(self) -> npt.NDArray[np.int16]:
        with self._lock:
            data = bytes(self._data[: len(self._data) & ~1])
        return np.frombuffer(data, dtype="<i2").copy()

    async def recording(self, timeout: float = 30.0) -> None:
        """Return once parec delivers audio (the keep-alive's silence), so nothing played from
        now on is missed."""
        await self._until(lambda samples: len(samples) >= RATE // 50, timeout, "no audio")

    async def quiet_after_sound(self, quiet_ms: int = 150, timeout: float = 30.0) -> None:
        """Return once something sounded and then ``quiet_ms`` of silence have been recorded."""

        def done(samples: npt.NDArray[np.int16]) -> bool:
            first, end = sounding_span(samples)
            return end > first and len(samples) - end >= RATE * quiet_ms // 1000

        await self._until(done, timeout, "no sound followed by silence")

    async def _until(
        self, condition: Callable[[npt.NDArray[np.int16]], bool], timeout: float, what: str
    ) -> None:
        await until(lambda: condition(self.samples()), f"the monitor: {what}", timeout)

    def stop(self) -> npt.NDArray[np.int16]:
        self._proc.send_signal(signal.SIGINT)
        self._proc.wait(timeout=10)
        self._reader.join(timeout=10)
        return self.samples()


def tone(freq: float, ms: float, amplitude: float = 0.5, rate: int = RATE) -> npt.NDArray[np.int16]:
    t = np.arange(round(rate * ms / 1000)) / rate
    return (amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def sounding_span(signal_: npt.NDArray[np.int16], threshold: float = 0.02) -> tuple[int, int]:
    """(first, end) sample indexes where the 1 ms RMS envelope tops ``threshold`` x full scale."""
    win = RATE // 1000
    n = len(signal_) // win
    env = np.sqrt(np.mean(signal_[: n * win].astype(np.float64).reshape(n, win) ** 2, axis=1))
    loud = np.nonzero(env > threshold * 32768)[0]
    if not len(loud):
        return 0, 0
    return int(loud[0] * win), int((loud[-1] + 1) * win)


def tone_ms(signal_: npt.NDArray[np.int16], amplitude: float = 0.5) -> float:
    """How many ms of a tone of ``amplitude`` (x full scale) the recording holds, from its energy.

    A sound server whose client stream runs dry for a moment plays silence and then the rest:
    the tone comes out in pieces with nothing lost (PortAudio flags it when something is lost,
    see ``clean_take``). The energy gives the pieces' total length whatever the gaps (a tone's
    mean square is A²/2), where the span from first to last sound would count the gaps too."""
    energy = float(np.sum(signal_.astype(np.float64) ** 2))
    return energy / ((amplitude * 32767) ** 2 / 2) / RATE * 1000


def loud_blocks(signal_: npt.NDArray[np.int16], threshold: float = 0.02) -> npt.NDArray[np.int16]:
    """The 1 ms blocks of ``signal_`` above ``threshold`` x full scale, end to end: the sound
    without any gaps in it."""
    win = RATE // 1000
    n = len(signal_) // win
    blocks = signal_[: n * win].reshape(n, win)
    env = np.sqrt(np.mean(blocks.astype(np.float64) ** 2, axis=1))
    return blocks[env > threshold * 32768].reshape(-1)


def dominant_frequency(signal_: npt.NDArray[np.int16], rate: int = RATE) -> float:
    x = signal_.astype(np.float64) * np.hanning(len(signal_))
    spectrum = np.abs(np.fft.rfft(x, n=8 * len(x)))
    return float(np.argmax(spectrum) * rate / (8 * len(x)))


# -- a room: the console's speaker and microphone as two null sinks, with an echo path ----------

SPEAKER = "rtspk"
MIC = "rtmic"


def _keepalive(server: PulseServer, sink: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["pacat", "--playback", f"--device={sink}", "--latency-msec=20", "--rate=24000",
         "--channels=1", "--format=s16le", "/dev/zero"],
        env={**os.environ, **server.env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@dataclass
class Room:
    """Two more null sinks on the private server: ``rtspk`` ("Room Speaker", what the console
    plays into) and ``rtmic`` ("Room Microphone", whose monitor the console records). A person
    speaks by playing a file into ``rtmic``; ``echo()`` adds the speaker's sound to the mic the
    way a room does: a module-loopback from ``rtspk.monitor`` into ``rtmic``, delayed and
    attenuated. The console finds both by their PulseAudio descriptions."""

    server: PulseServer
    modules: list[int]
    keepalives: list[subprocess.Popen[bytes]]
    speaker_device: str = "Room Speaker"
    mic_device: str = "Monitor of Room Microphone"

    @contextlib.contextmanager
    def echo(self, delay_ms: int, gain_db: float) -> Iterator[None]:
        module = int(self.server.pactl(
            "load-module", "module-loopback", f"source={SPEAKER}.monitor", f"sink={MIC}",
            f"latency_msec={max(1, delay_ms)}", "source_dont_move=true", "sink_dont_move=true",
        ).strip())
        try:
            self.server.pactl("set-sink-input-volume", self._loopback_input(module), f"{gain_db}dB")
            yield
        finally:
            with contextlib.suppress(RuntimeError):
                self.server.pactl("unload-module", str(module))

    def _loopback_input(self, module: int) -> str:
        index = None
        for line in self.server.pactl("list", "sink-inputs").splitlines():
            line = line.strip()
            if line.startswith("Sink Input #"):
                index = line.rpartition("#")[2]
            elif line == f"Owner Module: {module}" and index is not None:
                return index
        raise RuntimeError(f"module {module} has no sink input")

    def say(self, path: Path) -> subprocess.Popen[bytes]:
        """Play a WAV into the room's microphone (a person speaking)."""
        return subprocess.Popen(
            ["paplay", f"--device={MIC}", str(path)],
            env={**os.environ, **self.server.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def close(self) -> None:
        for proc in self.keepalives:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
        for module in self.modules:
            with contextlib.suppress(RuntimeError):
                self.server.pactl("unload-module", str(module))


def open_room(pulse: PulseServer) -> Room:
    """The room's two null sinks (and keep-alives) loaded into ``pulse``; ``close()`` unloads."""
    modules = []
    for sink, description in ((SPEAKER, "Room Speaker"), (MIC, "Room Microphone")):
        modules.append(int(pulse.pactl(
            "load-module", "module-null-sink", f"sink_name={sink}", "rate=24000", "channels=1",
            f"sink_properties=\"device.description='{description}'\"",
        ).strip()))
    room = Room(pulse, modules, [_keepalive(pulse, SPEAKER), _keepalive(pulse, MIC)])
    # A fresh null sink runs late until its first long block is out (see start_pulse).
    for _ in range(400):
        latencies = [
            int(line.split()[1]) / 1000.0
            for line in pulse.pactl("list", "sinks").splitlines()
            if line.strip().startswith("Latency:")
        ]
        if latencies and all(0 <= x < 100 for x in latencies):
            break
        time.sleep(0.02)
    return room


@pytest.fixture(scope="module")
def room(pulse: PulseServer) -> Iterator[Room]:
    room = open_room(pulse)
    try:
        yield room
    finally:
        room.close()


def speech_wav(path: Path, text: str, level_dbfs: float = -20.0) -> Path:
    """espeak-ng saying ``text``, at 24 kHz, scaled so its speech (silence trimmed) has RMS
    ``level_dbfs``: a person at a normal level is about -20 dBFS."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed (apt-get install espeak-ng)", pytrace=False)
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-w", str(raw), text], check=True, capture_output=True)
    import wave

    with wave.open(str(raw)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    x = np.interp(np.arange(int(len(x) * RATE / rate)) * rate / RATE, np.arange(len(x)), x)
    first, end = sounding_span(x.astype(np.int16), threshold=0.01)
    speech = x[first:end]
    rms = float(np.sqrt(np.mean(speech**2)))
    scaled = np.clip(speech * (32768 * 10 ** (level_dbfs / 20) / rms), -32768, 32767)
    silence = np.zeros(RATE // 5)
    out = np.concatenate((silence, scaled, silence)).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(out.tobytes())
    return path
