"""What the recogniser expects to hear: sentences made from the session's agent, tools and handoffs.

The sentences train a small n-gram language model (see ear.py). They come from the session's
instructions, each tool's name, description, parameter names, descriptions and enum values, each
handoff's agent and description, plus everyday requests, numbers, dates and spelled codes, so the
recogniser favours what a caller of these agents is likely to say without being tied to phrasings.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from typing import Any, TypeVar

from .meanings import related, synonyms
from .routing import HANDOFF_PREFIX
from .spoken_values import identifier_words, spoken_number

T = TypeVar("T")


# Everyday lines a caller says to any agent.
_EVERYDAY = """
hello | hi | hi there | hey | hello there | good morning | good afternoon | good evening
thank you | thanks | thanks a lot | thank you very much | yes | no | yes please | no thanks
okay | ok | sure | great | perfect | fine | alright | that's right | that is correct
stop | stop talking | please stop | wait | hold on | cancel | cancel that | never mind
that's all | that is all | goodbye | bye | see you | can you help me | i need help
what can you do | who am i talking to | who are you | repeat that | say that again | sorry
how are you | i have a question | i have a problem | one more thing | go back
can i talk to a person | can i speak to someone | let me think | what did you say
"""
_PREFIXES = (
    "",
    "please",
    "can you",
    "can you please",
    "could you",
    "could you please",
    "would you",
    "i want to",
    "i would like to",
    "i'd like to",
    "i need to",
    "i want you to",
    "help me",
    "i'd like you to",
)
# Everyday endings of a request.
_TAILS = ("please", "for me", "right now", "today", "tomorrow", "this week", "thanks", "now")
# Questions about a subject in a related word ("is it raining", "will it be sunny").
_ABOUT_FRAMES = ("is it", "will it be", "is it going to be")
_ASKS = ("what is", "what's", "how is", "tell me", "show me", "give me", "check", "look up", "find")
_CITIES = (
    "london",
    "paris",
    "tokyo",
    "berlin",
    "madrid",
    "rome",
    "new york",
    "boston",
    "chicago",
    "seattle",
    "san francisco",
    "los angeles",
    "miami",
    "denver",
    "dallas",
    "houston",
    "austin",
    "atlanta",
    "toronto",
    "vancouver",
    "montreal",
    "sydney",
    "melbourne",
    "dublin",
    "edinburgh",
    "manchester",
    "amsterdam",
    "brussels",
    "vienna",
    "prague",
    "warsaw",
    "stockholm",
    "oslo",
    "copenhagen",
    "helsinki",
    "lisbon",
    "barcelona",
    "athens",
    "istanbul",
    "cairo",
    "dubai",
    "mumbai",
    "delhi",
    "beijing",
    "shanghai",
    "singapore",
    "hong kong",
    "seoul",
    "bangkok",
    "mexico city",
    "rio de janeiro",
    "buenos aires",
    "lima",
    "cape town",
    "nairobi",
    "zurich",
    "geneva",
    "munich",
    "milan",
    "venice",
    "florence",
)
_DATES = (
    "today",
    "tomorrow",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "next week",
    "next monday",
    "next friday",
    "this weekend",
    "the weekend",
)
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_ORDINALS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "twenty",
    "first",
    "twenty",
    "second",
    "twenty",
    "third",
    "twenty",
    "fourth",
    "twenty",
    "fifth",
    "thirtieth",
    "thirty",
    "first",
)
_NAMES = (
    "john",
    "mary",
    "james",
    "anna",
    "david",
    "sarah",
    "michael",
    "emma",
    "peter",
    "lisa",
    "tom",
    "kate",
    "alex",
    "maria",
)
_TOPICS = (
    "electric cars",
    "solar power",
    "climate change",
    "the history of rome",
    "coffee",
    "healthy food",
    "the stock market",
    "space travel",
    "machine learning",
    "the best hotels",
    "cheap flights",
    "local restaurants",
    "the football results",
    "the news",
    "renewable energy",
    "the population of france",
    "how to cook rice",
    "the tallest mountain",
    "electric bikes",
    "the best time to visit japan",
    "train tickets",
    "museums",
    "the economy",
    "vaccines",
    "batteries",
    "artificial intelligence",
    "the ocean",
    "dinosaurs",
    "music",
    "movies",
    "books",
    "the weather",
    "my account",
    "my order",
    "my payment",
    "my invoice",
    "my booking",
    "my flight",
    "my trip",
)
_LETTERS = (
    "a",
    "b",
    "c",
    "d",
    "e",
    "f",
    "g",
    "h",
    "i",
    "j",
    "k",
    "l",
    "m",
    "n",
    "o",
    "p",
    "q",
    "r",
    "s",
    "t",
    "u",
    "v",
    "w",
    "x",
    "y",
    "z",
)
_MONEY_WORDS = ("dollars", "dollar", "euros", "pounds", "cents", "bucks")


PLACES = frozenset(_CITIES)
# Subjects callers ask about; their own things ("my order") are not subjects to look into.
SUBJECTS = frozenset(t for t in _TOPICS if not t.startswith("my "))


def _any_of(values: Iterable[str], before: str = "") -> re.Pattern[str]:
    longest_first = sorted(values, key=len, reverse=True)
    alternatives = "|".join(map(re.escape, longest_first))
    return re.compile(rf"\b{before}(?:{alternatives})\b", re.IGNORECASE)


# Values of a kind the engine knows by name, found in a transcript: a city wherever it stands,
# a subject where it is what the request is about ("the background music" is not).
KNOWN_VALUES = {
    "place": _any_of(PLACES),
    "topic": _any_of(SUBJECTS, r"(?:about|on|into|regarding)\s+"),
}


def spoken_phrase(text: str) -> str:
    """Lowercase words as they are said: digits spelled, "$20" as "twenty dollars", a code's
    letters one by one ("KM42", "K.M. 42": "k m forty two"), punctuation gone."""
    text = re.sub(r"\$(\d+(?:\.\d+)?)", lambda m: m[1].removesuffix(".00") + " dollars", text)
    text = re.sub(r"\b([A-Za-z]{1,3})(?=\d)", lambda m: " ".join(m[1]) + " ", text)
    text = re.sub(r"(\d+)(?:\.(\d+))?", lambda m: " " + _spell_number(m) + " ", text)
    text = text.lower().replace("\u2019", "'").replace("&", " and ")
    words = re.findall(r"[a-z]+(?:'[a-z]+)?", text)
    return " ".join(words)


def _spell_number(m: re.Match[str]) -> str:
    whole = spoken_number(int(m.group(1))) if len(m.group(1)) <= 9 else " ".join(m.group(1))
    if m.group(2):
        return f"{whole} point {' '.join(spoken_number(int(d)) for d in m.group(2))}"
    return whole


def _sentences(text: str) -> list[str]:
    return [p for p in (spoken_phrase(s) for s in re.split(r"[.!?;:\n]+", text)) if p]


class _Corpus:
    """Sentences gathered for one session; deterministic for a given session."""

    def __init__(self, seed: int = 7) -> None:
        self.lines: list[str] = []
        self.rng = random.Random(seed)

    def add(self, line: str, times: int = 1) -> None:
        line = spoken_phrase(line)
        if line:
            self.lines.extend([line] * times)

    def pick(self, pool: Iterable[T], n: int) -> list[T]:
        items = list(pool)
        return items if len(items) <= n else self.rng.sample(items, n)


def _numbers(rng: random.Random, n: int) -> list[str]:
    values = [*range(0, 21), *range(25, 101, 5), 42, 99, 150, 200, 250, 500, 1000, 1500]
    values += [rng.randint(21, 999) for _ in range(n)]
    return [spoken_number(v) for v in values]


def _codes(rng: random.Random, n: int) -> list[str]:
    """Spelled codes as callers say them: "a b one two", "x y z", "four two seven"."""
    out = []
    for _ in range(n):
        letters = " ".join(rng.choice(_LETTERS) for _ in range(rng.randint(1, 3)))
        digits = rng.choice(
            [
                " ".join(spoken_number(rng.randint(0, 9)) for _ in range(rng.randint(1, 4))),
                spoken_number(rng.randint(10, 99)),
                spoken_number(rng.randint(100, 999)),
            ]
        )
        out.append(rng.choice([f"{letters} {digits}", digits, letters]))
    return out


def value_kind(name: str, schema: dict[str, Any]) -> str:
    """Which everyday values a parameter takes, guessed from its name, description and type."""
    described = spoken_phrase(str(schema.get("description") or ""))
    words = set(identifier_words(name)) | set(described.split())
    kind = schema.get("type")
    if isinstance(schema.get("enum"), list):
        return "enum"
    if kind in ("number", "integer"):
        money = {"amount", "price", "cost", "dollars", "money", "total", "refund", "fee"}
        return "money" if words & money else "number"
    if kind == "boolean":
        return "boolean"
    if words & {"id", "ref", "reference", "code", "number", "no", "confirmation", "sku"}:
        return "code"
    if words & {"date", "day", "when", "time", "month"}:
        return "date"
    if words & {"city", "place", "location", "destination", "town", "country", "where", "origin"}:
        return "place"
    if words & {"name", "person", "customer", "who", "user", "contact"}:
        return "name"
    return "topic"


def _values(kind: str, schema: dict[str, Any], corpus: _Corpus) -> list[str]:
    rng = corpus.rng
    if kind == "enum":
        return [" ".join(identifier_words(str(v))) for v in schema["enum"]]
    if kind == "money":
        return [f"{n} {rng.choice(_MONEY_WORDS)}" for n in _numbers(rng, 10)[::3]]
    if kind == "number":
        return _numbers(rng, 10)[::2]
    if kind == "code":
        return _codes(rng, 24)
    if kind == "date":
        dates = [f"{rng.choice(_MONTHS)} {rng.choice(_ORDINALS)}" for _ in range(10)]
        dates += [f"the {rng.choice(_ORDINALS)} of {rng.choice(_MONTHS)}" for _ in range(10)]
        return [*_DATES, *dates]
    if kind == "place":
        return [c.strip() for c in _CITIES]
    if kind == "name":
        return list(_NAMES)
    if kind == "boolean":
        return ["yes", "no"]
    return [t.strip() for t in _TOPICS]


_GLUE = {
    "place": ("in", "for", "at", "in"),
    "date": ("to", "for", "on", "until", ""),
    "money": ("for", "of", ""),
    "number": ("", "for", "of"),
    "topic": ("", "about", "on", "into"),
    "name": ("for", "to", "", "named"),
    "enum": ("", "with", "as"),
    "boolean": ("",),
}
_VERBS = {
    "get",
    "fetch",
    "find",
    "lookup",
    "look",
    "check",
    "list",
    "show",
    "do",
    "run",
    "make",
    "a",
}
_DETERMINERS = ("my", "the", "a", "this", "our", "")


def _slot_phrase(rng: random.Random, label: str, kind: str, values: list[str]) -> str:
    value = rng.choice(values)
    if kind == "code":
        return f"{rng.choice((label, label, 'number', ''))} {value}"
    if kind == "money":
        return f"{rng.choice(('for', 'of', ''))} {value}"
    return f"{rng.choice((*_GLUE[kind], label))} {value}"


def _tool_lines(tool: dict[str, Any], corpus: _Corpus) -> None:
    """Requests for one tool: its verb and object with each parameter's kind of value."""
    rng = corpus.rng
    name = identifier_words(str(tool.get("name", "")))
    description = str(tool.get("description") or "")
    first = (_sentences(description) or [""])[0].split()
    for sentence in _sentences(description):
        corpus.add(sentence, 2)
    params = tool.get("parameters")
    props = params.get("properties") if isinstance(params, dict) else None
    props = props if isinstance(props, dict) else {}
    slots: list[tuple[str, str, list[str]]] = []
    # "change_booking": verb "change", object "booking"; "get_weather": object "weather" only.
    verbs = {w for w in (name[:1] + first[:1]) if w not in _VERBS}
    objects = {" ".join(name[1:])} if len(name) > 1 else set()
    for pname, raw in props.items():
        schema = raw if isinstance(raw, dict) else {}
        for sentence in _sentences(str(schema.get("description") or "")):
            corpus.add(sentence)
        words = [w for w in identifier_words(pname) if w not in {"id", "ref", "number", "code"}]
        label = " ".join(words)
        kind = value_kind(pname, schema)
        if kind == "code":
            objects.add(label)
        slots.append((label, kind, _values(kind, schema, corpus)))
    objects.discard("")
    # Everyday words for the same things ("look into" for research, "reservation" for booking).
    verbs |= {s for v in list(verbs) for s in synonyms(v)}
    objects |= {s for o in list(objects) for s in synonyms(o) if " " not in s}
    # In a fixed order: the sentences drawn from them must not change with Python's hash seed.
    things = sorted(objects)
    subjects = [w for w in (*name, *first) if related(w)]
    actions: list[str] = []
    for verb in sorted(verbs):
        actions.append(verb)
        actions += [
            f"{verb} {det} {thing}".replace("  ", " ") for thing in things for det in _DETERMINERS
        ]
    for thing in things:
        actions += [thing, f"the {thing}", f"my {thing}"]
    questions = [f"{ask} the {thing}" for ask in _ASKS for thing in things if not verbs]
    questions += [f"what's the {thing} like" for thing in things if not verbs]
    # Questions about the subject in its own words: "is it raining", "will it be sunny"; fewer
    # than the plain requests, which would otherwise be heard as these.
    about = [
        f"{frame} {word}"
        for subject in subjects
        for word in related(subject)
        for frame in _ABOUT_FRAMES
    ]
    for _ in range(100):
        draw = rng.random()
        if questions and draw < 0.5:
            parts = [rng.choice(questions)]
        elif about and draw < 0.6:
            parts = [rng.choice(about)]
        else:
            parts = [rng.choice(_PREFIXES), rng.choice(actions or [" ".join(name)])]
        for label, kind, values in corpus.pick(slots, rng.randint(1, max(1, len(slots)))):
            if kind == "code" and parts[-1].endswith(label):
                parts.append(rng.choice(values))
            else:
                parts.append(_slot_phrase(rng, label, kind, values))
        if rng.random() < 0.3:
            parts.append(rng.choice(_TAILS))
        corpus.add(" ".join(parts))
    for label, kind, values in slots:
        for value in values:
            if kind in ("code", "number", "money", "date", "enum", "boolean"):
                corpus.add(value)  # an answer to "what is the ...?" (a place alone is rarer)
            corpus.add(_slot_phrase(rng, label, kind, [value]))


