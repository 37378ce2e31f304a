"""Speech out: espeak-ng in a subprocess when installed, else a synthetic voice-like signal."""

from __future__ import annotations

import logging
import shutil
import subprocess
from typing import Protocol

from console.dsp import Samples, pcm16_to_float, resample

from . import synthetic
from .formats import PCM_RATE

log = logging.getLogger(__name__)

# Session voices mapped onto espeak-ng variants, so two voices sound different.
_ESPEAK_VARIANTS = {
    "alloy": "f3",
    "ash": "m3",
    "ballad": "m2",
    "coral": "f2",
    "echo": "m1",
    "sage": "f4",
    "shimmer": "f5",
    "verse": "m4",
    "marin": "f1",
    "cedar": "m7",
}
_SYNTHETIC_PITCH = {"alloy": 190.0, "coral": 210.0, "sage": 180.0, "shimmer": 220.0, "marin": 200.0}


class Voice(Protocol):
    """Turns one sentence into 24 kHz float samples; called from a worker thread."""

    name: str

    def synthesize(self, text: str, voice: str) -> Samples: ...


class SyntheticVoice:
    """Deterministic voice-like signal; no dependencies."""

    name = "synthetic"

    def synthesize(self, text: str, voice: str) -> Samples:
        return synthetic.synthesize(text, f0=_SYNTHETIC_PITCH.get(voice, 120.0))


class EspeakVoice:
    """espeak-ng writes a 22050 Hz WAV to stdout; we resample it to 24 kHz."""

    name = "espeak"

    def __init__(self, binary: str, *, rate_wpm: int = 175) -> None:
        self.binary = binary
        self.rate_wpm = rate_wpm
        self._fallback = SyntheticVoice()

    def synthesize(self, text: str, voice: str) -> Samples:
        variant = _ESPEAK_VARIANTS.get(voice, "m3")
        args = [self.binary, "--stdout", "-v", f"en-us+{variant}", "-s", str(self.rate_wpm)]
        try:
            # Text on stdin: a sentence starting with "-" must not be read as an option.
            done = subprocess.run(args, input=text.encode(), capture_output=True, timeout=20)
            samples, rate = parse_wav(done.stdout)
        except (OSError, subprocess.SubprocessError, ValueError) as exc:
            log.warning("espeak-ng failed (%s); using the synthetic voice", exc)
            return self._fallback.synthesize(text, voice)
        return resample(samples, rate, PCM_RATE)


def parse_wav(data: bytes) -> tuple[Samples, int]:
    """Mono PCM16 samples and rate from a WAV; tolerates the unknown sizes of a streamed WAV."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV stream")
    pos, rate = 12, 0
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if chunk == b"fmt ":
            rate = int.from_bytes(data[pos + 12 : pos + 16], "little")
        elif chunk == b"data":
            body = data[pos + 8 :]
            body = body[: len(body) - len(body) % 2]
            return pcm16_to_float(body), rate or 22050
        pos += 8 + size
    raise ValueError("WAV stream without a data chunk")


def make_voice(kind: str = "auto") -> Voice:
    """ "auto": espeak-ng if on PATH, else synthetic; "espeak" insists; "synthetic" never looks."""
    if kind not in ("auto", "espeak", "synthetic"):
        raise ValueError(f"unknown voice {kind!r}: expected auto, espeak or synthetic")
    if kind != "synthetic":
        binary = shutil.which("espeak-ng")
        if binary:
            return EspeakVoice(binary)
        if kind == "espeak":
            raise RuntimeError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    return SyntheticVoice()
