"""What words say: tokens, crude stems, stop words, spoken numbers ("forty two"), spelled codes."""

from __future__ import annotations

import re
import threading

import snowballstemmer

_STOP = """
a an the and or but if then so to of in on at by for from with about into over under
is are was were be been am do does did done have has had can could would should will shall
may might must i me my mine you your yours we us our he she it its they them their this that
these those what which who whom whose when where why how please tell show give get set let
make look up find check know want need like just some any all there here now ok okay hey hi
hello yes no not also too very really as than out call use using run tool function agent
many much i'd i'm what's
"""
STOP_WORDS = frozenset(_STOP.split())
_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SMALL = {w: i for i, w in enumerate(_UNITS)} | {w: i + 10 for i, w in enumerate(_TEENS)}
_TENS_VALUE = {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_ALIASES = {"oh": 0, "nought": 0, "dozen": 12}
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
# "a" and "i" are words far more often than letters of a code.
_WEAK_LETTERS = frozenset("ai")

_STEMMERS = threading.local()
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019-]*")


def tokens(text: str) -> list[str]:
    """Lowercase words, apostrophes kept inside words."""
    return [m.group().lower().strip("'\u2019-") for m in _WORD.finditer(text)]


def stem(word: str) -> str:
    """Snowball's English stem: "bookings" and "booking" agree, and so do "raining" and "rain"."""
    # A stemmer keeps the word it works on: one per thread (connections decide in parallel).
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word.lower()))


def content_stems(text: str) -> set[str]:
    """Stems of the words that carry meaning (stop words and one-letter words dropped)."""
    return {stem(w) for w in tokens(text) if w not in STOP_WORDS and len(w) > 1}


