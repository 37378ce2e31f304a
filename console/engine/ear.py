"""pocketsphinx adapted to the session: a language model built from its agent, fed as audio arrives.

A `Recogniser` owns a pocketsphinx decoder whose language model and dictionary are built from the
session (vocabulary.py) and rebuilt when a session.update changes it. Audio is fed while the user
speaks (listening.py runs it on a connection's own thread), so when speech stops only the last
few frames and the final search remain: the transcript is ready soon after.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from console.dsp import Samples

from .listening import Frames, ToolsHeard
from .pause import Change, PauseWatch
from .sounds import pronunciations
from .vocabulary import corpus_for

log = logging.getLogger(__name__)

RATE = 16000
_MODELS_KEPT = 8
# Probability mass the n-grams leave for unseen word sequences (pocketsphinx.lm.ArpaBoLM).
DISCOUNT = 0.4
# Where the live cepstral mean starts before any speech was heard (it adapts within each
# utterance, and later ones start from the last learnt): the mean over a few espeak-ng voices at
# their ordinary level, nearer to any voice than the model's generic start.
CMN_PRIOR = "49.5,3.5,0.3,13.0,-6.0,3.0,-5.0,-9.0,-3.5,-2.5,3.5,-3.0,-1.0"


class _Models:
    """Language model and dictionary text per corpus, shared by connections (an LRU)."""

    _cache: OrderedDict[str, tuple[str, str]] = OrderedDict()
    _lock = threading.Lock()

    @classmethod
    def get(cls, lines: list[str]) -> tuple[str, str]:
        key = hashlib.sha256("\n".join(lines).encode()).hexdigest()
        with cls._lock:
            if key in cls._cache:
                cls._cache.move_to_end(key)
                return cls._cache[key]
        model = cls._build(lines)
        with cls._lock:
            cls._cache[key] = model
            while len(cls._cache) > _MODELS_KEPT:
                cls._cache.popitem(last=False)
        return model

    @staticmethod
    def _build(lines: list[str]) -> tuple[str, str]:
        from pocketsphinx.lm import ArpaBoLM

        # Words the dictionary cannot pronounce are left out: the decoder could never say them.
        known = [" ".join(w for w in line.split() if pronunciations(w)) for line in lines]
        model = ArpaBoLM(
            text="\n".join(k for k in known if k), add_start=True, discount_mass=DISCOUNT
        )
        model.compute()
        arpa = io.StringIO()
        model.write(arpa)
        vocabulary = sorted(set(model.grams_1) - {"<s>", "</s>"})
        entries = []
        for word in vocabulary:
            for i, phones in enumerate(pronunciations(word)):
                entries.append(f"{word}{'' if i == 0 else f'({i + 1})'} {phones}")
        return arpa.getvalue(), "\n".join(entries) + "\n"


def _decoder(lines: list[str], **options: Any) -> Any:
    """A decoder for this corpus: building it takes tens of milliseconds."""
    pocketsphinx = importlib.import_module("pocketsphinx")
    arpa, dictionary = _Models.get(lines)
    with tempfile.TemporaryDirectory(prefix="rtconsole-ear-") as folder:
        lm_path, dict_path = (
            os.path.join(folder, "session.lm"),
            os.path.join(folder, "session.dict"),
        )
        with open(lm_path, "w", encoding="utf-8") as f:
            f.write(arpa)
        with open(dict_path, "w", encoding="utf-8") as f:
            f.write(dictionary)
        # The decoder reads both files while it is built; they can go afterwards.
        decoder = pocketsphinx.Decoder(
            samprate=RATE, lm=lm_path, dict=dict_path, loglevel="FATAL", **options
        )
    # The model asks for batch CMN, which holds every frame back until the utterance ends: live
    # CMN lets the search run while the audio arrives.
    decoder.config["cmn"] = "live"
    decoder.reinit_feat()
    return decoder


def to_pcm(samples: Samples) -> bytes:
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


class Recogniser:
    """Synchronous: one decoder, the vocabulary it was built for, and one utterance at a time."""

    # A small language model may weigh more against the acoustics than the general one (6.5):
    # espeak-ng and real voices alike are heard better with 12 on in-domain requests.
    options: dict[str, Any] = {"lw": 12.0}
    # The channel's cepstral mean, learnt from the last speech heard, starts each new decoder.
    _cmn: str | None = None

    def __init__(self) -> None:
        self._lines: list[str] = corpus_for("", [])
        self._tools = ToolsHeard()
        self._built: list[str] | None = None
        self._decoder: Any = None
        self._open = False

    @classmethod
    def forget_channel(cls) -> None:
        """Start again from the generic channel estimate (tests that must not depend on order)."""
        cls._cmn = None

    def adapt(self, instructions: str, tools: list[dict[str, Any]]) -> None:
        """Expect requests for these tools, and still for those of agents met before (a caller
        may ask Billing about the weather after a refund)."""
        current, earlier = self._tools.offered(tools)
        self._lines = corpus_for(instructions, current) + corpus_for("", earlier)

    def begin(self) -> None:
        if self._open:
            self.end()
        if self._built != self._lines:
            self._decoder, self._built = _decoder(self._lines, **self.options), self._lines
        self._decoder.set_cmn(Recogniser._cmn or CMN_PRIOR)
        self._decoder.start_utt()
        self._open = True
        self._frames = Frames(RATE)
        self._pcm = bytearray()  # the utterance so far, to hear again if speech resumes
        self._pause = PauseWatch(RATE)
        self._early: str | None = None  # the transcript, finished during a pause

    def feed(self, samples: Samples, rate: int) -> None:
        if not (self._open and len(samples)):
            return
        for frame in self._frames(samples, rate):
            self._frame(frame)

    def _frame(self, audio: Samples) -> None:
        pcm = to_pcm(audio)
        self._pcm += pcm
        change = self._pause.frame(audio)
        if change is Change.RESUMED:
            # Speech again after a pause that looked like the end: hear the whole utterance anew.
            self._early = None
            self._decoder.start_utt()
            self._decoder.process_raw(bytes(self._pcm), False, False)
        elif self._early is None:
            self._decoder.process_raw(pcm, False, False)
            if change is Change.PAUSED:
                # Speech has most likely ended (the VAD will say so after its own, longer wait):
                # the final search runs now, so the transcript is ready when the VAD's end arrives.
                self._early = self._finish()

    def _finish(self) -> str:
        self._decoder.end_utt()
        hyp = self._decoder.hyp()
        text = hyp.hypstr.strip() if hyp is not None else ""
        if text:  # learn the channel from speech only, never from silence or noise
            Recogniser._cmn = self._decoder.get_cmn()
        return text

    def end(self) -> str:
        if not self._open:
            return ""
        self._open = False
        text = self._early if self._early is not None else self._finish()
        self._pcm = bytearray()
        return text

    def clip(self, samples: Samples, rate: int) -> str:
        self.begin()
        self.feed(samples, rate)
        return self.end()
