"""Speech to text for committed input audio: pocketsphinx when importable, else a placeholder."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
from typing import Protocol

import numpy as np

from console.dsp import Samples

from .ear import Listening, Recogniser

log = logging.getLogger(__name__)


def placeholder(seconds: float) -> str:
    """What the engine reports when it cannot transcribe: says how long the speech was."""
    return f"[speech, {seconds:.1f} s]"


class Transcriber(Protocol):
    """Called from a worker thread with mono float samples."""

    name: str

    def transcribe(self, samples: Samples, rate: int) -> str: ...

    def listen(self) -> Listening | None:
        """A streaming recogniser for one connection, or None when there is none."""
        ...


class PlaceholderTranscriber:
    name = "placeholder"

    def listen(self) -> Listening | None:
        return None

    def transcribe(self, samples: Samples, rate: int) -> str:
        return placeholder(len(samples) / rate)


class PocketSphinxTranscriber:
    """pocketsphinx's bundled US English acoustic model with a language model built from the
    session (ear.py); `listen` gives a connection its own streaming recogniser."""

    name = "pocketsphinx"
    _shared: Recogniser | None = None
    _lock = threading.Lock()

    def transcribe(self, samples: Samples, rate: int) -> str:
        """A clip heard without a session's vocabulary (everyday words, numbers, codes)."""
        with self._lock:
            try:
                if PocketSphinxTranscriber._shared is None:
                    PocketSphinxTranscriber._shared = Recogniser()
                return PocketSphinxTranscriber._shared.clip(samples, rate)
            except Exception as exc:  # a broken model must not take the session down
                log.warning("pocketsphinx failed: %s", exc)
                return ""

    def listen(self) -> Listening:
        return Listening()

    def warm_up(self) -> None:
        """Read the dictionary and build the everyday model now, not on the first spoken turn."""
        self.transcribe(np.zeros(0, dtype=np.float32), 16000)


def make_transcriber(kind: str = "auto") -> Transcriber:
    """ "auto": pocketsphinx if importable, else the placeholder; "pocketsphinx" insists."""
    if kind not in ("auto", "pocketsphinx", "placeholder"):
        raise ValueError(
            f"unknown transcriber {kind!r}: expected auto, pocketsphinx or placeholder"
        )
    if kind != "placeholder":
        if importlib.util.find_spec("pocketsphinx") is not None:
            return PocketSphinxTranscriber()
        if kind == "pocketsphinx":
            raise RuntimeError("pocketsphinx is not installed (pip install pocketsphinx)")
    return PlaceholderTranscriber()
