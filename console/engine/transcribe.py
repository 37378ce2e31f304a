"""Speech to text for committed input audio: pocketsphinx when importable, else a placeholder."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
from typing import Any, Protocol

import numpy as np

from .dsp import Samples, resample

log = logging.getLogger(__name__)


def placeholder(seconds: float) -> str:
    """What the engine reports when it cannot transcribe: says how long the speech was."""
    return f"[speech, {seconds:.1f} s]"


class Transcriber(Protocol):
    """Called from a worker thread with mono float samples."""

    name: str

    def transcribe(self, samples: Samples, rate: int) -> str: ...


class PlaceholderTranscriber:
    name = "placeholder"

    def transcribe(self, samples: Samples, rate: int) -> str:
        return placeholder(len(samples) / rate)


class PocketSphinxTranscriber:
    """pocketsphinx's bundled US English model; one decoder shared by all connections."""

    name = "pocketsphinx"
    _decoder: Any = None
    _lock = threading.Lock()

    def transcribe(self, samples: Samples, rate: int) -> str:
        pcm = (np.clip(resample(samples, rate, 16000), -1, 1) * 32767).astype("<i2").tobytes()
        with self._lock:
            try:
                decoder = self._get_decoder()
                decoder.start_utt()
                decoder.process_raw(pcm, full_utt=True)
                decoder.end_utt()
                hyp = decoder.hyp()
            except Exception as exc:  # a broken model must not take the session down
                log.warning("pocketsphinx failed: %s", exc)
                hyp = None
        text = hyp.hypstr.strip() if hyp is not None else ""
        return text or placeholder(len(samples) / rate)

    def warm_up(self) -> None:
        with self._lock:
            try:
                self._get_decoder()
            except Exception as exc:
                log.warning("pocketsphinx did not load: %s", exc)

    @classmethod
    def _get_decoder(cls) -> Any:
        if cls._decoder is None:
            pocketsphinx = importlib.import_module("pocketsphinx")
            cls._decoder = pocketsphinx.Decoder(samprate=16000, loglevel="FATAL")
        return cls._decoder


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
