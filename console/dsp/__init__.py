"""numpy-only signal code shared by engine and audio: G.711, resampling, dBFS, formats."""

from .clock import Clock
from .formats import (
    G711_RATE,
    PCM_RATE,
    Int16Array,
    Samples,
    as_int16,
    float_to_pcm16,
    pcm16_to_float,
)
from .g711 import ALAW_DECODE, ULAW_DECODE, alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from .levels import FLOOR_DB, FULL_SCALE, levels_dbfs, peak_dbfs, rms_dbfs
from .resample import Resampler, lowpass, resample

__all__ = [
    "ALAW_DECODE",
    "FLOOR_DB",
    "FULL_SCALE",
    "G711_RATE",
    "PCM_RATE",
    "ULAW_DECODE",
    "Clock",
    "Int16Array",
    "Resampler",
    "Samples",
    "alaw_decode",
    "alaw_encode",
    "as_int16",
    "float_to_pcm16",
    "levels_dbfs",
    "lowpass",
    "pcm16_to_float",
    "peak_dbfs",
    "resample",
    "rms_dbfs",
    "ulaw_decode",
    "ulaw_encode",
]