def identifier_words(name: str) -> list[str]:
    """`get_weather`, `getWeather` and `get-weather` all give ["get", "weather"]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w]


def spoken_number(n: int) -> str:
    """42 -> "forty two", 1500 -> "one thousand five hundred": how a caller says a number."""
    if n < 0:
        return "minus " + spoken_number(-n)
    if n < 20:
        return (_UNITS + _TEENS)[n]
    if n < 100:
        return _TENS[n // 10 - 2] + ("" if n % 10 == 0 else " " + _UNITS[n % 10])
    for scale, size in (("million", 1_000_000), ("thousand", 1000), ("hundred", 100)):
        if n >= size:
            head = f"{spoken_number(n // size)} {scale}"
            return head if n % size == 0 else f"{head} {spoken_number(n % size)}"
    return str(n)


# A number ("42", "$1,500", "3.5": one decimal point at most) or a word.
_TOKEN = re.compile(
    r"(?<![\w.])\$?\d+(?:,\d{3})*(?:\.\d+)?(?![A-Za-z])|[A-Za-z]+(?:['\u2019][a-z]+)?"
)


def number_spans(text: str) -> list[tuple[int, int, float, int]]:
    """(start, end, value, words) of each number: digits ("42", "$20") or words ("forty two",
    "one hundred and five", "three point five"). Two units in a row are two numbers."""
    found: list[tuple[int, int, float, int]] = []
    tokens_ = list(_TOKEN.finditer(text))
    i = 0
    while i < len(tokens_):
        m = tokens_[i]
        raw = m.group().lower()
        if raw[0] in "$0123456789":
            digits = raw.lstrip("$").replace(",", "")
            start = m.start() + (1 if raw.startswith("$") else 0)
            found.append((start, m.end(), float(digits), 1))
            i += 1
            continue
        if raw not in _SMALL and raw not in _TENS_VALUE and raw not in _ALIASES:
            i += 1
            continue
        total, current, last, j = 0.0, 0.0, "", i
        while j < len(tokens_):
            word = tokens_[j].group().lower()
            if word in _SMALL or word in _ALIASES:
                value = _SMALL.get(word, _ALIASES.get(word, 0))
                # "forty two" joins; "four two" or "twelve three" are two numbers.
                if last in ("small", "alias") or (last == "tens" and value >= 10):
                    break
                current += value
                last = "small"
            elif word in _TENS_VALUE:
                if last in ("small", "tens", "alias") and current % 100 != 0:
                    break
                current += _TENS_VALUE[word]
                last = "tens"
            elif word in _SCALES and last:
                if _SCALES[word] == 100:
                    current = (current or 1) * 100
                else:
                    total += (current or 1) * _SCALES[word]
                    current = 0
                last = "scale"
            elif word == "and" and last == "scale" and j + 1 < len(tokens_):
                following = tokens_[j + 1].group().lower()
                if following not in _SMALL and following not in _TENS_VALUE:
                    break
            elif word == "point" and last in ("small", "tens") and j + 1 < len(tokens_):
                decimals = []
                k = j + 1
                while k < len(tokens_) and tokens_[k].group().lower() in _SMALL:
                    decimals.append(str(_SMALL[tokens_[k].group().lower()] % 10))
                    k += 1
                if not decimals:
                    break
                current += float("0." + "".join(decimals))
                j = k
                break
            else:
                break
            j += 1
        end = tokens_[j - 1].end()
        found.append((m.start(), end, total + current, j - i))
        i = j
    return found


def numbers(text: str) -> list[tuple[int, float]]:
    """(position, value) of each number in the text, digits or words ("forty two" -> 42)."""
    found = [(start, value) for start, _, value, _ in number_spans(text)]
    found += [(m.start(), 2.0) for m in re.finditer(r"\ba couple\b", text, re.IGNORECASE)]
    return sorted(found)


def spelled_codes(text: str) -> list[tuple[int, int, str]]:
    """(start, end, code) of each code spelled out: "A B twelve" -> "AB12", "x y four two" ->
    "XY42". A code has two or more letters, or a letter and a number. Codes written as one word
    of letters and digits ("KM7", "L-25", as a recogniser may write them) count too, as written."""
    runs = {start: (end, value, n) for start, end, value, n in number_spans(text)}
    out: list[tuple[int, int, str]] = []
    pieces: list[str] = []
    strong = letters = 0
    begin = end = -1
    pos = 0

    def close() -> None:
        if pieces and (strong >= 1 and (letters >= 2 or len(pieces) > letters)):
            out.append((begin, end, "".join(pieces)))

    def _before_number(word: str, at: int) -> bool:
        """Letters written together, then the code's number: "FH 47", as a caller or a
        recogniser may write it (capitals: "on 47" is no code)."""
        gap = re.match(r"[\s-]*", text[at:])
        return (
            2 <= len(word) <= 3 and word.isalpha() and word.isupper()
            and gap is not None and at + gap.end() in runs
        )

    for m in _TOKEN.finditer(text):
        if m.start() < pos:
            continue
        word = m.group()
        gap = text[end : m.start()] if end >= 0 else ""
        # Letters may be written as initials: "L.S. 90".
        joins = r"\.?[\s,-]*" if pieces and pieces[-1].isalpha() else r"[\s,-]*"
        contiguous = end >= 0 and re.fullmatch(joins, gap) is not None
        glued = re.match(r"(\.?)(\d+)\b", text[m.end() :])
        if glued and word.isupper() and len(word) <= 3 and not (glued[1] and not pieces):
            # Capitals and digits written as one word end a code: "J8" after "L." is LJ8, and
            # so is "L.J.8".
            if not (pieces and contiguous):
                close()
                pieces, strong, letters, begin = [], 0, 0, m.start()
            pieces.extend([*word, glued[2]])
            strong, letters = strong + 1, letters + len(word)
            end = pos = m.end() + glued.end()
            close()
            pieces, strong, letters, begin, end = [], 0, 0, -1, -1
            continue
        if m.start() in runs or (word.startswith("$") and m.start() + 1 in runs):
            key = m.start() if m.start() in runs else m.start() + 1
            run_end, value, _ = runs[key]
            piece = str(int(value)) if value == int(value) else None
            # Digits said one by one go on a code ("x y four two"); a number after the code's
            # own is another value ("B C 12, twenty dollars").
            more = not any(p.isdigit() for p in pieces) or (value < 10 and "," not in gap)
            if piece is not None and pieces and contiguous and more:
                pieces.append(piece)
                end, pos = run_end, run_end
                continue
            close()
            pieces, strong, letters = ([piece] if piece is not None else []), 0, 0
            begin, end, pos = key, run_end, run_end
            continue
        low = word.lower()
        if (len(low) == 1 and low in _LETTERS) or _before_number(word, m.end()):
            if not (pieces and contiguous):
                close()
                pieces, strong, letters, begin = [], 0, 0, m.start()
            pieces.extend(low.upper())
            letters += len(low)
            strong += len(low) > 1 or low not in _WEAK_LETTERS or (
                word.isupper() and len(pieces) > 1
            )
            end = pos = m.end()
            continue
        if re.fullmatch(r"[A-Za-z]*\d[A-Za-z\d-]*", word):
            continue
        close()
        pieces, strong, letters, begin, end = [], 0, 0, -1, -1
    close()
    written = [
        (m.start(), m.end(), m.group())
        for m in _WRITTEN_CODE.finditer(text)
        if all(m.end() <= a or m.start() >= b for a, b, _ in out)
    ]
    return sorted(out + written)


# One word of letters and digits, both present: "KM7", "L-25", "ab12"; not "10th" or "5pm".
_WRITTEN_CODE = re.compile(
    r"\b(?!\d+(?:st|nd|rd|th|am|pm)\b)(?=[A-Za-z-]*\d)(?=[\d-]*[A-Za-z])[A-Za-z\d]+(?:-[A-Za-z\d]+)*\b"
)


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
