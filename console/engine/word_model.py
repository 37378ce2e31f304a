"""How likely a transcript is in this session: word pairs and words of the session's sentences.

Whisper's beam search ends with several transcripts that sound about as likely ("I need help with
my walking", "... my booking"); which of them a caller of these agents said is what the session's
sentences (vocabulary.corpus_for: its instructions, tools, handoffs, everyday requests) tell. The
model is a bigram model over those sentences, interpolated with their words, and with room for
words they never use, so a transcript of other words scores low but never impossibly.
"""

from __future__ import annotations

import math
from collections import Counter
from itertools import pairwise

from .vocabulary import spoken_phrase

# Of a word's chance after the word before it: the share from the pairs seen, the rest from
# how common the word is on its own.
_PAIRS = 0.6
# Words a caller may use that no sentence of the session does (an open vocabulary).
_UNSEEN_WORDS = 50_000


class WordModel:
    def __init__(self, lines: list[str]) -> None:
        self._words: Counter[str] = Counter()
        self._pairs: Counter[tuple[str, str]] = Counter()
        for line in lines:
            words = ["<s>", *line.split(), "</s>"]
            self._words.update(words)
            self._pairs.update(pairwise(words))
        self._total = sum(self._words.values()) + len(self._words) + _UNSEEN_WORDS

    def score(self, text: str) -> float:
        """Mean log-probability per word of `text` (said as words: "42" is "forty two")."""
        words = ["<s>", *spoken_phrase(text).split(), "</s>"]
        total = 0.0
        for before, word in pairwise(words):
            alone = (self._words[word] + 1) / self._total
            seen = self._words[before]
            paired = self._pairs[before, word] / seen if seen else 0.0
            total += math.log(_PAIRS * paired + (1 - _PAIRS) * alone)
        return total / (len(words) - 1)
