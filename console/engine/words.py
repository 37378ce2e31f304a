"""Word handling for the policy: tokens, crude stems, stop words, number words, delta splitting."""

from __future__ import annotations

import re

_STOP = """
a an the and or but if then so to of in on at by for from with about into over under
is are was were be been am do does did done have has had can could would should will shall
may might must i me my mine you your yours we us our he she it its they them their this that
these those what which who whom whose when where why how please tell show give get set let
make look up find check know want need like just some any all there here now ok okay hey hi
hello yes no not also too very really as than out call use using run tool function agent
"""
STOP_WORDS = frozenset(_STOP.split())
_COUNTS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
_COUNTS += "fifteen sixteen seventeen eighteen nineteen twenty"

_NUMBER_WORDS = {w: i for i, w in enumerate(_COUNTS.split())} | {
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1000,
    "dozen": 12,
    "a couple": 2,
}

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019-]*")
_DELTA = re.compile(r"\s*(?:[\w'\u2019-]+|[^\w\s])|\s+")


def tokens(text: str) -> list[str]:
    """Lowercase words, apostrophes kept inside words."""
    return [m.group().lower().strip("'\u2019-") for m in _WORD.finditer(text)]


def stem(word: str) -> str:
    w = word.lower()
    if len(w) > 5 and w.endswith("ing"):
        return w[:-3]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def content_stems(text: str) -> set[str]:
    """Stems of the words that carry meaning (stop words and one-letter words dropped)."""
    return {stem(w) for w in tokens(text) if w not in STOP_WORDS and len(w) > 1}


def identifier_words(name: str) -> list[str]:
    """`get_weather`, `getWeather` and `get-weather` all give ["get", "weather"]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w]


def numbers(text: str) -> list[tuple[int, float]]:
    """(position, value) of each number in the text, digits or number words."""
    found = [(m.start(), float(m.group())) for m in re.finditer(r"(?<![\w.])-?\d+(?:\.\d+)?", text)]
    for m in re.finditer(r"[A-Za-z]+(?: couple)?", text):
        word = m.group().lower()
        if word in _NUMBER_WORDS:
            found.append((m.start(), float(_NUMBER_WORDS[word])))
    return sorted(found)


def split_deltas(text: str) -> list[str]:
    """Pieces like the API's deltas ("Hi", " there", "!"), joining back to exactly `text`."""
    return _DELTA.findall(text)


def split_sentences(text: str) -> list[str]:
    """Sentences with their trailing spaces, joining back to exactly `text`."""
    parts = re.split(r"(?<=[.!?])(?=\s)", text)
    out: list[str] = []
    for part in parts:
        if out and not part.strip():
            out[-1] += part
        else:
            out.append(part)
    return [p for p in out if p] or [text]


_SOUNDEX = {
    c: d for d, letters in enumerate(("bfpv", "cgjkqsxz", "dt", "l", "mn", "r"), 1) for c in letters
}


def sounds_like(word: str) -> str:
    """Soundex code: "whether" and "weather" agree, so misheard speech can still match a tool."""
    letters = [c for c in word.lower() if c.isalpha()]
    if not letters:
        return ""
    code, last = [letters[0].upper()], _SOUNDEX.get(letters[0], 0)
    for c in letters[1:]:
        digit = _SOUNDEX.get(c, 0)
        if digit and digit != last:
            code.append(str(digit))
        if c not in "hw":
            last = digit
    return "".join(code)[:4].ljust(4, "0")


MAX_PHRASE_CHARS = 120
"""The longest piece of text synthesised at once: speech memory and time to first audio stay
bounded whatever the punctuation (espeak-ng's output, and its copies, grow with its input)."""


FIRST_PHRASE_CHARS = 40


def split_phrases(text: str, min_words: int = 3, max_chars: int = MAX_PHRASE_CHARS) -> list[str]:
    """Sentences, further cut after commas, colons and semicolons between phrases of a few words,
    and at word boundaries into pieces of at most ``max_chars`` characters (the first of them at
    most ``FIRST_PHRASE_CHARS`` when the first phrase is longer than ``max_chars``).

    Speech is synthesised phrase by phrase, so the first audio of a long reply is ready sooner.
    """
    out: list[str] = []
    for sentence in split_sentences(text):
        pieces = re.split(r"(?<=[,;:])(?=\s)", sentence)
        current = ""
        for piece in pieces:
            current += piece
            if len(tokens(current)) >= min_words:
                out.append(current)
                current = ""
        if current:
            if out and len(tokens(current)) < min_words and not re.search(r"[.!?]\s*$", out[-1]):
                out[-1] += current
            else:
                out.append(current)
    if out and len(out[0]) > max_chars:
        # A first phrase too long to say at once: its first piece is short, so the first audio
        # waits only for that. (Ordinary first phrases are left whole.)
        head = cap_length(out[0], FIRST_PHRASE_CHARS)[0]
        out[0:1] = [head, out[0][len(head) :]]
    return [part for phrase in out for part in cap_length(phrase, max_chars)] or [text]


def cap_length(text: str, max_chars: int) -> list[str]:
    """``text`` cut after the last whitespace within each ``max_chars`` characters (inside a
    word only when a word alone is longer), joining back to exactly ``text``."""
    parts: list[str] = []
    start = 0
    while len(text) - start > max_chars:
        window = text[start : start + max_chars]
        space = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
        end = start + (space + 1 if space > 0 else max_chars)
        parts.append(text[start:end])
        start = end
    parts.append(text[start:])
    return parts
