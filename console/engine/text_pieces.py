"""Text cut into pieces: the API's deltas, sentences, and phrases short enough to synthesise."""

from __future__ import annotations

import re

from .spoken_values import tokens

_DELTA = re.compile(r"\s*(?:[\w'\u2019-]+|[^\w\s])|\s+")


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
