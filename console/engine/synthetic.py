"""A synthetic voice-like signal (vowel-shaped harmonics, word rhythm) for when espeak is absent."""

from __future__ import annotations

import re
import zlib
from functools import lru_cache

import numpy as np

from console.dsp import Samples

from .formats import PCM_RATE

_FORMANTS = {
    "a": (730.0, 1090.0, 2440.0),
    "e": (530.0, 1840.0, 2480.0),
    "i": (270.0, 2290.0, 3010.0),
    "o": (570.0, 840.0, 2410.0),
    "u": (300.0, 870.0, 2240.0),
}
_TABLE = 1024
_PAUSES_MS = {",": 150.0, ";": 200.0, ":": 200.0, ".": 300.0, "!": 300.0, "?": 300.0}


@lru_cache(maxsize=512)
def _period(vowel: str, f0: int) -> tuple[Samples, Samples]:
    """One pitch period of a vowel as a table (peak 1), read at the running phase of a word."""
    harmonics = np.arange(1, int(3600 / f0) + 1, dtype=np.float64)
    freqs = harmonics * f0
    gains = sum(1.0 / (1.0 + ((freqs - f) / (60.0 + 0.05 * f)) ** 2) for f in _FORMANTS[vowel])
    gains = gains / harmonics  # spectral tilt of a glottal source
    grid = np.linspace(0.0, 2 * np.pi, _TABLE + 1)
    table = (gains[:, None] * np.sin(harmonics[:, None] * grid[None, :])).sum(axis=0)
    table /= float(np.max(np.abs(table))) or 1.0
    return grid.astype(np.float32), table.astype(np.float32)


def _word_samples(word: str, f0: float, rng: np.random.Generator) -> Samples:
    letters = re.sub(r"[^a-z0-9]", "", word.lower()) or "a"
    duration = min(0.09 + 0.055 * len(letters), 0.7)
    n = int(duration * PCM_RATE)
    t = np.arange(n, dtype=np.float64) / PCM_RATE
    # A little pitch movement inside the word: voices are never monotone.
    pitch = f0 * (1.0 + 0.06 * np.sin(2 * np.pi * 3.0 * t + rng.uniform(0, np.pi)))
    phase = 2 * np.pi * np.cumsum(pitch) / PCM_RATE
    vowels = [c for c in letters if c in _FORMANTS] or ["a"]
    grid, table = _period(vowels[0], round(f0))
    voiced = np.interp(np.mod(phase, 2 * np.pi), grid, table)
    # One envelope bump per vowel group: the rhythm of syllables.
    syllables = max(1, len(re.findall(r"[aeiouy]+", letters)))
    envelope = np.sqrt(np.sin(np.pi * (t * syllables / duration % 1.0)))
    noise = 0.02 * rng.standard_normal(n, dtype=np.float32)
    return (0.35 * (voiced + noise) * envelope).astype(np.float32)


def synthesize(text: str, *, f0: float = 130.0) -> Samples:
    """24 kHz float samples that sound like speech rhythm; deterministic for a given text."""
    rng = np.random.default_rng(zlib.crc32(text.encode()))
    parts: list[Samples] = [np.zeros(int(0.05 * PCM_RATE), dtype=np.float32)]
    tokens = re.findall(r"[\w'\u2019-]+|[^\w\s]", text)
    words = [tok for tok in tokens if re.match(r"[\w]", tok)]
    declination = np.linspace(1.08, 0.92, max(len(words), 1))
    index = 0
    for tok in tokens:
        if re.match(r"\w", tok):
            rise = 1.15 if text.rstrip().endswith("?") and index == len(words) - 1 else 1.0
            parts.append(_word_samples(tok, f0 * float(declination[index]) * rise, rng))
            parts.append(np.zeros(int(0.045 * PCM_RATE), dtype=np.float32))
            index += 1
        elif tok in _PAUSES_MS:
            parts.append(np.zeros(int(_PAUSES_MS[tok] / 1000 * PCM_RATE), dtype=np.float32))
    if not words:
        parts.append(np.zeros(int(0.2 * PCM_RATE), dtype=np.float32))
    return np.concatenate(parts)
