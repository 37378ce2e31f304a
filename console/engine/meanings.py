"""How much a request says for a tool or a handoff: its own words, their everyday synonyms and
related words ("raining" for a weather tool), and values of the kinds its parameters take.

A language model would know that "is it raining in Oslo" is a weather question; the local
engine knows a little everyday English instead. The tables hold general vocabulary of common
agent tasks, not phrasings of any test or benchmark.
"""

from __future__ import annotations

import re

from .spoken_values import STOP_WORDS, content_stems, identifier_words, sounds_like, stem, tokens

# Words or phrases that mean the same as the key in a request (as strong as the key itself).
_SYNONYMS = {
    "research": "investigate|look into|looking into|find out about|read up on|dig into|study|"
    "look up information",
    "refund": "reimburse|money back|pay back|pay me back|repay",
    "change": "move|reschedule|postpone|push back|bring forward|switch|modify|alter|amend",
    "booking": "reservation|book|booked",
    "weather": "forecast",
    "order": "purchase",
    "invoice": "bill|receipt",
    "payment": "charge|charged|paid|pay",
    "trip": "journey|travel|holiday|vacation",
    "cancel": "call off|drop",
    "price": "cost",
    "search": "look for|find",
}
# Words that point at the key's subject without meaning it ("sunny" for weather): weaker.
_RELATED = {
    "weather": "rain|raining|rainy|sunny|sun|snow|snowing|temperature|hot|cold|warm|windy|wind|"
    "cloudy|storm|umbrella|degrees|humid|freezing|outside",
    "payment": "overcharged|twice|money|subscription|bank|debit|credit|price|fee|billed",
    "trip": "flight|hotel|ticket|train|itinerary|departure|fly|flying",
    "booking": "date|dates",
}
# Words of descriptions that tell how a tool works, not what it is for.
_MECHANICS = {
    stem(w)
    for w in [
        "take",
        "few",
        "seconds",
        "minutes",
        "background",
        "depth",
        "needs",
        "operator",
        "approval",
        "customer",
        "today",
        "another",
    ]
}
# Verbs that name no task ("get_weather" is about weather).
_PLAIN_VERBS = {"get", "fetch", "do", "make", "run", "show", "list", "lookup", "look", "check"}
# Of what a handoff's default description says ("Handoff to the X agent to handle the request").
_HANDOFF_WORDS = {
    stem(w)
    for w in [
        "handoff",
        "hand",
        "off",
        "handle",
        "request",
        "transfer",
        "agent",
        "assistant",
        "bot",
        "team",
        "desk",
        "service",
    ]
}

# A phrase ("look into") is as clear as the name; one word ("study") could mean other things.
NAME, PHRASE, SYNONYM, SOUND, RELATED, DESCRIPTION = 3, 3, 2, 2, 2, 1


def _table(table: dict[str, str]) -> dict[str, list[str]]:
    return {stem(k): [p.strip() for p in v.split("|")] for k, v in table.items()}


_SYNONYM_PHRASES = _table(_SYNONYMS)
_RELATED_PHRASES = _table(_RELATED)


def _said(phrases: list[str], text: str, words: set[str]) -> int:
    """PHRASE for a phrase of several words said, SYNONYM for a single word, else 0."""
    best = 0
    for phrase in phrases:
        if " " in phrase:
            if re.search(rf"\b{re.escape(phrase)}\b", text):
                return PHRASE
        elif stem(phrase) in words:
            best = SYNONYM
    return best


def _pointed(words: list[str], text: str) -> bool:
    """A related word said as listed, or its plural: not one that only shares its stem
    ("training", which a recogniser writes for "raining", is no train)."""
    return any(re.search(rf"\b{re.escape(w)}s?\b", text) for w in words)


def evidence(text: str, name: str, description: str, *, handoff: bool = False) -> int:
    """How strongly the request's words point at the tool (or, with `handoff`, the agent) `name`."""
    low = " ".join(tokens(text))
    words = {stem(w) for w in tokens(text)}
    said = words - {stem(w) for w in STOP_WORDS}
    own = {stem(w) for w in identifier_words(name) if w not in _PLAIN_VERBS | STOP_WORDS}
    about = content_stems(description) - _MECHANICS - own
    if handoff:
        own -= _HANDOFF_WORDS
        about -= _HANDOFF_WORDS
    score = 0
    for key in own:
        same = NAME if key in said else _said(_SYNONYM_PHRASES.get(key, []), low, said)
        if same:
            score += same
        elif len(key) >= 5 and any(sounds_like(w) == sounds_like(key) for w in said if len(w) >= 5):
            score += SOUND  # misheard ("whether" for "weather")
        elif _pointed(_RELATED_PHRASES.get(key, []), low):
            score += RELATED
    for key in about:
        # A handoff has nothing but its description to go by: its words count like a name's.
        if key in said:
            score += NAME if handoff else DESCRIPTION
        elif same := _said(_SYNONYM_PHRASES.get(key, []), low, said):
            score += same if handoff else DESCRIPTION
        elif _pointed(_RELATED_PHRASES.get(key, []), low):
            score += RELATED if handoff else DESCRIPTION
    return score


def synonyms(word: str) -> list[str]:
    """Everyday words or phrases meaning `word` in a request ("look into" for "research")."""
    return list(_SYNONYM_PHRASES.get(stem(word), []))


def related(word: str) -> list[str]:
    """Words that point at `word`'s subject ("raining" for "weather")."""
    return list(_RELATED_PHRASES.get(stem(word), []))


def names_agent(text: str, agent: str) -> bool:
    """A word of the agent's own name was said ("billing please"), exactly: sounding alike
    ("building") is not asking for it."""
    own = (
        {stem(w) for w in identifier_words(agent)} - _HANDOFF_WORDS - {stem(w) for w in STOP_WORDS}
    )
    return bool(own & {stem(w) for w in tokens(text)})


def names_tool(text: str, name: str) -> bool:
    """A word of the tool's own name was said exactly ("research ..." for ``research``), not
    only words related to it or a value it takes."""
    own = {stem(w) for w in identifier_words(name) if w not in _PLAIN_VERBS | STOP_WORDS}
    return bool(own & {stem(w) for w in tokens(text)})
