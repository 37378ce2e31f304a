"""Speech to text for input audio: Whisper or pocketsphinx when installed, else a placeholder."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
from collections.abc import Callable
from typing import Protocol

import numpy as np

from console.dsp import Samples

from .ear import Recogniser
from .listening import Listening, Recognising
from .whisper import WhisperRecogniser
from .whisper import available as whisper_available

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


class Recognisers:
    """A transcriber made of synchronous recognisers: one per connection, each on its own
    thread, and one shared for clips heard without a session's vocabulary. When the first
    cannot start (a model that does not load), ``fallback`` (name, recogniser) takes over."""

    def __init__(
        self,
        name: str,
        recogniser: Callable[[], Recognising],
        fallback: tuple[str, Callable[[], Recognising]] | None = None,
    ) -> None:
        self.name, self._make, self._fallback = name, recogniser, fallback
        self._shared: Recognising | None = None
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()

    def recogniser(self) -> Recognising:
        with self._start_lock:
            try:
                return self._make()
            except Exception as exc:
                if self._fallback is None:
                    raise
                name, make = self._fallback
                log.warning("%s could not start (%s); hearing with %s", self.name, exc, name)
                self.name, self._make, self._fallback = name, make, None
        return self._make()

    def transcribe(self, samples: Samples, rate: int) -> str:
        with self._lock:
            try:
                if self._shared is None:
                    self._shared = self.recogniser()
                self._shared.begin()
                self._shared.feed(samples, rate)
                return self._shared.end()
            except Exception as exc:  # a broken model must not take the session down
                log.warning("%s failed: %s", self.name, exc)
                return ""

    def listen(self) -> Listening:
        return Listening(self.recogniser, self.name)

    def warm_up(self) -> None:
        """Load the model now, not on the first spoken turn."""
        self.transcribe(np.zeros(0, dtype=np.float32), 16000)


def whisper_transcriber() -> Recognisers:
    """Whisper base (whisper.py): any phrasing, steered by the session's tools."""
    fallback = importlib.util.find_spec("pocketsphinx") is not None
    return Recognisers(
        "whisper", WhisperRecogniser, ("pocketsphinx", Recogniser) if fallback else None
    )


def pocketsphinx_transcriber() -> Recognisers:
    """pocketsphinx's bundled US English acoustic model with a language model built from the
    session (ear.py)."""
    return Recognisers("pocketsphinx", Recogniser)


_KINDS = ("auto", "whisper", "pocketsphinx", "placeholder")


def make_transcriber(kind: str = "auto") -> Transcriber:
    """ "auto": Whisper if installed, else pocketsphinx, else the placeholder; a named one
    insists on being installed."""
    if kind not in _KINDS:
        raise ValueError(f"unknown transcriber {kind!r}: expected {', '.join(_KINDS)}")
    if kind in ("auto", "whisper"):
        if whisper_available():
            return whisper_transcriber()
        if kind == "whisper":
            raise RuntimeError(
                "Whisper is not installed (pip install 'rtconsole[speech]' installs it)"
            )
    if kind in ("auto", "pocketsphinx"):
        if importlib.util.find_spec("pocketsphinx") is not None:
            return pocketsphinx_transcriber()
        if kind == "pocketsphinx":
            raise RuntimeError("pocketsphinx is not installed (pip install pocketsphinx)")
    return PlaceholderTranscriber()
