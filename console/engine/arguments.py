"""Fill a tool's arguments from the user's words per its JSON schema (strings, numbers, enums)."""

from __future__ import annotations

import re
from typing import Any

from .meanings import synonyms
from .sounds import letters, nearest, phonemes
from .spoken_values import (
    STOP_WORDS,
    content_stems,
    identifier_words,
    number_spans,
    numbers,
    spelled_codes,
    stem,
    tokens,
)
from .vocabulary import KNOWN_VALUES, PLACES, value_kind

_PREPOSITIONS = (
    "in",
    "for",
    "to",
    "at",
    "from",
    "about",
    "into",
    "regarding",
    "called",
    "named",
    "on",
    "near",
    "of",
)
_TRUE_WORDS = {"yes", "true", "enable", "enabled", "on", "with", "please"}
_FALSE_WORDS = {"no", "false", "disable", "disabled", "off", "without", "not", "don't"}
_ID_WORDS = {"id", "number", "no", "code", "ref", "reference", "num"}
_MONEY_WORDS = {"amount", "price", "cost", "dollar", "dollars", "money", "total", "fee", "pay"}
_MONEY_UNITS = r"(?:dollars?|bucks|euros?|pounds?|usd|eur|gbp)"
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_ORDINAL = (
    r"(?:\d{1,2}(?:st|nd|rd|th)?|(?:twenty |thirty )?(?:first|second|third|fourth|fifth|sixth|"
    r"seventh|eighth|ninth)|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|"
    r"seventeenth|eighteenth|nineteenth|twentieth|thirtieth)"
)
_DATE = re.compile(
    rf"\b(?:(?:next|this|coming)\s+)?(?:{_WEEKDAYS}|weekend|week)\b"
    rf"|\b(?:{_MONTHS})\s+(?:the\s+)?{_ORDINAL}\b"
    rf"|\bthe\s+{_ORDINAL}(?:\s+of\s+(?:{_MONTHS}))?\b"
    rf"|\b{_ORDINAL}\s+(?:of\s+)?(?:{_MONTHS})\b"
    r"|\b(?:today|tomorrow|tonight)\b"
    r"|\b\d{4}-\d{2}-\d{2}\b",
    re.IGNORECASE,
)


# When something is wanted, said after what it is about: no part of a name before it.
_WHEN = re.compile(
    rf"(?:{_DATE.pattern})|(?:right now|now|at the moment|this (?:morning|afternoon|evening))\b",
    re.IGNORECASE,
)
_TAIL = re.compile(r"(?:\s+(?:for me|please|thanks|thank you|right now|now))+$", re.IGNORECASE)
# Words that join a subject's parts: what an action acts on goes on past them.
_WITHIN_TOPIC = ("of", "and", "in")
# Words a recogniser writes for a letter said alone ("see" for C): in a code, before its number.
_LETTER_NAMES = {
    **dict.fromkeys(("be", "bee"), "b"),
    **dict.fromkeys(("see", "sea"), "c"),
    "dee": "d",
    "gee": "g",
    "jay": "j",
    "kay": "k",
    "el": "l",
    "em": "m",
    "en": "n",
    "oh": "o",
    **dict.fromkeys(("pea", "pee"), "p"),
    **dict.fromkeys(("queue", "cue"), "q"),
    **dict.fromkeys(("are", "our"), "r"),
    "es": "s",
    **dict.fromkeys(("tea", "tee"), "t"),
    "you": "u",
    "vee": "v",
    "ex": "x",
    "why": "y",
    **dict.fromkeys(("zee", "zed"), "z"),
}
_NAMED_LETTERS = re.compile(
    r"((?:(?:" + "|".join(_LETTER_NAMES) + r"|[a-z])\s+){1,3})(?=\w)", re.IGNORECASE
)
# Two or three letters without a vowel (nor "y"): no word, so letters of a code.
_NO_VOWELS = re.compile(r"([b-df-hj-np-tv-xz]{2,3})\b[\s-]*", re.IGNORECASE)
# A word, or two, and what comes after it (a number, if they are a code's letters).
_WORD_THEN = re.compile(r"([a-z]+)[\s,-]+", re.IGNORECASE)
_TWO_WORDS_THEN = re.compile(r"([a-z]+[\s-]+[a-z]+)[\s,-]+", re.IGNORECASE)
# How unlike letters' names (sounds.letters) words may sound and still be taken for them.
_LIKE_LETTERS = 0.3
# And a known place (sounds.nearest): "my army" is 0.25 from Miami; Bern, 0.32 from Berlin, is
# a place of its own.
_LIKE_PLACE = 0.26
# A recogniser writes "for twenty dollars" as "four twenty dollars" as often as not; a unit right
# before a tens or teens word is far more often the preposition than a digit of a code.
_HOMOPHONE = {"four": "for", "two": "to"}
_PREPOSITION_HEARD = re.compile(
    r"\b(four|two)(?=\s+(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|ten|eleven"
    r"|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)\b)"
)