def _handoff_lines(tool: dict[str, Any], corpus: _Corpus) -> None:
    agent = " ".join(identifier_words(str(tool["name"])[len(HANDOFF_PREFIX) :]))
    for template in (
        "transfer me to {a}",
        "i want to talk to {a}",
        "can i speak to {a}",
        "put me through to {a}",
        "connect me to the {a} agent",
        "{a} please",
        "go back to {a}",
        "i need {a}",
    ):
        corpus.add(template.format(a=agent), 2)
    about = [w for s in _sentences(str(tool.get("description") or "")) for w in s.split()]
    topics = [w for w in about if len(w) > 3 and w not in {"handoff", "agent", "handle", "request"}]
    for topic in topics:
        for template in ("i have a question about {t}", "i need help with {t}", "{t} please"):
            corpus.add(template.format(t=topic))
        for template in (
            "i need help with my {t}",
            "it is about my {t}",
            "i have a problem with my {t}",
        ):
            corpus.add(template.format(t=topic))
        # What callers say about the subject in their own words ("i was charged twice").
        for word in synonyms(topic) + related(topic):
            for template in (
                "i was {w}",
                "it is about my {w}",
                "i have a question about {w}",
                "{w}",
            ):
                corpus.add(template.format(w=word))


def corpus_for(instructions: str, tools: list[dict[str, Any]]) -> list[str]:
    """Training sentences for the recogniser of a session with these instructions and tools."""
    corpus = _Corpus()
    for line in _EVERYDAY.replace("\n", "|").split("|"):
        corpus.add(line, 3)
    for sentence in _sentences(instructions):
        corpus.add(sentence)
    for value in _numbers(corpus.rng, 60):
        corpus.add(value)
    for code in _codes(corpus.rng, 40):
        corpus.add(code)
    for tool in tools:
        if not isinstance(tool, dict) or not tool.get("name"):
            continue
        if str(tool["name"]).startswith(HANDOFF_PREFIX):
            _handoff_lines(tool, corpus)
        else:
            _tool_lines(tool, corpus)
    return corpus.lines
