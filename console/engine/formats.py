"""The session's audio formats (PCM16 24 kHz, G.711 mu-law/A-law 8 kHz): sizes, decode, encode."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from console.dsp import (
    G711_RATE,
    PCM_RATE,
    Samples,
    alaw_decode,
    alaw_encode,
    float_to_pcm16,
    pcm16_to_float,
    resample,
    ulaw_decode,
    ulaw_encode,
)


@dataclass(frozen=True)
class AudioFormat:
    """One wire format; `type` is the GA spelling (audio/pcm, audio/pcmu, audio/pcma)."""

    type: str
    rate: int
    bytes_per_sample: int

    @property
    def bytes_per_ms(self) -> float:
        return self.rate * self.bytes_per_sample / 1000

    def duration_ms(self, nbytes: int) -> float:
        return nbytes / self.bytes_per_ms

    def wire(self) -> dict[str, Any]:
        return (
            {"type": "audio/pcm", "rate": PCM_RATE}
            if self.type == "audio/pcm"
            else {"type": self.type}
        )

    def decode(self, data: bytes) -> Samples:
        """Wire bytes to float samples at this format's own rate."""
        if self.type == "audio/pcmu":
            return pcm16_to_float(ulaw_decode(data))
        if self.type == "audio/pcma":
            return pcm16_to_float(alaw_decode(data))
        return pcm16_to_float(data)

    def encode(self, samples: Samples, rate: int) -> bytes:
        """Float samples at `rate` to wire bytes in this format."""
        pcm = float_to_pcm16(resample(samples, rate, self.rate))
        if self.type == "audio/pcmu":
            return ulaw_encode(pcm)
        if self.type == "audio/pcma":
            return alaw_encode(pcm)
        return pcm

    def frame_bytes(self, ms: int) -> int:
        return int(self.bytes_per_ms * ms)


PCM = AudioFormat("audio/pcm", PCM_RATE, 2)
PCMU = AudioFormat("audio/pcmu", G711_RATE, 1)
PCMA = AudioFormat("audio/pcma", G711_RATE, 1)
FORMATS = {f.type: f for f in (PCM, PCMU, PCMA)}


def silence(ms: float, rate: int = PCM_RATE) -> Samples:
    return np.zeros(int(rate * ms / 1000), dtype=np.float32)