def resolve(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref` into `$defs`, and pick the non-null branch of `anyOf`/`oneOf`/type lists."""
    for _ in range(8):
        if not isinstance(schema, dict):
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = root
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            continue
        branches = schema.get("anyOf") or schema.get("oneOf")
        if isinstance(branches, list):
            real = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
            schema = {**rest, **(real[0] if real and isinstance(real[0], dict) else {})}
            continue
        break
    out = dict(schema) if isinstance(schema, dict) else {}
    kind = out.get("type")
    if isinstance(kind, list):
        out["type"] = next((t for t in kind if t != "null"), "null")
    if "type" not in out and "enum" in out:
        out["type"] = "string"
    return out


class _Words:
    """The user's words, the tool they are for, and which parts of them went into a value."""

    def __init__(self, text: str, exclude: set[str], context: set[str]) -> None:
        self.text = text
        self.exclude = exclude  # words naming the tool itself
        self.context = context  # stems of the tool's description: what it does, not a value
        self.used: set[str] = set()
        self.spans: list[tuple[int, int]] = []  # parts of the text a value was taken from
        self.missing: list[str] = []  # required parameters nothing was said for

    def free(self, start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in self.spans)

    def quoted(self) -> list[str]:
        found = re.findall(r"\"([^\"]+)\"|\u201c([^\u201d]+)\u201d", self.text)
        return [c for c in (a or b for a, b in found) if c.lower() not in self.used]

    def candidates(self) -> list[str]:
        out = self.quoted()
        # Runs of capitalised words (proper nouns), skipping words that name the tool itself; one
        # that opens a sentence may just be capitalised there, so it comes last.
        initial: list[str] = []
        for m in re.finditer(r"\b[A-Z][\w'\u2019-]*(?:\s+[A-Z][\w'\u2019-]*)*", self.text):
            words = [w for w in m.group().split() if not self.ignorable(w)]
            if words and self.free(m.start(), m.end()):
                opens = re.search(r"(?:^|[.!?]\s*)$", self.text[: m.start()]) is not None
                (initial if opens else out).append(" ".join(words))
        out.extend(self.counted())
        out.extend(self.after_preposition())
        out.extend(initial)
        return [c for c in out if c.lower() not in self.used and not self.is_context(c)]

    def is_context(self, phrase: str) -> bool:
        """Words the tool's own description uses ("from the supplier") describe the action."""
        stems = content_stems(phrase)
        return bool(stems) and stems <= self.context

    def ignorable(self, word: str) -> bool:
        base = re.split(r"['\u2019]", word.lower())[0]
        return base in STOP_WORDS or base in self.exclude

    def counted(self) -> list[str]:
        """What a number counts: "30 sprockets", "five red apples" -> the words after it."""
        out = []
        for start, end, _, _ in number_spans(self.text):
            if not self.free(start, end):
                continue
            phrase: list[str] = []
            for m in re.finditer(r"[\w'\u2019-]+|[^\w\s]", self.text[end:]):
                word = m.group()
                if not re.match(r"\w", word) or word.lower() in _PREPOSITIONS or len(phrase) == 3:
                    break
                if self.ignorable(word) or numbers(word):
                    if phrase:
                        break
                    continue
                if stem(word) in _MONEY_STEMS:
                    break
                phrase.append(word)
            if phrase:
                out.append(" ".join(phrase))
        return out

    def after_action(self) -> str | None:
        """What the request's action word acts on: "could you investigate renewable energy" ->
        "renewable energy", whatever stands before it ("Code you investigate ...", as a
        recogniser may write "could")."""
        words = list(re.finditer(r"[\w'\u2019-]+|[^\w\s]", self.text))
        actions = [i for i, m in enumerate(words) if stem(m.group().lower()) in self.context]
        if not actions:
            return None
        phrase: list[str] = []
        for nxt in words[actions[-1] + 1 : actions[-1] + 8]:
            low = nxt.group().lower()
            if not re.match(r"\w", low) or not self.free(nxt.start(), nxt.end()) or numbers(low):
                break
            if phrase and low in _WITHIN_TOPIC:  # "the history of jazz", "wind farms in Denmark"
                phrase.append(nxt.group())
                continue
            if low in _PREPOSITIONS or self.ignorable(low):
                if phrase:
                    break
                continue
            phrase.append(nxt.group())
        while phrase and phrase[-1].lower() in _WITHIN_TOPIC:
            phrase.pop()
        return " ".join(phrase) or None

    def after_preposition(self) -> list[str]:
        out = []
        words = list(re.finditer(r"[\w'\u2019-]+|[^\w\s]", self.text))
        for i, match in enumerate(words[:-1]):
            if match.group().lower() not in _PREPOSITIONS:
                continue
            phrase: list[str] = []
            if numbers(words[i + 1].group()):
                continue  # "for four guests": a count, not a name
            for nxt in words[i + 1 : i + 4]:
                low = nxt.group().lower()
                if not re.match(r"\w", low) or low in _PREPOSITIONS or numbers(low):
                    break
                if not self.free(nxt.start(), nxt.end()) or _WHEN.match(self.text, nxt.start()):
                    break  # a time ends a name: "in reykjavik right now"
                if self.ignorable(low):
                    if phrase:
                        break
                    continue
                phrase.append(nxt.group())
            if phrase:
                out.append(" ".join(phrase))
        return out

    def code_after(self, at: int) -> tuple[int, int, str] | None:
        """A spelled code or a spoken number right at `at` ("A B twelve", "forty two")."""
        glue = re.match(r"(?:\s+(?:is|of|number|no\.?|id|#)\b)*\s*[:=#]?\s*", self.text[at:])
        start = at + (glue.end() if glue else 0)
        for begin, end, code in spelled_codes(self.text):
            if begin == start:
                return begin, end, code
        named = (
            self.letters_by_name(start)
            or self.letters_not_a_word(start)
            or self.letters_by_sound(start)
        )
        if named is not None:
            return named
        digits, end = "", start
        for begin, stop, value, _ in number_spans(self.text):
            if begin == end or (digits and re.fullmatch(r"[\s,-]*", self.text[end:begin])):
                if begin < start:
                    continue
                if value != int(value) or (digits and value >= 10):
                    break
                digits, end = digits + str(int(value)), stop
        return (start, end, digits) if digits else None

    def letters_by_name(self, start: int) -> tuple[int, int, str] | None:
        """A code whose letters were written as the words they sound like, right after its
        label and before its number: "order see our fourteen" -> "CR14"."""
        heard = _NAMED_LETTERS.match(self.text, start)
        if heard is None or not set(heard.group(1).lower().split()) & _LETTER_NAMES.keys():
            return None
        letters = [_LETTER_NAMES.get(w, w) for w in heard.group(1).lower().split()]
        return self._with_number(start, heard.end(), "".join(letters))

    def letters_not_a_word(self, start: int) -> tuple[int, int, str] | None:
        """Letters no English word is made of, then a number, right after a code's label: "order
        gj 47" -> "GJ47", as a recogniser writes a code it heard as letters but not as capitals."""
        letters = _NO_VOWELS.match(self.text, start)
        return None if letters is None else self._with_number(start, letters.end(), letters[1])

    def letters_by_sound(self, start: int) -> tuple[int, int, str] | None:
        """A word or two that sound like letters said by name, then a number, right after a
        code's label: "booking Katie 42" -> "KT42", "order a lane 47" -> "LN47", as a recogniser
        writes letters it took for words. Not stop words nor numbers: "order for 25" is no F R, and
        "order four two seven" no F R 27."""
        for heard in (_WORD_THEN.match(self.text, start), _TWO_WORDS_THEN.match(self.text, start)):
            said = tokens(heard[1]) if heard else []
            if heard is None or any(w in STOP_WORDS or numbers(w) for w in said):
                continue
            sounds = phonemes(said)
            spelled = letters(sounds) if sounds else None
            if spelled is not None and spelled[0] <= _LIKE_LETTERS:
                code = self._with_number(start, heard.end(), spelled[1])
                if code is not None:
                    return code
        return None

    def _with_number(self, start: int, at: int, letters: str) -> tuple[int, int, str] | None:
        """The code `letters` make with the whole number that begins at `at`, if one does."""
        number = next((n for n in number_spans(self.text) if n[0] == at), None)
        if number is None or number[2] != int(number[2]):
            return None
        return start, number[1], letters.upper() + str(int(number[2]))

    def named(self, name: str) -> str | None:
        """The words right after the parameter's own name: "city of Paris", "name is Ada"; for an
        identifier (``order_id``, ``booking_ref``) the code after its subject: "order 42",
        "order forty two", "booking A B twelve"."""
        parts = identifier_words(name)
        word = r"[\w'\u2019-]+"
        glue = r"(?:\s+(?:is|of|=|:|called|named|number|no\.?|#))?\s*[:=#]?\s*"
        if len(parts) > 1 and parts[-1] in _ID_WORDS:
            # One token, after the full name or after its subject alone ("order 42").
            for label_words, value in ((parts, r"[\w-]+"), (parts[:-1], r"[\w-]*\d[\w-]*")):
                label = r"\s+".join(map(re.escape, label_words))
                for m in re.finditer(rf"\b{label}\b", self.text, re.IGNORECASE):
                    spoken = self.code_after(m.end())
                    if spoken is not None:
                        self.spans.append(spoken[:2])
                        return spoken[2]
                    typed = re.match(rf"{glue}({value})", self.text[m.end() :], re.IGNORECASE)
                    if typed and typed.group(1).lower() not in STOP_WORDS:
                        return typed.group(1)
            return None
        label = r"\s+".join(map(re.escape, parts))
        found = re.search(rf"\b{label}\b{glue}({word}(?:\s+[A-Z]{word})*)", self.text, re.I)
        if found and found.group(1).lower() not in STOP_WORDS and not numbers(found.group(1)):
            # "new york city this weekend": a time after the name's word is no value of it.
            return None if _WHEN.match(found.group(1)) else found.group(1)
        return None

    def take(self, value: str) -> str:
        self.used.add(value.lower())
        # Digits that went into a string ("order 42") are not also an amount or a count.
        for match in re.finditer(rf"(?<![\w.]){re.escape(value)}(?![\w])", self.text):
            self.spans.append((match.start(), match.end()))
        return value


_MONEY_STEMS = {stem(w) for w in ("dollars", "bucks", "euros", "pounds", "cents")}


def _kind(name: str, schema: dict[str, Any]) -> set[str]:
    return set(identifier_words(name)) | content_stems(str(schema.get("description") or ""))


def _date(words: _Words) -> str | None:
    for m in _DATE.finditer(words.text):
        if words.free(m.start(), m.end()):
            words.spans.append((m.start(), m.end()))
            return m.group()
    return None


def _string(words: _Words, name: str, schema: dict[str, Any], required: bool) -> str | None:
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        present = set(tokens(words.text))
        text = words.text.lower()
        for value in enum:
            if str(value).lower() in present or f" {str(value).lower()} " in f" {text} ":
                return words.take(str(value))
        if required:
            words.missing.append(name)
        return str(enum[0]) if required else None
    value = words.named(name)
    about = _kind(name, schema)
    if value is None and about & {"date", "day", "when", "time"}:
        value = _date(words)
    if value is None and about & _ID_WORDS:
        codes = [c for c in spelled_codes(words.text) if words.free(c[0], c[1])]
        if codes:
            words.spans.append(codes[0][:2])
            value = codes[0][2]
    kind = value_kind(name, schema)
    # (A clock time is not a date phrase, so a "time" parameter takes words as before.)
    shaped = kind == "code" or (kind == "date" and not about & {"time", "when"})
    if value is None and shaped:
        # A code or a date is one only in its own shape: other words would be an invented value.
        found = words.quoted()
        value = found[0] if found else None
        if value is None and required:
            words.missing.append(name)
    if value is None and kind == "place":
        # A place the engine knows by name, wherever it stands (a transcript has no capitals).
        places = KNOWN_VALUES["place"].finditer(words.text)
        known = [m for m in places if words.free(m.start(), m.end())]
        value = known[0].group() if known else None
    if value is None and kind == "topic" and required:
        value = words.after_action()
    if value is None and not shaped:
        # An optional string takes only what is clearly meant for it: its name, or a quote.
        found = words.candidates() if required else words.quoted()
        value = found[0] if found else None
    if value is None and required and not shaped and kind != "place":
        # Nothing stands out: the words that are left, possibly none.
        left = [
            m.group()
            for m in re.finditer(r"[\w'\u2019-]+", words.text)
            if words.free(m.start(), m.end())
            and not words.ignorable(m.group())
            and not numbers(m.group())
            and stem(m.group().lower()) not in words.context
        ]
        value = " ".join(left)
        if not value:
            words.missing.append(name)
    if value is None and required and kind == "place":
        words.missing.append(name)  # a place is a name or follows "in": leftovers are not one
    if value and not shaped and all(t in STOP_WORDS for t in tokens(value)):
        # "look into the on": what is left of a misheard phrase is no value: ask for it.
        value = None
        if required:
            words.missing.append(name)
    if value and kind == "place" and value.lower() not in PLACES:
        value = _place_heard(words.text, value) or value
    if value and kind == "topic":
        # Everyday endings of a request are not part of what it is about ("coffee for me").
        value = _TAIL.sub("", value) or value
        # A topic keeps its article: "look into the economy" is about "the economy".
        article = re.search(rf"\bthe\s+(?={re.escape(value)}\b)", words.text, re.IGNORECASE)
        value = words.text[article.start() : article.end()] + value if article else value
    return words.take(value) if value is not None else None


def _place_heard(text: str, value: str) -> str | None:
    """The place the engine knows that `value`, alone or with the word before it, sounds like:
    "in my army" is Miami, "Sidney" is Sydney, as a recogniser writes a name it misheard."""
    before = re.search(rf"(?:\b([a-z']+)\s+)?\b{re.escape(value)}\b", text, re.IGNORECASE)
    heard = [value] + ([f"{before[1]} {value}"] if before and before[1] else [])
    found = [
        place
        for said in heard
        if (sounds := phonemes(tokens(said)))
        and (place := nearest(sounds, PLACES)) is not None
        and place[0] <= _LIKE_PLACE
    ]
    if not found:
        return None
    return " ".join(w if w == "de" else w.capitalize() for w in min(found)[1].split())


def _number(words: _Words, name: str, schema: dict[str, Any], required: bool) -> float | None:
    found = [(a, b, v) for a, b, v, _ in number_spans(words.text) if words.free(a, b)]
    if found:
        about = _kind(name, schema)
        label = re.search(rf"\b{re.escape(identifier_words(name)[0])}", words.text, re.IGNORECASE)
        money = [
            f
            for f in found
            if words.text[max(0, f[0] - 1) : f[0]] == "$"
            or re.match(rf"\s*{_MONEY_UNITS}\b", words.text[f[1] :], re.IGNORECASE)
        ]
        if about & _MONEY_WORDS and money:
            start, end, value = money[0]
        elif label:
            start, end, value = min(found, key=lambda f: abs(f[0] - label.start()))
        else:
            start, end, value = found[0]
        words.spans.append((start, end))
    elif "default" in schema and isinstance(schema["default"], int | float):
        value = float(schema["default"])
    elif required:
        words.missing.append(name)
        value = float(schema.get("minimum", 1))
    else:
        return None
    if isinstance(schema.get("minimum"), int | float):
        value = max(value, float(schema["minimum"]))
    if isinstance(schema.get("maximum"), int | float):
        value = min(value, float(schema["maximum"]))
    return value


def _boolean(words: _Words, name: str, required: bool) -> bool | None:
    present = set(tokens(words.text))
    if set(identifier_words(name)) & present:
        return not (present & _FALSE_WORDS)
    if present & _FALSE_WORDS:
        return False
    if present & _TRUE_WORDS:
        return True
    return False if required else None


def _value(
    words: _Words, name: str, schema: dict[str, Any], root: dict[str, Any], required: bool
) -> Any:
    kind = schema.get("type", "string")
    if kind == "string":
        return _string(words, name, schema, required)
    if kind in ("number", "integer"):
        number = _number(words, name, schema, required)
        if number is None:
            return None
        return round(number) if kind == "integer" else number
    if kind == "boolean":
        return _boolean(words, name, required)
    if kind == "array":
        item = resolve(schema.get("items", {}), root)
        enum = item.get("enum")
        if isinstance(enum, list):
            present = set(tokens(words.text))
            chosen = [v for v in enum if str(v).lower() in present]
            return chosen if chosen or required else None
        single = _value(words, name, item, root, required=False)
        return [single] if single is not None else ([] if required else None)
    if kind == "object":
        value = _fill(words, schema, root)
        return value if value or required else None
    return None


def _fill(words: _Words, schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return {}
    required = set(schema.get("required") or [])
    out: dict[str, Any] = {}
    for name, raw in properties.items():
        value = _value(words, name, resolve(raw, root), root, name in required)
        if value is not None or name in required:
            out[name] = value
    return out


def extract_arguments(
    text: str,
    schema: Any,
    *,
    tool_name: str = "",
    description: str = "",
    missing: list[str] | None = None,
) -> dict[str, Any]:
    """Arguments for a call, taken from `text`: required ones always, optional ones when found.

    Each value comes from the phrase that fits its parameter (a code after "order", a date, what
    a number counts); words of the tool's name and description are not values. Required
    parameters nothing was said for still get a value (the schema's first choice or minimum);
    their names are added to `missing`."""
    if not isinstance(schema, dict):
        return {}
    root = schema
    exclude = set(identifier_words(tool_name))
    # The tool's own words, and everyday words for them ("investigate" for research).
    context = content_stems(description) | {stem(w) for w in exclude}
    context |= {stem(s) for w in exclude for s in synonyms(w) if " " not in s}
    words = _Words(_PREPOSITION_HEARD.sub(lambda m: _HOMOPHONE[m.group(1)], text), exclude, context)
    out = _fill(words, resolve(schema, root), root)
    if missing is not None:
        missing.extend(words.missing)
    return out
